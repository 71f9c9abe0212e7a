"""Checks about single norms: dead, shadowed, overridden, undermined, redundant, and
the values sacrificed when norms are defeated."""

from __future__ import annotations

from collections.abc import Iterable

import z3

from ..evaluate import names_in
from ..findings import Finding, Label
from ..solver import is_sat
from ..semantics import AllBut, Engine, View
from ..spec import And, NormDecl, RExpr
from ..structure import Group
from .context import CheckContext, backticked, norm_label


def check_norms(ctx: CheckContext) -> None:
    """Dead, then shadowed and overridden; the later checks skip dead or shadowed norms."""
    ctx.dead = set()
    ctx.shadowed = set()
    for norm in ctx.spec.norms:
        ctx.guarded("whether it can apply", f"norm `{norm.name}`", norm.span,
                    lambda n=norm: _dead(ctx, n))
    for norm in ctx.spec.norms:
        if norm.name not in ctx.dead:
            ctx.guarded("whether it is ever active", f"norm `{norm.name}`", norm.span,
                        lambda n=norm: _shadowed_and_overridden(ctx, n))


# ---------------------------------------------------------------- dead


def _conjuncts(expr: RExpr) -> list[RExpr]:
    if isinstance(expr, And):
        return [part for item in expr.items for part in _conjuncts(item)]
    return [expr]


def _dead(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    engine = ctx.engine
    if ("live",) not in ctx.solvers:  # one solver for the common case: the norm can apply
        ctx.solvers[("live",)] = engine.limits.new_solver()
        ctx.solvers[("live",)].add(*engine.base_situation())
    live = ctx.solvers[("live",)]
    if is_sat(live, engine.limits, _mark(live, engine.applicable(norm))):
        return []
    solver = engine.limits.new_solver()
    tracked: dict[str, tuple[z3.BoolRef, str]] = {}
    facts = engine._closure(names_in(norm.applicable)[0])
    solver.add(*engine.enc.domain(sorted(facts)))
    parts: list[tuple[z3.BoolRef, str]] = []
    for index, part in enumerate(_conjuncts(norm.when)):
        parts.append((engine.enc.term(part), f"when#{index}"))
    parts.append((z3.Not(engine.enc.term(norm.unless)), "unless"))
    for index, assume in enumerate(ctx.spec.assumes):
        if names_in(assume.expr)[0] & facts or not names_in(assume.expr)[0]:
            parts.append((engine.enc.term(assume.expr), f"assume#{index}"))
    for term, tag in parts:
        marker = z3.Bool(f"track!{tag}")
        solver.add(z3.Implies(marker, term))
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
    if not reasons:
        reasons.append("the types of its facts")
    unique = list(dict.fromkeys(reasons))
    return [Finding(
        "dead-norm", f"norm `{norm.name}` applies in no situation", norm.span, tuple(labels),
        (norm.name,), None,
        (f"the conditions that contradict: {', '.join(unique)}",),
    )]


# ---------------------------------------------------------------- shadowed / overridden


def _superiors(ctx: CheckContext, norm: NormDecl) -> list[NormDecl]:
    group = ctx.engine.group_of[norm.name]
    view = ctx.engine.full
    return [m for m in group.norms
            if m.name != norm.name and view.priority.may_precede(m.name, norm.name)
            and not z3.is_false(ctx.engine.clash(m, norm))]


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
        defeat = z3.And(engine.applicable(norm), view.act[winner.name],
                        view.prec(winner.name, norm.name), engine.clash(winner, norm))
        if not is_sat(solver, engine.limits, _mark(solver, defeat)):
            continue
        winners.append(winner)
        witness = ctx.witness(solver.model())
        env, _ = ctx.runtime.situation_env(witness.situation)
        ctx.recheck(lambda w=winner, e=env, wi=witness: (
            w.name in wi.active and norm.name in ctx.runtime.applicable(e)
            and ctx.runtime.precedes(e, w.name, norm.name) and ctx.runtime.clash(e, w.name, norm.name)
        ), f"`{winner.name}` overrides `{norm.name}`")
        findings.append(_overridden(ctx, norm, winner, witness))
    if winners and not is_sat(solver, engine.limits, _mark(solver, view.act[norm.name])):
        ctx.shadowed.add(norm.name)
        always = [w for w in winners if not is_sat(solver, engine.limits, _mark(solver, z3.And(
            engine.applicable(norm), z3.Not(_defeats(engine, view, w, norm)))))]
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
    return z3.And(view.act[winner.name], view.prec(winner.name, loser.name),
                  engine.clash(winner, loser))


def _mark(solver: z3.Solver, term: z3.BoolRef) -> z3.BoolRef:
    """A fresh assumption literal standing for `term` in `solver`."""
    marker = z3.FreshBool("query")
    solver.add(z3.Implies(marker, term))
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
            defeat = z3.And(engine.applicable(loser), view.act[winner.name],
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
                    (loser.name, winner.name), ctx.witness(solver.model()), (),
                    ((value,), tuple(winner.serves)),
                ))
                break
    return out


# ---------------------------------------------------------------- undermined permissions


def check_permissions(ctx: CheckContext) -> None:
    for norm in ctx.spec.norms:
        if norm.modality == "may" and norm.name not in ctx.dead and norm.name not in ctx.shadowed:
            ctx.guarded("whether the permission can be used", f"norm `{norm.name}`", norm.span,
                        lambda n=norm: _undermined(ctx, n))


def _undermined(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    from ..spec import DeonticAtom, Not

    engine = ctx.engine
    atom = DeonticAtom("permitted", norm.target)
    model = engine.find_situation(Not(atom), extra=[engine.full.act[norm.name]],
                                  extra_groups=[engine.group_of[norm.name]])
    if model is None:
        return []
    witness = ctx.witness(model)
    env, _ = ctx.runtime.situation_env(witness.situation)
    blockers = _blockers(ctx, norm, model)
    ctx.recheck(lambda: norm.name in witness.active
                and not _some_complying_conduct_does(ctx, env, witness.active, norm),
                f"permission `{norm.name}` undermined")
    labels = [Label(norm.duty_span, "allowed here", primary=True)]
    labels += [norm_label(ctx.norm(b), message="blocks it") for b in blockers]
    return [Finding(
        "undermined-permission",
        f"permission `{norm.name}` is undermined: in some situations no complying conduct "
        f"does what it allows",
        norm.duty_span, tuple(labels), (norm.name, *blockers), witness,
        ("the permission is active (not defeated), but the active duties leave no way to use it",),
    )]


def _blockers(ctx: CheckContext, norm: NormDecl, model: z3.ModelRef) -> tuple[str, ...]:
    engine = ctx.engine
    if z3.is_true(model.eval(engine.conflict_anywhere(), model_completion=True)):
        for group in engine.groups:
            for found in engine.conflicts(group).sets:
                if z3.is_true(model.eval(found.condition, model_completion=True)):
                    return tuple(found.norms)
        return ()
    _value, why = engine.permitted(norm.target, model)
    names = [n.name for n in ctx.spec.norms
             if z3.is_true(model.eval(engine.full.act[n.name], True))
             and any(str(engine.full.act[n.name]) == str(c) for c in _conjunct_terms(why))]
    return tuple(sorted(names))


def _conjunct_terms(term: z3.BoolRef) -> list[z3.BoolRef]:
    if z3.is_and(term):
        return list(term.children())
    return [term]


def _some_complying_conduct_does(ctx: CheckContext, env: dict, active: Iterable[str],
                                 norm: NormDecl) -> bool:
    runtime = ctx.runtime
    musts = [runtime.norms[n] for n in active if runtime.norms[n].norm.modality != "may"]
    compiled = runtime.norms[norm.name]
    actions = set(compiled.actions)
    if not runtime._all_components_comply(env, musts):
        return False
    names, demands = runtime._compliance_component(actions, musts) if actions else ([], [])
    return any(True for _ in runtime._conducts(env, names, demands + [compiled.demand]))


# ---------------------------------------------------------------- redundant


def check_redundant(ctx: CheckContext) -> None:
    for norm in ctx.spec.norms:
        if (norm.modality != "may" and norm.name not in ctx.dead
                and norm.name not in ctx.shadowed):
            ctx.guarded("whether it is redundant", f"norm `{norm.name}`", norm.span,
                        lambda n=norm: _redundant(ctx, n))


def _covering(ctx: CheckContext, norm: NormDecl, view: View, group: Group) -> list[str]:
    """Must-norms whose demand implies `norm`'s and that are active together with it somewhere."""
    engine = ctx.engine
    space = engine.space([group])
    solver = engine.new_solver(*view.definitions(group), facts=engine.group_facts(group))
    out = []
    for other in view.members(group):
        if other is norm or other.modality == "may":
            continue
        if not names_in(other.target)[1] & names_in(norm.target)[1]:
            continue
        weaker = z3.And(engine.demand(other), z3.Not(engine.demand(norm)))
        if is_sat(space.solver, engine.limits, _mark(space.solver, weaker)):
            continue
        together = z3.And(view.act[norm.name], view.act[other.name])
        if is_sat(solver, engine.limits, _mark(solver, together)):
            out.append(other.name)
    return sorted(out)


def _redundancy_solver(ctx: CheckContext, group: Group, with_it: View, rank: int) -> z3.Solver:
    """One solver per group and layer: the situations, the activity of the norms of that
    layer and above, and "no other group has a conflict" (else nothing complies anyway)."""
    engine = ctx.engine

    def build() -> z3.Solver:
        conflicting = [g for g in engine.conflicting_groups(with_it) if g is not group]
        others = engine.conflict_anywhere(with_it, except_group=group)
        facts = engine.group_facts(group).union(*(engine.group_facts(g) for g in conflicting))
        solver = engine.new_solver(*with_it.definitions(group), z3.Not(others), facts=facts)
        for other in conflicting:
            solver.add(*with_it.definitions(other))
        return solver

    return engine.solvers.get(("redundancy", group.index, rank), build)


def _redundant(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    engine = ctx.engine
    group = engine.group_of[norm.name]
    # INVARIANT: norms of a lower layer never rank above these (that would be a cycle),
    # so the whole spec's priority, restricted, is the priority of these norms alone.
    upper = ctx.upper_layers(norm.rank)
    with_it = engine.view(f"upto{norm.rank}", upper, same_priority=True)
    # made afresh for each norm (not kept): its definitions are needed for this query only
    without = View(engine, AllBut(with_it.norms, norm.name), f"upto{norm.rank}-{norm.name}",
                   same_priority=norm.name not in ctx.edge_endpoints)
    solver = _redundancy_solver(ctx, group, with_it, norm.rank)
    solver.push()
    try:
        solver.add(*without.definitions(group))
        solver.add(z3.Xor(with_it.complies(group), without.complies(group)))
        if is_sat(solver, engine.limits):
            return []
    finally:
        solver.pop()
    covering = _covering(ctx, norm, with_it, group)
    labels = [Label(norm.duty_span, "changes nothing", primary=True)]
    labels += [norm_label(ctx.norm(m), message="already demands it") for m in covering]
    return [Finding(
        "redundant-norm",
        f"norm `{norm.name}` is redundant: removing it changes no situation's complying conducts",
        norm.duty_span, tuple(labels), (norm.name, *sorted(covering)), None,
        (f"among the norms of layer `{norm.layer}` and above, "
         f"{backticked(sorted(covering)) or 'the other norms'} already demand as much",),
    )]
