"""Every example's findings match the verdict written in its README (run through the real CLI),
and the top-level README's commands, pasted output and Python snippet are real."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from normlang.core.findings import KINDS, Severity

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
README = ROOT / "README.md"
CASES = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
BLOCK = re.compile(r"<!-- expected-findings\n(.*?)-->", re.DOTALL)
FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
#: set to 1 to rewrite the outputs pasted in README.md from a fresh run (never done implicitly)
UPDATE_README = os.environ.get("NORMLANG_UPDATE_README") == "1"

Verdict = Counter[tuple[str, tuple[str, ...]]]


def expected(case: Path) -> Verdict:
    match = BLOCK.search((case / "README.md").read_text(encoding="utf-8"))
    assert match, f"{case.name}/README.md has no expected-findings block"
    out: Verdict = Counter()
    for line in match.group(1).strip().splitlines():
        kind, _, norms = line.partition(":")
        out[(kind.strip(), tuple(n.strip() for n in norms.split(",") if n.strip()))] += 1
    return out


def normcheck(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The installed console script, run from the repository root as a user would."""
    return subprocess.run(["normcheck", *args], capture_output=True, text=True, timeout=600,
                          cwd=ROOT, env={**os.environ, "NO_COLOR": "1"})


def actual(case: Path) -> Verdict:
    run = normcheck(["--format", "json", "--verbose", "--no-cache", str(case)])
    assert run.returncode in (0, 1), run.stderr
    document = json.loads(run.stdout)
    return Counter((f["kind"], tuple(f["norms"])) for f in document["findings"])


def fenced(text: str, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(text) if lang == language]


def test_there_are_examples() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_example_verdict_matches_its_readme(case: Path) -> None:
    found = actual(case)
    assert all(kind in KINDS for kind, _ in found)
    assert found == expected(case)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_example_readme_commands_run(case: Path) -> None:
    """The commands a case's README tells the reader to run work, with the promised exit code."""
    commands = [line for body in fenced((case / "README.md").read_text(encoding="utf-8"), "")
                for line in body.splitlines() if line.startswith("normcheck ")]
    assert any(case.name in c for c in commands), "the README says how to run this case"
    has_error = any(KINDS[kind] is Severity.ERROR for kind, _ in expected(case))
    for command in commands:
        args = shlex.split(command)[1:]
        run = normcheck(args)
        assert "Traceback" not in run.stderr, run.stderr
        want = 0 if args[0] == "diff" else int(has_error)
        assert run.returncode == want, (command, run.stdout, run.stderr)
        assert run.stdout.strip(), command


def test_all_examples_at_once_give_every_cases_verdict_once() -> None:
    """Cases import each other's files; checking the whole folder reports each finding once."""
    assert actual(EXAMPLES) == sum((expected(case) for case in CASES), Counter())


def test_examples_cover_every_finding_kind_a_user_meets() -> None:
    kinds = {kind for case in CASES for kind, _ in expected(case)}
    assert {"conflict", "undermined-permission", "dead-norm", "shadowed-norm",
            "expectation-failed", "compliance-gap", "scenario-failed"} <= kinds
    clean = [c for c in CASES if all(k in ("overridden", "value-sacrificed") for k, _ in expected(c))]
    assert clean, "at least one example has no error or warning"


def test_examples_split_into_files_that_import_each_other() -> None:
    for case in CASES:
        imported = [name for f in case.glob("*.norm")
                    for name in re.findall(r'^import "([^"]+)"', f.read_text(encoding="utf-8"), re.M)]
        assert imported, f"{case.name}: norms are kept apart and imported, not copied"
        assert all((case / name).is_file() for name in imported)


def test_every_example_norm_has_a_source() -> None:
    norm = re.compile(r"^norm\s+(\w+)([^\n]*)", re.MULTILINE)
    for path in EXAMPLES.rglob("*.norm"):
        for name, header in norm.findall(path.read_text(encoding="utf-8")):
            assert '"' in header, f"{path.name}: norm `{name}` has no source string"


def test_diff_on_the_amendment() -> None:
    folder = EXAMPLES / "democratic_regulation"
    run = normcheck(["diff", "--format", "json", "--fail-on-change",
                     str(folder / "regulation_2025.norm"), str(folder / "regulation_2026.norm")])
    assert run.returncode == 1, run.stderr
    changes = json.loads(run.stdout)["changes"]
    assert [(c["action"], c["old"], c["new"]) for c in changes] == [
        ("assistant.decide_automatically", "permitted", "forbidden")]
    witness = changes[0]["witness"]["situation"]
    assert witness["decision_affects_rights"] is True and witness["service"] != "parking"


# ------------------------------------------------------------------ the top-level README

def readme() -> str:
    return README.read_text(encoding="utf-8")


def test_readme_setup_is_the_two_commands_ci_runs() -> None:
    commands = [body.strip().splitlines() for body in fenced(readme(), "sh")]
    two = ["python3 -m venv .venv && . .venv/bin/activate && pip install . && "
           "normcheck --exit-zero examples/",
           ". .venv/bin/activate && pip install '.[test]' && ruff check normlang tests bench "
           "&& mypy && pytest"]
    assert two in commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert all(command in ci for command in two)


def test_readme_python_snippet_runs() -> None:
    snippets = fenced(readme(), "python")
    assert snippets
    for code in snippets:
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=600, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        assert "compliance-gap" in run.stdout and "obliged" in run.stdout


def test_readme_pasted_output_is_real() -> None:
    """Each ```console block: `$ command`, then exactly what that command prints."""
    text = readme()
    blocks = fenced(text, "console")
    assert len(blocks) >= 2
    for body in blocks:
        command, _, shown = body.partition("\n")
        assert command.startswith("$ normcheck "), command
        printed = normcheck(shlex.split(command[2:])[1:]).stdout
        printed = "\n".join(line.rstrip() for line in printed.rstrip().splitlines()) + "\n"
        if UPDATE_README:
            text = text.replace(f"```console\n{body}```", f"```console\n{command}\n{printed}```")
        else:
            assert shown == printed, f"README output of `{command}` is stale; " \
                                     "rerun with NORMLANG_UPDATE_README=1"
    if UPDATE_README:
        README.write_text(text, encoding="utf-8")


def test_readme_precommit_snippet_names_the_hook() -> None:
    yaml = pytest.importorskip("yaml")
    (snippet,) = fenced(readme(), "yaml")
    config = yaml.safe_load(snippet)
    (repo,) = config["repos"]
    assert repo["repo"] == "https://github.com/normlang/normlang" and repo["rev"] == "v0.1.0"
    assert [hook["id"] for hook in repo["hooks"]] == ["normcheck"]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert "normcheck" in {hook["id"] for hook in hooks}


def test_readme_links_point_to_files_that_exist() -> None:
    targets = re.findall(r"\]\(([^)#:]+)\)", readme())
    assert {"docs/cli.md", "docs/language.md", "bench/RESULTS.md"} <= set(targets)
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert missing == []


def test_readme_tour_quotes_the_example_files() -> None:
    """The `norm` excerpts in the README are taken word for word from the examples."""
    sources = "\n".join(p.read_text(encoding="utf-8") for p in EXAMPLES.rglob("*.norm"))
    for excerpt in fenced(readme(), "norm"):
        for paragraph in excerpt.strip().split("\n\n"):
            assert paragraph in sources, paragraph
