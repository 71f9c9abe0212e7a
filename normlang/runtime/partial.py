"""Partial situations: the situations a query leaves open, one per region that matters.

A query may leave facts out. The norms read a fact only through a few atoms
(a comparison, a boolean fact), so the answer in a situation is fixed by the
truth values of the atoms that read a missing fact. The solver lists every
truth assignment of those atoms that some completion of the given facts
(within the facts' types and the `assume`s) realises, with one completion for
each; plain evaluation then answers in each. An action's answer is definite
when it is the same in every one of them, else it `depends`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from fractions import Fraction

from ..engine.evaluate import Scalar
from ..model.spec import ActionRef, Cmp, FactRef, RExpr, Spec

#: the most regions a query enumerates before it asks for more facts instead
MAX_REGIONS = 256


class TooManySituations(Exception):
    """The missing facts leave more than `MAX_REGIONS` kinds of situation open."""


class NoSituation(Exception):
    """No completion of the given facts satisfies the `assume`s (`where`: the first `assume`
    that no completion satisfies alone, `file:line`, when one is)."""

    def __init__(self, where: str | None) -> None:
        super().__init__(where)
        self.where = where


def expressions_read(spec: Spec, norms: Collection[str] | None = None) -> Iterator[RExpr]:
    """Every expression whose value can change an answer (assumes aside): of `norms` (by
    default, every norm), every constraint and every priority condition."""
    for norm in spec.norms:
        if norms is not None and norm.name not in norms:
            continue
        yield norm.when
        yield norm.unless
        yield norm.demand
    for constraint in spec.constraints:
        yield constraint.expr
    for edge in spec.edges:
        yield edge.when


def facts_in(expr: RExpr) -> set[str]:
    out: set[str] = set()
    _walk(expr, lambda node: out.add(node.name) if isinstance(node, FactRef) else None)
    return out


def completions(spec: Spec, env: Mapping[str, Scalar], missing: Iterable[str],
                norms: Collection[str] | None, timeout_ms: int) -> list[dict[str, Scalar]]:
    """One completion of `env` for each region of the missing facts that some situation
    realises, in a deterministic order. Raises `NoSituation` when there is none,
    `TooManySituations` past `MAX_REGIONS`, and the solver's `SolverGaveUp`."""
    import gc

    from ..core.one_check import CHECK_LOCK

    with CHECK_LOCK:  # z3's default context and watchdog are the process's (see core.one_check)
        try:
            return _completions(spec, env, missing, norms, timeout_ms)
        finally:
            # the terms of this query that only the cycle collector frees are freed here,
            # under the lock: collected later, in whatever thread allocates next, their
            # dec_refs would run beside another thread's use of the same z3 context
            gc.collect()


def _completions(spec: Spec, env: Mapping[str, Scalar], missing: Iterable[str],
                 norms: Collection[str] | None, timeout_ms: int) -> list[dict[str, Scalar]]:
    from ..engine.encode import Encoder, disj
    from ..engine.solver import Limits, is_sat

    left_out = set(missing)
    limits = Limits(timeout_ms)
    enc = Encoder(spec)
    solver = limits.new_solver()
    for name, value in sorted(env.items()):
        solver.add(enc.facts[name] == _z3_value(value))
    solver.add(*enc.domain(spec.facts))
    assumes = [enc.term(a.expr) for a in spec.assumes]
    atoms = _atoms(spec, left_out, norms)
    terms = [enc.term(atom) for atom in atoms]
    solver.push()
    solver.add(*assumes)
    found: list[dict[str, Scalar]] = []
    while is_sat(solver, limits):
        model = solver.model()
        if len(found) == MAX_REGIONS:
            raise TooManySituations()
        completion = dict(env)
        for name in sorted(left_out):
            completion[name] = _decoded(spec, name, model.eval(enc.facts[name], model_completion=True))
        found.append(completion)
        if not terms:
            break
        solver.add(disj([term != model.eval(term, model_completion=True) for term in terms]))
    if found:
        return found
    solver.pop()
    for assume, term in zip(spec.assumes, assumes):
        if not is_sat(solver, limits, term):
            raise NoSituation(f"{assume.span.path}:{assume.span.line}")
    raise NoSituation(None)


def _atoms(spec: Spec, missing: set[str], norms: Collection[str] | None) -> list[RExpr]:
    """The atoms that read a missing fact: comparisons over facts only, and boolean facts."""
    seen: dict[RExpr, None] = {}

    def visit(node: RExpr) -> None:
        compares = isinstance(node, Cmp) and bool(facts_in(node) & missing) \
            and not _has_action(node)
        if compares or (isinstance(node, FactRef) and node.name in missing
                        and spec.facts[node.name].kind == "bool"):
            seen.setdefault(node, None)

    for expr in expressions_read(spec, norms):
        _walk(expr, visit)
    return list(seen)


def _has_action(expr: RExpr) -> bool:
    found: list[bool] = []
    _walk(expr, lambda node: found.append(True) if isinstance(node, ActionRef) else None)
    return bool(found)


def _walk(expr: RExpr, visit: object) -> None:
    """Call `visit` on every node of `expr` (iteratively: nesting is bounded but deep)."""
    assert callable(visit)
    stack = [expr]
    while stack:
        node = stack.pop()
        visit(node)
        for name in getattr(node, "__slots__", ()):
            child = getattr(node, name)
            if isinstance(child, tuple):
                stack.extend(c for c in child if not isinstance(c, (str, int, Fraction)))
            elif child is not None and not isinstance(child, (str, int, bool, Fraction)):
                stack.append(child)


def _z3_value(value: Scalar) -> object:
    import z3

    from ..engine.encode import z3_number

    if isinstance(value, bool):
        return z3.BoolVal(value)
    return z3_number(value)


def _decoded(spec: Spec, name: str, value: object) -> Scalar:
    import z3

    kind = spec.facts[name].kind
    if kind == "bool":
        return bool(z3.is_true(value))
    if kind in ("int", "enum"):
        assert isinstance(value, z3.IntNumRef)
        return int(value.as_long())
    assert isinstance(value, z3.RatNumRef)
    fraction = value.as_fraction()
    return Fraction(fraction.numerator, fraction.denominator)


__all__ = ["MAX_REGIONS", "NoSituation", "TooManySituations", "completions", "expressions_read",
           "facts_in"]
