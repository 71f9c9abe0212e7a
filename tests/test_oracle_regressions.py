"""Minimal specs on which the engine and the oracle disagreed, shrunk by hand from hypothesis runs.

Each test states the disagreement (as the engine once answered) and the reading of the design
behind the oracle. An open engine bug would be marked `xfail(strict=True)`, so that its fix shows
up as a failure and the marker is removed; all of these are fixed.
"""

from __future__ import annotations

from oracle import Oracle
from strategies import expect, make_spec, norm, overrides, scenario
from test_oracle_engine import assert_agrees

from normlang.api import CheckOptions
from normlang.checks import run_checks
from normlang.model.spec import (
    FALSE,
    ActionRef,
    And,
    Cmp,
    Const,
    DeonticAtom,
    EnumConst,
    FactRef,
    Implies,
    Not,
    Or,
    Spec,
)
from normlang.runtime.query import query

x0, x1, x3, bx1 = ActionRef("a.x0"), ActionRef("a.x1"), ActionRef("a.x3"), ActionRef("b.x1")
RED, GREEN = EnumConst("Color", 0), EnumConst("Color", 1)


def agrees(spec: Spec) -> None:
    assert_agrees(spec, run_checks(spec, CheckOptions()))


def test_contradictory_assumes_leave_no_situation() -> None:
    # `assume f0 == 3` with f0 in 0..2: no situation exists, so no conflict can be shown in one.
    spec = make_spec({"f0": (0, 2)}, ["a.x0"],
                     [norm("n1", "must", x0), norm("n2", "must not", x0)],
                     assumes=(Cmp("==", FactRef("f0"), Const(3)),))
    assert Oracle(spec).situations == []
    agrees(spec)


def test_an_assume_that_reads_no_fact_leaves_no_situation() -> None:
    # `assume false` and `assume 1 > 2` link to no fact: the engine kept only the assumes
    # reading a fact of the check at hand, so it reported n1 and n2 in conflict at p = true
    # and `never obliged a.x0` failed at p = false. No situation exists: both norms are dead,
    # `possible p` fails and the `never` holds vacuously.
    p = FactRef("p")
    for false in (FALSE, Cmp(">", Const(1), Const(2))):
        spec = make_spec({"p": "bool"}, ["a.x0"],
                         [norm("n1", "must", x0), norm("n2", "must not", x0, when=p)],
                         assumes=(false,),
                         expectations=(expect("never", DeonticAtom("obliged", x0), line=401),
                                       expect("possible", p, line=402)))
        oracle = Oracle(spec)
        assert oracle.situations == [] and oracle.dead() == {"n1", "n2"}
        agrees(spec)


def test_an_unmeetable_demand_clashes_with_norms_on_other_actions() -> None:
    # Where p holds, the constraint forbids b.x1, so no conduct meets n0: by the design's
    # definition n0 clashes with n1 there ("no conduct satisfies both demands"), and n0, higher
    # and undefeated, defeats n1: overridden (n1, n0).
    spec = make_spec({"p": "bool"}, ["a.x0", "b.x1"],
                     [norm("n0", "must", bx1), norm("n1", "must", x0, layer="bottom")],
                     layers=("top", "bottom"), constraints=(Implies(FactRef("p"), Not(bx1)),))
    assert Oracle(spec).overridden() == {("n1", "n0")}
    agrees(spec)


def test_a_failed_always_shows_a_conduct_that_meets_the_constraints() -> None:
    # the engine once showed the all-false conduct, which breaks `a.x1 or a.x0`
    spec = make_spec({"p": "bool"}, ["a.x0", "a.x1", "a.x3"], [norm("n0", "must not", x1)],
                     constraints=(Or((x1, x0)),), expectations=(expect("always", x3, line=401),))
    assert Oracle(spec).expectation_fails("always", x3)
    agrees(spec)


def test_a_reported_conflict_set_is_minimal_in_its_witness() -> None:
    # c != green forbids x0 and x1 together, and x1 needs x0: there n6 (must x1) alone is
    # unmeetable; where c == green, n6 and n7 together are the minimal set.
    spec = make_spec({"c": "Color"}, ["a.x0", "a.x1"],
                     [norm("n6", "must", x1), norm("n7", "must not", x0)],
                     constraints=(Implies(Cmp("!=", FactRef("c"), GREEN), Not(And((x0, x1)))),
                                  Implies(x1, x0)))
    agrees(spec)


def test_a_scenario_witness_with_free_enum_facts_decodes() -> None:
    f0, f1 = FactRef("f0"), FactRef("f1")
    spec = make_spec(
        {"f0": "Color", "f1": "Color"}, ["a.x0", "a.x1"],
        [norm("n0", "must", x1, unless=Not(Cmp("==", f1, RED))),
         norm("n1", "must", x0, when=Not(Cmp("==", f1, RED)))],
        scenarios=(scenario(Not(Cmp("==", f0, RED)), DeonticAtom("obliged", x0)),))
    assert Oracle(spec).scenario_fails(spec.scenarios[0].given,
                                       spec.scenarios[0].expects[0].formula)
    agrees(spec)


def test_query_an_unmeetable_higher_demand_defeats_a_lower_norm() -> None:
    # `constraint a.x2` makes top's `must not a.x2` unmeetable: it clashes with n2 (design:
    # no conduct meets both) and, higher and undefeated, defeats it.
    spec = make_spec({"f0": "bool"}, ["a.x0", "a.x1", "a.x2"],
                     [norm("n0", "must not", ActionRef("a.x2")), norm("n1", "must", x0),
                      norm("n2", "must", x0, layer="middle")],
                     layers=("top", "middle"), constraints=(ActionRef("a.x2"),))
    result = query(spec, {"f0": False})
    assert Oracle(spec).active({"f0": False}) == {"n0", "n1"}
    assert set(result.active) == {"n0", "n1"} and result.defeated == ("n2",)


def test_removing_a_norm_on_a_priority_path_changes_the_others_priority() -> None:
    # Where d holds, n2 ≻ n0 ≻ n1 by `overrides`, so n2 ≻ n1 by transitivity, and n2
    # (must not a.x0) clashes with n1 (must not b.x1) under `b.x1 or a.x0`: n2 defeats n1.
    # n0 defeats nobody and is active where c == red and not d, but removing it removes
    # n2 ≻ n1: where d holds, n1 and n2 then conflict and nothing complies. So n0 is not
    # redundant; a shortcut once treated a norm that defeats nobody as removable without
    # recomputing the others' priority.
    spec = make_spec({"c": "Color", "d": "bool"}, ["a.x0", "b.x1"],
                     [norm("n0", "must not", bx1, when=Cmp("==", FactRef("c"), RED)),
                      norm("n1", "must not", bx1), norm("n2", "must not", x0)],
                     constraints=(Or((bx1, x0)),),
                     edges=(overrides("n2", "n0", FactRef("d")), overrides("n0", "n1")))
    oracle = Oracle(spec)
    assert "n0" not in oracle.redundant() | oracle.dead() | oracle.shadowed()
    agrees(spec)


def test_a_norm_is_judged_redundant_within_its_own_group_whatever_priority_it_links() -> None:
    # m overrides n, n overrides k: m ≻ k only through n. m (must x) and k (must not x) are one
    # group, n (must y, as o of the same layer already demands) another. Removing n leaves m
    # and k of equal rank and clashing, but redundancy is judged among the norms of n's layer
    # in n's group (language.md, findings table): there o already demands y, so n is redundant.
    # (Before issue 17 the engine compared the linked groups too, and n was not redundant.)
    x, y = ActionRef("a.x"), ActionRef("a.y")
    spec = make_spec({}, ["a.x", "a.y"],
                     [norm("m", "must", x, layer="bottom"), norm("n", "must", y, layer="bottom"),
                      norm("k", "must not", x, layer="bottom"), norm("o", "must", y, layer="bottom")],
                     layers=("top", "bottom"), edges=(overrides("m", "n"), overrides("n", "k")))
    assert "n" in Oracle(spec).redundant()
    agrees(spec)


def test_restating_a_higher_layers_duty_is_not_redundant() -> None:
    # as above, but o, which demands y too, is of the higher layer: a layer may restate the
    # rules it implements, so n (alone of its layer in its group) is not redundant
    x, y, z = ActionRef("a.x"), ActionRef("a.y"), ActionRef("a.z")
    spec = make_spec({}, ["a.x", "a.y", "a.z"],
                     [norm("m", "must", x, layer="bottom"), norm("n", "must", y, layer="bottom"),
                      norm("k", "must", z, layer="bottom"), norm("o", "must", y)],
                     layers=("top", "bottom"), edges=(overrides("m", "n"), overrides("n", "k")))
    assert "n" not in Oracle(spec).redundant()
    agrees(spec)


def test_a_conflict_elsewhere_makes_no_norm_redundant() -> None:
    # n4 and n5 conflict in every situation, so no conduct ever complies with the whole spec;
    # but n2 and n6 are judged within their own groups, which they change: not redundant.
    # n4 and n5 are active only where their group conflicts: not redundant either.
    # (Before issue 17 all four were called redundant.)
    x0, x3, x5 = ActionRef("a.x0"), ActionRef("b.x3"), ActionRef("b.x5")
    spec = make_spec({"f0": "bool"}, ["a.x0", "b.x3", "b.x5"],
                     [norm("n2", "must not", x5), norm("n4", "must not", x0),
                      norm("n5", "must", x0), norm("n6", "must not", x3)],
                     edges=(overrides("n6", "n2", FactRef("f0")),))
    assert Oracle(spec).redundant() == set()
    agrees(spec)


def test_an_undermined_permission_names_a_minimal_set_of_blocking_duties() -> None:
    # n4 alone leaves no conduct doing x5 (it demands not x2 and (x2 or not x5)); the engine
    # named n1 too, which z3's unsat core held (n1 demands not x2 as well) though it blocks
    # nothing by itself: labelled "blocks it", it sent the reader to the wrong norm
    x0, x2, x5 = ActionRef("a.x0"), ActionRef("a.x2"), ActionRef("a.x5")
    spec = make_spec({}, ["a.x0", "a.x2", "a.x5"],
                     [norm("n1", "must", Not(x2)),
                      norm("n4", "must", And((And((Not(x2), x0)), Or((x2, Not(x5)))))),
                      norm("perm", "may", x5)])
    assert Oracle(spec).undermined() == {"perm"}
    [finding] = [f for f in run_checks(spec, CheckOptions()) if f.kind == "undermined-permission"]
    assert finding.norms == ("perm", "n4")
    agrees(spec)
