"""The checks of a timed spec (time.md): `conflict`, `dead-norm`, `shadowed-norm`,
`overridden` and `undermined-permission` over instances, within K occurrences of
each event.

Each query is one z3 formula of linear real arithmetic: ∃ trace ∀ conduct, which
z3's quantifier elimination decides exactly. Every witness is replayed by
`engine.timeline` (plain evaluation) before it is reported; universal findings
state their bound.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import combinations

import z3

from ..core.findings import Finding, Label, TimedWitness, Witness, WitnessValue
from ..core.options import CheckOptions
from ..engine.evaluate import names_in
from ..engine.solver import stop_if_run_over
from ..engine.time_encode import TimedEncoding
from ..engine.time_terms import Conduct, Instance, rational
from ..engine.timeline import Occurrence, Placed, TimedMismatch, Timeline, inside
from ..model.spec import Expectation, NormDecl, Spec, TimedExpect
from .context import backticked, by_position, norm_label
from .timed_findings import target_text
from .timed_groups import clash_relevant, empty_conduct_problems, groups

#: the most complying conducts one search turns into lemmas before it gives up
_MAX_LEMMAS = 20000


@dataclass(frozen=True)
class _Trace:
    """A concrete trace read off a model: facts and occurrence times."""

    facts: dict[str, WitnessValue]
    occurrences: dict[str, list[Fraction]]
    #: the varying facts' values at 0 and at each occurrence, in time order
    changes: tuple[tuple[Fraction, dict[str, WitnessValue]], ...] = ()


def run_timed_checks(spec: Spec, options: CheckOptions) -> list[Finding]:
    from .timed_standing import standing_musts

    spec, standing = standing_musts(spec, lambda whole, norms: _Group(
        whole, norms, sorted(whole.actions), options))
    if any(f.severity.value == "error" and f.kind == "type-error" for f in standing):
        return standing
    refused = empty_conduct_problems(spec)
    if refused:
        return refused
    from ..engine.time_terms import static_cycle

    cycle = static_cycle(spec)
    if cycle is not None:
        norm = spec.norm(cycle)
        return [Finding("priority-cycle", f"norm `{cycle}` outranks itself through "
                        "`overrides`: a priority cycle", norm.span,
                        (Label(norm.span, "on the cycle", primary=True),), (cycle,))]
    from .timed_expect import refused_probes

    refused = refused_probes(spec)
    if refused:
        return refused
    findings: list[Finding] = []
    checked = []
    shared: dict[object, _Group] = {}
    for norms, actions in groups(spec):
        found = made(spec, norms, actions, options, (), shared).run()
        findings += found
        # a group with no conflict has a complying conduct in every trace (within K)
        checked.append((norms, actions, any(f.kind == "conflict" or f.severity.value == "error"
                                            for f in found)))
    for expectation in spec.expectations:
        if expectation.kind == "complies":
            findings += _complies(spec, expectation, options)
    if spec.time is not None and spec.time.scenarios:
        from .timed_scenarios import check_timed_scenarios

        findings += check_timed_scenarios(spec)
    for expect in spec.time.expects if spec.time is not None else ():
        findings += _timed_expect(spec, expect, checked, options, shared)
    if any(e.kind != "complies" for e in spec.expectations):
        from .timed_expect import check_untimed_expects

        findings += check_untimed_expects(spec, findings + standing,
                                          _Group(spec, [], sorted(spec.actions), options))
    return sorted(findings + standing, key=Finding.sort_key)


def _timed_expect(spec: Spec, expect: TimedExpect,
                  checked: list[tuple[list[NormDecl], list[str], bool]],
                  options: CheckOptions, shared: dict[object, _Group]) -> list[Finding]:
    """One timed expectation, over the groups its formulas' actions (or its trigger) are
    in and those that conflict somewhere: a conduct complies exactly when it complies in
    every group, and one that never conflicts has a complying conduct in every trace."""
    from .timed_expect import check_timed_expects
    from .timed_reactive import refused_reactions

    read = {a for r in expect.responses for a in names_in(r.target)[1]}
    read |= {expect.trigger} if expect.by_action else set()
    chosen = [(norms, actions) for norms, actions, conflicted in checked
              if conflicted or read & set(actions)]
    norms = [n for group, _ in chosen for n in group]
    actions = sorted({a for _, group in chosen for a in group} | read)
    events = sorted(({expect.trigger} if expect.trigger != "start" and not expect.by_action
                     else set()) | names_in(expect.when)[0]
                    | {e for r in expect.responses for e in names_in(r.target)[0]})
    group = made(spec, norms, actions, options, events, shared)
    if refused_reactions(group):
        return []  # reported by the groups already
    return check_timed_expects(group, spec, [expect])


def made(spec: Spec, norms: list[NormDecl], actions: list[str], options: CheckOptions,
         events: Sequence[str], shared: dict[object, _Group]) -> _Group:
    """The group of `norms` (reading also `events`), made once per run: the timed
    expectations and the narrowed questions share encodings."""
    key = (tuple(n.name for n in norms), tuple(actions), tuple(sorted(set(events))))
    if key not in shared:
        shared[key] = _Group(spec, norms, actions, options, events, shared)
    return shared[key]


def _complies(spec: Spec, expectation: Expectation, options: CheckOptions) -> list[Finding]:
    from .timed_complies import check_timed_complies

    # both layers' encodings read every event and varying fact, so that one trace of the
    # model shows what either reads
    events = sorted(spec.time.events) if spec.time else []
    events += [name for name, fact in spec.facts.items() if fact.varying]
    return check_timed_complies(spec, expectation, lambda norms: _Group(
        spec, norms, sorted(spec.actions), options, events))


class _Group:
    """The checks of one group, over one encoding."""

    def __init__(self, spec: Spec, norms: list[NormDecl], actions: list[str],
                 options: CheckOptions, extra_events: Sequence[str] = (),
                 shared: dict[object, _Group] | None = None) -> None:
        self.spec = spec
        self.norms = norms
        self.actions = actions
        self.k = options.max_occurrences
        self.timeout = options.timeout_ms
        self.enc = TimedEncoding(spec, norms, self.k, actions, extra_events, options.max_depth)
        self.depth = options.max_depth
        self.options = options
        self.extra_events = tuple(extra_events)
        #: the run's groups by what they are made of (`made`): one encoding each
        self.shared = {} if shared is None else shared
        #: the inner step's formula by its question (`timed_reactive._inner`)
        self.inner_formulas: dict[object, object] = {}

    def run(self) -> list[Finding]:
        from .timed_reactive import reaction_checks, refused_reactions

        refused = refused_reactions(self)
        if refused:
            return refused
        found: list[Finding] = [self._dead(n) for n in self.norms if n.name in self._never]
        found += self._conflicts()
        found += self._defeats()
        found += self._undermined()
        from .timed_redundant import redundant_norms

        found += redundant_norms(self, found)
        from .timed_repair import unrepairable_norms

        found += unrepairable_norms(self, found)
        if self.enc.reactive:
            found += reaction_checks(self, found)
        return found

    def narrowed(self, bans: Set[str] = frozenset(), demands: Set[str] = frozenset(),
                 reads: Sequence[str] = ()) -> _Group:
        """The group without the duties that can always be met on top of any complying
        conduct of the others (`clash_relevant`, where the question forbids `bans` and
        does `demands`), reading also the events and facts `reads`: for such a question
        over complying conducts the answer is the same (not so under priority)."""
        if not self._monotone():
            return self
        duties = [n for n in self.norms if n.modality != "may"]
        relevant = clash_relevant(self.spec, duties, bans, demands)
        if len(relevant) == len(self.norms):
            return self
        return made(self.spec, relevant, self.actions, self.options,
                    sorted({*self.extra_events, *reads}), self.shared)

    def reactive(self, names: Sequence[str]) -> list[NormDecl]:
        """The norms of `names` that the conduct's own actions trigger."""
        return [n for n in self.enc.reactive if n.name in names]

    @property
    def bound(self) -> str:
        return f"in traces with at most {self.k} occurrences of each event"

    # ------------------------------------------------------------ solving

    def _solve(self, *parts: z3.BoolRef) -> z3.ModelRef | None:
        solver = z3.SimpleSolver()
        solver.set("timeout", self.timeout)
        solver.add(self.enc.trace(), *parts)
        result = solver.check()
        stop_if_run_over()
        if result == z3.unknown:
            raise z3.Z3Exception(f"z3 gave up: {solver.reason_unknown()}")
        return solver.model() if result == z3.sat else None

    def _satisfiable(self, goals: Mapping[object, z3.BoolRef]) -> dict[object, z3.ModelRef]:
        """Of `goals`, those satisfiable beside the trace, each with a model: one query per
        model, which ticks off every goal it satisfies, and a last one showing the rest
        cannot be."""
        solver = z3.SimpleSolver()
        solver.set("timeout", self.timeout)
        solver.add(self.enc.trace())
        left = dict(goals)
        shown: dict[object, z3.ModelRef] = {}
        while left:
            solver.push()
            solver.add(z3.Or(list(left.values())))
            result = solver.check()
            stop_if_run_over()
            if result == z3.unknown:
                raise z3.Z3Exception(f"z3 gave up: {solver.reason_unknown()}")
            if result == z3.unsat:
                break
            model = solver.model()
            for key, goal in list(left.items()):
                if z3.is_true(model.eval(goal, model_completion=True)):
                    shown[key] = model
                    del left[key]
            solver.pop()
        return shown

    @functools.cached_property
    def _never(self) -> set[str]:
        """The norms that never apply (within the bound)."""
        assert self.spec.time is not None
        goals: dict[object, z3.BoolRef] = {}
        # one instant for all: a query asks whether some goal holds at some instant
        some = z3.Real("applies!")
        for norm in self.norms:
            if self.spec.time.timed[norm.name].by_action:
                goals[norm.name] = z3.And(some >= 0, self.enc.at_conduct(norm.applicable, some))
            else:
                goals[norm.name] = self._of([norm.name])[0].exists
        applies = self._satisfiable(goals)
        return {n.name for n in self.norms if n.name not in applies}

    def _search(self, parts: Sequence[z3.BoolRef], chosen: Sequence[str],
                forced: Instance | None = None, probe: Instance | None = None,
                strict: bool = False) -> z3.ModelRef | None:
        """A trace meeting `parts` where no conduct complies with the instances of
        `chosen` (while doing `forced`), or None.

        time.md's loop: the solver proposes a trace; plain evaluation returns a
        complying conduct, which becomes a lemma (as terms of the trace: the same
        conduct for every trace whose window ends fall alike), or confirms the trace.
        """
        solver = z3.SimpleSolver()
        solver.set("timeout", self.timeout)
        solver.add(self.enc.trace(), *parts)
        mine = self._of(chosen)
        pushed = [forced] if forced is not None else []
        if probe is not None:
            (pushed if probe.norm.modality == "may" else mine).append(probe)
        for _ in range(_MAX_LEMMAS):
            result = solver.check()
            stop_if_run_over()
            if result == z3.unknown:
                raise z3.Z3Exception(f"z3 gave up: {solver.reason_unknown()}")
            if result == z3.unsat:
                return None
            model = solver.model()
            if self.enc.reactive:
                from .timed_reactive import lemma_against

                lemma = lemma_against(self, model, mine, chosen, pushed, strict)
                if lemma is None:
                    return model
                solver.add(z3.Not(lemma))
                continue
            timeline = self._timeline(self._trace(model))
            plain = [i for i in timeline.instances if i.norm.name in chosen]
            doing = [i for i in timeline.instances if forced is not None and i.key == forced.key]
            if probe is not None:
                occurrence = self.occurrence_of(timeline, probe)
                if occurrence is None:
                    raise TimedMismatch("an expectation's probe")
                timeline.probes.append(occurrence)
                (doing if probe.norm.modality == "may" else plain).append(occurrence)
            placed = timeline.complying(plain, doing)
            if placed is None:
                return model
            conduct = self._parametric(timeline, placed, self.enc.musts(mine, pushed),
                                       [probe] if probe is not None else [])
            lemma = self.enc.complies(mine, conduct, pushed)
            if not z3.is_true(model.eval(lemma, model_completion=True)):
                raise TimedMismatch(f"a conduct that complies by plain evaluation does not "
                                    f"by the encoding ({sorted(chosen)})")
            solver.add(z3.Not(lemma))
        raise z3.Z3Exception(f"no answer after {_MAX_LEMMAS} conducts")

    def _parametric(self, timeline: Timeline, placed: dict[str, Placed],
                    musts: Sequence[Instance], probes: Sequence[Instance] = ()) -> Conduct:
        """The conduct of `placed`, its times as terms of the trace's window ends."""
        by_key = {i.key: i for i in [*self.enc.instances, *musts, *probes]}
        terms: dict[Fraction, z3.ArithRef] = {Fraction(0): z3.RealVal(0)}
        for instance in [*timeline.instances, *(p for p in timeline.probes if p.key in by_key)]:
            symbolic = by_key[instance.key]
            terms.setdefault(instance.low, symbolic.low)
            if instance.high is not None and symbolic.high is not None:
                terms.setdefault(instance.high, symbolic.high)
        ends = timeline.ends()
        times: dict[str, z3.ArithRef] = {}
        acts: dict[str, dict[str, z3.BoolRef]] = {}
        for must in musts:
            where = placed.get(must.key)
            if where is None:
                times[must.key] = z3.RealVal(0)
                acts[must.key] = {a: z3.BoolVal(False) for a in self.actions}
                continue
            if where.region == "end":
                times[must.key] = terms[ends[where.index]]
            else:
                times[must.key] = inside([terms[e] for e in ends], where.index, where.order)
            acts[must.key] = {a: z3.BoolVal(where.acts.get(a, False)) for a in self.actions}
        return Conduct(times, acts)

    def occurrence_of(self, timeline: Timeline, probe: Instance) -> Occurrence | None:
        """The probe in a concrete trace, if its trigger occurs there with its condition."""
        slot = probe.slot
        times = [Fraction(0)] if slot.event == "start" else list(
            timeline.occurrences.get(slot.event, ()))
        if slot.index >= len(times):
            return None
        at = times[slot.index]
        assert probe.offsets is not None
        low, high = probe.offsets
        return Occurrence(probe.norm, slot.event, slot.index, at, at + low,
                          None if high is None else at + high, synthetic=True)

    def _trace(self, model: z3.ModelRef) -> _Trace:
        facts = {name: self._value(model, name, self.enc.encoder.facts[name])
                 for name, fact in self.spec.facts.items() if not fact.varying}
        occurrences: dict[str, list[Fraction]] = {}
        changes: list[tuple[Fraction, dict[str, WitnessValue]]] = []
        for event, slots in self.enc.slots.items():
            present = [s for s in slots
                       if z3.is_true(model.eval(s.present, model_completion=True))]
            times = [rational(model.eval(s.time, model_completion=True)) for s in present]
            if event != "start":
                occurrences[event] = times
            if self.enc.varying:
                changes += [(at, {name: self._value(model, name, var) for name, var in
                                  self.enc.values_at(slot).items()})
                            for at, slot in zip(times, present)]
        ordered = sorted(changes, key=lambda change: (change[0], sorted(change[1].items())))
        return _Trace(facts, occurrences, tuple(ordered))

    def _value(self, model: z3.ModelRef, name: str, var: z3.ExprRef) -> WitnessValue:
        kind = self.spec.facts[name].kind
        value = model.eval(var, model_completion=True)
        if kind == "bool":
            return bool(z3.is_true(value))
        if kind == "real":
            return rational(value)
        return int(rational(value))

    def _timeline(self, trace: _Trace) -> Timeline:
        facts = {k: v for k, v in trace.facts.items() if not isinstance(v, str)}
        changes = [(at, {k: v for k, v in values.items() if not isinstance(v, str)})
                   for at, values in trace.changes]
        return Timeline(self.spec, self.norms, self.actions, facts, trace.occurrences,
                        changes=changes)

    def _of(self, names: Sequence[str]) -> list[Instance]:
        return [i for i in self.enc.instances if i.norm.name in names]

    # ------------------------------------------------------------ conflict

    def _conflicts(self) -> list[Finding]:
        duties = [n for n in self.norms if n.modality != "may"]
        found: list[Finding] = []
        narrow = self.narrowed()
        if narrow is not self:  # the others can always be met on top
            return narrow._conflicts() if narrow.norms else []
        monotone = self._monotone()
        if self.enc.reactive and monotone:
            from .timed_minimal import minimal_conflicts

            minimal_conflicts(self, duties, lambda chosen, model: found.append(
                self._conflict(chosen, self._trace(model), model)))
            return found
        conflicting: list[set[str]] = []
        for size in range(1, len(duties) + 1):
            for chosen in combinations(duties, size):
                names = [n.name for n in chosen]
                if any(c <= set(names) for c in conflicting):
                    continue  # a superset of a conflict is not a minimal one
                if monotone and len(clash_relevant(self.spec, chosen)) < size:
                    continue  # one of them can be met on top of the others
                if self._room_for_all(chosen, chosen):
                    continue
                parts = []
                for name in names:
                    rest = [n for n in names if n != name]
                    parts.append(self.enc.some_complies(self._of(rest), (),
                                                        self.reactive(rest))[0])
                model = self._search(parts, names)
                if model is not None:
                    found.append(self._conflict(list(chosen), self._trace(model), model))
                    conflicting.append(set(names))
        return found

    def _monotone(self) -> bool:
        """No priority among the group's norms: more norms only demand more, so a conduct
        complying with all of them complies with any few."""
        return (len({n.rank for n in self.norms}) <= 1
                and not any(e.higher in self._names or e.lower in self._names
                            for e in self.spec.edges))

    @property
    def _names(self) -> set[str]:
        return {n.name for n in self.norms}

    def _room_for_all(self, doers: Sequence[NormDecl], among: Sequence[NormDecl]) -> bool:
        """A quick sufficient reason why some conduct does every `must`/`may` of `doers`
        while meeting the bans of `among`, in every trace: each one's window is longer
        than all K occurrences of every ban put together can cover (so it has free
        times, and dense time leaves each one a time of its own), and its target can be
        done under the constraints. Defeat only shortens bans and drops duties."""
        assert self.spec.time is not None
        if self.enc.reactive:
            return False  # the conduct's own actions may add bans and duties
        timed = self.spec.time.timed
        bans = [n for n in among if n.modality == "must not"]
        cover = Fraction(0)
        for ban in bans:
            high = timed[ban.name].high
            if high is None:
                return False
            cover += self.k * (high - timed[ban.name].low)
        for norm in doers:
            if norm.modality == "must not":
                continue
            high, low = timed[norm.name].high, timed[norm.name].low
            if (high is not None and high - low <= cover) or not z3.is_true(
                    self.enc.meetable_alone(norm)):
                return False
        return True

    def _conflict(self, chosen: list[NormDecl], trace: _Trace,
                  model: z3.ModelRef | None = None) -> Finding:
        timeline = self._timeline(trace)
        names = [n.name for n in chosen]
        of = [i for i in timeline.instances if i.norm.name in names]
        if self.enc.reactive:
            from .timed_reactive import confirm_conflict

            assert model is not None
            if not timeline.assumes_hold():
                raise TimedMismatch(f"conflict of {names}")
            confirm_conflict(self, names, model)
        else:
            minimal = all(timeline.complies([i for i in of if i.norm.name != name])
                          for name in names)
            if not timeline.assumes_hold() or timeline.complies(of) or not minimal:
                raise TimedMismatch(f"conflict of {names}")
        norms = by_position(chosen)
        shown = [n.name for n in norms]
        verb = "both" if len(norms) == 2 else "all"
        message = (f"norms {backticked(shown)} cannot {verb} be obeyed" if len(norms) > 1
                   else f"norm `{shown[0]}` cannot be obeyed")
        labels = tuple(norm_label(n, primary=(i == 0)) for i, n in enumerate(norms))
        timed = self.spec.time.timed if self.spec.time else {}
        if self.enc.reactive:
            # without `otherwise`, repaired is complying, and none does; with one, whether
            # a repair's own actions trigger more than it can meet is not judged
            culprits = of
            repair = None if any(timed[n.name].otherwise for n in self.norms) else "impossible"
        else:
            culprits = self._fewest(timeline, of)
            repair = "possible" if timeline.repairable(of) else "impossible"
        witness = self._witness(trace, timeline, names, culprits)
        assert witness.time is not None
        witness = replace(witness, time=replace(witness.time, repair=repair))
        judged = repair if repair is not None else (
            "not judged (beside norms the conduct's actions trigger)")
        return Finding("conflict", message, norms[0].duty_span, labels, tuple(sorted(shown)),
                       witness, help=(f"no conduct complies with these instances in this "
                                      f"trace; repair: {judged}",))

    # ------------------------------------------------------------ dead, shadowed, overridden

    def _dead(self, norm: NormDecl) -> Finding:
        assert self.spec.time is not None
        timed = self.spec.time.timed[norm.name]
        why = ("its conditions never hold" if timed.trigger == "start" or timed.by_action
               else "its trigger never occurs with its conditions")
        return Finding("dead-norm", f"norm `{norm.name}` never applies: {why} ({self.bound})",
                       norm.span,
                       (Label(norm.span, "never applies", primary=True),), (norm.name,))

    def _defeats(self) -> list[Finding]:
        # the norms the conduct triggers have no instances of the trace's own
        losers = [n for n in self.norms if n.name not in self._never and self._of([n.name])]
        goals: dict[object, z3.BoolRef] = {}
        for loser in losers:
            mine = self._of([loser.name])
            goals[loser.name] = z3.Or([self.enc.active(i) for i in mine])
            for winner in self.norms:
                pairs = [self.enc.defeats(h, i) for h in self._of([winner.name]) for i in mine]
                if winner is not loser and pairs:
                    goals[(winner.name, loser.name)] = z3.Or(pairs)
        shown = self._satisfiable(goals)
        found = []
        for loser in losers:
            if loser.name not in shown:
                found.append(self._shadowed(loser))
                continue
            for winner in self.norms:
                model = shown.get((winner.name, loser.name))
                if model is not None:
                    found.append(self._overridden(loser, winner, self._trace(model)))
        return found

    def _shadowed(self, norm: NormDecl) -> Finding:
        return Finding("shadowed-norm", f"norm `{norm.name}` is always defeated where it "
                       f"applies ({self.bound})", norm.span,
                       (Label(norm.duty_span, "never active", primary=True),), (norm.name,))

    def _overridden(self, loser: NormDecl, winner: NormDecl, trace: _Trace) -> Finding:
        timeline = self._timeline(trace)
        if not timeline.assumes_hold() or not any(
                timeline.defeats(h, i) for h in timeline.instances if h.norm is winner
                for i in timeline.instances if i.norm is loser):
            raise TimedMismatch(f"{winner.name} over {loser.name}")
        return Finding("overridden", f"norm `{loser.name}` is overridden by `{winner.name}` "
                       "where their instances clash", loser.duty_span,
                       (norm_label(loser, primary=True), norm_label(winner, message="wins")),
                       (loser.name, winner.name),
                       self._witness(trace, timeline, [loser.name, winner.name]))

    # ------------------------------------------------------------ undermined permissions

    def _undermined(self) -> list[Finding]:
        found = []
        for permission in (n for n in self.norms if n.modality == "may"):
            judged = [n.name for n in self.norms if n.rank <= permission.rank]
            if self._room_for_all([permission], [n for n in self.norms if n.name in judged]):
                continue  # and where the group conflicts, the conflict is the finding
            for instance in self._of([permission.name]):
                complying, _ = self.enc.some_complies(self._of(judged), (),
                                                      self.reactive(judged))
                model = self._search([self.enc.active(instance), complying], judged, instance)
                if model is not None:
                    found.append(self._undermined_finding(permission, instance, judged,
                                                          self._trace(model), model))
                    break
        return found

    def _undermined_finding(self, permission: NormDecl, instance: Instance, judged: list[str],
                            trace: _Trace, model: z3.ModelRef | None = None) -> Finding:
        timeline = self._timeline(trace)
        chosen = [i for i in timeline.instances if i.norm.name in judged]
        mine = [i for i in timeline.instances if i.norm is permission and timeline.active(i)]
        if self.enc.reactive:
            from .timed_reactive import concrete_conduct

            assert model is not None
            if (not timeline.assumes_hold() or concrete_conduct(self, model, judged) is None
                    or concrete_conduct(self, model, judged, [instance]) is not None):
                raise TimedMismatch(f"undermined {permission.name}")
        elif (not timeline.assumes_hold() or not timeline.complies(chosen)
                or not any(not timeline.complies(chosen, [m]) for m in mine)):
            raise TimedMismatch(f"undermined {permission.name}")
        return Finding("undermined-permission", f"permission `{permission.name}` can never "
                       "be used in this trace: no complying conduct does it in its window",
                       permission.duty_span, (norm_label(permission, primary=True),),
                       (permission.name,), self._witness(trace, timeline, judged))

    # ------------------------------------------------------------ witnesses

    @staticmethod
    def _fewest(timeline: Timeline, instances: list[Occurrence]) -> list[Occurrence]:
        """A minimal set of the conflicting instances (each one dropped in turn while
        no conduct still complies): the ones a timeline shows."""
        kept = list(instances)
        for instance in instances:
            trial = [i for i in kept if i is not instance]
            if not timeline.complies(trial):
                kept = trial
        return kept

    def _witness_of(self, timeline: Timeline, instances: tuple[tuple[
            str, Fraction, str, str, Fraction, Fraction | None, str], ...],
            events: list[tuple[Fraction, str]],
            conduct: tuple[tuple[Fraction, tuple[str, ...]], ...] = ()) -> Witness:
        return Witness(situation=dict(timeline.facts),
                       time=TimedWitness(tuple(events), instances, conduct,
                                         values=_values(timeline.changes)))

    def _witness(self, trace: _Trace, timeline: Timeline, names: Sequence[str],
                 shown: Sequence[Occurrence] | None = None) -> Witness:
        events = sorted((t, e) for e, ts in trace.occurrences.items() for t in ts)
        if shown is None:
            shown = [i for i in timeline.instances if i.norm.name in names]
        instances = tuple(
            (i.norm.name, i.trigger, i.norm.modality, self._target_text(i.norm), i.low, i.high,
             "active" if timeline.active(i) else "defeated") for i in shown)
        active = tuple(dict.fromkeys(i.norm.name for i in shown if timeline.active(i)))
        defeated = tuple(dict.fromkeys(i.norm.name for i in shown if not timeline.active(i)))
        return Witness(situation=dict(trace.facts), active=active, defeated=defeated,
                       time=TimedWitness(tuple(events), instances,
                                         values=_values(trace.changes)))

    def _target_text(self, norm: NormDecl) -> str:
        return target_text(self.spec, norm)


def _values(changes: Sequence[tuple[Fraction, Mapping[str, WitnessValue]]]
            ) -> tuple[tuple[Fraction, str, WitnessValue], ...]:
    """The varying facts' values at each time of the trace: (time, fact, value)."""
    out: dict[tuple[Fraction, str], WitnessValue] = {}
    for at, values in changes:
        for name, value in sorted(values.items()):
            out.setdefault((at, name), value)
    return tuple((at, name, value) for (at, name), value in out.items())
