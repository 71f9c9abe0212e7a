"""What hovering shows: the declaration behind a name, and the findings (with their witness)
at the place hovered."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..core.findings import Finding, Witness, format_value
from ..model.spec import NormDecl, Spec
from ..syntax import ast
from ..syntax.printer import decl_text
from .analysis import Analysis
from .positions import file_of_span
from .symbols import Occurrence, Symbol


def hover_text(analysis: Analysis, path: Path, offset: int,
               findings: Iterable[Finding]) -> str | None:
    """Markdown for the place at `offset` of `path`, or None when there is nothing to say."""
    parts: list[str] = []
    occurrence = analysis.index.at(path, offset)
    if occurrence is not None:
        described = describe(analysis, occurrence.symbol, findings)
        if described:
            parts.append(described)
    parts.extend(finding_text(f) for f in findings if _covers(f, path, offset))
    return "\n\n---\n\n".join(parts) or None


def describe(analysis: Analysis, symbol: Symbol, findings: Iterable[Finding] = ()) -> str:
    """The symbol's declaration as markdown: its source text, then what the spec says of it."""
    declarations = analysis.index.declarations(symbol)
    if not declarations:
        return ""
    first = declarations[0]
    lines = [f"**{symbol.kind}** `{symbol.name}`", "", "```norm", _decl_source(first), "```"]
    spec = analysis.loaded.spec
    if symbol.kind == "norm":
        lines.extend(_norm_lines(symbol.name, spec, findings))
    elif symbol.kind == "fact" and isinstance(first.decl, ast.Fact):
        lines.append(_fact_type(first.decl, analysis))
    elif symbol.kind == "layer" and spec is not None and symbol.name in spec.layers:
        rank = spec.layers.index(symbol.name) + 1
        lines.append(f"layer {rank} of {len(spec.layers)} (highest authority first: "
                     f"{' > '.join(spec.layers)})")
    lines.append(f"declared at `{first.span}`")
    return "\n".join(lines)


def _decl_source(occurrence: Occurrence) -> str:
    decl = occurrence.decl
    return decl_text(decl) if decl is not None else occurrence.symbol.name


def _fact_type(fact: ast.Fact, analysis: Analysis) -> str:
    type_ref = fact.type
    if type_ref.kind == "enum" and type_ref.enum is not None:
        values = [o.symbol.short for o in analysis.index.declared("enum value")
                  if o.symbol.name.startswith(f"{type_ref.enum}.")]
        return f"type: enum `{type_ref.enum}` — {', '.join(f'`{v}`' for v in values)}"
    if type_ref.kind == "int" and type_ref.low is not None:
        return f"type: `int` in {type_ref.low}..{type_ref.high}"
    return f"type: `{type_ref.kind}`"


def _norm_lines(name: str, spec: Spec | None, findings: Iterable[Finding]) -> list[str]:
    norm = _norm(spec, name)
    if spec is None or norm is None:
        return []
    lines = [f"layer: `{norm.layer}`" + (f" (rank {norm.rank})" if len(spec.layers) > 1 else "")]
    if norm.source:
        lines.append(f"source: {norm.source}")
    if norm.serves:
        lines.append("serves: " + ", ".join(f"`{v}`" for v in norm.serves))
    if norm.protected:
        lines.append("protected permission")
    overriders = [e for e in spec.edges if e.lower == name]
    for edge in overriders:
        lines.append(f"overridden by `{edge.higher}` ({edge.origin}, at `{edge.span}`)")
    for edge in (e for e in spec.edges if e.higher == name):
        lines.append(f"overrides `{edge.lower}` ({edge.origin})")
    for finding in findings:
        if finding.kind == "overridden" and finding.norms and finding.norms[0] == name:
            lines.append(f"overridden: {finding.message}")
    return lines


def _norm(spec: Spec | None, name: str) -> NormDecl | None:
    if spec is None:
        return None
    return next((n for n in spec.norms if n.name == name), None)


def _covers(finding: Finding, path: Path, offset: int) -> bool:
    spans = [finding.span, *(label.span for label in finding.labels)]
    return any(file_of_span(s.path) == path and s.start <= offset <= s.end for s in spans)


def finding_text(finding: Finding) -> str:
    """A finding as markdown: its kind and message, then its witness."""
    lines = [f"**{finding.kind}** ({finding.severity.value}): {finding.message}"]
    lines.extend(f"- {label.message}" for label in finding.labels if label.message)
    lines.extend(f"_help:_ {line}" for line in finding.help)
    if finding.witness is not None:
        lines.extend(witness_lines(finding.witness))
    return "\n\n".join(lines[:1]) + ("\n\n" + "\n".join(lines[1:]) if lines[1:] else "")


def witness_lines(witness: Witness) -> list[str]:
    lines = ["", "witness situation:"]
    lines.extend(f"- `{name}` = `{format_value(v)}`" for name, v in witness.situation.items())
    if witness.defines:
        lines.append("defines:")
        lines.extend(f"- `{name}` = `{format_value(v)}`" for name, v in witness.defines.items())
    if witness.conduct:
        lines.append("conduct:")
        lines.extend(f"- `{name}` = `{format_value(v)}`" for name, v in witness.conduct.items())
    if witness.active:
        lines.append("active norms: " + ", ".join(f"`{n}`" for n in witness.active))
    if witness.defeated:
        lines.append("defeated norms: " + ", ".join(f"`{n}`" for n in witness.defeated))
    return lines


__all__ = ["describe", "finding_text", "hover_text"]
