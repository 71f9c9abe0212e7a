"""Which constructs of time (time.md) a spec uses, and the refusal of those not supported yet.

The resolver calls `refusals` first: a construct that has no meaning in the
engine yet is an error naming it, never dropped or approximated.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..core.findings import Finding
from ..core.source import Span
from ..syntax import ast
from .imports import error

#: the constructs the temporal engine gives a meaning to (keys of `timed_constructs`)
SUPPORTED = frozenset({"event", "trigger-event", "trigger-start", "trigger-action", "window-within",
                       "window-between", "window-eventually", "otherwise",
                       "expect-timed", "varying", "assume-before", "assume-on",
                       "scenario-at", "scenario-given", "scenario-expect"})


def timed_constructs(decl: ast.Decl) -> Iterator[tuple[str, str, Span]]:
    """(key, construct in words, where) for each construct of time in `decl`."""
    if isinstance(decl, ast.Event):
        yield "event", "`event` declarations", decl.span
    elif isinstance(decl, ast.Fact) and decl.varying:
        yield "varying", "`varying fact` declarations", decl.span
    elif isinstance(decl, ast.AssumeBefore):
        yield "assume-before", "`assume ... before ...`", decl.span
    elif isinstance(decl, ast.AssumeOn):
        yield "assume-on", "`assume on ... then ...`", decl.span
    elif isinstance(decl, ast.Norm):
        yield from _norm_constructs(decl)
    elif isinstance(decl, ast.Expect) and isinstance(decl.body, ast.ExpectTimed):
        yield "expect-timed", "timed expectations (`expect ... on ... then ...`)", decl.span
    elif isinstance(decl, ast.Scenario):
        yield from _scenario_constructs(decl)


def _norm_constructs(norm: ast.Norm) -> Iterator[tuple[str, str, Span]]:
    trigger = norm.trigger
    if trigger is not None:
        words = {"event": "`on EVENT`", "start": "`on start`", "action": "`on AGENT.ACTION`"}
        yield (f"trigger-{trigger.kind}", f"norm triggers ({words[trigger.kind]})",
               trigger.span)
    if norm.window is not None:
        words = {"within": "`within D`", "between": "`within [D1, D2]`",
                 "eventually": "`eventually`"}
        yield (f"window-{norm.window.kind}", f"windows ({words[norm.window.kind]})",
               norm.window.span)
    for step in norm.otherwise:
        yield "otherwise", "`otherwise` duties", step.span
    for branch in norm.branches:
        yield "branch", "`unless ... then ...` branches", branch.span


def _scenario_constructs(scenario: ast.Scenario) -> Iterator[tuple[str, str, Span]]:
    for occurrence in scenario.occurrences:
        yield "scenario-at", "timed scenarios (`at TIME EVENT`)", occurrence.span
    for given in scenario.timed_given:
        yield ("scenario-given", f"timed scenario facts (`given ... {given.time.kind} ...`)",
               given.span)
    for expect in scenario.expects:
        if expect.time is not None:
            yield ("scenario-expect",
                   f"timed scenario expectations (`expect ... {expect.time.kind} ...`)",
                   expect.span)


def is_timed(decls: list[ast.Decl]) -> bool:
    """Whether the spec uses time at all (then the temporal engine checks it)."""
    return any(True for decl in decls for _ in timed_constructs(decl))


def refusals(decls: list[ast.Decl]) -> list[Finding]:
    """One error per construct of time in `decls` that has no meaning yet, and, in a
    timed spec, per construct whose timed meaning is not built yet."""
    findings = [_refused(words, span) for decl in decls
                for key, words, span in timed_constructs(decl) if key not in SUPPORTED]
    if is_timed(decls):
        findings += [_refused(words, span) for decl in decls
                     for words, span in _atemporal_in_timed(decl)]
    return findings


def _atemporal_in_timed(decl: ast.Decl) -> Iterator[tuple[str, Span]]:
    if isinstance(decl, ast.Prefer):
        yield "`prefer` declarations in a spec with time", decl.span
    elif isinstance(decl, ast.ImportValues):
        yield "`import values` declarations in a spec with time", decl.span


def _refused(words: str, span: Span) -> Finding:
    return error("type-error", f"{words} are not supported yet", span,
                 "normcheck parses the time extension (time.md) but does not check this "
                 "construct yet; it is refused rather than read without its time")
