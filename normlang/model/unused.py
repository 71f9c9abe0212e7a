"""`unused-declaration`: a fact, action, agent, define or value that nothing reads.

Read from the ASTs of a root and everything it imports, so a declaration of an imported file
counts as used when any file of the spec reads it. "Reads" errs towards used: every name
written anywhere except where it is declared counts (a name inside a define that nothing
reads, too), an unqualified name in a norm's target counts for every action of that name,
and an agent counts as used by the actions declared for it. A warning that is wrong is
worse than one that is missed here: nothing about the spec's meaning depends on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..core.findings import Finding, Label
from ..syntax import ast


def _children(node: object) -> Iterator[object]:
    for name in getattr(node, "__slots__", ()):
        if name in ("span", "duty_span"):
            continue
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from value
        else:
            yield value


def _names_read(decl: ast.Decl) -> Iterator[str]:
    """Every name `decl` mentions, except the ones it declares."""
    if isinstance(decl, (ast.Fact, ast.Define, ast.Value, ast.Agent, ast.Norm, ast.Scenario,
                         ast.Event)):
        skip: object = decl.name
    elif isinstance(decl, ast.Action):
        yield decl.agent.name
        return
    elif isinstance(decl, (ast.Enum, ast.Layers, ast.Import)):
        return
    else:
        skip = None
    if isinstance(decl, ast.Norm) and decl.trigger is not None and decl.trigger.agent:
        yield decl.trigger.agent  # `on AGENT.ACTION` reads the action
        yield f"{decl.trigger.agent}.{decl.trigger.name}"
    stack: list[object] = [c for c in _children(decl) if c is not skip]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Ident, ast.Name)):
            yield node.name
        elif isinstance(node, ast.Dotted):
            yield node.agent
            yield f"{node.agent}.{node.action}"
        elif node is not None and not isinstance(node, (str, int, bool)):
            stack.extend(_children(node))


def unused_declarations(decls: Iterable[ast.Decl]) -> list[Finding]:
    """An `unused-declaration` warning for each declaration that no declaration reads."""
    decls = list(decls)
    read: set[str] = set()
    for decl in decls:
        read.update(_names_read(decl))
    out = []
    for decl in decls:
        what = _unread(decl, read)
        if what is not None:
            assert isinstance(decl, (ast.Fact, ast.Define, ast.Value, ast.Agent, ast.Action))
            span = decl.name.span
            out.append(Finding(
                "unused-declaration", f"{what} is declared but nothing reads it", span,
                (Label(span, "declared here", primary=True),),
                help=("remove it, or use it: nothing in the spec or in a file that imports "
                      "it mentions it",)))
    return out


def _unread(decl: ast.Decl, read: set[str]) -> str | None:
    if isinstance(decl, ast.Fact) and decl.name.name not in read:
        return f"fact `{decl.name.name}`"
    if isinstance(decl, ast.Define) and decl.name.name not in read:
        return f"define `{decl.name.name}`"
    if isinstance(decl, ast.Value) and decl.name.name not in read:
        return f"value `{decl.name.name}`"
    if isinstance(decl, ast.Agent) and decl.name.name not in read:
        return f"agent `{decl.name.name}`"
    if isinstance(decl, ast.Action):
        qualified = f"{decl.agent.name}.{decl.name.name}"
        if qualified not in read and decl.name.name not in read:
            return f"action `{qualified}`"
    return None


__all__ = ["unused_declarations"]
