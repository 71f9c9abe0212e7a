"""`expect A complies with B`: the three conditions of language.md, each gap its own finding.

Layer A's norms and layer B's norms are each judged alone (a norm's activity is decided
among the norms of its own layer), both on the duties of the judged agents: a conduct
"complies with" a layer here when it meets the constraints and the layer's active duties
addressed to those agents. In every situation:

1. every conduct that complies with A complies with B: one `compliance-gap` for each duty
   of B that some conduct complying with A breaks where it is active;
2. where some conduct complies with B, some conduct complies with A: else one
   `compliance-gap` naming A's own conflicting norms (a layer that contradicts itself can be
   followed by no one, so it complies with nothing);
3. for every active `protected` permission of B to do φ, some conduct that complies with A
   does φ: else one `compliance-gap` for that permission (whatever agent it addresses).

"No conduct complies" is a question over all conducts: it is decided per group (groups
share no action) by refinement, as the conflict search does (a proposed situation is
answered by the group's conduct solver; a conduct found is generalised into the situations
where it would do, which are excluded). Only groups where a layer has a conflict at all
(`conflicting_groups`) can leave its judged duties without a complying conduct.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import z3

from ..core.findings import Finding, Label, Witness
from ..engine.concrete import ComponentTooLarge
from ..engine.conflict_search import Engine
from ..engine.encode import assert_terms, conj, disj, implies, is_true_term, neg
from ..engine.evaluate import compile_expr, evaluate, names_in
from ..engine.solver import is_sat
from ..engine.structure import Group
from ..engine.views import View
from ..model.spec import Expectation, NormDecl, RExpr
from .context import CheckContext, backticked, compliance_gap, norm_label


@dataclass
class _Judged:
    """One `complies with`: each layer's view and its duties addressed to the judged agents."""

    expectation: Expectation
    view_a: View
    view_b: View
    duties_a: dict[str, NormDecl]
    duties_b: dict[str, NormDecl]

    def duties(self, view: View, group: Group) -> list[NormDecl]:
        chosen = self.duties_a if view is self.view_a else self.duties_b
        return [n for n in view.members(group) if n.name in chosen]


def check_complies(ctx: CheckContext, expectation: Expectation) -> list[Finding]:
    """Every `compliance-gap` of one `expect A complies with B`."""
    engine = ctx.engine
    lower = _layer(ctx, expectation.lower)
    higher = _layer(ctx, expectation.higher)
    agents = set(expectation.agents) or {n.agent for n in lower}
    judged = _Judged(expectation, engine.standard_view(f"layer:{expectation.lower}"),
                     engine.standard_view(f"layer:{expectation.higher}"),
                     {n.name: n for n in lower if n.agent in agents and n.modality != "may"},
                     {n.name: n for n in higher if n.agent in agents and n.modality != "may"})
    findings = _broken_duties(ctx, judged)
    findings += _unfollowable(ctx, judged)
    for permission in higher:
        if permission.modality == "may" and permission.protected:
            findings += _taken_away(ctx, judged, permission)
    return findings


def _layer(ctx: CheckContext, name: str | None) -> list[NormDecl]:
    key = ("layer", name or "")
    if key not in ctx.memo:
        ctx.memo[key] = [n for n in ctx.spec.norms if n.layer == name]
    return ctx.memo[key]  # type: ignore[return-value]


def _gap(judged: _Judged, detail: str, labels: Sequence[Label], norms: Sequence[str],
         witness: Witness, help_lines: Sequence[str]) -> Finding:
    return compliance_gap(judged.expectation, detail, labels, norms, witness, help_lines)


def _complies(engine: Engine, view: View, group: Group, duties: list[NormDecl],
              actions: dict[str, z3.BoolRef] | None = None) -> z3.BoolRef:
    """A conduct (`actions`: renamed constants) meets the group's constraints and the
    demands of `duties` where they are active in `view`."""
    parts = [engine.enc.term(c.expr, actions) for c in group.constraints]
    parts += [implies(view.act[n.name], engine.enc.term(n.demand, actions)) for n in duties]
    return conj(parts) if parts else z3.BoolVal(True)


def _region(engine: Engine, view: View, group: Group, duties: list[NormDecl],
            conduct: dict[str, bool], target: RExpr | None) -> z3.BoolRef:
    """The situations in which `conduct` meets the group's constraints, `duties` where
    active in `view`, and `target`."""
    values = {a: z3.BoolVal(v) for a, v in conduct.items()}
    parts = [engine.enc.term(c.expr, values) for c in group.constraints]
    parts += [neg(view.act[n.name]) for n in duties if not evaluate(n.demand, conduct)]
    if target is not None:
        parts.append(engine.enc.term(target, values))
    return conj(parts) if parts else z3.BoolVal(True)


def _no_conduct(engine: Engine, solver: z3.Solver, group: Group, view: View,
                duties: list[NormDecl], target: RExpr | None = None,
                ) -> tuple[z3.ModelRef, tuple[str, ...]] | None:
    """A situation `solver` allows in which no conduct of `group` meets its constraints, the
    `duties` active in `view` (and `target`); and a minimal set of those duties that leaves
    none. Decided by refinement; the lemmas are taken back before returning."""
    space = engine.space([group])
    guards = [space.guard(target)] if target is not None else []
    also = names_in(target)[1] if target is not None else set()
    solver.push()
    try:
        while is_sat(solver, engine.limits):
            model = solver.model()
            active = [n for n in duties if is_true_term(model.eval(view.act[n.name], True))]
            atoms = list(space.atom_literals(model))
            if is_sat(space.solver, engine.limits, *guards,
                      *[space.select[n.name] for n in active], *atoms):
                conduct = space.conduct(also=also)
                assert_terms(solver, [neg(_region(engine, view, group, duties, conduct, target))])
                continue
            core = {str(c) for c in space.solver.unsat_core()}
            names = [n.name for n in active if f"sel!{n.name}" in core]
            for name in list(names):  # drop duties while the rest still leaves no conduct
                rest = [m for m in names if m != name]
                if not is_sat(space.solver, engine.limits, *guards,
                              *[space.select[m] for m in rest], *atoms):
                    names = rest
            return model, tuple(sorted(names))
        return None
    finally:
        solver.pop()


def _with_duties(judged: _Judged, view: View, groups: Sequence[Group]) -> list[Group]:
    return [g for g in groups if judged.duties(view, g)]


def _scope(ctx: CheckContext, groups: Sequence[Group]) -> list[Group] | None:
    """The groups a witness shows, when witnesses are scoped (None: the whole spec)."""
    return list(groups) if ctx.scoped else None


def _names_in(view: View, groups: Sequence[Group] | None) -> list[str]:
    return list(view.norms) if groups is None else [n.name for g in groups for n in view.members(g)]


def _unique(groups: Sequence[Group]) -> list[Group]:
    seen: dict[int, Group] = {}
    for group in groups:
        seen.setdefault(group.index, group)
    return [seen[i] for i in sorted(seen)]


# ---------------------------------------------------------------- 1. broken duties of B


def _broken_duties(ctx: CheckContext, judged: _Judged) -> list[Finding]:
    if not judged.duties_b:
        return []
    engine = ctx.engine
    view_a, view_b = judged.view_a, judged.view_b
    if ctx.scoped:
        # the broken duties' groups; elsewhere the conduct only has to comply with A, which
        # it can wherever A's norms have no conflict at all
        scope = sorted({engine.group_of[n].index for n in judged.duties_b})
        groups = [engine.groups[i] for i in scope]
        others = [g for g in _with_duties(judged, view_a, engine.conflicting_groups(view_a))
                  if g.index not in scope]
    else:
        groups, others = list(engine.groups), []
    chosen = groups + others
    facts = None if not ctx.scoped else set().union(*(engine.group_facts(g) for g in chosen))
    solver = engine.new_solver(*[d for g in chosen for d in view_a.definitions(g)],
                               *[d for g in groups for d in view_b.definitions(g)], facts=facts)
    assert_terms(solver, [_complies(engine, view_a, g, judged.duties(view_a, g)) for g in chosen])
    shown = chosen if ctx.scoped else None
    findings = []
    for norm in judged.duties_b.values():
        marker = z3.FreshBool("breaks")
        assert_terms(solver, [implies(marker, conj(view_b.act[norm.name], neg(engine.demand(norm))))])
        if not is_sat(solver, engine.limits, marker):
            continue
        related = [n for n in judged.duties_a.values()
                   if names_in(n.target)[1] & names_in(norm.target)[1]]
        model = _telling_model(solver, engine, marker, view_a, related)
        witness = ctx.witness(model, conduct=True, groups=shown,
                              conduct_groups=groups if ctx.scoped else None)
        _recheck_broken(ctx, judged, norm, witness, shown)
        expectation = judged.expectation
        help_lines = [f"in the witness situation the conduct shown complies with every norm of "
                      f"`{expectation.lower}` active when it is judged alone, but not with "
                      f"`{norm.name}` of `{expectation.higher}`"]
        help_lines += _alone_lines(ctx, judged, witness, shown)
        findings.append(_gap(judged, f"conduct that follows `{expectation.lower}` breaks "
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


def _active_alone(ctx: CheckContext, env: dict[str, object], view: View,
                  groups: list[Group] | None) -> set[str]:
    names = _names_in(view, groups)
    exists = None if groups is None else not ctx.engine.merged
    runtime = ctx.runtime
    return runtime.active(env, runtime.applicable(env, names), names, exists)  # type: ignore[arg-type]


def _env(ctx: CheckContext, witness: Witness, groups: list[Group] | None) -> dict[str, object]:
    env, _ = ctx.runtime.situation_env(witness.situation, complete=groups is None)
    return env  # type: ignore[return-value]


def _recheck_broken(ctx: CheckContext, judged: _Judged, broken: NormDecl, witness: Witness,
                    groups: list[Group] | None) -> None:
    """The witness conduct complies with layer A and breaks `broken` (with `groups`: in
    those groups, the conduct shown being that of the judged ones)."""
    conduct = witness.conduct
    shown = None if groups is None else [g for g in groups if set(g.actions) <= set(conduct)]
    constraints = ctx.spec.constraints if shown is None else [c for g in shown for c in g.constraints]

    def claim() -> bool:
        env = _env(ctx, witness, groups)
        full = {**env, **conduct}
        if not all(evaluate(c.expr, full) for c in constraints):  # type: ignore[arg-type]
            return False
        active_a = _active_alone(ctx, env, judged.view_a, shown)
        active_b = _active_alone(ctx, env, judged.view_b, shown)
        complies_a = all(evaluate(judged.duties_a[n].demand, full)  # type: ignore[arg-type]
                         for n in active_a if n in judged.duties_a)
        return (complies_a and broken.name in active_b
                and not evaluate(broken.demand, full))  # type: ignore[arg-type]

    ctx.recheck(claim, f"compliance gap at `{broken.name}`")


def _alone_lines(ctx: CheckContext, judged: _Judged, witness: Witness,
                 groups: list[Group] | None) -> list[str]:
    """The active norms of each layer judged alone in the witness situation (a witness
    lists those of the whole spec, where a norm of one layer can defeat one of the other)."""
    env = _env(ctx, witness, groups)
    lines = []
    expectation = judged.expectation
    for layer, view in ((expectation.lower, judged.view_a), (expectation.higher, judged.view_b)):
        try:
            active = sorted(_active_alone(ctx, env, view, groups))
        except ComponentTooLarge:
            return []
        lines.append(f"`{layer}` judged alone has active there: {backticked(active) or 'none'}")
    return lines


# ---------------------------------------------------------------- 2. A cannot be followed


def _unfollowable(ctx: CheckContext, judged: _Judged) -> list[Finding]:
    """A situation where some conduct complies with B and none with A."""
    engine = ctx.engine
    view_a, view_b = judged.view_a, judged.view_b
    candidates = _with_duties(judged, view_a, engine.conflicting_groups(view_a))
    if not candidates:
        return []
    for group in candidates:
        # B can be followed: a conduct of its own (a copy of the actions) complies with B
        # in this group and in every group where B may have no complying conduct
        b_groups = _unique([group, *engine.conflicting_groups(view_b)])
        copy = engine.enc.conduct_copy([a for g in b_groups for a in g.actions], "b")
        facts = set().union(*(engine.group_facts(g) for g in b_groups))
        solver = engine.new_solver(*view_a.definitions(group),
                                   *[d for g in b_groups for d in view_b.definitions(g)],
                                   *[_complies(engine, view_b, g, judged.duties(view_b, g), copy)
                                     for g in b_groups], facts=facts)
        found = _no_conduct(engine, solver, group, view_a, judged.duties(view_a, group))
        if found is not None:
            return [_unfollowable_gap(ctx, judged, found, b_groups)]
    return []


def _unfollowable_gap(ctx: CheckContext, judged: _Judged,
                      found: tuple[z3.ModelRef, tuple[str, ...]], groups: list[Group]) -> Finding:
    model, culprits = found
    shown = _scope(ctx, groups)
    witness = ctx.witness(model, groups=shown)
    _recheck_unfollowable(ctx, judged, culprits, witness, shown)
    expectation = judged.expectation
    help_lines = [f"in the witness situation some conduct complies with every norm of "
                  f"`{expectation.higher}` active when it is judged alone, but no conduct complies "
                  f"with `{expectation.lower}`: a layer that contradicts itself complies with "
                  f"nothing"]
    help_lines += _alone_lines(ctx, judged, witness, shown)
    leave = "leaves" if len(culprits) == 1 else "leave"
    return _gap(judged, f"it cannot be followed where `{expectation.higher}` can "
                        f"({backticked(culprits)} {leave} no complying conduct)",
                [norm_label(ctx.norm(n), message="conflicts") for n in culprits], culprits,
                witness, help_lines)


def _judged_active(ctx: CheckContext, env: dict[str, object], view: View,
                   duties: dict[str, NormDecl], groups: list[Group] | None) -> set[str]:
    return {n for n in _active_alone(ctx, env, view, groups) if n in duties}


def _recheck_unfollowable(ctx: CheckContext, judged: _Judged, culprits: tuple[str, ...],
                          witness: Witness, groups: list[Group] | None) -> None:
    runtime = ctx.runtime
    actions = None if groups is None else [a for g in groups for a in g.actions]

    def claim() -> bool:
        env = _env(ctx, witness, groups)
        active_a = _judged_active(ctx, env, judged.view_a, judged.duties_a, groups)
        active_b = _judged_active(ctx, env, judged.view_b, judged.duties_b, groups)
        return (set(culprits) <= active_a
                and not runtime.complying_exists(env, culprits, actions=actions)  # type: ignore[arg-type]
                and runtime.complying_exists(env, active_b, actions=actions))  # type: ignore[arg-type]

    ctx.recheck(claim, "a layer that cannot be followed")


# ---------------------------------------------------------------- 3. protected permissions


def _taken_away(ctx: CheckContext, judged: _Judged, permission: NormDecl) -> list[Finding]:
    """A situation where the protected permission of B is active (B alone) and no conduct
    that complies with A does what it allows: none in its group, or none at all."""
    engine = ctx.engine
    view_a, view_b = judged.view_a, judged.view_b
    home = engine.group_of[permission.name]
    elsewhere = [g for g in _with_duties(judged, view_a, engine.conflicting_groups(view_a))
                 if g.index != home.index]
    for group, target in [(home, permission.target), *((g, None) for g in elsewhere)]:
        groups = _unique([home, group])
        facts = set().union(*(engine.group_facts(g) for g in groups),
                            names_in(permission.target)[0])
        solver = engine.new_solver(*view_a.definitions(group), *view_b.definitions(home),
                                   view_b.act[permission.name], facts=facts)
        found = _no_conduct(engine, solver, group, view_a, judged.duties(view_a, group), target)
        if found is not None:
            return [_taken_gap(ctx, judged, permission, found, groups)]
    return []


def _taken_gap(ctx: CheckContext, judged: _Judged, permission: NormDecl,
               found: tuple[z3.ModelRef, tuple[str, ...]], groups: list[Group]) -> Finding:
    model, blockers = found
    shown = _scope(ctx, groups)
    witness = ctx.witness(model, groups=shown)
    _recheck_taken(ctx, judged, permission, witness, shown)
    expectation = judged.expectation
    labels = [norm_label(permission, message="protected permission taken away")]
    labels += [norm_label(ctx.norm(n), message="blocks it") for n in blockers]
    help_lines = [f"in the witness situation `{permission.name}` of `{expectation.higher}` is active "
                  f"and protected, but no conduct that complies with `{expectation.lower}` does "
                  f"what it allows"]
    help_lines += _alone_lines(ctx, judged, witness, shown)
    return _gap(judged, f"it takes away the protected permission `{permission.name}`",
                labels, (permission.name, *blockers), witness, help_lines)


def _recheck_taken(ctx: CheckContext, judged: _Judged, permission: NormDecl, witness: Witness,
                   groups: list[Group] | None) -> None:
    runtime = ctx.runtime
    actions = None if groups is None else [a for g in groups for a in g.actions]
    target = compile_expr(permission.target)

    def claim() -> bool:
        env = _env(ctx, witness, groups)
        active_a = _judged_active(ctx, env, judged.view_a, judged.duties_a, groups)
        return permission.name in _active_alone(ctx, env, judged.view_b, groups) and not \
            runtime.complying_exists(env, active_a, target,  # type: ignore[arg-type]
                                     names_in(permission.target)[1], actions)

    ctx.recheck(claim, f"protected permission `{permission.name}` taken away")
