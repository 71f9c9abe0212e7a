"""Renderers: one finding model, many formats (text, concise, json, sarif, github)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..findings import Finding
from ..source import SourceFile, Span

FORMATS = ("text", "concise", "json", "sarif", "github")


@dataclass
class Report:
    """Everything a renderer needs: the findings, the sources they point into, the files checked."""

    findings: Sequence[Finding]
    sources: dict[str, SourceFile] = field(default_factory=dict)
    files_checked: int = 0


def render(report: Report, fmt: str, *, color: bool = False, quiet: bool = False) -> str:
    """The report in format `fmt`, ending with a newline (or empty)."""
    if fmt == "text":
        from .text import render_text

        return render_text(report, color=color, quiet=quiet)
    if fmt == "concise":
        from .text import render_concise

        return render_concise(report, quiet=quiet)
    if fmt == "json":
        from .json import render_json

        return render_json(report)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(report)
    if fmt == "github":
        from .github import render_github

        return render_github(report)
    raise ValueError(f"unknown format {fmt!r}")


def summary_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for finding in findings:
        counts[{"error": "errors", "warning": "warnings", "info": "infos"}[
            finding.severity.value]] += 1
    return counts


def norm_declarations(sources: dict[str, SourceFile]) -> dict[str, Span]:
    """Where each norm is declared (the span of its name), found in the source texts.

    Reporters use it to point at every norm a finding names, also those without a label.
    """
    import re

    pattern = re.compile(r"^[ \t]*norm[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
    found: dict[str, Span] = {}
    for path in sorted(sources):
        source = sources[path]
        for match in pattern.finditer(source.text):
            found.setdefault(match.group(1), source.span(match.start(1), match.end(1)))
    return found
