"""`normcheck diff`: what a change to a spec changes in meaning.

`diff OLD NEW` compares two files, or two folders file by file; `diff REV [REV2] [-- PATH ...]`
compares git revision REV of the paths (default: the working folder) with the work tree, or
with revision REV2 (see `diff_sources.py`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_FINDINGS, EXIT_OK, CommandParser, UsageError, write_output
from .one_spec import load_spec, report_malformed, report_undecided
from .run import dedupe

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.findings import Finding
    from ..core.source import SourceFile
    from ..runtime.meaning import StatusChange


def diff_command(argv: list[str]) -> int:
    parser = CommandParser(
        prog="normcheck diff", description="What a change to a spec changes in meaning: per "
        "action, a situation where its status differs. OLD and NEW are two files, two folders "
        "(compared file by file), or git revisions: `normcheck diff main -- examples/` "
        "compares revision main with the work tree.")
    parser.add_argument("old", help="a file, a folder or a git revision")
    parser.add_argument("new", nargs="?", help="a file, a folder or a git revision (after a "
                        "revision, default: the work tree)")
    parser.add_argument("--fail-on-change", action="store_true",
                        help="exit 1 when some action's status changed")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    paths: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, paths = argv[:cut], argv[cut + 1:]
    args = parser.parse_args(argv)
    if paths:  # options may also follow the paths: `diff main -- examples/ --format json`
        flags = CommandParser(prog="normcheck diff", add_help=False)
        flags.add_argument("--fail-on-change", action="store_true", default=args.fail_on_change)
        flags.add_argument("--format", choices=("text", "json"), default=args.format)
        more, paths = flags.parse_known_args(paths)
        args.fail_on_change, args.format = more.fail_on_change, more.format
    import tempfile

    with tempfile.TemporaryDirectory(prefix="normcheck-diff-") as scratch:
        compared = _compared(args.old, args.new, paths, Path(scratch))
        single = len(compared) == 1 and not paths and Path(args.old).is_file()
        return _diff_all(compared, single, args)


def _compared(old: str, new: str | None, paths: list[str], scratch: Path
              ) -> list[tuple[str, Path | None, Path | None]]:
    """The pairs of files to compare (shown name, old, new)."""
    from .diff_sources import is_revision, materialize, pairs, toplevel

    here = Path.cwd()
    if not is_revision(old, here):
        if paths:
            unknown = "" if Path(old).exists() else f"git knows no revision `{old}`; "
            raise UsageError(f"{unknown}paths after `--` go with a git revision: "
                             "`normcheck diff REV [REV2] -- PATH ...`")
        if new is None:
            raise UsageError(f"`{old}` is no git revision, so `diff` needs a second file or "
                             f"folder to compare it with")
        if Path(old).is_dir() or Path(new).is_dir():
            return pairs(Path(old), Path(new))
        return [(new, Path(old), Path(new))]
    top = toplevel(here)
    materialize(old, top, scratch / "old")
    if new is not None:
        if not is_revision(new, here):
            raise UsageError(f"after the revision `{old}`, `{new}` must be a revision too "
                             f"(paths go after `--`)")
        materialize(new, top, scratch / "new")
    out: list[tuple[str, Path | None, Path | None]] = []
    for given in paths or ["."]:
        try:
            inside = (here / given).resolve().relative_to(top)
        except ValueError:
            raise UsageError(f"`{given}` is outside the git work tree") from None
        before = scratch / "old" / inside
        after = scratch / "new" / inside if new is not None else here / given
        if not before.exists() and not after.exists():
            raise UsageError(f"`{given}` exists neither at `{old}` nor in "
                             f"{'`' + new + '`' if new else 'the work tree'}")
        for side in (before, after):
            if not side.exists() and (before.is_dir() or after.is_dir()):
                side.mkdir(parents=True)
        if before.is_dir() or after.is_dir():
            out.extend((Path(given, name).as_posix(), a, b) for name, a, b in pairs(before, after))
        else:
            out.append((Path(given).as_posix(), before if before.exists() else None,
                        after if after.exists() else None))
    return out


def _diff_all(compared: list[tuple[str, Path | None, Path | None]], single: bool,
              args: argparse.Namespace) -> int:
    from ..engine.solver import RunTimeUp, SolverGaveUp
    from ..runtime.meaning import diff_specs

    fmt, fail = args.format, args.fail_on_change
    results: list[tuple[str, str, list[StatusChange]]] = []
    malformed: list[Finding] = []
    files: dict[str, SourceFile] = {}
    for name, old, new in compared:
        if old is None or new is None:
            results.append((name, "added" if old is None else "removed", []))
            continue
        before, old_findings, old_files = load_spec(str(old))
        after, new_findings, new_files = load_spec(str(new))
        if before is None or after is None:
            malformed += old_findings + new_findings
            files.update({**old_files, **new_files})
            continue
        try:
            changes = diff_specs(before, after)
        except ValueError as bad:
            where = "" if single else f" `{name}`"
            raise UsageError(f"cannot compare the two versions{where}: {bad}") from None
        except (SolverGaveUp, RunTimeUp) as gave_up:  # undecided: not "changed", not "unchanged"
            return report_undecided(gave_up, [before.root, after.root],
                                    {**old_files, **new_files}, fmt)
        results.append((name, "changed" if changes else "unchanged", changes))
    if malformed:
        return report_malformed(dedupe(malformed), files, fmt)
    from ..report.diff import render_changes, render_files

    if single:
        write_output(render_changes(results[0][2], fmt))
    else:
        write_output(render_files(results, fmt))
    changed = any(status != "unchanged" for _name, status, _changes in results)
    return EXIT_FINDINGS if changed and fail else EXIT_OK
