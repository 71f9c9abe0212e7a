"""Issue 17, examples 1-3: every minimal conflict is reported; a norm is judged within its group
(an unrelated conflict changes nothing); redundancy is judged within the norm's own layer.
Each spec is the issue's own, or one reduced from its SLEEC case study."""

from __future__ import annotations

from engine_helpers import run

FOUR = """
    agent a
    fact p: bool
    action a.x
    action a.y
    norm A when p a must a.x
    norm B when p a must not a.x
    norm C when p a must a.y
    norm D when p a must not a.y
"""


def conflict_sets(text: str, **options: object) -> set[tuple[str, ...]]:
    return {f.norms for f in run(text, **options) if f.kind == "conflict"}


def test_a_dead_norm_linking_two_conflicts_hides_neither() -> None:
    spec = FOUR + "    norm E when p and not p a must (a.x and a.y)\n"
    assert conflict_sets(spec) == {("A", "B"), ("C", "D")}


def test_a_constraint_linking_two_conflicts_hides_neither() -> None:
    spec = FOUR + "    constraint a.x or not a.x or a.y\n"
    assert conflict_sets(spec) == {("A", "B"), ("C", "D")}


def test_a_conflict_that_only_shows_where_another_holds_is_found() -> None:
    # {P, Q} conflicts wherever p holds; {R, S, T} (no two of them conflict) only where p and q
    # hold, inside the first one's situations. The constraint links the two.
    spec = """
        agent a
        fact p: bool
        fact q: bool
        action a.x
        action a.y
        action a.z
        constraint a.x or not a.x or a.y
        norm P when p a must a.x
        norm Q when p a must not a.x
        norm R when p and q a must a.y
        norm S when p and q a must a.z
        norm T when p a must not (a.y and a.z)
    """
    assert conflict_sets(spec) == {("P", "Q"), ("R", "S", "T")}


def test_every_conflict_has_its_own_witness_in_which_it_is_minimal() -> None:
    findings = [f for f in run(FOUR + "    norm E when p and not p a must (a.x and a.y)\n")
                if f.kind == "conflict"]
    assert len(findings) == 2
    for finding in findings:
        assert finding.witness is not None and finding.witness.situation == {"p": True}
        assert set(finding.norms) <= set(finding.witness.active)


def test_max_conflicts_caps_the_list_with_a_note() -> None:
    spec = FOUR + """
    action a.z
    norm F when p a must a.z
    norm G when p a must not a.z
    constraint a.x or a.y or a.z or not a.x
"""
    assert len(conflict_sets(spec)) == 3
    capped = [f for f in run(spec, max_conflicts=2) if f.kind == "conflict"]
    assert len(capped) == 2
    notes = [h for f in capped for h in f.help if "max-conflicts" in h]
    assert len(notes) == 1 and "stopped at 2" in notes[0]
    assert capped[-1].help[-1] == notes[0]
    assert all("max-conflicts" not in h for f in run(spec) for h in f.help)


def test_an_unrelated_conflict_undermines_no_permission() -> None:
    spec = """
        agent a
        fact p: bool
        action a.x
        action a.y
        norm A when p a must a.x
        norm B when p a must not a.x
        norm M a may a.y
        norm N when p a must not a.y
    """
    findings = run(spec)
    assert [f.norms for f in findings if f.kind == "undermined-permission"] == [("M", "N")]
    unrelated = spec.replace("norm N when p a must not a.y\n", "")
    assert not [f for f in run(unrelated) if f.kind == "undermined-permission"]


def test_norms_of_a_conflict_are_not_redundant() -> None:
    findings = run(FOUR + "    norm E when p and not p a must (a.x and a.y)\n")
    assert not [f for f in findings if f.kind == "redundant-norm"]


def test_an_unrelated_conflict_makes_no_norm_redundant() -> None:
    # W applies only where the unrelated A and B conflict: W's own group complies there, and
    # W changes what complies in it
    spec = """
        agent a
        fact p: bool
        action a.x
        action a.w
        norm A when p a must a.x
        norm B when p a must not a.x
        norm W when p a must a.w
    """
    assert not [f for f in run(spec) if f.kind == "redundant-norm"]


def test_restating_a_higher_layers_duty_is_not_redundant() -> None:
    spec = """
        layers law > hospital
        agent h
        fact emergency: bool
        action h.record
        action h.share
        norm keep_records @law h must h.record
        norm no_sharing @law unless emergency h must not h.share
        norm our_records @hospital h must h.record
        norm our_privacy @hospital unless emergency h must not h.share
    """
    assert not [f for f in run(spec) if f.kind == "redundant-norm"]


def test_a_restatement_within_one_layer_is_still_redundant() -> None:
    spec = """
        layers law > hospital
        agent h
        action h.record
        norm keep_records @law h must h.record
        norm our_records @hospital h must h.record
        norm again @hospital h must h.record
    """
    redundant = [f for f in run(spec) if f.kind == "redundant-norm"]
    assert sorted(f.norms for f in redundant) == [("again", "our_records"), ("our_records", "again")]
    assert all("layer `hospital`" in f.help[0] for f in redundant)


def test_a_demand_that_always_holds_is_redundant_because_no_conduct_can_break_it() -> None:
    spec = """
        agent a
        action a.x
        action a.y
        constraint a.x or a.y
        norm either a must (a.x or a.y)
        norm other a must a.x
    """
    redundant = [f for f in run(spec) if f.kind == "redundant-norm"]
    assert [f.norms for f in redundant] == [("either",)]
    assert redundant[0].help[0].startswith("no conduct can break it")
    assert "already demand" not in redundant[0].help[0]


def _crossed(action: str, count: int, prefix: str) -> str:
    """`count` norms obliging `action` and `count` forbidding it, each under a fact of its
    own: count² minimal conflicting sets, all in one group."""
    facts = "".join(f"    fact {prefix}p{i}: bool\n    fact {prefix}q{i}: bool\n"
                    for i in range(count))
    norms = "".join(f"    norm {prefix}m{i} when {prefix}p{i} a must a.{action}\n"
                    f"    norm {prefix}n{i} when {prefix}q{i} a must not a.{action}\n"
                    for i in range(count))
    return facts + norms


def test_the_default_cap_is_100_sets_per_group() -> None:
    one_group = run("    agent a\n    action a.x\n" + _crossed("x", 11, ""))
    conflicts = [f for f in one_group if f.kind == "conflict"]
    assert len(conflicts) == 100  # of 121
    assert [h for f in conflicts for h in f.help if "max-conflicts" in h] == [
        conflicts[-1].help[-1]]
    two_groups = run("    agent a\n    action a.x\n    action a.y\n" + _crossed("x", 8, "")
                     + _crossed("y", 8, "b"))
    conflicts = [f for f in two_groups if f.kind == "conflict"]
    assert len(conflicts) == 128  # 64 in each group, under the cap of each
    assert not [h for f in conflicts for h in f.help if "max-conflicts" in h]
