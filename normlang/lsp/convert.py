"""Findings as LSP diagnostics, and spans as LSP ranges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from lsprotocol import types

from ..core.findings import Finding, Severity
from ..core.source import SourceFile, Span
from ..syntax import ast
from .analysis import Analysis
from .positions import extent, file_of_span, uri_of_path

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def lsp_range(source: SourceFile, span: Span, encoding: str) -> types.Range:
    where = extent(source, span, encoding)
    return types.Range(types.Position(where.start.line, where.start.character),
                       types.Position(where.end.line, where.end.character))


def diagnostics(findings: Iterable[Finding], analysis: Analysis,
                encoding: str) -> list[types.Diagnostic]:
    """The findings of a check of the analysed root, as diagnostics of the root file: one that
    lies in an imported file is shown at the `import` that brings that file in."""
    out = []
    root_source = analysis.source(analysis.path)
    if root_source is None:
        return []
    for finding, where in placed(findings, analysis):
        message = finding.message
        if where is not finding.span:
            message = f"in `{finding.span.path}`:{finding.span.line}: {message}"
        out.append(types.Diagnostic(
            range=lsp_range(root_source, where, encoding), message=_full_message(message, finding),
            severity=_SEVERITIES[finding.severity], code=finding.kind, source="normcheck",
            related_information=_related(finding, analysis.loaded.files, encoding) or None))
    return out


def placed(findings: Iterable[Finding], analysis: Analysis) -> list[tuple[Finding, Span]]:
    """Each finding with where the root file shows it: its own span, or the `import` that
    brings in the file it lies in (findings in no file the root reads are left out)."""
    gateways = _import_gateways(analysis)
    out = []
    for finding in findings:
        home = file_of_span(finding.span.path)
        if home == analysis.path:
            out.append((finding, finding.span))
        elif home in gateways:
            out.append((finding, gateways[home]))
    return out


def _full_message(message: str, finding: Finding) -> str:
    return "\n".join([message, *(f"help: {line}" for line in finding.help)])


def _related(finding: Finding, files: Mapping[str, SourceFile],
             encoding: str) -> list[types.DiagnosticRelatedInformation]:
    out = []
    for label in finding.labels:
        source = files.get(label.span.path)
        if source is None or not label.message:
            continue
        location = types.Location(uri_of_path(file_of_span(label.span.path)),
                                  lsp_range(source, label.span, encoding))
        out.append(types.DiagnosticRelatedInformation(location, label.message))
    return out


def _import_gateways(analysis: Analysis) -> dict[Path, Span]:
    """For each file the root imports, directly or not, the root's `import` that brings it in."""
    parsed = analysis.parsed
    root = parsed.get(analysis.path)
    if root is None or root.file is None:
        return {}
    gateways: dict[Path, Span] = {}
    for decl in root.file.decls:
        if not isinstance(decl, ast.Import):
            continue
        stack = [(analysis.path.parent / decl.path).resolve()]
        while stack:
            here = stack.pop()
            if here in gateways or here == analysis.path:
                continue
            gateways[here] = decl.span
            one = parsed.get(here)
            if one is not None and one.file is not None:
                stack.extend((here.parent / d.path).resolve() for d in one.file.decls
                             if isinstance(d, ast.Import))
    return gateways
