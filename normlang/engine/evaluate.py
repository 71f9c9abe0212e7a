"""Plain evaluation of core expressions, without a solver.

Used to answer runtime queries and to re-check every witness the engine
reports. Expressions are compiled once into Python closures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Union

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
    children,
)

#: a value in an environment: facts (enum values as indices) and actions
Scalar = Union[bool, int, Fraction]
Env = Mapping[str, Scalar]
Compiled = Callable[[Env], Scalar]


class NotPlainlyEvaluable(Exception):
    """Raised for deontic atoms, which need the set of complying conducts."""


def _compare(op: str) -> Callable[[Scalar, Scalar], bool]:
    return {
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }[op]


def compile_expr(expr: RExpr) -> Compiled:
    """Compile `expr` into a function of an environment holding every name it reads."""
    if isinstance(expr, Const):
        value = expr.value
        return lambda env: value
    if isinstance(expr, (FactRef, ActionRef)):
        name = expr.name
        return lambda env: env[name]
    if isinstance(expr, EnumConst):
        index = expr.index
        return lambda env: index
    if isinstance(expr, Not):
        inner = compile_expr(expr.operand)
        return lambda env: not inner(env)
    if isinstance(expr, And):
        parts = [compile_expr(item) for item in expr.items]
        return lambda env: all(part(env) for part in parts)
    if isinstance(expr, Or):
        parts = [compile_expr(item) for item in expr.items]
        return lambda env: any(part(env) for part in parts)
    if isinstance(expr, Implies):
        left, right = compile_expr(expr.left), compile_expr(expr.right)
        return lambda env: (not left(env)) or bool(right(env))
    if isinstance(expr, Iff):
        left, right = compile_expr(expr.left), compile_expr(expr.right)
        return lambda env: bool(left(env)) == bool(right(env))
    if isinstance(expr, Cmp):
        left, right, test = compile_expr(expr.left), compile_expr(expr.right), _compare(expr.op)
        return lambda env: test(left(env), right(env))
    if isinstance(expr, Arith):
        left, right = compile_expr(expr.left), compile_expr(expr.right)
        if expr.op == "+":
            return lambda env: left(env) + right(env)
        if expr.op == "-":
            return lambda env: left(env) - right(env)
        return lambda env: left(env) * right(env)
    if isinstance(expr, Neg):
        inner = compile_expr(expr.operand)
        return lambda env: -inner(env)
    if isinstance(expr, (DeonticAtom, ConflictAtom)):
        raise NotPlainlyEvaluable(type(expr).__name__)
    raise TypeError(f"not an expression: {expr!r}")


def evaluate(expr: RExpr, env: Env) -> Scalar:
    """Evaluate `expr` once (compile it first when it is evaluated many times)."""
    return compile_expr(expr)(env)


def names_in(expr: RExpr) -> tuple[set[str], set[str]]:
    """The facts and the actions that `expr` reads (deontic targets included)."""
    facts: set[str] = set()
    actions: set[str] = set()
    stack: list[RExpr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, FactRef):
            facts.add(node.name)
        elif isinstance(node, ActionRef):
            actions.add(node.name)
        else:
            stack.extend(children(node))
    return facts, actions


def has_deontic(expr: RExpr) -> bool:
    """Whether `expr` contains `obliged`/`forbidden`/`permitted`/`conflict`."""
    stack: list[RExpr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, (DeonticAtom, ConflictAtom)):
            return True
        stack.extend(children(node))
    return False


def free_actions(expr: RExpr) -> set[str]:
    """Actions read outside any deontic atom (quantified over complying conducts)."""
    found: set[str] = set()
    stack: list[RExpr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ActionRef):
            found.add(node.name)
        elif not isinstance(node, DeonticAtom):
            stack.extend(children(node))
    return found
