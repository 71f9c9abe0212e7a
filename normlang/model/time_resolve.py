"""The time of a spec (time.md): its events, and each norm's trigger and window in
exact rational seconds, as `spec.TimeModel`.

Events are declared as booleans for typing (true at an instant where they occur),
so `assume not (fire_alarm and fell)` reads them; `declare_events` does that before
the norms are typed. A duration is a constant here: one over facts is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from ..core.findings import Finding
from ..core.source import Span
from ..syntax import ast
from .imports import error
from .names import DeclaredNames
from .spec import (
    And,
    Arith,
    Const,
    DeonticAtom,
    FactDecl,
    FactRef,
    GivenConduct,
    Neg,
    OtherwiseStep,
    Relation,
    RExpr,
    TimedExpect,
    TimedNorm,
    TimedResponse,
    TimedScenario,
    TimedScenarioExpect,
    TimeModel,
    children,
)
from .typing_base import Context
from .typing_rules import Typer

#: seconds per unit
UNIT_SECONDS = {"s": Fraction(1), "min": Fraction(60), "h": Fraction(3600),
                "days": Fraction(86400)}

Declare = Callable[[str, ast.Ident, str], bool]


def declare_events(decls: list[ast.Decl], names: DeclaredNames, declare: Declare) -> list[str]:
    """Declare each `event` as a boolean of conditions; its names, in order."""
    events = []
    for decl in decls:
        if isinstance(decl, ast.Event) and declare("expr", decl.name, "event"):
            names.facts[decl.name.name] = FactDecl(decl.name.name, "bool", decl.span)
            events.append(decl.name.name)
    return events


def time_model(decls: list[ast.Decl], events: list[str], typer: Typer,
               findings: list[Finding], text: Callable[[Span], str]) -> TimeModel:
    """The triggers and windows of the timed norms (refused constructs are left out)."""
    timed: dict[str, TimedNorm] = {}
    varying = {d.name.name for d in decls if isinstance(d, ast.Fact) and d.varying}
    if varying:
        findings += _misread_varying(decls, varying, typer.names.defines)
    for decl in decls:
        if not isinstance(decl, ast.Norm):
            continue
        if decl.trigger is None:
            standing = _standing(decl, events, typer.names.defines, findings)
            if standing is not None:
                timed[decl.name.name] = standing
            continue
        trigger = decl.trigger
        if trigger.kind == "event" and trigger.name not in events:
            findings.append(_unknown_event(trigger, events))
            continue
        on = trigger.name
        if trigger.kind == "action":
            action = _reaction_trigger(decl, trigger, typer, findings)
            if action is None:
                continue
            on = action
        window = _window(decl.window, typer, findings)
        steps = _otherwise(decl, window, typer, findings)
        if window is not None and steps is not None:
            timed[decl.name.name] = TimedNorm(decl.name.name, on, *window, steps,
                                              by_action=trigger.kind == "action")
    expects = tuple(e for d in decls if isinstance(d, ast.Expect)
                    and isinstance(d.body, ast.ExpectTimed)
                    for e in [_expect(d, d.body, events, typer, findings, text)]
                    if e is not None)
    before = tuple(pair for d in decls if isinstance(d, ast.AssumeBefore)
                   for pair in [_before(d, events, findings)] if pair is not None)
    relations = tuple(r for d in decls if isinstance(d, ast.AssumeOn)
                      for r in [_relation(d, events, typer, findings)] if r is not None)
    scenarios = tuple(s for d in decls if isinstance(d, ast.Scenario)
                      for s in [_scenario(d, events, typer, findings, text)] if s is not None)
    return TimeModel(tuple(events), timed, expects, before, relations, scenarios)


def _scenario(decl: ast.Scenario, events: list[str], typer: Typer, findings: list[Finding],
              text: Callable[[Span], str]) -> TimedScenario | None:
    """A scenario of a timed spec; None (and findings) where a part has no meaning yet."""
    before = len(findings)
    occurrences = []
    for listed in decl.occurrences:
        at = seconds(listed.time, typer, findings)
        for name in listed.events:
            if name.name not in events:
                findings.append(_unknown_event(ast.Trigger("event", name.name, span=name.span),
                                               events))
            elif at is not None:
                occurrences.append((at, name.name))
    conduct = [c for g in decl.timed_given for c in [_given_conduct(g, typer, findings)]
               if c is not None]
    expects = [e for x in decl.expects for e in [_scenario_expect(x, typer, findings, text)]
               if e is not None]
    if len(findings) > before:
        return None
    given = And(tuple(typer.condition(g, Context.CONDITION) for g in decl.given))
    return TimedScenario(decl.name.name, given, tuple(sorted(occurrences)), tuple(conduct),
                         tuple(expects), decl.span)


def _reads_facts(expr: RExpr) -> bool:
    return isinstance(expr, FactRef) or any(_reads_facts(c) for c in children(expr))


def _qualified(qualifier: ast.TimeQualifier, typer: Typer, findings: list[Finding]
               ) -> tuple[Fraction, Fraction | None] | None:
    low = seconds(qualifier.low, typer, findings)
    if qualifier.kind == "at":
        return None if low is None else (low, low)
    if qualifier.kind == "after":
        return None if low is None else (low, None)
    assert qualifier.high is not None
    high = seconds(qualifier.high, typer, findings)
    if low is None or high is None:
        return None
    if low > high:
        findings.append(error("type-error", "`during [A, B]` needs A <= B", qualifier.span))
        return None
    return low, high


def _given_conduct(given: ast.TimedGiven, typer: Typer, findings: list[Finding]
                   ) -> GivenConduct | None:
    """`given φ at T` (done then) or `given not φ ...` (not done in the window), φ over
    actions only."""
    formula, done = given.formula, True
    if isinstance(formula, ast.Unary) and formula.op == "not":
        formula, done = formula.operand, False
    target = typer.condition(formula, Context.TARGET)
    window = _qualified(given.time, typer, findings)
    if window is None:
        return None
    if done and given.time.kind != "at":
        findings.append(error("type-error", "a timed scenario's `given` takes `ACTION at T`, "
                              "or `not ACTION` over a window (`at`, `during`, `after`)",
                              given.span, "give facts without a time (`given F`), and events "
                              "with `at T E`"))
        return None
    return GivenConduct(target, *window, done)


def _scenario_expect(expect: ast.ScenarioExpect, typer: Typer, findings: list[Finding],
                     text: Callable[[Span], str]) -> TimedScenarioExpect | None:
    formula = typer.condition(expect.formula, Context.EXPECT)
    atoms = formula.items if isinstance(formula, And) else (formula,)
    if expect.time is None or not all(
            isinstance(a, DeonticAtom) and not _reads_facts(a.target) for a in atoms):
        findings.append(error("type-error", "a timed scenario's `expect` takes `obliged`, "
                              "`forbidden` or `permitted` over actions (joined by `and`) "
                              "with `at T`, `during [A, B]` or `after T`; other forms are "
                              "not supported yet", expect.span))
        return None
    window = _qualified(expect.time, typer, findings)
    if window is None:
        return None
    shown = text(expect.span)
    return TimedScenarioExpect(tuple(a for a in atoms if isinstance(a, DeonticAtom)), *window,
                               expect.span, shown.removeprefix("expect").strip() or shown)


def _relation(decl: ast.AssumeOn, events: list[str], typer: Typer,
              findings: list[Finding]) -> Relation | None:
    """`assume on E [when C] then P (for D | until E2)` over events."""
    for trigger in (decl.trigger, *([decl.until] if decl.until is not None else [])):
        if trigger.kind != "event":
            findings.append(error("type-error", "`assume on ... then ...` starts and ends at "
                                  f"events; `{_trigger_text(trigger)}` is not one",
                                  trigger.span))
            return None
        if trigger.name not in events:
            findings.append(_unknown_event(trigger, events))
            return None
    when = typer.condition(decl.when, Context.CONDITION) if decl.when else Const(True)
    then = typer.condition(decl.then, Context.CONDITION)
    length = seconds(decl.for_, typer, findings) if decl.for_ is not None else None
    if decl.for_ is not None and length is None:
        return None
    return Relation(decl.trigger.name, when, then, length,
                    decl.until.name if decl.until is not None else None, decl.span)


def _before(decl: ast.AssumeBefore, events: list[str],
            findings: list[Finding]) -> tuple[str, str] | None:
    """`assume A before B` over two events; an action or `start` there is refused."""
    for trigger in (decl.first, decl.second):
        if trigger.kind != "event":
            findings.append(error("type-error", "`assume ... before ...` relates events; "
                                  f"`{_trigger_text(trigger)}` is not one", trigger.span))
            return None
        if trigger.name not in events:
            findings.append(_unknown_event(trigger, events))
            return None
    return decl.first.name, decl.second.name


def _trigger_text(trigger: ast.Trigger) -> str:
    return trigger.name if trigger.agent is None else f"{trigger.agent}.{trigger.name}"


def _expect(decl: ast.Expect, body: ast.ExpectTimed, events: list[str], typer: Typer,
            findings: list[Finding], text: Callable[[Span], str]) -> TimedExpect | None:
    trigger = body.trigger
    on = trigger.name
    if trigger.kind == "action":
        assert trigger.agent is not None
        on = f"{trigger.agent}.{trigger.name}"
        if on not in typer.names.actions:
            findings.append(_unknown_action(on, typer, trigger.span))
            return None
    if trigger.kind == "event" and trigger.name not in events:
        findings.append(_unknown_event(trigger, events))
        return None
    if body.quantifier != "always" and len(body.responses) > 1:
        findings.append(error("type-error", f"`expect {body.quantifier} on ... then R and R` "
                              "is not supported yet", body.span,
                              "write one expectation per response"))
        return None
    when = typer.condition(body.when, Context.CONDITION) if body.when else Const(True)
    responses = []
    for response in body.responses:
        made = _response(response, typer, findings)
        if made is None:
            return None
        responses.append(made)
    return TimedExpect(body.quantifier, on, when, tuple(responses), decl.span,
                       text(body.span), by_action=trigger.kind == "action")


def _response(response: ast.Response, typer: Typer,
              findings: list[Finding]) -> TimedResponse | None:
    formula = response.formula
    kind: str = "does"
    if isinstance(formula, ast.Deontic):
        kind, formula = formula.kind, formula.target
    elif isinstance(formula, ast.Unary) and formula.op == "not":
        kind, formula = "does not", formula.operand
    target = typer.condition(formula, Context.DEONTIC)
    window = _window(response.window, typer, findings)
    if window is None:
        return None
    return TimedResponse(kind, target, *window)  # type: ignore[arg-type]


def _otherwise(decl: ast.Norm, window: tuple[Fraction, Fraction | None] | None,
               typer: Typer, findings: list[Finding]) -> tuple[OtherwiseStep, ...] | None:
    """The `otherwise` chain; None (and findings) where a step has no meaning yet."""
    if not decl.otherwise:
        return ()
    if decl.modality != "must":
        findings.append(error("type-error", f"`otherwise` after a `{decl.modality}` norm is "
                              "not supported yet", decl.otherwise[0].span,
                              "an `otherwise` repairs a `must` violated at its window's end"))
        return None
    steps: list[OtherwiseStep] = []
    ends: Fraction | None = window[1] if window is not None else Fraction(0)
    for step in decl.otherwise:
        if ends is None:
            findings.append(error("type-error", "`otherwise` after `eventually` has no "
                                  "violation time to start from", step.span,
                                  "give the duty before it a window with an end"))
            return None
        if steps and steps[-1].modality == "must not":
            findings.append(error("type-error", "`otherwise` after an `otherwise ... must "
                                  "not` is not supported yet", step.span,
                                  "a ban is violated when it is broken, not at a fixed time"))
            return None
        if step.agent.name not in typer.names.agents:
            findings.append(error("name-error", f"unknown agent `{step.agent.name}`",
                                  step.agent.span))
            return None
        when = typer.condition(step.when, Context.CONDITION) if step.when else Const(True)
        target = typer.condition(step.target, Context.TARGET, agent=step.agent.name)
        bounds = _window(step.window, typer, findings)
        if bounds is None:
            return None
        steps.append(OtherwiseStep(when, step.agent.name, target, *bounds, step.modality))
        ends = bounds[1]
    return tuple(steps)


def _reaction_trigger(decl: ast.Norm, trigger: ast.Trigger, typer: Typer,
                      findings: list[Finding]) -> str | None:
    """The qualified action of `on AGENT.ACTION`; None (and an error) where it is unknown
    or the norm is of a kind conduct cannot trigger yet."""
    assert trigger.agent is not None
    qualified = f"{trigger.agent}.{trigger.name}"
    if qualified not in typer.names.actions:
        findings.append(_unknown_action(qualified, typer, trigger.span))
        return None
    if decl.modality == "may":
        findings.append(error("type-error", "`may` norms triggered by an action (`on "
                              "AGENT.ACTION`) are not supported yet", trigger.span))
        return None
    return qualified


def _unknown_action(qualified: str, typer: Typer, span: Span) -> Finding:
    from ..core.suggest import closest

    close = closest(qualified, sorted(typer.names.actions))
    hint = (f"did you mean `{close}`?",) if close else (f"declare it with `action {qualified}`",)
    return error("name-error", f"unknown action `{qualified}`", span, *hint)


def _standing(decl: ast.Norm, events: list[str], defines: dict[str, ast.Define],
              findings: list[Finding]) -> TimedNorm | None:
    """A standing norm over facts that do not change: one instance whose window is every
    instant, the same as `on start ... eventually` for a `must not` or `may` (a standing
    `must` demands its target at each of those instants: `checks.timed_standing`)."""
    read = _names([c for c in (decl.when, decl.unless) if c is not None], defines)
    if read & set(events):
        findings.append(error("type-error", "standing norms whose conditions read events are "
                              "not supported yet", decl.span,
                              "trigger the norm with `on EVENT` instead"))
        return None
    return TimedNorm(decl.name.name, "start", Fraction(0), None, standing=True)


def _misread_varying(decls: list[ast.Decl], varying: set[str],
                     defines: dict[str, ast.Define]) -> list[Finding]:
    """Errors where a varying fact is read at a time that is not an occurrence (what a
    conduct does, a standing norm, an `otherwise` read at a violation): not supported yet."""
    found = []

    def refuse(exprs: list[ast.Expr | None], what: str, span: Span) -> None:
        if _names([e for e in exprs if e is not None], defines) & varying:
            found.append(error("type-error", f"{what} that read varying facts are not "
                               "supported yet", span, "a varying fact is read where an event "
                               "occurs: in the `when`/`unless` of a norm `on EVENT`"))

    for decl in decls:
        if isinstance(decl, ast.Constraint):
            refuse([decl.expr], "constraints", decl.span)
        elif isinstance(decl, ast.Norm):
            if decl.trigger is None:
                refuse([decl.when, decl.unless], "standing norms", decl.span)
            refuse([decl.target], "norm targets", decl.duty_span)
            for step in decl.otherwise:
                refuse([step.when, step.target], "`otherwise` duties", step.span)
    return found


def _names(exprs: list[ast.Expr], defines: dict[str, ast.Define]) -> set[str]:
    """The names `exprs` read, through the defines they use."""
    seen: set[str] = set()
    stack = list(exprs)
    while stack:
        expr = stack.pop()
        if isinstance(expr, ast.Name) and expr.name not in seen:
            seen.add(expr.name)
            if expr.name in defines:
                stack.append(defines[expr.name].expr)
        stack.extend(_children(expr))
    return seen


def _children(expr: ast.Expr) -> tuple[ast.Expr, ...]:
    if isinstance(expr, ast.Unary):
        return (expr.operand,)
    if isinstance(expr, ast.Binary):
        return (expr.left, expr.right)
    return ()


def _unknown_event(trigger: ast.Trigger, events: list[str]) -> Finding:
    from ..core.suggest import closest

    close = closest(trigger.name, events)
    hint = (f"did you mean `{close}`?",) if close else (
        "declare it with `event NAME` (or write `on start` for the start of the trace)",)
    return error("name-error", f"unknown event `{trigger.name}`", trigger.span, *hint)


def _window(window: ast.Window | None, typer: Typer,
            findings: list[Finding]) -> tuple[Fraction, Fraction | None] | None:
    if window is None:
        return Fraction(0), Fraction(0)
    if window.kind == "eventually":
        return Fraction(0), None
    assert window.high is not None
    high = seconds(window.high, typer, findings)
    low = seconds(window.low, typer, findings) if window.low is not None else Fraction(0)
    if high is None or low is None:
        return None
    if low > high:
        findings.append(error("type-error", "a window `within [D1, D2]` needs D1 <= D2",
                              window.span, "write the earlier end first"))
        return None
    return low, high


def seconds(duration: ast.Duration, typer: Typer, findings: list[Finding]) -> Fraction | None:
    """A duration in exact seconds; None (and a finding) if it is not a non-negative
    constant."""
    amount = typer.number(duration.amount, Context.CONDITION)
    if amount is None:
        return None
    value = _constant(amount)
    if value is None:
        findings.append(_refused_duration(duration.span))
        return None
    if value < 0:
        findings.append(error("type-error", "a duration cannot be negative", duration.span))
        return None
    return value * UNIT_SECONDS[duration.unit]


def _constant(expr: RExpr) -> Fraction | None:
    """The value of a linear expression of numbers; None if it reads anything else."""
    if isinstance(expr, Const):
        value = expr.value
        return None if isinstance(value, bool) else Fraction(value)
    if isinstance(expr, Neg):
        inner = _constant(expr.operand)
        return None if inner is None else -inner
    if isinstance(expr, Arith):
        left, right = _constant(expr.left), _constant(expr.right)
        if left is None or right is None:
            return None
        return left + right if expr.op == "+" else left - right if expr.op == "-" else left * right
    return None


def _refused_duration(span: Span) -> Finding:
    return error("type-error", "durations over facts are not supported yet", span,
                 "write the duration as a number (or an expression of numbers) and a unit")
