"""Limits checked on the parse tree, before any recursive pass can exhaust the stack."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..core.findings import Finding, Label
from ..core.source import SourceFile

if TYPE_CHECKING:
    import lark


def parenthesis_problem(source: SourceFile, max_depth: int) -> Finding | None:
    """A syntax error at the first `(` nested deeper than `max_depth` (strings and comments skipped).

    Parentheses leave no node in the parse tree, so this is checked on the text.
    """
    depth = 0
    for match in _PAREN_SCAN.finditer(source.text):
        token = match.group()
        if token == "(":
            depth += 1
            if depth > max_depth:
                return _too_deep(source, match.start(), max_depth)
        elif token == ")":
            depth = max(0, depth - 1)
    return None


_PAREN_SCAN = re.compile(r'[()]|#[^\n]*|"(?:[^"\\\n]|\\.)*"')


def _too_deep(source: SourceFile, start: int, max_depth: int) -> Finding:
    span = source.span(start, start + 1)
    return Finding("syntax-error", f"nesting too deep (more than {max_depth} levels)",
                   span, (Label(span, "too deep", primary=True),),
                   help=("split the expression with `define`s",))


def nesting_problem(tree: lark.Tree[lark.Token], source: SourceFile, max_depth: int) -> Finding | None:
    """A syntax error at the first node nested deeper than `max_depth` (found without recursion)."""
    import lark

    stack: list[tuple[lark.Tree[lark.Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            meta = node.meta
            start = getattr(meta, "start_pos", 0) if not getattr(meta, "empty", True) else 0
            return _too_deep(source, start, max_depth)
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))
    return None


#: the most digits, and the largest exponent (either sign), of a number literal: exact
#: arithmetic on `1e400000000` takes minutes, and z3 cannot hand back numbers of more than
#: ~4300 digits to Python
MAX_NUMBER_DIGITS = 1000


def number_too_long(text: str) -> bool:
    """Whether the number written `text` (sign, digits, point, exponent) has more digits or a
    larger exponent than `MAX_NUMBER_DIGITS`; text that is no number is not too long."""
    mantissa, _, exponent = text.strip().lstrip("+-").lower().partition("e")
    exponent = exponent.lstrip("+-").lstrip("0")
    return (len(mantissa) - ("." in mantissa) > MAX_NUMBER_DIGITS
            or (exponent.isdigit() and (len(exponent) > 4 or int(exponent) > MAX_NUMBER_DIGITS)))
