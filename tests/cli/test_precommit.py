"""The real `pre-commit` tool runs this repository's `normcheck` hook in a throwaway git repo.

The hook environment is installed from this repository at its current commit (HEAD), as a
user's pre-commit would install it from a tag: slow, so marked `slow` (deselect with
`-m "not slow"`); it runs by default.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, REPO

pytestmark = pytest.mark.slow

CLEAN = (FIXTURES / "clean" / "ok.norm").read_text(encoding="utf-8")
CONFLICT = (FIXTURES / "conflict" / "persona.norm").read_text(encoding="utf-8")


def _pre_commit() -> list[str]:
    beside = Path(sys.executable).parent / "pre-commit"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("pre-commit")
    if found is None:
        pytest.fail("pre-commit is not installed (it is a test dependency)")
    return [found]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update({
        "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
    })
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def _head() -> str:
    if not (REPO / ".git").exists():
        pytest.fail(f"{REPO} is not a git checkout; the hook is installed from it")
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_commits_fail_on_a_conflict_and_pass_when_clean(tmp_path: Path) -> None:
    env = _env(tmp_path / "pre-commit-home")
    repo = tmp_path / "policy"
    repo.mkdir()
    _run(["git", "init", "-q", "-b", "main"], repo, env)
    revision = _head()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO.as_posix()}\n    rev: {revision}\n"
        f"    hooks:\n      - id: normcheck\n", encoding="utf-8")
    installed = _run([*_pre_commit(), "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    (repo / "persona.norm").write_text(CONFLICT, encoding="utf-8")
    _run(["git", "add", "persona.norm", ".pre-commit-config.yaml"], repo, env)
    refused = _run(["git", "commit", "-q", "-m", "add a conflicting policy"], repo, env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "normcheck" in output and "Failed" in output
    assert "error[conflict]: norms `stay_in_persona` and `honest_when_asked`" in output
    assert "--> persona.norm:11:3" in output
    assert _run(["git", "rev-parse", "-q", "--verify", "HEAD"], repo, env).returncode != 0

    (repo / "persona.norm").write_text(CLEAN, encoding="utf-8")
    _run(["git", "add", "persona.norm"], repo, env)
    accepted = _run(["git", "commit", "-q", "-m", "a clean policy"], repo, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr

    # the documented way to try the hook without a config: `pre-commit try-repo`
    tried = _run([*_pre_commit(), "try-repo", str(REPO), "normcheck", "--ref", revision,
                  "--all-files"], repo, env)
    assert tried.returncode == 0, tried.stdout + tried.stderr
    (repo / "persona.norm").write_text(CONFLICT, encoding="utf-8")
    _run(["git", "add", "persona.norm"], repo, env)
    tried = _run([*_pre_commit(), "try-repo", str(REPO), "normcheck", "--ref", revision,
                  "--all-files"], repo, env)
    assert tried.returncode == 1
    assert "error[conflict]" in tried.stdout


def test_the_hook_checks_the_staged_files_and_their_importers_in_the_configured_format(
        tmp_path: Path) -> None:
    env = _env(tmp_path / "pre-commit-home")
    repo = tmp_path / "policy"
    (repo / "lib").mkdir(parents=True)
    _run(["git", "init", "-q", "-b", "main"], repo, env)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO.as_posix()}\n    rev: {_head()}\n"
        f"    hooks:\n      - id: normcheck\n", encoding="utf-8")
    (repo / "pyproject.toml").write_text('[tool.normcheck]\nformat = "concise"\n',
                                         encoding="utf-8")
    vendor = "agent bot\naction bot.answer\nfact night: bool\nnorm vendor_rule bot may answer\n"
    (repo / "lib" / "vendor.norm").write_text(vendor, encoding="utf-8")
    (repo / "hospital.norm").write_text(
        'import "lib/vendor.norm"\nnorm hospital_rule when night bot must answer\n',
        encoding="utf-8")
    (repo / "old_bad.norm").write_text(CONFLICT, encoding="utf-8")
    _run(["git", "add", "."], repo, env)
    _run(["git", "commit", "-q", "--no-verify", "-m", "start, with a known bad file"], repo, env)
    installed = _run([*_pre_commit(), "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    (repo / "draft.norm").write_text(CONFLICT, encoding="utf-8")  # untracked, not staged

    # a clean change: neither the committed bad file nor the untracked draft blocks it
    (repo / "lib" / "vendor.norm").write_text(vendor + "# reviewed\n", encoding="utf-8")
    _run(["git", "add", "lib/vendor.norm"], repo, env)
    accepted = _run(["git", "commit", "-q", "-m", "a comment"], repo, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr

    # a change to the imported file that breaks its importer is refused, in the configured
    # (concise) format, naming the importer's norm
    (repo / "lib" / "vendor.norm").write_text(vendor.replace("bot may answer",
                                                             "bot must not answer"),
                                              encoding="utf-8")
    _run(["git", "add", "lib/vendor.norm"], repo, env)
    refused = _run(["git", "commit", "-q", "-m", "vendor forbids answering"], repo, env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "hospital_rule" in output and "persona" not in output
    assert "error[conflict]" in output and "\n  --> " not in output  # concise, not text
    assert "in 2 files" in output

    # deleting (or renaming) the imported file re-checks its importer: pre-commit passes no
    # deleted file, and skipped the hook when a commit only deleted one
    _run(["git", "checkout", "-q", "--", "."], repo, env)
    _run(["git", "reset", "-q", "--hard"], repo, env)
    _run(["git", "rm", "-q", "lib/vendor.norm"], repo, env)
    refused = _run(["git", "commit", "-q", "-m", "drop the vendor's rules"], repo, env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "hospital.norm:1:1: error[import-error]" in output, output
    _run(["git", "reset", "-q", "--hard"], repo, env)
    _run(["git", "mv", "lib/vendor.norm", "lib/supplier.norm"], repo, env)
    refused = _run(["git", "commit", "-q", "-m", "rename the vendor's rules"], repo, env)
    assert refused.returncode != 0 and "hospital.norm:1:1: error[import-error]" in (
        refused.stdout + refused.stderr)
    # a commit that touches no .norm file passes, checking nothing
    _run(["git", "reset", "-q", "--hard"], repo, env)
    (repo / "README.md").write_text("policies\n", encoding="utf-8")
    _run(["git", "add", "README.md"], repo, env)
    accepted = _run(["git", "commit", "-q", "-m", "a readme"], repo, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
