"""Which files a run checks: the .norm files under the paths given, less what is excluded."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..core.escape import escaped
from ..model.projects import marked_folder
from .common import UsageError, closest_command

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence



SKIPPED_DIRS = {"node_modules", "__pycache__", "build", "dist", "venv"}


def project_root(start: Path) -> Path:
    """The nearest folder at or above `start` with a `pyproject.toml` or `.git`, else `start`
    (links resolved first)."""
    return marked_folder(start.resolve())


def discover(paths: Sequence[Path], exclude: list[str], base: Path) -> list[Path]:
    """Every `.norm` file under `paths`, as display paths (relative to the working folder when
    inside it), sorted and without duplicates; `exclude` globs match paths relative to `base`
    or bare file names."""
    found: list[Path] = []
    for path in paths:
        try:
            exists, is_dir = path.exists(), path.is_dir()
        except OSError as problem:  # a name too long, a folder that cannot be entered
            raise UsageError(f"cannot read `{path}`: {problem.strerror or problem}") from None
        if not exists:
            command = closest_command(str(path))
            hint = f"; did you mean the command `{command}`?" if command else ""
            raise UsageError(f"path `{path}` does not exist{hint}")
        if is_dir:
            for folder, dirs, files in os.walk(path, onerror=unreadable):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
                found.extend(Path(folder) / f for f in sorted(files) if f.endswith(".norm"))
        else:
            found.append(path)
    roots: dict[Path, Path] = {}
    for path in found:  # confined first: nothing outside the project is looked up
        if not inside_its_project(path, roots):
            raise UsageError(f"`{path}` leads to a file outside its project root (through a "
                             f"link); normcheck reads no file there")
        if not path.exists():  # found in a folder: a link to nothing, or a loop of links
            raise UsageError(f"`{path}` is a broken link: it leads to no file")
    here = Path.cwd().resolve()
    kept = [p for p in found if not (exclude and is_excluded(p, exclude, base))]
    for path in paths:  # a file named on the command line and excluded: said, not silent
        if path in found and path not in kept:
            print(f"normcheck: warning: `{escaped(str(path))}` is not checked: it matches "
                  f"`exclude` of the configuration", file=sys.stderr)
    shown = {shown_path(p, here) for p in kept}
    return [Path(p) for p in sorted(shown)]


def unreadable(problem: OSError) -> None:
    """A folder that cannot be listed is an error, not a folder without `.norm` files."""
    raise UsageError(f"cannot read `{problem.filename}`: {problem.strerror or problem}")


def inside_its_project(path: Path, roots: dict[Path, Path]) -> bool:
    """Whether `path`, links resolved, stays inside the project root of the folder it was
    found in (links not resolved); `roots` remembers each folder's root."""
    from ..model.projects import confined_resolve

    folder = Path(os.path.abspath(path)).parent
    if folder not in roots:
        roots[folder] = marked_folder(folder).resolve()
    try:  # the file's own link is confined before anything it leads to is looked up
        return confined_resolve(folder.resolve() / path.name, roots[folder]) is not None
    except RuntimeError:  # a loop of links: not outside; the caller finds it leads nowhere
        return True


def shown_path(path: Path, here: Path | None = None) -> str:
    # INVARIANT: the same spelling as imports.display_path, so that a file checked as a root
    # and imported by another root yields findings with equal paths (and is deduplicated)
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(here or Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def is_excluded(path: Path, patterns: list[str], base: Path) -> bool:
    import fnmatch

    resolved = path.resolve()
    try:
        relative = resolved.relative_to(base.resolve()).as_posix()
    except ValueError:
        relative = resolved.as_posix()
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(path.name, p) for p in patterns)
