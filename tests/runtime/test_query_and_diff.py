"""The runtime query API and the meaning diff, on small specs worked out by hand."""

from __future__ import annotations

import textwrap

import pytest

import normlang
from normlang.runtime.meaning import clash_pairs, diff_specs
from normlang.runtime.query import QueryError, query

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
    assert result.depends_on == {}
    assert result.statuses == {"assistant.disclose": "obliged", "deployer.deploy": "forbidden"}
    assert result.active == ("art50", "no_high_risk")
    assert result.defeated == ("stay",)
    assert not result.conflict


def test_query_restricted_to_some_actions():
    spec = spec_of(PERSONA)
    result = query(spec, {"person": False, "persona": True, "asked": False, "risk": "minimal"},
                   actions=["assistant.disclose"])
    assert result.statuses == {"assistant.disclose": "forbidden"}


def test_query_raises_on_bad_facts_with_did_you_mean():
    spec = spec_of(PERSONA)
    with pytest.raises(QueryError, match="did you mean `person`"):
        query(spec, {"persn": True, "persona": True, "asked": False, "risk": "high"})
    with pytest.raises(QueryError, match="`extreme` is not a value of fact `risk`"):
        query(spec, {"person": True, "persona": True, "asked": False, "risk": "extreme"})
    with pytest.raises(QueryError) as from_json:
        query(spec, {"person": None, "persona": {"x": 1}, "asked": False, "risk": "high"})
    assert str(from_json.value) == ('`null` is not a value of fact `person` (bool); '
                                    '`{"x": 1}` is not a value of fact `persona` (bool)')
    assert isinstance(from_json.value, ValueError)


def test_query_names_the_assume_a_situation_breaks():
    spec = spec_of("fact n: int in 0..5\nfact m: bool\nassume m\nassume n > 2\n")
    with pytest.raises(QueryError, match=r"^the situation violates the `assume` at spec.norm:4$"):
        query(spec, {"n": 1, "m": True})
    with pytest.raises(QueryError, match=r"^no situation with the given facts satisfies the "
                                         r"`assume` at spec.norm:3$"):
        query(spec, {"m": False})


def test_query_fails_closed_on_unknown_and_ambiguous_actions():
    spec = spec_of(PERSONA + "    action deployer.disclose\n")
    situation = {"person": True, "persona": True, "asked": False, "risk": "high"}
    with pytest.raises(QueryError, match=r"unknown action `assistant\.disclos`; did you mean "
                                         r"`assistant\.disclose`"):
        query(spec, situation, ["assistant.disclos"])
    with pytest.raises(QueryError, match=r"action `disclose` is ambiguous: "
                                         r"`assistant\.disclose`, `deployer\.disclose`"):
        query(spec, situation, ["disclose"])
    assert query(spec, situation, ["deploy"]).statuses == {"deployer.deploy": "forbidden"}
    statuses = query(spec, situation).statuses
    # a guard such as `statuses.get(a) == "forbidden"` never reads a typo as "not forbidden"
    with pytest.raises(QueryError, match=r"unknown action `deployer\.deplo`"):
        statuses.get("deployer.deplo")
    with pytest.raises(QueryError, match="unknown action"):
        statuses["deplo"]
    assert statuses.get("deploy") == statuses["deployer.deploy"] == "forbidden"
    only = query(spec, situation, ["assistant.disclose"]).statuses
    with pytest.raises(QueryError, match=r"`deployer\.deploy` was not asked about"):
        only.get("deployer.deploy")


def test_query_refuses_what_is_not_a_spec_or_a_situation():
    with pytest.raises(TypeError, match=r"needs a Spec .* not NoneType"):
        query(None, {})
    with pytest.raises(TypeError, match="mapping from fact names"):
        query(spec_of(PERSONA), [("person", True)])
    with pytest.raises(TypeError, match="not one string"):
        query(spec_of(PERSONA), {}, "assistant.disclose")


def test_query_of_an_action_whose_group_holds_only_a_constraint():
    spec = spec_of("agent a\naction a.x\naction a.y\nconstraint not a.y\nnorm n a must x\n")
    assert query(spec, {}, ["a.y"]).statuses == {"a.y": "forbidden"}


PARTIAL = """
    agent bot
    action bot.answer
    action bot.refer
    fact age: int
    fact score: real
    fact verified: bool
    fact note: int
    assume age >= 0
    norm minors when age < 18 bot must not answer
    norm risky when score > 0.5 unless verified bot must refer
"""


def test_partial_situation_answers_what_every_missing_value_agrees_on():
    spec = spec_of(PARTIAL)
    result = query(spec, {"age": 12})
    assert result.statuses == {"bot.answer": "forbidden", "bot.refer": "depends"}
    assert result.depends_on == {"bot.refer": ("score", "verified")}
    assert result.active == ("minors",)
    # a fact no norm reads needs no value; one read by a norm only where another fact is
    # left out does
    assert query(spec, {"age": 30, "score": "0.25"}).statuses == {
        "bot.answer": "permitted", "bot.refer": "permitted"}
    assert query(spec, {"age": 30, "score": "0.75"}).depends_on == {"bot.refer": ("verified",)}
    assert query(spec, {"age": 30, "score": "3/4", "verified": False}).statuses == {
        "bot.answer": "permitted", "bot.refer": "obliged"}
    everything = query(spec, {})
    assert everything.statuses == {"bot.answer": "depends", "bot.refer": "depends"}
    assert everything.depends_on == {"bot.answer": ("age",), "bot.refer": ("score", "verified")}


def test_partial_situation_with_a_conflict_somewhere_depends_on_every_open_fact():
    spec = spec_of("agent a\naction a.x\naction a.y\nfact p: bool\nfact q: bool\n"
                   "norm n1 a must x\nnorm n2 when p a must not x\nnorm n3 when q a must y\n")
    result = query(spec, {})
    assert result.statuses == {"a.x": "depends", "a.y": "depends"}
    assert result.depends_on == {"a.x": ("p", "q"), "a.y": ("p", "q")}
    assert query(spec, {"p": True}).statuses == {"a.x": "conflict", "a.y": "conflict"}
    assert query(spec, {"p": True}).conflict


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
    with pytest.raises(QueryError, match="priority has a cycle"):
        query(spec, {"p": True})
    with pytest.raises(QueryError, match=r"priority has a cycle .*\(where p = true, which the "
                                         r"given facts leave open\)"):
        query(spec, {})
    assert query(spec, {"p": False}).statuses == {"a.x": "forbidden"}


def test_diff_refuses_a_version_whose_priority_has_a_cycle_everywhere():
    old = spec_of("agent a\naction a.x\nnorm n1 a must x\nnorm n2 a must not x\n")
    new = spec_of("agent a\naction a.x\nnorm n1 overrides n2 a must x\n"
                  "norm n2 overrides n1 a must not x\n")
    with pytest.raises(ValueError, match="forms a cycle in every situation"):
        diff_specs(old, new)


def test_query_needs_no_value_for_a_fact_nothing_reads():
    spec = spec_of("fact a: bool\nfact b: bool\nfact c: int\nagent x\naction x.y\n"
                   "norm n when b x must y\n")
    assert query(spec, {"b": True}).statuses == {"x.y": "obliged"}

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
