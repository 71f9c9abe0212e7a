"""Checking root files: from the cache, here, or in worker processes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from .discover import project_root
from .process import HEAVY_MODULES, exit_on_interrupt, keep_freed_memory, worker_imports
from .progress import Progress

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ..core.findings import Finding
    from ..core.options import CheckOptions
    from ..core.source import SourceFile
    from ..model.loader import Loader
    from .cache import Cache

    #: one checked root: its findings and the sources they point into
    Outcome = tuple[list[Finding], dict[str, SourceFile]]


#: results that depend on more than the bytes of the files read: never cached
UNCACHEABLE_KINDS = frozenset({"import-error", "solver-unknown"})


def fingerprint(options: CheckOptions) -> str:
    """The options that can change a verdict, as part of every cache key."""
    return (f"timeout={options.timeout_ms};run={options.run_timeout_s};mem={options.memory_mb};"
            f"max={options.max_file_bytes};nest={options.max_nesting};"
            f"conflicts={options.max_conflicts}"
            + (f";occurrences={options.max_occurrences}" if options.max_occurrences != 2 else "")
            + (f";depth={options.max_depth}" if options.max_depth != 4 else ""))


def run(roots: list[Path], options: CheckOptions, cache: Cache | None, jobs: int,
        check: Callable[[list[Path], CheckOptions, int], list[Outcome]] | None = None,
        ) -> tuple[list[Finding], dict[str, SourceFile], bool]:
    """Check every root (from the cache where valid): deduplicated, sorted findings, the
    sources they point into, and whether every root's result is (or could be) cached.
    `check` checks the roots the cache does not answer (default: `check_all`, here)."""
    findings: list[Finding] = []
    sources: dict[str, SourceFile] = {}
    cacheable = True
    todo: list[tuple[Path, str | None]] = []
    every: list[Outcome] = []
    for root in roots:
        key = cache.key(root, fingerprint(options)) if cache else None
        hit = cache.get(key) if cache and key else None
        if hit is not None:
            findings.extend(hit[0])
            sources.update(hit[1])
            every.append(hit)
        else:
            todo.append((root, key))
    outcomes = (check or check_all)([root for root, _ in todo], options, jobs) if todo else []
    for (_root, key), (found, files) in zip(todo, outcomes):
        findings.extend(found)
        sources.update(files)
        every.append((found, files))
        if key is None or not _cacheable(found, files):
            cacheable = False
        elif cache is not None:
            cache.put(key, found, files)
    return unused_in_every_root(dedupe(findings), every, roots), sources, cacheable


def unused_in_every_root(findings: list[Finding], outcomes: list[Outcome],
                         roots: list[Path]) -> list[Finding]:
    """The `unused-declaration` findings of the run's roots that every root reading the file
    reports: a declaration that some root of the run reads is used. One in a file that is no
    root of the run is not reported (its importers outside the run may read it)."""
    def same(finding: Finding) -> tuple[str, int, int, str]:
        return (finding.span.path, finding.span.start, finding.span.end, finding.message)

    if not any(f.kind == "unused-declaration" for f in findings):
        return findings
    names = {str(root) for root in roots}
    reported: list[tuple[set[str], set[tuple[str, int, int, str]]]] = [
        (set(files), {same(f) for f in found if f.kind == "unused-declaration"})
        for found, files in outcomes]
    return [f for f in findings if f.kind != "unused-declaration" or (
        f.span.path in names and all(same(f) in unused for files, unused in reported
                                     if f.span.path in files))]


def _cacheable(found: list[Finding], files: dict[str, SourceFile]) -> bool:
    # an entry is only as valid as its list of files: a finding in a file that could not
    # be read (so is not listed) must be recomputed once that file changes
    return all(f.kind not in UNCACHEABLE_KINDS and f.span.path in files for f in found)


def check_all(roots: list[Path], options: CheckOptions, jobs: int) -> list[Outcome]:
    from dataclasses import replace

    progress = Progress(len(roots))
    exit_on_interrupt()
    keep_freed_memory()
    try:
        if jobs > 1 and len(roots) > 1:
            # one root per process; inside a root, its groups are checked one after another
            return check_parallel(roots, replace(options, jobs=1), jobs, progress)
        from ..model.loader import Loader

        # one root at a time; its groups are checked in `jobs` processes
        options = replace(options, jobs=jobs)
        loader = Loader(options)
        outcomes = []
        for root in roots:
            progress.start(str(root))
            outcomes.append(check_root(loader, root, options, progress.groups))
        return outcomes
    finally:
        progress.done()


def check_parallel(roots: list[Path], options: CheckOptions, jobs: int,
                   progress: Progress) -> list[Outcome]:
    from .. import checks  # noqa: F401 - loaded once here rather than in each process
    from ..core.parallel import Died, map_items
    from ..core.source import SourceFile
    from ..report.json import finding_from_record
    from ..syntax import parser  # noqa: F401 - as `checks`: once here, not in each process
    from ..syntax.lalr import tables

    tables()
    order = sorted(range(len(roots)), key=lambda i: -_weight(roots[i], options.max_file_bytes))
    results = map_items(check_root_as_data, [(roots[i], options) for i in order], jobs,
                        done=lambda position: progress.start(str(roots[order[position]])))
    outcomes: dict[int, Outcome] = {}
    for position, result in enumerate(results):
        root = roots[order[position]]
        if isinstance(result, Died):  # e.g. a worker killed by the OS
            outcomes[order[position]] = ([crashed(root, WorkerDied(result.reason))], {})
            continue
        records, texts, heavy = result
        worker_imports.update(heavy)
        outcomes[order[position]] = ([finding_from_record(r) for r in records],
                                     {path: SourceFile(path, text) for path, text in texts})
    return [outcomes[index] for index in range(len(roots))]


#: the worker's loader, kept across the roots it checks, so that files imported by several
#: of them parse once per worker
_worker_loader: tuple[CheckOptions, Loader] | None = None


def check_root_as_data(job: tuple[Path, CheckOptions]
                       ) -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[str]]:
    """`check_root` in a worker: its findings and sources as plain data (no pickling of spans
    or fractions to go wrong), and the heavy modules the worker had imported."""
    global _worker_loader
    root, options = job
    from ..model.loader import Loader
    from ..report.json import finding_to_record

    if _worker_loader is None or _worker_loader[0] != options:
        _worker_loader = (options, Loader(options))
    found, files = check_root(_worker_loader[1], root, options, None)
    heavy = [name for name in HEAVY_MODULES if name in sys.modules]
    return ([finding_to_record(f) for f in found],
            [(path, source.text) for path, source in files.items()], heavy)


class WorkerDied(Exception):
    """The process checking a root ended before sending its findings."""


def _weight(root: Path, max_bytes: int) -> int:
    """The bytes of `root` and of the files it imports: roughly what checking it costs.
    Workers take the heaviest roots first, so that the last ones to finish are light.

    Only what the check itself would read counts (regular files inside the project root,
    within the size limit): anything else weighs nothing here, and the check reports it.
    """
    import re
    import stat

    from ..model.projects import inside

    import_line = re.compile(rb'^[ \t]*import[ \t]+"([^"\n]*)"', re.MULTILINE)
    try:
        start = root.resolve()
    except (OSError, RuntimeError):
        return 0
    top = project_root(start)
    total, seen, todo = 0, set(), [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            info = path.stat()
            if not (inside(path, top) and stat.S_ISREG(info.st_mode) and info.st_size <= max_bytes):
                continue
            data = path.read_bytes()
            todo.extend((path.parent / name.decode("utf-8", "replace")).resolve()
                        for name in import_line.findall(data))
        except (OSError, RuntimeError, ValueError):  # ValueError: a NUL in an import's path
            continue
        total += len(data)
    return total


def check_root(loader: Loader, root: Path, options: CheckOptions,
               progress: Callable[[str, int, int], None] | None) -> Outcome:
    """Load `root` with its imports through `loader` and run every check on it."""
    from ..api import check

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))
    try:
        # suppressions apply to the whole run's findings (check.py), not to one root's
        result = check(loader.load(root), options=options, progress=progress, suppress=False)
    except Exception as crash:
        return [crashed(root, crash)], {}
    finally:
        sys.setrecursionlimit(limit)
    return result.findings, result.files


def crashed(root: Path, crash: BaseException) -> Finding:
    """A bug in normcheck while checking `root`, as an error finding (never a pass, never a
    traceback); `NORMCHECK_DEBUG=1` also prints the traceback on stderr."""
    from ..core.findings import Finding
    from ..core.source import Span

    if os.environ.get("NORMCHECK_DEBUG"):
        import traceback

        traceback.print_exception(crash, file=sys.stderr)
    if "out of memory" in str(crash):  # z3's `memory-mb` limit, not a bug
        return Finding("solver-unknown", "could not check this file: z3 reached its memory "
                       "limit (`memory-mb`)", Span(str(root), 0, 0, 1, 1, 1, 1),
                       help=("raise `memory-mb` in [tool.normcheck], or split the spec",
                             "the file's properties were not decided"), root=str(root))
    if type(crash).__name__ in ("BrokenProcessPool", "WorkerDied"):  # killed, not a bug here
        return Finding("solver-unknown", f"could not check this file: a worker process ended "
                       f"early ({crash or 'killed'})"[:300], Span(str(root), 0, 0, 1, 1, 1, 1),
                       help=("the system may have run out of memory: set `memory-mb`, lower "
                             "`--jobs`, or split the spec", "the file's properties were not decided"),
                       root=str(root))
    return Finding("solver-unknown", f"internal error while checking this file: "
                   f"{type(crash).__name__}: {crash}"[:300], Span(str(root), 0, 0, 1, 1, 1, 1),
                   help=("this is a bug in normcheck: please report it with this file",
                         "the file's properties were not decided"), root=str(root))


def dedupe(findings: list[Finding]) -> list[Finding]:
    """One copy of each finding (by kind, span and message), sorted by file, position, kind.

    A finding in a file that several roots import names one root: the file itself when it
    is a root, else the first root by name. A `solver-unknown` says what one root's check
    could not decide, so those of different roots stay apart."""
    from ..core.findings import Finding

    seen: dict[tuple[str, str, int, int, str, str | None], Finding] = {}
    for finding in findings:
        key = (finding.kind, finding.span.path, finding.span.start, finding.span.end,
               finding.message, finding.root if finding.kind == "solver-unknown" else None)
        kept = seen.get(key)
        if kept is None or _root_rank(finding) < _root_rank(kept):
            seen[key] = finding
    return sorted(seen.values(), key=Finding.sort_key)


def _root_rank(finding: Finding) -> tuple[bool, str]:
    return (finding.root != finding.span.path, finding.root or "")
