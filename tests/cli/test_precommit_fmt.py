"""The real `pre-commit` tool runs this repository's `normcheck-fmt` hook in a throwaway git
repo (installed from HEAD, like the `normcheck` hook in test_precommit.py: slow)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import REPO
from test_precommit import _env, _head, _pre_commit, _run

pytestmark = pytest.mark.slow

UGLY = "agent bot\naction bot.answer\nnorm n bot must   answer # why\n"
PRETTY = "agent bot\naction bot.answer\nnorm n\n  bot must answer  # why\n"


def test_the_fmt_hook_formats_staged_files_and_fails_until_they_are_staged(tmp_path: Path
                                                                         ) -> None:
    env = _env(tmp_path / "pre-commit-home")
    repo = tmp_path / "policy"
    repo.mkdir()
    _run(["git", "init", "-q", "-b", "main"], repo, env)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO.as_posix()}\n    rev: {_head()}\n"
        f"    hooks:\n      - id: normcheck-fmt\n", encoding="utf-8")
    installed = _run([*_pre_commit(), "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    (repo / "spec.norm").write_text(UGLY, encoding="utf-8")
    (repo / "notes.txt").write_text("norm   not a spec\n", encoding="utf-8")
    _run(["git", "add", "."], repo, env)
    refused = _run(["git", "commit", "-q", "-m", "an unformatted spec"], repo, env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "normcheck fmt" in output and "Failed" in output
    assert "files were modified by this hook" in output
    assert (repo / "spec.norm").read_text(encoding="utf-8") == PRETTY
    assert (repo / "notes.txt").read_text(encoding="utf-8") == "norm   not a spec\n"

    _run(["git", "add", "spec.norm"], repo, env)
    accepted = _run(["git", "commit", "-q", "-m", "the spec, formatted"], repo, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr

    (repo / "broken.norm").write_text("norm x\n", encoding="utf-8")
    _run(["git", "add", "broken.norm"], repo, env)
    broken = _run(["git", "commit", "-q", "-m", "a spec that does not parse"], repo, env)
    assert broken.returncode != 0
    assert "error[syntax-error]" in broken.stdout + broken.stderr
    assert (repo / "broken.norm").read_text(encoding="utf-8") == "norm x\n"
