"""`normcheck graph`: the spec as a graph (norms, priority, clashes, files), from networkx."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .spec import Spec

if TYPE_CHECKING:
    import networkx as nx


def spec_graph(spec: Spec) -> nx.MultiDiGraph:
    """Norm nodes (with layer and file), file nodes, and edges of kind
    `priority` (layer order between norms that share actions, overrides, prefer),
    `clash` and `declared-in`."""
    import networkx as nx

    from .meaning import clash_pairs
    from .structure import split_groups

    graph = nx.MultiDiGraph()
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
    return graph


def render_graph(graph: nx.MultiDiGraph, fmt: str) -> str:
    nodes = sorted(graph.nodes(data=True), key=lambda item: str(item[0]))
    edges = sorted(((str(u), str(v), d) for u, v, d in graph.edges(data=True)),
                   key=lambda e: (e[0], e[1], e[2]["kind"], e[2].get("origin", "")))
    if fmt == "json":
        return json.dumps({"nodes": [{"id": str(n), **d} for n, d in nodes],
                           "edges": [{"source": u, "target": v, **d} for u, v, d in edges]},
                          indent=2) + "\n"
    if fmt == "mermaid":
        ids = {str(n): f"n{i}" for i, (n, _d) in enumerate(nodes)}
        lines = ["graph TD"]
        for name, data in nodes:
            shape = f'[["{name}"]]' if data.get("kind") == "file" else f'["{name}"]'
            lines.append(f"  {ids[str(name)]}{shape}")
        arrows = {"priority": "-->", "clash": "-.-", "declared-in": "---"}
        for u, v, data in edges:
            label = data["kind"] if data["kind"] != "priority" else data.get("origin", "priority")
            lines.append(f"  {ids[u]} {arrows[data['kind']]}|{label}| {ids[v]}")
        return "\n".join(lines) + "\n"
    lines = ["digraph normlang {"]
    for name, data in nodes:
        shape = "folder" if data.get("kind") == "file" else "box"
        layer = f"\\n@{data['layer']}" if data.get("layer") else ""
        lines.append(f'  "{name}" [shape={shape}, label="{name}{layer}"];')
    styles = {"priority": "solid", "clash": "dashed", "declared-in": "dotted"}
    for u, v, data in edges:
        label = data.get("origin", data["kind"])
        extra = ", dir=none, color=red" if data["kind"] == "clash" else ""
        lines.append(f'  "{u}" -> "{v}" [style={styles[data["kind"]]}, label="{label}"{extra}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
