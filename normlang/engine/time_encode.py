"""A timed spec as z3 terms over one bounded trace (time.md, Meaning and Encoding).

A trace has K slots per event (present, time), time a non-negative real; the
facts are rigid. An instance is a (norm, trigger slot) with a window of linear
ends. A conduct is one (time, actions) slot per `must` instance that has to be
met (its witness); at every other time nothing is done. That is no loss: a
complying conduct keeps complying when every action outside the witnesses is
dropped, since no target of a `must not` nor a `constraint` holds of doing
nothing (`check_empty_conduct` refuses specs where one could) — the exactness
argument of docs/language.md.

Defeat is read per instance: `h` defeats `i` when `h` outranks `i`, is active
and clashes with it; then `i` binds outside `h`'s window only. Whether no conduct
complies is not written as a quantifier: `checks.timed` asks the solver for traces
and turns each complying conduct that plain evaluation finds into a lemma.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product

import z3

from ..model.spec import And, FactRef, NormDecl, Or, Relation, RExpr, Spec, TimedNorm, may_clash
from .encode import Encoder, after, conj, disj, implies, is_false_term, neg, same, z3_number
from .evaluate import Scalar, compile_expr, names_in
from .reactions import ReactionTerms, Unfolding, doable_actions, unfold
from .time_terms import Conduct, Instance, Slot, reachable


@dataclass
class TimedEncoding:
    """The trace variables of one group of timed norms, and its formulas."""

    spec: Spec
    norms: Sequence[NormDecl]
    max_occurrences: int
    actions: Sequence[str]
    #: events read besides the norms' (an expectation's trigger and condition)
    extra_events: Sequence[str] = ()
    #: how deep conduct-triggered instances unfold (`--max-depth`)
    max_depth: int = 4
    encoder: Encoder = field(init=False)
    slots: dict[str, list[Slot]] = field(init=False)
    instances: list[Instance] = field(init=False)
    _copies: int = field(default=0, init=False)
    _trace: z3.BoolRef | None = field(default=None, init=False)
    _active: dict[str, z3.BoolRef] = field(default_factory=dict, init=False)
    _defeats: dict[tuple[str, str], z3.BoolRef] = field(default_factory=dict, init=False)
    _meetables: dict[tuple[tuple[str, ...], tuple[str, ...]], z3.BoolRef] = field(
        default_factory=dict, init=False)
    #: `_binds` by (the instance's and the time term's ids), keeping both alive so that no
    #: id is reused: a search's lemmas ask it again and again of the same window ends (z3
    #: shares equal terms, so an equal time has the same id)
    _bound: dict[tuple[int, int], tuple[Instance, z3.ArithRef, z3.BoolRef]] = field(
        default_factory=dict, init=False)
    #: `_doable` by target (targets are frozen: equal ones share the answer)
    _doables: dict[RExpr, set[str]] = field(default_factory=dict, init=False)
    #: `_after_pairs`, made once
    _after: tuple[list[Slot], dict[int, list[tuple[Slot, z3.BoolRef]]]] | None = field(
        default=None, init=False)
    #: `values_before` by the instant's id (the instant kept alive, as in `_bound`)
    _before: dict[int, tuple[z3.ArithRef, dict[str, z3.ExprRef],
                             list[tuple[Slot, z3.BoolRef]]]] = field(
        default_factory=dict, init=False)

    def __post_init__(self) -> None:
        assert self.spec.time is not None
        self.encoder = Encoder(self.spec)
        self.slots = {}
        time = self.spec.time
        for event in self._relevant_events():
            self.slots[event] = [
                Slot(event, k, z3.Bool(f"p!{event}!{k}"), z3.Real(f"t!{event}!{k}"))
                for k in range(self.max_occurrences)]
        self.slots["start"] = [Slot("start", 0, z3.BoolVal(True), z3.RealVal(0))]
        self.varying = self._relevant_varying()
        #: each varying fact's value at each slot (at the start: the fact's own constant)
        self.values: dict[tuple[str, int], dict[str, z3.ExprRef]] = {
            (slot.event, slot.index): {
                name: self.encoder.facts[name] if slot.event == "start"
                else self._value_constant(name, slot) for name in self.varying}
            for slots in self.slots.values() for slot in slots}
        self.instances = [self._instance(norm, time.timed[norm.name], slot)
                          for norm in self.norms if not time.timed[norm.name].by_action
                          for slot in self.slots[time.timed[norm.name].trigger]]
        #: the norms the conduct's own actions trigger (`on AGENT.ACTION`)
        self.reactive = [n for n in self.norms if time.timed[n.name].by_action]

    def _value_constant(self, name: str, slot: Slot) -> z3.ExprRef:
        kind = self.spec.facts[name].kind
        label = f"f!{name}@{slot.event}#{slot.index}"
        if kind == "bool":
            return z3.Bool(label)
        return z3.Real(label) if kind == "real" else z3.Int(label)

    def values_at(self, slot: Slot) -> dict[str, z3.ExprRef]:
        """The varying facts' values at `slot`'s occurrence."""
        return self.values[(slot.event, slot.index)]

    def values_before(self, instant: z3.ArithRef, names: set[str]) -> dict[str, z3.ExprRef]:
        """The varying facts `names` at `instant`: their values at the last occurrence at
        or before it (occurrences at one time agree), else at 0."""
        key = instant.get_id()
        if key not in self._before:
            self._before[key] = (instant, {}, self._latest(instant))
        _, known, latest = self._before[key]
        for name in names - set(known):
            value: z3.ExprRef = self.encoder.facts[name]
            for slot, last in latest:
                value = z3.If(last, self.values_at(slot)[name], value)
            known[name] = value
        return {name: known[name] for name in names}

    def _latest(self, instant: z3.ArithRef) -> list[tuple[Slot, z3.BoolRef]]:
        """Each occurrence slot, and whether it is a last one at or before `instant`: it
        is there by then, and every occurrence after it comes after `instant` too."""
        slots, after = self._after_pairs()
        beyond = {id(s): s.time > instant for s in slots}
        return [(slot, conj(slot.present, slot.time <= instant,
                            *(implies(later, beyond[id(other)]) for other, later in after[id(slot)])))
                for slot in slots]

    def _after_pairs(self) -> tuple[list[Slot], dict[int, list[tuple[Slot, z3.BoolRef]]]]:
        """The occurrence slots, and for each the others with whether they occur after it
        (the same for every instant, so made once)."""
        if self._after is None:
            slots = [s for e, ss in self.slots.items() if e != "start" for s in ss]
            self._after = (slots, {id(s): [(o, conj(o.present, after(o.time, s.time)))
                                           for o in slots if o is not s] for s in slots})
        return self._after

    def at_conduct(self, expr: RExpr, instant: z3.ArithRef) -> z3.BoolRef:
        """`expr` at an instant of the conduct (not an occurrence): the varying facts
        then have the values of the last occurrence before."""
        read = names_in(expr)[0] & set(self.varying)
        return self.at(expr, instant, self.values_before(instant, read) if read else None)

    def _relevant_events(self) -> list[str]:
        """The events the group's norms are triggered by or read, and those the
        `assume`s read: no other occurrence changes anything about the group."""
        assert self.spec.time is not None
        time = self.spec.time
        wanted = {time.timed[n.name].trigger for n in self.norms} | set(self.extra_events)
        for norm in self.norms:
            wanted |= names_in(norm.applicable)[0]
            for step in time.timed[norm.name].otherwise:
                wanted |= names_in(step.when)[0]
        for assume in self.spec.assumes:
            wanted |= names_in(assume.expr)[0]
        for edge in self.spec.edges:
            wanted |= names_in(edge.when)[0]
        for relation in time.relations:
            wanted |= {relation.trigger, *names_in(relation.when)[0], *names_in(relation.then)[0]}
            wanted |= {relation.until} if relation.until else set()
        for _ in time.before:  # an event's occurrences demand the earlier one's
            wanted |= {first for first, second in time.before if second in wanted}
        varying = {name for name, fact in self.spec.facts.items() if fact.varying}
        if any(time.timed[n.name].by_action and names_in(n.applicable)[0] & varying
               for n in self.norms):
            return list(time.events)  # any occurrence may change what a reaction reads
        return [e for e in time.events if e in wanted]

    def _relevant_varying(self) -> list[str]:
        """The varying facts the group reads (conditions, priority, an expectation's), and
        those an `assume` or relation ties to them: the others' values change nothing
        about the group, so their `assume`s are left out with them."""
        assert self.spec.time is not None
        varying = {name for name, fact in self.spec.facts.items() if fact.varying}
        read = [norm.applicable for norm in self.norms]
        read += [s.when for n in self.norms for s in self.spec.time.timed[n.name].otherwise]
        read += [edge.when for edge in self.spec.edges]
        wanted = set(self.extra_events) & varying
        for expr in read:
            wanted |= names_in(expr)[0] & varying
        ties = [names_in(a.expr)[0] & varying for a in self.spec.assumes]
        ties += [(names_in(r.when)[0] | names_in(r.then)[0]) & varying
                 for r in self.spec.time.relations]
        grown = True
        while grown:
            grown = False
            for names in ties:
                if names & wanted and not names <= wanted:
                    wanted |= names
                    grown = True
        return [name for name in self.spec.facts if name in wanted]

    def _reads_other_varying(self, *exprs: RExpr) -> bool:
        """Whether these read a varying fact the group leaves out."""
        mine = set(self.varying)
        return any(self.spec.facts[n].varying and n not in mine
                   for expr in exprs for n in names_in(expr)[0] if n in self.spec.facts)

    # ------------------------------------------------------------ the trace

    def trace(self) -> z3.BoolRef:
        """What every trace satisfies: slots in order, the facts' types, the `assume`s at
        0 and at every occurrence (made once: every query of the group asks it)."""
        if self._trace is None:
            self._trace = self._make_trace()
        return self._trace

    def _make_trace(self) -> z3.BoolRef:
        parts: list[z3.BoolRef] = list(self.encoder.domain(self._facts()))
        for event, slots in self.slots.items():
            if event == "start":
                continue
            for slot in slots:
                parts.append(slot.time >= 0)
            for first, second in itertools.pairwise(slots):
                parts.append(implies(second.present, conj(first.present,
                                                          first.time <= second.time)))
        every = [*self.slots["start"], *(s for e, ss in self.slots.items() if e != "start"
                                          for s in ss)]
        if self.varying:
            parts += self._varying_trace(every)
        for assume in self.spec.assumes:
            if self._reads_other_varying(assume.expr):
                continue
            for slot in every:
                parts.append(implies(slot.present, self.at(assume.expr, slot.time,
                                                           self.values_at(slot))))
        for relation in self.spec.time.relations if self.spec.time else ():
            if not self._reads_other_varying(relation.when, relation.then):
                parts += self._relation(relation, every)
        for cause, effect in self.spec.time.before if self.spec.time else ():
            for later in self.slots.get(effect, []):
                parts.append(implies(later.present, disj([
                    conj(earlier.present, earlier.time < later.time)
                    for earlier in self.slots.get(cause, [])])))
        return conj(parts)

    def _relation(self, relation: Relation, every: Sequence[Slot]) -> list[z3.BoolRef]:
        """`assume on E when C then P for D | until E2` at every instant its span holds: at
        E's occurrence and at each later one in the span (values change only there)."""
        parts = []
        for start in self.slots.get(relation.trigger, []):
            began = conj(start.present, self.at(relation.when, start.time,
                                                self.values_at(start)))
            for slot in every:
                inside = [slot.present, start.time <= slot.time]
                if relation.for_ is not None:
                    inside.append(slot.time < start.time + z3_number(relation.for_))
                else:
                    inside += [neg(conj(end.present, start.time < end.time, end.time <= slot.time))
                               for end in self.slots.get(relation.until or "", [])]
                parts.append(implies(conj(began, *inside), self.at(
                    relation.then, slot.time, self.values_at(slot))))
        return parts

    def _varying_trace(self, every: Sequence[Slot]) -> list[z3.BoolRef]:
        """A varying fact has one value at a time: occurrences at the same time (the start
        included) see the same values; each value is of the fact's type."""
        parts = [term for slot in every if slot.event != "start"
                 for name, var in self.values_at(slot).items()
                 for term in self.encoder.value_domain(name, var)]
        for first, second in itertools.combinations(every, 2):
            at_once = conj(first.present, second.present, same(first.time, second.time))
            equal = [same(self.values_at(first)[n], self.values_at(second)[n])
                     for n in self.varying]
            parts.append(implies(at_once, conj(equal)))
        return parts

    def _facts(self) -> list[str]:
        return list(self.spec.facts)

    def at(self, expr: RExpr, instant: z3.ArithRef,
           values: Mapping[str, z3.ExprRef] | None = None) -> z3.BoolRef:
        """`expr` (facts and events) at `instant`: an event holds where one occurs, and a
        varying fact has its value then (`values`, by default the start's)."""
        events = self.spec.time.events if self.spec.time else ()
        read, _ = names_in(expr)
        changing = read & set(values or ())
        if not read & set(events) and not changing:
            return self.encoder.term(expr)
        encoder = Encoder(self.spec)
        facts: dict[str, z3.ExprRef] = {name: self.encoder.facts[name] for name in
                                        read if name not in events}
        for name in changing:
            assert values is not None
            facts[name] = values[name]
        for event in read & set(events):
            facts[event] = disj([conj(s.present, s.time == instant) for s in self.slots[event]])
        encoder.facts = facts
        return encoder.term(expr)

    def probe(self, norm: NormDecl, slot: Slot, when: RExpr, low: Fraction,
              high: Fraction | None) -> Instance:
        """An expectation's probe at `slot`: `norm` (a `must not` or a `may`) with the
        window [t + low, t + high], where `when` holds at the trigger."""
        exists = conj(slot.present, self.at(when, slot.time, self.values_at(slot)))
        top = None if high is None else slot.time + z3_number(high)
        return Instance(norm, slot, exists, slot.time + z3_number(low), top,
                        high is not None and high == low, synthetic=True, offsets=(low, high))

    def events_at_once(self, target: RExpr, low: z3.ArithRef, high: z3.ArithRef | None
                       ) -> z3.BoolRef:
        """Some instant of [low, high] has events that make `target` (an and/or of
        events) true: one of their occurrences is such an instant."""
        names = sorted(names_in(target)[0])
        parts = []
        for name in names:
            for slot in self.slots[name]:
                at = {other: disj([conj(o.present, o.time == slot.time)
                                   for o in self.slots[other]]) for other in names}
                inside = [low <= slot.time] + ([] if high is None else [slot.time <= high])
                parts.append(conj(slot.present, *inside, _over_events(target, at)))
        return disj(parts)

    def _instance(self, norm: NormDecl, timed: TimedNorm, slot: Slot) -> Instance:
        low = slot.time + z3_number(timed.low)
        high = None if timed.high is None else slot.time + z3_number(timed.high)
        applicable = self.at(norm.applicable, slot.time, self.values_at(slot))
        return Instance(norm, slot, conj(slot.present, applicable), low, high,
                        timed.high is not None and timed.high == timed.low)

    # ------------------------------------------------------------ priority and defeat

    def outranks(self, higher: Instance, lower: Instance) -> z3.BoolRef:
        """`higher` ≻ `lower`: a higher layer, or an `overrides` chain (read at the
        later trigger)."""
        if higher.norm.name == lower.norm.name:
            return z3.BoolVal(False)
        if higher.norm.rank < lower.norm.rank:
            return z3.BoolVal(True)
        first = higher.slot.time >= lower.slot.time
        later = z3.If(first, higher.slot.time, lower.slot.time)
        mine, theirs = self.values_at(higher.slot), self.values_at(lower.slot)
        values = {n: z3.If(first, mine[n], theirs[n]) for n in self.varying}
        return self._edge_path(higher.norm.name, lower.norm.name, later, set(), values)

    def _edge_path(self, higher: str, lower: str, instant: z3.ArithRef,
                   seen: set[str], values: Mapping[str, z3.ExprRef]) -> z3.BoolRef:
        paths = []
        for edge in self.spec.edges:
            if edge.higher != higher or edge.lower in seen:
                continue
            when = self.at(edge.when, instant, values)
            if edge.lower == lower:
                paths.append(when)
            else:
                paths.append(conj(when, self._edge_path(edge.lower, lower, instant,
                                                        seen | {higher}, values)))
        return disj(paths) if paths else z3.BoolVal(False)

    def may_outrank(self, higher: str, lower: str) -> bool:
        """Whether `higher` ≻ `lower` in some trace: a higher layer or an `overrides` path."""
        if higher == lower:
            return False
        if self.spec.norm(higher).rank < self.spec.norm(lower).rank:
            return True
        return lower in reachable(self.spec, higher)

    def active(self, instance: Instance) -> z3.BoolRef:
        """The instance exists and no active instance that outranks it clashes with it."""
        key = instance.key
        if instance.synthetic:
            return instance.exists
        if key not in self._active:
            # only instances that may outrank it are asked, and priority has no cycle
            # (`static_cycle`): the recursion ends
            beaten = [self.defeats(h, instance) for h in self.instances if h is not instance]
            self._active[key] = conj(instance.exists, neg(disj(beaten)) if beaten
                                     else z3.BoolVal(True))
        return self._active[key]

    def defeats(self, higher: Instance, lower: Instance) -> z3.BoolRef:
        pair = (higher.key, lower.key)
        if pair not in self._defeats:
            if (not may_clash(higher.norm, lower.norm)
                    or not self.may_outrank(higher.norm.name, lower.norm.name)):
                self._defeats[pair] = z3.BoolVal(False)
            else:
                ranked = self.outranks(higher, lower)
                self._defeats[pair] = conj(lower.exists, ranked, self.active(higher),
                                           self.clash(higher, lower))
        return self._defeats[pair]

    def clash(self, first: Instance, second: Instance) -> z3.BoolRef:
        """No conduct meets both demands (a `may`'s claim counts as a demand)."""
        if first.norm.modality == "must not" and second.norm.modality == "must not":
            return z3.BoolVal(False)  # doing nothing meets both
        if second.norm.modality == "must not":
            first, second = second, first
        if first.norm.modality == "must not":
            return disj(neg(self._meetable([second.norm], [])), conj(
                self._inside(second, first),
                neg(self._meetable([second.norm], [first.norm]))))
        same_point = (conj(first.low == second.low, self._point(first), self._point(second))
                      if first.point and second.point else z3.BoolVal(False))
        return disj(neg(self._meetable([first.norm], [])), neg(self._meetable([second.norm], [])),
                    conj(same_point, neg(self._meetable([first.norm, second.norm], []))))

    def _point(self, instance: Instance) -> z3.BoolRef:
        return z3.BoolVal(instance.point)

    def _inside(self, inner: Instance, outer: Instance) -> z3.BoolRef:
        if outer.high is None:
            return outer.low <= inner.low
        if inner.high is None:
            return z3.BoolVal(False)
        return conj(outer.low <= inner.low, inner.high <= outer.high)

    # ------------------------------------------------------------ demands over one action set

    def _acts(self) -> dict[str, z3.BoolRef]:
        self._copies += 1
        return {a: z3.Bool(f"s{self._copies}!{a}") for a in self.actions}

    def _target(self, instance: Instance, acts: Mapping[str, z3.BoolRef] | None = None
                ) -> z3.BoolRef:
        return self.encoder.term(instance.norm.target, acts)

    def _constraints(self, acts: Mapping[str, z3.BoolRef] | None) -> z3.BoolRef:
        return conj([self.encoder.term(c.expr, acts) for c in self.spec.constraints]
                    or [z3.BoolVal(True)])

    def meetable_alone(self, norm: NormDecl) -> z3.BoolRef:
        """Some set of actions does the norm's target under the constraints."""
        return self._meetable([norm], [])

    def _meetable(self, musts: Sequence[NormDecl], bans: Sequence[NormDecl]) -> z3.BoolRef:
        """Some one set of actions does every target of `musts`, none of `bans`, and meets
        the constraints (decided plainly when the constraints read no fact)."""
        key = (tuple(n.name for n in musts), tuple(n.name for n in bans))
        if key not in self._meetables:
            self._meetables[key] = self._decide_meetable(musts, bans)
        return self._meetables[key]

    def _decide_meetable(self, musts: Sequence[NormDecl], bans: Sequence[NormDecl]
                         ) -> z3.BoolRef:
        constraints = [c.expr for c in self.spec.constraints]
        if not any(names_in(c)[0] for c in constraints):
            tests = [compile_expr(n.target) for n in musts]
            refuse = [compile_expr(n.target) for n in bans]
            rules = [compile_expr(c) for c in constraints]
            for bits in product((False, True), repeat=len(self.actions)):
                env: dict[str, Scalar] = dict.fromkeys(self.spec.actions, False)
                env.update(zip(self.actions, bits))
                if (all(t(env) for t in tests) and not any(r(env) for r in refuse)
                        and all(c(env) for c in rules)):
                    return z3.BoolVal(True)
            return z3.BoolVal(False)
        acts = self._acts()
        body = conj([self._target_of(n, acts) for n in musts]
                    + [neg(self._target_of(n, acts)) for n in bans]
                    + [self._constraints(acts)])
        return z3.Exists(list(acts.values()), body) if acts else body

    def _target_of(self, norm: NormDecl, acts: Mapping[str, z3.BoolRef]) -> z3.BoolRef:
        return self.encoder.term(norm.target, acts)

    # ------------------------------------------------------------ compliance

    def conduct(self, musts: Sequence[Instance], reactive: Sequence[NormDecl] = ()) -> Conduct:
        self._copies += 1
        tag = self._copies
        unfolding = self.unfolding(musts, reactive) if reactive else None
        keys = list(unfolding.depths) if unfolding else [i.key for i in musts]
        times = {k: z3.Real(f"u{tag}!{k}") for k in keys}
        by_time = {a: z3.Function(f"c{tag}!{a}", z3.RealSort(), z3.BoolSort())
                   for a in self.actions}
        return Conduct(times, {k: {a: by_time[a](times[k]) for a in self.actions}
                               for k in keys}, unfolding, by_time)

    def unfolding(self, musts: Sequence[Instance], reactive: Sequence[NormDecl]) -> Unfolding:
        """The reactions of `reactive` that witnesses of `musts` can trigger."""
        assert self.spec.time is not None
        return unfold([(i.key, i.norm.target) for i in musts], reactive, self.spec.time.timed,
                      self._doable, self.max_depth)

    def _doable(self, target: RExpr) -> set[str]:
        if target not in self._doables:
            bans = [n.target for n in self.norms if n.modality == "must not"]
            self._doables[target] = doable_actions(
                target, [c.expr for c in self.spec.constraints], bans)
        return self._doables[target]

    def musts(self, chosen: Sequence[Instance], forced: Sequence[Instance] = ()) -> list[Instance]:
        return [i for i in chosen if i.norm.modality == "must"] + list(forced)

    def complies(self, chosen: Sequence[Instance], conduct: Conduct,
                 forced: Sequence[Instance] = (), strict: bool = False) -> z3.BoolRef:
        """`conduct` meets every instance in `chosen` where it binds; each of `forced`
        (permissions read as duties: "some complying conduct does it") must be done too."""
        musts = self.musts(chosen, forced)
        # a defeated `must` binds nowhere: it clashes only with a winner whose window
        # holds all of its own (or shares its single instant)
        required = {i.key: self.active(i) for i in musts}
        parts = []
        for i in musts:
            when, acts = conduct.times[i.key], conduct.acts[i.key]
            parts.append(implies(required[i.key], conj(
                self._binds(i, when), self._target(i, acts), self._constraints(acts))))
        parts += self._bans_kept(chosen, required, conduct)
        if conduct.unfolding is not None:
            parts += self._reaction_parts(chosen, musts, conduct, required, strict)
            return conj(parts)
        parts += self._one_set_at_a_time(required, conduct)
        return conj(parts) if parts else z3.BoolVal(True)

    def breaking(self, chosen: Sequence[Instance], broken: Sequence[Instance],
                 judge: TimedEncoding | None = None
                 ) -> tuple[z3.BoolRef, Conduct, dict[str, z3.BoolRef]]:
        """Some conduct meets `chosen` and breaks an instance of `broken` (of `judge`, an
        encoding of other norms over the same trace and actions; by default this one), in
        a group without reactions, with the times it uses: one witness per `must` of `chosen`,
        as in `complies`, and one more time, where a broken `must not` is done (or, for a
        `must` at one instant that doing nothing meets, something else is done there).
        No other time is needed: dropping all else keeps the instance broken."""
        musts = self.musts(chosen)
        conduct = self.conduct(musts)
        extra = f"x!{self._copies}"
        conduct.times[extra] = z3.Real(f"u!{extra}")
        assert conduct.by_time is not None
        conduct.acts[extra] = {a: f(conduct.times[extra]) for a, f in conduct.by_time.items()}
        used = {i.key: self.active(i) for i in musts}
        used[extra] = z3.BoolVal(True)
        parts = [self.complies(chosen, conduct), self._constraints(conduct.acts[extra]),
                 *self._bans_kept(chosen, {extra: used[extra]}, conduct),
                 *self._one_set_at_a_time(used, conduct)]
        judged = judge if judge is not None else self
        parts.append(disj([judged._broken(i, conduct, used, extra) for i in broken]))
        return conj(parts), conduct, used

    def _broken(self, instance: Instance, conduct: Conduct, used: Mapping[str, z3.BoolRef],
                extra: str) -> z3.BoolRef:
        at = conduct.times[extra]
        if instance.norm.modality == "must not":
            return conj(instance.exists, self._binds(instance, at),
                        self._target(instance, conduct.acts[extra]))
        done = disj([conj(in_use, instance.contains(conduct.times[key]),
                          self._target(instance, conduct.acts[key]))
                     for key, in_use in used.items()])
        by_nothing = self._target(instance, {a: z3.BoolVal(False) for a in self.actions})
        # doing nothing meets it at every time where nothing is done: only a window of one
        # instant, where the extra time does something else, can leave it unmet
        lone = (at == instance.low) if instance.point else z3.BoolVal(False)
        return conj(self.active(instance), neg(done), disj(neg(by_nothing), lone))

    def _bans_kept(self, chosen: Sequence[Instance], used: Mapping[str, z3.BoolRef],
                   conduct: Conduct) -> list[z3.BoolRef]:
        """No witness in use does what a `must not` of `chosen` forbids where it binds."""
        kept = []
        for j in chosen:
            if j.norm.modality != "must not":
                continue
            for key, in_use in used.items():
                done = self._target(j, conduct.acts[key])
                if not is_false_term(done):  # (a lemma's witness may not do it at all)
                    kept.append(implies(conj(in_use, j.exists,
                                             self._binds(j, conduct.times[key])), neg(done)))
        return kept

    def _one_set_at_a_time(self, used: Mapping[str, z3.BoolRef], conduct: Conduct
                           ) -> list[z3.BoolRef]:
        """Witnesses in use at the same time do the same actions."""
        if conduct.by_time is not None:
            return []  # the actions are functions of time
        keys = list(used)
        fixed = {key: _fixed(conduct.acts[key]) for key in keys}
        parts = []
        for a, first in enumerate(keys):
            for second in keys[a + 1:]:
                if fixed[first] is not None and fixed[first] == fixed[second]:
                    continue  # the same constant actions (a lemma's): nothing to say
                same = conj(used[first], used[second],
                            conduct.times[first] == conduct.times[second])
                if fixed[first] is not None and fixed[second] is not None:
                    parts.append(neg(same))
                    continue
                parts.append(implies(same, conj([conduct.acts[first][x] == conduct.acts[second][x]
                                                 for x in self.actions] or [z3.BoolVal(True)])))
        return parts

    def _reaction_parts(self, chosen: Sequence[Instance], musts: Sequence[Instance],
                        conduct: Conduct, required: dict[str, z3.BoolRef],
                        strict: bool) -> list[z3.BoolRef]:
        """What the reactions the conduct triggers demand, the trace's bans kept by their
        witnesses, and one set of actions at a time over every witness."""
        assert conduct.unfolding is not None
        unfolding = conduct.unfolding
        terms = ReactionTerms(unfolding, self.spec.time.timed if self.spec.time else {},
                              conduct.times, conduct.acts, dict(required),
                              self.at_conduct)
        targets = {i.key: i.norm.target for i in musts}
        targets.update({r.key: r.norm.target for r in unfolding.reactions
                        if r.norm.modality == "must"})
        doable = {key: self._doable(target) for key, target in targets.items()}
        parts = terms.parts(self.encoder.term, self._constraints, doable, strict)
        reacting = {k: v for k, v in terms.required.items() if k not in required}
        return [*parts, *self._bans_kept(chosen, reacting, conduct),
                *self._one_set_at_a_time(terms.required, conduct)]

    def _binds(self, instance: Instance, when: z3.ArithRef) -> z3.BoolRef:
        """`when` is in the instance's window and in no window of one that defeats it."""
        key = (id(instance), when.get_id())
        known = self._bound.get(key)
        if known is not None:
            return known[2]
        if instance.synthetic:
            binds = instance.contains(when)
        else:
            beaten = [conj(defeat, h.contains(when)) for h in self.instances
                      if h is not instance
                      and not is_false_term(defeat := self.defeats(h, instance))]
            binds = conj(instance.contains(when),
                         neg(disj(beaten)) if beaten else z3.BoolVal(True))
        self._bound[key] = (instance, when, binds)
        return binds

    def some_complies(self, chosen: Sequence[Instance], forced: Sequence[Instance] = (),
                      reactive: Sequence[NormDecl] = (), strict: bool = False
                      ) -> tuple[z3.BoolRef, Conduct]:
        conduct = self.conduct(self.musts(chosen, forced), reactive)
        return self.complies(chosen, conduct, forced, strict), conduct


def _fixed(acts: Mapping[str, z3.BoolRef]) -> tuple[bool, ...] | None:
    """The actions' values where every one is a constant, else None."""
    values = []
    for value in acts.values():
        if z3.is_true(value):
            values.append(True)
        elif z3.is_false(value):
            values.append(False)
        else:
            return None
    return tuple(values)


def _over_events(target: RExpr, at: Mapping[str, z3.BoolRef]) -> z3.BoolRef:
    if isinstance(target, And):
        return conj([_over_events(item, at) for item in target.items])
    if isinstance(target, Or):
        return disj([_over_events(item, at) for item in target.items])
    assert isinstance(target, FactRef)
    return at[target.name]
