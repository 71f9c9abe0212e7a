"""Situations: the engine's base, everything it knows of one spec short of the conflict search.

The situations that exist (typing, `assume`s) and have an acyclic priority, with the
facts a question needs; quick answers without z3 from fact ranges; the building
blocks of the meaning as quantifier-free formulas over the facts (applicability,
demands, clashes, conduct spaces, views and their activity); whether some situation
admits no conduct at all, which decides the spec's groups (`lay_out`); and a
situation read back from a z3 model as users write values.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from functools import partial
from typing import cast

import z3

from ..core.findings import WitnessValue
from ..model.spec import NormDecl, RExpr, Spec, may_clash
from .conduct import ConductSpace, and_, or_
from .conflict_sets import Conflicts, KnownConflicts
from .encode import Encoder, assert_terms, is_false_term, is_true_term, neg
from .evaluate import evaluate, names_in
from .fact_ranges import Ranges, disjoint, ranges_of, some_point
from .solver import Limits, SolverCache, SolverGaveUp, is_sat
from .structure import Group, Layout, Priority, connected_parts, default_value, fact_links, split_groups
from .views import NormSet, View, restricted_priority

MAX_ENUMERATED_ATOMS = 8
#: the default of `max-conflicts`: the distinct minimal conflicting sets listed per group
MAX_CONFLICTS = 100


def lay_out(spec: Spec, limits: Limits, maybe_unmeetable: set[str] | None = None,
            layers_alone: Iterable[str] = ()) -> Layout:
    """The spec's groups and priority, and whether some situation admits no conduct
    (then every norm clashes with every other: one group). `maybe_unmeetable`: the only
    norms whose demand might not be met in some situation (None: any norm)."""
    groups = split_groups(spec)
    priority = Priority(spec)
    layout = Layout(spec, groups, priority, False, None, fact_links(spec))
    probe = Situations(spec, limits, layout=layout)
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
                                        NormSet(layout.by_name, partial(_in_layer, layer)))
             for layer in sorted(set(layers_alone))}
    if not merged:
        return Layout(spec, groups, priority, False, world, layout.fact_links, alone)
    every = split_groups(spec, merge_all=True)
    return Layout(spec, every, priority, True, world, layout.fact_links, alone,
                  parts=connected_parts(spec, len(every)))


class Situations:
    """The base of `Engine`: the situations of one spec and the building blocks over them."""

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
        #: the group of language.md each norm is judged in (the groups, unless merged)
        self.part_of = layout.part_of
        # the conduct solvers of recently used groups (each holds a z3 solver: bounded memory)
        self._spaces: OrderedDict[tuple[int, ...], ConductSpace] = OrderedDict()
        self._clash: dict[tuple[str, str], z3.BoolRef] = {}
        self._applicable: dict[str, z3.BoolRef] = {}
        self._demand: dict[str, z3.BoolRef] = {}
        self._conflicts: dict[tuple[int, str], Conflicts] = {}
        self._views: dict[str, View] = {}
        self._situation: list[z3.BoolRef] | None = None
        self._fact_links: dict[str, set[str]] = layout.fact_links
        self.memo: dict[tuple[object, ...], object] = {}
        if layout.world_exists is not None:
            self.memo[("world",)] = layout.world_exists
        self._parsed: dict[tuple[str, int], list[z3.BoolRef]] = {}
        self.spaces_made = 0
        #: the distinct minimal conflicting sets the whole spec's view lists per group
        self.max_conflicts = MAX_CONFLICTS
        self.solvers = SolverCache()
        self._base_model: z3.ModelRef | None = None

    # ------------------------------------------------------------ quick answers without z3

    def when_ranges(self, norm: NormDecl) -> Ranges | None:
        """The fact ranges of the norm's `when` (None: not a conjunction of one-fact atoms)."""
        key = ("ranges", norm.name)
        if key not in self.memo:
            self.memo[key] = ranges_of(norm.when, self.spec)
        return self.memo[key]  # type: ignore[return-value]

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

    # ------------------------------------------------------------ situations

    def cycle_condition(self) -> z3.BoolRef:
        """The situations in which the priority edges that hold form a cycle."""
        if not self.priority.has_cycles:
            return z3.BoolVal(False)
        if ("cycles",) not in self.memo:
            self.memo[("cycles",)] = or_([
                and_([self.enc.term(c) for c in conditions])
                for _names, conditions in self.priority.conditional_cycles(limit=100000)])
        return self.memo[("cycles",)]

    def base_situation(self, facts: Iterable[str] | None = None) -> list[z3.BoolRef]:
        """Typing and `assume`s: the situations that exist (restricted to what `facts` need).

        An `assume` that reads no fact (`assume false`, `assume 1 > 2`, a define of
        constants) links to no fact and restricts every situation: it is always kept.
        """
        if facts is None:
            return self.enc.domain(self.spec.facts) + [self.enc.term(a.expr)
                                                       for a in self.spec.assumes]
        closed = self._closure(facts)
        return self.enc.domain(sorted(closed)) + [
            self.enc.term(a.expr) for a in self.spec.assumes
            if not names_in(a.expr)[0] or names_in(a.expr)[0] & closed]

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
        if ("world",) not in self.memo and not self.spec.assumes:
            # every type has a value (the front end rejects an empty `int` range)
            self.memo[("world",)] = True
        if ("world",) not in self.memo:
            solver = self.limits.new_solver()
            assert_terms(solver, self.base_situation())
            self.memo[("world",)] = is_sat(solver, self.limits)
        return bool(self.memo[("world",)])

    def situation(self, facts: Iterable[str] | None = None) -> list[z3.BoolRef]:
        """Situations that exist and have an acyclic priority (the others are reported apart)."""
        if facts is not None:
            wanted = set(facts)
            if self.priority.has_cycles:
                wanted |= self._edge_facts()
            return [*self.base_situation(wanted), neg(self.cycle_condition())]
        if self._situation is None:
            self._situation = [*self.base_situation(), neg(self.cycle_condition())]
        return self._situation

    def _edge_facts(self) -> set[str]:
        return {f for e in self.spec.edges for f in names_in(e.when)[0]}

    def group_facts(self, group: Group) -> set[str]:
        """The facts that the group's applicability, priority and constraints read."""
        key = ("facts", group.index)
        if key not in self.memo:
            self.memo[key] = self._group_facts(group)
        return self.memo[key]  # type: ignore[return-value]

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
        condition = or_(parts)
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
                cubes.append(and_(facts))
        return or_(cubes)

    def _unsat_by_quantifier(self, space: ConductSpace, selectors: list[z3.BoolRef]) -> z3.BoolRef:
        copy = self.enc.conduct_copy(space.actions)
        body = [self.enc.term(c.expr, copy) for g in self.groups for c in g.constraints
                if set(names_in(c.expr)[1]) <= set(space.actions)]
        chosen = {str(s) for s in selectors}
        body += [self.enc.term(n.demand, copy) for n in self.spec.norms
                 if f"sel!{n.name}" in chosen]
        return z3.ForAll(list(copy.values()), neg(and_(body))) if copy else neg(and_(body))

    # ------------------------------------------------------------ building blocks

    def space(self, groups: Sequence[Group]) -> ConductSpace:
        key = tuple(sorted(g.index for g in groups))
        space = self._spaces.get(key)
        if space is None:
            space = ConductSpace(self, sorted(groups, key=lambda g: g.index))
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
        """The situations in which no conduct meets both demands under the constraints
        (never, for an unprotected `may` and a norm of a lower layer)."""
        key = (min(first.name, second.name), max(first.name, second.name))
        if key not in self._clash:
            group = self.group_of[first.name]
            if self.group_of[second.name] is not group or not may_clash(first, second):
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
                out[name] = Fraction(cast("Fraction | int", value))
            else:
                out[name] = value  # type: ignore[assignment]
        return dict(sorted(out.items()))

    def scope_facts(self, groups: Iterable[Group]) -> set[str]:
        """The facts that decide findings about these groups (and those `assume`s link)."""
        chosen = list(groups)
        if len(chosen) == 1:
            key = ("scope", chosen[0].index)
            if key not in self.memo:
                self.memo[key] = self._closure(self.group_facts(chosen[0]))
            return self.memo[key]  # type: ignore[return-value]
        facts: set[str] = set()
        for group in chosen:
            facts |= self.group_facts(group)
        return self._closure(facts)

    def reads_only(self, name: str, expr: RExpr, facts: set[str]) -> bool:
        key = ("define facts", name)
        if key not in self.memo:
            self.memo[key] = names_in(expr)[0]
        return self.memo[key] <= facts  # type: ignore[operator]

    def _base_values(self) -> dict[str, WitnessValue]:
        if ("base",) not in self.memo:
            self.memo[("base",)] = self._decode(self.base_model(), list(self.spec.facts))
        return self.memo[("base",)]  # type: ignore[return-value]

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


def _in_layer(layer: str, norm: NormDecl) -> bool:
    return norm.layer == layer
