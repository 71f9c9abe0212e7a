"""`normcheck diff` on two folders, and on git revisions (`normcheck diff main -- examples/`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from cli_helpers import run_in, write

BASE = "agent bot\nfact night: bool\naction bot.answer\nnorm n bot may answer\n"
STRICTER = "agent bot\nfact night: bool\naction bot.answer\nnorm n when not night bot must not answer\n"
IMPORTER = 'import "../a.norm"\nnorm m when night bot may answer\n'


def git(repo: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "t", "GIT_COMMITTER_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_EMAIL": "t@example.invalid"})
    subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, check=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root / "pol" / "a.norm", BASE)
    write(root / "pol" / "sub" / "b.norm", IMPORTER)
    write(root / "pol" / "gone.norm", "agent x\naction x.y\nnorm z x must y\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "one")
    return root


def test_two_folders_are_compared_file_by_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    for version, text in (("v1", BASE), ("v2", STRICTER)):
        write(tmp_path / version / "a.norm", text)
        write(tmp_path / version / "same.norm", "agent x\naction x.y\nnorm z x must y\n")
    write(tmp_path / "v2" / "extra.norm", "agent x\naction x.y\nnorm z x must y\n")
    done = run_in(tmp_path, "diff", "v1", "v2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "a.norm: changed"
    assert "  `bot.answer`: permitted -> forbidden" in lines
    assert "extra.norm: added" in lines and "same.norm: changed" not in done.stdout
    assert lines[-1] == "2 of 3 files changed"
    assert run_in(tmp_path, "diff", "v1", "v2", "--fail-on-change").returncode == 1
    assert run_in(tmp_path, "diff", "v1", "v1", "--fail-on-change").returncode == 0
    mixed = run_in(tmp_path, "diff", "v1", "v2/a.norm")
    assert mixed.returncode == 2 and "not both files or both folders" in mixed.stderr


def test_a_revision_against_the_work_tree_names_the_norms_behind_each_change(repo: Path) -> None:
    write(repo / "pol" / "a.norm", STRICTER)
    (repo / "pol" / "gone.norm").unlink()
    done = run_in(repo, "diff", "main", "--", "pol", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["changed"] is True
    statuses = {f["file"]: f["status"] for f in document["files"]}
    assert statuses == {"pol/a.norm": "changed", "pol/gone.norm": "removed",
                        "pol/sub/b.norm": "changed"}  # b imports a: its meaning changed too
    (change,) = document["files"][0]["changes"]
    assert (change["action"], change["old"], change["new"]) == ("bot.answer", "permitted",
                                                                "forbidden")
    assert change["witness"]["active"] == ["n"] and change["old_active"] == ["n"]
    # two revisions, and the working folder by default
    git(repo, "commit", "-q", "-am", "two")
    assert json.loads(run_in(repo, "diff", "HEAD~1", "HEAD", "--format", "json").stdout)[
        "changed"] is True
    unchanged = run_in(repo, "diff", "HEAD", "--fail-on-change")
    assert unchanged.returncode == 0 and unchanged.stdout == "no change in meaning in 2 files\n"


def test_revision_usage_errors(repo: Path, tmp_path: Path) -> None:
    done = run_in(repo, "diff", "main", "pol/a.norm")
    assert done.returncode == 2 and "must be a revision too (paths go after `--`)" in done.stderr
    done = run_in(repo, "diff", "pol/a.norm", "pol/a.norm", "--", "pol")
    assert done.returncode == 2 and "paths after `--` go with a git revision" in done.stderr
    done = run_in(repo, "diff", "nowhere")
    assert done.returncode == 2 and "no git revision" in done.stderr
    outside = tmp_path / "outside"
    outside.mkdir()
    done = run_in(repo, "diff", "main", "--", str(outside))
    assert done.returncode == 2 and "outside the git work tree" in done.stderr


def test_a_misspelt_revision_before_paths_is_named(repo: Path) -> None:
    # `diff mian -- pol` said only that paths after `--` go with a revision
    done = run_in(repo, "diff", "mian", "--", "pol")
    assert done.returncode == 2
    assert "git knows no revision `mian`" in done.stderr, done.stderr
