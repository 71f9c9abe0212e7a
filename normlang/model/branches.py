"""`unless C then A must ψ [W] [otherwise ...]` clauses (SLEEC's `unless`), as norms.

time.md: a norm's clauses are read from the last. Clause i of norm `N` is the norm
`N/i` (1-based), due when N's trigger occurs with N's conditions, `C_i` holds and no
later clause's condition does; N's own response is due when no clause's condition
holds. A clause has N's layer, source, values and `overrides`, and a norm that
overrides `N` overrides its clauses too (`clause_names` says which they are). The
clauses are not `overrides` of `N`: N's response is simply not due where one applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..core.source import Span
from ..syntax import ast


def clause_name(norm: str, index: int) -> str:
    """The name of clause `index` (1-based) of `norm`; no written name has a `/`."""
    return f"{norm}/{index}"


def expand_branches(decls: list[ast.Decl]) -> list[ast.Decl]:
    """`decls` with each norm's `unless ... then` clauses made norms of their own."""
    if not any(isinstance(d, ast.Norm) and d.branches for d in decls):
        return decls
    out: list[ast.Decl] = []
    for decl in decls:
        if isinstance(decl, ast.Norm) and decl.branches:
            out += _expanded(decl)
        else:
            out.append(decl)
    return out


def clause_names(decls: list[ast.Decl]) -> dict[str, list[str]]:
    """The clause norms of each norm that has `unless ... then` clauses."""
    return {d.name.name: [clause_name(d.name.name, i + 1) for i in range(len(d.branches))]
            for d in decls if isinstance(d, ast.Norm) and d.branches}


def _expanded(norm: ast.Norm) -> list[ast.Norm]:
    conditions = [b.condition for b in norm.branches]
    main = replace(norm, unless=_any_of([norm.unless, *conditions]), branches=())
    clauses = []
    for index, branch in enumerate(norm.branches):
        later = conditions[index + 1:]
        when = branch.condition
        if later:
            when = ast.Binary("and", when, ast.Unary("not", ast.any_of(later), when.span),
                              when.span)
        if norm.when is not None:
            when = ast.Binary("and", norm.when, when, when.span)
        last = branch.window.span if branch.window is not None else branch.target.span
        duty_span = _join(branch.agent.span, last)
        clauses.append(ast.Norm(
            ast.Ident(clause_name(norm.name.name, index + 1), branch.span), norm.layer,
            norm.source, norm.serves, norm.overrides, when, norm.unless, branch.agent,
            branch.modality, branch.target, protected=norm.protected, span=branch.span,
            duty_span=duty_span, trigger=norm.trigger, window=branch.window,
            otherwise=branch.otherwise))
    return [main, *clauses]


def _join(first: Span, last: Span) -> Span:
    """From the start of `first` to the end of `last` (as a duty span is)."""
    return replace(first, end=last.end, end_line=last.end_line, end_col=last.end_col)


def _any_of(conditions: Sequence[ast.Expr | None]) -> ast.Expr | None:
    present = [c for c in conditions if c is not None]
    return ast.any_of(present) if present else None
