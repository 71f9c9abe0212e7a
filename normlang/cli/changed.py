"""Which files a run on a change checks: the changed files and every file that imports them.

`--importers` (the pre-commit hook) takes the changed files from the command line;
`--changed-since REV` (CI) asks git which `.norm` files differ from REV; `--importers` adds
the files that the commit deletes (which pre-commit does not pass). Either way the
run checks them plus the reverse import closure: every `.norm` file of the project that
imports one of them, directly or through others, so a change to an imported file re-checks
its importers. In a git repository only files that git tracks are searched for importers:
an untracked draft is checked only when it is named.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from .common import UsageError
from .git import GitResult, run_git

#: `import "PATH"` anywhere in a file (not `import values`). Read without parsing, so it can
#: also match inside a comment: that only adds a file to check, it never misses an importer.
_IMPORT = re.compile(r'\bimport\s+("(?:[^"\\\n]|\\.)*")')


def imported_paths(path: Path) -> list[Path]:
    """The files `path` imports (as resolved paths), read from its text without parsing."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out = []
    for match in _IMPORT.finditer(text):
        try:
            out.append((path.parent / _unquoted(match.group(1))).resolve())
        except (OSError, RuntimeError, ValueError):
            continue
    return out


def _unquoted(literal: str) -> str:
    import ast

    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        return literal[1:-1]
    return value if isinstance(value, str) else literal[1:-1]


def with_importers(changed: Iterable[Path], candidates: Iterable[Path]) -> list[Path]:
    """`changed` (existing files; deleted ones only lead to their importers) and every file of
    `candidates` that imports one of them, transitively; sorted, without duplicates."""
    importers: dict[Path, set[Path]] = {}
    shown: dict[Path, Path] = {}
    for candidate in candidates:
        resolved = candidate.resolve()
        shown.setdefault(resolved, candidate)
        for target in imported_paths(candidate):
            importers.setdefault(target, set()).add(resolved)
    out: set[Path] = set()
    pending = [Path(os.path.abspath(p)).resolve() for p in changed]
    for path in pending:
        shown.setdefault(path, path)
    seen: set[Path] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.is_file():
            out.add(path)
        pending.extend(importers.get(path, ()))
    here = Path.cwd().resolve()
    return sorted({Path(_display(shown[p], here)) for p in out})


def _display(path: Path, here: Path) -> str:
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(here))
    except ValueError:
        return str(resolved)


def _git(args: list[str], cwd: Path) -> GitResult | None:
    return run_git(args, cwd, timeout=120)


def git_toplevel(folder: Path) -> Path | None:
    """The work tree `folder` is in, or None outside git (or without git)."""
    done = _git(["rev-parse", "--show-toplevel"], folder)
    if done is None or done.returncode != 0:
        return None
    return Path(os.fsdecode(done.stdout.strip())).resolve()


def tracked(toplevel: Path) -> set[Path]:
    """The `.norm` files git tracks (in its index) in the work tree `toplevel`."""
    done = _git(["ls-files", "-z", "--cached", "--", "*.norm"], toplevel)
    if done is None or done.returncode != 0:
        raise UsageError("cannot list the files git tracks: "
                         + (os.fsdecode(done.stderr).strip() if done else "git did not run"))
    return {(toplevel / os.fsdecode(name)).resolve() for name in done.stdout.split(b"\0") if name}


def changed_since(revision: str, toplevel: Path) -> list[Path]:
    """The `.norm` files whose content differs between `revision` and the work tree (added,
    changed or deleted; a rename counts as both), as paths in `toplevel`."""
    if revision.startswith("-"):
        raise UsageError(f"--changed-since: `{revision}` is not a revision")
    known = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], toplevel)
    if known is None or known.returncode != 0:
        raise UsageError(f"--changed-since: git knows no revision `{revision}`")
    done = _git(["diff", "--name-only", "-z", "--no-renames", revision, "--", "*.norm"], toplevel)
    if done is None or done.returncode != 0:
        raise UsageError("--changed-since: git diff failed: "
                         + (os.fsdecode(done.stderr).strip() if done else "git did not run"))
    return [toplevel / os.fsdecode(name) for name in done.stdout.split(b"\0") if name]


def staged_deletions(toplevel: Path) -> list[Path]:
    """The `.norm` files the index deletes from HEAD (`git rm`, the old name of a `git mv`):
    pre-commit passes only the files a commit keeps, yet their importers must be re-checked.
    Nothing before the first commit: there is no HEAD to delete from."""
    done = _git(["diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=D",
                 "HEAD", "--", "*.norm"], toplevel)
    if done is None or done.returncode != 0:
        return []
    return [toplevel / os.fsdecode(name) for name in done.stdout.split(b"\0") if name]


def change_roots(given: list[Path], revision: str | None, project: list[Path]) -> list[Path]:
    """The roots of a run on a change: `given` files (`--importers`) or those changed since
    `revision`, plus their importers among `project` (the discovered files; in git, the
    tracked ones only)."""
    toplevel = git_toplevel(Path.cwd())
    if revision is not None:
        if toplevel is None:
            raise UsageError("--changed-since needs a git work tree")
        listed = {p.resolve() for p in project}
        changed = [p for p in changed_since(revision, toplevel)
                   if not p.exists() or p.resolve() in listed]  # excluded ones stay unchecked
    else:
        changed = given + (staged_deletions(toplevel) if toplevel is not None else [])
    candidates = project
    if toplevel is not None:
        kept = tracked(toplevel)
        candidates = [p for p in project if p.resolve() in kept]
    return with_importers(changed, candidates)


__all__ = ["change_roots", "changed_since", "git_toplevel", "imported_paths", "staged_deletions",
           "tracked", "with_importers"]
