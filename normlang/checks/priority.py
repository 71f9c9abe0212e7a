"""`priority-cycle`: the priority relation must be a strict partial order in every situation."""

from __future__ import annotations

from functools import partial

import z3

from ..core.findings import Finding, Label
from ..engine.solver import SolverGaveUp, is_sat
from ..model.spec import RExpr
from .context import CheckContext, backticked


def check_static_cycles(ctx: CheckContext) -> bool:
    """Report cycles that hold in every situation; True when there are some (checking stops)."""
    cycles = ctx.engine.priority.static_cycles()
    for names in cycles:
        ctx.findings.append(_cycle_finding(ctx, names, None))
    return bool(cycles)


def check_situational_cycles(ctx: CheckContext) -> bool:
    """Report cycles that hold in some situations; True when there are some, or when the
    solver gave up on one (checking stops: which norms are defeated is undefined there)."""
    engine = ctx.engine
    if not engine.priority.has_cycles:
        return False
    stop = False
    for names, conditions in engine.priority.conditional_cycles(limit=100000):
        first = ctx.norm(names[0]) if names else None
        span = first.span if first else ctx.spec.edges[0].span
        before = len(ctx.findings)
        decided = ctx.guarded("priority cycles", backticked(names), span,
                              partial(_situational, ctx, names, conditions))
        stop = stop or not decided or len(ctx.findings) > before
    return stop


def _situational(ctx: CheckContext, names: list[str], conditions: list[RExpr]) -> list[Finding]:
    engine = ctx.engine
    solver = engine.limits.new_solver()
    solver.add(*engine.base_situation())
    solver.add(*[engine.enc.term(c) for c in conditions])
    if not is_sat(solver, engine.limits):
        return []
    model = solver.model()
    return [_cycle_finding(ctx, names, model, everywhere=_always(ctx, conditions))]


def _always(ctx: CheckContext, conditions: list[RExpr]) -> bool:
    """Whether the conditions hold in every situation (False when the solver cannot say:
    the cycle is then said to hold in some situations, which it does)."""
    engine = ctx.engine
    solver = engine.limits.new_solver()
    solver.add(*engine.base_situation())
    solver.add(z3.Not(z3.And([engine.enc.term(c) for c in conditions])))
    try:
        return not is_sat(solver, engine.limits)
    except SolverGaveUp:
        return False


def _cycle_finding(ctx: CheckContext, names: list[str], model: z3.ModelRef | None,
                   everywhere: bool = False) -> Finding:
    edges = ctx.engine.priority.edge_spans(names)
    unique = list(dict.fromkeys(names))
    labels = [Label(e.span, f"`{e.higher}` over `{e.lower}`", primary=(i == 0))
              for i, e in enumerate(edges)]
    if not labels:
        norm = ctx.norm(unique[0])
        labels = [Label(norm.span, "in a priority cycle", primary=True)]
    when = "" if model is None else " in every situation" if everywhere else " in some situations"
    witness = None
    if model is not None:
        from ..core.findings import Witness

        situation = ctx.engine.situation_of(model)
        ctx.recheck_situation(ctx.runtime.situation_env(situation)[0])
        witness = Witness(situation=situation)
    layered = any(ctx.norm(a).rank != ctx.norm(b).rank for a in unique for b in unique)
    help_lines = ["priority must be a strict partial order: no norm may rank above itself"]
    if layered:
        help_lines.append("an `overrides` edge cannot point at a norm of a higher layer")
    help_lines.append("nothing else is checked until no situation has a priority cycle")
    return Finding(
        "priority-cycle", f"priority among {backticked(unique)} forms a cycle{when}",
        labels[0].span, tuple(labels), tuple(sorted(unique)), witness, tuple(help_lines),
    )
