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


def timed_constructs(decl: ast.Decl) -> Iterator[tuple[str, Span]]:
    """(construct, where) for each construct of time in `decl`."""
    if isinstance(decl, ast.Event):
        yield "`event` declarations", decl.span
    elif isinstance(decl, ast.Fact) and decl.varying:
        yield "`varying fact` declarations", decl.span
    elif isinstance(decl, ast.AssumeBefore):
        yield "`assume ... before ...`", decl.span
    elif isinstance(decl, ast.AssumeOn):
        yield "`assume on ... then ...`", decl.span
    elif isinstance(decl, ast.Norm):
        yield from _norm_constructs(decl)
    elif isinstance(decl, ast.Expect) and isinstance(decl.body, ast.ExpectTimed):
        yield "timed expectations (`expect ... on ... then ...`)", decl.span
    elif isinstance(decl, ast.Scenario):
        yield from _scenario_constructs(decl)


def _norm_constructs(norm: ast.Norm) -> Iterator[tuple[str, Span]]:
    if norm.trigger is not None:
        yield f"norm triggers (`on {_trigger_text(norm.trigger)}`)", norm.trigger.span
    if norm.window is not None:
        yield f"windows (`{_window_word(norm.window)}`)", norm.window.span
    for step in norm.otherwise:
        yield "`otherwise` duties", step.span
    for branch in norm.branches:
        yield "`unless ... then ...` branches", branch.span


def _scenario_constructs(scenario: ast.Scenario) -> Iterator[tuple[str, Span]]:
    for occurrence in scenario.occurrences:
        yield "timed scenarios (`at TIME EVENT`)", occurrence.span
    for given in scenario.timed_given:
        yield f"timed scenario facts (`given ... {given.time.kind} ...`)", given.span
    for expect in scenario.expects:
        if expect.time is not None:
            yield f"timed scenario expectations (`expect ... {expect.time.kind} ...`)", expect.span


def _trigger_text(trigger: ast.Trigger) -> str:
    return f"{trigger.agent}.{trigger.name}" if trigger.agent else trigger.name


def _window_word(window: ast.Window) -> str:
    return {"within": "within D", "between": "within [D1, D2]",
            "eventually": "eventually"}[window.kind]


def refusals(decls: list[ast.Decl], supported: frozenset[str] = frozenset()) -> list[Finding]:
    """One error per construct of time in `decls` that is not in `supported`."""
    findings = []
    for decl in decls:
        for construct, span in timed_constructs(decl):
            if construct not in supported:
                findings.append(error(
                    "type-error", f"{construct} are not supported yet", span,
                    "normcheck parses the time extension (time.md) but does not check this "
                    "construct yet; it is refused rather than read without its time"))
    return findings
