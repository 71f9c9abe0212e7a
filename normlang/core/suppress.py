"""Suppression comments: `# normcheck: ignore[KIND, ...]` silences those findings there.

A comment at the end of a line applies to that line; a comment alone on its line applies to
the next line that is not blank or a comment. A finding is silenced when a suppression of
its kind applies to a line it points at: the line of any of its labels, or any line of the
norm declaration such a label lies in (from its `norm` line down). A suppression, or one kind
in it, that silences nothing is itself reported (`unused-suppression`), as is one of a kind
that cannot be silenced: a malformed spec, a priority cycle and a solver that gave up are
always shown, or a run that decided nothing could read as a pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .findings import KINDS, UNDECIDED_KINDS, Finding, Label
from .source import SourceFile
from .suggest import closest

#: kinds a suppression never silences (as `--ignore` never hides them): a malformed spec, a
#: priority cycle (it stops the other checks) and a solver that gave up
UNSILENCEABLE = frozenset(UNDECIDED_KINDS)

_DIRECTIVE = re.compile(r"normcheck:\s*ignore\[([^\]\n]*)\]")
_NORM_LINE = re.compile(r"^\s*norm\b")


@dataclass(frozen=True)
class Suppression:
    """One kind named in one suppression comment."""

    path: str
    line: int  # where the comment is
    target: int  # the line it applies to
    kind: str
    start: int  # offset of the kind's text, for the finding that reports it unused
    end: int


def suppressions(source: SourceFile) -> list[Suppression]:
    """Every kind named in a suppression comment of `source`, in order."""
    out: list[Suppression] = []
    lines = source.text.split("\n")
    offset = 0
    for index, line in enumerate(lines):
        comment = _comment_start(line)
        if comment is not None:
            for match in _DIRECTIVE.finditer(line, comment):
                alone = not line[:comment].strip()
                target = _next_code_line(lines, index) if alone else index + 1
                position = match.start(1)
                for item in match.group(1).split(","):
                    kind = item.strip()
                    if kind:
                        start = offset + position + item.index(kind)
                        out.append(Suppression(source.path, index + 1, target, kind, start,
                                               start + len(kind)))
                    position += len(item) + 1
        offset += len(line) + 1
    return out


def _comment_start(line: str) -> int | None:
    """Where the `#` comment of `line` starts (a `#` inside a string is not one)."""
    in_string = escaped = False
    for index, char in enumerate(line):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "#":
            return index
    return None


def _next_code_line(lines: list[str], index: int) -> int:
    for later in range(index + 1, len(lines)):
        stripped = lines[later].strip()
        if stripped and not stripped.startswith("#"):
            return later + 1
    return index + 1


def _lines_of(finding: Finding, sources: Mapping[str, SourceFile]) -> set[tuple[str, int]]:
    """The (file, line) pairs a finding points at, with the lines of the norms it lies in."""
    out: set[tuple[str, int]] = set()
    for label in (Label(finding.span, "", True), *finding.labels):
        span = label.span
        out.update((span.path, line) for line in range(span.line, max(span.line, span.end_line) + 1))
        source = sources.get(span.path)
        if source is None:
            continue
        lines = source.text.split("\n")
        line = span.line
        while 1 <= line <= len(lines) and lines[line - 1].strip():
            if _NORM_LINE.match(lines[line - 1]):
                out.update((span.path, n) for n in range(line, span.line + 1))
                break
            line -= 1
    return out


def apply_suppressions(findings: Iterable[Finding], sources: Mapping[str, SourceFile]
                       ) -> tuple[list[Finding], int]:
    """The findings that no suppression silences, plus an `unused-suppression` for each kind
    in a suppression that silenced nothing; and how many findings were silenced."""
    wanted: dict[tuple[str, int], list[Suppression]] = {}
    every: list[Suppression] = []
    for path in sorted(sources):
        for item in suppressions(sources[path]):
            every.append(item)
            wanted.setdefault((item.path, item.target), []).append(item)
    if not every:
        return list(findings), 0
    used: set[Suppression] = set()
    kept: list[Finding] = []
    silenced = 0
    for finding in findings:
        matching = [item for where in _lines_of(finding, sources)
                    for item in wanted.get(where, ()) if item.kind == finding.kind]
        if matching and finding.kind not in UNSILENCEABLE:
            used.update(matching)
            silenced += 1
        else:
            kept.append(finding)
    for item in every:
        if item not in used:
            kept.append(_unused(item, sources[item.path]))
    return kept, silenced


def _unused(item: Suppression, source: SourceFile) -> Finding:
    span = source.span(item.start, item.end)
    if item.kind in UNSILENCEABLE:
        message = f"`{item.kind}` cannot be silenced"
        help_lines: tuple[str, ...] = (
            "a malformed spec, a priority cycle and a solver that gave up are always "
            "reported: with them hidden, a run that decided nothing would read as a pass",)
    elif item.kind not in KINDS:
        message = f"unknown finding kind `{item.kind}` in a suppression"
        close = closest(item.kind, KINDS)
        help_lines = (f"did you mean `{close}`?",) if close else ()
    else:
        message = f"suppression of `{item.kind}` silences nothing here"
        help_lines = (f"no `{item.kind}` finding points at line {item.target}; remove it",)
    return Finding("unused-suppression", message, span, (Label(span, "", primary=True),),
                   help=help_lines, root=None)


__all__ = ["UNSILENCEABLE", "Suppression", "apply_suppressions", "suppressions"]
