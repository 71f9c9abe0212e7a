"""A small directed graph: what the priority relation and the import check need of one.

Both are acyclic in every spec worth checking, and deciding that must not cost a hook's
start-up networkx's import (~60 ms); `to_networkx` hands a graph that has a cycle to
networkx, to list the cycles for the error message.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import networkx as nx

N = TypeVar("N", bound=Hashable)


class Digraph(Generic[N]):
    """A directed graph with a data dict per edge, kept as adjacency dicts. Node and edge
    order are the order they were added in, as in networkx."""

    def __init__(self) -> None:
        self._successors: dict[N, dict[N, dict[str, object]]] = {}
        self._predecessors: dict[N, dict[N, dict[str, object]]] = {}

    def add_edge(self, source: N, target: N, **data: object) -> None:
        for node in (source, target):
            self._successors.setdefault(node, {})
            self._predecessors.setdefault(node, {})
        if target in self._successors[source]:
            self._successors[source][target].update(data)
        else:
            self._successors[source][target] = self._predecessors[target][source] = dict(data)

    def has_edge(self, source: N, target: N) -> bool:
        return target in self._successors.get(source, {})

    def edge(self, source: N, target: N) -> dict[str, object]:
        return self._successors[source][target]

    def edges(self) -> Iterator[tuple[N, N, dict[str, object]]]:
        for source, targets in self._successors.items():
            for target, data in targets.items():
                yield source, target, data

    def successors(self, node: N) -> Iterator[N]:
        return iter(self._successors[node])

    def descendants(self, node: N) -> set[N]:
        """Nodes other than `node` reached from it (networkx's `descendants`)."""
        return _reached(self._successors, node)

    def ancestors(self, node: N) -> set[N]:
        """Nodes other than `node` that reach it (networkx's `ancestors`)."""
        return _reached(self._predecessors, node)

    def is_acyclic(self) -> bool:
        """Kahn's algorithm: peel nodes without predecessors; a cycle is what remains."""
        waiting = {node: len(sources) for node, sources in self._predecessors.items()}
        ready = [node for node, count in waiting.items() if count == 0]
        peeled = 0
        while ready:
            node = ready.pop()
            peeled += 1
            for target in self._successors[node]:
                waiting[target] -= 1
                if waiting[target] == 0:
                    ready.append(target)
        return peeled == len(waiting)

    def to_networkx(self) -> nx.DiGraph[N]:
        import networkx as nx

        graph: nx.DiGraph[N] = nx.DiGraph()
        graph.add_nodes_from(self._successors)  # same node and edge order as built here
        for source, target, data in self.edges():
            graph.add_edge(source, target, **data)
        return graph


def _reached(links: dict[N, dict[N, dict[str, object]]], start: N) -> set[N]:
    reached: set[N] = set()
    stack = list(links[start])
    while stack:
        node = stack.pop()
        if node not in reached:
            reached.add(node)
            stack.extend(links[node])
    reached.discard(start)
    return reached
