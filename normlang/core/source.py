"""Source files and spans: where every construct of a spec came from."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields


@dataclass(frozen=True, slots=True)
class Span:
    """A range of a source file. Lines and columns are 1-based; `end_col` is exclusive."""

    path: str
    start: int
    end: int
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


def _span_maker() -> Callable[[str, int, int, int, int, int, int], Span]:
    """`Span(...)` at half the cost, for `SourceFile.span` (a book makes millions of spans).

    A frozen dataclass's `__init__` sets each field through `object.__setattr__`; this
    sets the slots through their descriptors. The result is an ordinary `Span`.
    """
    new = object.__new__
    setters = [Span.__dict__[f.name].__set__ for f in fields(Span)]
    # INVARIANT: the fields of Span, in order (checked here, once)
    assert [f.name for f in fields(Span)] == [
        "path", "start", "end", "line", "col", "end_line", "end_col"]
    set_path, set_start, set_end, set_line, set_col, set_end_line, set_end_col = setters

    def make(path: str, start: int, end: int, line: int, col: int, end_line: int,
             end_col: int) -> Span:
        span = new(Span)
        set_path(span, path)
        set_start(span, start)
        set_end(span, end)
        set_line(span, line)
        set_col(span, col)
        set_end_line(span, end_line)
        set_end_col(span, end_col)
        return span

    return make


_new_span = _span_maker()

#: `_LINE_NUMBERS[n] == n`, one int object per line number for all spans to share (a book
#: has millions of spans; ints above 256 are otherwise allocated anew each time).
#: INVARIANT: as long as the longest file made into a `SourceFile`
_LINE_NUMBERS: list[int] = [0]
_LINE_NUMBERS_GROW = threading.Lock()


@dataclass(frozen=True)
class SourceFile:
    """The text of one `.norm` file, with the path under which it is displayed."""

    path: str
    text: str
    _line_starts: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        at = find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = find("\n", at + 1)
        object.__setattr__(self, "_line_starts", tuple(starts))
        if len(_LINE_NUMBERS) <= len(starts):
            with _LINE_NUMBERS_GROW:
                _LINE_NUMBERS.extend(range(len(_LINE_NUMBERS), len(starts) + 1))

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line_index = bisect.bisect_right(self._line_starts, offset) - 1
        return line_index + 1, offset - self._line_starts[line_index] + 1

    def span(self, start: int, end: int) -> Span:
        """The span from offset `start` to offset `end` (exclusive)."""
        # `position` twice, inlined: spans are made for nearly every AST node
        starts, size = self._line_starts, len(self.text)
        first = start if 0 <= start <= size else max(0, min(start, size))
        line = bisect.bisect_right(starts, first)
        last = end if 0 <= end <= size else max(0, min(end, size))
        end_line = line if last == first else bisect.bisect_right(starts, last, line - 1 if last > first else 0)
        return _new_span(self.path, start, end, _LINE_NUMBERS[line], first - starts[line - 1] + 1,
                         _LINE_NUMBERS[end_line], last - starts[end_line - 1] + 1)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line ending."""
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    @property
    def line_count(self) -> int:
        return len(self._line_starts)
