"""Minimal specs on which the engine and the oracle disagreed, shrunk by hand from hypothesis runs.

Each test states the disagreement and the reading of the design behind the oracle. A test marked
`xfail(strict=True)` is an open engine bug: when the engine is fixed it passes, strict xfail turns
that into a failure, and the marker must go.
"""

from __future__ import annotations

import pytest
from oracle import Oracle
from strategies import expect, make_spec, norm, scenario
from test_oracle_engine import assert_agrees

from normlang.api import CheckOptions
from normlang.checks import run_checks
from normlang.spec import (
    ActionRef, And, Cmp, Const, DeonticAtom, EnumConst, FactRef, Implies, Not, Or, Spec,
)

x0, x1, x3, bx1 = ActionRef("a.x0"), ActionRef("a.x1"), ActionRef("a.x3"), ActionRef("b.x1")
RED, GREEN = EnumConst("Color", 0), EnumConst("Color", 1)


def agrees(spec: Spec) -> None:
    assert_agrees(spec, run_checks(spec, CheckOptions()))


@pytest.mark.xfail(strict=True, reason="engine drops assumes a group does not read; its witness "
                                       "violates `assume f0 == 3`")
def test_contradictory_assumes_leave_no_situation() -> None:
    # `assume f0 == 3` with f0 in 0..2: no situation exists, so no conflict can be shown in one.
    spec = make_spec({"f0": (0, 2)}, ["a.x0"],
                     [norm("n1", "must", x0), norm("n2", "must not", x0)],
                     assumes=(Cmp("==", FactRef("f0"), Const(3)),))
    assert Oracle(spec).situations == []
    agrees(spec)


@pytest.mark.xfail(strict=True, reason="engine only lets norms sharing actions clash; by the "
                                       "design a demand no conduct can meet clashes with every norm")
def test_an_unmeetable_demand_clashes_with_norms_on_other_actions() -> None:
    # Where p holds, the constraint forbids b.x1, so no conduct meets n0: by the design's
    # definition n0 clashes with n1 there ("no conduct satisfies both demands"), and n0, higher
    # and undefeated, defeats n1: overridden (n1, n0).
    spec = make_spec({"p": "bool"}, ["a.x0", "b.x1"],
                     [norm("n0", "must", bx1), norm("n1", "must", x0, layer="bottom")],
                     layers=("top", "bottom"), constraints=(Implies(FactRef("p"), Not(bx1)),))
    assert Oracle(spec).overridden() == {("n1", "n0")}
    agrees(spec)


@pytest.mark.xfail(strict=True, reason="engine's witness conduct for `always a.x3` breaks the "
                                       "constraint `a.x1 or a.x0`")
def test_a_failed_always_shows_a_conduct_that_meets_the_constraints() -> None:
    spec = make_spec({"p": "bool"}, ["a.x0", "a.x1", "a.x3"], [norm("n0", "must not", x1)],
                     constraints=(Or((x1, x0)),), expectations=(expect("always", x3, line=401),))
    assert Oracle(spec).expectation_fails("always", x3)
    agrees(spec)


@pytest.mark.xfail(strict=True, reason="engine reports {n6, n7} with witness c = red, where n6 "
                                       "alone already admits no conduct")
def test_a_reported_conflict_set_is_minimal_in_its_witness() -> None:
    # c != green forbids x0 and x1 together, and x1 needs x0: there n6 (must x1) alone is
    # unmeetable; where c == green, n6 and n7 together are the minimal set.
    spec = make_spec({"c": "Color"}, ["a.x0", "a.x1"],
                     [norm("n6", "must", x1), norm("n7", "must not", x0)],
                     constraints=(Implies(Cmp("!=", FactRef("c"), GREEN), Not(And((x0, x1)))),
                                  Implies(x1, x0)))
    agrees(spec)


@pytest.mark.xfail(strict=True, reason="engine crashes (IndexError) decoding an enum fact of a "
                                       "scenario witness")
def test_a_scenario_witness_with_free_enum_facts_decodes() -> None:
    f0 = FactRef("f0")
    spec = make_spec(
        {"f0": "Color", "f1": "Color", "f2": "Color"}, ["a.x0", "a.x1"],
        [norm("n0", "must not", x0, unless=Cmp("==", f0, RED)),
         norm("n3", "must not", Not(Or((x1, x0))),
              when=Or((Cmp("==", f0, RED), Not(Cmp("!=", f0, GREEN)))))],
        scenarios=(scenario(Not(Cmp("==", FactRef("f1"), RED)), DeonticAtom("forbidden", x0)),))
    agrees(spec)
