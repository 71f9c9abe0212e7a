"""Views: the sets of norms a check looks at and their activity.

A view is all the norms, one layer alone, a layer and every higher one, or such a set
minus one norm. A norm of a view is active where it applies and no active norm of the
view that may precede it (by the priority relation restricted to the view) clashes
with it; each norm's activity is a constant, defined by equations per group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

import z3

from ..model.spec import FALSE, TRUE, And, NormDecl, Or, RExpr, Spec
from .conduct import and_, or_
from .encode import Encoder, LazyConstants, implies, neg
from .structure import Group, Node, Priority


def _any(items: Sequence[RExpr]) -> RExpr:
    """`Or`, folding constants and repeats."""
    kept: list[RExpr] = []
    for item in items:
        parts = item.items if isinstance(item, Or) else (item,)
        for part in parts:
            if part == TRUE:
                return TRUE
            if part != FALSE and part not in kept:
                kept.append(part)
    return FALSE if not kept else kept[0] if len(kept) == 1 else Or(tuple(kept))


def _all(items: Sequence[RExpr]) -> RExpr:
    """`And`, folding constants and repeats."""
    kept: list[RExpr] = []
    for item in items:
        parts = item.items if isinstance(item, And) else (item,)
        for part in parts:
            if part == FALSE:
                return FALSE
            if part != TRUE and part not in kept:
                kept.append(part)
    return TRUE if not kept else kept[0] if len(kept) == 1 else And(tuple(kept))


class AllBut(Mapping[str, NormDecl]):
    """A view's norms minus one, without copying the others (redundancy asks this per norm)."""

    def __init__(self, norms: Mapping[str, NormDecl], left_out: str) -> None:
        self.base = norms
        self.left_out = left_out

    def __getitem__(self, name: str) -> NormDecl:
        if name == self.left_out:
            raise KeyError(name)
        return self.base[name]

    def __contains__(self, name: object) -> bool:
        return name != self.left_out and name in self.base

    def __iter__(self) -> Iterator[str]:
        return (name for name in self.base if name != self.left_out)

    def __len__(self) -> int:
        return len(self.base) - (self.left_out in self.base)


class NormSet(Mapping[str, NormDecl]):
    """The norms of a spec that pass a test, without copying them (a layer, a layer and
    above): membership is a dictionary look-up, iteration walks the spec."""

    def __init__(self, by_name: Mapping[str, NormDecl], keep: Callable[[NormDecl], bool]) -> None:
        self.by_name = by_name
        self.keep = keep
        self._size: int | None = None

    def __getitem__(self, name: str) -> NormDecl:
        norm = self.by_name[name]
        if not self.keep(norm):
            raise KeyError(name)
        return norm

    def __contains__(self, name: object) -> bool:
        norm = self.by_name.get(name) if isinstance(name, str) else None
        return norm is not None and self.keep(norm)

    def __iter__(self) -> Iterator[str]:
        return (name for name, norm in self.by_name.items() if self.keep(norm))

    def __len__(self) -> int:
        if self._size is None:
            self._size = sum(1 for _ in self)
        return self._size


def restricted_priority(spec: Spec, full: Priority, norms: Mapping[str, NormDecl]) -> Priority:
    """The priority relation among `norms` alone (explicit edges between them, layers)."""
    kept = [e for e in spec.edges if e.higher in norms and e.lower in norms]
    if len(kept) == len(spec.edges) and (len(norms) == len(spec.norms) or not spec.edges):
        return full
    return Priority(replace(spec, norms=tuple(norms.values()), edges=tuple(kept)))


class ViewEngine(Protocol):
    """What a view needs of the engine that makes it."""

    prefix: str
    spec: Spec
    priority: Priority
    groups: list[Group]
    enc: Encoder
    memo: dict[tuple[object, ...], object]

    def imported_definitions(self, tag: str, group: Group) -> list[z3.BoolRef] | None: ...

    def never_together(self, first: NormDecl, second: NormDecl) -> bool: ...

    def applicable(self, norm: NormDecl) -> z3.BoolRef: ...

    def clash(self, first: NormDecl, second: NormDecl) -> z3.BoolRef: ...


class View:
    """Activity of a subset of the norms (all of them, a layer alone, a layer and above)."""

    def __init__(self, engine: ViewEngine, norms: Iterable[NormDecl] | Mapping[str, NormDecl],
                 tag: str, same_priority: bool = False, priority: Priority | None = None) -> None:
        """`same_priority`: the caller guarantees the full spec's priority relation,
        restricted to these norms, is theirs (e.g. a layer and everything above it).
        `priority`: the relation among these norms, when already known.
        `norms` may be a mapping by name, which is used as it is (not copied)."""
        self.engine = engine
        self.tag = tag
        self.norms: Mapping[str, NormDecl] = (
            norms if isinstance(norms, Mapping) else {n.name: n for n in norms})
        if priority is not None:
            self.priority = priority
        elif same_priority:
            self.priority = engine.priority
        else:
            self.priority = restricted_priority(engine.spec, engine.priority, self.norms)
        prefix = f"act{engine.prefix}{tag}!"
        #: the activity constant of each norm of the view
        self.act: Mapping[str, z3.BoolRef] = LazyConstants(
            self.norms, lambda name: z3.Bool(prefix + name))
        self._definitions: dict[int, list[z3.BoolRef]] = {}

    def members(self, group: Group) -> list[NormDecl]:
        return [n for n in group.norms if n.name in self.norms]

    def definitions(self, group: Group) -> list[z3.BoolRef]:
        """The equations that define `act[n]` for the group's norms in this view."""
        imported = self.engine.imported_definitions(self.tag, group)
        if imported is not None:
            return imported
        if group.index not in self._definitions:
            members = self.members(group)
            equations = []
            for norm in members:
                defeat = or_([
                    and_([self.prec(other.name, norm.name), self.act[other.name],
                          self.engine.clash(other, norm)])
                    for other in members
                    if other.name != norm.name and self.priority.may_precede(other.name, norm.name)
                    # a norm that never applies with this one is never active where it applies
                    and not self.engine.never_together(other, norm)
                ])
                equations.append(self.act[norm.name] == and_([self.engine.applicable(norm),
                                                              neg(defeat)]))
            self._definitions[group.index] = equations
        return self._definitions[group.index]

    def all_definitions(self) -> list[z3.BoolRef]:
        return [d for g in self.engine.groups for d in self.definitions(g)]

    def prec(self, higher: str, lower: str) -> z3.BoolRef:
        """`higher ≻ lower` as a formula over the situation."""
        graph = self.priority
        if not graph.may_precede(higher, lower):
            return z3.BoolVal(False)
        if not graph.conditional:
            return z3.BoolVal(True)
        # views that share a priority graph share these formulas; the entry keeps the
        # graph alive, so that its id is not reused by another graph while it is cached
        key = ("prec", id(graph), higher, lower)
        memo = self.engine.memo
        if key not in memo:
            memo[key] = (graph, self.engine.enc.term(self._prec_expr(higher, lower)))
        return memo[key][1]  # type: ignore[index]

    def _prec_expr(self, higher: str, lower: str) -> RExpr:
        """"A path of holding edges leads from `higher` to `lower`", over the nodes between.

        Iterated to a fixpoint, at most once per node: exact in every situation
        where the holding edges are acyclic, which the situation constraint guarantees.
        """
        graph = self.priority.graph
        target = self.priority.in_node(lower)
        start = self.priority.out_node(higher)
        first: list[tuple[Node, RExpr]]
        if start[0] == "top":
            first = [(start, TRUE)]
        else:
            first = [(nxt, self._when(start, nxt)) for nxt in sorted(graph.successors(start), key=str)]
        above = graph.ancestors(target) | {target}
        between: set[Node] = set()
        for node, _when in first:
            if node in above:
                between |= (graph.descendants(node) | {node}) & above
        order = sorted(between, key=str)
        reach: dict[Node, RExpr] = {n: TRUE if n == target else FALSE for n in order}
        for _ in range(len(order)):
            step = {n: _any([TRUE if n == target else FALSE] + [
                        _all([self._when(n, m), reach[m]])
                        for m in sorted(graph.successors(n), key=str) if m in reach])
                    for n in order}
            if step == reach:
                break
            reach = step
        return _any([_all([when, reach[node]]) for node, when in first if node in reach])

    def _when(self, source: Node, target: Node) -> RExpr:
        return self.priority.graph.edge(source, target)["when"]  # type: ignore[return-value]

    def complies(self, group: Group, actions: dict[str, z3.BoolRef] | None = None,
                 leave_out: str | None = None) -> z3.BoolRef:
        """The group's constraints and the demands of its active must-norms, for a conduct
        (without the demand of `leave_out`)."""
        enc = self.engine.enc
        parts = [enc.term(c.expr, actions) for c in group.constraints]
        parts += [implies(self.act[n.name], enc.term(n.demand, actions))
                  for n in self.members(group) if n.modality != "may" and n.name != leave_out]
        return and_(parts)
