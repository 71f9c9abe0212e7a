"""The shape of a spec, before any solving: independent groups and the priority graph.

Groups: norms whose demands share actions (directly or through a conduct
constraint) can interact; other norms cannot clash, so each group is checked
alone. Priority: the layer order plus `overrides`/`prefer` edges, kept as a
small summary graph so that the layer order costs O(layers), not O(norms²).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, cast

from ..core.digraph import Digraph
from ..model.spec import FALSE, TRUE, Const, Located, NormDecl, Or, PriorityEdge, RExpr, Spec
from .evaluate import names_in

if TYPE_CHECKING:
    import networkx as nx

Node = tuple[str, object]


@dataclass(frozen=True)
class Group:
    """Norms and constraints that share actions, and the facts they read."""

    index: int
    norms: tuple[NormDecl, ...]
    actions: tuple[str, ...]
    constraints: tuple[Located, ...]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, items: list[str]) -> None:
        if items:
            first = self.find(items[0])
            for other in items[1:]:
                self.parent[self.find(other)] = first


def split_groups(spec: Spec, merge_all: bool = False) -> list[Group]:
    """Partition norms (and constraints) into groups linked by shared actions.

    With `merge_all`, everything is one group: needed when some situation admits
    no conduct at all, since then every pair of norms clashes.
    """
    links = _UnionFind()
    keys: list[tuple[str, object]] = []
    for norm in spec.norms:
        acts = sorted(names_in(norm.target)[1]) or [f"norm:{norm.name}"]
        links.union(acts)
        keys.append((acts[0], norm))
    for located in spec.constraints:
        acts = sorted(names_in(located.expr)[1]) or ["constraint:facts"]
        links.union(acts)
        keys.append((acts[0], located))
    for action in spec.actions:
        links.find(action)
    if merge_all:
        links.union(sorted(links.parent))
    members: dict[str, list[object]] = {}
    actions: dict[str, list[str]] = {}
    for name in links.parent:
        root = links.find(name)
        members.setdefault(root, [])
        if name in spec.actions:
            actions.setdefault(root, []).append(name)
    for key, item in keys:
        members[links.find(key)].append(item)
    groups: list[Group] = []
    for root in sorted(members, key=lambda r: _group_order(members[r], r)):
        items = members[root]
        norms = tuple(i for i in items if isinstance(i, NormDecl))
        constraints = tuple(i for i in items if isinstance(i, Located))
        if not norms and not constraints:
            continue
        groups.append(Group(len(groups), norms, tuple(sorted(actions.get(root, []))), constraints))
    return groups


def _group_order(items: list[object], root: str) -> tuple[str, int, str]:
    spans = [i.span for i in items if isinstance(i, (NormDecl, Located))]
    first = min(spans, key=lambda s: (s.path, s.start)) if spans else None
    return (first.path, first.start, root) if first else ("", 0, root)


@dataclass
class Priority:
    """The priority relation `m ≻ n` as a summary graph with conditional edges.

    Nodes: `("top", r)` stands for "everything in layer r and below";
    `("norm", name)` exists only for norms with explicit edges. A norm without
    explicit edges enters the graph at `("top", rank + 1)` (its inferiors) and is
    reached through `("top", rank)` (its superiors).
    """

    spec: Spec
    conditional: bool = field(init=False)

    def __post_init__(self) -> None:
        self._endpoints = {e.higher for e in self.spec.edges} | {e.lower for e in self.spec.edges}
        self._rank = {n.name: n.rank for n in self.spec.norms}
        self.conditional = any(e.when != TRUE for e in self.spec.edges)
        self._descendants: dict[Node, frozenset[Node]] = {}

    @cached_property
    def graph(self) -> Digraph[Node]:
        """The summary graph (built on first use: a spec with layers alone never needs it)."""
        graph: Digraph[Node] = Digraph()
        levels = max([n.rank for n in self.spec.norms], default=0) + 2
        for rank in range(levels - 1):
            graph.add_edge(("top", rank), ("top", rank + 1), when=TRUE)
        for name in sorted(self._endpoints):
            graph.add_edge(("top", self._rank[name]), ("norm", name), when=TRUE)
            graph.add_edge(("norm", name), ("top", self._rank[name] + 1), when=TRUE)
        for edge in self.spec.edges:
            _add_explicit(graph, edge)
        return graph

    def out_node(self, norm: str) -> Node:
        """The node from which (reflexively) everything `norm` ranks above is reached."""
        if norm in self._endpoints:
            return ("norm", norm)
        return ("top", self._rank[norm] + 1)

    def in_node(self, norm: str) -> Node:
        """The node that reaches `norm` exactly when its source ranks above `norm`."""
        if norm in self._endpoints:
            return ("norm", norm)
        return ("top", self._rank[norm])

    def reachable(self, source: Node) -> frozenset[Node]:
        """Nodes reached from `source` by a path of length ≥ 0 (conditions ignored)."""
        if source not in self._descendants:
            self._descendants[source] = frozenset(self.graph.descendants(source) | {source})
        return self._descendants[source]

    def may_precede(self, higher: str, lower: str) -> bool:
        """Whether `higher ≻ lower` holds in some situation (conditions ignored)."""
        if higher == lower:
            return False
        if not self._endpoints:  # the layer order alone
            return self._rank[higher] < self._rank[lower]
        return any(self.in_node(lower) in self.reachable(start) for start in self._starts(higher))

    def _starts(self, norm: str) -> list[Node]:
        node = self.out_node(norm)
        if node[0] == "top":
            return [node]
        return list(self.graph.successors(node))

    def static_cycles(self) -> list[list[str]]:
        """Cycles through unconditional edges only (errors whatever the situation)."""
        if not self.has_cycles:
            return []
        import networkx as nx

        fixed: nx.DiGraph[Node] = nx.DiGraph()
        fixed.add_edges_from((u, v) for u, v, d in self.graph.edges() if d["when"] == TRUE)
        cycles = sorted(map(_canonical, _some_cycles(fixed)), key=lambda c: list(map(_node_key, c)))
        return [_norm_names(c) for c in cycles]

    def conditional_cycles(self, limit: int = 200) -> list[tuple[list[str], list[RExpr]]]:
        """Simple cycles that use at least one conditional edge, with their conditions."""
        if not self.conditional or not self.has_cycles:
            return []
        import networkx as nx

        cycles = []
        for cycle in nx.simple_cycles(self.graph.to_networkx()):
            if any(self.graph.edge(u, v)["when"] != TRUE for u, v in _pairs(cycle)):
                cycles.append(_canonical(cycle))
            if len(cycles) >= limit:
                break
        found = []
        for cycle in sorted(cycles, key=lambda c: list(map(_node_key, c))):
            conditions = [cast("RExpr", self.graph.edge(u, v)["when"]) for u, v in _pairs(cycle)]
            found.append((_norm_names(cycle), [c for c in conditions if c != TRUE]))
        return found

    def edge_spans(self, names: list[str]) -> list[PriorityEdge]:
        """The explicit edges between the given norms (for labelling a cycle)."""
        wanted = set(names)
        return [e for e in self.spec.edges if e.higher in wanted and e.lower in wanted]

    @cached_property
    def has_cycles(self) -> bool:
        if not self._endpoints:
            return False
        return not self.graph.is_acyclic()


def _add_explicit(graph: Digraph[Node], edge: PriorityEdge) -> None:
    source, target = ("norm", edge.higher), ("norm", edge.lower)
    if graph.has_edge(source, target):
        data = graph.edge(source, target)
        previous: RExpr = data["when"]  # type: ignore[assignment]
        data["when"] = TRUE if TRUE in (previous, edge.when) else Or((previous, edge.when))
        data["edges"].append(edge)  # type: ignore[attr-defined]
    else:
        graph.add_edge(source, target, when=edge.when, edges=[edge])


def _pairs(cycle: list[Node]) -> list[tuple[Node, Node]]:
    return [(cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(len(cycle))]


def _some_cycles(graph: nx.DiGraph[Node]) -> list[list[Node]]:
    import networkx as nx

    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            cycles.append(nx.find_cycle(graph.subgraph(component)))
    return [[u for u, _ in c] for c in cycles]


def _canonical(cycle: list[Node]) -> list[Node]:
    """The cycle started at its least node: networkx finds cycles in an order that follows
    string hashing, which differs from one run to the next."""
    start = cycle.index(min(cycle, key=_node_key))
    return cycle[start:] + cycle[:start]


def _node_key(node: Node) -> tuple[str, str]:
    return node[0], str(node[1])


def _norm_names(cycle: list[Node]) -> list[str]:
    return [str(name) for kind, name in cycle if kind == "norm"]


@dataclass
class Layout:
    """What every task of one check shares, computed once per spec and free of z3 terms:
    the independent groups, the priority graph (and that of each layer judged alone by a
    `complies with`), and which facts `assume`s link."""

    spec: Spec
    groups: list[Group]
    priority: Priority
    #: whether some situation admits no conduct, so that everything is one group
    merged: bool
    #: whether any situation exists (None: not yet known)
    world_exists: bool | None
    fact_links: dict[str, set[str]]
    layer_priority: dict[str, Priority] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.assumed_facts = {f for a in self.spec.assumes for f in names_in(a.expr)[0]}
        self.group_of = {n.name: g for g in self.groups for n in g.norms}
        self.group_of_action = {a: g for g in self.groups for a in g.actions}
        self.by_name = {n.name: n for n in self.spec.norms}


def fact_links(spec: Spec) -> dict[str, set[str]]:
    """For each fact, the facts an `assume` links it with (transitively), itself included."""
    links: dict[str, set[str]] = {f: {f} for f in spec.facts}
    for assume in spec.assumes:
        facts = names_in(assume.expr)[0]
        members = set().union(*(links[f] for f in facts)) if facts else set()
        for fact in members:
            links[fact] = members
    return links


def default_value(spec: Spec, fact: str) -> bool | int:
    """A value of the fact's type for plain evaluation: false, the first enum value (index
    0), else 0 or the bound nearest to it."""
    decl = spec.facts[fact]
    if decl.kind == "bool":
        return False
    if decl.kind == "enum":
        return 0
    if decl.low is not None and decl.low > 0:
        return decl.low
    if decl.high is not None and decl.high < 0:
        return decl.high
    return 0


def const_bool(expr: RExpr) -> bool | None:
    """The value of a constant boolean expression, else None."""
    if isinstance(expr, Const) and isinstance(expr.value, bool):
        return expr.value
    return None


__all__ = ["FALSE", "Group", "Layout", "Priority", "const_bool", "fact_links", "split_groups"]
