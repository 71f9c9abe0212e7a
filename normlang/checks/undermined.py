"""The `undermined-permission` check: a permission, active (not defeated), that no
complying conduct can use in some situation, with the norms that block it. Also the
situations and solvers the redundancy check shares (`redundant.py`)."""

from __future__ import annotations

from collections.abc import Iterable

import z3

from ..core.findings import Finding, Label, Witness
from ..engine.concrete import ComponentTooLarge
from ..engine.conflict_search import Engine
from ..engine.encode import assert_terms, is_true_term
from ..engine.evaluate import Env
from ..engine.solver import is_sat
from ..engine.structure import Group, default_value
from ..engine.views import View
from ..model.spec import NormDecl
from .context import CheckContext, norm_label


def undermined(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    from ..model.spec import DeonticAtom, Not

    engine = ctx.engine
    own = engine.group_of[norm.name]
    plain = _plainly_active_in_a_conflict(ctx, norm)
    if plain is not None:
        env, blockers, blocking = plain
        groups = [own] if blocking is own else [own, blocking]
        witness = ctx.witness_at(env, groups)
        return [_undermined_finding(ctx, norm, blockers, groups, witness)]
    model = _active_in_a_conflict(ctx, norm)
    by_conflict = model is not None
    if model is None:
        # INVARIANT: wherever the permission is active no group has a conflict, so
        # whether it can be used is decided by its own group alone
        atom = DeonticAtom("permitted", norm.target)
        model = engine.find_situation(Not(atom), extra=[engine.full.act[norm.name]],
                                      extra_groups=[own], local=True)
    if model is None:
        return []
    blockers, groups = _blockers(ctx, norm, model, by_conflict)
    return [_undermined_finding(ctx, norm, blockers, groups, ctx.witness(model, groups=groups))]


def _undermined_finding(ctx: CheckContext, norm: NormDecl, blockers: tuple[str, ...],
                        groups: list[Group], witness: Witness) -> Finding:
    env, _ = ctx.runtime.situation_env(witness.situation, complete=not ctx.scoped)
    scope = [a for g in groups for a in g.actions] if ctx.scoped else None
    ctx.recheck(lambda: norm.name in witness.active
                and not _some_complying_conduct_does(ctx, env, witness.active, norm, scope),
                f"permission `{norm.name}` undermined")
    labels = [Label(norm.duty_span, "allowed here", primary=True)]
    labels += [norm_label(ctx.norm(b), message="blocks it") for b in blockers]
    return Finding(
        "undermined-permission",
        f"permission `{norm.name}` is undermined: in some situations no complying conduct "
        f"does what it allows",
        norm.duty_span, tuple(labels), (norm.name, *blockers), witness,
        ("the permission is active (not defeated), but the active duties and the conduct "
         "constraints leave no way to use it",),
    )


def _plainly_active_in_a_conflict(
        ctx: CheckContext, norm: NormDecl) -> tuple[dict[str, object], tuple[str, ...], Group] | None:
    """A situation, checked by plain evaluation, where the permission is active and a known
    conflict holds: a situation of that conflict, with the permission's conditions made
    true (None when none is found this way; ask z3)."""
    engine, runtime = ctx.engine, ctx.runtime
    if engine.priority.has_cycles or engine.merged:
        return None
    point = engine.point_where_applicable(norm)
    if point is None:
        return None
    own = engine.group_of[norm.name]
    own_norms = [n.name for n in own.norms]
    for group in engine.conflicting_groups():
        for index, found in enumerate(engine.conflicts(group).sets):
            env = situation_around(ctx, own, conflict_situation(ctx, group, index), point)
            try:
                if (env is not None
                        and norm.name in runtime.active(env, runtime.applicable(env, own_norms),  # type: ignore[arg-type]
                                                        own_norms, True)
                        and _set_conflicts(ctx, group, found.norms, env)):
                    return env, tuple(found.norms), group
            except (KeyError, ComponentTooLarge, ValueError):
                continue
    return None


def conflict_situation(ctx: CheckContext, group: Group, index: int) -> dict[str, object]:
    """The facts of a situation in which conflict set `index` of `group` holds."""
    engine = ctx.engine
    if engine.known is not None and (group.index, index) in engine.known.situations:
        return engine.known.situations[(group.index, index)]
    key = ("conflict situation", str(group.index), str(index))
    if key not in ctx.memo:
        found = engine.conflicts(group).sets[index]
        model = engine.conflict_model(group, found)
        ctx.memo[key] = ctx.runtime.situation_env(
            engine.situation_of(model, engine.scope_facts([group])), complete=False)[0]
    return ctx.memo[key]  # type: ignore[return-value]


def _set_conflicts(ctx: CheckContext, group: Group, names: Iterable[str],
                   env: dict[str, object]) -> bool:
    """Every norm of the set is active here and no conduct meets their demands."""
    runtime = ctx.runtime
    members = [n.name for n in group.norms]
    active = runtime.active(env, runtime.applicable(env, members), members, True)  # type: ignore[arg-type]
    if not set(names) <= active:
        return False
    tests = [c for c, _acts in runtime.constraints_of(group.actions)]
    tests += [runtime.norms[n].demand for n in names]
    return not any(True for _ in runtime._conducts(env, list(group.actions), tests))  # type: ignore[arg-type]


def _active_in_a_conflict(ctx: CheckContext, norm: NormDecl) -> z3.ModelRef | None:
    """A situation where the permission is active and some group has a conflict (so no
    conduct complies at all), if there is one."""
    engine = ctx.engine
    conflicting = engine.conflicting_groups()
    if not conflicting:
        return None
    own = engine.group_of[norm.name]

    solver = conflicts_solver(engine, engine.full)
    terms = [] if own in conflicting else list(engine.full.definitions(own))
    terms += engine.situation(engine.group_facts(own))
    terms += [engine.full.act[norm.name], engine.conflict_anywhere()]
    return model_with(solver, engine, terms)


def _blockers(ctx: CheckContext, norm: NormDecl, model: z3.ModelRef,
              by_conflict: bool) -> tuple[tuple[str, ...], list[Group]]:
    """The norms that block the permission in the model's situation, and the groups the
    finding is about (the permission's, and the group of a conflict that blocks it)."""
    engine = ctx.engine
    own = engine.group_of[norm.name]
    if by_conflict:
        for group in engine.conflicting_groups():
            for found in engine.conflicts(group).sets:
                if is_true_term(model.eval(found.condition, model_completion=True)):
                    return tuple(found.norms), [own] if group is own else [own, group]
        return (), [own]
    return engine.blocking_duties(norm.target, model), [own]


def _some_complying_conduct_does(ctx: CheckContext, env: Env, active: Iterable[str],
                                 norm: NormDecl, scope: list[str] | None = None) -> bool:
    runtime = ctx.runtime
    musts = [runtime.norms[n] for n in active if runtime.norms[n].norm.modality != "may"]
    compiled = runtime.norms[norm.name]
    actions = set(compiled.actions)
    if not runtime._all_components_comply(env, musts, scope):
        return False
    names, demands = runtime._compliance_component(actions, musts) if actions else ([], [])
    return any(True for _ in runtime._conducts(env, names, [*demands, compiled.demand]))


# ---------------------------------------------------------------- shared with redundant.py


def situation_around(ctx: CheckContext, group: Group, start: dict[str, object],
                     point: dict[str, object]) -> dict[str, object] | None:
    """The facts of `group` (defaults) with those of `start`, then `point`, laid over them;
    None when that breaks an `assume` over those facts."""
    env: dict[str, object] = {f: default_value(ctx.spec, f)
                              for f in ctx.engine.scope_facts([group])}
    env.update(start)
    env.update(point)
    return env if ctx.runtime.satisfies_assumes(env) else None  # type: ignore[arg-type]


def model_with(solver: z3.Solver, engine: Engine, terms: list[z3.BoolRef]) -> z3.ModelRef | None:
    solver.push()
    try:
        assert_terms(solver, terms)
        return solver.model() if is_sat(solver, engine.limits) else None
    finally:
        solver.pop()


def conflicts_solver(engine: Engine, view: View) -> z3.Solver:
    """The situations and the activity in `view` of every group that has a conflict."""
    def build() -> z3.Solver:
        every = engine.conflicting_groups(view)
        facts = set().union(*(engine.group_facts(g) for g in every))
        return engine.new_solver(*[d for g in every for d in view.definitions(g)], facts=facts)

    return engine.solvers.get(("conflicts of", view.tag), build)
