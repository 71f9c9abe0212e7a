"""Spans as the protocol counts positions: UTF-16 units by default, code points or bytes when
agreed."""

from __future__ import annotations

import pytest

from normlang.core.source import SourceFile
from normlang.lsp.positions import Point, code_points, extent, offset_at, point, units

TEXT = 'norm n "Grundsätze 😀" when a\n  bot must talk\n'


@pytest.mark.parametrize("encoding, expected", [("utf-16", 2), ("utf-32", 1), ("utf-8", 4)])
def test_a_character_outside_the_basic_plane_counts_as_the_encoding_says(
        encoding: str, expected: int) -> None:
    assert units("😀", encoding) == expected


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8"])
def test_offsets_and_positions_round_trip(encoding: str) -> None:
    source = SourceFile("x.norm", TEXT)
    for offset in range(len(TEXT)):
        line, col = source.position(offset)
        assert offset_at(source, point(source, line, col, encoding), encoding) == offset


def test_a_span_after_wide_characters_moves_right_in_utf16() -> None:
    source = SourceFile("x.norm", TEXT)
    start = TEXT.index("when")
    where = extent(source, source.span(start, start + 4), "utf-16")
    assert where.start == Point(0, start + 1)  # 😀 is two UTF-16 units, one code point
    assert where.end == Point(0, start + 5)
    assert extent(source, source.span(start, start + 4), "utf-32").start == Point(0, start)


def test_a_position_inside_a_character_counts_as_before_it() -> None:
    line = "a😀b"
    assert code_points(line, 2, "utf-16") == 1  # between the two halves of 😀
    assert code_points(line, 3, "utf-16") == 2
    assert code_points(line, 99, "utf-16") == 3
