"""The oracle itself, on small specs whose meaning is worked out by hand from language.md."""

from __future__ import annotations

from oracle import Oracle, bare_actions
from strategies import expect, make_spec, norm, overrides, scenario

from normlang.core.source import Span
from normlang.model.spec import (
    ActionRef,
    And,
    Cmp,
    ConflictAtom,
    Const,
    DeonticAtom,
    FactRef,
    Implies,
    Not,
    Or,
    PriorityEdge,
)

disclose = ActionRef("assistant.disclose")
x, y = ActionRef("a.x"), ActionRef("a.y")
p, q = FactRef("p"), FactRef("q")


def persona() -> Oracle:
    """The design's own example, reduced to one action and four facts."""
    persona_, asked, person, informed = (FactRef(n) for n in ("persona", "asked", "person",
                                                              "informed"))
    return Oracle(make_spec(
        {"persona": "bool", "asked": "bool", "person": "bool", "informed": "bool"},
        ["assistant.disclose"],
        [norm("art50", "must", disclose, layer="regulation", when=person, unless=informed),
         norm("stay", "must not", disclose, layer="model_spec", when=persona_, unless=asked),
         norm("honest", "must", disclose, layer="model_spec", when=asked)],
        layers=("regulation", "model_spec"), edges=(overrides("honest", "stay"),),
        expectations=(expect("complies", line=410, lower="model_spec", higher="regulation"),),
        scenarios=(scenario(And((persona_, person, Not(informed), Not(asked))),
                            DeonticAtom("obliged", disclose)),)))


def test_the_design_example() -> None:
    oracle = persona()
    assert len(oracle.situations) == 16 and not oracle.has_cycle
    assert oracle.conflict_situations() == []
    assert oracle.overridden() == {("stay", "art50")}  # honest and stay never both apply
    assert oracle.compliance_breaks("model_spec", "regulation", ()) == {"art50"}
    assert not oracle.scenario_fails(oracle.spec.scenarios[0].given,
                                     oracle.spec.scenarios[0].expects[0].formula)
    situation = {"persona": True, "asked": False, "person": True, "informed": False}
    assert oracle.active(situation) == {"art50"}
    assert oracle.status(situation, "assistant.disclose") == "obliged"
    alone = {**situation, "person": False}
    assert oracle.status(alone, "assistant.disclose") == "forbidden"
    assert oracle.dead() == oracle.shadowed() == oracle.redundant() == set()


def test_a_three_norm_conflict_that_no_pair_explains() -> None:
    oracle = Oracle(make_spec({"p": "bool"}, ["a.x", "a.y"], [
        norm("either", "must", Or((x, y))), norm("no_x", "must not", x),
        norm("no_y", "must not", y, when=p)]))
    assert oracle.conflict_situations() == [{"p": True}]
    assert oracle.active({"p": True}) == {"either", "no_x", "no_y"}
    assert not any(oracle.clash({"p": True}, m, n) for m in oracle.spec.norms
                   for n in oracle.spec.norms)
    assert oracle.expectation_fails("consistent", None)
    assert oracle.expectation_fails("never", ConflictAtom())
    assert not oracle.expectation_fails("possible", ConflictAtom())


def test_a_defeat_chain_across_three_layers() -> None:
    # top defeats middle; middle, defeated, cannot defeat bottom; bottom repeats top: redundant
    oracle = Oracle(make_spec({"p": "bool"}, ["a.x"], [
        norm("t", "must", x, layer="top"), norm("m", "must not", x, layer="middle"),
        norm("b", "must", x, layer="bottom")], layers=("top", "middle", "bottom")))
    assert oracle.active({"p": False}) == {"t", "b"}
    assert oracle.shadowed() == {"m"}
    assert oracle.overridden() == {("m", "t")}
    assert oracle.redundant() == {"b"}
    assert oracle.undermined() == set()


def test_dead_only_because_the_fact_is_an_integer() -> None:
    n = FactRef("n")
    between = And((Cmp(">", n, Const(1)), Cmp("<", n, Const(2))))
    oracle = Oracle(make_spec({"n": (0, 3)}, ["a.x"], [
        norm("never", "must", x, when=between), norm("sometimes", "must", x,
                                                      when=Cmp(">=", n, Const(2)))]))
    assert oracle.dead() == {"never"}
    assert len(oracle.situations) == 4


def test_a_priority_cycle_in_some_situations_only() -> None:
    edges = (overrides("n1", "n2", when=p), overrides("n2", "n1", when=q, line=201))
    oracle = Oracle(make_spec({"p": "bool", "q": "bool"}, ["a.x"], [
        norm("n1", "must", x), norm("n2", "must not", x)], edges=edges))
    assert oracle.has_cycle
    assert oracle.acyclic == [{"p": False, "q": False}, {"p": False, "q": True},
                              {"p": True, "q": False}]
    assert oracle.active({"p": True, "q": False}) == {"n1"}
    assert oracle.conflict_situations() == [{"p": False, "q": False}]
    assert oracle.overridden() == {("n2", "n1"), ("n1", "n2")}
    assert oracle.shadowed() == set()


def test_a_contextual_prefer_edge_decides_within_a_layer() -> None:
    edge = PriorityEdge("honesty", "autonomy", p, "prefer", Span("t", 0, 1, 1, 1, 1, 2))
    oracle = Oracle(make_spec({"p": "bool"}, ["a.x"], [
        norm("honesty", "must", x, serves=("v1",)),
        norm("autonomy", "must not", x, serves=("v2",))], edges=(edge,)))
    assert oracle.active({"p": True}) == {"honesty"}
    assert oracle.conflict_situations() == [{"p": False}]
    assert oracle.sacrificed_values() == {"v2"}


def test_permissions_undermined_by_duties_and_constraints() -> None:
    oracle = Oracle(make_spec({"p": "bool"}, ["a.x", "a.y"], [
        norm("must_y", "must", y), norm("may_x", "may", x),
        norm("lower_no", "must not", y, layer="user"),
    ], layers=("top", "user"), constraints=(Implies(p, Not(And((x, y)))),)))
    assert oracle.undermined() == {"may_x"}
    assert oracle.undermined_in(oracle.spec.norm("may_x"), {"p": True})
    assert not oracle.undermined_in(oracle.spec.norm("may_x"), {"p": False})
    assert oracle.shadowed() == {"lower_no"}


def test_a_higher_permission_leaves_a_lower_prohibition_standing() -> None:
    # language.md, "clash": a lower layer may be stricter than what a higher one merely allows
    oracle = Oracle(make_spec({"p": "bool"}, ["a.x"], [
        norm("allow", "may", x), norm("ban", "must not", x, layer="user")],
        layers=("top", "user")))
    assert oracle.shadowed() == set()
    assert oracle.status({"p": True}, "a.x") == "forbidden"


def test_a_protected_permission_defeats_a_lower_prohibition() -> None:
    oracle = Oracle(make_spec({"p": "bool"}, ["a.x"], [
        norm("allow", "may", x, protected=True), norm("ban", "must not", x, layer="user")],
        layers=("top", "user")))
    assert oracle.shadowed() == {"ban"}
    assert oracle.status({"p": True}, "a.x") == "permitted"


def test_bare_actions_range_over_complying_conducts() -> None:
    oracle = Oracle(make_spec({"p": "bool"}, ["a.x", "a.y"], [norm("n", "must", x, when=p)]))
    assert bare_actions(And((x, DeonticAtom("obliged", y)))) == {"a.x"}
    assert not oracle.expectation_fails("always", Implies(p, x))
    assert oracle.expectation_fails("always", x)  # where p is false, not doing x complies
    assert oracle.expectation_fails("possible", And((p, Not(x))))
    assert oracle.expectation_fails("never", y)
    assert not oracle.expectation_fails("always", Implies(p, DeonticAtom("obliged", x)))


def test_compliance_judges_only_the_agents_of_the_lower_layer() -> None:
    b = ActionRef("b.z")
    spec = make_spec({"p": "bool"}, ["a.x", "b.z"], [
        norm("law_a", "must", x, layer="law"), norm("law_b", "must", b, layer="law"),
        norm("spec_a", "must not", x, layer="spec", when=p)], layers=("law", "spec"))
    oracle = Oracle(spec)
    assert oracle.compliance_breaks("spec", "law", ()) == {"law_a"}
    assert oracle.compliance_breaks("spec", "law", ("b",)) == {"law_b"}
    assert oracle.complying({"p": True}, [n for n in spec.norms if n.layer == "spec"]) == [
        {"a.x": False, "b.z": False}, {"a.x": False, "b.z": True}]


def test_a_layer_that_contradicts_itself_complies_with_nothing() -> None:
    # issue 17, example 5: before, no conduct complied with `spec`, so "every" one complied
    spec = make_spec({"p": "bool"}, ["a.x", "a.y"], [
        norm("law_y", "must", y, layer="law"), norm("s1", "must", x, layer="spec", when=p),
        norm("s2", "must not", x, layer="spec", when=p), norm("s3", "must", y, layer="spec")],
        layers=("law", "spec"))
    oracle = Oracle(spec)
    assert oracle.compliance_breaks("spec", "law", ()) == set()
    assert oracle.compliance_unfollowable("spec", "law", ())
    assert not oracle.compliance_unfollowable("spec", "law", ("b",))  # judged on b's duties


def test_a_protected_permission_taken_away() -> None:
    def oracle(protected: bool) -> Oracle:
        return Oracle(make_spec({"p": "bool"}, ["a.x"], [
            norm("right", "may", x, layer="law", when=p, protected=protected),
            norm("never", "must not", x, layer="spec")], layers=("law", "spec")))

    assert oracle(True).compliance_taken("spec", "law", ()) == {"right"}
    assert oracle(False).compliance_taken("spec", "law", ()) == set()  # only protected ones
    assert oracle(True).compliance_breaks("spec", "law", ()) == set()


def test_scenarios_hold_for_every_completion_of_given() -> None:
    oracle = Oracle(make_spec({"p": "bool", "q": "bool"}, ["a.x"],
                              [norm("n", "must", x, when=And((p, q)))]))
    obliged = DeonticAtom("obliged", x)
    assert oracle.scenario_fails(p, obliged)  # q is free and may be false
    assert not oracle.scenario_fails(And((p, q)), obliged)
    assert oracle.scenario_impossible(And((p, Not(p))))


def test_an_unconditional_cycle_is_one_even_without_situations() -> None:
    oracle = Oracle(make_spec({"p": "bool"}, ["a.x"], [
        norm("n1", "must", x), norm("n2", "must not", x, layer="user")],
        layers=("top", "user"), edges=(overrides("n2", "n1"),), assumes=(And((p, Not(p))),)))
    assert oracle.situations == [] and oracle.static_cycle and oracle.has_cycle
