"""`--format github`: GitHub Actions workflow annotations."""

from __future__ import annotations

from ..core.escape import escaped
from ..core.findings import Finding, format_value
from .model import Report

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(report: Report) -> str:
    lines = []
    for finding in report.findings:
        span = finding.span
        props = (f"file={_escape(escaped(span.path), True)},line={span.line},col={span.col},"
                 f"endLine={span.end_line},endColumn={span.end_col},"
                 f"title={_escape('normcheck ' + finding.kind, True)}")
        # lines stay lines (the %0A of a workflow command); everything else unsafe is escaped
        message = "\n".join(escaped(line) for text in (finding.message, *_witness(finding),
                                                        *finding.help)
                            for line in text.split("\n"))
        lines.append(f"::{_COMMAND[finding.severity.value]} {props}::{_escape(message)}")
    return "\n".join(lines) + "\n" if lines else ""


def _witness(finding: Finding) -> list[str]:
    """The witness as lines of the annotation's message (escaped with the rest of it)."""
    witness = finding.witness
    if witness is None:
        return []
    out = []
    if witness.situation:
        out.append("witness situation: " + ", ".join(
            f"{name} = {format_value(value)}" for name, value in witness.situation.items()))
    if witness.defines:
        out.append("defines: " + ", ".join(
            f"{name} = {format_value(value)}" for name, value in witness.defines.items()))
    if witness.conduct:
        out.append("conduct: " + ", ".join(
            f"{name} = {format_value(value)}" for name, value in witness.conduct.items()))
    if witness.active:
        out.append("active norms: " + ", ".join(witness.active))
    if witness.defeated:
        out.append("defeated norms: " + ", ".join(witness.defeated))
    return out
