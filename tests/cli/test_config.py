"""`[tool.normcheck]` in the nearest pyproject.toml: keys, errors, and flags that win."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import Run

CONFLICT = "conflict/persona.norm"


def configure(project: Path, body: str) -> None:
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'fixture'\n\n[tool.normcheck]\n" + body, encoding="utf-8")


def kinds(output: str) -> set[str]:
    return {f["kind"] for f in json.loads(output)["findings"]}


def test_paths_and_exclude(run: Run, project: Path) -> None:
    configure(project, 'paths = ["conflict", "broken", "clean"]\nexclude = ["broken/*"]\n')
    result = run("--format", "json")
    assert kinds(result.stdout) == {"conflict"}
    assert json.loads(result.stdout)["summary"]["files"] == 2


def test_paths_are_relative_to_the_configuration(run: Run, project: Path) -> None:
    configure(project, 'paths = ["clean"]\n')
    result = run("--format", "json", cwd=project / "conflict")
    assert json.loads(result.stdout)["summary"]["files"] == 1
    assert result.returncode == 0


def test_exclude_matches_file_names(run: Run, project: Path) -> None:
    configure(project, 'exclude = ["typo.norm", "persona.norm"]\n')
    document = json.loads(run(".", "--format", "json").stdout)
    files = {f["file"] for f in document["findings"]}
    assert files and not {"broken/typo.norm", "conflict/persona.norm"} & files


def test_ignore_and_select_and_flags_add_or_win(run: Run, project: Path) -> None:
    # (a name-error shows whatever is selected or ignored: see filter_findings)
    configure(project, 'ignore = ["conflict"]\n')
    assert kinds(run(".", "--format", "json").stdout) >= {"name-error"}
    assert "conflict" not in kinds(run(".", "--format", "json").stdout)
    configure(project, 'select = ["conflict"]\n')
    assert kinds(run(".", "--format", "json").stdout) == {"conflict", "name-error"}
    assert kinds(run(".", "--format", "json", "--select", "name-error").stdout) == {"name-error"}


def test_strict_from_config(run: Run, project: Path) -> None:
    (project / "warn").mkdir()
    (project / "warn" / "dead.norm").write_text(
        "agent a\nfact p: bool\naction a.x\nnorm unreachable when p and not p a must x\n",
        encoding="utf-8")
    configure(project, "strict = true\n")
    assert run("warn").returncode == 1
    configure(project, "strict = false\n")
    assert run("warn").returncode == 0
    assert run("warn", "--strict").returncode == 1


def test_format_and_verbose_from_config_and_the_flag_wins(run: Run, project: Path) -> None:
    configure(project, 'format = "concise"\n')
    assert run(CONFLICT).stdout.startswith("conflict/persona.norm:11:3: error[conflict]")
    assert run(CONFLICT, "--format", "json").stdout.startswith("{")


def test_cache_dir_timeout_and_jobs_from_config(run: Run, project: Path) -> None:
    configure(project, 'cache-dir = "build/nc"\ntimeout = 20\njobs = 1\n')
    assert run(CONFLICT).returncode == 1
    assert list((project / "build" / "nc").glob("*.json"))


@pytest.mark.parametrize(("body", "fragment"), [
    ("colour = true\n", "pyproject.toml:5: unknown key `colour` in [tool.normcheck]"),
    ("strictt = true\n", "did you mean `strict`?"),
    ('timeout = "fast"\n', "pyproject.toml:5: `timeout` in [tool.normcheck] must be int or float"),
    ("jobs = 0\n", "`jobs` in [tool.normcheck] must be positive"),
    ("timeout = 1e9\n", "`timeout` in [tool.normcheck] must be below 1,000,000,000"),
    ("strict = 1\n", "`strict` in [tool.normcheck] must be bool"),
    ('ignore = "conflict"\n', "`ignore` in [tool.normcheck] must be list of strings"),
    ('ignore = ["conflcit"]\n',
     "pyproject.toml:5: `ignore`: unknown finding kind or severity `conflcit`; did you mean `conflict`?"),
    ('format = "xml"\n', "unknown format `xml`"),
    ('format = "xml"\n', "pyproject.toml:5: unknown format `xml`; one of text, concise"),
    ("this is not toml\n", "cannot read the configuration"),
])
def test_bad_configuration_is_a_usage_error(run: Run, project: Path, body: str,
                                            fragment: str) -> None:
    configure(project, body)
    result = run(CONFLICT)
    assert result.returncode == 2
    assert result.stdout == ""
    assert fragment in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_bad_configured_format_is_reported_even_when_the_flag_overrides_it(
        run: Run, project: Path) -> None:
    configure(project, 'format = "xml"\n')
    result = run(CONFLICT, "--format", "concise")
    assert (result.returncode, result.stdout) == (2, "")
    assert "unknown format `xml`" in result.stderr


def test_nearest_pyproject_wins(run: Run, project: Path) -> None:
    configure(project, "colour = true\n")
    (project / "clean" / "pyproject.toml").write_text("[tool.normcheck]\nstrict = true\n",
                                                      encoding="utf-8")
    assert run("ok.norm", cwd=project / "clean").returncode == 0


@pytest.mark.parametrize("table", [
    "[tool.normcheck]\nstrict = true\n",
    "[ tool . 'normcheck' ]\nstrict = true\n",
    "[tool]\nnormcheck = { strict = true }\n",
    "tool.normcheck.strict = true\n",
    "tool = { normcheck = { strict = true } }\n",
])
def test_every_spelling_of_the_table_is_read(run: Run, project: Path, table: str) -> None:
    # the console script's `normcheck = ...` line must not hide (nor stand for) the table
    (project / "pyproject.toml").write_text(
        f'{table}\n[project.scripts]\nnormcheck = "normlang.cli:main"\n', encoding="utf-8")
    (project / "warn").mkdir()
    (project / "warn" / "dead.norm").write_text(
        "agent a\nfact p: bool\naction a.x\nnorm unreachable when p and not p a must x\n",
        encoding="utf-8")
    assert run("warn").returncode == 1


@pytest.mark.parametrize(("text", "parsed"), [
    ("[project]\nname = 'x'\n", False),
    ('[project.scripts]\nnormcheck = "normlang.cli:main"\n[tool.ruff]\nx = 1\n', False),
    ('[project.scripts]\n"normcheck" = "normlang.cli:main"\n', False),
    ("[tool.normcheck]\n", True),
    ("[tool]\nnormcheck = {}\n", True),
    ('[project.scripts]\nnormcheck = "x"\n[tool]\nruff = {}\n', True),
    ("[tool.normcheck.extra]\n", True),
    ("# configure normcheck here one day\n", True),
])
def test_a_pyproject_is_parsed_only_when_it_may_configure_normcheck(text: str,
                                                                    parsed: bool) -> None:
    from normlang.cli.config import may_configure_normcheck

    assert may_configure_normcheck(text) is parsed


@pytest.mark.parametrize("value", ["10", "99"])
def test_memory_mb_below_what_z3_needs_to_start_is_a_usage_error(run: Run, project: Path,
                                                                  value: str) -> None:
    # z3 counts every context against this process-wide limit; running out while making one
    # crashed the process (a segfault at 10 MB)
    (project / "pyproject.toml").write_text(f"[tool.normcheck]\nmemory-mb = {value}\n")
    done = run("--no-cache", ".", cwd=project)
    assert done.returncode == 2
    assert "`memory-mb` in [tool.normcheck] must be at least 100" in done.stderr


TWO_CONFLICTS = """agent a
fact p: bool
action a.x
action a.y
norm A when p a must a.x
norm B when p a must not a.x
norm C when p a must a.y
norm D when p a must not a.y
constraint a.x or not a.x or a.y
"""


def test_max_conflicts_from_the_configuration_and_the_flag(run: Run, project: Path) -> None:
    (project / "two").mkdir()
    (project / "two" / "two.norm").write_text(TWO_CONFLICTS)
    assert run("--no-cache", "two", cwd=project).stdout.count("error[conflict]") == 2
    configure(project, "max-conflicts = 1\n")
    capped = run("--no-cache", "two", cwd=project).stdout
    assert capped.count("error[conflict]") == 1 and "stopped at 1 (`max-conflicts`)" in capped
    flagged = run("--no-cache", "--max-conflicts", "5", "two", cwd=project).stdout
    assert flagged.count("error[conflict]") == 2 and "max-conflicts" not in flagged
