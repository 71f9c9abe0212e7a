"""Round trip: print a generated AST, parse it back, get the same AST."""

from __future__ import annotations

from ast_strategies import exprs, files, layouts, norm_files, timed_files
from frontend_helpers import parse_expr, parse_file
from hypothesis import given

from normlang.core.source import SourceFile
from normlang.syntax import ast
from normlang.syntax.parser import parse_ast
from normlang.syntax.printer import expr_text, file_text


@given(files)

def test_print_then_parse_gives_the_same_file(file: ast.File) -> None:
    text = file_text(file)
    assert parse_file(text).decls == file.decls, text


@given(exprs)
def test_print_then_parse_gives_the_same_expression(expr: ast.Expr) -> None:
    assert parse_expr(expr_text(expr)) == expr


def assert_means(laid_out: str, printed: str) -> None:
    """`laid_out` parses to the AST of `printed`, by lark and by the fast path that
    `normcheck` takes."""
    decls = parse_file(printed).decls
    assert parse_file(laid_out).decls == decls
    fast = parse_ast(SourceFile("t.norm", laid_out), 200)
    assert fast is not None and fast[0].decls == decls


@given(layouts(files))
def test_comments_and_line_breaks_between_any_two_tokens_change_nothing(
        texts: tuple[str, str]) -> None:
    printed, laid_out = texts
    assert_means(laid_out, printed)


@given(layouts(norm_files, spaces=1))
def test_a_comment_after_must_never_changes_the_modality(texts: tuple[str, str]) -> None:
    """`must not` is the one token of two words: a comment between them, or after `must`,
    is skipped whole (it ends at its newline), and a `not` in it is never the modality's."""
    printed, laid_out = texts
    assert_means(laid_out, printed)


def test_the_printer_adds_only_needed_parentheses() -> None:
    assert expr_text(parse_expr("(a and b) or c")) == "a and b or c"
    assert expr_text(parse_expr("a and (b or c)")) == "a and (b or c)"
    assert expr_text(parse_expr("(a -> b) -> c")) == "(a -> b) -> c"
    assert expr_text(parse_expr("a -> (b -> c)")) == "a -> b -> c"
    assert expr_text(parse_expr("(not x) == y")) == "not x == y"
    assert expr_text(parse_expr("obliged (a and b)")) == "obliged (a and b)"
    assert expr_text(parse_expr("x - (y - z)")) == "x - (y - z)"
    assert expr_text(parse_expr("(x < y) == z")) == "(x < y) == z"


def test_printing_the_design_example_round_trips() -> None:
    from frontend_helpers import HERE

    for name in ("eu_ai_act.norm", "model_spec.norm"):
        original = parse_file((HERE / "fixtures" / "design" / name).read_text())
        assert parse_file(file_text(original)).decls == original.decls


def test_must_with_a_target_starting_with_not() -> None:
    """Found by the round-trip test: `must not A and B` read back as the modality `must not`."""
    text = "norm n a must (not x) and y\n"
    original = parse_file(text)
    assert original.decls[0].modality == "must"  # type: ignore[union-attr]
    assert parse_file(file_text(original)).decls == original.decls


@given(timed_files)
def test_print_then_parse_gives_the_same_timed_file(file: ast.File) -> None:
    text = file_text(file)
    assert parse_file(text).decls == file.decls, text


@given(layouts(timed_files))
def test_layout_changes_nothing_in_timed_files(texts: tuple[str, str]) -> None:
    printed, laid_out = texts
    assert_means(laid_out, printed)
