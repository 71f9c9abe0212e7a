"""The `dead-norm` check: a norm that applies in no situation, with the conditions that
contradict (its `when`, its `unless`, an `assume`, the types of its facts)."""

from __future__ import annotations

from collections.abc import Iterable

import z3

from ..core.findings import Finding, Label
from ..engine.conflict_search import Engine
from ..engine.encode import assert_terms, implies, neg
from ..engine.evaluate import names_in
from ..engine.solver import is_sat
from ..engine.structure import Group
from ..model.spec import And, NormDecl, RExpr
from .context import CheckContext


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


def dead(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    engine = ctx.engine
    group = engine.group_of[norm.name]
    if engine.applies_somewhere(norm):
        return []
    # one solver per group for the common case: the norm can apply
    live = engine.solvers.get(("live", group.index), lambda: _situations_of(engine, group))
    if is_sat(live, engine.limits, mark(live, engine.applicable(norm))):
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


def mark(solver: z3.Solver, term: z3.BoolRef) -> z3.BoolRef:
    """A fresh assumption literal standing for `term` in `solver`."""
    marker = z3.FreshBool("query")
    assert_terms(solver, [implies(marker, term)])
    return marker
