"""What the typing rules stand on: the contexts an expression is read in, and how
typing reports its mistakes.

Where an expression is read decides what it may name (`READS_ACTIONS`,
`READS_FACTS`). `TypingErrors` is the part of `typing_rules.Typer` that turns a
mistake into a finding; an unknown name gets a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from ..core.findings import Finding, Label
from ..core.source import Span
from ..core.suggest import closest
from ..syntax.grammar import KEYWORDS

if TYPE_CHECKING:
    from .names import DeclaredNames


class Context(Enum):
    CONDITION = "condition"
    CONSTRAINT = "constraint"
    TARGET = "target"
    EXPECT = "expectation"
    DEONTIC = "deontic target"
    DEFINE = "define"


READS_ACTIONS = {Context.CONSTRAINT, Context.TARGET, Context.EXPECT, Context.DEONTIC,
                 Context.DEFINE}
READS_FACTS = {Context.CONDITION, Context.CONSTRAINT, Context.EXPECT, Context.DEONTIC,
               Context.DEFINE}


@dataclass(frozen=True)
class Unresolved:
    """A bare name that is neither a fact, a define nor an action: maybe an enum value."""

    name: str
    span: Span


class Bad(Exception):
    """An error already reported; the expression lowers to `false`."""


class TypingErrors:
    """How `typing_rules.Typer` reports mistakes: one finding each.

    `Typer` derives from this class and sets the fields below.
    """

    names: DeclaredNames
    findings: list[Finding]
    _suggestions: dict[tuple[str, str], tuple[str, ...]]

    def _expect(self, kind: str, wanted: str, span: Span, what: str) -> None:
        if kind != wanted:
            self._error("type-error", f"{what} needs a condition (bool), found {show(kind)}",
                        span)
            raise Bad

    def _unknown_name(self, name: Unresolved, context: Context, agent: str | None) -> None:
        if name.name in KEYWORDS:
            self._error("syntax-error", f"`{name.name}` is a keyword and cannot be used as a "
                                        f"name", name.span, "choose another name")
            return
        if context == Context.TARGET and agent is not None:
            prefix = agent + "."
            hint = self._suggestion(name.name, prefix, lambda: [
                a.split(".", 1)[1] for a in self.names.actions if a.startswith(prefix)])
            self._error("name-error", f"unknown action `{name.name}` of agent `{agent}`",
                        name.span, *hint)
            return

        def known() -> list[str]:
            names = list(self.names.facts) + list(self.names.defines)
            if context in READS_ACTIONS:
                names += [a.split(".", 1)[1] for a in self.names.actions]
            return names

        enum_owner = [e.name for e in self.names.enums.values() if name.name in e.values]
        if enum_owner:
            self._error("name-error", f"`{name.name}` is a value of enum `{enum_owner[0]}`, "
                                      f"not a condition", name.span,
                        "compare it with a fact of that type, e.g. `risk == " + name.name + "`")
            return
        what = "fact" if context == Context.CONDITION else "name"
        hint = self._suggestion(name.name, "+actions" if context in READS_ACTIONS else "",
                                known)
        self._error("name-error", f"unknown {what} `{name.name}`", name.span, *hint)

    def _suggestion(self, word: str, among: str,
                    known: Callable[[], list[str]]) -> tuple[str, ...]:
        """`did_you_mean(word, known())`, once per (word, `among`: which names `known` lists).

        INVARIANT: every name is declared before typing starts, so the answer cannot change.
        """
        key = (word, among)
        if key not in self._suggestions:
            self._suggestions[key] = did_you_mean(word, known())
        return self._suggestions[key]

    def _error(self, kind: str, message: str, span: Span, *help_lines: str) -> None:
        self.findings.append(Finding(kind, message, span, (Label(span, primary=True),),
                                     help=help_lines))


def show(kind: str) -> str:
    return f"enum `{kind[5:]}`" if kind.startswith("enum:") else f"`{kind}`"


def did_you_mean(name: str, known: Iterable[str]) -> tuple[str, ...]:
    close = closest(name, known)
    return (f"did you mean `{close}`?",) if close is not None else ()
