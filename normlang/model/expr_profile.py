"""What an expression of the core language (`spec.RExpr`) costs and reads.

Both walks visit each shared subexpression once: inlined defines share theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .spec import ActionRef, Arith, ConflictAtom, Const, DeonticAtom, FactRef, Neg, RExpr, children

#: the most bits a constant may take once z3 multiplies an expression's constants out: about
#: 4,000 decimal digits. Squaring `1e1000` a dozen times (through defines) kept z3 busy for
#: minutes in a single assertion, and z3 cannot hand back numbers of over ~4,300 digits.
MAX_CONSTANT_BITS = 13_300

#: per arithmetic node (by id, with the node itself so that a reused id is not confused):
#: bounds on the bits of a numerator and of a denominator
ConstantBits = dict[int, tuple[RExpr, tuple[int, int]]]


@dataclass(frozen=True)
class Profile:
    """What an expression costs and reads: tree size and depth, facts, actions, deontic atoms."""

    size: int
    depth: int
    facts: bool
    actions: bool
    deontic: bool


def profile(expr: RExpr) -> Profile:
    """The profile of `expr`, walking each shared subexpression once (inlined defines share)."""
    # keyed by id(): structural hashing of a shared DAG would itself take exponential time
    memo: dict[int, Profile] = {}
    stack: list[tuple[RExpr, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in memo:
            continue
        kids = tuple(children(node))
        if kids and not expanded:
            stack.append((node, True))
            stack.extend((kid, False) for kid in kids if id(kid) not in memo)
            continue
        parts = [memo[id(kid)] for kid in kids]
        memo[id(node)] = Profile(
            size=1 + sum(p.size for p in parts),
            depth=1 + max((p.depth for p in parts), default=0),
            facts=isinstance(node, FactRef) or any(p.facts for p in parts),
            actions=isinstance(node, ActionRef) or any(p.actions for p in parts),
            deontic=isinstance(node, (DeonticAtom, ConflictAtom)) or any(p.deontic for p in parts),
        )
    return memo[id(expr)]


def constant_bits(node: RExpr, known: ConstantBits) -> tuple[int, int]:
    """Upper bounds on the bits of the numerator and the denominator of any constant that
    folding the arithmetic `node` can produce (a fact counts as no constant): a product adds
    its sides' bits, a sum adds the denominators' bits and one bit. `known` holds the bounds
    of nodes seen before (arithmetic is built bottom-up, so each node costs O(1))."""
    seen = known.get(id(node))
    if seen is not None and seen[0] is node:
        return seen[1]
    if isinstance(node, Const) and not isinstance(node.value, bool):
        value = Fraction(node.value)
        bits = (abs(value.numerator).bit_length(), value.denominator.bit_length() - 1)
    elif isinstance(node, Neg):
        bits = constant_bits(node.operand, known)
    elif isinstance(node, Arith):
        (n1, d1), (n2, d2) = constant_bits(node.left, known), constant_bits(node.right, known)
        bits = (n1 + n2, d1 + d2) if node.op == "*" else (max(n1 + d2, n2 + d1) + 1, d1 + d2)
    else:
        bits = (0, 0)
    known[id(node)] = (node, bits)
    return bits


def actions_in(expr: RExpr) -> set[str]:
    """The actions `expr` reads (each shared subexpression walked once)."""
    found: set[str] = set()
    seen: set[int] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ActionRef):
            found.add(node.name)
        stack.extend(children(node))
    return found
