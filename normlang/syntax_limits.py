"""Limits checked on the parse tree, before any recursive pass can exhaust the stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .findings import Finding, Label
from .source import SourceFile

if TYPE_CHECKING:
    import lark


def nesting_problem(tree: lark.Tree, source: SourceFile, max_depth: int) -> Finding | None:
    """A syntax error at the first node nested deeper than `max_depth` (found without recursion)."""
    import lark

    stack: list[tuple[lark.Tree, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            meta = node.meta
            start = getattr(meta, "start_pos", 0) if not getattr(meta, "empty", True) else 0
            span = source.span(start, start + 1)
            return Finding("syntax-error", f"nesting too deep (more than {max_depth} levels)",
                           span, (Label(span, "too deep", primary=True),),
                           help=("split the expression with `define`s",))
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))
    return None
