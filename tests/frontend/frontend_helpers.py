"""Helpers shared by the front-end tests."""

from __future__ import annotations

from pathlib import Path

from normlang.api import CheckOptions, Loaded
from normlang.findings import Finding
from normlang.resolve import load_source

HERE = Path(__file__).resolve().parent


def render(findings: list[Finding]) -> str:
    """The canonical plain form of findings that golden files hold."""
    lines = []
    for finding in findings:
        span = finding.span
        lines.append(f"{span.path}:{span.line}:{span.col}-{span.end_line}:{span.end_col} "
                     f"{finding.kind}: {finding.message}")
        for label in finding.labels:
            if not label.primary:
                at = label.span
                lines.append(f"  label {at.path}:{at.line}:{at.col}-{at.end_line}:{at.end_col}: "
                             f"{label.message}")
        lines.extend(f"  help: {line}" for line in finding.help)
    return "".join(line + "\n" for line in lines)


def load(text: str, path: str = "t.norm", **options: int) -> Loaded:
    return load_source(text, path, CheckOptions(**options))  # type: ignore[arg-type]


def kinds(loaded: Loaded) -> list[str]:
    return [f.kind for f in loaded.findings]


def messages(loaded: Loaded) -> list[str]:
    return [f"{f.kind}: {f.message}" for f in loaded.findings]
