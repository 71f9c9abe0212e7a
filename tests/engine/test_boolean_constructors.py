"""`encode`'s boolean constructors make exactly the terms z3's own make.

They skip z3's Python-side checks for speed, so each must return the very same z3 term
(`eq`: the same node) as the z3 function it stands for, whatever the calling convention,
and must hand anything that is not a z3 boolean of one context to z3's own.
"""

from __future__ import annotations

import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from normlang.engine.encode import assert_terms, conj, disj, implies, is_false_term, is_true_term, neg

ATOMS = [z3.Bool(name) for name in "abcd"] + [z3.BoolVal(True), z3.BoolVal(False),
                                              z3.Int("x") > 2]
atoms = st.sampled_from(ATOMS)
terms = st.recursive(atoms, lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=3).map(z3.And),
    st.lists(inner, min_size=1, max_size=3).map(z3.Or),
    inner.map(z3.Not)), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(terms, min_size=1, max_size=4), terms, terms)
def test_same_terms_as_z3(items: list[z3.BoolRef], left: z3.BoolRef, right: z3.BoolRef) -> None:
    assert conj(items).eq(z3.And(items)) and conj(*items).eq(z3.And(*items))
    assert disj(items).eq(z3.Or(items)) and disj(*items).eq(z3.Or(*items))
    assert neg(left).eq(z3.Not(left))
    assert implies(left, right).eq(z3.Implies(left, right))
    assert is_true_term(left) == z3.is_true(left)
    assert is_false_term(left) == z3.is_false(left)


def test_anything_else_goes_to_z3() -> None:
    a = z3.Bool("a")
    assert conj(a, True).eq(z3.And(a, True))
    assert disj([]).eq(z3.Or([]))
    assert neg(False).eq(z3.Not(False))
    assert implies(True, a).eq(z3.Implies(True, a))
    assert not is_true_term(True) and not is_false_term(False)  # z3's answer for Python bools
    other = z3.Context()
    b = z3.Bool("b", other)
    try:
        conj(a, b)  # terms of two contexts: z3's own error, not a crash in C
    except z3.Z3Exception:
        pass
    else:
        raise AssertionError("mixing contexts must be refused as z3 refuses it")


def test_assert_terms_asserts_them() -> None:
    a, b = z3.Bools("a b")
    solver = z3.SimpleSolver()
    assert_terms(solver, [a, z3.Not(b), a == b])
    assert solver.check() == z3.unsat
    solver = z3.SimpleSolver()
    assert_terms(solver, [a, False])  # a Python bool goes through z3's `add`
    assert solver.check() == z3.unsat
