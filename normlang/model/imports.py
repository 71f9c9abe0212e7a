"""Reading `.norm` files safely and following their imports.

Imports are relative to the importing file and confined to the project root
(the root file's nearest ancestor holding `pyproject.toml` or `.git`, else its
own folder), with symlinks resolved. Nothing of a file outside the root is
ever read or echoed. Each file is read and parsed once per `Loader`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..core.disk import disk
from ..core.escape import escaped
from ..core.findings import Finding, Label
from ..core.newlines import universal_newlines
from ..core.source import SourceFile, Span
from ..syntax import ast
from .projects import confined_resolve, inside


def display_path(path: Path) -> str:
    """`path` relative to the working directory when inside it, else absolute."""
    try:
        files = disk()
        return str(path.relative_to(files.resolve(files.cwd())))
    except ValueError:
        return str(path)


@dataclass
class ParsedFile:
    """One file: its source (None if unreadable), its AST, and what went wrong reading it."""

    path: Path
    source: SourceFile | None
    file: ast.File | None
    findings: list[Finding] = field(default_factory=list)


def printable(text: str) -> str:
    """`text` as quoted in a message: `core.escape.escaped`, the one escaping of what is
    printed (the renderers escape whole messages again; escaping is idempotent on its output)."""
    return escaped(text)


def error(kind: str, message: str, span: Span, *help_lines: str,
          labels: tuple[Label, ...] = ()) -> Finding:
    return Finding(kind, message, span, (Label(span, primary=True), *labels),
                   help=help_lines)


def read_source(path: Path, shown: str, max_bytes: int,
                at: Span | None = None) -> tuple[SourceFile | None, list[Finding]]:
    """Read a file as UTF-8 text, refusing folders, devices, FIFOs, binaries and huge files.

    `at` is where the file was imported from (the place to report problems).
    """
    where = at or Span(shown, 0, 0, 1, 1, 1, 1)
    named = printable(shown)
    kind = "import-error" if at is not None else "syntax-error"
    try:
        info = disk().stat(path)
    except FileNotFoundError:
        return None, [error("import-error", f"file `{named}` does not exist", where)]
    except OSError as problem:
        return None, [error("import-error", f"cannot read `{named}`: {problem.strerror}", where)]
    if stat.S_ISDIR(info.st_mode):
        return None, [error("import-error", f"`{named}` is a folder, not a file", where)]
    if not stat.S_ISREG(info.st_mode):
        return None, [error("import-error", f"`{named}` is not a regular file", where,
                            "devices, FIFOs and sockets are never read")]
    if info.st_size > max_bytes:
        return None, [error(kind, f"`{named}` is {info.st_size} bytes, over the limit of "
                                  f"{max_bytes}", where, "raise `max-file-bytes` if this is intended")]
    try:
        data = disk().read(path)
    except OSError as problem:
        return None, [error("import-error", f"cannot read `{named}`: {problem.strerror}", where)]
    return decode(data, shown)


def decode(data: bytes, shown: str) -> tuple[SourceFile | None, list[Finding]]:
    """Bytes -> text, or a syntax error located at the first bad byte.

    A bad file still yields a `SourceFile` of its readable start (NULs blanked), so that
    reporters can show where the problem is.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    readable = data if nul < 0 else data[:nul]
    try:
        text = universal_newlines(readable.decode("utf-8"))
    except UnicodeDecodeError as bad:
        good = universal_newlines(readable[:bad.start].decode("utf-8"))
        source = SourceFile(shown, good)
        span = source.span(len(good), len(good))
        return source, [error("syntax-error", "the file is not UTF-8 text", span,
                              f"byte {bad.start} cannot be decoded; .norm files are UTF-8")]
    if nul >= 0:
        source = SourceFile(shown, text)
        return source, [error("syntax-error", "the file is binary (it holds a NUL byte)",
                              source.span(len(text), len(text)))]
    return SourceFile(shown, text), []


def import_target(importer_dir: Path, written: str, root_dir: Path, suffix: str,
                  what: str = "import") -> Path | tuple[str, str]:
    """The file an import names, links resolved, or (message, help) saying why it is refused.

    The written path is confined lexically first, so that a path outside the root (`/net/host`,
    `//host/share`, `../../x`) is refused before anything of it is looked up on disk; then
    links are resolved and the file reached must be inside the root too, and be a `suffix`
    file (a folder is left to the reader, which says so): an import never reads `.env` or
    `.git/config`, whose first line a syntax error would show.
    """
    named = printable(written)
    leaves = (f"{what} `{named}` leaves the project root",
              "imports must stay inside the project root: the nearest folder above the checked "
              "file holding `pyproject.toml` or `.git` (symlinks are resolved)")
    try:
        lexical = Path(os.path.normpath(importer_dir / written))
    except ValueError:  # a NUL in the path
        return f"cannot resolve {what} `{named}`", ""
    if not inside(lexical, root_dir):
        return leaves
    try:
        resolved = confined_resolve(importer_dir / written, root_dir)
    except (OSError, RuntimeError, ValueError):  # ValueError: a NUL in the path
        return f"cannot resolve {what} `{named}`", ""
    if resolved is None or not inside(resolved, root_dir):
        return leaves
    if resolved.suffix != suffix and not disk().is_dir(resolved):
        return (f"{what} `{named}` is not a `{suffix}` file",
                f"`import{' values' if suffix == '.json' else ''}` reads only `{suffix}` files")
    return resolved


def through_link(written: Path) -> bool:
    """Whether the path of an import, as written, passes through a symbolic link (then the
    result cache lists it beside the file it reaches)."""
    try:
        files = disk()
        return any(files.is_symlink(part) for part in (written, *written.parents))
    except (OSError, ValueError):
        return True
