"""Conduct spaces: a solver over the actions of some groups, asked one situation at a time.

The facts a space's constraints read are abstracted into boolean atoms that
assumptions fix per situation, and each norm's demand is switched on by a selector,
so that unsat cores name the norms (and fact atoms) responsible. Also `or_` and
`and_`, the disjunction and conjunction of z3 terms folding constants, that the
engine builds its conditions with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import z3

from ..model.spec import ActionRef, And, Cmp, Const, Iff, Implies, NormDecl, Not, Or, RExpr
from .encode import Encoder, assert_terms, conj, disj, implies, is_false_term, is_true_term, neg
from .evaluate import names_in
from .solver import Limits
from .structure import Group


def or_(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    kept = [t for t in terms if not is_false_term(t)]
    if any(is_true_term(t) for t in kept):
        return z3.BoolVal(True)
    if not kept:
        return z3.BoolVal(False)
    return kept[0] if len(kept) == 1 else disj(kept)


def and_(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    kept = [t for t in terms if not is_true_term(t)]
    if any(is_false_term(t) for t in kept):
        return z3.BoolVal(False)
    if not kept:
        return z3.BoolVal(True)
    return kept[0] if len(kept) == 1 else conj(kept)


class SpaceEngine(Protocol):
    """What a conduct space needs of the engine that makes it."""

    limits: Limits
    enc: Encoder
    spaces_made: int

    def demand(self, norm: NormDecl) -> z3.BoolRef: ...


class ConductSpace:
    """A solver over the actions of some groups, with their constraints.

    Fact atoms of the constraints (and of deontic targets) are abstracted into
    boolean atoms, fixed per situation by assumptions. Each norm's demand is
    guarded by a selector, so active norms are switched on by assumptions and
    unsat cores name the norms responsible.
    """

    def __init__(self, engine: SpaceEngine, groups: Sequence[Group]) -> None:
        self.engine = engine
        # names the space's own constants; counted, not an address, so that a task names
        # (and z3 treats) them alike in every process
        engine.spaces_made += 1
        self.number = engine.spaces_made
        self.actions = sorted({a for g in groups for a in g.actions})
        self.solver = engine.limits.new_solver()
        self.atoms: dict[RExpr, z3.BoolRef] = {}
        self.constraint_atoms: list[RExpr] = []
        for group in groups:
            for located in group.constraints:
                assert_terms(self.solver, [self.abstract(located.expr)])
        self.constraint_atoms = list(self.atoms)
        self.select: dict[str, z3.BoolRef] = {}
        for group in groups:
            for norm in group.norms:
                selector = z3.Bool(f"sel!{norm.name}")  # one solver per space: no clash across engines
                self.select[norm.name] = selector
                assert_terms(self.solver, [implies(selector, engine.demand(norm))])
        self._guards: dict[RExpr, z3.BoolRef] = {}

    def abstract(self, expr: RExpr) -> z3.BoolRef:
        """`expr` with each maximal action-free subformula replaced by an atom."""
        if not names_in(expr)[1]:
            if isinstance(expr, Const):
                return z3.BoolVal(bool(expr.value))
            if expr not in self.atoms:
                self.atoms[expr] = z3.Bool(f"atom{self.number}!{len(self.atoms)}")
            return self.atoms[expr]
        if isinstance(expr, ActionRef):
            return self.engine.enc.actions[expr.name]
        if isinstance(expr, Not):
            return neg(self.abstract(expr.operand))
        if isinstance(expr, And):
            return conj([self.abstract(i) for i in expr.items])
        if isinstance(expr, Or):
            return disj([self.abstract(i) for i in expr.items])
        if isinstance(expr, Implies):
            return implies(self.abstract(expr.left), self.abstract(expr.right))
        if isinstance(expr, (Iff, Cmp)):
            left, right = self.abstract(expr.left), self.abstract(expr.right)
            same = left == right
            return neg(same) if isinstance(expr, Cmp) and expr.op == "!=" else same
        raise TypeError(f"not a formula over actions: {expr!r}")

    def guard(self, target: RExpr) -> z3.BoolRef:
        """A selector that switches on `target` (a deontic atom's formula)."""
        if target not in self._guards:
            selector = z3.Bool(f"guard{self.number}!{len(self._guards)}")
            assert_terms(self.solver, [implies(selector, self.abstract(target))])
            self._guards[target] = selector
        return self._guards[target]

    def atom_literals(self, model: z3.ModelRef,
                      atoms: Iterable[RExpr] | None = None) -> dict[z3.BoolRef, z3.BoolRef]:
        """Assumptions fixing the atoms to their values in `model`, mapped to fact literals."""
        out: dict[z3.BoolRef, z3.BoolRef] = {}
        for expr in (self.atoms if atoms is None else atoms):
            var = self.atoms[expr]
            fact_term = self.engine.enc.term(expr)
            if is_true_term(model.eval(fact_term, model_completion=True)):
                out[var] = fact_term
            else:
                out[neg(var)] = neg(fact_term)
        return out

    def conduct(self, also: Iterable[str] = ()) -> dict[str, bool]:
        """The conduct of the last satisfiable check: the space's actions and `also`
        (actions of a deontic target that no norm or constraint mentions)."""
        model = self.solver.model()
        return {a: is_true_term(model.eval(self.engine.enc.actions[a], model_completion=True))
                for a in sorted(set(self.actions) | set(also))}
