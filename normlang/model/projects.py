"""Where a project starts: the folder that import confinement and the cache are relative to.

Kept apart from `imports` (which needs the AST) so that a warm run can ask it cheaply.
"""

from __future__ import annotations

from pathlib import Path

from ..core.disk import disk


def marked_folder(start: Path) -> Path:
    """The nearest folder at or above `start`, as written, with a `pyproject.toml` or `.git`,
    else `start`."""
    for folder in (start, *start.parents):
        files = disk()
        if files.exists(folder / "pyproject.toml") or files.exists(folder / ".git"):
            return folder
    return start


def project_root(path: Path) -> Path:
    """The project root of the file at `path`: the marked folder at or above its own
    (links resolved first)."""
    return marked_folder(disk().resolve(path).parent)
