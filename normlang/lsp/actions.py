"""Quick fixes for a finding: silence it here, or settle a conflict by priority.

Each is a set of text insertions (never a rewrite of what the user wrote), computed on the
sources the finding was checked on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core.findings import Finding
from ..core.source import SourceFile
from ..core.suppress import UNSILENCEABLE
from ..model.spec import Spec
from ..syntax import ast
from .positions import file_of_span
from .symbols import Symbol, SymbolIndex


@dataclass(frozen=True)
class Edit:
    """Insert `text` at `offset` of the file at `path` (its text as `source` holds it)."""

    path: Path
    source: SourceFile
    offset: int
    text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    finding: Finding


_DIRECTIVE_END = re.compile(r"normcheck:\s*ignore\[[^\]\n]*(\])")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def ignore_fix(finding: Finding, files: Mapping[str, SourceFile]) -> Fix | None:
    """`# normcheck: ignore[KIND]` where it silences the finding: added to a suppression already
    on (or just above) its line, else on a line of its own above it."""
    source = files.get(finding.span.path)
    if source is None or finding.kind in UNSILENCEABLE:
        return None
    path, line = file_of_span(finding.span.path), finding.span.line
    title = f"Ignore this `{finding.kind}` here (# normcheck: ignore[{finding.kind}])"
    for candidate in (line, line - 1):
        text = source.line_text(candidate)
        if candidate == line - 1 and not text.lstrip().startswith("#"):
            continue
        match = _DIRECTIVE_END.search(text)
        if match is not None:
            start = _line_offset(source, candidate)
            return Fix(title, (Edit(path, source, start + match.start(1),
                                    f", {finding.kind}"),), finding)
    text = source.line_text(line)
    indent = text[:len(text) - len(text.lstrip())]
    at = _line_offset(source, line)
    return Fix(title, (Edit(path, source, at, f"{indent}# normcheck: ignore[{finding.kind}]\n"),),
               finding)


def scenario_fix(finding: Finding, spec: Spec | None, path: Path,
                 source: SourceFile) -> Fix | None:
    """A `scenario` that pins the finding in its witness situation (`runtime.scenarios`),
    added at the end of the root file: it passes as the spec stands, and after a fix the
    user flips its expectation."""
    if spec is None or finding.witness is None:
        return None
    from ..runtime.scenarios import scenario_for

    scenario = scenario_for(finding, spec)
    if scenario is None:
        return None
    text = source.text
    gap = "" if not text else "\n" if text.endswith("\n") else "\n\n"
    return Fix(f"Add a scenario from this witness (pins this `{finding.kind}`)",
               (Edit(path, source, len(text), gap + scenario),), finding)


def override_fixes(finding: Finding, spec: Spec | None, index: SymbolIndex,
                   sources: Mapping[Path, SourceFile]) -> list[Fix]:
    """For a conflict between two norms, `overrides` clauses that settle it: one norm made to
    win over the other, wherever that keeps priority a strict order (the winner's layer is
    not below the loser's, and the loser does not already rank above it) and adds an edge
    (no `overrides` or `prefer` ranks the two already, under whatever condition)."""
    names = sorted(set(finding.norms))
    if finding.kind != "conflict" or len(names) != 2 or spec is None:
        return []
    norms = {n.name: n for n in spec.norms}
    if any(name not in norms for name in names):
        return []
    fixes = []
    for winner, loser in (names, names[::-1]):
        if norms[winner].rank > norms[loser].rank or _ranks_above(spec, loser, winner) \
                or _ranks_above(spec, winner, loser):  # already, under some condition
            continue
        edit = _overrides_edit(winner, loser, index, sources)
        if edit is not None:
            fixes.append(Fix(f"Mark `{loser}` overridden by `{winner}` "
                             f"(`{winner}` overrides `{loser}`)", (edit,), finding))
    return fixes


def _ranks_above(spec: Spec, higher: str, lower: str) -> bool:
    """Whether `overrides` and `prefer` edges already rank `higher` above `lower`."""
    below: dict[str, list[str]] = {}
    for edge in spec.edges:
        below.setdefault(edge.higher, []).append(edge.lower)
    seen, stack = set(), [higher]
    while stack:
        here = stack.pop()
        if here == lower:
            return True
        if here not in seen:
            seen.add(here)
            stack.extend(below.get(here, ()))
    return False


def _overrides_edit(winner: str, loser: str, index: SymbolIndex,
                    sources: Mapping[Path, SourceFile]) -> Edit | None:
    declared = index.declarations(Symbol("norm", winner))
    if not declared or not isinstance(declared[0].decl, ast.Norm):
        return None
    norm, path = declared[0].decl, declared[0].path
    source = sources.get(path)
    if source is None:
        return None
    if norm.overrides:
        return Edit(path, source, norm.overrides[-1].span.end, f", {loser}")
    return Edit(path, source, _header_end(norm, source.text), f" overrides {loser}")


def _header_end(norm: ast.Norm, text: str) -> int:
    """Where a norm's headers (`@LAYER`, `protected`, `"SOURCE"`, `serves ...`) end: after the
    last of them, before any `when`, `unless` and the agent, comments left where they are."""
    stop = min(s.start for s in (norm.agent.span, *(e.span for e in (norm.when, norm.unless)
                                                    if e is not None)))
    at = last = norm.name.span.end
    while at < stop:
        char = text[at]
        if char == "#":
            newline = text.find("\n", at)
            at = stop if newline < 0 else newline
        elif char == '"':
            at = _string_end(text, at)
            last = at
        elif char.isspace():
            at += 1
        else:
            word = _WORD.match(text, at)
            if word is not None and word.group() in ("when", "unless"):
                break
            at = word.end() if word is not None else at + 1
            last = at
    return last


def _string_end(text: str, at: int) -> int:
    index = at + 1
    while index < len(text) and text[index] not in '"\n':
        index += 2 if text[index] == "\\" else 1
    return min(index + 1, len(text))


def _line_offset(source: SourceFile, line: int) -> int:
    """The offset at which a 1-based line of `source` starts."""
    return sum(len(text) + 1 for text in source.text.split("\n")[:line - 1])
