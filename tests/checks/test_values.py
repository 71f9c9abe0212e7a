"""Values and contextual priority (language.md, "Values and contextual priority")."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from engine_helpers import kinds, run

import normlang

BASE = """
    agent bot
    fact asked: bool
    fact calm: bool
    action bot.disclose
    value honesty "Tell people the truth"
    value autonomy "Respect the user's role-play"
    norm persona serves autonomy bot must not disclose
    norm honest serves honesty when asked bot must disclose
"""


def test_contextual_prefer_resolves_only_where_it_holds():
    findings = run(BASE + "    prefer honesty over autonomy when calm\n")
    found = kinds(findings)
    # where calm, honesty wins (overridden + value sacrificed); where not calm, a conflict
    assert ("overridden", ("persona", "honest")) in found
    assert ("value-sacrificed", ("persona", "honest")) in found
    conflict = [f for f in findings if f.kind == "conflict"]
    assert [f.norms for f in conflict] == [("honest", "persona")]
    assert conflict[0].witness.situation == {"asked": True, "calm": False}
    assert "honesty vs autonomy" in conflict[0].message or "autonomy vs honesty" in conflict[0].message


def test_unconditional_prefer_removes_the_conflict():
    findings = run(BASE + "    prefer honesty over autonomy\n")
    assert not [f for f in findings if f.kind == "conflict"]
    overridden = [f for f in findings if f.kind == "overridden"]
    # the winner's values first, as the message says them
    assert overridden[0].values == (("honesty",), ("autonomy",))
    assert overridden[0].message.endswith("(honesty vs autonomy)")


def test_a_cycle_in_some_situations_is_a_priority_cycle_with_witness():
    findings = run(BASE + """
    prefer honesty over autonomy when calm
    prefer autonomy over honesty when asked
    """)
    cycles = [f for f in findings if f.kind == "priority-cycle"]
    assert cycles and cycles[0].witness is not None
    assert cycles[0].witness.situation["calm"] is True and cycles[0].witness.situation["asked"]
    assert set(cycles[0].norms) == {"honest", "persona"}


def test_contextual_override():
    findings = run("""
        agent bot
        fact p: bool
        action bot.a
        norm yes bot must a
        norm no overrides yes (when p) bot must not a
    """)
    assert ("overridden", ("yes", "no")) in kinds(findings)
    conflict = [f for f in findings if f.kind == "conflict"]
    assert [f.witness.situation for f in conflict] == [{"p": False}]


def test_moral_graph_import_round_trip(tmp_path: Path):
    graph = {
        "values": [{"id": 1, "title": "Honesty", "description": "Tell the truth"},
                   {"id": "two", "title": "User autonomy", "description": "Respect choices"}],
        "edges": [{"sourceValueId": "two", "wiserValueId": 1, "contexts": ["user asks if AI"]}],
    }
    (tmp_path / "graph.json").write_text(json.dumps(graph))
    (tmp_path / "spec.norm").write_text(textwrap.dedent("""
        agent bot
        action bot.disclose
        import values "graph.json"
        norm persona serves user_autonomy bot must not disclose
        norm honest serves honesty bot must disclose
    """))
    (tmp_path / "pyproject.toml").write_text("")
    loaded = normlang.load(tmp_path / "spec.norm")
    spec = loaded.spec
    assert spec is not None, [f.message for f in loaded.findings]
    assert set(spec.values) == {"honesty", "user_autonomy"}
    assert spec.values["honesty"].description == "Tell the truth"
    assert spec.facts["user_asks_if_ai"].kind == "bool"
    [edge] = spec.edges
    assert (edge.higher, edge.lower, edge.origin) == ("honest", "persona", "prefer")
    result = normlang.check(loaded)
    conflict = [f for f in result.findings if f.kind == "conflict"]
    assert [f.witness.situation for f in conflict] == [{"user_asks_if_ai": False}]


def test_bad_moral_graph_is_an_import_error(tmp_path: Path):
    (tmp_path / "graph.json").write_text('{"values": [], "edges": [], "extra": 1}')
    (tmp_path / "spec.norm").write_text('import values "graph.json"\n')
    (tmp_path / "pyproject.toml").write_text("")
    loaded = normlang.load(tmp_path / "spec.norm")
    assert [f.kind for f in loaded.findings] == ["import-error"]
    assert "unknown field `extra`" in loaded.findings[0].message


def test_self_override_and_self_preference_are_priority_cycles():
    for extra in ("norm third overrides third bot may disclose\n",
                  "prefer honesty over honesty\n"):
        loaded = normlang.load_text(textwrap.dedent(BASE) + extra, "spec.norm")
        assert loaded.spec is None
        assert [f.kind for f in loaded.findings] == ["priority-cycle"]


def _graph_spec(tmp_path: Path, text: str, contexts: list[str]) -> normlang.Loaded:
    graph = {
        "values": [{"id": 1, "title": "Honesty"}, {"id": 2, "title": "User autonomy"}],
        "edges": [{"sourceValueId": 2, "wiserValueId": 1, "contexts": contexts}],
    }
    (tmp_path / "graph.json").write_text(json.dumps(graph))
    (tmp_path / "spec.norm").write_text('import values "graph.json"\n' + textwrap.dedent(text))
    (tmp_path / "pyproject.toml").write_text("")
    return normlang.load(tmp_path / "spec.norm")


def test_a_context_fact_of_a_moral_graph_may_be_read_by_norms_and_overrides(tmp_path: Path):
    # the facts a graph declares are declared before the norms are read
    loaded = _graph_spec(tmp_path, """
        agent bot
        action bot.disclose
        norm persona serves user_autonomy unless user_asks_if_ai bot must not disclose
        norm honest serves honesty when user_asks_if_ai bot must disclose
        norm quiet overrides honest (when user_asks_if_ai) bot may disclose
    """, ["user asks if AI"])
    assert loaded.spec is not None, [f.message for f in loaded.findings]
    assert loaded.spec.facts["user_asks_if_ai"].kind == "bool"
    assert [n.name for n in loaded.spec.norms] == ["persona", "honest", "quiet"]


def test_a_context_named_like_a_define_reads_the_define(tmp_path: Path):
    # facts and defines share names: the context is the define, not a second, unrelated fact
    loaded = _graph_spec(tmp_path, """
        agent bot
        action bot.disclose
        fact asked: bool
        define user_asks_if_ai = asked
        norm persona serves user_autonomy bot must not disclose
        norm honest serves honesty when user_asks_if_ai bot must disclose
    """, ["user asks if AI"])
    assert loaded.spec is not None, [f.message for f in loaded.findings]
    assert "user_asks_if_ai" not in loaded.spec.facts
    assert [f.kind for f in normlang.check(loaded).findings if f.severity.value == "error"] == []


def test_a_context_whose_slug_is_a_keyword_gets_a_prefix(tmp_path: Path):
    loaded = _graph_spec(tmp_path, """
        agent bot
        action bot.disclose
        norm persona serves user_autonomy bot must not disclose
        norm honest serves honesty when v_true bot must disclose
    """, ["True"])
    assert loaded.spec is not None, [f.message for f in loaded.findings]
    assert "v_true" in loaded.spec.facts and "true" not in loaded.spec.facts
