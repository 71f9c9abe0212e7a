"""The runtime query API and the meaning diff, on small specs worked out by hand."""

from __future__ import annotations

import textwrap

import pytest

import normlang
from normlang.runtime.meaning import clash_pairs, diff_specs
from normlang.runtime.query import query

PERSONA = """
    layers regulation > model_spec
    agent assistant
    agent deployer
    enum Risk { minimal < limited < high }
    fact person: bool
    fact persona: bool
    fact asked: bool
    fact risk: Risk
    action assistant.disclose
    action deployer.deploy
    norm art50 @regulation when person assistant must disclose
    norm stay @model_spec when persona unless asked assistant must not disclose
    norm honest @model_spec overrides stay when asked assistant must disclose
    norm no_high_risk @regulation when risk == high deployer must not deploy
"""


def spec_of(text: str):
    loaded = normlang.load_text(textwrap.dedent(text), "spec.norm")
    assert loaded.spec is not None, [f.message for f in loaded.findings]
    return loaded.spec


def test_query_statuses_active_and_defeated():
    spec = spec_of(PERSONA)
    result = query(spec, {"person": True, "persona": True, "asked": False, "risk": "high"})
    assert result.errors == ()
    assert result.statuses == {"assistant.disclose": "obliged", "deployer.deploy": "forbidden"}
    assert result.active == ("art50", "no_high_risk")
    assert result.defeated == ("stay",)
    assert not result.conflict


def test_query_restricted_to_some_actions():
    spec = spec_of(PERSONA)
    result = query(spec, {"person": False, "persona": True, "asked": False, "risk": "minimal"},
                   actions=["assistant.disclose"])
    assert result.statuses == {"assistant.disclose": "forbidden"}


def test_query_reports_bad_facts_with_did_you_mean():
    spec = spec_of(PERSONA)
    result = query(spec, {"persn": True, "persona": True, "asked": False, "risk": "high"})
    assert any("did you mean `person`" in e for e in result.errors)
    bad_value = query(spec, {"person": True, "persona": True, "asked": False, "risk": "extreme"})
    assert any("`extreme` is not a value of fact `risk`" in e for e in bad_value.errors)
    from_json = query(spec, {"person": None, "persona": {"x": 1}, "asked": False, "risk": "high"})
    assert "`null` is not a value of fact `person` (bool)" in from_json.errors
    assert '`{"x": 1}` is not a value of fact `persona` (bool)' in from_json.errors


def test_query_names_the_assume_a_situation_breaks():
    spec = spec_of("fact n: int in 0..5\nfact m: bool\nassume m\nassume n > 2\n")
    assert query(spec, {"n": 1, "m": True}).errors == (
        "the situation violates the `assume` at spec.norm:4",)


def test_query_conflict():
    spec = spec_of("""
        agent bot
        action bot.a
        norm yes bot must a
        norm no bot must not a
    """)
    result = query(spec, {})
    assert result.conflict and result.statuses == {"bot.a": "conflict"}
    assert result.conflict_norms == ("no", "yes")


def test_clash_pairs():
    spec = spec_of(PERSONA)
    assert clash_pairs(spec) == [("art50", "stay"), ("honest", "stay")]


def test_diff_reports_each_changed_action_with_a_witness():
    old = spec_of(PERSONA)
    new = spec_of(PERSONA.replace("when risk == high", "when risk >= limited"))
    changes = diff_specs(old, new)
    assert [(c.action, c.old, c.new) for c in changes] == [
        ("deployer.deploy", "permitted", "forbidden")]
    assert changes[0].witness.situation["risk"] == "limited"
    assert diff_specs(old, old) == []


def test_query_where_the_priority_has_a_cycle_says_so():
    spec = spec_of("""
        agent a
        action a.x
        fact p: bool
        value v1
        value v2
        norm n1 serves v1 overrides n2 (when p) a must x
        norm n2 serves v2 a must not x
        prefer v2 over v1
    """)
    cyclic = query(spec, {"p": True})
    assert cyclic.statuses == {} and "priority has a cycle" in cyclic.errors[0]
    assert query(spec, {"p": False}).statuses == {"a.x": "forbidden"}


def test_diff_refuses_a_version_whose_priority_has_a_cycle_everywhere():
    old = spec_of("agent a\naction a.x\nnorm n1 a must x\nnorm n2 a must not x\n")
    new = spec_of("agent a\naction a.x\nnorm n1 overrides n2 a must x\n"
                  "norm n2 overrides n1 a must not x\n")
    with pytest.raises(ValueError, match="forms a cycle in every situation"):
        diff_specs(old, new)


def test_query_names_every_fact_without_a_value():
    spec = spec_of("fact a: bool\nfact b: bool\nfact c: int\n")
    assert query(spec, {"b": True}).errors == ("facts `a`, `c` have no value",)
    assert query(spec, {"a": True, "b": True}).errors == ("fact `c` has no value",)


def test_no_clash_where_no_situation_exists():
    spec = spec_of("agent a\naction a.x\nfact p: bool\nassume p\nassume not p\n"
                   "norm n1 a must x\nnorm n2 a must not x\n")
    assert clash_pairs(spec) == []
    assert clash_pairs(spec_of("agent a\naction a.x\nnorm n1 a must x\nnorm n2 a must not x\n")) \
        == [("n1", "n2")]


def test_diff_and_the_graph_give_z3s_global_parameters_back() -> None:
    """A library call that configures z3 puts its global parameters back, and leaves no stale
    record of them behind for the next check (which then put back the wrong values)."""
    import z3

    from normlang.runtime.meaning import clash_pairs, diff_specs

    spec = normlang.load_text("agent a\naction a.x\nfact p: bool\nnorm n when p a must x\n"
                              "norm m a must not x\n", "spec.norm").spec
    assert spec is not None
    z3.set_param("smt.random_seed", 42)
    try:
        diff_specs(spec, spec)
        assert z3.get_param("smt.random_seed") == "42"
        clash_pairs(spec)
        assert z3.get_param("smt.random_seed") == "42"
        normlang.check(normlang.load_text("agent a\n", "other.norm"))
        assert z3.get_param("smt.random_seed") == "42"
    finally:
        z3.set_param("smt.random_seed", 0)
