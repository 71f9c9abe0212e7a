"""`normcheck graph`: the spec as a graph (norms, priority, clashes, files), from networkx.

Nodes: one per norm (`kind="norm"`, with its layer, modality, agent, file, line)
and one per file (`kind="file"`). Edges, each with a `kind`:
`priority` (higher -> lower; `origin` is `layers`, `overrides` or `prefer`; layer
edges only between norms that share actions, since other pairs can never clash),
`clash` (two norms that clash in some situation), `declared-in` (norm -> file)
and `imports` (file -> imported file).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..core.escape import escaped
from ..model.spec import Spec

if TYPE_CHECKING:
    import networkx as nx


def spec_graph(spec: Spec) -> nx.MultiDiGraph[str]:
    """The graph of `spec` (see the module doc for its nodes and edges)."""
    import networkx as nx

    from ..engine.structure import split_groups
    from .meaning import clash_pairs

    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for path in spec.files:
        graph.add_node(path, kind="file")
    for norm in spec.norms:
        graph.add_node(norm.name, kind="norm", layer=norm.layer, modality=norm.modality,
                       agent=norm.agent, file=norm.span.path, line=norm.span.line)
        graph.add_node(norm.span.path, kind="file")
        graph.add_edge(norm.name, norm.span.path, kind="declared-in")
    for group in split_groups(spec):
        for higher in group.norms:
            for lower in group.norms:
                if higher.rank < lower.rank:
                    graph.add_edge(higher.name, lower.name, kind="priority", origin="layers")
    for edge in spec.edges:
        graph.add_edge(edge.higher, edge.lower, kind="priority", origin=edge.origin)
    for first, second in clash_pairs(spec):
        graph.add_edge(first, second, kind="clash")
    for importer, imported in _imports(spec):
        graph.add_edge(importer, imported, kind="imports")
    return graph


def _imports(spec: Spec) -> list[tuple[str, str]]:
    """(importing file, imported file) for every `import` among the spec's files."""
    from ..model.imports import display_path
    from ..syntax import ast
    from ..syntax.lower import lower
    from ..syntax.parser import parse

    edges = []
    for path, source in sorted(spec.files.items()):
        parsed = parse(source)
        if parsed.tree is None:
            continue
        file, _problems = lower(parsed.tree, source)
        for decl in file.decls:
            if isinstance(decl, ast.Import):
                target = display_path((Path(path).parent / decl.path).resolve())
                if target in spec.files:
                    edges.append((path, target))
    return edges


def render_graph(graph: nx.MultiDiGraph[str], fmt: str) -> str:
    """The graph as Graphviz `dot`, a Mermaid flowchart, or node-link `json`."""
    nodes: list[tuple[str, dict[str, Any]]] = sorted(
        cast("Iterable[tuple[str, dict[str, Any]]]", graph.nodes(data=True)), key=lambda item: str(item[0]))
    edges = sorted(((str(u), str(v), d) for u, v, d in graph.edges(data=True)),
                   key=lambda e: (e[0], e[1], e[2]["kind"], e[2].get("origin", "")))
    if fmt == "json":
        return json.dumps({"nodes": [{"id": str(n), **d} for n, d in nodes],
                           "edges": [{"source": u, "target": v, **d} for u, v, d in edges]},
                          indent=2) + "\n"
    if fmt == "mermaid":
        return _mermaid(nodes, edges)
    return _dot(nodes, edges)


_STYLES = {"priority": "solid", "clash": "dashed", "declared-in": "dotted", "imports": "bold"}
_ARROWS = {"priority": "-->", "clash": "-.-", "declared-in": "---", "imports": "==>"}


def _label(name: str, data: dict[str, Any]) -> str:
    """What a node shows: its name (a file's may hold anything), escaped to one safe line."""
    return escaped(f"{name} @{data['layer']}" if data.get("layer") else name)


def _mermaid(nodes: list[tuple[Any, dict[str, Any]]],
             edges: list[tuple[str, str, dict[str, Any]]]) -> str:
    ids = {str(n): f"n{i}" for i, (n, _d) in enumerate(nodes)}
    lines = ["graph TD"]
    for name, data in nodes:
        text = _label(str(name), data).replace('"', "#quot;")
        shape = f'[["{text}"]]' if data.get("kind") == "file" else f'["{text}"]'
        lines.append(f"  {ids[str(name)]}{shape}")
    for u, v, data in edges:
        label = data.get("origin", data["kind"])
        lines.append(f"  {ids[u]} {_ARROWS[data['kind']]}|{label}| {ids[v]}")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """A dot string: escaped to one safe line, then quoted."""
    return '"' + escaped(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot(nodes: list[tuple[Any, dict[str, Any]]],
         edges: list[tuple[str, str, dict[str, Any]]]) -> str:
    lines = ["digraph normlang {"]
    for name, data in nodes:
        shape = "folder" if data.get("kind") == "file" else "box"
        lines.append(f"  {_quoted(str(name))} [shape={shape}, "
                     f"label={_quoted(_label(str(name), data))}];")
    for u, v, data in edges:
        label = data.get("origin", data["kind"])
        extra = ", dir=none, color=red" if data["kind"] == "clash" else ""
        lines.append(f"  {_quoted(u)} -> {_quoted(v)} [style={_STYLES[data['kind']]}, "
                     f"label={_quoted(label)}{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
