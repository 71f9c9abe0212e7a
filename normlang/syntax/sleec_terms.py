"""The terms of a SLEEC file, shared by both of its readings (docs/sleec.md): what the
definitions declare, conditions, events as triggers and formulas, windows, durations and
relations; and `Refused`, the refusal of a construct that has no faithful meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NoReturn

from ..core.findings import Finding, Label
from ..core.source import SourceFile, Span
from . import ast
from .limits import MAX_NUMBER_DIGITS, number_too_long

if TYPE_CHECKING:
    import lark

#: the name of the one agent, or the next one if a SLEEC name takes it
AGENT_NAMES = ("system", "sleec_system", "sleec_agent")
_UNITS: dict[str, ast.TimeUnit] = {"seconds": "s", "minutes": "min", "hours": "h",
                                   "days": "days"}
_COMPARISONS: dict[str, ast.BinaryOp] = {"=": "==", "<>": "!=", "<": "<", "<=": "<=",
                                         ">": ">", ">=": ">="}
#: words that would not read back as names in the `.norm` that `convert` writes
RESERVED = frozenset({"start", "event", "varying"})


class Refused(Exception):
    """A construct that cannot be read: carried to the declaration it is in."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


@dataclass
class Names:
    """What the definitions declare."""

    events: dict[str, Span] = field(default_factory=dict)
    #: events that some rule demands: the agent's actions
    actions: set[str] = field(default_factory=set)
    #: measure -> "boolean" | "numeric" | "scale"
    measures: dict[str, str] = field(default_factory=dict)
    #: scale value -> the scale measures that have it
    scale_values: dict[str, set[str]] = field(default_factory=dict)
    constants: set[str] = field(default_factory=set)
    agent: str = AGENT_NAMES[0]
    #: where the file compares a scale with a number or another scale's value: then every
    #: scale is read by position (`int in 0..n-1`, a define per value), as SLEEC reads it
    positional: Any = None
    #: scale values already defined (positional reading)
    defined_values: dict[str, int] = field(default_factory=dict)


class Terms:
    """Reads the terms of one SLEEC file; `Reading` (sleec_base) reads its rules."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.names = Names()
        self.findings: list[Finding] = []
        #: " (rule `R`)", " (concern `c`)" or " (purpose `p`)" while one is read, for messages
        self.rule = ""

    # ------------------------------------------------------------ helpers

    def span(self, item: Any) -> Span:
        """The span of a token or a tree (the whole of its text)."""
        if hasattr(item, "start_pos"):
            return self.source.span(item.start_pos or 0, item.end_pos or 0)
        meta = getattr(item, "meta", None)
        if meta is None or meta.empty:
            return self.source.span(0, 0)
        return self.source.span(meta.start_pos, meta.end_pos)

    def finding(self, item: Any, message: str, *help_lines: str,
                kind: str = "syntax-error") -> Finding:
        """A finding at `item`, naming the rule, concern or purpose being read."""
        span = self.span(item)
        return Finding(kind, f"{message}{self.rule}", span, (Label(span, primary=True),),
                       help=help_lines)

    def refuse(self, item: Any, message: str, *help_lines: str,
               kind: str = "syntax-error") -> NoReturn:
        raise Refused(self.finding(item, message, *help_lines, kind=kind))

    def ident(self, token: Any) -> ast.Ident:
        return ast.Ident(str(token), self.span(token))

    def unknown(self, token: Any, what: str, known: Iterable[str]) -> NoReturn:
        from ..core.suggest import closest

        close = closest(str(token), list(known))
        hint = (f"did you mean `{close}`?",) if close else ()
        self.refuse(token, f"unknown {what} `{token}`", *hint, kind="name-error")

    # ------------------------------------------------------------ events, windows, durations

    def window(self, node: lark.Tree[Any]) -> ast.Window:
        if node.data == "within":
            return ast.Window("within", high=self.duration(node.children[0]),
                              span=self.span(node))
        low, high = (self.duration(c) for c in node.children)
        return ast.Window("between", low=low, high=high, span=self.span(node))

    def duration(self, node: lark.Tree[Any]) -> ast.Duration:
        amount, unit = node.children
        return ast.Duration(self.number(amount), _UNITS[str(unit.children[0])],
                            self.span(node))

    def trigger(self, token: Any) -> ast.Trigger:
        name = str(token)
        if name not in self.names.events:
            self.unknown(token, "event", self.names.events)
        if name in self.names.actions:
            return ast.Trigger("action", name, self.names.agent, self.span(token))
        return ast.Trigger("event", name, span=self.span(token))

    def event_expr(self, token: Any) -> ast.Expr:
        """An event as a formula: the agent's action, or the event itself."""
        name = str(token)
        if name not in self.names.events:
            self.unknown(token, "event", self.names.events)
        if name in self.names.actions:
            return ast.Dotted(self.names.agent, name, self.span(token))
        return ast.Name(name, self.span(token))

    # ------------------------------------------------------------ relations

    def relation(self, node: lark.Tree[Any]) -> ast.Decl:
        span = self.span(node)
        if node.data == "event_relation":
            word, first, second = str(node.children[0].children[0]), *node.children[1:]
            if word == "happenBefore":
                return ast.AssumeBefore(self.trigger(first), self.trigger(second), span)
            a, b = self.event_expr(first), self.event_expr(second)
            formula = _relation_formula(word, a, b, span)
            return self.assumed(formula, (a, b), span)
        if node.data == "measure_relation":
            word = str(node.children[0].children[0])
            a, b = (self.boolean(c) for c in node.children[1:])
            return ast.Assume(_relation_formula(word, a, b, span), span)
        if node.data == "measure_invariant":
            return ast.Assume(self.boolean(node.children[0]), span)
        if node.data == "effect_relation":
            return self.effect(node, span)
        return self.assume_on(node, span)

    def effect(self, node: lark.Tree[Any], span: Span) -> ast.Decl:
        word, event, condition = str(node.children[0].children[0]), *node.children[1:]
        occurs, holds = self.event_expr(event), self.boolean(condition)
        formula: ast.Expr
        if word == "causation":
            formula = ast.Binary("->", holds, occurs, span)
        elif word == "includes":
            formula = ast.Binary("->", occurs, holds, span)
        else:
            formula = ast.Binary("->", occurs, ast.Unary("not", holds, holds.span), span)
        return self.assumed(formula, (occurs,), span)

    def assumed(self, formula: ast.Expr, sides: tuple[ast.Expr, ...], span: Span) -> ast.Decl:
        """An assume, or a constraint when it speaks of the agent's actions."""
        if any(isinstance(side, ast.Dotted) for side in sides):
            return ast.Constraint(formula, span)
        return ast.Assume(formula, span)

    def assume_on(self, node: lark.Tree[Any], span: Span) -> ast.Decl:
        event, *rest = node.children
        when = None
        then: ast.Expr | None = None
        until: ast.Trigger | None = None
        for_: ast.Duration | None = None
        for part in rest:
            if is_tree(part) and part.data == "condition":
                when = self.boolean(part.children[0])
            elif is_tree(part) and part.data == "end_condition":
                self.refuse(part, "a condition on the end of `until` is not supported",
                            "normlang's `assume on E then P until E2` ends at any E2")
            elif is_tree(part) and part.data == "time_value":
                for_ = self.duration(part)
            elif then is None:
                then = self.boolean(part)
            else:
                until = self.trigger(part)
        assert then is not None  # INVARIANT: the grammar requires `then`
        if until is None and for_ is None:
            self.refuse(node, "`when E then P` without `until` or `for` is not supported",
                        "say how long P holds: `until E2` or `for D`")
        return ast.AssumeOn(self.trigger(event), when, then, for_, until, span)

    # ------------------------------------------------------------ conditions

    def boolean(self, node: Any) -> ast.Expr:
        span = self.span(node)
        kind = node.data
        if kind == "measure_ref":
            return self.measure(node)
        if kind in ("true", "false"):
            return ast.BoolLit(kind == "true", span)
        if kind == "negation":
            return ast.Unary("not", self.boolean(node.children[0]), span)
        if kind == "connective":
            left, op, right = node.children
            return ast.Binary(str(op.children[0]), self.boolean(left),  # type: ignore[arg-type]
                              self.boolean(right), span)
        left, op, right = node.children
        return ast.Binary(_COMPARISONS[str(op.children[0])], self.number(left),
                          self.number(right), span)

    def number(self, node: Any) -> ast.Expr:
        span = self.span(node)
        if not is_tree(node) or node.data == "int_value":  # a constant's INT, or one in a term
            token = node if not is_tree(node) else node.children[0]
            text = str(token).lstrip("+")
            if number_too_long(text):
                self.refuse(token, f"number out of range: at most {MAX_NUMBER_DIGITS} digits")
            if text.startswith("-"):  # as `.norm` reads `-5`: the negation of 5
                digits = text[1:]
                return ast.Unary("-", ast.NumLit(Fraction(int(digits)), True, digits, span), span)
            return ast.NumLit(Fraction(int(text)), True, text, span)
        kind = node.data
        if kind == "measure_ref":
            return self.measure(node)
        if kind == "bare_name" and str(node.children[0]) in self.names.measures:
            # a measure without braces: N-Check reads it as the measure, and so does this
            return ast.Name(str(node.children[0]), span)
        if kind in ("constant_alias", "bare_name"):
            name = node.children[0]
            known = self.names.constants | (set(self.names.scale_values)
                                            if kind == "bare_name" else set())
            if str(name) not in known:
                self.unknown(name, "constant" if kind == "constant_alias" else "name", known)
            return ast.Name(str(name), span)
        left, op, right = node.children
        return ast.Binary(str(op.children[0]), self.number(left),  # type: ignore[arg-type]
                          self.number(right), span)

    def measure(self, node: lark.Tree[Any]) -> ast.Expr:
        name = node.children[0]
        if str(name) not in self.names.measures:
            self.unknown(name, "measure", self.names.measures)
        return ast.Name(str(name), self.span(node))


# ---------------------------------------------------------------- small pieces


def is_tree(item: Any) -> bool:
    return hasattr(item, "data")


def event_token(occurrence: lark.Tree[Any]) -> Any:
    return next(c for c in occurrence.children if not is_tree(c))


def event_of(occurrence: lark.Tree[Any]) -> str:
    return str(event_token(occurrence))


def parts(node: lark.Tree[Any]) -> tuple[lark.Tree[Any], lark.Tree[Any] | None,
                                          lark.Tree[Any] | None, list[lark.Tree[Any]]]:
    """A response's occurrence, `otherwise`, `else` and `unless` clauses."""
    by_kind: dict[str, list[lark.Tree[Any]]] = {}
    for child in node.children:
        by_kind.setdefault(child.data, []).append(child)
    alternative = by_kind.get("alternative", [None])[0]
    choice = by_kind.get("choice", [None])[0]
    return by_kind["occurrence"][0], alternative, choice, by_kind.get("defeater", [])


def _relation_formula(word: str, a: ast.Expr, b: ast.Expr, span: Span) -> ast.Expr:
    """SLEEC's relations between two events or two conditions, as one formula."""
    if word in ("witness", "imply"):
        return ast.Binary("->", a, b, span)
    if word in ("equal", "iff"):
        return ast.Binary("<->", a, b, span)
    if word == "mutualExclusive":
        return ast.Unary("not", ast.Binary("and", a, b, span), span)
    # `opposite`
    return ast.Binary("<->", a, ast.Unary("not", b, b.span), span)
