"""Where a project starts: the folder that import confinement and the cache are relative to.

Kept apart from `imports` (which needs the AST) so that a warm run can ask it cheaply, as it
can confine a path (`confined_resolve`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..core.disk import Unrecorded, disk


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


def inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


#: links followed in one path before it is taken for a loop (as the system's own limit)
MAX_LINKS = 40


def confined_resolve(path: Path, root: Path) -> Path | None:
    """`path.resolve()`, or None as soon as it would leave `root` (a resolved folder): each
    link's target is confined lexically before anything under it is looked up, so a link
    inside the project to `/net/host/share` is refused without touching the network.

    Only `root`, its ancestors and what lies inside it are ever looked up. Components are
    taken one at a time, `..` from the path resolved so far (as the system does); past a
    component that does not exist the rest is joined as written, as `resolve()` does.
    """
    try:
        return _confined(path, root)
    except Unrecorded as missing:
        # a worker's snapshot lacks a step of the walk: the client walks the whole path
        if missing.question in ("link_mode", "readlink"):
            raise Unrecorded(CONFINE, f"{path}\0{root}") from None
        raise


#: the question a worker asks when its snapshot lacks a step of `confined_resolve`'s walk
CONFINE = "confine"


def _confined(path: Path, root: Path) -> Path | None:
    files = disk()
    pending = list(reversed(path.parts))
    current = Path(path.anchor)
    links = 0
    while pending:
        part = pending.pop()
        if part in ("", "."):
            continue
        if part == "..":
            current = current.parent
            continue
        candidate = current / part
        if not (inside(candidate, root) or candidate in root.parents):
            return None
        try:
            mode = files.link_mode(candidate)
        except FileNotFoundError:
            return Path(os.path.normpath(candidate.joinpath(*reversed(pending))))
        if not stat.S_ISLNK(mode):
            current = candidate
            continue
        links += 1
        if links > MAX_LINKS:
            raise RuntimeError(f"more than {MAX_LINKS} symbolic links in `{path}`")
        target = Path(files.readlink(candidate))
        if target.is_absolute():
            current = Path(target.anchor)
        pending.extend(reversed(target.parts[1:] if target.is_absolute() else target.parts))
    return current
