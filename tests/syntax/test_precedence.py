"""The precedence table of docs/language.md, operator by operator."""

from __future__ import annotations

from fractions import Fraction

import pytest
from frontend_helpers import parse_expr, parse_file, syntax_errors

from normlang.syntax import ast
from normlang.syntax.ast import Binary, BoolLit, ConflictAtom, Deontic, Dotted, Name, NumLit, Unary

a, b, c, x, y, z = (Name(n) for n in "abcxyz")


def num(text: str, value: Fraction | int, is_int: bool = True) -> NumLit:
    return NumLit(Fraction(value), is_int, text)


CASES = [
    ("not x == y", Binary("==", Unary("not", x), y)),
    ("not a and b", Binary("and", Unary("not", a), b)),
    ("a or b and c", Binary("or", a, Binary("and", b, c))),
    ("a and b or c", Binary("or", Binary("and", a, b), c)),
    ("a and b == c", Binary("and", a, Binary("==", b, c))),
    ("a -> b -> c", Binary("->", a, Binary("->", b, c))),
    ("a or b -> c", Binary("->", Binary("or", a, b), c)),
    ("a <-> b -> c", Binary("<->", a, Binary("->", b, c))),
    ("a -> b <-> c", Binary("<->", Binary("->", a, b), c)),
    ("a <-> b <-> c", Binary("<->", Binary("<->", a, b), c)),
    ("x + y * 2 < 3", Binary("<", Binary("+", x, Binary("*", y, num("2", 2))), num("3", 3))),
    ("x - y - z", Binary("-", Binary("-", x, y), z)),
    ("x - y + z", Binary("+", Binary("-", x, y), z)),
    ("2 * x * 3", Binary("*", Binary("*", num("2", 2), x), num("3", 3))),
    ("-x * 2", Binary("*", Unary("-", x), num("2", 2))),
    ("x * -2", Binary("*", x, Unary("-", num("2", 2)))),
    ("x - -y", Binary("-", x, Unary("-", y))),
    ("(a or b) and c", Binary("and", Binary("or", a, b), c)),
    ("not (x == y)", Unary("not", Binary("==", x, y))),
    ("obliged a and b", Binary("and", Deontic("obliged", a), b)),
    ("forbidden a or permitted b", Binary("or", Deontic("forbidden", a), Deontic("permitted", b))),
    ("obliged (a and b)", Deontic("obliged", Binary("and", a, b))),
    ("obliged not a", Deontic("obliged", Unary("not", a))),
    ("not obliged a", Unary("not", Deontic("obliged", a))),
    ("a -> obliged x.y", Binary("->", a, Deontic("obliged", Dotted("x", "y")))),
    ("conflict or not conflict", Binary("or", ConflictAtom(), Unary("not", ConflictAtom()))),
    ("x == y <-> true", Binary("<->", Binary("==", x, y), BoolLit(True))),
    ("x != y and x <= y and x >= y and x > y",
     Binary("and", Binary("and", Binary("and", Binary("!=", x, y), Binary("<=", x, y)),
                          Binary(">=", x, y)), Binary(">", x, y))),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[t for t, _ in CASES])
def test_precedence(text: str, expected: object) -> None:
    assert parse_expr(text) == expected


@pytest.mark.parametrize("text", ["x < y < z", "x == y == z", "x < y != z"])
def test_comparisons_do_not_chain(text: str) -> None:
    errors = syntax_errors(f"assume {text}")
    assert errors and errors[0].startswith("unexpected")


LITERALS = [
    ("1e25", Fraction(10) ** 25, True),
    ("2.5e-3", Fraction(1, 400), False),
    ("1E+2", Fraction(100), True),
    ("0.1", Fraction(1, 10), False),
    ("3.0", Fraction(3), False),
    ("42", Fraction(42), True),
    ("1e-3", Fraction(1, 1000), False),
]


@pytest.mark.parametrize("text, value, is_int", LITERALS, ids=[t for t, _, _ in LITERALS])
def test_number_literals_are_exact(text: str, value: Fraction, is_int: bool) -> None:
    literal = parse_expr(text)
    assert isinstance(literal, NumLit)
    assert (literal.value, literal.is_int, literal.text) == (value, is_int, text)


def test_booleans() -> None:
    assert parse_expr("true and false") == Binary("and", BoolLit(True), BoolLit(False))


def _norm(text: str) -> ast.Norm:
    decl = parse_file(text).decls[0]
    assert isinstance(decl, ast.Norm)
    return decl


@pytest.mark.parametrize("gap", [" ", "\n  ", "  # a comment\n  ", "#\n", "\f", " # one\n # two\n "])
def test_must_not_may_be_split_by_anything_that_separates_tokens(gap: str) -> None:
    norm = _norm(f"norm n a must{gap}not x and y")
    assert (norm.modality, norm.target) == ("must not", Binary("and", x, y))


# A comment runs to its newline, whole: between `must` and its target a comment is skipped
# as a whole, and a `not` inside its text is never the one of `must not` (the `must not`
# token once ended at any `not` in a comment, even inside a word).
COMMENTS_AFTER_MUST = ["   # whether asked or not\n    ", " # the user cannot tell\n ",
                       " # not sure\n ", " # must not\n", "#not\n", " # not x\r\n ",
                       " # a\n # not\n ", "# not # not\n\t"]


@pytest.mark.parametrize("gap", COMMENTS_AFTER_MUST)
def test_a_not_inside_a_comment_after_must_is_comment_text(gap: str) -> None:
    norm = _norm(f"norm n a must{gap}x and y")
    assert (norm.modality, norm.target) == ("must", Binary("and", x, y))
    # a `not` after the comment's newline is the one of `must not`
    norm = _norm(f"norm n a must{gap}not x and y")
    assert (norm.modality, norm.target) == ("must not", Binary("and", x, y))


def test_a_comment_of_many_hashes_after_must_is_read_in_linear_time() -> None:
    # the `must not` token let a comment after `must` end anywhere, so a run of `#` was split
    # every possible way before `not` was found missing: 2^n tries (24 took a second, 40 would
    # take days). In a process of its own, so that the old behaviour fails instead of hanging.
    import subprocess
    import sys

    program = ("from normlang.model.loader import load_source\n"
               "from normlang.api import CheckOptions\n"
               "text = 'agent a\\naction a.x\\nnorm n a must ' + '#' * 200 + '\\n x\\n'\n"
               "assert load_source(text, 't.norm', CheckOptions()).findings == []\n")
    subprocess.run([sys.executable, "-c", program], check=True, timeout=30)


@pytest.mark.parametrize("text", [
    "norm n a mustnot x", "norm n a mustx", "norm n a mayx", "agentb", "factx: bool",
    "norm n whenx a must x", "scenario s givenf expect f", "expect alwaysx y",
    "layers a > b\nnorm n @a\"s\" unlessx a must x",
])
def test_a_keyword_is_never_read_off_the_front_of_a_longer_word(text: str) -> None:
    errors = syntax_errors(text)
    assert errors and errors[0].startswith("unexpected"), errors


def test_names_that_start_with_a_keyword_are_names() -> None:
    norm = _norm("norm n when mustered unless mayday a must notify or noted")
    assert norm.target == Binary("or", Name("notify"), Name("noted"))
    assert _norm("norm n a must notx").target == Name("notx")
    assert parse_expr("alwaysx") == Name("alwaysx")
