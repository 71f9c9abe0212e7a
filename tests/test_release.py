"""The version is kept in one place, and what a user copies names it."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import normlang
from normlang.core.version import __version__

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_metadata_reads_the_one_version() -> None:
    assert metadata.version("normlang") == __version__ == normlang.__version__
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    assert 'dynamic = ["version"]' in project
    assert not re.search(r"^version\s*=", project, re.MULTILINE)


def test_the_snippets_and_the_changelog_name_this_version() -> None:
    for doc in ("README.md", "docs/cli.md"):
        revs = re.findall(r"rev: (\S+)", (ROOT / doc).read_text(encoding="utf-8"))
        assert revs and set(revs) == {f"v{__version__}"}, doc
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    top = re.search(r"^## \[([^\]]+)\]", changelog, re.MULTILINE)
    assert top is not None and top.group(1) == __version__
    assert f"[{__version__}]: https://github.com/normlang/normlang/releases/tag/v{__version__}" \
        in changelog


def test_the_snippet_says_whether_its_tag_is_released() -> None:
    # README's `rev: v0.1.0` named a tag that did not exist, with nothing saying so: while the
    # CHANGELOG's entry for this version is unreleased, the README says to pin a commit
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    top = re.search(r"^## \[([^\]]+)\] — (\S+)", changelog, re.MULTILINE)
    assert top is not None and top.group(1) == __version__
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pending = f"`v{__version__}` is not tagged yet"
    if top.group(2) == "unreleased":
        assert pending in readme and "pin a commit" in readme, "README: say the tag is pending"
    else:
        assert pending not in readme, "README: the release is tagged; drop the note"
