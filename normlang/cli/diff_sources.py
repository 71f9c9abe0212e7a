"""What `normcheck diff` compares: two files, two folders, or git revisions of some paths.

`diff OLD NEW` with two folders pairs their `.norm` files by path inside each folder.
`diff REV [REV2] [-- PATH ...]` compares the files at git revision REV with the work tree
(or with REV2): the project's `.norm` files, moral-graph JSON files and `pyproject.toml`
files at a revision are written to a temporary folder, so that imports and the project
root resolve there as they did then.
"""

from __future__ import annotations

import os
from pathlib import Path

from .common import UsageError
from .git import GitResult, run_git

#: the files of a revision that a spec can read, or that mark its project root
_KEPT_SUFFIXES = (".norm", ".json")
_MARKERS = ("pyproject.toml",)


def _git(args: list[str], cwd: Path) -> GitResult | None:
    return run_git(args, cwd)


def is_revision(word: str, cwd: Path) -> bool:
    """Whether `word` names a git commit here (and is not a path that exists)."""
    if word.startswith("-") or Path(word).exists():
        return False
    done = _git(["rev-parse", "--verify", "--quiet", f"{word}^{{commit}}"], cwd)
    return done is not None and done.returncode == 0


def toplevel(cwd: Path) -> Path:
    done = _git(["rev-parse", "--show-toplevel"], cwd)
    if done is None or done.returncode != 0:
        raise UsageError("diff of git revisions needs a git work tree")
    return Path(os.fsdecode(done.stdout.strip())).resolve()


def materialize(revision: str, top: Path, into: Path) -> None:
    """Write the spec files of `revision` (paths relative to the work tree `top`) under
    `into`."""
    listed = _git(["ls-tree", "-r", "-z", "--name-only", revision], top)
    if listed is None or listed.returncode != 0:
        raise UsageError(f"git cannot list the files of `{revision}`")
    for raw in listed.stdout.split(b"\0"):
        name = os.fsdecode(raw)
        if not name or not (name.endswith(_KEPT_SUFFIXES) or Path(name).name in _MARKERS):
            continue
        shown = _git(["show", f"{revision}:{name}"], top)
        if shown is None or shown.returncode != 0:
            raise UsageError(f"git cannot read `{name}` at `{revision}`")
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(shown.stdout)
    if not (into / ".git").exists():
        (into / ".git").mkdir()  # the work tree's root is a project root, as `.git` made it


def norm_files(folder: Path) -> dict[str, Path]:
    """The `.norm` files under `folder`, by their path inside it (hidden folders skipped)."""
    out: dict[str, Path] = {}
    for parent, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".norm"):
                path = Path(parent) / name
                out[path.relative_to(folder).as_posix()] = path
    return out


def pairs(old: Path, new: Path) -> list[tuple[str, Path | None, Path | None]]:
    """(shown name, old file, new file) for every `.norm` file of either side: two files are
    one pair; two folders pair their files by path inside them."""
    if old.is_file() and new.is_file():
        return [(new.as_posix(), old, new)]
    if old.is_dir() and new.is_dir():
        before, after = norm_files(old), norm_files(new)
        return [(name, before.get(name), after.get(name)) for name in sorted({*before, *after})]
    for path in (old, new):
        if not path.exists():
            raise UsageError(f"path `{path}` does not exist")
    raise UsageError(f"`{old}` and `{new}` are not both files or both folders")


__all__ = ["is_revision", "materialize", "norm_files", "pairs", "toplevel"]
