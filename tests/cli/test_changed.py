"""`normcheck --importers FILES` and `--changed-since REV`: the changed files and their importers."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, run_in, write

CONFLICT = (FIXTURES / "conflict" / "persona.norm").read_text(encoding="utf-8")
VENDOR = "agent bot\naction bot.answer\nfact night: bool\nnorm vendor_rule bot may answer\n"
VENDOR_BAD = VENDOR.replace("bot may answer", "bot must not answer")
HOSPITAL = ('import "lib/vendor.norm"\n'
            "norm hospital_rule when night bot must answer\n")
WARD = 'import "../hospital.norm"\nfact ward_open: bool\nnorm ward_rule when ward_open bot may answer\n'


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "t", "GIT_COMMITTER_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_EMAIL": "t@example.invalid"})
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """vendor.norm, imported by hospital.norm, imported by wards/ward.norm; a committed
    conflict in old_bad.norm; an untracked conflicting draft."""
    root = tmp_path / "policy"
    write(root / "lib" / "vendor.norm", VENDOR)
    write(root / "hospital.norm", HOSPITAL)
    write(root / "wards" / "ward.norm", WARD)
    write(root / "unrelated.norm", "agent a\naction a.x\nnorm u a may x\n")
    write(root / "old_bad.norm", CONFLICT)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")
    write(root / "draft.norm", CONFLICT)  # untracked
    return root


def checked_files(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_importers_checks_the_given_file_and_everything_that_imports_it(repo: Path) -> None:
    done = run_in(repo, "--importers", "lib/vendor.norm", "--format", "json", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    import json

    document = json.loads(done.stdout)
    assert document["summary"]["files"] == 3  # vendor, hospital, ward: not the bad ones
    write(repo / "lib" / "vendor.norm", VENDOR_BAD)
    done = run_in(repo, "--importers", "lib/vendor.norm", "--format", "concise", "--no-cache")
    assert done.returncode == 1
    assert "hospital_rule" in done.stdout and "persona" not in done.stdout
    # a file nobody imports is checked alone; the untracked draft only when it is given
    alone = run_in(repo, "--importers", "unrelated.norm", "--no-cache")
    assert alone.returncode == 0 and alone.stdout == "no findings in 1 file\n", alone.stdout
    draft = run_in(repo, "--importers", "draft.norm", "--no-cache")
    assert draft.returncode == 1 and "error[conflict]" in draft.stdout


def test_an_untracked_importer_is_not_checked(repo: Path) -> None:
    write(repo / "draft_importer.norm", 'import "lib/vendor.norm"\nnorm d bot must not answer\n')
    done = run_in(repo, "--importers", "lib/vendor.norm", "--no-cache")
    assert done.returncode == 0, done.stdout
    assert done.stdout == "no findings in 3 files\n"


def test_changed_since_checks_what_git_says_changed_and_its_importers(repo: Path) -> None:
    nothing = run_in(repo, "--changed-since", "HEAD", "--no-cache")
    assert nothing.returncode == 0 and nothing.stdout == "no findings in 0 files\n"
    assert "no .norm file changed since HEAD: nothing to check" in nothing.stderr
    write(repo / "lib" / "vendor.norm", VENDOR_BAD)
    git(repo, "commit", "-q", "-am", "break the vendor rules")
    done = run_in(repo, "--changed-since", "HEAD~1", "--format", "concise", "--no-cache")
    assert done.returncode == 1, done.stderr
    assert "hospital_rule" in done.stdout and "persona" not in done.stdout
    assert done.stdout.rstrip().endswith("in 3 files")
    # a deleted file re-checks its importers (which now fail to import it)
    git(repo, "rm", "-q", "wards/../hospital.norm")
    gone = run_in(repo, "--changed-since", "HEAD", "--format", "concise", "--no-cache")
    assert gone.returncode == 1 and "wards/ward.norm" in gone.stdout
    assert "import-error" in gone.stdout


def test_changed_since_refuses_an_unknown_revision_and_paths(repo: Path) -> None:
    unknown = run_in(repo, "--changed-since", "no-such-branch")
    assert unknown.returncode == 2
    assert "--changed-since: git knows no revision `no-such-branch`" in unknown.stderr
    assert run_in(repo, "--changed-since", "HEAD", "hospital.norm").returncode == 2
    assert run_in(repo, "--changed-since", "--all").returncode == 2
    outside = run_in(repo.parent, "--changed-since", "HEAD")
    assert outside.returncode == 2 and "needs a git work tree" in outside.stderr


def test_importers_rechecks_the_importers_of_a_file_the_commit_deletes_or_renames(
        repo: Path) -> None:
    # pre-commit passes only the files a commit keeps: `git rm lib/vendor.norm` (or `git mv`)
    # passed nothing (or only the new name), and hospital.norm, left importing a missing
    # file, was committed broken
    git(repo, "rm", "-q", "lib/vendor.norm")
    done = run_in(repo, "--importers", "--format", "concise", "--no-cache")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "hospital.norm:1:1: error[import-error] file `lib/vendor.norm` does not exist" \
        in done.stdout, done.stdout
    assert checked_files(done.stdout).endswith("in 2 files")  # hospital and ward
    git(repo, "reset", "-q", "--hard")
    git(repo, "mv", "lib/vendor.norm", "lib/vendor2.norm")
    done = run_in(repo, "--importers", "lib/vendor2.norm", "--format", "concise", "--no-cache")
    assert done.returncode == 1 and "hospital.norm:1:1: error[import-error]" in done.stdout
    assert checked_files(done.stdout).endswith("in 3 files")
    # nothing deleted, nothing given: nothing to check
    git(repo, "reset", "-q", "--hard")
    done = run_in(repo, "--importers", "--no-cache")
    assert done.returncode == 0 and "nothing to check" in done.stderr
