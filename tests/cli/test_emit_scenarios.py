"""`normcheck check --emit-scenarios OUT.norm`: a new file of scenarios that pin the run's
findings, which passes when checked; never written over."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import Run, write

PERSONA = """\
layers law > app
agent bot
fact asked: bool
fact persona: bool
action bot.disclose
norm law_rule @law when asked bot must disclose
norm stay @app when persona bot must not disclose
norm honest @app when persona bot must disclose
"""


def test_the_scenarios_pin_the_findings_and_pass(run: Run, project: Path) -> None:
    write(project / "bot" / "persona.norm", PERSONA)
    emitted = run("check", "bot/persona.norm", "--emit-scenarios", "bot/pins.norm")
    assert emitted.returncode == 1  # the findings of the spec, as without the flag
    assert "error[conflict]" in emitted.stdout
    assert "normcheck: wrote 2 scenarios to bot/pins.norm" in emitted.stderr
    pins = (project / "bot" / "pins.norm").read_text(encoding="utf-8")
    assert 'import "persona.norm"\n' in pins
    # where `asked`, `law_rule` defeats `stay`: the conflict needs `not asked`
    assert "scenario conflict_honest_stay\n  given not asked, persona\n  expect conflict\n" in pins
    assert "# after a fix, flip it: expect not conflict" in pins
    # `stay` yields to `law_rule`, which demands the disclosure
    assert "scenario overridden_stay\n" in pins and "  expect obliged bot.disclose\n" in pins
    checked = run("check", "bot/pins.norm", "--format", "concise", "--no-cache")
    assert "scenario-failed" not in checked.stdout, checked.stdout
    assert run("fmt", "--check", "bot/pins.norm").returncode == 0  # formatted


def test_an_existing_file_is_never_written_over(run: Run, project: Path) -> None:
    write(project / "persona.norm", PERSONA)
    mine = write(project / "pins.norm", "# my own notes\n")
    refused = run("check", "persona.norm", "--emit-scenarios", "pins.norm")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "`pins.norm` exists; --emit-scenarios never writes over a file" in refused.stderr
    assert mine.read_text(encoding="utf-8") == "# my own notes\n"


def test_what_cannot_be_emitted_is_a_usage_error(run: Run, project: Path, tmp_path: Path) -> None:
    write(project / "a.norm", PERSONA)
    write(project / "b.norm", PERSONA)
    two = run("check", "a.norm", "b.norm", "--emit-scenarios", "pins.norm")
    assert two.returncode == 2 and "one root file; 2 were given" in two.stderr
    outside = run("check", "a.norm", "--emit-scenarios", str(tmp_path / "elsewhere.norm"))
    assert outside.returncode == 2 and "outside the project" in outside.stderr
    missing = run("check", "a.norm", "--emit-scenarios", "no/such/folder/pins.norm")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert not (project / "pins.norm").exists()


def test_select_chooses_what_is_pinned_and_the_rest_is_noted(run: Run, project: Path) -> None:
    write(project / "persona.norm", PERSONA)
    only = run("check", "persona.norm", "--select", "overridden", "--emit-scenarios", "p.norm")
    pins = (project / "p.norm").read_text(encoding="utf-8")
    assert "scenario overridden_stay" in pins and "conflict" not in pins.split("import")[1]
    assert "wrote 1 scenario to p.norm" in only.stderr
    clean = write(project / "clean.norm", "agent bot\naction bot.answer\nnorm n bot may answer\n")
    assert clean.exists()
    nothing = run("check", "clean.norm", "--emit-scenarios", "q.norm")
    assert "nothing written" in nothing.stderr and not (project / "q.norm").exists()
