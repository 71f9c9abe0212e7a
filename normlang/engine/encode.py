"""Resolved spec -> z3 terms. The one place that builds z3 terms from expressions.

Facts become z3 constants (enums as integers indexing their values), actions
become booleans. A conduct other than the default one is a renaming of the
action constants (`conduct_copy`). Deontic atoms cannot be translated
directly; callers pass an `atoms` function that stands for them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import z3

from ..model.spec import (
    ActionRef,
    And,
    Arith,
    Cmp,
    ConflictAtom,
    Const,
    DeonticAtom,
    EnumConst,
    FactRef,
    Iff,
    Implies,
    Neg,
    Not,
    Or,
    RExpr,
    Spec,
)

AtomFn = Callable[[RExpr], z3.BoolRef]


# ---------------------------------------------------------------- boolean constructors
# z3's own (z3.And, z3.Not, Solver.add, ...) check and coerce every argument in Python: an
# And of three terms costs ~25 µs, ~3 µs of it in z3. The terms built here are z3 booleans
# of one context already, so these make the very same terms through z3's C API directly,
# and hand anything else (a Python bool, terms of several contexts) to z3's own.

_BoolRef = z3.BoolRef


def _terms(args: tuple[Any, ...]) -> Sequence[Any]:
    """z3's calling conventions: `f(a, b, c)` or `f([a, b, c])`."""
    return args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args


def _one_context(terms: Sequence[Any]) -> Any:
    """The context all `terms` are z3 booleans of; None if they are not."""
    if not terms or type(terms[0]) is not _BoolRef:
        return None
    ctx = terms[0].ctx
    return ctx if all(type(t) is _BoolRef and t.ctx is ctx for t in terms) else None


def _array(terms: Sequence[Any]) -> Any:
    return (z3.Ast * len(terms))(*[t.ast for t in terms])


def conj(*args: Any) -> z3.BoolRef:
    """`z3.And`."""
    return _connective(z3.Z3_mk_and, z3.And, args)


def disj(*args: Any) -> z3.BoolRef:
    """`z3.Or`."""
    return _connective(z3.Z3_mk_or, z3.Or, args)


def _connective(make: Callable[..., Any], fallback: Callable[..., z3.BoolRef],
                args: tuple[Any, ...]) -> z3.BoolRef:
    terms = _terms(args)
    ctx = _one_context(terms)
    if ctx is None:
        return fallback(*args)
    return _BoolRef(make(ctx.ref(), len(terms), _array(terms)), ctx)


def neg(term: Any) -> z3.BoolRef:
    """`z3.Not`."""
    if type(term) is not _BoolRef:
        return z3.Not(term)
    return _BoolRef(z3.Z3_mk_not(term.ctx.ref(), term.ast), term.ctx)


def implies(premise: Any, conclusion: Any) -> z3.BoolRef:
    """`z3.Implies`."""
    ctx = _one_context((premise, conclusion))
    if ctx is None:
        return z3.Implies(premise, conclusion)
    return _BoolRef(z3.Z3_mk_implies(ctx.ref(), premise.ast, conclusion.ast), ctx)


def same(left: z3.ExprRef, right: z3.ExprRef) -> z3.BoolRef:
    """`left == right` for two terms of one sort and context (z3 refuses others)."""
    ctx = left.ctx
    return _BoolRef(z3.Z3_mk_eq(ctx.ref(), left.as_ast(), right.as_ast()), ctx)


def after(left: z3.ArithRef, right: z3.ArithRef) -> z3.BoolRef:
    """`left > right` for two real terms of one context (z3 refuses others)."""
    ctx = left.ctx
    return _BoolRef(z3.Z3_mk_gt(ctx.ref(), left.as_ast(), right.as_ast()), ctx)


def is_true_term(term: Any) -> bool:
    """`z3.is_true`: whether `term` is the constant true."""
    if type(term) is not _BoolRef:
        return bool(z3.is_true(term))
    return bool(z3.Z3_get_bool_value(term.ctx.ref(), term.ast) == z3.Z3_L_TRUE)


def is_false_term(term: Any) -> bool:
    """`z3.is_false`: whether `term` is the constant false."""
    if type(term) is not _BoolRef:
        return bool(z3.is_false(term))
    return bool(z3.Z3_get_bool_value(term.ctx.ref(), term.ast) == z3.Z3_L_FALSE)


def assert_terms(solver: z3.Solver, terms: Iterable[Any]) -> None:
    """`solver.add(*terms)`."""
    for term in terms:
        if type(term) is _BoolRef and term.ctx is solver.ctx:
            z3.Z3_solver_assert(solver.ctx.ref(), solver.solver, term.ast)
        else:
            solver.add(term)


class LazyConstants(dict[str, z3.ExprRef]):
    """The z3 constants of declared names, each made when first asked for (a task that
    checks a few groups of a large spec pays for those groups' constants only)."""

    def __init__(self, declared: Collection[str], make: Callable[[str], z3.ExprRef]) -> None:
        super().__init__()
        self.declared = declared
        self.make = make

    def __missing__(self, name: str) -> z3.ExprRef:
        if name not in self.declared:
            raise KeyError(name)
        self[name] = constant = self.make(name)
        return constant

    def __contains__(self, name: object) -> bool:
        return name in self.declared


def z3_number(value: int | Fraction) -> z3.ArithRef:
    if isinstance(value, Fraction) and value.denominator != 1:
        return z3.RealVal(f"{value.numerator}/{value.denominator}")
    return z3.IntVal(int(value))


class Encoder:
    """z3 constants for a spec's facts and actions, and the translation of expressions."""

    def __init__(self, spec: Spec, ctx: z3.Context | None = None) -> None:
        self.spec = spec
        self.ctx = ctx
        self.facts: Mapping[str, z3.ExprRef] = LazyConstants(spec.facts, self._fact_constant)
        self.actions: Mapping[str, z3.BoolRef] = LazyConstants(
            spec.actions, lambda a: z3.Bool(f"a!{a}"))
        self._copies = 0
        self._domains: dict[str, list[z3.BoolRef]] = {}

    def _fact_constant(self, name: str) -> z3.ExprRef:
        kind = self.spec.facts[name].kind
        if kind == "bool":
            return z3.Bool(f"f!{name}")
        if kind == "real":
            return z3.Real(f"f!{name}")
        return z3.Int(f"f!{name}")

    def conduct_copy(self, actions: Iterable[str], tag: str = "") -> dict[str, z3.BoolRef]:
        """Fresh boolean constants for `actions`: a second conduct in the same query."""
        self._copies += 1
        return {a: z3.Bool(f"c{self._copies}{tag}!{a}") for a in actions}

    def domain(self, facts: Iterable[str]) -> list[z3.BoolRef]:
        """The typing constraints of the given facts (enum ranges, int bounds)."""
        return [term for name in facts for term in self._domain_of(name)]

    def _domain_of(self, name: str) -> list[z3.BoolRef]:
        if name in self._domains:
            return self._domains[name]
        out = self.value_domain(name, self.facts[name])
        self._domains[name] = out
        return out

    def value_domain(self, name: str, var: z3.ExprRef) -> list[z3.BoolRef]:
        """The typing constraints of fact `name` on `var` (one of its values)."""
        fact = self.spec.facts[name]
        out: list[z3.BoolRef] = []
        if fact.kind == "enum" and fact.enum is not None:
            size = len(self.spec.enums[fact.enum].values)
            out.append(conj(var >= 0, var < size))
        elif fact.kind == "int":
            if fact.low is not None:
                out.append(var >= fact.low)
            if fact.high is not None:
                out.append(var <= fact.high)
        return out

    def term(self, expr: RExpr, actions: Mapping[str, z3.BoolRef] | None = None,
             atoms: AtomFn | None = None) -> z3.ExprRef:
        """Translate `expr`; `actions` renames action constants, `atoms` stands for deontic atoms."""
        acts = self.actions if actions is None else actions
        shared: dict[int, z3.ExprRef] = {}

        def rec(node: RExpr, acts: Mapping[str, z3.BoolRef], atoms: AtomFn | None) -> z3.ExprRef:
            # INVARIANT: `node` stays alive during this call, so its id is not reused;
            # shared subexpressions (defines, priority paths) are translated once.
            key = id(node)
            if key not in shared:
                shared[key] = self._term(node, acts, atoms, rec)
            return shared[key]

        return rec(expr, acts, atoms)

    def _term(self, expr: RExpr, acts: Mapping[str, z3.BoolRef], atoms: AtomFn | None,
              rec: Callable[..., z3.ExprRef]) -> z3.ExprRef:
        if isinstance(expr, Const):
            if isinstance(expr.value, bool):
                return z3.BoolVal(expr.value)
            return z3_number(expr.value)
        if isinstance(expr, FactRef):
            return self.facts[expr.name]
        if isinstance(expr, ActionRef):
            return acts[expr.name] if expr.name in acts else self.actions[expr.name]
        if isinstance(expr, EnumConst):
            return z3.IntVal(expr.index)
        if isinstance(expr, Not):
            return neg(rec(expr.operand, acts, atoms))
        if isinstance(expr, And):
            return conj([rec(i, acts, atoms) for i in expr.items]) if expr.items else z3.BoolVal(True)
        if isinstance(expr, Or):
            return disj([rec(i, acts, atoms) for i in expr.items]) if expr.items else z3.BoolVal(False)
        if isinstance(expr, Implies):
            return implies(rec(expr.left, acts, atoms), rec(expr.right, acts, atoms))
        if isinstance(expr, Iff):
            return rec(expr.left, acts, atoms) == rec(expr.right, acts, atoms)
        if isinstance(expr, Cmp):
            return _compare(expr.op, rec(expr.left, acts, atoms), rec(expr.right, acts, atoms))
        if isinstance(expr, Arith):
            left, right = rec(expr.left, acts, atoms), rec(expr.right, acts, atoms)
            if expr.op == "+":
                return left + right
            if expr.op == "-":
                return left - right
            return left * right
        if isinstance(expr, Neg):
            return -rec(expr.operand, acts, atoms)
        if isinstance(expr, (DeonticAtom, ConflictAtom)):
            if atoms is None:
                raise ValueError("a deontic atom outside an expectation")
            return atoms(expr)
        raise TypeError(f"not an expression: {expr!r}")


def _compare(op: str, left: z3.ExprRef, right: z3.ExprRef) -> z3.BoolRef:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right
