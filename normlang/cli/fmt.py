"""`normcheck fmt`: rewrite `.norm` files in the canonical layout (see `syntax/format.py`).

Exit codes: 0 nothing to do or everything written; 1 with `--check`/`--diff` a file would
change, or a file was left alone (it does not parse, or it changed while being formatted);
2 a usage error. stdout holds the diff (`--diff`), the formatted text (`-`) or the files
that would change (`--check`); what was done and syntax errors go to stderr.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..core.escape import escaped
from .common import EXIT_FINDINGS, EXIT_OK, CommandParser, UsageError, write_output

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.findings import Finding
    from ..core.source import SourceFile

_BOM = b"\xef\xbb\xbf"


class _Left(Exception):
    """A file that is left as it is: why, and the findings that say so (if any)."""

    def __init__(self, why: str, findings: list[Finding] | None = None,
                 sources: dict[str, SourceFile] | None = None) -> None:
        super().__init__(why)
        self.findings = findings or []
        self.sources = sources or {}


def fmt_command(argv: list[str]) -> int:
    parser = CommandParser(prog="normcheck fmt", description="Rewrite .norm files in the "
                           "canonical layout, every comment kept in its place.",
                           epilog="exit codes: 0 done (or nothing to change), 1 a file would "
                           "change (--check, --diff) or was left alone, 2 usage error")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="files or folders (searched for *.norm); `-`: standard input to "
                             "standard output")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; list the files that would change, exit 1 if any")
    parser.add_argument("--diff", action="store_true",
                        help="write nothing; print a unified diff of what would change, exit 1 "
                             "if anything would")
    args = parser.parse_args(argv)
    if "-" in args.paths:
        if len(args.paths) > 1:
            raise UsageError("`-` (standard input) is formatted on its own, without other paths")
        return _stdin(args.check, args.diff)
    from .check import read_config
    from .discover import discover

    config = read_config()
    files = discover([Path(p) for p in args.paths], list(config.get("exclude", [])),
                     config.base)
    limit = int(config.get("max-file-bytes", 8 * 1024 * 1024))
    changed = left = 0
    diffs: list[str] = []
    for path in files:
        try:
            result = _format_file(path, limit, write=not (args.check or args.diff))
        except _Left as why:
            left += 1
            _report_left(path, why)
            continue
        if result is None:
            continue
        changed += 1
        if args.diff:
            diffs.append(result)
        elif args.check:
            diffs.append(f"would reformat {path}\n")
        else:
            print(f"normcheck: reformatted {escaped(str(path))}", file=sys.stderr)
    if diffs:
        write_output("".join(diffs))
    _summary(changed, left, len(files), args.check or args.diff)
    if left or (changed and (args.check or args.diff)):
        return EXIT_FINDINGS
    return EXIT_OK


def _summary(changed: int, left: int, total: int, dry: bool) -> None:
    def files(n: int) -> str:
        return f"{n} file{'s' if n != 1 else ''}"

    done = "would be reformatted" if dry else "reformatted"
    parts = [f"{files(changed)} {done}", f"{files(total - changed - left)} left unchanged"]
    if left:
        parts.append(f"{files(left)} could not be formatted")
    print(f"normcheck: {', '.join(parts)}", file=sys.stderr)


def _report_left(path: Path, why: _Left) -> None:
    if why.findings:
        from ..report import Report, render

        text = render(Report(why.findings, why.sources, 1), "text", quiet=True)
        sys.stderr.write(text)
    print(f"normcheck: {escaped(str(path))}: {why}; left as it is", file=sys.stderr)


def _formatted(data: bytes, shown: str) -> bytes:
    """The formatted bytes of a file's bytes (a UTF-8 byte order mark kept), or `_Left`."""
    from ..model.imports import decode
    from ..syntax.format import UnparsableSource, format_source

    source, findings = decode(data, shown)
    if source is None or findings:
        raise _Left("it is not UTF-8 text", findings,
                    {source.path: source} if source is not None else {})
    try:
        text = format_source(source.text, shown)
    except UnparsableSource as problem:
        raise _Left("it does not parse", problem.findings, {source.path: source}) from None
    return (_BOM if data.startswith(_BOM) else b"") + text.encode("utf-8")


def _format_file(path: Path, limit: int, write: bool) -> str | None:
    """Format one file: None if it is formatted already, else the unified diff of the
    change (written, atomically, when `write`)."""
    shown = str(path)
    target = Path(os.path.realpath(path))  # a link: its file is rewritten, the link kept
    try:
        info = target.stat()
        if info.st_size > limit:
            raise _Left(f"it is {info.st_size} bytes, over the limit of {limit} "
                        "(`max-file-bytes`)")
        data = target.read_bytes()
    except OSError as problem:
        raise _Left(f"cannot read it: {problem.strerror or problem}") from None
    new = _formatted(data, shown)
    if new == data:
        return None
    if write:
        _replace(target, data, new, info.st_mode)
    return _diff(data, new, shown)


def _replace(target: Path, old: bytes, new: bytes, mode: int) -> None:
    """Write `new` over `target` through a temporary file in its folder, with its mode,
    unless the file no longer holds `old` (someone changed it meanwhile)."""
    import stat
    import tempfile

    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".tmp")
    except OSError as problem:
        raise _Left(f"cannot write beside it: {problem.strerror or problem}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(new)
        os.chmod(temporary, stat.S_IMODE(mode))
        if target.read_bytes() != old:
            raise _Left("it changed while being formatted")
        os.replace(temporary, target)
    except OSError as problem:
        os.unlink(temporary)
        raise _Left(f"cannot write it: {problem.strerror or problem}") from None
    except BaseException:
        os.unlink(temporary)
        raise


def _diff(old: bytes, new: bytes, shown: str) -> str:
    import difflib

    before = old.decode("utf-8", errors="replace").splitlines(keepends=True)
    after = new.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, f"{shown} (original)", f"{shown} (formatted)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def _stdin(check: bool, diff: bool) -> int:
    try:
        data = sys.stdin.buffer.read()
    except OSError as problem:
        raise UsageError(f"cannot read standard input: {problem.strerror or problem}") from None
    try:
        new = _formatted(data, "<stdin>")
    except _Left as why:
        _report_left(Path("<stdin>"), why)
        return EXIT_FINDINGS
    if diff:
        write_output(_diff(data, new, "<stdin>") if new != data else "")
    elif check:
        write_output("would reformat <stdin>\n" if new != data else "")
    else:
        write_output(new.decode("utf-8"))
    return EXIT_FINDINGS if (check or diff) and new != data else EXIT_OK
