"""`normcheck query`, `graph` and `diff`."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from cli_helpers import Run, run_in, write

PERSONA = "conflict/persona.norm"
GAP = "gap/model_spec.norm"

OLD = """agent assistant
enum Service { parking, benefits }
fact service: Service
fact affects_rights: bool
action assistant.decide_automatically
action assistant.explain

norm explain_always
  assistant must explain
"""
NEW = OLD + """
norm human_for_rights
  when affects_rights and service == benefits
  assistant must not decide_automatically
"""


def test_query_text(run: Run) -> None:
    result = run("query", GAP, "--given", "user_requests_persona=true",
                 "--given", "interacts_with_person=true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "assistant.disclose_ai_identity  obliged",
        "active norms: transparency",
        "defeated norms: stay_in_persona",
    ]


def test_query_reports_a_conflict(run: Run) -> None:
    result = run("query", PERSONA, "--given", "user_requests_persona=true",
                 "--given", "user_asked_if_ai=true")
    assert "assistant.disclose_ai_identity  conflict" in result.stdout
    assert "caused by `honest_when_asked`, `stay_in_persona`" in result.stdout


def test_query_json_from_a_facts_file(run: Run, project: Path) -> None:
    facts = write(project / "situation.json",
                  json.dumps({"user_requests_persona": True, "interacts_with_person": False}))
    result = run("query", GAP, "--facts", str(facts), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "statuses": {"assistant.disclose_ai_identity": "forbidden"}, "depends_on": {},
        "active": ["stay_in_persona"], "defeated": [], "conflict": False, "conflict_norms": []}


def test_query_given_overrides_the_facts_file(run: Run, project: Path) -> None:
    facts = write(project / "situation.json",
                  json.dumps({"user_requests_persona": True, "interacts_with_person": False}))
    result = run("query", GAP, "--facts", str(facts), "--given", "interacts_with_person=true")
    assert "assistant.disclose_ai_identity  obliged" in result.stdout


@pytest.mark.parametrize(("args", "fragment"), [
    (["--given", "usr_requests_persona=true", "--given", "user_asked_if_ai=true"],
     "did you mean `user_requests_persona`?"),
    (["--given", "user_requests_persona=maybe", "--given", "user_asked_if_ai=true"],
     "`maybe` is not a value of fact `user_requests_persona`"),
    (["--given", "user_asked_if_ai"], "--given expects FACT=VALUE"),
    (["--facts", "missing.json"], "--facts: cannot read `missing.json`"),
])
def test_query_bad_situation_is_a_usage_error(run: Run, args: list[str], fragment: str) -> None:
    result = run("query", PERSONA, *args)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert result.stdout == ""


def test_query_reads_the_facts_from_stdin_and_says_what_a_missing_fact_decides(
        run: Run, project: Path) -> None:
    import subprocess

    from cli_helpers import cli_env, normcheck_command

    done = subprocess.run([*normcheck_command(), "query", GAP, "--facts", "-"], cwd=project,
                          env=cli_env(), input='{"user_requests_persona": true}',
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "assistant.disclose_ai_identity  depends on `interacts_with_person`")
    as_json = run("query", GAP, "--given", "user_requests_persona=true", "--format", "json")
    assert json.loads(as_json.stdout)["depends_on"] == {
        "assistant.disclose_ai_identity": ["interacts_with_person"]}


def test_query_facts_must_be_an_object(run: Run, project: Path) -> None:
    write(project / "list.json", "[1, 2]")
    result = run("query", PERSONA, "--facts", "list.json")
    assert result.returncode == 2 and "must hold a JSON object" in result.stderr
    write(project / "deep.json", "[" * 100_000 + "]" * 100_000)
    result = run("query", PERSONA, "--facts", "deep.json")
    assert result.returncode == 2
    assert result.stderr == "normcheck: error: --facts: `deep.json` nests too deep\n"


def test_query_on_a_malformed_spec_shows_its_findings(run: Run) -> None:
    result = run("query", "broken/typo.norm", "--given", "user_asked_if_ai=true")
    assert result.returncode == 1
    assert "error[name-error]" in result.stdout


def test_query_missing_file(run: Run) -> None:
    assert run("query", "nope.norm").returncode == 2


def test_graph_json(run: Run) -> None:
    result = run("graph", GAP, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    nodes = {n["id"]: n for n in document["nodes"]}
    assert nodes["transparency"]["layer"] == "regulation"
    assert nodes["stay_in_persona"]["layer"] == "model_spec"
    assert nodes["gap/model_spec.norm"]["kind"] == "file"
    edges = {(e["source"], e["target"], e["kind"], e.get("origin")) for e in document["edges"]}
    assert ("transparency", "stay_in_persona", "priority", "layers") in edges
    assert ("stay_in_persona", "transparency", "clash", None) in edges or (
        "transparency", "stay_in_persona", "clash", None) in edges
    assert ("gap/model_spec.norm", "gap/regulation.norm", "imports", None) in edges
    assert ("stay_in_persona", "gap/model_spec.norm", "declared-in", None) in edges


def test_graph_overrides_edges(run: Run, project: Path) -> None:
    write(project / "ovr.norm", "agent a\nfact p: bool\naction a.x\n"
          "norm low when p a must not x\nnorm high overrides low when p a must x\n")
    edges = json.loads(run("graph", "ovr.norm", "--format", "json").stdout)["edges"]
    assert {"source": "high", "target": "low", "kind": "priority",
            "origin": "overrides"} in edges


def test_graph_dot_and_mermaid(run: Run) -> None:
    dot = run("graph", GAP).stdout
    assert dot.startswith("digraph normlang {\n") and dot.endswith("}\n")
    assert '"transparency" [shape=box, label="transparency @regulation"];' in dot
    assert '"gap/model_spec.norm" -> "gap/regulation.norm" [style=bold, label="imports"];' in dot
    mermaid = run("graph", GAP, "--format", "mermaid").stdout
    assert mermaid.startswith("graph TD\n")
    assert "|clash|" in mermaid and "|imports|" in mermaid and "|layers|" in mermaid
    assert run("graph", GAP, "--format", "png").returncode == 2


def test_graph_of_a_malformed_spec(run: Run) -> None:
    result = run("graph", "broken/typo.norm")
    assert result.returncode == 1 and "error[name-error]" in result.stdout


def test_diff_text_and_exit_codes(run: Run, project: Path) -> None:
    write(project / "v1.norm", OLD)
    write(project / "v2.norm", NEW)
    result = run("diff", "v1.norm", "v2.norm")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "`assistant.decide_automatically`: permitted -> forbidden"
    assert "    affects_rights = true" in lines
    assert "    service        = benefits" in lines
    assert "  old: active (none); defeated (none)" in lines
    assert "  new: active `human_for_rights`; defeated (none)" in lines
    assert lines[-1] == "1 action changed meaning"
    assert run("diff", "v1.norm", "v2.norm", "--fail-on-change").returncode == 1


def test_diff_json(run: Run, project: Path) -> None:
    write(project / "v1.norm", OLD)
    write(project / "v2.norm", NEW)
    document = json.loads(run("diff", "v1.norm", "v2.norm", "--format", "json").stdout)
    assert document["changed"] is True
    [change] = document["changes"]
    assert (change["action"], change["old"], change["new"]) == (
        "assistant.decide_automatically", "permitted", "forbidden")
    assert change["witness"]["situation"]["service"] == "benefits"
    assert change["witness"]["active"] == ["human_for_rights"]
    assert (change["old_active"], change["old_defeated"]) == ([], [])


def test_diff_without_change(run: Run, project: Path) -> None:
    write(project / "v1.norm", OLD)
    write(project / "same.norm", OLD.replace("explain_always", "explain_every_time"))
    result = run("diff", "v1.norm", "same.norm", "--fail-on-change")
    assert result.returncode == 0
    assert result.stdout == "no change in meaning\n"


def test_diff_of_incomparable_versions(run: Run, project: Path) -> None:
    write(project / "v1.norm", OLD)
    write(project / "v3.norm", OLD.replace("fact affects_rights: bool",
                                           "fact affects_rights: int"))
    result = run("diff", "v1.norm", "v3.norm")
    assert result.returncode == 2
    assert "cannot compare the two versions" in result.stderr


def test_diff_of_a_malformed_version(run: Run, project: Path) -> None:
    write(project / "v1.norm", OLD)
    result = run("diff", "v1.norm", "broken/typo.norm", "--fail-on-change")
    assert result.returncode == 1
    assert "error[name-error]" in result.stdout


def test_query_refuses_absurd_numbers_and_a_facts_file_that_is_not_one(tmp_path):
    write(tmp_path / "s.norm", "agent a\naction a.x\nfact f: real\nnorm n when f > 1 a must x\n")
    started = time.monotonic()
    done = run_in(tmp_path, "query", "s.norm", "--given", "f=1e400000000")
    assert done.returncode == 2 and "is not a value of fact `f`" in done.stderr
    assert time.monotonic() - started < 20  # reading it exactly took minutes
    assert run_in(tmp_path, "query", "s.norm", "--given", "f=1e1000").returncode == 0
    os.mkfifo(tmp_path / "facts.json")
    done = run_in(tmp_path, "query", "s.norm", "--facts", "facts.json", timeout=20)
    assert done.returncode == 2 and "is not a regular file" in done.stderr


def test_cli_options_are_not_abbreviated_and_repeat(tmp_path):
    write(tmp_path / "s.norm", "agent a\naction a.x\nfact p: bool\nnorm n1 a must x\n"
          "norm n2 a must not x\nnorm d when p and not p a must x\n")
    assert run_in(tmp_path, "--cache", "s.norm").returncode == 2  # not --cache-dir
    done = run_in(tmp_path, "--no-cache", "--format", "json", "--select", "conflict",
                  "--select", "dead-norm", "s.norm")
    assert {f["kind"] for f in json.loads(done.stdout)["findings"]} == {"conflict", "dead-norm"}
    done = run_in(tmp_path, "quer", "s.norm")
    assert done.returncode == 2 and "did you mean the command `query`?" in done.stderr


@pytest.mark.parametrize("command", [["query", "bad.norm"], ["graph", "bad.norm"],
                                     ["diff", "bad.norm", "bad.norm"]])
def test_a_malformed_spec_under_format_json_is_reported_as_json(tmp_path, command):
    write(tmp_path / "bad.norm", "agent a\nnorm n a must zz\n")
    done = run_in(tmp_path, *command, "--format", "json")
    assert done.returncode == 1
    assert [f["kind"] for f in json.loads(done.stdout)["findings"]] == ["name-error"]
