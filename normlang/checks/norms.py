"""Checks about single norms: dead, shadowed, overridden, undermined, redundant, and
the values sacrificed when norms are defeated."""

from __future__ import annotations

from collections.abc import Iterable

import z3

from ..core.findings import Finding, Label, Witness
from ..engine.concrete import ComponentTooLarge
from ..engine.conflict_search import Engine
from ..engine.encode import assert_terms, conj, implies, is_false_term, is_true_term, neg
from ..engine.evaluate import names_in
from ..engine.solver import is_sat
from ..engine.structure import Group, default_value
from ..engine.views import AllBut, View
from ..model.spec import And, NormDecl, RExpr
from .context import CheckContext, backticked, norm_label


def check_group_norms(ctx: CheckContext, group: Group) -> None:
    """Every single-norm check of one group: dead, then shadowed and overridden, then
    undermined permissions and redundancy (which skip dead or shadowed norms)."""
    # norms that may be dead or shadowed: the solver gave up on the question (and that is
    # reported); redundancy, reported only for norms that are neither, is not asked of them
    undecided: set[str] = set()
    for norm in group.norms:
        if not ctx.guarded("whether it can apply", f"norm `{norm.name}`", norm.span,
                           lambda n=norm: _dead(ctx, n)):
            undecided.add(norm.name)
    for norm in group.norms:
        if norm.name not in ctx.dead and not ctx.guarded(
                "whether it is ever active", f"norm `{norm.name}`", norm.span,
                lambda n=norm: _shadowed_and_overridden(ctx, n)):
            undecided.add(norm.name)
    for norm in group.norms:
        if norm.modality == "may" and norm.name not in ctx.dead | ctx.shadowed:
            ctx.guarded("whether the permission can be used", f"norm `{norm.name}`", norm.span,
                        lambda n=norm: _undermined(ctx, n))
    for norm in group.norms:
        if norm.modality != "may" and norm.name not in ctx.dead | ctx.shadowed | undecided:
            ctx.guarded("whether it is redundant", f"norm `{norm.name}`", norm.span,
                        lambda n=norm: _redundant(ctx, n))


# ---------------------------------------------------------------- dead


def _situations_of(engine: Engine, group: Group) -> z3.Solver:
    facts: set[str] = set()
    for norm in group.norms:
        facts |= names_in(norm.applicable)[0]
    solver = engine.limits.new_solver()
    assert_terms(solver, engine.base_situation(facts))
    return solver


def _conjuncts(expr: RExpr) -> list[RExpr]:
    if isinstance(expr, And):
        return [part for item in expr.items for part in _conjuncts(item)]
    return [expr]


def _dead(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    engine = ctx.engine
    group = engine.group_of[norm.name]
    if engine.applies_somewhere(norm):
        return []
    # one solver per group for the common case: the norm can apply
    live = engine.solvers.get(("live", group.index), lambda: _situations_of(engine, group))
    if is_sat(live, engine.limits, _mark(live, engine.applicable(norm))):
        return []
    solver = engine.limits.new_solver()
    tracked: dict[str, tuple[z3.BoolRef, str]] = {}
    facts = engine._closure(names_in(norm.applicable)[0])
    assert_terms(solver, engine.enc.domain(sorted(facts)))
    # (its term, its tag, what it reads) for each condition that may take part
    parts: list[tuple[z3.BoolRef, str, RExpr]] = []
    for index, part in enumerate(_conjuncts(norm.when)):
        parts.append((engine.enc.term(part), f"when#{index}", part))
    parts.append((neg(engine.enc.term(norm.unless)), "unless", norm.unless))
    for index, assume in enumerate(ctx.spec.assumes):
        if names_in(assume.expr)[0] & facts or not names_in(assume.expr)[0]:
            parts.append((engine.enc.term(assume.expr), f"assume#{index}", assume.expr))
    for term, tag, _read in parts:
        marker = z3.Bool(f"track!{tag}")
        assert_terms(solver, [implies(marker, term)])
        tracked[str(marker)] = (marker, tag)
    if is_sat(solver, engine.limits, *[m for m, _ in tracked.values()]):
        return []
    core = {str(c) for c in solver.unsat_core()}
    ctx.dead.add(norm.name)
    labels = [Label(norm.span, "applies in no situation", primary=True)]
    reasons = []
    for key in sorted(core):
        tag = tracked[key][1]
        if tag.startswith("assume#"):
            assume = ctx.spec.assumes[int(tag[7:])]
            labels.append(Label(assume.span, "this assumption excludes it"))
            reasons.append("an `assume`")
        elif tag == "unless":
            reasons.append("its `unless` condition")
        else:
            reasons.append("its `when` condition")
    in_core = [(term, read) for term, tag, read in parts if f"track!{tag}" in core]
    reasons += _types_that_take_part(ctx, in_core)
    if not reasons:
        reasons.append("the types of its facts")
    unique = list(dict.fromkeys(reasons))
    return [Finding(
        "dead-norm", f"norm `{norm.name}` applies in no situation", norm.span, tuple(labels),
        (norm.name,), None,
        (f"the conditions that contradict: {', '.join(unique)}",),
    )]


def _types_that_take_part(ctx: CheckContext, conditions: list[tuple[z3.BoolRef, RExpr]]
                          ) -> list[str]:
    """The bounded fact types (`int in LO..HI`, enums) without which the contradicting
    `conditions` (each as a term and as written) could all hold, if they take part
    (`when age > 130` with `age: int in 0..130`)."""
    engine = ctx.engine
    solver = engine.limits.new_solver()
    assert_terms(solver, [term for term, _expr in conditions])
    if not conditions or not is_sat(solver, engine.limits):
        return []
    read = sorted(set().union(*(names_in(expr)[0] for _term, expr in conditions)))
    found = []
    for fact in (ctx.spec.facts[name] for name in read):
        if fact.low is not None or fact.high is not None:
            found.append(f"the range of `{fact.name}` ({fact.low}..{fact.high})")
        elif fact.enum is not None:
            values = ", ".join(ctx.spec.enums[fact.enum].values)
            found.append(f"the values of `{fact.name}` ({values})")
    return found or ["the types of its facts"]


# ---------------------------------------------------------------- shadowed / overridden


def _superiors(ctx: CheckContext, norm: NormDecl) -> list[NormDecl]:
    group = ctx.engine.group_of[norm.name]
    view = ctx.engine.full
    return [m for m in group.norms
            if m.name != norm.name and view.priority.may_precede(m.name, norm.name)
            and not ctx.engine.never_together(m, norm)
            and not is_false_term(ctx.engine.clash(m, norm))]


def _shadowed_and_overridden(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    engine, view = ctx.engine, ctx.engine.full
    group = engine.group_of[norm.name]
    superiors = _superiors(ctx, norm)
    if not superiors:
        return []
    solver = engine.solvers.get(("activity", group.index), lambda: engine.new_solver(
        *view.definitions(group), facts=engine.group_facts(group)))
    findings: list[Finding] = []
    winners: list[NormDecl] = []
    for winner in superiors:
        defeat = conj(engine.applicable(norm), view.act[winner.name],
                        view.prec(winner.name, norm.name), engine.clash(winner, norm))
        if not is_sat(solver, engine.limits, _mark(solver, defeat)):
            continue
        winners.append(winner)
        witness = ctx.witness(solver.model(), groups=[group])
        env, _ = ctx.runtime.situation_env(witness.situation, complete=False)
        ctx.recheck(lambda w=winner, e=env, wi=witness: (
            w.name in wi.active and norm.name in ctx.runtime.applicable(e, among=[norm.name])
            and ctx.runtime.precedes(e, w.name, norm.name)
            and ctx.runtime.clash(e, w.name, norm.name, not engine.merged)
        ), f"`{winner.name}` overrides `{norm.name}`")
        findings.append(_overridden(ctx, norm, winner, witness))
    if winners and not is_sat(solver, engine.limits, _mark(solver, view.act[norm.name])):
        ctx.shadowed.add(norm.name)
        always = [w for w in winners if not is_sat(solver, engine.limits, _mark(solver, conj(
            engine.applicable(norm), neg(_defeats(engine, view, w, norm)))))]
        shown = always or winners
        names = backticked(w.name for w in shown)
        if always:
            message = (f"norm `{norm.name}` is never active: {names} always "
                       f"{'defeats' if len(always) == 1 else 'defeat'} it")
        else:
            message = (f"norm `{norm.name}` is never active: wherever it applies, one of "
                       f"{names} defeats it")
        labels = [Label(norm.duty_span, "never active", primary=True)]
        labels += [norm_label(w, message="defeats it") for w in shown]
        findings.append(Finding(
            "shadowed-norm", message, norm.duty_span, tuple(labels),
            (norm.name, *sorted(w.name for w in shown)), None,
            ("wherever it applies, a norm of higher priority that clashes with it is active",),
        ))
    findings.extend(_sacrificed(ctx, norm, winners, solver))
    return findings


def _defeats(engine: Engine, view: View, winner: NormDecl, loser: NormDecl) -> z3.BoolRef:
    return conj(view.act[winner.name], view.prec(winner.name, loser.name),
                  engine.clash(winner, loser))


def _mark(solver: z3.Solver, term: z3.BoolRef) -> z3.BoolRef:
    """A fresh assumption literal standing for `term` in `solver`."""
    marker = z3.FreshBool("query")
    assert_terms(solver, [implies(marker, term)])
    return marker


def _values_phrase(ctx: CheckContext, loser: NormDecl, winner: NormDecl) -> str:
    if not loser.serves and not winner.serves:
        return ""
    return f" ({', '.join(winner.serves) or 'no value'} vs {', '.join(loser.serves) or 'no value'})"


def _overridden(ctx: CheckContext, loser: NormDecl, winner: NormDecl, witness: object) -> Finding:
    return Finding(
        "overridden",
        f"norm `{loser.name}` is overridden by `{winner.name}`{_values_phrase(ctx, loser, winner)}",
        loser.duty_span,
        (Label(loser.duty_span, "overridden", primary=True),
         norm_label(winner, message="wins: higher priority")),
        (loser.name, winner.name), witness,  # type: ignore[arg-type]
        ("the two norms clash here; priority (layers, `overrides`, `prefer`) resolves it",),
        (tuple(loser.serves), tuple(winner.serves)),
    )


def _sacrificed(ctx: CheckContext, loser: NormDecl, winners: list[NormDecl],
                solver: z3.Solver) -> list[Finding]:
    """`value-sacrificed`: for each value the loser serves, a situation where it loses."""
    out = []
    engine, view = ctx.engine, ctx.engine.full
    for value in loser.serves:
        for winner in winners:
            defeat = conj(engine.applicable(loser), view.act[winner.name],
                            view.prec(winner.name, loser.name), engine.clash(winner, loser))
            if is_sat(solver, engine.limits, _mark(solver, defeat)):
                served = ", ".join(f"`{v}`" for v in winner.serves) or "no declared value"
                out.append(Finding(
                    "value-sacrificed",
                    f"value `{value}` is sacrificed: `{loser.name}` yields to `{winner.name}` "
                    f"(serving {served})",
                    loser.duty_span,
                    (Label(loser.duty_span, f"serves `{value}`", primary=True),
                     norm_label(winner, message="wins")),
                    (loser.name, winner.name),
                    ctx.witness(solver.model(), groups=[engine.group_of[loser.name]]), (),
                    ((value,), tuple(winner.serves)),
                ))
                break
    return out


# ---------------------------------------------------------------- undermined permissions


def _undermined(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
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
            env = _situation_around(ctx, own, conflict_situation(ctx, group, index), point)
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

    solver = _conflicts_solver(engine, engine.full)
    terms = [] if own in conflicting else list(engine.full.definitions(own))
    terms += engine.situation(engine.group_facts(own))
    terms += [engine.full.act[norm.name], engine.conflict_anywhere()]
    return _model_with(solver, engine, terms)


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
    _value, why = engine.permitted(norm.target, model, local=True)
    names = [n.name for n in own.norms
             if is_true_term(model.eval(engine.full.act[n.name], True))
             and any(str(engine.full.act[n.name]) == str(c) for c in _conjunct_terms(why))]
    return tuple(sorted(names)), [own]


def _conjunct_terms(term: z3.BoolRef) -> list[z3.BoolRef]:
    if z3.is_and(term):
        return list(term.children())
    return [term]


def _some_complying_conduct_does(ctx: CheckContext, env: dict, active: Iterable[str],
                                 norm: NormDecl, scope: list[str] | None = None) -> bool:
    runtime = ctx.runtime
    musts = [runtime.norms[n] for n in active if runtime.norms[n].norm.modality != "may"]
    compiled = runtime.norms[norm.name]
    actions = set(compiled.actions)
    if not runtime._all_components_comply(env, musts, scope):
        return False
    names, demands = runtime._compliance_component(actions, musts) if actions else ([], [])
    return any(True for _ in runtime._conducts(env, names, demands + [compiled.demand]))


# ---------------------------------------------------------------- redundant


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
        if is_sat(space.solver, engine.limits, _mark(space.solver, weaker)):
            continue
        without_other = conj(view.act[norm.name], neg(view.act[other.name]))
        if not is_sat(solver, engine.limits, _mark(solver, without_other)):
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
    model = _model_with(local, engine, without_it)
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
    return _model_with(solver, engine, without_it) is not None


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
    return _model_with(solver, engine, [change]) is not None


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
    env = _situation_around(ctx, group, start, point)
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


def _situation_around(ctx: CheckContext, group: Group, start: dict[str, object],
                      point: dict[str, object]) -> dict[str, object] | None:
    """The facts of `group` (defaults) with those of `start`, then `point`, laid over them;
    None when that breaks an `assume` over those facts."""
    env: dict[str, object] = {f: default_value(ctx.spec, f)
                              for f in ctx.engine.scope_facts([group])}
    env.update(start)
    env.update(point)
    within = [check for check, facts in ctx.runtime.assumes_read if facts <= env.keys()]
    return env if all(check(env) for check in within) else None  # type: ignore[arg-type]


def _defeats_none(engine: Engine, norm: NormDecl, view: View, group: Group) -> bool:
    """Whether `norm` can defeat no other norm of its group in `view` (for a norm on no
    explicit priority edge, so that removing it leaves the others' priority as it is)."""
    return not any(
        other.name != norm.name and view.priority.may_precede(norm.name, other.name)
        and not engine.never_together(norm, other) and not is_false_term(engine.clash(norm, other))
        for other in view.members(group))


def _model_with(solver: z3.Solver, engine: Engine, terms: list[z3.BoolRef]) -> z3.ModelRef | None:
    solver.push()
    try:
        assert_terms(solver, terms)
        return solver.model() if is_sat(solver, engine.limits) else None
    finally:
        solver.pop()


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
    return _model_with(_conflicts_solver(engine, view), engine, fixed + free) is not None


def _conflicts_solver(engine: Engine, view: View) -> z3.Solver:
    """The situations and the activity in `view` of every group that has a conflict."""
    def build() -> z3.Solver:
        every = engine.conflicting_groups(view)
        facts = set().union(*(engine.group_facts(g) for g in every))
        return engine.new_solver(*[d for g in every for d in view.definitions(g)], facts=facts)

    return engine.solvers.get(("conflicts of", view.tag), build)


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
        model = _model_with(_conflicts_solver(engine, view), engine, free)
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


def _redundant(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
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
