"""`expect A complies with B`: the three conditions of language.md, each gap its own finding.

Layer A's norms and layer B's norms are each judged alone (a norm's activity is decided
among the norms of its own layer); B's duties are those of the judged agents. In every
situation:

1. every conduct that complies with A complies with B: one `compliance-gap` for each duty
   of B that some conduct complying with A breaks where it is active;
2. where some conduct complies with B, some conduct complies with A: else one
   `compliance-gap` naming A's own conflicting norms (a layer that contradicts itself can be
   followed by no one, so it complies with nothing);
3. for every active `protected` permission of B to do φ, some conduct that complies with A
   does φ: else one `compliance-gap` for that permission (whatever agent it addresses: only
   A's norms, or A having no complying conduct at all, can take it away).
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from ..core.findings import Finding, Label, Witness
from ..engine.concrete import ComponentTooLarge
from ..engine.conflict_search import Engine
from ..engine.encode import assert_terms, conj, disj, implies, is_true_term, neg
from ..engine.evaluate import compile_expr, evaluate, names_in
from ..engine.solver import is_sat
from ..engine.structure import Group
from ..engine.views import View
from ..model.spec import Expectation, NormDecl
from .context import CheckContext, backticked, norm_label


def check_complies(ctx: CheckContext, expectation: Expectation) -> list[Finding]:
    """Every `compliance-gap` of one `expect A complies with B`."""
    engine = ctx.engine
    lower = _layer(ctx, expectation.lower)
    higher = _layer(ctx, expectation.higher)
    agents = set(expectation.agents) or {n.agent for n in lower}
    judged = [n for n in higher if n.agent in agents and n.modality != "may"]
    view_a = engine.standard_view(f"layer:{expectation.lower}")
    view_b = engine.standard_view(f"layer:{expectation.higher}")
    findings = _broken_duties(ctx, expectation, lower, judged, view_a, view_b)
    findings += _unfollowable(ctx, expectation, view_a, view_b)
    for permission in higher:
        if permission.modality == "may" and permission.protected:
            findings += _taken_away(ctx, expectation, permission, view_a, view_b)
    return findings


def _layer(ctx: CheckContext, name: str | None) -> list[NormDecl]:
    key = ("layer", name or "")
    if key not in ctx.memo:
        ctx.memo[key] = [n for n in ctx.spec.norms if n.layer == name]
    return ctx.memo[key]  # type: ignore[return-value]


def _gap(expectation: Expectation, detail: str, labels: Sequence[Label], norms: Sequence[str],
         witness: Witness, help_lines: Sequence[str]) -> Finding:
    return Finding(
        "compliance-gap",
        f"layer `{expectation.lower}` does not comply with `{expectation.higher}`: {detail}",
        expectation.span, (Label(expectation.span, "fails", primary=True), *labels),
        tuple(norms), witness, tuple(help_lines))


def _scope(ctx: CheckContext, groups: Sequence[Group]) -> list[Group] | None:
    """The groups a witness shows, when witnesses are scoped (None: the whole spec)."""
    return list(groups) if ctx.scoped else None


def _names_in(view: View, groups: Sequence[Group] | None) -> list[str]:
    return list(view.norms) if groups is None else [n.name for g in groups for n in view.members(g)]


# ---------------------------------------------------------------- 1. broken duties of B


def _broken_duties(ctx: CheckContext, expectation: Expectation, lower: list[NormDecl],
                   judged: list[NormDecl], view_a: View, view_b: View) -> list[Finding]:
    if not judged:
        return []
    engine = ctx.engine
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
    shown = groups + others or None
    findings = []
    for norm in judged:
        marker = z3.FreshBool("breaks")
        assert_terms(solver, [implies(marker, conj(view_b.act[norm.name], neg(engine.demand(norm))))])
        if not is_sat(solver, engine.limits, marker):
            continue
        related = [n for n in lower if n.modality != "may"
                   and names_in(n.target)[1] & names_in(norm.target)[1]]
        model = _telling_model(solver, engine, marker, view_a, related)
        witness = ctx.witness(model, conduct=True, groups=shown, conduct_groups=groups or None)
        _recheck_broken(ctx, view_a, view_b, norm, witness, shown)
        help_lines = [f"in the witness situation the conduct shown complies with every norm of "
                      f"`{expectation.lower}` active when it is judged alone, but not with "
                      f"`{norm.name}` of `{expectation.higher}`"]
        help_lines += _alone_lines(ctx, expectation, (view_a, view_b), witness, shown)
        findings.append(_gap(expectation, f"conduct that follows `{expectation.lower}` breaks "
                                          f"`{norm.name}`",
                             [norm_label(norm, message="broken")], [norm.name], witness,
                             help_lines))
    return findings


def _telling_model(solver: z3.Solver, engine: Engine, marker: z3.BoolRef, view_a: View,
                   lower: list[NormDecl]) -> z3.ModelRef:
    """Prefer a witness in which layer A's norms actually say something."""
    model = solver.model()
    if lower:
        flag = z3.FreshBool("prefer")
        assert_terms(solver, [implies(flag, disj([view_a.act[n.name] for n in lower]))])
        if is_sat(solver, engine.limits, marker, flag):
            model = solver.model()
    return model


def _recheck_broken(ctx: CheckContext, view_a: View, view_b: View, broken: NormDecl,
                    witness: Witness, groups: list[Group] | None) -> None:
    """The witness conduct complies with layer A and breaks `broken` (with `groups`: in
    those groups, the conduct shown being that of the judged ones)."""
    runtime = ctx.runtime
    conduct = witness.conduct
    if groups is None:
        constraints = list(ctx.spec.constraints)
        norms_a, norms_b = _names_in(view_a, None), _names_in(view_b, None)
    else:
        shown = [g for g in groups if set(g.actions) <= set(conduct)]
        constraints = [c for g in shown for c in g.constraints]
        norms_a, norms_b = _names_in(view_a, shown), _names_in(view_b, shown)

    def claim() -> bool:
        env, _ = runtime.situation_env(witness.situation, complete=groups is None)
        full = {**env, **conduct}
        if not all(evaluate(c.expr, full) for c in constraints):
            return False
        exists = None if groups is None else not ctx.engine.merged
        active_a = runtime.active(env, runtime.applicable(env, norms_a), norms_a, exists)
        active_b = runtime.active(env, runtime.applicable(env, norms_b), norms_b, exists)
        complies_a = all(evaluate(ctx.norm(n).demand, full) for n in active_a
                         if ctx.norm(n).modality != "may")
        return complies_a and broken.name in active_b and not evaluate(broken.demand, full)

    ctx.recheck(claim, f"compliance gap at `{broken.name}`")


def _alone_lines(ctx: CheckContext, expectation: Expectation, views: tuple[View, View],
                 witness: Witness, groups: list[Group] | None) -> list[str]:
    """The active norms of each layer judged alone in the witness situation (a witness
    lists those of the whole spec, where a norm of one layer can defeat one of the other)."""
    runtime = ctx.runtime
    env, _ = runtime.situation_env(witness.situation, complete=groups is None)
    exists = None if groups is None else not ctx.engine.merged
    lines = []
    for layer, view in zip((expectation.lower, expectation.higher), views):
        names = _names_in(view, groups)
        try:
            active = sorted(runtime.active(env, runtime.applicable(env, names), names, exists))
        except ComponentTooLarge:
            return []
        lines.append(f"`{layer}` judged alone has active there: {backticked(active) or 'none'}")
    return lines


# ---------------------------------------------------------------- 2. A cannot be followed


def _unfollowable(ctx: CheckContext, expectation: Expectation, view_a: View,
                  view_b: View) -> list[Finding]:
    """A situation where no conduct complies with A but some complies with B."""
    engine = ctx.engine
    groups_a = engine.conflicting_groups(view_a)
    if not groups_a:
        return []
    indices = sorted({g.index for g in groups_a} | {g.index for g in engine.conflicting_groups(view_b)})
    groups = [engine.groups[i] for i in indices]
    facts = set().union(*(engine.group_facts(g) for g in groups))
    solver = engine.new_solver(*[d for g in groups for d in view_a.definitions(g)],
                               *[d for g in groups for d in view_b.definitions(g)],
                               engine.conflict_anywhere(view_a),
                               neg(engine.conflict_anywhere(view_b)), facts=facts)
    if not is_sat(solver, engine.limits):
        return []
    model = solver.model()
    culprits: tuple[str, ...] = ()
    for group in groups_a:
        for found in engine.conflicts(group, view_a).sets:
            if is_true_term(model.eval(found.condition, model_completion=True)):
                culprits = found.norms
                break
        if culprits:
            break
    shown = _scope(ctx, groups)
    witness = ctx.witness(model, groups=shown)
    _recheck_unfollowable(ctx, view_a, view_b, culprits, witness, shown)
    labels = [norm_label(ctx.norm(n), message="conflicts") for n in culprits]
    help_lines = [f"in the witness situation some conduct complies with every norm of "
                  f"`{expectation.higher}` active when it is judged alone, but no conduct complies "
                  f"with `{expectation.lower}`: a layer that contradicts itself complies with "
                  f"nothing"]
    help_lines += _alone_lines(ctx, expectation, (view_a, view_b), witness, shown)
    what = (f"{backticked(culprits)} leave{'s' if len(culprits) == 1 else ''} no complying conduct"
            if culprits else "its norms leave no complying conduct")
    return [_gap(expectation, f"it cannot be followed where `{expectation.higher}` can ({what})",
                 labels, culprits, witness, help_lines)]


def _recheck_unfollowable(ctx: CheckContext, view_a: View, view_b: View,
                          culprits: tuple[str, ...], witness: Witness,
                          groups: list[Group] | None) -> None:
    runtime = ctx.runtime
    actions = None if groups is None else [a for g in groups for a in g.actions]

    def claim() -> bool:
        env, _ = runtime.situation_env(witness.situation, complete=groups is None)
        exists = None if groups is None else not ctx.engine.merged
        norms_a, norms_b = _names_in(view_a, groups), _names_in(view_b, groups)
        active_a = runtime.active(env, runtime.applicable(env, norms_a), norms_a, exists)
        active_b = runtime.active(env, runtime.applicable(env, norms_b), norms_b, exists)
        return (set(culprits) <= active_a
                and not runtime.complying_exists(env, culprits, actions=actions)
                and runtime.complying_exists(env, active_b, actions=actions))

    ctx.recheck(claim, "a layer that cannot be followed")


# ---------------------------------------------------------------- 3. protected permissions


def _taken_away(ctx: CheckContext, expectation: Expectation, permission: NormDecl,
                view_a: View, view_b: View) -> list[Finding]:
    """A situation where the protected permission of B is active (B alone) and no conduct
    that complies with A does what it allows."""
    engine = ctx.engine
    group = engine.group_of[permission.name]
    found = _blocked_in_group(engine, permission, group, view_a, view_b)
    groups = [group]
    if found is None:
        # elsewhere, A may have no complying conduct at all where the permission is active
        others = [g for g in engine.conflicting_groups(view_a) if g.index != group.index]
        if not others:
            return []
        groups += others
        facts = set().union(*(engine.group_facts(g) for g in groups), names_in(permission.target)[0])
        solver = engine.new_solver(*[d for g in groups for d in view_a.definitions(g)],
                                   *view_b.definitions(group), view_b.act[permission.name],
                                   engine.conflict_anywhere(view_a), facts=facts)
        if not is_sat(solver, engine.limits):
            return []
        model = solver.model()
        blockers = next((s.norms for g in others for s in engine.conflicts(g, view_a).sets
                         if is_true_term(model.eval(s.condition, model_completion=True))), ())
        found = model, blockers
    model, blockers = found
    shown = _scope(ctx, groups)
    witness = ctx.witness(model, groups=shown)
    _recheck_taken(ctx, view_a, view_b, permission, witness, shown)
    labels = [norm_label(permission, message="protected permission taken away")]
    labels += [norm_label(ctx.norm(n), message="blocks it") for n in blockers]
    help_lines = [f"in the witness situation `{permission.name}` of `{expectation.higher}` is active "
                  f"and protected, but no conduct that complies with `{expectation.lower}` does "
                  f"what it allows"]
    help_lines += _alone_lines(ctx, expectation, (view_a, view_b), witness, shown)
    return [_gap(expectation, f"it takes away the protected permission `{permission.name}`",
                 labels, (permission.name, *blockers), witness, help_lines)]


def _blocked_in_group(engine: Engine, permission: NormDecl, group: Group, view_a: View,
                      view_b: View) -> tuple[z3.ModelRef, tuple[str, ...]] | None:
    """A situation where, within the permission's group, no conduct complies with A's active
    duties and does what it allows; and the duties of A that block it (an unsat core).

    Decided by refinement: a proposed situation is answered by the group's conduct solver;
    a conduct found is generalised into the situations where it complies with A and does
    what the permission allows, which are excluded."""
    space = engine.space([group])
    musts = [n for n in view_a.members(group) if n.modality != "may"]
    facts = engine.group_facts(group) | names_in(permission.target)[0]
    solver = engine.new_solver(*view_a.definitions(group), *view_b.definitions(group),
                               view_b.act[permission.name], facts=facts)
    guard = space.guard(permission.target)
    acts = names_in(permission.target)[1]
    while is_sat(solver, engine.limits):
        model = solver.model()
        active = [n for n in musts if is_true_term(model.eval(view_a.act[n.name], True))]
        atoms = space.atom_literals(model)
        if is_sat(space.solver, engine.limits, guard, *[space.select[n.name] for n in active],
                  *atoms):
            conduct = space.conduct(also=acts)
            assert_terms(solver, [neg(engine.region(view_a, [group], conduct, permission.target))])
            continue
        core = {str(c) for c in space.solver.unsat_core()}
        return model, tuple(sorted(n.name for n in active if f"sel!{n.name}" in core))
    return None


def _recheck_taken(ctx: CheckContext, view_a: View, view_b: View, permission: NormDecl,
                   witness: Witness, groups: list[Group] | None) -> None:
    runtime = ctx.runtime
    actions = None if groups is None else [a for g in groups for a in g.actions]
    target = compile_expr(permission.target)

    def claim() -> bool:
        env, _ = runtime.situation_env(witness.situation, complete=groups is None)
        exists = None if groups is None else not ctx.engine.merged
        norms_a, norms_b = _names_in(view_a, groups), _names_in(view_b, groups)
        active_a = runtime.active(env, runtime.applicable(env, norms_a), norms_a, exists)
        active_b = runtime.active(env, runtime.applicable(env, norms_b), norms_b, exists)
        return permission.name in active_b and not runtime.complying_exists(
            env, active_a, target, names_in(permission.target)[1], actions)

    ctx.recheck(claim, f"protected permission `{permission.name}` taken away")
