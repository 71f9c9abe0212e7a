"""The `undermined-permission` check: a permission, active (not defeated), that no
conduct complying with its group (on the norms of its layer and above) can use in some
situation where one complies, with the norms that block it. Also the helpers the
redundancy check shares (`redundant.py`)."""

from __future__ import annotations

from collections.abc import Iterable

import z3

from ..core.findings import Finding, Label, Witness
from ..engine.conflict_search import Engine
from ..engine.encode import assert_terms, neg
from ..engine.evaluate import Env
from ..engine.solver import is_sat
from ..engine.structure import Group, default_value
from ..model.spec import TRUE, And, DeonticAtom, NormDecl, Not, RExpr
from .context import CheckContext, norm_label


def undermined(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    """A situation where the permission is active and its group, judged on the norms of its
    layer and above, can be complied with, but by no conduct that does what it allows."""
    engine = ctx.engine
    own, part = engine.group_of[norm.name], engine.part_of[norm.name]
    if _alone_wherever_active(ctx, norm, part):
        return []
    # INVARIANT: a layer and everything above it keep their activity (only higher norms
    # defeat), so the view of this rank reads the whole spec's activity of its norms
    view = engine.standard_view(f"upto{norm.rank}")
    judged = (view, [part], norm.rank)
    unusable: RExpr = Not(DeonticAtom("permitted", norm.target))
    extra = [view.act[norm.name]]
    if engine.merged:
        unusable = And((DeonticAtom("permitted", TRUE), unusable))
    elif engine.conflicts(own, view).sets:
        extra.append(neg(engine.conflicts(own, view).formula))
    model = engine.find_situation(unusable, extra=extra, extra_groups=[own], local=True,
                                  judged=judged)
    if model is None:
        return []
    blockers = engine.blocking_duties(norm.target, model, judged)
    groups = [own]
    return [_undermined_finding(ctx, norm, blockers, part, groups, ctx.witness(model, groups=groups))]


def _alone_wherever_active(ctx: CheckContext, norm: NormDecl, part: Group) -> bool:
    """Whether no duty it is judged with ever applies together with it, nor any constraint
    limits its group's conduct, and what it allows can be done: then wherever it is active
    some complying conduct does it (decided without asking for a situation)."""
    engine = ctx.engine
    if part.constraints or any(
            other.modality != "may" and other.rank <= norm.rank
            and not engine.never_together(norm, other) for other in part.norms):
        return False
    space = engine.space([part])
    return is_sat(space.solver, engine.limits, space.guard(norm.target))


def _undermined_finding(ctx: CheckContext, norm: NormDecl, blockers: tuple[str, ...], part: Group,
                        groups: list[Group], witness: Witness) -> Finding:
    env, _ = ctx.runtime.situation_env(witness.situation, complete=not ctx.scoped)
    ctx.recheck(lambda: norm.name in ctx.active_in(witness, [norm.name])
                and _usable(ctx, env, witness.active, norm, part) is False,
                f"permission `{norm.name}` undermined")
    labels = [Label(norm.duty_span, "allowed here", primary=True)]
    labels += [norm_label(ctx.norm(b), message="blocks it") for b in blockers]
    return Finding(
        "undermined-permission",
        f"permission `{norm.name}` is undermined: in some situations no complying conduct "
        f"does what it allows",
        norm.duty_span, tuple(labels), (norm.name, *blockers), witness,
        (f"the permission is active (not defeated), and the norms of layer `{norm.layer}` and "
         f"above that share its actions can be obeyed together, but only by not using it",),
    )


def _usable(ctx: CheckContext, env: Env, active: Iterable[str], norm: NormDecl,
            part: Group) -> bool | None:
    """Plainly: whether some conduct of the permission's group complies with the group's
    active duties of its layer and above and does what it allows (None: none complies)."""
    runtime = ctx.runtime
    names = set(active)
    tests = [c for c, _acts in runtime.constraints_of(part.actions)]
    tests += [runtime.norms[n.name].demand for n in part.norms if n.name in names
              and n.modality != "may" and n.rank <= norm.rank]
    complying = list(runtime._conducts(env, list(part.actions), tests))
    if not complying:
        return None
    allowed = runtime.norms[norm.name].demand
    return any(allowed({**env, **c}) for c in complying)


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
