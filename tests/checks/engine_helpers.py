"""Helpers for engine tests written in the .norm language."""

from __future__ import annotations

import textwrap

import normlang
from normlang.core.findings import Finding


def run(text: str, **options: object) -> list[Finding]:
    """Check a spec given as text; malformed specs fail the test loudly."""
    loaded = normlang.load_text(textwrap.dedent(text), "spec.norm")
    bad = [f for f in loaded.findings if f.severity.value == "error"]
    assert not bad, [f"{f.kind}: {f.message}" for f in bad]
    result = normlang.check(loaded, options=normlang.CheckOptions(**options))  # type: ignore[arg-type]
    return result.findings


def kinds(findings: list[Finding]) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((f.kind, f.norms) for f in findings)


