"""Every output format, validated: JSON against the shipped schema, SARIF against the
official 2.1.0 schema, text against golden files."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import unicodedata
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_helpers import GOLDEN, HERE, Run, cli_env, drain_pty, normcheck_command, run_in, write

from normlang.core.findings import Finding, Label, Witness
from normlang.core.source import SourceFile
from normlang.report import Report, render

GOLDEN_CASES = {
    "conflict": "conflict/persona.norm",
    "compliance_gap": "gap/model_spec.norm",
    "expectation_failed": "expect/limits.norm",
    "name_error": "broken/typo.norm",
}


def findings_schema() -> dict[str, Any]:
    text = resources.files("normlang").joinpath("data", "findings.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def sarif_schema() -> dict[str, Any]:
    return dict(json.loads((HERE.parent / "data" / "sarif-schema-2.1.0.json").read_text("utf-8")))


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_text_output(run: Run, name: str, update_golden: bool) -> None:
    result = run(GOLDEN_CASES[name], "--no-cache")
    assert result.returncode == 1
    golden = GOLDEN / f"{name}.out"
    if update_golden:
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_json_validates_against_the_shipped_schema(run: Run) -> None:
    result = run(".", "--format", "json", "--verbose")
    document = json.loads(result.stdout)
    schema = findings_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)
    kinds = {f["kind"] for f in document["findings"]}
    assert {"conflict", "compliance-gap", "expectation-failed", "name-error"} <= kinds
    gap = next(f for f in document["findings"] if f["kind"] == "compliance-gap")
    assert gap["witness"]["conduct"] == {"assistant.disclose_ai_identity": False}
    assert gap["related"] and gap["related"][0]["file"] == "gap/regulation.norm"
    assert document["summary"]["errors"] == sum(
        1 for f in document["findings"] if f["severity"] == "error")


def test_the_schema_rejects_what_it_should() -> None:
    validator = jsonschema.Draft202012Validator(findings_schema())
    good = {"version": 1, "findings": [], "summary": {"errors": 0, "warnings": 0, "infos": 0,
                                                      "files": 1}}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "version": 2})
    assert not validator.is_valid({**good, "summary": {"errors": 0}})


def _hand_built_report() -> Report:
    source = SourceFile("a.norm", "fact ratio: real\nnorm n when ratio > 1 a must x\n")
    witness = Witness(situation={"ratio": Fraction(3, 2), "whole": Fraction(4), "level": "high",
                                 "count": 7, "flag": True},
                      conduct={"a.x": False}, active=("n",), defeated=("m",))
    finding = Finding("conflict", "norms `n` and `m` cannot both be obeyed", source.span(17, 47),
                      labels=(Label(source.span(40, 46), "requires this", True),),
                      norms=("m", "n"), witness=witness, help=("one", "two"),
                      values=(("honesty",), ("autonomy",)))
    return Report([finding], {"a.norm": source}, 1)


def test_json_writes_fractions_exactly() -> None:
    document = json.loads(render(_hand_built_report(), "json"))
    jsonschema.Draft202012Validator(findings_schema()).validate(document)
    situation = document["findings"][0]["witness"]["situation"]
    assert situation == {"ratio": "3/2", "whole": "4", "level": "high", "count": 7, "flag": True}
    assert document["findings"][0]["values"] == [["honesty"], ["autonomy"]]


def test_text_shows_the_witness_table_and_values() -> None:
    text = render(_hand_built_report(), "text")
    rows = [line.strip() for line in text.splitlines()]
    assert {"ratio = 3/2", "whole = 4", "level = high", "count = 7", "flag  = true",
            "a.x = false"} <= set(rows)
    assert "= values at stake: honesty vs autonomy" in rows
    assert rows.index("= help: one") + 1 == rows.index("= help: two")
    assert "^^^^^^ requires this" in text
    assert "\x1b[" not in text


def test_sarif_validates_against_the_official_schema(run: Run) -> None:
    result = run(".", "--format", "sarif", "--verbose")
    document = json.loads(result.stdout)
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    sarif_run = document["runs"][0]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    assert all(r["help"]["text"] for r in rules)
    conflict = next(r for r in sarif_run["results"] if r["ruleId"] == "conflict")
    assert rules[conflict["ruleIndex"]]["id"] == "conflict"
    region = conflict["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (11, 3)
    related = conflict["relatedLocations"]
    assert len(related) >= 1
    assert all(loc["physicalLocation"]["artifactLocation"]["uri"] == "conflict/persona.norm"
               for loc in related)


def test_sarif_points_at_every_involved_norm(run: Run) -> None:
    document = json.loads(run("gap", "--format", "sarif").stdout)
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    gap = next(r for r in document["runs"][0]["results"] if r["ruleId"] == "compliance-gap")
    messages = [loc.get("message", {}).get("text", "") for loc in gap["relatedLocations"]]
    assert "norm `transparency`" in messages
    assert [loc["id"] for loc in gap["relatedLocations"]] == list(range(len(messages)))


def test_the_sarif_schema_catches_a_broken_document(run: Run) -> None:
    document = json.loads(run("conflict", "--format", "sarif").stdout)
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert not jsonschema.Draft4Validator(sarif_schema()).is_valid(document)


def test_github_annotations(run: Run) -> None:
    result = run("conflict", "gap", "--format", "github")
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("::error file=conflict/persona.norm,line=11,col=3,")
    assert "title=normcheck conflict::norms `stay_in_persona`" in lines[0]
    assert "%0A" in lines[0]  # help lines travel inside the one annotation
    # and so does the witness
    assert "%0Awitness situation: user_asked_if_ai = true, user_requests_persona = true%0A" \
        in lines[0], lines[0]
    assert "%0Aactive norms: honest_when_asked, stay_in_persona" in lines[0]
    assert lines[1].startswith("::notice file=gap/model_spec.norm,line=7,")
    assert "title=normcheck overridden::" in lines[1]


def test_github_escapes_the_witness() -> None:
    source = SourceFile("w.norm", "x\n")
    finding = Finding("conflict", "clash", source.span(0, 1),
                      witness=Witness({"ratio": Fraction(1, 3), "note": "50%"},
                                      {"bot.a": True}, active=("n1",)))
    line = render(Report([finding], {}, 1), "github")
    assert line.endswith("::clash%0Awitness situation: ratio = 1/3, note = 50%25"
                         "%0Aconduct: bot.a = true%0Aactive norms: n1\n")


def test_github_escapes_properties_and_data() -> None:
    source = SourceFile("odd,name:1.norm", "x\n")
    finding = Finding("dead-norm", "100% dead\nreally", source.span(0, 1))
    line = render(Report([finding], {}, 1), "github")
    assert line == ("::warning file=odd%2Cname%3A1.norm,line=1,col=1,endLine=1,endColumn=2,"
                    "title=normcheck dead-norm::100%25 dead%0Areally\n")


@pytest.mark.parametrize("before", ["abc ", "\tab ", "日本 ", "🙂🙂 ", "e\u0301t\u00e9 "])
def test_carets_line_up_under_wide_characters(before: str) -> None:
    source = SourceFile("w.norm", f'norm n "{before}" nope\n')
    start = source.text.index("nope")
    finding = Finding("name-error", "unknown", source.span(start, start + 4),
                      (Label(source.span(start, start + 4), "here", primary=True),))
    lines = render(Report([finding], {"w.norm": source}, 1), "text").splitlines()
    code, marks = lines[3], lines[4]
    assert marks.endswith("^^^^ here")

    def columns(text: str) -> int:  # what a terminal shows: East Asian wide = 2, combining = 0
        return sum(0 if unicodedata.combining(c) else
                   2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    assert columns(marks.index("^") * " ") == columns(code[:code.index("nope")])


def test_concise_is_one_line_per_finding(run: Run) -> None:
    result = run("conflict", "broken", "--format", "concise")
    assert result.stdout.splitlines() == [
        "broken/typo.norm:8:8: error[name-error] unknown fact `user_askd_if_ai`",
        "conflict/persona.norm:11:3: error[conflict] norms `stay_in_persona` and "
        "`honest_when_asked` cannot both be obeyed",
        "2 errors, 0 warnings in 2 files",
    ]
    assert run("conflict", "--format", "concise", "--quiet").stdout.count("\n") == 1


def _run_on_a_terminal(project: Path, env: dict[str, str]) -> str:
    """stdout of `normcheck conflict` when stdout is a pseudo-terminal."""
    primary, secondary = pty.openpty()
    try:
        process = subprocess.run([*normcheck_command(), "conflict", "--no-cache"], cwd=project,
                                 env=env, stdout=secondary, stderr=subprocess.DEVNULL,
                                 timeout=300)
        assert process.returncode == 1
        os.close(secondary)
        return drain_pty(primary)
    finally:
        os.close(primary)


def test_colour_only_on_a_terminal_and_never_with_no_color(project: Path) -> None:
    env = {k: v for k, v in cli_env().items() if k != "NO_COLOR"}
    coloured = _run_on_a_terminal(project, env)
    assert "\x1b[1;31merror[conflict]" in coloured
    plain = _run_on_a_terminal(project, {**env, "NO_COLOR": "1"})
    assert "\x1b[" not in plain and "error[conflict]" in plain


VENDOR = ("agent bot\naction bot.answer\nfact night: bool\nnorm v1 bot must not answer\n"
          "norm v2 when night bot must answer\n")
# hospital's own finding: a dead norm (a permission active only where the vendor's norms
# conflict is not undermined: there the conflict is the finding)
HOSPITAL = 'import "lib/vendor.norm"\nnorm h when night and not night bot may answer\n'


def test_each_finding_names_the_root_it_was_checked_under(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    write(tmp_path / "lib" / "vendor.norm", VENDOR)
    write(tmp_path / "hospital.norm", HOSPITAL)
    text = run_in(tmp_path, "hospital.norm", "--no-cache").stdout
    conflict = text[text.index("error[conflict]"):]
    assert "  = checked as part of hospital.norm\n" in conflict
    assert text.count("checked as part of") == 1  # not for hospital's own finding
    document = json.loads(run_in(tmp_path, "hospital.norm", "--no-cache", "--format",
                                 "json").stdout)
    jsonschema.Draft202012Validator(findings_schema()).validate(document)
    assert {(f["file"], f["root"]) for f in document["findings"]} == {
        ("hospital.norm", "hospital.norm"), ("lib/vendor.norm", "hospital.norm")}
    sarif = json.loads(run_in(tmp_path, "hospital.norm", "--no-cache", "--format",
                              "sarif").stdout)
    jsonschema.Draft4Validator(sarif_schema()).validate(sarif)
    assert {r["properties"]["root"] for r in sarif["runs"][0]["results"]} == {"hospital.norm"}
    # checked as its own root too, the shared finding names the file itself, once
    both = json.loads(run_in(tmp_path, ".", "--no-cache", "--format", "json").stdout)
    conflicts = [f for f in both["findings"] if f["kind"] == "conflict"]
    assert [(f["file"], f["root"]) for f in conflicts] == [("lib/vendor.norm", "lib/vendor.norm")]
    assert "checked as part of" not in run_in(tmp_path, ".", "--no-cache").stdout


def test_a_long_line_is_cut_around_the_caret() -> None:
    import normlang

    condition = " and ".join(["p"] * 60)
    text = (f"agent a\naction a.x\nfact p: bool\nnorm n1 when {condition} a must x  # "
            + "comment " * 20 + "\nnorm n2 a must not x\n")
    result = normlang.check(normlang.load_text(text, "long.norm"))
    rendered = normlang.render(result)
    lines = rendered.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("4 | "))
    shown, carets = lines[row], lines[row + 1]
    assert shown.startswith("4 | ...") and shown.endswith("...")
    assert len(shown) <= 4 + 3 + 120 + 3
    caret = carets.index("^")
    assert shown[caret:caret + 8] == "a must x" and carets[caret:].startswith("^" * 8 + " ")
    # a short line is shown whole
    assert "5 | norm n2 a must not x" in rendered
