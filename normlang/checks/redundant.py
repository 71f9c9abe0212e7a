"""The `redundant-norm` check: a duty whose removal changes no situation's complying
conducts (among the norms of its layer and above), with the norms that already demand
as much."""

from __future__ import annotations

from collections.abc import Iterable

import z3

from ..core.findings import Finding, Label
from ..engine.concrete import ComponentTooLarge
from ..engine.conflict_search import Engine
from ..engine.encode import assert_terms, conj, is_false_term, neg
from ..engine.evaluate import names_in
from ..engine.solver import is_sat
from ..engine.structure import Group
from ..engine.views import AllBut, View
from ..model.spec import NormDecl
from .context import CheckContext, backticked, norm_label
from .dead import mark
from .undermined import conflicts_solver, model_with, situation_around


def _covering(ctx: CheckContext, norm: NormDecl, view: View, group: Group) -> list[str]:
    """Must-norms whose demand implies `norm`'s and that are active wherever it is."""
    engine = ctx.engine
    space = engine.space([group])
    solver = engine.new_solver(*view.definitions(group), facts=engine.group_facts(group))
    out = []
    for other in view.members(group):
        if other is norm or other.modality == "may":
            continue
        if not names_in(other.target)[1] & names_in(norm.target)[1]:
            continue
        weaker = conj(engine.demand(other), neg(engine.demand(norm)))
        if is_sat(space.solver, engine.limits, mark(space.solver, weaker)):
            continue
        without_other = conj(view.act[norm.name], neg(view.act[other.name]))
        if not is_sat(solver, engine.limits, mark(solver, without_other)):
            out.append(other.name)
    return sorted(out)


def _differs(ctx: CheckContext, norm: NormDecl, with_it: View) -> bool:
    """Whether removing `norm` changes the complying conducts of some situation in which
    no other group has a conflict (where one has, nothing complies either way)."""
    engine = ctx.engine
    group = engine.group_of[norm.name]
    if _plainly_differs(ctx, norm, with_it, group):
        return True
    if norm.name not in ctx.edge_endpoints and _defeats_none(engine, norm, with_it, group):
        # the other norms' activity stays as it is: only the norm's own demand goes
        without_it = [z3.Xor(with_it.complies(group), with_it.complies(group, leave_out=norm.name))]
    else:
        # made afresh for each norm (not kept): its definitions serve this query only
        without = View(engine, AllBut(with_it.norms, norm.name), f"upto{norm.rank}-{norm.name}",
                       same_priority=norm.name not in ctx.edge_endpoints)
        linked = _linked_groups(ctx, norm, group)
        if linked:
            return _differs_with_linked(ctx, with_it, without, [group, *linked])
        without_it = [*without.definitions(group),
                      z3.Xor(with_it.complies(group), without.complies(group))]
    local = engine.solvers.get(("redundancy", group.index, norm.rank), lambda: engine.new_solver(
        *with_it.definitions(group), facts=engine.group_facts(group)))
    model = model_with(local, engine, without_it)
    if model is None:
        return False
    others = [g for g in engine.conflicting_groups(with_it) if g is not group]
    if not others:
        return True
    if _no_conflict_among(ctx, with_it, others, group, model):
        return True

    def everything() -> z3.Solver:  # the exact question, when the situation found will not do
        facts = engine.group_facts(group).union(*(engine.group_facts(g) for g in others))
        solver = engine.new_solver(*with_it.definitions(group), facts=facts)
        assert_terms(solver, [neg(engine.conflict_anywhere(with_it, except_group=group))])
        for other in others:
            assert_terms(solver, with_it.definitions(other))
        return solver

    solver = engine.solvers.get(("redundancy elsewhere", group.index, norm.rank), everything)
    return model_with(solver, engine, without_it) is not None


def _linked_groups(ctx: CheckContext, norm: NormDecl, group: Group) -> list[Group]:
    """The other groups whose norms' priority may run through `norm` (m ≻ norm ≻ n, by
    `overrides` or `prefer`): removing `norm` can change which of their norms win.

    Only chains of explicit edges count: where a layer step is on the way, the layer order
    alone already ranks the two ends.
    """
    engine = ctx.engine
    edges = ctx.memo.get(("explicit edges",))
    if edges is None:  # once per task: a norm -> the norms just above / below it
        above: dict[str, list[str]] = {}
        below: dict[str, list[str]] = {}
        for edge in ctx.spec.edges:
            above.setdefault(edge.lower, []).append(edge.higher)
            below.setdefault(edge.higher, []).append(edge.lower)
        edges = ctx.memo[("explicit edges",)] = (above, below)
    above, below = edges  # type: ignore[misc]
    reached: set[str] = set()
    for step in (above, below):
        todo = list(step.get(norm.name, ()))
        while todo:
            name = todo.pop()
            if name not in reached and name != norm.name:
                reached.add(name)
                todo.extend(step.get(name, ()))
    linked = {engine.group_of[name].index for name in reached if name in engine.group_of}
    return [engine.groups[i] for i in sorted(linked - {group.index})]


def _differs_with_linked(ctx: CheckContext, with_it: View, without: View,
                         groups: list[Group]) -> bool:
    """Whether removing the norm changes the complying conducts of some situation, judged on
    `groups` together (its own first): a conduct that complies with all of them with the
    norm and not without it, or the other way round, in a situation where no other group
    has a conflict (the other groups' complying conducts do not change)."""
    engine = ctx.engine
    solver = engine.new_solver()
    for group in groups:
        assert_terms(solver, with_it.definitions(group))
        assert_terms(solver, without.definitions(group))
    for other in engine.conflicting_groups(with_it):
        if other not in groups:  # its conflict condition is defined over its definitions
            assert_terms(solver, with_it.definitions(other))
            assert_terms(solver, [neg(engine.conflicts(other, with_it).formula)])
    change = z3.Xor(conj(*(with_it.complies(g) for g in groups)),
                    conj(*(without.complies(g) for g in groups)))
    return model_with(solver, engine, [change]) is not None


def _plainly_differs(ctx: CheckContext, norm: NormDecl, view: View, group: Group) -> bool:
    """A concrete situation, checked by plain evaluation, in which removing `norm` changes
    the group's complying conducts and no other group has a conflict (False: none found
    this way; ask z3)."""
    engine, runtime = ctx.engine, ctx.runtime
    # a norm with explicit priority edges may link others' priority (m ≻ norm ≻ n): the
    # plain evaluator knows only the whole spec's priority, so z3 decides those
    if (engine.priority.has_cycles or engine.merged or len(group.actions) > 8
            or norm.name in ctx.edge_endpoints):
        return False
    others = [g for g in engine.conflicting_groups(view) if g is not group]
    start = conflict_free_situation(ctx, view) if others else {}
    point = engine.point_where_applicable(norm)
    if start is None or point is None:
        return False
    env = situation_around(ctx, group, start, point)
    if env is None:
        return False
    members = [n.name for n in view.members(group)]
    rest = [n for n in members if n != norm.name]
    try:
        # `start` has no conflict: only groups reading a fact set differently can have one
        if any(_plain_conflict(ctx, view, other, env)
               for other in _reading(ctx, others, set(env) - set(start) | set(point))):
            return False
        with_it = runtime.active(env, runtime.applicable(env, members), members, True)  # type: ignore[arg-type]
        if norm.name not in with_it:
            return False
        without = runtime.active(env, runtime.applicable(env, rest), rest, True)  # type: ignore[arg-type]
        return _conducts(ctx, env, group, with_it) != _conducts(ctx, env, group, without)
    except (KeyError, ComponentTooLarge, ValueError):
        return False


def _conducts(ctx: CheckContext, env: dict[str, object], group: Group,
              active: set[str]) -> set[tuple[bool, ...]]:
    runtime = ctx.runtime
    tests = [c for c, _acts in runtime.constraints_of(group.actions)]
    tests += [runtime.norms[n].demand for n in active if runtime.norms[n].norm.modality != "may"]
    names = list(group.actions)
    return {tuple(bool(c[a]) for a in names)
            for c in runtime._conducts(env, names, tests)}  # type: ignore[arg-type]


def _defeats_none(engine: Engine, norm: NormDecl, view: View, group: Group) -> bool:
    """Whether `norm` can defeat no other norm of its group in `view` (for a norm on no
    explicit priority edge, so that removing it leaves the others' priority as it is)."""
    return not any(
        other.name != norm.name and view.priority.may_precede(norm.name, other.name)
        and not engine.never_together(norm, other) and not is_false_term(engine.clash(norm, other))
        for other in view.members(group))


def _no_conflict_among(ctx: CheckContext, view: View, others: list[Group], group: Group,
                       model: z3.ModelRef) -> bool:
    """Whether the facts of `group` as in `model` leave room for no conflict in `others`."""
    engine = ctx.engine
    facts = sorted(engine.scope_facts([group]))
    # first try one concrete situation, checked by plain evaluation: a situation without
    # conflicts in `view`, with this group's facts as in the model
    start = conflict_free_situation(ctx, view)
    if start is not None:
        env, _ = ctx.runtime.situation_env(engine.situation_of(model, facts), complete=False)
        if not any(_plain_conflict(ctx, view, other, {**start, **env})
                   for other in _reading(ctx, others, set(env))):
            return True
    fixed = [engine.enc.facts[f] == model.eval(engine.enc.facts[f], model_completion=True)
             for f in facts]
    free = [neg(engine.conflicts(g, view).formula) for g in others]
    return model_with(conflicts_solver(engine, view), engine, fixed + free) is not None


def _reading(ctx: CheckContext, groups: list[Group], facts: set[str]) -> list[Group]:
    """The groups whose decisions read one of `facts`."""
    return [g for g in groups if not ctx.engine.scope_facts([g]).isdisjoint(facts)]


def conflict_free_situation(ctx: CheckContext, view: View) -> dict[str, object] | None:
    """The facts of the conflicting groups in one situation where none of them has a
    conflict in `view` (None if there is none), as a plain evaluation environment."""
    engine = ctx.engine
    if engine.known is not None and view.tag in engine.known.free:
        return engine.known.free[view.tag]
    key = ("conflict-free", view.tag)
    if key not in ctx.memo:
        every = engine.conflicting_groups(view)
        free = [neg(engine.conflicts(g, view).formula) for g in every]
        model = model_with(conflicts_solver(engine, view), engine, free)
        facts = engine.scope_facts(every)
        ctx.memo[key] = None if model is None else ctx.runtime.situation_env(
            engine.situation_of(model, facts), complete=False)[0]
    return ctx.memo[key]  # type: ignore[return-value]


def _plain_conflict(ctx: CheckContext, view: View, group: Group, env: dict[str, object]) -> bool:
    """Whether the group has a conflict in `view` in this situation (True when plain
    evaluation cannot tell)."""
    runtime = ctx.runtime
    names = [n.name for n in view.members(group)]
    try:
        applicable = runtime.applicable(env, names)  # type: ignore[arg-type]
        active = runtime.active(env, applicable, names,  # type: ignore[arg-type]
                                conduct_exists=None if ctx.engine.merged else True)
        musts = [runtime.norms[n] for n in active if runtime.norms[n].norm.modality != "may"]
        return not runtime._all_components_comply(env, musts, group.actions)  # type: ignore[arg-type]
    except (KeyError, ComponentTooLarge, ValueError):
        return True


def redundant(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    engine = ctx.engine
    group = engine.group_of[norm.name]
    # INVARIANT: norms of a lower layer never rank above these (that would be a cycle),
    # so the whole spec's priority, restricted, is the priority of these norms alone.
    with_it = engine.standard_view(f"upto{norm.rank}")
    if _differs(ctx, norm, with_it):
        return []
    covering = _covering(ctx, norm, with_it, group)
    labels = [Label(norm.duty_span, "changes nothing", primary=True)]
    labels += [norm_label(ctx.norm(m), message="already demands it") for m in covering]
    return [Finding(
        "redundant-norm",
        f"norm `{norm.name}` is redundant: removing it changes no situation's complying conducts",
        norm.duty_span, tuple(labels), (norm.name, *sorted(covering)), None,
        (_why_redundant(norm, covering),),
    )]


def _why_redundant(norm: NormDecl, covering: list[str]) -> str:
    among = f"among the norms of layer `{norm.layer}` and above"
    if covering:
        verb = "demands" if len(covering) == 1 else "demand"
        return f"{among}, {backticked(sorted(covering))} already {verb} as much"
    # no single norm covers it: several together do, or the constraints, or wherever it
    # applies some conflict already leaves no conduct complying
    return (f"{among}, the others already settle what complies wherever it applies "
            f"(together, through the constraints, or because nothing complies there)")
