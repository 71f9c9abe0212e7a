"""The outline of a file: its layers with their norms beneath them, then its other declarations."""

from __future__ import annotations

from lsprotocol import types

from ..core.source import SourceFile, Span
from ..model.spec import Spec
from ..syntax import ast
from .convert import lsp_range

#: how each declaration shows in the outline: its symbol kind and a word for its detail
_KINDS: dict[type, tuple[types.SymbolKind, str]] = {
    ast.Agent: (types.SymbolKind.Class, "agent"),
    ast.Enum: (types.SymbolKind.Enum, "enum"),
    ast.Fact: (types.SymbolKind.Variable, "fact"),
    ast.Action: (types.SymbolKind.Method, "action"),
    ast.Define: (types.SymbolKind.Constant, "define"),
    ast.Value: (types.SymbolKind.Property, "value"),
    ast.Scenario: (types.SymbolKind.Event, "scenario"),
}

#: the outline's group for norms of a file without `layers` (one implicit layer)
NO_LAYER = "(one layer)"


def document_symbols(file: ast.File, source: SourceFile, spec: Spec | None,
                     encoding: str) -> list[types.DocumentSymbol]:
    def symbol(name: str, detail: str, kind: types.SymbolKind, span: Span, at: Span,
               children: list[types.DocumentSymbol] | None = None) -> types.DocumentSymbol:
        return types.DocumentSymbol(name=name or "?", detail=detail, kind=kind,
                                    range=lsp_range(source, span, encoding),
                                    selection_range=lsp_range(source, at, encoding),
                                    children=children)

    layers = _layer_order(file, spec)
    groups: dict[str, list[types.DocumentSymbol]] = {name: [] for name in layers}
    others: list[types.DocumentSymbol] = []
    for decl in file.decls:
        if isinstance(decl, ast.Norm):
            layer = _layer_of(decl, spec, layers)
            groups.setdefault(layer, []).append(symbol(
                decl.name.name, f"{decl.agent.name} {decl.modality}", types.SymbolKind.Function,
                decl.span, decl.name.span))
        elif isinstance(decl, ast.Action):
            others.append(symbol(f"{decl.agent.name}.{decl.name.name}", "action",
                                 types.SymbolKind.Method, decl.span, decl.name.span))
        elif isinstance(decl, ast.Enum):
            values = [symbol(v.name, "value", types.SymbolKind.EnumMember, v.span, v.span)
                      for v in decl.values]
            others.append(symbol(decl.name.name, "enum", types.SymbolKind.Enum, decl.span,
                                 decl.name.span, values))
        elif type(decl) in _KINDS:
            kind, word = _KINDS[type(decl)]
            ident: ast.Ident = decl.name  # type: ignore[union-attr]
            others.append(symbol(ident.name, word, kind, decl.span, ident.span))
    layer_spans = _layer_spans(file)
    out = []
    for name, norms in groups.items():
        if not norms and name not in layer_spans:
            continue
        span = layer_spans.get(name)
        if span is None:  # a layer declared in an imported file: the group spans its norms
            out.append(types.DocumentSymbol(
                name=name, detail="layer", kind=types.SymbolKind.Namespace,
                range=types.Range(norms[0].range.start, norms[-1].range.end),
                selection_range=norms[0].selection_range, children=norms))
        else:
            out.append(symbol(name, "layer", types.SymbolKind.Namespace, span, span, norms))
    return out + others


def _layer_order(file: ast.File, spec: Spec | None) -> list[str]:
    if spec is not None and spec.layers:
        return list(spec.layers)
    for decl in file.decls:
        if isinstance(decl, ast.Layers):
            return [ident.name for ident in decl.names]
    return []


def _layer_of(norm: ast.Norm, spec: Spec | None, layers: list[str]) -> str:
    if norm.layer is not None:
        return norm.layer.name
    if spec is not None:
        resolved = next((n for n in spec.norms if n.name == norm.name.name), None)
        if resolved is not None:
            return resolved.layer
    return layers[-1] if layers else NO_LAYER


def _layer_spans(file: ast.File) -> dict[str, Span]:
    return {ident.name: ident.span for decl in file.decls if isinstance(decl, ast.Layers)
            for ident in decl.names}
