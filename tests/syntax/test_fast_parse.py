"""The AST built while parsing (`parser.parse_ast`) is the AST of lark's tree (`lower.lower`).

Same nodes, same spans, same lowering problems; and the fast path gives up
(returns None) exactly when lark's parse fails or its tree nests too deep.
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
from typing import Any

import pytest
from ast_strategies import exprs, files, small_specs
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import CORPUS, KEYWORD_BITS, mutate, mutations

from normlang.core.source import SourceFile, Span
from normlang.syntax import ast
from normlang.syntax.limits import nesting_problem
from normlang.syntax.lower import lower
from normlang.syntax.parser import parse, parse_ast
from normlang.syntax.printer import expr_text, file_text


def exact(value: Any) -> Any:
    """`value` with every field, spans included (AST equality leaves spans out)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                *((f.name, exact(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, (tuple, list)):
        return tuple(exact(item) for item in value)
    return value


def assert_same(text: str, max_depth: int = 200) -> None:
    source = SourceFile("t.norm", text)
    fast = parse_ast(source, max_depth)
    parsed = parse(source)
    if parsed.tree is None:
        assert fast is None, "the fast path accepted what lark rejects"
        return
    if nesting_problem(parsed.tree, source, max_depth) is not None:
        assert fast is None, "the fast path missed a tree that nests too deep"
        return
    assert fast is not None, "the fast path rejected what lark accepts"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 8000))
    try:
        slow = lower(parsed.tree, source)
    finally:
        sys.setrecursionlimit(limit)
    assert exact(fast[0]) == exact(slow[0])
    assert [(f.message, f.span) for f in fast[1]] == [(f.message, f.span) for f in slow[1]]


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_files(path: Any) -> None:
    assert_same(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", [
    "", "# only a comment\n", "agent a", "assume (((p)))", "assume (p) and (q or r)",
    "assume not (p)", "assume - (x) < (3)", "norm n a must (x and y)",
    "norm n @l \"s\" serves v, w overrides m (when p), k when (p) unless q agent must not x",
    "define d = (x + 2) * 3 >= -(y)", "scenario s given p, x = 3\nexpect obliged a.b\n",
    "expect (p)\n", "norm n when p when q a may x", 'import values "g.json" { "c" = (p), }',
    "enum E { a < b < c }", "enum E { a, b, }", "fact x: int in -3..(4)", "fact x: int in -3..4",
    "layers a > b", "expect a complies with b for c, d", "prefer a over b when (p)",
    "norm n a must # whether or not\n x", "norm n a must # cannot\n x",
    "norm n a must # not sure\n not x", "norm n a must # c\n not x and y",
])
def test_hand_picked(text: str) -> None:
    assert_same(text)


def test_nesting_is_measured_as_lark_tree_depth() -> None:
    for depth in (5, 19, 20, 21, 40):
        text = "fact p: bool\nassume " + "not " * depth + "p"
        for limit in (18, 20, 22):
            assert_same(text, limit)


@given(files)
def test_generated_files(file: ast.File) -> None:
    assert_same(file_text(file))


@given(small_specs)
def test_generated_specs(file: ast.File) -> None:
    assert_same(file_text(file))


@given(exprs)
def test_generated_expressions(expr: ast.Expr) -> None:
    assert_same("assume " + expr_text(expr))


@given(st.sampled_from(CORPUS), mutations)
def test_mutated_files(path: Any, choices: list) -> None:
    assert_same(mutate(path.read_text(encoding="utf-8"), choices))


@given(st.lists(st.sampled_from([*KEYWORD_BITS, "p", "a", "x", "1", " ", "\n", "<", "==", "-"]),
                max_size=40))
def test_token_soup(parts: list[str]) -> None:
    assert_same(" ".join(parts))


@given(st.text(alphabet="ab\n\r", max_size=30), st.integers(-3, 35), st.integers(-3, 35))
def test_span_agrees_with_position(text: str, start: int, end: int) -> None:
    source = SourceFile("t.norm", text)
    assert source.line_count == text.count("\n") + 1
    span = source.span(start, end)
    assert (span.line, span.col) == source.position(start)
    assert (span.end_line, span.end_col) == source.position(end)
    assert (span.start, span.end) == (start, end)
    made = Span("t.norm", start, end, span.line, span.col, span.end_line, span.end_col)
    assert span == made and hash(span) == hash(made) and repr(span) == repr(made)
    assert pickle.loads(pickle.dumps(span)) == span and type(span) is Span
    with pytest.raises(dataclasses.FrozenInstanceError):
        span.line = 3  # type: ignore[misc]


def test_tables_read_back_from_the_cache_are_the_built_ones(tmp_path: Any) -> None:
    from normlang.syntax.grammar import build_parser
    from normlang.syntax.lalr import _extract_tables, _read_tables, _write_tables

    built = _extract_tables(build_parser())
    path = str(tmp_path / "tables.marshal")
    _write_tables(path, built)
    cached = _read_tables(path)
    assert cached is not None
    for field in ("start_state", "end_state", "rows", "reductions", "kept", "builders"):
        assert getattr(cached, field) == getattr(built, field), field
    for state in built.rows:
        (regex, ignored, keywords), (want_regex, want_ignored, want_keywords) = (
            cached.lexers[state], built.lexers[state])
        assert (regex.pattern, regex.flags, ignored, keywords) == (
            want_regex.pattern, want_regex.flags, want_ignored, want_keywords), state
    with open(path, "r+b") as damaged:
        damaged.truncate(100)
    assert _read_tables(path) is None
