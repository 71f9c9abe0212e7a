"""The quick fact-range answers (`normlang.engine.fact_ranges`) against brute force on small types.

The engine trusts `disjoint` to skip a solver query (two norms never apply together), so it
must never call two satisfiable-together conditions disjoint; `some_point` must give values
inside the ranges.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from normlang.core.source import Span
from normlang.engine.evaluate import evaluate
from normlang.engine.fact_ranges import disjoint, ranges_of, some_point
from normlang.model.spec import And, Cmp, Const, EnumConst, EnumType, FactDecl, FactRef, Not, Spec

SPAN = Span("t.norm", 0, 0, 1, 1, 1, 1)
SPEC = Spec(
    root="t.norm", layers=("top",),
    enums={"Level": EnumType("Level", ("low", "mid", "high"), True, SPAN)},
    facts={"b": FactDecl("b", "bool", SPAN), "lvl": FactDecl("lvl", "enum", SPAN, enum="Level"),
           "x": FactDecl("x", "int", SPAN, low=0, high=5),
           "y": FactDecl("y", "int", SPAN, low=-2, high=2)},
    actions={}, norms=(),
)
SITUATIONS = [dict(zip(("b", "lvl", "x", "y"), values)) for values in itertools.product(
    (False, True), range(3), range(6), range(-2, 3))]
OPS = ("==", "!=", "<", "<=", ">", ">=")

atoms = st.one_of(
    st.sampled_from([FactRef("b"), Not(FactRef("b"))]),
    st.builds(lambda op, i, flip: Cmp(op, EnumConst("Level", i), FactRef("lvl")) if flip
              else Cmp(op, FactRef("lvl"), EnumConst("Level", i)),
              st.sampled_from(OPS), st.integers(0, 2), st.booleans()),
    st.builds(lambda op, fact, n, flip: Cmp(op, Const(n), FactRef(fact)) if flip
              else Cmp(op, FactRef(fact), Const(n)),
              st.sampled_from(OPS), st.sampled_from(["x", "y"]), st.integers(-4, 7),
              st.booleans()),
).flatmap(lambda atom: st.sampled_from([atom, Not(atom)]))
conditions = st.lists(atoms, min_size=0, max_size=4).map(lambda items: And(tuple(items)))


def holds_somewhere(*exprs: object) -> bool:
    return any(all(evaluate(e, env) for e in exprs) for env in SITUATIONS)  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(conditions, conditions)
def test_disjoint_ranges_never_hold_together(first: And, second: And) -> None:
    a, b = ranges_of(first, SPEC), ranges_of(second, SPEC)
    if a is not None and b is not None:
        assert disjoint(a, b) == (not holds_somewhere(first, second))


@settings(max_examples=400, deadline=None)
@given(conditions)
def test_a_point_of_the_ranges_satisfies_the_condition(condition: And) -> None:
    ranges = ranges_of(condition, SPEC)
    if ranges is None:
        return
    point = some_point(ranges, SPEC)
    if point is None:
        assert not holds_somewhere(condition)
        return
    env = {"b": False, "lvl": 0, "x": 0, "y": 0, **point}
    assert evaluate(condition, env)  # type: ignore[arg-type]
