"""Resolved spec -> z3 terms. The one place that builds z3 terms from expressions.

Facts become z3 constants (enums as integers indexing their values), actions
become booleans. A conduct other than the default one is a renaming of the
action constants (`conduct_copy`). Deontic atoms cannot be translated
directly; callers pass an `atoms` function that stands for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction

import z3

from .spec import (
    ActionRef, And, Arith, Cmp, ConflictAtom, Const, DeonticAtom, EnumConst, FactRef, Iff,
    Implies, Neg, Not, Or, RExpr, Spec,
)

AtomFn = Callable[[RExpr], z3.BoolRef]


class LazyConstants(dict):  # type: ignore[type-arg]
    """The z3 constants of declared names, each made when first asked for (a task that
    checks a few groups of a large spec pays for those groups' constants only)."""

    def __init__(self, declared: Iterable[str], make: Callable[[str], z3.ExprRef]) -> None:
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
        fact = self.spec.facts[name]
        var = self.facts[name]
        out: list[z3.BoolRef] = []
        if fact.kind == "enum" and fact.enum is not None:
            size = len(self.spec.enums[fact.enum].values)
            out.append(z3.And(var >= 0, var < size))
        elif fact.kind == "int":
            if fact.low is not None:
                out.append(var >= fact.low)
            if fact.high is not None:
                out.append(var <= fact.high)
        self._domains[name] = out
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
            return z3.Not(rec(expr.operand, acts, atoms))
        if isinstance(expr, And):
            return z3.And([rec(i, acts, atoms) for i in expr.items]) if expr.items else z3.BoolVal(True)
        if isinstance(expr, Or):
            return z3.Or([rec(i, acts, atoms) for i in expr.items]) if expr.items else z3.BoolVal(False)
        if isinstance(expr, Implies):
            return z3.Implies(rec(expr.left, acts, atoms), rec(expr.right, acts, atoms))
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
