"""Helpers shared by the front-end tests."""

from __future__ import annotations

from pathlib import Path

from normlang.api import CheckOptions, Loaded
from normlang.core.findings import Finding
from normlang.core.source import SourceFile
from normlang.model.loader import load_source
from normlang.syntax import ast
from normlang.syntax.lower import lower
from normlang.syntax.parser import parse

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


def parse_file(text: str) -> ast.File:
    """Parse and lower `text`; fail the test on any syntax finding."""
    source = SourceFile("t.norm", text)
    parsed = parse(source)
    assert parsed.tree is not None, [f.message for f in parsed.findings]
    file, problems = lower(parsed.tree, source)
    assert not problems, [f.message for f in problems]
    return file


def parse_expr(text: str) -> ast.Expr:
    """The expression of `assume TEXT`."""
    decl = parse_file(f"assume {text}").decls[0]
    assert isinstance(decl, ast.Assume)
    return decl.expr


def syntax_errors(text: str) -> list[str]:
    source = SourceFile("t.norm", text)
    return [f.message for f in parse(source).findings]
