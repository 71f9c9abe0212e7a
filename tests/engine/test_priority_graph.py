"""`digraph.Digraph` (the priority relation's and the import check's small graph) against
networkx.

The engine reads priority paths from it (`descendants`, `ancestors`, `successors`) and asks
it whether the graph has a cycle before it hands the graph to networkx to list cycles, so
each answer must be networkx's on any graph, self-loops and repeated edges included.
"""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from normlang.core.digraph import Digraph

NODES = [("top", 0), ("top", 1), ("norm", "a"), ("norm", "b"), ("norm", "c"), ("norm", "d")]

edge_lists = st.lists(st.tuples(st.sampled_from(NODES), st.sampled_from(NODES),
                                st.integers(0, 3)), max_size=14)


def _both(edges: list[tuple[tuple[str, object], tuple[str, object], int]],
          ) -> tuple[Digraph, nx.DiGraph]:
    ours, theirs = Digraph(), nx.DiGraph()
    for source, target, label in edges:
        ours.add_edge(source, target, label=label)
        theirs.add_edge(source, target, label=label)
    return ours, theirs


@settings(max_examples=300, deadline=None)
@given(edge_lists)
def test_reachability_and_acyclicity_match_networkx(edges: list) -> None:
    ours, theirs = _both(edges)
    assert ours.is_acyclic() == nx.is_directed_acyclic_graph(theirs)
    for node in theirs.nodes:
        assert ours.descendants(node) == nx.descendants(theirs, node)
        assert ours.ancestors(node) == nx.ancestors(theirs, node)
        assert list(ours.successors(node)) == list(theirs.successors(node))


@settings(max_examples=300, deadline=None)
@given(edge_lists)
def test_edge_data_and_order_match_networkx(edges: list) -> None:
    """A repeated edge keeps one data dict (the latest values), as networkx's does; the
    networkx copy lists nodes and edges in the same order, so the cycles it finds do not
    depend on which graph was built."""
    ours, theirs = _both(edges)
    assert list(ours.edges()) == list(theirs.edges(data=True))
    for source, target, data in theirs.edges(data=True):
        assert ours.has_edge(source, target) and ours.edge(source, target) == data
    copy = ours.to_networkx()
    assert list(copy.nodes) == list(theirs.nodes)
    assert list(copy.edges(data=True)) == list(theirs.edges(data=True))
    assert list(nx.simple_cycles(copy)) == list(nx.simple_cycles(theirs))


def test_a_self_loop_is_a_cycle() -> None:
    graph = Digraph()
    graph.add_edge(("norm", "a"), ("norm", "b"))
    assert graph.is_acyclic()
    graph.add_edge(("norm", "b"), ("norm", "b"))
    assert not graph.is_acyclic()
    assert graph.descendants(("norm", "b")) == set()  # never the node itself, as networkx
