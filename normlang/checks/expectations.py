"""`expect` and `scenario`: the authors' own claims, proved for every situation."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from ..core.findings import Finding, Label
from ..engine.evaluate import free_actions, has_deontic, names_in
from ..engine.solver import is_sat
from ..model.spec import Expectation, Not, RExpr, Scenario
from .complies import check_complies
from .context import CheckContext, norm_label


def check_expectations(ctx: CheckContext) -> None:
    for expectation in ctx.spec.expectations:
        subject = f"`expect {expectation.text or expectation.kind}`"
        ctx.guarded("the expectation", subject, expectation.span,
                    partial(_expectation, ctx, expectation))


def check_scenarios(ctx: CheckContext) -> None:
    for scenario in ctx.spec.scenarios:
        ctx.guarded("the scenario", f"scenario `{scenario.name}`", scenario.span,
                    partial(_scenario, ctx, scenario))


def _expectation(ctx: CheckContext, expectation: Expectation) -> Iterable[Finding]:
    if expectation.kind == "consistent":
        return _consistent(ctx, expectation)
    if expectation.kind == "complies":
        return check_complies(ctx, expectation)
    assert expectation.formula is not None
    formula = expectation.formula
    with_conduct = bool(free_actions(formula))
    if expectation.kind == "possible":
        model = ctx.engine.find_situation(formula, with_conduct=with_conduct)
        if model is not None:
            return []
        return [_failed(ctx, expectation, None, "no situation makes it true"
                        + (" with a complying conduct" if with_conduct else ""))]
    target = Not(formula) if expectation.kind == "always" else formula
    model = ctx.engine.find_situation(target, with_conduct=with_conduct)
    if model is None:
        return []
    witness = ctx.witness(model, conduct=with_conduct)
    _recheck_formula(ctx, target, witness, f"`{expectation.text}`")
    why = "a counterexample" if expectation.kind == "always" else "a situation where it happens"
    return [_failed(ctx, expectation, witness, f"here is {why}")]


def _failed(ctx: CheckContext, expectation: Expectation, witness: object, detail: str) -> Finding:
    shown = expectation.text or expectation.kind
    return Finding(
        "expectation-failed", f"expectation `{shown}` does not hold", expectation.span,
        (Label(expectation.span, "fails", primary=True),), (), witness,  # type: ignore[arg-type]
        (detail,),
    )


def _consistent(ctx: CheckContext, expectation: Expectation) -> Iterable[Finding]:
    engine = ctx.engine
    for group in engine.conflicting_groups():
        sets = engine.conflicts(group).sets
        if sets:
            witness = ctx.witness(engine.conflict_model(group, sets[0]))
            finding = _failed(ctx, expectation, witness,
                              "some situation has no complying conduct (see the `conflict` finding)")
            return [Finding(finding.kind, finding.message, finding.span, finding.labels,
                            tuple(sets[0].norms), witness, finding.help)]
    return []


def _recheck_formula(ctx: CheckContext, formula: RExpr, witness: object, what: str) -> None:
    """The witness makes `formula` true under plain evaluation (deontic atoms included)."""
    from .plain import holds

    ctx.recheck(lambda: holds(ctx, formula, witness), what)  # type: ignore[arg-type]


# ---------------------------------------------------------------- scenarios


def _scenario(ctx: CheckContext, scenario: Scenario) -> Iterable[Finding]:
    engine = ctx.engine
    given = engine.enc.term(scenario.given)
    if not is_sat(engine.new_solver(given), engine.limits):
        return [Finding(
            "scenario-failed",
            f"scenario `{scenario.name}` describes no possible situation",
            scenario.span, (Label(scenario.span, "impossible", primary=True),), (), None,
            ("its `given` facts contradict each other, the ranges of their types or an `assume`",),
        )]
    findings = []
    for expect in scenario.expects:
        with_conduct = bool(free_actions(expect.formula))
        model = engine.find_situation(Not(expect.formula), extra=[given],
                                      with_conduct=with_conduct,
                                      extra_facts=names_in(scenario.given)[0])
        if model is None:
            continue
        witness = ctx.witness(model, conduct=with_conduct)
        _recheck_formula(ctx, Not(expect.formula), witness, f"scenario `{scenario.name}`")
        free = [name for name in witness.situation if not _mentions(scenario.given, name)]
        detail = ("it fails in the situation shown" if not free else
                  "facts not given are free; it fails for the completion shown")
        labels = [Label(expect.span, "does not hold", primary=True)]
        labels += [norm_label(ctx.norm(n), message="active here") for n in witness.active
                   if ctx.norm(n).modality != "may" or has_deontic(expect.formula)][:6]
        findings.append(Finding(
            "scenario-failed",
            f"scenario `{scenario.name}`: `{expect.text}` does not hold",
            expect.span, tuple(labels), witness.active, witness, (detail,),
        ))
    return findings


def _mentions(expr: RExpr, fact: str) -> bool:
    return fact in names_in(expr)[0]

