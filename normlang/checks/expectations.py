"""`expect` and `scenario`: the authors' own claims, proved for every situation."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import z3

from ..core.findings import Finding, Label, Witness
from ..engine.concrete import ComponentTooLarge
from ..engine.encode import assert_terms, conj, disj, implies, neg
from ..engine.evaluate import free_actions, has_deontic, names_in
from ..engine.solver import is_sat
from ..engine.structure import Group
from ..engine.views import View
from ..model.spec import Expectation, NormDecl, Not, RExpr, Scenario
from .context import CheckContext, backticked, norm_label


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
        return _complies(ctx, expectation)
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


# ---------------------------------------------------------------- complies with


def _layer(ctx: CheckContext, name: str | None) -> list[NormDecl]:
    key = ("layer", name or "")
    if key not in ctx.memo:
        ctx.memo[key] = [n for n in ctx.spec.norms if n.layer == name]
    return ctx.memo[key]  # type: ignore[return-value]


def _complies(ctx: CheckContext, expectation: Expectation) -> Iterable[Finding]:
    engine = ctx.engine
    lower = _layer(ctx, expectation.lower)
    agents = set(expectation.agents) or {n.agent for n in lower}
    higher = _layer(ctx, expectation.higher)
    judged = [n for n in higher if n.agent in agents and n.modality != "may"]
    if not judged:
        return []
    view_a = engine.standard_view(f"layer:{expectation.lower}")
    view_b = engine.standard_view(f"layer:{expectation.higher}")
    if ctx.scoped:
        # the judged norms' groups; elsewhere layer A only needs some complying conduct,
        # which exists wherever its norms there have no conflict
        scope = sorted({engine.group_of[n.name].index for n in judged})
        groups = [engine.groups[i] for i in scope]
        others = [g for g in engine.conflicting_groups(view_a) if g.index not in scope]
        facts = set().union(*(engine.group_facts(g) for g in groups + others))
        solver = engine.new_solver(*[d for g in groups + others for d in view_a.definitions(g)],
                                   *[d for g in groups for d in view_b.definitions(g)],
                                   facts=facts)
        assert_terms(solver, [view_a.complies(g) for g in groups])
        assert_terms(solver, [neg(engine.conflicts(g, view_a).formula) for g in others])
    else:
        groups = others = []
        solver = engine.new_solver(*view_a.all_definitions(), *view_b.all_definitions())
        assert_terms(solver, [view_a.complies(g) for g in engine.groups])
    broken: list[NormDecl] = []
    first_model = None
    for norm in judged:
        breaks = conj(view_b.act[norm.name], neg(engine.demand(norm)))
        marker = z3.FreshBool("breaks")
        assert_terms(solver, [implies(marker, breaks)])
        if is_sat(solver, engine.limits, marker):
            broken.append(norm)
            if first_model is None:
                related = [n for n in lower if n.modality != "may"
                           and names_in(n.target)[1] & names_in(norm.target)[1]]
                first_model = _telling_model(solver, engine, marker, view_a, related)
    if first_model is None:
        return []
    witness = ctx.witness(first_model, conduct=True, groups=groups + others or None,
                          conduct_groups=groups or None)
    main = broken[0]
    _recheck_gap(ctx, view_a, view_b, main, witness, groups + others or None)
    labels = [Label(expectation.span, "fails", primary=True), norm_label(main, message="broken")]
    help_lines = [f"in the witness situation the conduct shown complies with every norm of "
                  f"`{expectation.lower}` active when it is judged alone, but not with "
                  f"`{main.name}` of `{expectation.higher}`"]
    alone = _active_alone(ctx, (view_a, view_b), witness, groups + others or None)
    for layer, names in zip((expectation.lower, expectation.higher), alone or ()):
        help_lines.append(f"`{layer}` judged alone has active there: {backticked(names) or 'none'}")
    return [Finding(
        "compliance-gap",
        f"layer `{expectation.lower}` does not comply with `{expectation.higher}`: conduct that "
        f"follows `{expectation.lower}` breaks `{main.name}`",
        expectation.span, tuple(labels), tuple(n.name for n in broken), witness,
        tuple(help_lines),
    )]


def _active_alone(ctx: CheckContext, views: tuple[View, View], witness: Witness,
                  groups: list[Group] | None) -> list[list[str]] | None:
    """The active norms of each layer judged alone in the witness situation (a witness
    lists those of the whole spec, where a norm of one layer can defeat one of the other)."""
    runtime = ctx.runtime
    env, _ = runtime.situation_env(witness.situation, complete=groups is None)
    exists = None if groups is None else not ctx.engine.merged
    out = []
    for view in views:
        names = (list(view.norms) if groups is None
                 else [n.name for g in groups for n in view.members(g)])
        try:
            out.append(sorted(runtime.active(env, runtime.applicable(env, names), names, exists)))
        except ComponentTooLarge:
            return None
    return out


def _telling_model(solver: z3.Solver, engine: object, marker: z3.BoolRef, view_a: View,
                   lower: list[NormDecl]) -> z3.ModelRef:
    """Prefer a witness in which layer A's norms actually say something."""
    model = solver.model()
    if lower:
        some_active = disj([view_a.act[n.name] for n in lower])
        if is_sat(solver, engine.limits, marker, _mark(solver, some_active)):  # type: ignore[attr-defined]
            model = solver.model()
    return model


def _mark(solver: z3.Solver, term: z3.BoolRef) -> z3.BoolRef:
    flag = z3.FreshBool("prefer")
    assert_terms(solver, [implies(flag, term)])
    return flag


def _recheck_gap(ctx: CheckContext, view_a: View, view_b: View, broken: NormDecl,
                 witness: Witness, groups: list[Group] | None) -> None:
    """The witness conduct complies with layer A and breaks `broken` (with `groups`: in
    those groups, the conduct shown being that of the judged ones)."""
    from ..engine.evaluate import evaluate

    runtime = ctx.runtime
    situation = witness.situation
    conduct = witness.conduct
    if groups is None:
        constraints = list(ctx.spec.constraints)
        norms_a, norms_b = list(view_a.norms), list(view_b.norms)
    else:
        shown = [g for g in groups if set(g.actions) <= set(conduct)]
        constraints = [c for g in shown for c in g.constraints]
        norms_a = [n.name for g in shown for n in view_a.members(g)]
        norms_b = [n.name for g in shown for n in view_b.members(g)]

    def claim() -> bool:
        env, _ = runtime.situation_env(situation, complete=groups is None)
        full = dict(env)
        full.update(conduct)
        if not all(evaluate(c.expr, full) for c in constraints):
            return False
        exists = None if groups is None else not ctx.engine.merged
        active_a = runtime.active(env, runtime.applicable(env, norms_a), norms_a, exists)
        active_b = runtime.active(env, runtime.applicable(env, norms_b), norms_b, exists)
        complies_a = all(evaluate(ctx.norm(n).demand, full) for n in active_a
                         if ctx.norm(n).modality != "may")
        return complies_a and broken.name in active_b and not evaluate(broken.demand, full)

    ctx.recheck(claim, f"compliance gap at `{broken.name}`")


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

