"""Renderers: one finding model, many formats (text, concise, json, sarif, github)."""

from __future__ import annotations

from .model import NormLocator, Report, summary_counts

__all__ = ["FORMATS", "NormLocator", "Report", "render", "summary_counts"]

FORMATS = ("text", "concise", "json", "sarif", "github")


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
