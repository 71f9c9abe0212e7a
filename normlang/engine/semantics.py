"""The design's meaning as z3 formulas over the situation.

Applicability, priority, clash, activity and compliance are quantifier-free
formulas over the facts (activity through defining equations). The two places
where the meaning quantifies over all conducts — "no conduct complies"
(conflict) and the deontic atoms `obliged/forbidden/permitted` — are decided
exactly by counterexample-guided loops: a situation is proposed, the conduct
question is answered for it by a second solver over the actions, and the answer
is generalised into a lemma over the situation (a complying conduct found, or
an unsat core of active norms and fact atoms).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

import z3

from ..core.findings import WitnessValue
from ..model.spec import (
    FALSE,
    TRUE,
    ActionRef,
    And,
    Cmp,
    ConflictAtom,
    Const,
    DeonticAtom,
    Iff,
    Implies,
    NormDecl,
    Not,
    Or,
    RExpr,
    Spec,
)
from .encode import (
    Encoder,
    LazyConstants,
    assert_terms,
    conj,
    disj,
    implies,
    is_false_term,
    is_true_term,
    neg,
)
from .evaluate import evaluate, names_in
from .fact_ranges import Ranges, disjoint, ranges_of, some_point
from .solver import Limits, SolverCache, SolverGaveUp, is_sat
from .structure import Group, Layout, Node, Priority, default_value, fact_links, split_groups

MAX_ENUMERATED_ATOMS = 8


def _or(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    kept = [t for t in terms if not is_false_term(t)]
    if any(is_true_term(t) for t in kept):
        return z3.BoolVal(True)
    if not kept:
        return z3.BoolVal(False)
    return kept[0] if len(kept) == 1 else disj(kept)


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


def _and(terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
    kept = [t for t in terms if not is_true_term(t)]
    if any(is_false_term(t) for t in kept):
        return z3.BoolVal(False)
    if not kept:
        return z3.BoolVal(True)
    return kept[0] if len(kept) == 1 else conj(kept)


class ConductSpace:
    """A solver over the actions of some groups, with their constraints.

    Fact atoms of the constraints (and of deontic targets) are abstracted into
    boolean atoms, fixed per situation by assumptions. Each norm's demand is
    guarded by a selector, so active norms are switched on by assumptions and
    unsat cores name the norms responsible.
    """

    def __init__(self, engine: Engine, groups: Sequence[Group]) -> None:
        self.engine = engine
        # names the space's own constants; counted, not an address, so that a task names
        # (and z3 treats) them alike in every process
        engine.spaces_made += 1
        self.number = engine.spaces_made
        self.actions = sorted({a for g in groups for a in g.actions})
        self.solver = engine.limits.new_solver()
        self.atoms: dict[RExpr, z3.BoolRef] = {}
        self.constraint_atoms: list[RExpr] = []
        for group in groups:
            for located in group.constraints:
                assert_terms(self.solver, [self.abstract(located.expr)])
        self.constraint_atoms = list(self.atoms)
        self.select: dict[str, z3.BoolRef] = {}
        for group in groups:
            for norm in group.norms:
                selector = z3.Bool(f"sel!{norm.name}")  # one solver per space: no clash across engines
                self.select[norm.name] = selector
                assert_terms(self.solver, [implies(selector, engine.demand(norm))])
        self._guards: dict[RExpr, z3.BoolRef] = {}

    def abstract(self, expr: RExpr) -> z3.BoolRef:
        """`expr` with each maximal action-free subformula replaced by an atom."""
        if not names_in(expr)[1]:
            if isinstance(expr, Const):
                return z3.BoolVal(bool(expr.value))
            if expr not in self.atoms:
                self.atoms[expr] = z3.Bool(f"atom{self.number}!{len(self.atoms)}")
            return self.atoms[expr]
        if isinstance(expr, ActionRef):
            return self.engine.enc.actions[expr.name]
        if isinstance(expr, Not):
            return neg(self.abstract(expr.operand))
        if isinstance(expr, And):
            return conj([self.abstract(i) for i in expr.items])
        if isinstance(expr, Or):
            return disj([self.abstract(i) for i in expr.items])
        if isinstance(expr, Implies):
            return implies(self.abstract(expr.left), self.abstract(expr.right))
        if isinstance(expr, (Iff, Cmp)):
            left, right = self.abstract(expr.left), self.abstract(expr.right)
            same = left == right
            return neg(same) if isinstance(expr, Cmp) and expr.op == "!=" else same
        raise TypeError(f"not a formula over actions: {expr!r}")

    def guard(self, target: RExpr) -> z3.BoolRef:
        """A selector that switches on `target` (a deontic atom's formula)."""
        if target not in self._guards:
            selector = z3.Bool(f"guard{self.number}!{len(self._guards)}")
            assert_terms(self.solver, [implies(selector, self.abstract(target))])
            self._guards[target] = selector
        return self._guards[target]

    def atom_literals(self, model: z3.ModelRef,
                      atoms: Iterable[RExpr] | None = None) -> dict[z3.BoolRef, z3.BoolRef]:
        """Assumptions fixing the atoms to their values in `model`, mapped to fact literals."""
        out: dict[z3.BoolRef, z3.BoolRef] = {}
        for expr in (self.atoms if atoms is None else atoms):
            var = self.atoms[expr]
            fact_term = self.engine.enc.term(expr)
            if is_true_term(model.eval(fact_term, model_completion=True)):
                out[var] = fact_term
            else:
                out[neg(var)] = neg(fact_term)
        return out

    def conduct(self, also: Iterable[str] = ()) -> dict[str, bool]:
        """The conduct of the last satisfiable check: the space's actions and `also`
        (actions of a deontic target that no norm or constraint mentions)."""
        model = self.solver.model()
        return {a: is_true_term(model.eval(self.engine.enc.actions[a], model_completion=True))
                for a in sorted(set(self.actions) | set(also))}


@dataclass
class ConflictSet:
    """A minimal set of active norms that no conduct can satisfy, found in a situation."""

    norms: tuple[str, ...]
    #: the situation it was found in (None when it came from another task's text)
    model: z3.ModelRef | None
    condition: z3.BoolRef


@dataclass
class Conflicts:
    """The conflict sets found for a group, and the formula of the situations that have one."""

    sets: list[ConflictSet] = field(default_factory=list)
    formula: z3.BoolRef = field(default_factory=lambda: z3.BoolVal(False))


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


class View:
    """Activity of a subset of the norms (all of them, a layer alone, a layer and above)."""

    def __init__(self, engine: Engine, norms: Iterable[NormDecl] | Mapping[str, NormDecl],
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
                defeat = _or([
                    _and([self.prec(other.name, norm.name), self.act[other.name],
                          self.engine.clash(other, norm)])
                    for other in members
                    if other.name != norm.name and self.priority.may_precede(other.name, norm.name)
                    # a norm that never applies with this one is never active where it applies
                    and not self.engine.never_together(other, norm)
                ])
                equations.append(self.act[norm.name] == _and([self.engine.applicable(norm),
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
        memo = self.engine._memo
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
        return _and(parts)


Decider = Callable[[z3.ModelRef], "tuple[bool, z3.BoolRef]"]


def model_facts(model: z3.ModelRef) -> set[str]:
    """The facts (`f!NAME` constants) that `model` gives a value."""
    return {name[2:] for name in (d.name() for d in model.decls()) if name.startswith("f!")}


def refine(outer: z3.Solver, atoms: Sequence[tuple[z3.BoolRef, Decider]],
           limits: Limits) -> z3.ModelRef | None:
    """Find a model of `outer` in which each atom variable has its true value.

    Each decider gives an atom's value in the model's situation and a condition
    (true there) under which that value holds; a wrong guess adds the lemma
    "condition -> atom = value". Lemmas come from finitely many conducts and
    cores, so the loop ends.
    """
    while is_sat(outer, limits):
        model = outer.model()
        settled = True
        for var, decide in atoms:
            value, why = decide(model)
            if is_true_term(model.eval(var, model_completion=True)) != value:
                assert_terms(outer, [implies(why, var == z3.BoolVal(value))])
                settled = False
        if settled:
            return model
    return None


@dataclass
class KnownConflicts:
    """Conflicts found by earlier tasks of a check, for a task that needs another group's.

    Each entry is SMT-LIB text: the defining equations of the group's activity in one
    view, and a constant per minimal set (and one for their disjunction) equal to the
    condition under which it leaves no complying conduct. A fresh z3 context parses it
    back, so tasks share results without sharing a context. `analysed` names the views in
    which every group with a conflict has an entry (absent groups have none).
    """

    analysed: set[str] = field(default_factory=set)
    texts: dict[tuple[str, int], str] = field(default_factory=dict)
    sets: dict[tuple[str, int], list[tuple[str, ...]]] = field(default_factory=dict)
    #: (view, group) whose conflicts the solver could not decide
    unknown: set[tuple[str, int]] = field(default_factory=set)
    #: (group, set index) -> the facts of the group in a situation where that set (of
    #: the whole spec's view) leaves no conduct, as a plain evaluation environment
    situations: dict[tuple[int, int], dict[str, object]] = field(default_factory=dict)
    #: view -> the facts of every conflicting group in one situation without a conflict
    #: in that view (None: there is none)
    free: dict[str, dict[str, object] | None] = field(default_factory=dict)

    def update(self, other: KnownConflicts) -> None:
        self.texts.update(other.texts)
        self.sets.update(other.sets)
        self.unknown |= other.unknown
        self.situations.update(other.situations)

    def conflicting(self, tag: str) -> list[int]:
        """The groups with a conflict in view `tag` (undecided ones make this undecided)."""
        if any(t == tag for t, _g in self.unknown):
            raise SolverGaveUp("the conflicts of some group could not be decided")
        return sorted(g for t, g in self.texts if t == tag)


def set_constant(tag: str, group: int, index: int) -> z3.BoolRef:
    return z3.Bool(f"conflict!{tag}!{group}!{index}")


def formula_constant(tag: str, group: int) -> z3.BoolRef:
    return z3.Bool(f"conflicts!{tag}!{group}")


def lay_out(spec: Spec, limits: Limits, maybe_unmeetable: set[str] | None = None,
            layers_alone: Iterable[str] = ()) -> Layout:
    """The spec's groups and priority, and whether some situation admits no conduct
    (then every norm clashes with every other: one group). `maybe_unmeetable`: the only
    norms whose demand might not be met in some situation (None: any norm)."""
    groups = split_groups(spec)
    priority = Priority(spec)
    layout = Layout(spec, groups, priority, False, None, fact_links(spec))
    probe = Engine(spec, limits, layout=layout)
    try:
        world = probe._world_exists()
    except SolverGaveUp as gave_up:
        raise SolverGaveUp(gave_up.reason, "whether any situation satisfies the `assume`s") from None
    try:
        merged = probe._some_situation_has_no_conduct(maybe_unmeetable)
    except SolverGaveUp as gave_up:
        raise SolverGaveUp(gave_up.reason, "whether every demand can be met in every situation "
                                           "(which splits the spec into independent groups)") from None
    alone = {layer: restricted_priority(spec, priority,
                                        NormSet(layout.by_name, lambda n, l=layer: n.layer == l))
             for layer in sorted(set(layers_alone))}
    return Layout(spec, split_groups(spec, merge_all=True) if merged else groups, priority,
                  merged, world, layout.fact_links, alone)


class Engine:
    """Everything the checks need to ask z3 about one spec."""

    def __init__(self, spec: Spec, limits: Limits, prefix: str = "",
                 layout: Layout | None = None, known: KnownConflicts | None = None) -> None:
        self.prefix = prefix
        self.spec = spec
        self.limits = limits
        limits.configure()
        if layout is None:
            layout = lay_out(spec, limits)
        self.layout = layout
        self.known = known
        self.enc = Encoder(spec)
        self.priority = layout.priority
        self.groups = layout.groups
        self.merged = layout.merged
        self.group_of = layout.group_of
        self.group_of_action = layout.group_of_action
        # the conduct solvers of recently used groups (each holds a z3 solver: bounded memory)
        self._spaces: OrderedDict[tuple[int, ...], ConductSpace] = OrderedDict()
        self._clash: dict[tuple[str, str], z3.BoolRef] = {}
        self._applicable: dict[str, z3.BoolRef] = {}
        self._demand: dict[str, z3.BoolRef] = {}
        self._conflicts: dict[tuple[int, str], Conflicts] = {}
        self._views: dict[str, View] = {}
        self._situation: list[z3.BoolRef] | None = None
        self._fact_links: dict[str, set[str]] = layout.fact_links
        self._memo: dict[tuple[object, ...], object] = {}
        if layout.world_exists is not None:
            self._memo[("world",)] = layout.world_exists
        self._parsed: dict[tuple[str, int], list[z3.BoolRef]] = {}
        self.spaces_made = 0
        self.solvers = SolverCache()
        self._base_model: z3.ModelRef | None = None

    # ------------------------------------------------------------ quick answers without z3

    def when_ranges(self, norm: NormDecl) -> Ranges | None:
        """The fact ranges of the norm's `when` (None: not a conjunction of one-fact atoms)."""
        key = ("ranges", norm.name)
        if key not in self._memo:
            self._memo[key] = ranges_of(norm.when, self.spec)
        return self._memo[key]  # type: ignore[return-value]

    def never_together(self, first: NormDecl, second: NormDecl) -> bool:
        """Whether the two norms' `when`s are disjoint (so they never both apply)."""
        a, b = self.when_ranges(first), self.when_ranges(second)
        return a is not None and b is not None and disjoint(a, b)

    def point_where_applicable(self, norm: NormDecl) -> dict[str, object] | None:
        """Values of the facts the norm's conditions read, plainly checked to make it
        applicable (None when none is easy to find; ask z3)."""
        ranges = self.when_ranges(norm)
        if ranges is None:
            return None
        point = some_point(ranges, self.spec)
        if point is None:
            return None
        env: dict[str, object] = {f: default_value(self.spec, f)
                                  for f in names_in(norm.applicable)[0]}
        env.update(point)
        return env if evaluate(norm.applicable, env) else None  # type: ignore[arg-type]

    def applies_somewhere(self, norm: NormDecl) -> bool:
        """A plainly evaluated situation where the norm applies, when one is easy to find
        (False means: ask z3). Only for facts no `assume` mentions."""
        return (self._world_exists()
                and not names_in(norm.applicable)[0] & self.layout.assumed_facts
                and self.point_where_applicable(norm) is not None)

    # ------------------------------------------------------------ known conflicts

    def imported_definitions(self, tag: str, group: Group) -> list[z3.BoolRef] | None:
        """The parsed equations of a group's activity in view `tag`, if an earlier task
        exported them (together with its conflict conditions)."""
        key = (tag, group.index)
        if self.known is None or key not in self.known.texts:
            return None
        if key not in self._parsed:
            self._parsed[key] = list(z3.parse_smt2_string(self.known.texts[key]))
        return self._parsed[key]

    def export_conflicts(self, group: Group, tags: Iterable[str]) -> KnownConflicts:
        """This group's conflicts in the given views, as text another task can parse."""
        out = KnownConflicts()
        for tag in tags:
            view = self.standard_view(tag)
            found = self.conflicts(group, view)
            if not found.sets:
                continue
            solver = z3.Solver()
            assert_terms(solver, view.definitions(group))
            for index, item in enumerate(found.sets):
                assert_terms(solver, [set_constant(tag, group.index, index) == item.condition])
            assert_terms(solver, [formula_constant(tag, group.index) == found.formula])
            out.texts[(tag, group.index)] = solver.sexpr()
            out.sets[(tag, group.index)] = [item.norms for item in found.sets]
        return out

    def _imported_conflicts(self, tag: str, group: Group) -> Conflicts:
        assert self.known is not None
        key = (tag, group.index)
        if key in self.known.unknown:
            raise SolverGaveUp("the conflicts of this group could not be decided")
        if key not in self.known.texts:
            return Conflicts()
        self.imported_definitions(tag, group)
        sets = [ConflictSet(norms, None, set_constant(tag, group.index, index))
                for index, norms in enumerate(self.known.sets[key])]
        return Conflicts(sets, formula_constant(tag, group.index))

    def standard_view(self, tag: str) -> View:
        """The views tasks share by name: the whole spec (""), `upto{rank}` (a layer and
        every higher one) and `layer:{name}` (one layer alone)."""
        by_name = self.layout.by_name
        if tag == "":
            return self.full
        if tag.startswith("upto"):
            rank = int(tag[4:])
            return self.view(tag, NormSet(by_name, lambda n: n.rank <= rank), same_priority=True)
        layer = tag[len("layer:"):]
        priority = self.layout.layer_priority.get(layer)
        if tag not in self._views:
            norms = NormSet(by_name, lambda n: n.layer == layer)
            self._views[tag] = View(self, norms, tag, priority=priority)
        return self._views[tag]

    # ------------------------------------------------------------ situations

    def cycle_condition(self) -> z3.BoolRef:
        """The situations in which the priority edges that hold form a cycle."""
        if not self.priority.has_cycles:
            return z3.BoolVal(False)
        if ("cycles",) not in self._memo:
            self._memo[("cycles",)] = _or([
                _and([self.enc.term(c) for c in conditions])
                for _names, conditions in self.priority.conditional_cycles(limit=100000)])
        return self._memo[("cycles",)]  # type: ignore[return-value]

    def base_situation(self, facts: Iterable[str] | None = None) -> list[z3.BoolRef]:
        """Typing and `assume`s: the situations that exist (restricted to what `facts` need)."""
        if facts is None:
            return self.enc.domain(self.spec.facts) + [self.enc.term(a.expr)
                                                       for a in self.spec.assumes]
        closed = self._closure(facts)
        return self.enc.domain(sorted(closed)) + [
            self.enc.term(a.expr) for a in self.spec.assumes if names_in(a.expr)[0] & closed]

    def _closure(self, facts: Iterable[str]) -> set[str]:
        """`facts` with every fact linked to them through an `assume`."""
        if not self._world_exists():
            return set(self.spec.facts)  # no situation at all: every query must see that
        out: set[str] = set()
        for fact in facts:
            out |= self._fact_links.get(fact, {fact})
        return out

    def _world_exists(self) -> bool:
        """Whether the typing and the `assume`s admit any situation at all."""
        if ("world",) not in self._memo and not self.spec.assumes:
            # every type has a value (the front end rejects an empty `int` range)
            self._memo[("world",)] = True
        if ("world",) not in self._memo:
            solver = self.limits.new_solver()
            assert_terms(solver, self.base_situation())
            self._memo[("world",)] = is_sat(solver, self.limits)
        return bool(self._memo[("world",)])

    def situation(self, facts: Iterable[str] | None = None) -> list[z3.BoolRef]:
        """Situations that exist and have an acyclic priority (the others are reported apart)."""
        if facts is not None:
            wanted = set(facts)
            if self.priority.has_cycles:
                wanted |= self._edge_facts()
            return self.base_situation(wanted) + [neg(self.cycle_condition())]
        if self._situation is None:
            self._situation = self.base_situation() + [neg(self.cycle_condition())]
        return self._situation

    def _edge_facts(self) -> set[str]:
        return {f for e in self.spec.edges for f in names_in(e.when)[0]}

    def group_facts(self, group: Group) -> set[str]:
        """The facts that the group's applicability, priority and constraints read."""
        key = ("facts", group.index)
        if key not in self._memo:
            self._memo[key] = self._group_facts(group)
        return self._memo[key]  # type: ignore[return-value]

    def _group_facts(self, group: Group) -> set[str]:
        facts: set[str] = set()
        for norm in group.norms:
            facts |= names_in(norm.applicable)[0]
        for located in group.constraints:
            facts |= names_in(located.expr)[0]
        if self.priority.conditional:
            facts |= self._edge_facts()
        return facts

    def new_solver(self, *terms: z3.BoolRef, facts: Iterable[str] | None = None) -> z3.Solver:
        """A solver over existing, acyclic situations (only those facts' part, when given)."""
        solver = self.limits.new_solver()
        assert_terms(solver, self.situation(facts))
        assert_terms(solver, terms)
        return solver

    def _some_situation_has_no_conduct(self, maybe_unmeetable: set[str] | None = None) -> bool:
        """Whether, in some situation, the constraints alone admit no conduct or some norm's
        demand cannot be met at all. Such a norm clashes with every norm, whatever
        actions they mention, so the spec can no longer be split into groups.
        `maybe_unmeetable`: the norms worth asking z3 about (None: all)."""
        parts = []
        for group in self.groups:
            norms = [n for n in group.norms
                     if maybe_unmeetable is None or n.name in maybe_unmeetable]
            if not group.constraints and not norms:
                continue
            if group.constraints:
                parts.append(self._no_conduct_in(group))
            space = self.space([group])
            for norm in norms:
                parts.append(self._unsat_cubes(space, [space.select[norm.name]])
                             if space.constraint_atoms else
                             z3.BoolVal(not is_sat(space.solver, self.limits,
                                                   space.select[norm.name])))
        condition = _or(parts)
        if is_false_term(condition):
            return False
        return is_sat(self.new_solver(condition), self.limits)

    def _no_conduct_in(self, group: Group) -> z3.BoolRef:
        space = self.space([group])
        if not space.constraint_atoms:
            return z3.BoolVal(not is_sat(space.solver, self.limits))
        return self._unsat_cubes(space, [])

    def _unsat_cubes(self, space: ConductSpace, selectors: list[z3.BoolRef]) -> z3.BoolRef:
        """The situations (as atom cubes) in which `selectors` cannot all be met."""
        atoms = space.constraint_atoms
        if len(atoms) > MAX_ENUMERATED_ATOMS:
            return self._unsat_by_quantifier(space, selectors)
        cubes = []
        for values in itertools.product((True, False), repeat=len(atoms)):
            literals = [space.atoms[a] if v else neg(space.atoms[a]) for a, v in zip(atoms, values)]
            if not is_sat(space.solver, self.limits, *selectors, *literals):
                facts = [self.enc.term(a) if v else neg(self.enc.term(a))
                         for a, v in zip(atoms, values)]
                cubes.append(_and(facts))
        return _or(cubes)

    def _unsat_by_quantifier(self, space: ConductSpace, selectors: list[z3.BoolRef]) -> z3.BoolRef:
        copy = self.enc.conduct_copy(space.actions)
        body = [self.enc.term(c.expr, copy) for g in self.groups for c in g.constraints
                if set(names_in(c.expr)[1]) <= set(space.actions)]
        chosen = {str(s) for s in selectors}
        body += [self.enc.term(n.demand, copy) for n in self.spec.norms
                 if f"sel!{n.name}" in chosen]
        return z3.ForAll(list(copy.values()), neg(_and(body))) if copy else neg(_and(body))

    # ------------------------------------------------------------ building blocks

    def space(self, groups: Sequence[Group]) -> ConductSpace:
        key = tuple(sorted(g.index for g in groups))
        space = self._spaces.get(key)
        if space is None:
            space = ConductSpace(self, [self.groups[i] for i in key])
            self._spaces[key] = space
            if len(self._spaces) > 64:
                self._spaces.popitem(last=False)
        else:
            self._spaces.move_to_end(key)
        return space

    def applicable(self, norm: NormDecl) -> z3.BoolRef:
        if norm.name not in self._applicable:
            self._applicable[norm.name] = self.enc.term(norm.applicable)
        return self._applicable[norm.name]

    def demand(self, norm: NormDecl) -> z3.BoolRef:
        if norm.name not in self._demand:
            self._demand[norm.name] = self.enc.term(norm.demand)
        return self._demand[norm.name]

    def clash(self, first: NormDecl, second: NormDecl) -> z3.BoolRef:
        """The situations in which no conduct meets both demands under the constraints."""
        key = (min(first.name, second.name), max(first.name, second.name))
        if key not in self._clash:
            group = self.group_of[first.name]
            if self.group_of[second.name] is not group:
                self._clash[key] = z3.BoolVal(False)
            else:
                space = self.space([group])
                selectors = [space.select[first.name], space.select[second.name]]
                if not is_sat(space.solver, self.limits, *selectors):
                    self._clash[key] = z3.BoolVal(True)
                elif not space.constraint_atoms:
                    self._clash[key] = z3.BoolVal(False)
                else:
                    self._clash[key] = self._unsat_cubes(space, selectors)
        return self._clash[key]

    def view(self, tag: str, norms: Iterable[NormDecl] | Mapping[str, NormDecl] | None = None,
             same_priority: bool = False) -> View:
        """The view called `tag` (created from `norms` the first time)."""
        if tag not in self._views:
            if norms is None:
                self._views[tag] = View(self, self.layout.by_name, tag, priority=self.priority)
            else:
                self._views[tag] = View(self, norms, tag, same_priority)
        return self._views[tag]

    @property
    def full(self) -> View:
        return self.view("")

    # ------------------------------------------------------------ conflicts

    def conflicts(self, group: Group, view: View | None = None) -> Conflicts:
        """Every minimal set of active norms that leaves no complying conduct, with the
        exact condition (over situations) under which the group has a conflict."""
        view = view or self.full
        key = (group.index, view.tag)
        if key in self._conflicts:
            return self._conflicts[key]
        if self.known is not None and view.tag in self.known.analysed:
            self._conflicts[key] = self._imported_conflicts(view.tag, group)
            return self._conflicts[key]
        result = Conflicts()
        musts = [n for n in view.members(group) if n.modality != "may"]
        if not group.constraints and not self.merged and all(
                self.never_together(m, n) for i, m in enumerate(musts) for n in musts[i + 1:]):
            # no two demands ever apply together, and one alone can always be met (else
            # the groups would have been merged)
            self._conflicts[key] = result
            return result
        if view.tag.startswith("upto") and not self.conflicts(group).sets:
            # INVARIANT: a view closed under "higher than" keeps every member's activity,
            # and has fewer demands, so it has no conflict where the whole spec has none.
            self._conflicts[key] = result
            return result
        space = self.space([group])
        outer = self.new_solver(*view.definitions(group), facts=self.group_facts(group))
        conditions: list[z3.BoolRef] = []
        by_norms: dict[tuple[str, ...], ConflictSet] = {}
        while is_sat(outer, self.limits):
            model = outer.model()
            active = [n for n in musts if is_true_term(model.eval(view.act[n.name], True))]
            atoms = space.atom_literals(model, space.constraint_atoms)
            selectors = [space.select[n.name] for n in active]
            if is_sat(space.solver, self.limits, *selectors, *atoms):
                assert_terms(outer, [neg(self.region(view, [group], space.conduct()))])
                continue
            names, kept_atoms = self._minimal_core(space, active, atoms)
            condition = _and([view.act[n] for n in names] + [atoms[a] for a in kept_atoms])
            conditions.append(condition)
            assert_terms(outer, [neg(condition)])
            if names not in by_norms:
                by_norms[names] = ConflictSet(names, model, condition)
        result.sets = list(by_norms.values())
        result.formula = _or(conditions)
        self._conflicts[key] = result
        return result

    def _minimal_core(self, space: ConductSpace, active: list[NormDecl],
                      atoms: dict[z3.BoolRef, z3.BoolRef]) -> tuple[tuple[str, ...], list[z3.BoolRef]]:
        """Drop norms, then atoms, while the rest stays unsatisfiable: a minimal set."""
        core = {str(c) for c in space.solver.unsat_core()}
        norms = sorted(n.name for n in active if f"sel!{n.name}" in core)
        # the atoms are facts of this situation: keep them all while dropping norms
        kept_atoms = list(atoms)

        def unsat(ns: list[str], ats: list[z3.BoolRef]) -> bool:
            return not is_sat(space.solver, self.limits, *[space.select[n] for n in ns], *ats)

        for name in list(norms):
            trial = [n for n in norms if n != name]
            if unsat(trial, kept_atoms):
                norms = trial
        for atom in list(kept_atoms):
            trial_atoms = [a for a in kept_atoms if a is not atom]
            if unsat(norms, trial_atoms):
                kept_atoms = trial_atoms
        return tuple(norms), kept_atoms

    def conflict_model(self, group: Group, found: ConflictSet) -> z3.ModelRef:
        """A situation in which the conflict set `found` of `group` leaves no conduct."""
        if found.model is not None:
            return found.model
        solver = self.new_solver(*self.full.definitions(group), found.condition,
                                 facts=self.group_facts(group))
        if not is_sat(solver, self.limits):
            raise SolverGaveUp("a known conflict could not be found again")
        return solver.model()

    def region(self, view: View, groups: Sequence[Group], conduct: dict[str, bool],
               extra: RExpr | None = None) -> z3.BoolRef:
        """Situations in which `conduct` complies (with the groups' active norms of `view`)."""
        values = {a: z3.BoolVal(v) for a, v in conduct.items()}
        parts = [self.enc.term(c.expr, values) for g in groups for c in g.constraints]
        for group in groups:
            for norm in view.members(group):
                if norm.modality != "may" and not evaluate(norm.demand, conduct):
                    parts.append(neg(view.act[norm.name]))
        if extra is not None:
            parts.append(self.enc.term(extra, values))
        return _and(parts)

    def conflicting_groups(self, view: View | None = None) -> list[Group]:
        """The groups that have a conflict in some situation (in `view`)."""
        view = view or self.full
        key = ("conflicting", view.tag)
        if key not in self._memo:
            if self.known is not None and view.tag in self.known.analysed:
                found = [self.groups[i] for i in self.known.conflicting(view.tag)]
            else:
                found = [g for g in self.groups if not is_false_term(self.conflicts(g, view).formula)]
            self._memo[key] = found
        return self._memo[key]  # type: ignore[return-value]

    def conflict_anywhere(self, view: View | None = None,
                          except_group: Group | None = None) -> z3.BoolRef:
        """The situations in which some group (other than `except_group`) has a conflict."""
        view = view or self.full
        key = ("anywhere", view.tag, -1 if except_group is None else except_group.index)
        if key not in self._memo:
            self._memo[key] = _or([self.conflicts(g, view).formula
                                   for g in self.conflicting_groups(view) if g is not except_group])
        return self._memo[key]  # type: ignore[return-value]

    # ------------------------------------------------------------ deontic atoms

    def permitted(self, target: RExpr, model: z3.ModelRef,
                  local: bool = False) -> tuple[bool, z3.BoolRef]:
        """Whether some complying conduct satisfies `target` in the model's situation, and a
        condition over situations, true in this one, under which the answer is the same.
        `local`: looking at the groups of `target`'s actions only (the caller knows no
        other group has a conflict there)."""
        anywhere = z3.BoolVal(False) if local else self.conflict_anywhere()
        if is_true_term(model.eval(anywhere, model_completion=True)):
            return False, anywhere
        acts = names_in(target)[1]
        groups = sorted({self.group_of_action[a].index for a in acts if a in self.group_of_action})
        space = self.space([self.groups[i] for i in groups])
        view = self.full
        members = [n for i in groups for n in view.members(self.groups[i]) if n.modality != "may"]
        active = [n for n in members if is_true_term(model.eval(view.act[n.name], True))]
        guard = space.guard(target)
        atoms = space.atom_literals(model)
        selectors = [space.select[n.name] for n in active]
        if is_sat(space.solver, self.limits, guard, *selectors, *atoms):
            conduct = space.conduct(also=acts)
            region = self.region(view, [self.groups[i] for i in groups], conduct, target)
            return True, _and([neg(anywhere), region])
        core = {str(c) for c in space.solver.unsat_core()}
        reasons = [view.act[n.name] for n in active if f"sel!{n.name}" in core]
        reasons += [fact for lit, fact in atoms.items() if str(lit) in core]
        return False, _and(reasons)

    def atom_value(self, atom: RExpr, model: z3.ModelRef,
                   local: bool = False) -> tuple[bool, z3.BoolRef]:
        """The truth of a deontic atom in the model's situation, and where it stays so."""
        if isinstance(atom, ConflictAtom):
            some, why = self.permitted(TRUE, model, local)
            return not some, why
        assert isinstance(atom, DeonticAtom)
        if atom.kind == "permitted":
            return self.permitted(atom.target, model, local)
        if atom.kind == "forbidden":
            some, why = self.permitted(atom.target, model, local)
            return not some, why
        some, why = self.permitted(Not(atom.target), model, local)
        return not some, why

    def find_situation(self, formula: RExpr, extra: Sequence[z3.BoolRef] = (),
                       with_conduct: bool = False,
                       extra_groups: Iterable[Group] = (),
                       extra_facts: Iterable[str] = (),
                       local: bool = False) -> z3.ModelRef | None:
        """A situation (and, with `with_conduct`, a complying conduct) where `formula` holds.

        Deontic atoms in `formula` are decided exactly by refinement: each is a
        boolean the solver guesses, corrected by a lemma until all guesses hold.
        `extra` may only read the facts of `formula`, of `extra_groups` and the
        activity of `extra_groups`' norms. `local`: deontic atoms look at the groups of
        their actions only (the caller knows no other group has a conflict there).
        """
        atoms: dict[RExpr, z3.BoolRef] = {}

        def atom_var(expr: RExpr) -> z3.BoolRef:
            if expr not in atoms:
                atoms[expr] = z3.Bool(f"deontic!{len(atoms)}")
            return atoms[expr]

        view = self.full
        body = self.enc.term(formula, atoms=atom_var)
        groups = self._groups_reading(formula) | {g.index for g in extra_groups}
        if atoms and not local:
            groups |= {g.index for g in self.conflicting_groups()}
        if with_conduct:  # the witness conduct must comply everywhere, not only where F looks
            groups = {g.index for g in self.groups}
        chosen = [self.groups[i] for i in sorted(groups)]
        facts = set(names_in(formula)[0]).union(set(extra_facts),
                                                *(self.group_facts(g) for g in chosen))
        key = ("situations", tuple(g.index for g in chosen), frozenset(facts))
        # one base solver per set of groups (recently used ones kept); queries push and pop
        outer = self.solvers.get(key, lambda: self.new_solver(
            *[d for g in chosen for d in view.definitions(g)], facts=facts))
        outer.push()
        try:
            assert_terms(outer, [*extra, body])
            if with_conduct:
                assert_terms(outer, [neg(self.conflict_anywhere())])
                assert_terms(outer, [view.complies(group) for group in chosen])
            deciders = [(var, lambda m, a=atom: self.atom_value(a, m, local))
                        for atom, var in atoms.items()]
            covered = self._closure(facts)
            while True:
                model = refine(outer, deciders, self.limits)
                # the model may also give values to facts this solver has no `assume`s for
                # (read by a deontic atom's lemma, or left in the solver by an earlier
                # query): a witness shows them, so they must satisfy their `assume`s too
                new = {f for f in model_facts(model) if f not in covered} if model else set()
                if not new:
                    return model
                covered |= self._closure(new)
                assert_terms(outer, self.base_situation(new))
        finally:
            outer.pop()

    def _groups_reading(self, formula: RExpr) -> set[int]:
        """The groups whose actions `formula` mentions (inside deontic atoms or not)."""
        return {self.group_of_action[a].index for a in names_in(formula)[1]
                if a in self.group_of_action}

    # ------------------------------------------------------------ witnesses

    def situation_of(self, model: z3.ModelRef,
                     facts: Iterable[str] | None = None) -> dict[str, WitnessValue]:
        """Every fact's value in `model` (or only those of `facts`), as users write it."""
        if facts is not None:
            return dict(sorted(self._decode(model, list(facts)).items()))
        assigned = {d.name() for d in model.decls()}
        out = dict(self._base_values())
        out.update(self._decode(model, [n for n in self.spec.facts if f"f!{n}" in assigned]))
        return dict(sorted(out.items()))

    def user_values(self, env: Mapping[str, object],
                    facts: Iterable[str] | None = None) -> dict[str, WitnessValue]:
        """A plain evaluation environment as users write values (enum names, fractions);
        every fact when `facts` is None (those `env` lacks from the base situation)."""
        out = dict(self._base_values()) if facts is None else {}
        for name in self.spec.facts if facts is None else facts:
            if name not in env:
                continue
            fact, value = self.spec.facts[name], env[name]
            if fact.kind == "enum" and fact.enum is not None:
                out[name] = self.spec.enums[fact.enum].values[int(value)]  # type: ignore[call-overload]
            elif fact.kind == "real":
                out[name] = Fraction(value)  # type: ignore[arg-type]
            else:
                out[name] = value  # type: ignore[assignment]
        return dict(sorted(out.items()))

    def scope_facts(self, groups: Iterable[Group]) -> set[str]:
        """The facts that decide findings about these groups (and those `assume`s link)."""
        chosen = list(groups)
        if len(chosen) == 1:
            key = ("scope", chosen[0].index)
            if key not in self._memo:
                self._memo[key] = self._closure(self.group_facts(chosen[0]))
            return self._memo[key]  # type: ignore[return-value]
        facts: set[str] = set()
        for group in chosen:
            facts |= self.group_facts(group)
        return self._closure(facts)

    def reads_only(self, name: str, expr: RExpr, facts: set[str]) -> bool:
        key = ("define facts", name)
        if key not in self._memo:
            self._memo[key] = names_in(expr)[0]
        return self._memo[key] <= facts  # type: ignore[operator]

    def _base_values(self) -> dict[str, WitnessValue]:
        if ("base",) not in self._memo:
            self._memo[("base",)] = self._decode(self.base_model(), list(self.spec.facts))
        return self._memo[("base",)]  # type: ignore[return-value]

    def _decode(self, model: z3.ModelRef, names: list[str]) -> dict[str, WitnessValue]:
        try:
            return self._decode_values(model, names)
        except ValueError as error:  # Python reads at most 4300 digits (sys.int_info)
            if "digits" not in str(error):
                raise
            raise SolverGaveUp("a value of the witness has too many digits to read") from None

    def _decode_values(self, model: z3.ModelRef, names: list[str]) -> dict[str, WitnessValue]:
        out: dict[str, WitnessValue] = {}
        for name in names:
            fact = self.spec.facts[name]
            value = model.eval(self.enc.facts[name], model_completion=True)
            if fact.kind == "bool":
                out[name] = is_true_term(value)
            elif fact.kind == "enum" and fact.enum is not None:
                out[name] = self.spec.enums[fact.enum].values[value.as_long()]
            elif fact.kind == "int":
                out[name] = value.as_long()
            else:
                fraction = value.as_fraction()
                out[name] = Fraction(fraction.numerator, fraction.denominator)
        return out

    def base_model(self) -> z3.ModelRef:
        """One existing situation: the values of facts a query did not mention."""
        if self._base_model is None:
            solver = self.new_solver()
            if not is_sat(solver, self.limits):
                solver = self.limits.new_solver()
                assert_terms(solver, self.enc.domain(self.spec.facts))
                is_sat(solver, self.limits)
            self._base_model = solver.model()
        return self._base_model

    def conduct_of(self, model: z3.ModelRef, actions: dict[str, z3.BoolRef] | None = None,
                   only: Iterable[str] | None = None) -> dict[str, bool]:
        """The conduct in `model` (`actions` renames the constants; `only`: these actions)."""
        consts = self.enc.actions if actions is None else actions
        return {a: is_true_term(model.eval(consts[a], model_completion=True))
                for a in sorted(self.spec.actions if only is None else only)}
