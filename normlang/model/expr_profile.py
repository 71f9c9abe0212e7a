"""What an expression of the core language (`spec.RExpr`) costs and reads.

Both walks visit each shared subexpression once: inlined defines share theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import ActionRef, ConflictAtom, DeonticAtom, FactRef, RExpr, children


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
