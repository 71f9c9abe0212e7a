"""Where things are, as an editor counts: paths from URIs, and LSP positions from spans.

normlang counts columns in code points, 1-based; the Language Server Protocol counts
characters from 0 in the position encoding the client and server agreed on (UTF-16 unless
both say otherwise). Lines are the same in both: the loader reads `\\r\\n` and a lone `\\r`
as one newline, as editors do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from ..core.source import SourceFile, Span

#: the position encodings this server can count in, in the protocol's names
ENCODINGS = ("utf-16", "utf-32", "utf-8")


def path_of_uri(uri: str) -> Path | None:
    """The file a `file:` URI names, resolved; None for any other scheme (an untitled buffer)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path)).resolve()


def uri_of_path(path: Path) -> str:
    return "file://" + quote(str(path.resolve()))


def file_of_span(span_path: str) -> Path:
    """The file a span's path names (the loader shows imports relative to the working
    directory)."""
    return Path(span_path).resolve()


def units(text: str, encoding: str) -> int:
    """How many characters `text` counts as in `encoding`."""
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", errors="surrogatepass"))
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def code_points(line: str, count: int, encoding: str) -> int:
    """How many code points of `line` the first `count` characters of `encoding` cover
    (a position inside a character counts as before it)."""
    if encoding == "utf-32":
        return max(0, min(count, len(line)))
    seen = 0
    for index, char in enumerate(line):
        seen += units(char, encoding)
        if seen > count:
            return index
    return len(line)


@dataclass(frozen=True)
class Point:
    """A 0-based line and character, counted in the agreed encoding."""

    line: int
    character: int


@dataclass(frozen=True)
class Extent:
    start: Point
    end: Point


def point(source: SourceFile, line: int, col: int, encoding: str) -> Point:
    """The LSP position of normlang's (1-based line, 1-based code-point column)."""
    text = source.line_text(line)
    return Point(line - 1, units(text[:col - 1], encoding))


def extent(source: SourceFile, span: Span, encoding: str) -> Extent:
    return Extent(point(source, span.line, span.col, encoding),
                  point(source, span.end_line, span.end_col, encoding))


def offset_at(source: SourceFile, at: Point, encoding: str) -> int:
    """The character offset into `source.text` of an LSP position."""
    line = max(0, min(at.line, source.line_count - 1))
    text = source.line_text(line + 1)
    return _line_start(source, line + 1) + code_points(text, at.character, encoding)


def _line_start(source: SourceFile, line: int) -> int:
    """The offset at which a 1-based line starts."""
    low, high = 0, len(source.text)
    # `SourceFile.position` is monotonic in the offset: a binary search finds the line start
    while low < high:
        middle = (low + high) // 2
        if source.position(middle)[0] < line:
            low = middle + 1
        else:
            high = middle
    return low
