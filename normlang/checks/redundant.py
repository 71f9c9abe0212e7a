"""The `redundant-norm` check: a duty whose removal changes, in no situation where it is
active and its group's norms of its layer can be complied with, their complying conducts
(language.md: a layer may restate a higher one's rules), with the norms of its layer that
already demand as much, or the note that no conduct can break it."""

from __future__ import annotations

from collections.abc import Iterable

import z3

from ..core.findings import Finding, Label
from ..engine.concrete import ComponentTooLarge
from ..engine.conflict_search import Engine
from ..engine.encode import conj, is_false_term, neg
from ..engine.evaluate import names_in
from ..engine.solver import is_sat
from ..engine.structure import Group
from ..engine.views import AllBut, View
from ..model.spec import NormDecl
from .context import CheckContext, backticked, norm_label
from .dead import mark
from .undermined import model_with, situation_around


def _covering(ctx: CheckContext, norm: NormDecl, view: View, part: Group) -> list[str]:
    """Must-norms of its layer and group whose demand implies `norm`'s and that are active
    wherever it is."""
    engine = ctx.engine
    space = engine.space([part])
    solver = engine.new_solver(*view.definitions(engine.group_of[norm.name]),
                               facts=engine.group_facts(engine.group_of[norm.name]))
    out = []
    for other in view.members(part):
        if other is norm or other.modality == "may" or other.layer != norm.layer:
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


def _unbreakable(ctx: CheckContext, norm: NormDecl, part: Group) -> bool:
    """Whether no conduct the constraints allow breaks the norm's demand, in any situation."""
    engine = ctx.engine
    space = engine.space([part])
    return not is_sat(space.solver, engine.limits, mark(space.solver, neg(engine.demand(norm))))


def _differs(ctx: CheckContext, norm: NormDecl, with_it: View) -> bool | None:
    """Whether removing `norm` changes the complying conducts of the norms of its layer in
    its group, in some situation where it is active and they can be complied with (None:
    there is no such situation at all)."""
    engine = ctx.engine
    group, part = engine.group_of[norm.name], engine.part_of[norm.name]
    if _plainly_differs(ctx, norm, with_it, group, part):
        return True
    layer = norm.layer
    some = engine.enc.conduct_copy(part.actions, "-some")
    where = [with_it.act[norm.name], with_it.complies(part, some, layer=layer)]
    if norm.name not in ctx.edge_endpoints and _defeats_none(engine, norm, with_it, group):
        # the other norms' activity stays as it is: only the norm's own demand goes
        change = [z3.Xor(with_it.complies(part, layer=layer),
                         with_it.complies(part, leave_out=norm.name, layer=layer))]
    else:
        # made afresh for each norm (not kept): its definitions serve this query only
        without = View(engine, AllBut(with_it.norms, norm.name), f"upto{norm.rank}-{norm.name}",
                       same_priority=norm.name not in ctx.edge_endpoints)
        change = [*without.definitions(group),
                  z3.Xor(with_it.complies(part, layer=layer), without.complies(part, layer=layer))]
    local = engine.solvers.get(("redundancy", group.index, norm.rank), lambda: engine.new_solver(
        *with_it.definitions(group), facts=engine.group_facts(group)))
    if model_with(local, engine, [*where, *change]) is not None:
        return True
    return False if model_with(local, engine, where) is not None else None


def _plainly_differs(ctx: CheckContext, norm: NormDecl, view: View, group: Group,
                     part: Group) -> bool:
    """A concrete situation, checked by plain evaluation, in which removing `norm` changes
    the complying conducts of its layer's norms in its group, and they can be complied with
    (False: none found this way; ask z3)."""
    engine, runtime = ctx.engine, ctx.runtime
    # a norm with explicit priority edges may link others' priority (m ≻ norm ≻ n): the
    # plain evaluator knows only the whole spec's priority, so z3 decides those
    if (engine.priority.has_cycles or engine.merged or len(part.actions) > 8
            or norm.name in ctx.edge_endpoints):
        return False
    point = engine.point_where_applicable(norm)
    if point is None:
        return False
    env = situation_around(ctx, group, {}, point)
    if env is None:
        return False
    members = [n.name for n in view.members(group)]
    rest = [n for n in members if n != norm.name]
    layer = {n.name for n in part.norms if n.layer == norm.layer}
    try:
        with_it = runtime.active(env, runtime.applicable(env, members), members, True)  # type: ignore[arg-type]
        if norm.name not in with_it:
            return False
        without = runtime.active(env, runtime.applicable(env, rest), rest, True)  # type: ignore[arg-type]
        complying = _conducts(ctx, env, part, with_it & layer)
        return bool(complying) and complying != _conducts(ctx, env, part, without & layer)
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


def redundant(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    engine = ctx.engine
    part = engine.part_of[norm.name]
    # INVARIANT: norms of a lower layer never rank above these (that would be a cycle),
    # so the whole spec's priority, restricted, is the priority of these norms alone.
    with_it = engine.standard_view(f"upto{norm.rank}")
    if _differs(ctx, norm, with_it) is not False:
        return []
    unbreakable = _unbreakable(ctx, norm, part)
    covering = [] if unbreakable else _covering(ctx, norm, with_it, part)
    labels = [Label(norm.duty_span, "changes nothing", primary=True)]
    labels += [norm_label(ctx.norm(m), message="already demands it") for m in covering]
    return [Finding(
        "redundant-norm",
        f"norm `{norm.name}` is redundant: removing it changes no situation's complying conducts",
        norm.duty_span, tuple(labels), (norm.name, *sorted(covering)), None,
        (why_redundant(norm, covering, unbreakable),),
    )]


def why_redundant(norm: NormDecl, covering: list[str], unbreakable: bool) -> str:
    among = f"among the norms of layer `{norm.layer}`"
    if unbreakable:
        return ("no conduct can break it: its demand holds whatever is done (under the conduct "
                "constraints), so it changes nothing")
    if covering:
        verb = "demands" if len(covering) == 1 else "demand"
        return f"{among}, {backticked(sorted(covering))} already {verb} as much"
    # no single norm covers it: several together do, or the constraints do where it applies
    return (f"{among}, the others that share its actions already settle what complies "
            f"wherever it applies (together, or through the constraints)")
