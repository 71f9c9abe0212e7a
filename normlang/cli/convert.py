"""`normcheck convert FILE.sleec [-o OUT.norm] [--force]`: a SLEEC file as `.norm` text.

The file is read as `normcheck FILE.sleec` reads it (docs/sleec.md) and printed by the AST
printer, so the `.norm` it writes parses to the same AST. Output goes to stdout unless
`-o` names a file; an existing file is never replaced unless `--force` says so.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .common import EXIT_OK, CommandParser, UsageError, write_output
from .one_spec import report_malformed

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.findings import Finding
    from ..core.source import SourceFile


def convert_command(argv: list[str]) -> int:
    parser = CommandParser(prog="normcheck convert",
                           description="Write a SLEEC file (.sleec) as an equivalent .norm file.")
    parser.add_argument("file", help="the .sleec file to read")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="write to OUT (a .norm file) instead of stdout")
    parser.add_argument("--force", action="store_true",
                        help="replace OUT if it exists")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="how problems with the input are reported")
    parser.add_argument("--timed", action="store_true",
                        help="read even a file without time with its time (`on E` norms, "
                             "events, varying facts), not at one instant")
    args = parser.parse_args(argv)
    source_path = Path(args.file)
    if source_path.suffix != ".sleec":
        raise UsageError(f"`{args.file}` is not a `.sleec` file: `convert` reads SLEEC rules "
                         f"(a `.norm` file needs no converting)")
    if not source_path.is_file():
        raise UsageError(f"path `{args.file}` does not exist or is not a file")
    if args.output is not None:
        _check_writable(Path(args.output), args.force, source_path)
    text, findings, files = _converted(source_path, args.file, args.timed)
    if text is None:
        return report_malformed(findings, files, args.format)
    if args.output is None:
        write_output(text)
    else:
        _write(Path(args.output), text, args.force)
    return EXIT_OK


def _converted(path: Path, shown: str, timed: bool) -> tuple[
        str | None, list[Finding], dict[str, SourceFile]]:
    """The `.norm` text of a SLEEC file, or None with the findings that refuse it."""
    from ..core.options import CheckOptions
    from ..model.imports import read_source
    from ..syntax.printer import file_text
    from ..syntax.sleec import read_sleec

    options = CheckOptions()
    source, findings = read_source(path, shown, options.max_file_bytes)
    files = {source.path: source} if source is not None else {}
    if source is None or findings:
        return None, findings, files
    file, findings = read_sleec(source, options.max_nesting, timed)
    if file is None:
        return None, findings, files
    header = f"# converted from {path.name} by `normcheck convert` (see docs/sleec.md)\n\n"
    return header + file_text(file), [], files


def _check_writable(target: Path, force: bool, source: Path) -> None:
    """Refuse, before any work, to replace what the user has (or to write over the input)."""
    if target.exists() and target.resolve() == source.resolve():
        raise UsageError(f"`{target}` is the input file: write the `.norm` text elsewhere")
    if target.is_dir():
        raise UsageError(f"`{target}` is a folder: name the `.norm` file to write")
    if target.exists() and not force:
        raise UsageError(f"`{target}` exists: pass `--force` to replace it")


def _write(target: Path, text: str, force: bool) -> None:
    """Write `text` to `target` whole or not at all (a temporary file beside it, then a
    rename); without `force`, a file that appeared meanwhile is still not replaced."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.",
                                             suffix=".tmp")
    except OSError as problem:
        raise UsageError(f"cannot write `{target}`: {problem.strerror or problem}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # as a file the user made (mkstemp's is 0600)
        if force:
            os.replace(temporary, target)
        else:
            os.link(temporary, target)  # fails if `target` exists: nothing is replaced
    except FileExistsError:
        raise UsageError(f"`{target}` exists: pass `--force` to replace it") from None
    except OSError as problem:
        raise UsageError(f"cannot write `{target}`: {problem.strerror or problem}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
