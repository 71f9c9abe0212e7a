"""Quick answers without z3 for the common shape of a condition: a conjunction of
atoms that each read one fact (`x`, `not x`, `mode == audit`, `level >= s2`,
`age < 18`).

`ranges_of` keeps, per fact, the values every atom allows. Two conditions whose
ranges are disjoint for some fact never hold together. A condition of another
shape gives no ranges (None), and the caller asks z3. Nothing here is trusted
to say that something *can* happen without a plain re-evaluation of a concrete
point (`some_point`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model.spec import FALSE, TRUE, And, Cmp, Const, EnumConst, FactRef, Not, RExpr, Spec
from .evaluate import Scalar

#: a fact's allowed values: a finite set (bool, enum index), or an int interval (inclusive)
Allowed = frozenset[int] | tuple[int | None, int | None]
Ranges = dict[str, Allowed]

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def ranges_of(expr: RExpr, spec: Spec) -> Ranges | None:
    """The values per fact that `expr` allows, if it is a conjunction of one-fact atoms
    (an empty set or interval for some fact: `expr` never holds)."""
    ranges: Ranges = {}
    for atom in _conjuncts(expr):
        if atom == TRUE:
            continue
        found = _atom(atom, spec)
        if found is None:
            return None
        fact, allowed = found
        ranges[fact] = _meet(ranges[fact], allowed) if fact in ranges else allowed
    return ranges


def disjoint(first: Ranges, second: Ranges) -> bool:
    """Whether no situation satisfies both (some fact has no value allowed by both)."""
    if _empty_somewhere(first) or _empty_somewhere(second):
        return True
    return any(_is_empty(_meet(allowed, second[fact]))
               for fact, allowed in first.items() if fact in second)


def some_point(ranges: Ranges, spec: Spec) -> dict[str, Scalar] | None:
    """One value per fact inside the ranges and the facts' types (None if empty), as an
    evaluation environment (enum values by index)."""
    point: dict[str, Scalar] = {}
    for fact, allowed in ranges.items():
        decl = spec.facts[fact]
        if isinstance(allowed, frozenset):
            if not allowed:
                return None
            value = min(allowed)
            point[fact] = bool(value) if decl.kind == "bool" else value  # enums by index
            continue
        low, high = allowed
        if low is not None and high is not None and low > high:
            return None
        point[fact] = low if low is not None else (high if high is not None else 0)
    return point


def _conjuncts(expr: RExpr) -> list[RExpr]:
    if isinstance(expr, And):
        return [part for item in expr.items for part in _conjuncts(item)]
    if isinstance(expr, Not) and expr.operand == FALSE:
        return []
    return [expr]


def _atom(atom: RExpr, spec: Spec) -> tuple[str, Allowed] | None:
    negated = False
    if isinstance(atom, Not):
        negated, atom = True, atom.operand
    if isinstance(atom, FactRef) and spec.facts[atom.name].kind == "bool":
        return atom.name, frozenset({0 if negated else 1})
    if not isinstance(atom, Cmp):
        return None
    op: str = atom.op
    left, right = atom.left, atom.right
    if not isinstance(left, FactRef):
        op, left, right = _FLIP[op], right, left
    if not isinstance(left, FactRef):
        return None
    decl = spec.facts[left.name]
    if decl.kind == "enum" and isinstance(right, EnumConst) and decl.enum is not None:
        size = len(spec.enums[decl.enum].values)
        values = frozenset(i for i in range(size) if _holds(op, i, right.index))
        return left.name, frozenset(range(size)) - values if negated else values
    if decl.kind == "int" and isinstance(right, Const) and type(right.value) is int:
        if op == "!=" or negated:  # not an interval
            return None
        return left.name, _interval(op, right.value, decl.low, decl.high)
    return None


def _holds(op: str, left: int, right: int) -> bool:
    return {"==": left == right, "!=": left != right, "<": left < right,
            "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _interval(op: str, value: int, low: int | None, high: int | None) -> Allowed:
    if op == "==":
        atom: tuple[int | None, int | None] = (value, value)
    elif op == "<":
        atom = (None, value - 1)
    elif op == "<=":
        atom = (None, value)
    elif op == ">":
        atom = (value + 1, None)
    else:
        atom = (value, None)
    return _meet(atom, (low, high))


def _meet(first: Allowed, second: Allowed) -> Allowed:
    if isinstance(first, frozenset) and isinstance(second, frozenset):
        return first & second
    assert isinstance(first, tuple) and isinstance(second, tuple)
    lows = [v for v in (first[0], second[0]) if v is not None]
    highs = [v for v in (first[1], second[1]) if v is not None]
    return (max(lows) if lows else None, min(highs) if highs else None)


def _is_empty(allowed: Allowed) -> bool:
    if isinstance(allowed, frozenset):
        return not allowed
    low, high = allowed
    return low is not None and high is not None and low > high


def _empty_somewhere(ranges: Mapping[str, Allowed]) -> bool:
    return any(_is_empty(allowed) for allowed in ranges.values())
