"""Plain evaluation of expectation formulas in one situation (for re-checking witnesses)."""

from __future__ import annotations

from ..core.findings import Witness
from ..engine.evaluate import evaluate, names_in
from ..model.spec import (
    And,
    Arith,
    Cmp,
    ConflictAtom,
    Const,
    DeonticAtom,
    Iff,
    Implies,
    Neg,
    Not,
    Or,
    RExpr,
)
from .context import CheckContext


def holds(ctx: CheckContext, formula: RExpr, witness: Witness) -> bool:
    """Whether `formula` is true in the witness situation (and conduct), deontic atoms included."""
    runtime = ctx.runtime
    env, _ = runtime.situation_env(witness.situation)
    active = runtime.active(env)
    musts = [runtime.norms[n] for n in active if runtime.norms[n].norm.modality != "may"]
    conflict = not runtime._all_components_comply(env, musts)

    def permitted(target: RExpr) -> bool:
        if conflict:
            return False
        acts = names_in(target)[1]
        names, tests = runtime._compliance_component(acts, musts) if acts else ([], [])
        return any(evaluate(target, {**env, **c}) for c in runtime._conducts(env, names, tests))

    def decide(atom: RExpr) -> bool:
        if isinstance(atom, ConflictAtom):
            return conflict
        assert isinstance(atom, DeonticAtom)
        if atom.kind == "permitted":
            return permitted(atom.target)
        if atom.kind == "forbidden":
            return not permitted(atom.target)
        return not permitted(Not(atom.target))

    plain = _replace_atoms(formula, decide)
    return bool(evaluate(plain, {**env, **witness.conduct}))


def _replace_atoms(expr: RExpr, decide: object) -> RExpr:
    if isinstance(expr, (DeonticAtom, ConflictAtom)):
        return Const(bool(decide(expr)))  # type: ignore[operator]
    if isinstance(expr, Not):
        return Not(_replace_atoms(expr.operand, decide))
    if isinstance(expr, Neg):
        return Neg(_replace_atoms(expr.operand, decide))
    if isinstance(expr, And):
        return And(tuple(_replace_atoms(i, decide) for i in expr.items))
    if isinstance(expr, Or):
        return Or(tuple(_replace_atoms(i, decide) for i in expr.items))
    if isinstance(expr, Implies):
        return Implies(_replace_atoms(expr.left, decide), _replace_atoms(expr.right, decide))
    if isinstance(expr, Iff):
        return Iff(_replace_atoms(expr.left, decide), _replace_atoms(expr.right, decide))
    if isinstance(expr, Cmp):
        return Cmp(expr.op, _replace_atoms(expr.left, decide), _replace_atoms(expr.right, decide))
    if isinstance(expr, Arith):
        return Arith(expr.op, _replace_atoms(expr.left, decide), _replace_atoms(expr.right, decide))
    return expr
