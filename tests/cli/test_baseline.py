"""`--write-baseline`, `baseline` / `--baseline`, suppressions in a run, `--ignore SEVERITY`."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import run_in, write

SPEC = """agent bot
action bot.answer
action bot.log
fact night: bool
norm quiet bot must not answer
norm loud when night bot must answer
norm nothing when night and not night bot must log
"""


def project(tmp_path: Path, config: str = "") -> Path:
    write(tmp_path / "pyproject.toml", f"[tool.normcheck]\n{config}")
    write(tmp_path / "rules.norm", SPEC)
    return tmp_path


def kinds(done: object) -> list[str]:
    return [f["kind"] for f in json.loads(done.stdout)["findings"]]  # type: ignore[attr-defined]


def test_a_baseline_hides_the_recorded_findings_until_their_norms_change(tmp_path: Path) -> None:
    root = project(tmp_path)
    written = run_in(root, "--write-baseline", "normcheck-baseline.json", "--no-cache")
    assert written.returncode == 0, written.stdout + written.stderr
    assert "recorded 2 findings in the baseline `normcheck-baseline.json`" in written.stderr
    assert written.stdout == "no findings in 1 file\n"
    entries = json.loads((root / "normcheck-baseline.json").read_text())["findings"]
    assert sorted(e["kind"] for e in entries) == ["conflict", "dead-norm"]
    assert all(e["root"] == "rules.norm" for e in entries)
    # without the baseline, both are reported; with it, none
    assert kinds(run_in(root, "--format", "json", "--no-cache")) == ["conflict", "dead-norm"]
    done = run_in(root, "--baseline", "normcheck-baseline.json", "--no-cache")
    assert done.returncode == 0 and done.stdout == "no findings in 1 file\n", done.stdout
    # from the configuration; lines moved: still matched (not by line)
    project(tmp_path, 'baseline = "normcheck-baseline.json"\n')
    write(root / "rules.norm", "# a new first comment\n\n" + SPEC)
    assert run_in(root, "--format", "json").stdout.count('"kind"') == 0
    # an edited norm is a new finding, and so is a second one of the same shape
    write(root / "rules.norm", SPEC.replace("when night and not night", "when not night and night"))
    assert kinds(run_in(root, "--format", "json")) == ["dead-norm"]
    write(root / "rules.norm", SPEC + "norm nothing2 when night and not night bot must log\n")
    assert kinds(run_in(root, "--format", "json")) == ["dead-norm"]


def test_a_bad_baseline_is_a_usage_error(tmp_path: Path) -> None:
    root = project(tmp_path, 'baseline = "missing.json"\n')
    done = run_in(root, "--no-cache")
    assert done.returncode == 2
    assert "`baseline`: the baseline `" in done.stderr and "does not exist" in done.stderr
    write(root / "other.json", "[1]")
    done = run_in(root, "--baseline", "other.json", "--no-cache")
    assert done.returncode == 2 and "`other.json` is not a normcheck baseline" in done.stderr


def test_suppressions_apply_in_a_run_and_unused_ones_are_reported(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root / "rules.norm", SPEC.replace(
        "norm quiet bot must not answer", "norm quiet bot must not answer  # normcheck: "
        "ignore[conflict]").replace("bot must log", "bot must log  # normcheck: ignore[conflict]"))
    done = run_in(root, "--format", "json", "--no-cache")
    assert kinds(done) == ["dead-norm", "unused-suppression"]
    assert done.returncode == 0  # warnings only


def test_ignore_takes_severities(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert kinds(run_in(root, "--format", "json", "--ignore", "warning", "--no-cache")) == [
        "conflict"]
    assert kinds(run_in(root, "--format", "json", "--ignore", "error,info", "--no-cache")) == [
        "dead-norm"]
    assert kinds(run_in(root, "--format", "json", "--select", "warning", "--no-cache")) == [
        "dead-norm"]
    bad = run_in(root, "--ignore", "warnings")
    assert bad.returncode == 2
    assert "unknown finding kind or severity `warnings`; did you mean `warning`?" in bad.stderr


def test_write_baseline_never_overwrites_a_file_that_is_not_a_baseline(tmp_path: Path) -> None:
    # `--write-baseline pyproject.toml` (or a .norm file, or notes) replaced the file with JSON
    root = project(tmp_path)
    kept = {name: (root / name).read_bytes() for name in ("pyproject.toml", "rules.norm")}
    write(root / "notes.json", '{"mine": true}\n')
    kept["notes.json"] = (root / "notes.json").read_bytes()
    for name in kept:
        done = run_in(root, "--write-baseline", name, "--no-cache")
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert f"`{name}` exists and is not a normcheck baseline" in done.stderr, done.stderr
        assert done.stdout == ""  # refused before the run
    assert {name: (root / name).read_bytes() for name in kept} == kept
    (root / "folder").mkdir()
    assert run_in(root, "--write-baseline", "folder", "--no-cache").returncode == 2
    # a baseline is rewritten in place, with nothing left beside it
    assert run_in(root, "--write-baseline", "base.json", "--no-cache").returncode == 0
    write(root / "rules.norm", SPEC.replace("norm quiet bot must not answer\n", ""))
    assert run_in(root, "--write-baseline", "base.json", "--no-cache").returncode == 0
    entries = json.loads((root / "base.json").read_text())["findings"]
    assert [e["kind"] for e in entries] == ["dead-norm"]
    assert sorted(p.name for p in root.iterdir()) == [
        "base.json", "folder", "notes.json", "pyproject.toml", "rules.norm"]


def test_write_baseline_counts_only_what_it_recorded(tmp_path: Path) -> None:
    # a priority cycle is never recorded (it is always shown), yet it was counted as recorded
    root = project(tmp_path)
    write(root / "rules.norm", SPEC + "norm up overrides down bot must log\n"
                                      "norm down overrides up bot must not log\n")
    done = run_in(root, "--write-baseline", "base.json", "--no-cache", "--format", "concise")
    assert done.returncode == 1 and "error[priority-cycle]" in done.stdout, done.stdout
    recorded = json.loads((root / "base.json").read_text())["findings"]
    assert "priority-cycle" not in {e["kind"] for e in recorded}
    count = len(recorded)
    assert (f"recorded {count} finding{'s' if count != 1 else ''} in the baseline `base.json` "
            "(1 that is always shown is not: priority-cycle)") in done.stderr, done.stderr
