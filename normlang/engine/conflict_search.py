"""`Engine`, everything the checks ask z3 about one spec: on top of the situations, the
conflict search, the deontic atoms, and a situation in which a formula holds.

The two places where the meaning quantifies over all conducts — "no conduct
complies" (conflict) and the deontic atoms `obliged/forbidden/permitted` — are decided
exactly by counterexample-guided loops: a situation is proposed, the conduct
question is answered for it by a second solver over the actions, and the answer
is generalised into a lemma over the situation (a complying conduct found, or
an unsat core of active norms and fact atoms).

A task hands the conflicts it found on to the others of a check as text (`KnownConflicts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import cast

import z3

from ..model.spec import TRUE, ConflictAtom, DeonticAtom, NormDecl, Not, RExpr
from .conduct import ConductSpace, and_, or_
from .conflict_sets import Conflicts, ConflictSet, KnownConflicts, formula_constant, set_constant
from .encode import assert_terms, implies, is_false_term, is_true_term, neg
from .evaluate import evaluate, names_in
from .situations import Situations
from .solver import Limits, SolverGaveUp, is_sat
from .structure import Group
from .views import NormSet, View

Decider = Callable[[z3.ModelRef], "tuple[bool, z3.BoolRef]"]
#: the view, the groups and the lowest rank a deontic atom is judged on
Judged = tuple[View, Sequence[Group], "int | None"]


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


class Engine(Situations):
    """Everything the checks need to ask z3 about one spec."""

    # ------------------------------------------------------------ known conflicts

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

    # ------------------------------------------------------------ conflicts

    def conflicts(self, group: Group, view: View | None = None) -> Conflicts:
        """The exact condition (over situations) under which the group has a conflict in
        `view`, and its minimal sets of active norms that leave no complying conduct: in the
        whole spec's view every distinct one (up to `max_conflicts`, then `capped`), in
        other views those the search met on the way."""
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
        self._conflicts[key] = result = _MusSearch(self, group, view, musts).run(
            every=view.tag == "", cap=self.max_conflicts)
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
               extra: RExpr | None = None, max_rank: int | None = None) -> z3.BoolRef:
        """Situations in which `conduct` complies (with the groups' active norms of `view`,
        of `max_rank` and above when given)."""
        values = {a: z3.BoolVal(v) for a, v in conduct.items()}
        parts = [self.enc.term(c.expr, values) for g in groups for c in g.constraints]
        for group in groups:
            for norm in view.members(group):
                if max_rank is not None and norm.rank > max_rank:
                    continue
                if norm.modality != "may" and not evaluate(norm.demand, conduct):
                    parts.append(neg(view.act[norm.name]))
        if extra is not None:
            parts.append(self.enc.term(extra, values))
        return and_(parts)

    def conflicting_groups(self, view: View | None = None) -> list[Group]:
        """The groups that have a conflict in some situation (in `view`)."""
        view = view or self.full
        key = ("conflicting", view.tag)
        if key not in self.memo:
            if self.known is not None and view.tag in self.known.analysed:
                found = [self.groups[i] for i in self.known.conflicting(view.tag)]
            else:
                found = [g for g in self.groups if not is_false_term(self.conflicts(g, view).formula)]
            self.memo[key] = found
        return cast("list[Group]", self.memo[key])

    def conflict_anywhere(self, view: View | None = None,
                          except_group: Group | None = None) -> z3.BoolRef:
        """The situations in which some group (other than `except_group`) has a conflict."""
        view = view or self.full
        key = ("anywhere", view.tag, -1 if except_group is None else except_group.index)
        if key not in self.memo:
            self.memo[key] = or_([self.conflicts(g, view).formula
                                   for g in self.conflicting_groups(view) if g is not except_group])
        return self.memo[key]

    # ------------------------------------------------------------ deontic atoms

    def permitted(self, target: RExpr, model: z3.ModelRef, local: bool = False,
                  judged: Judged | None = None) -> tuple[bool, z3.BoolRef]:
        """Whether some complying conduct satisfies `target` in the model's situation, and a
        condition over situations, true in this one, under which the answer is the same.
        `local`: looking at the groups of `target`'s actions only (the caller knows no
        other group has a conflict there). `judged`: complying with these groups alone,
        judged on the active norms of that view (of `max_rank` and above, when given)."""
        acts = names_in(target)[1]
        if judged is not None:
            view, chosen, max_rank = judged
            anywhere = z3.BoolVal(False)
        else:
            anywhere = z3.BoolVal(False) if local else self.conflict_anywhere()
            if is_true_term(model.eval(anywhere, model_completion=True)):
                return False, anywhere
            view, max_rank = self.full, None
            chosen = [self.groups[i] for i in sorted(
                {self.group_of_action[a].index for a in acts if a in self.group_of_action})]
        space = self.space(chosen)
        members = [n for g in chosen for n in view.members(g) if n.modality != "may"
                   and (max_rank is None or n.rank <= max_rank)]
        active = [n for n in members if is_true_term(model.eval(view.act[n.name], True))]
        guard = space.guard(target)
        atoms = space.atom_literals(model)
        selectors = [space.select[n.name] for n in active]
        if is_sat(space.solver, self.limits, guard, *selectors, *atoms):
            conduct = space.conduct(also=acts)
            region = self.region(view, chosen, conduct, target, max_rank)
            return True, and_([neg(anywhere), region])
        core = {str(c) for c in space.solver.unsat_core()}
        reasons = [view.act[n.name] for n in active if f"sel!{n.name}" in core]
        reasons += [fact for lit, fact in atoms.items() if str(lit) in core]
        return False, and_(reasons)

    def blocking_duties(self, target: RExpr, model: z3.ModelRef,
                        judged: Judged | None = None) -> tuple[str, ...]:
        """A minimal set of the duties active in the model's situation that, with the
        conduct constraints, leave no conduct satisfying `target` (among the groups of its
        actions, or those `judged` names, on the duties of its view and rank and above):
        those of an unsat core, each then dropped if the rest still block it.
        Empty when the constraints alone block it. Only asked where they do block it."""
        if judged is not None:
            view, chosen, max_rank = judged
            groups = list(chosen)
        else:
            acts = names_in(target)[1]
            groups = [self.groups[i] for i in sorted(
                {self.group_of_action[a].index for a in acts if a in self.group_of_action})]
            view, max_rank = self.full, None
        space = self.space(groups)
        active = [n.name for g in groups for n in view.members(g)
                  if n.modality != "may" and (max_rank is None or n.rank <= max_rank)
                  and is_true_term(model.eval(view.act[n.name], True))]
        fixed = [space.guard(target), *space.atom_literals(model)]

        def blocks(names: list[str]) -> bool:
            return not is_sat(space.solver, self.limits, *fixed,
                              *[space.select[n] for n in names])

        blocked = blocks(active)
        assert blocked, "blocking duties asked where nothing blocks the target"
        core = {str(c) for c in space.solver.unsat_core()}
        names = sorted(n for n in active if f"sel!{n}" in core)
        for name in list(names):  # z3's core need not be minimal
            rest = [n for n in names if n != name]
            if blocks(rest):
                names = rest
        return tuple(names)

    def atom_value(self, atom: RExpr, model: z3.ModelRef, local: bool = False,
                   judged: Judged | None = None) -> tuple[bool, z3.BoolRef]:
        """The truth of a deontic atom in the model's situation, and where it stays so."""
        if isinstance(atom, ConflictAtom):
            some, why = self.permitted(TRUE, model, local, judged)
            return not some, why
        assert isinstance(atom, DeonticAtom)
        if atom.kind == "permitted":
            return self.permitted(atom.target, model, local, judged)
        if atom.kind == "forbidden":
            some, why = self.permitted(atom.target, model, local, judged)
            return not some, why
        some, why = self.permitted(Not(atom.target), model, local, judged)
        return not some, why

    def find_situation(self, formula: RExpr, extra: Sequence[z3.BoolRef] = (),
                       with_conduct: bool = False,
                       extra_groups: Iterable[Group] = (),
                       extra_facts: Iterable[str] = (),
                       local: bool = False,
                       judged: Judged | None = None) -> z3.ModelRef | None:
        """A situation (and, with `with_conduct`, a complying conduct) where `formula` holds.

        Deontic atoms in `formula` are decided exactly by refinement: each is a
        boolean the solver guesses, corrected by a lemma until all guesses hold.
        `extra` may only read the facts of `formula`, of `extra_groups` and the
        activity of `extra_groups`' norms. `local`: deontic atoms look at the groups of
        their actions only (the caller knows no other group has a conflict there).
        `judged` (a view, groups, a rank): deontic atoms are judged on those groups alone,
        on the active norms of the view of that rank and above; the situations are those
        of the view (whose activity `extra` may read).
        """
        atoms: dict[RExpr, z3.BoolRef] = {}

        def atom_var(expr: RExpr) -> z3.BoolRef:
            if expr not in atoms:
                atoms[expr] = z3.Bool(f"deontic!{len(atoms)}")
            return atoms[expr]

        view = self.full if judged is None else judged[0]
        body = self.enc.term(formula, atoms=atom_var)
        groups = self._groups_reading(formula) | {g.index for g in extra_groups}
        if atoms and not local:
            groups |= {g.index for g in self.conflicting_groups()}
        if with_conduct:  # the witness conduct must comply everywhere, not only where F looks
            groups = {g.index for g in self.groups}
        chosen = [self.groups[i] for i in sorted(groups)]
        facts = set(names_in(formula)[0]).union(set(extra_facts),
                                                *(self.group_facts(g) for g in chosen))
        key = ("situations", view.tag, tuple(g.index for g in chosen), frozenset(facts))
        # one base solver per set of groups (recently used ones kept); queries push and pop
        outer = self.solvers.get(key, lambda: self.new_solver(
            *[d for g in chosen for d in view.definitions(g)], facts=facts))
        outer.push()
        try:
            assert_terms(outer, [*extra, body])
            if with_conduct:
                assert_terms(outer, [neg(self.conflict_anywhere())])
                assert_terms(outer, [view.complies(group) for group in chosen])
            deciders = [(var, lambda m, a=atom: self.atom_value(a, m, local, judged))
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


class _MusSearch:
    """Every minimal conflicting set of a group, MARCO-style, over situations too.

    The map solver ranges over situations and seeds: a seed selects some of the norms
    active in its situation (`seed!N` implies N's activity). A seed is grown, in Python,
    to a maximal one that contains no conflict already known to hold in its situation,
    then asked of the conduct solver:
    - met by a conduct `c`: every seed whose norms `c` meets, in every situation where
      `c` satisfies the constraints, is met too (blocked down);
    - not met: it is shrunk to a minimal set K, with the fact atoms it needs; every
      seed containing K, where K's norms are active and those atoms hold, is a conflict
      already known (blocked up).
    The loop ends when no seed is left: then every minimal set of every situation is
    known, since its own seed can be blocked only by itself. Each round excludes its
    seed or adds a new (set, atoms) pair, both from finite families, so it ends. Past
    `cap` distinct sets (and in views that need the condition only) a conflict found
    blocks its whole region of situations: the condition stays exact, the list stops.
    """

    def __init__(self, engine: Engine, group: Group, view: View, musts: list[NormDecl]) -> None:
        self.engine, self.group, self.view, self.musts = engine, group, view, musts
        self.space = engine.space([group])

    def run(self, every: bool, cap: int) -> Conflicts:
        engine, view, space, musts = self.engine, self.view, self.space, self.musts
        outer = engine.new_solver(*view.definitions(self.group), facts=engine.group_facts(self.group))
        seed = {n.name: z3.Bool(f"seed!{view.tag}!{n.name}") for n in musts}
        if every:
            assert_terms(outer, [implies(seed[n.name], view.act[n.name]) for n in musts])
        known: list[tuple[frozenset[str], z3.BoolRef]] = []
        conditions: list[z3.BoolRef] = []
        by_norms: dict[tuple[str, ...], ConflictSet] = {}
        capped = False
        while is_sat(outer, engine.limits):
            model = outer.model()

            def holds(term: z3.BoolRef, model: z3.ModelRef = model) -> bool:
                return is_true_term(model.eval(term, model_completion=True))

            active = [n for n in musts if holds(view.act[n.name])]
            atoms = space.atom_literals(model, space.constraint_atoms)
            if every and not capped:
                chosen = self._grown(active, {n.name for n in active if holds(seed[n.name])},
                                     [names for names, condition in known if holds(condition)])
            else:
                chosen = {n.name for n in active}
            trial = [n for n in active if n.name in chosen]
            if is_sat(space.solver, engine.limits, *[space.select[n.name] for n in trial], *atoms):
                conduct = space.conduct()
                if every:
                    unmet = [seed[n.name] for n in musts if not evaluate(n.demand, conduct)]
                    assert_terms(outer, [or_([neg(self._allowed(conduct)), *unmet])])
                else:
                    assert_terms(outer, [neg(engine.region(view, [self.group], conduct))])
                continue
            names, kept_atoms = engine._minimal_core(space, trial, atoms)
            condition = and_([view.act[n] for n in names] + [atoms[a] for a in kept_atoms])
            conditions.append(condition)
            if names not in by_norms and every and not capped and len(by_norms) >= cap:
                capped = True
            if every and not capped:
                known.append((frozenset(names), condition))
                assert_terms(outer, [neg(and_([*(seed[n] for n in names), condition]))])
            else:
                assert_terms(outer, [neg(condition)])
            if names in by_norms:
                found = by_norms[names]
                found.condition = or_([found.condition, condition])
            elif not capped:
                by_norms[names] = ConflictSet(names, model, condition)
        return Conflicts(list(by_norms.values()), or_(conditions), capped)

    @staticmethod
    def _grown(active: list[NormDecl], chosen: set[str], holding: list[frozenset[str]]) -> set[str]:
        """The seed with every other active norm added that keeps it free of the known
        conflicts holding here (in the norms' order, so the same seed every run)."""
        for norm in active:
            if norm.name not in chosen and not any(
                    names <= chosen | {norm.name} for names in holding):
                chosen = chosen | {norm.name}
        return chosen

    def _allowed(self, conduct: dict[str, bool]) -> z3.BoolRef:
        """The situations in which `conduct` satisfies the group's constraints."""
        values = {a: z3.BoolVal(v) for a, v in conduct.items()}
        return and_([self.engine.enc.term(c.expr, values) for c in self.group.constraints])
