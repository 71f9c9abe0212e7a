"""`normcheck FILE.sleec` and `normcheck convert FILE.sleec`: SLEEC rules read as
docs/sleec.md says, checked, and written as `.norm`."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import Run, write

#: a care robot's rules without time: `Help` and `Quiet` conflict when the patient is hurt
#: at night and not alone; `Again` restates `Help`; the concern `c1` can happen
CARE = """\
// a care robot's rules, for normcheck's tests
def_start
    event Fall
    event Call
    event Alert
    measure hurt: boolean
    measure night: boolean
    measure alone: boolean
def_end
rule_start
    Help when Fall and {hurt} then Call
    Quiet when Fall and {night} then not Call unless {alone} then Alert
    Again when Fall and {hurt} then Call
    Wake when Call then Alert
rule_end
concern_start
    c1 when Fall and {night} then Call
concern_end
purpose_start
    p1 exists Fall and {night} while Alert
purpose_end
"""

REFUSED = """\
def_start
    event Fall
    event Call
    event Alert
def_end
rule_start
    R1 when Fall then Call within 2 minutes else Alert
rule_end
"""


def _kinds_and_norms(stdout: str) -> list[tuple[str, tuple[str, ...]]]:
    document = json.loads(stdout)
    return sorted((f["kind"], tuple(f.get("norms", ()))) for f in document["findings"])


def test_a_sleec_file_named_on_the_command_line_is_checked(run: Run, project: Path) -> None:
    write(project / "care.sleec", CARE)
    result = run("care.sleec")
    assert result.returncode == 1, result.stderr
    assert "error[conflict]: norms `Help` and `Quiet` cannot both be obeyed" in result.stdout
    assert "--> care.sleec:11:36" in result.stdout  # `Help`'s response, in the SLEEC file
    kinds = _kinds_and_norms(run("care.sleec", "--format", "json").stdout)
    assert ("conflict", ("Help", "Quiet")) in kinds
    assert ("redundant-norm", ("Again", "Help")) in kinds  # the norm, then the one restated
    assert [kind for kind, _ in kinds].count("expectation-failed") == 1  # c1, not p1


def test_a_folder_does_not_pick_up_sleec_files(run: Run, project: Path) -> None:
    folder = project / "only_sleec"
    write(folder / "care.sleec", CARE)
    result = run("only_sleec")
    assert result.returncode == 0
    assert "no .norm files to check" in result.stderr


def test_convert_writes_norm_text_that_checks_the_same(run: Run, project: Path) -> None:
    write(project / "care.sleec", CARE)
    converted = run("convert", "care.sleec")
    assert converted.returncode == 0, converted.stderr
    assert converted.stdout.startswith("# converted from care.sleec")
    assert "norm Quiet_unless1\n  when Fall and (night and alone)\n" in converted.stdout
    write(project / "care.norm", converted.stdout)
    from_norm = _kinds_and_norms(run("care.norm", "--format", "json").stdout)
    from_sleec = _kinds_and_norms(run("care.sleec", "--format", "json").stdout)
    assert from_norm == from_sleec and from_norm


def test_convert_timed_reads_a_file_without_time_with_its_time(run: Run,
                                                              project: Path) -> None:
    write(project / "care.sleec", CARE)
    converted = run("convert", "--timed", "care.sleec")
    assert converted.returncode == 0, converted.stderr
    assert "event Fall\n" in converted.stdout and "varying fact hurt: bool\n" in converted.stdout
    assert "norm Help\n  when hurt\n  on Fall\n  system must Call\n" in converted.stdout


def test_convert_to_a_file_never_replaces_one_without_force(run: Run, project: Path) -> None:
    write(project / "care.sleec", CARE)
    target = write(project / "out.norm", "# mine\n")
    refused = run("convert", "care.sleec", "-o", "out.norm")
    assert refused.returncode == 2 and "exists: pass `--force`" in refused.stderr
    assert target.read_text(encoding="utf-8") == "# mine\n"
    forced = run("convert", "care.sleec", "-o", "out.norm", "--force")
    assert forced.returncode == 0 and forced.stdout == ""
    assert "norm Help\n  when Fall and hurt\n" in target.read_text(encoding="utf-8")
    fresh = run("convert", "care.sleec", "-o", "new.norm")
    assert fresh.returncode == 0
    assert (project / "new.norm").read_text(encoding="utf-8") == target.read_text(
        encoding="utf-8")
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []


def test_convert_never_writes_over_its_input(run: Run, project: Path) -> None:
    write(project / "care.sleec", CARE)
    result = run("convert", "care.sleec", "-o", "care.sleec", "--force")
    assert result.returncode == 2 and "is the input file" in result.stderr
    assert (project / "care.sleec").read_text(encoding="utf-8") == CARE


def test_convert_refuses_what_has_no_faithful_reading(run: Run, project: Path) -> None:
    write(project / "odd.sleec", REFUSED)
    result = run("convert", "odd.sleec", "-o", "odd.norm")
    assert result.returncode == 1
    assert "odd.sleec:7:45" in result.stdout and "(rule `R1`)" in result.stdout
    assert "^^^^^^^^^^" in result.stdout
    assert not (project / "odd.norm").exists()
    checked = run("odd.sleec")
    assert checked.returncode == 1 and "odd.sleec:7:45" in checked.stdout


def test_convert_reads_only_sleec_files(run: Run, project: Path) -> None:
    write(project / "spec.norm", "agent a\n")
    result = run("convert", "spec.norm")
    assert result.returncode == 2 and "is not a `.sleec` file" in result.stderr
    missing = run("convert", "nothing.sleec")
    assert missing.returncode == 2 and "does not exist" in missing.stderr


#: time.md's worked example 1 in SLEEC: a fire one minute after a fall, within the ten
#: minutes in which the robot must not leave
EVACUATE = """\
def_start
    event Fire
    event Fell
    event Leave
def_end
rule_start
    Evacuate when Fire then Leave within 1 minutes
    Stay when Fell then not Leave within 10 minutes
rule_end
"""


def test_a_sleec_file_with_time_is_read_with_its_time(run: Run, project: Path) -> None:
    write(project / "evacuate.sleec", EVACUATE)
    result = run("evacuate.sleec", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert ("conflict", ("Evacuate", "Stay")) in _kinds_and_norms(result.stdout)
    converted = run("convert", "evacuate.sleec").stdout
    assert "norm Stay\n  on Fell\n  system must not Leave within 10 min\n" in converted

