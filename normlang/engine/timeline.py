"""One concrete timed trace, evaluated plainly (no solver): its instances, which are
active, and whether some conduct complies. Every timed finding is replayed here
before it is reported.

Times are exact fractions. Whether a conduct complies is decided over the
regions the window ends cut the time line into: on each open interval between
two ends, and at each end, every window either holds or not, so a `must`
instance's witness may be taken at an end (shared with the others placed there)
or at a time of its own inside an interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import pairwise, product
from typing import Any

from ..model.spec import NormDecl, Relation, RExpr, Spec, may_clash
from .evaluate import Scalar, compile_expr, names_in


class TimedMismatch(Exception):
    """A witness the plain evaluation does not confirm: a bug, never reported as a finding."""


@dataclass(frozen=True)
class Occurrence:
    """An instance: `norm` triggered at `trigger` (seconds); `high` None: no end."""

    norm: NormDecl
    event: str
    index: int
    trigger: Fraction
    low: Fraction
    high: Fraction | None
    #: an expectation's probe, not a norm: it neither defeats nor is defeated
    synthetic: bool = False

    @property
    def key(self) -> str:
        return f"{self.norm.name}@{self.event}#{self.index}"

    def contains(self, time: Fraction) -> bool:
        return self.low <= time and (self.high is None or time <= self.high)


@dataclass(frozen=True)
class Placed:
    """A `must`'s witness: done at `time` (the window end `index`, or inside the open
    interval `index`, after end `index`), doing `acts`."""

    time: Fraction
    acts: dict[str, bool]
    region: str
    index: int
    #: the how-many-th witness inside that interval (each has a time of its own)
    order: int = 0


def inside(ends: Sequence[Any], index: int, order: int) -> Any:
    """The `order`-th distinct time inside the open interval after end `index` (works on
    fractions and on z3 terms alike)."""
    if index + 1 < len(ends):
        return ends[index] + (ends[index + 1] - ends[index]) / (2 ** (order + 1))
    return ends[index] + (order + 1)


@dataclass
class Timeline:
    """A trace: fact values and the occurrence times of each event."""

    spec: Spec
    norms: Sequence[NormDecl]
    actions: Sequence[str]
    facts: Mapping[str, Scalar]
    occurrences: Mapping[str, Sequence[Fraction]]
    instances: list[Occurrence] = field(init=False)
    #: an expectation's probes, whose window ends cut the time line too
    probes: list[Occurrence] = field(default_factory=list)
    #: the varying facts' values from each time on: (0, initial values), then one per
    #: occurrence (occurrences at one time have the same values)
    changes: Sequence[tuple[Fraction, Mapping[str, Scalar]]] = ()
    _active: dict[str, bool] = field(default_factory=dict, init=False)
    _defeats: dict[tuple[str, str], bool] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        assert self.spec.time is not None
        self.instances = []
        for norm in self.norms:
            timed = self.spec.time.timed[norm.name]
            times = [Fraction(0)] if timed.trigger == "start" else self.occurrences.get(
                timed.trigger, ())
            for index, at in enumerate(times):
                if self.holds(norm.applicable, at):
                    high = None if timed.high is None else at + timed.high
                    self.instances.append(Occurrence(norm, timed.trigger, index, at,
                                                     at + timed.low, high))
        self._all_acts = [dict(zip(self.actions, bits))
                          for bits in product((False, True), repeat=len(self.actions))]

    def holds(self, expr: RExpr, at: Fraction, acts: Mapping[str, bool] | None = None) -> bool:
        """`expr` at instant `at`: facts, events (occurring then) and actions."""
        env: dict[str, Scalar] = dict(self.facts)
        env.update(self.values_at(at))
        events = self.spec.time.events if self.spec.time else ()
        for event in events:
            env[event] = at in self.occurrences.get(event, ())
        env.update(dict.fromkeys(self.spec.actions, False))
        if acts:
            env.update(acts)
        return bool(compile_expr(expr)(env))

    def values_at(self, at: Fraction) -> Mapping[str, Scalar]:
        """The varying facts' values at `at` (those of the last change at or before it)."""
        current: Mapping[str, Scalar] = {}
        for time, values in self.changes:
            if time > at:
                break
            current = values
        return current

    def assumes_hold(self) -> bool:
        """The `assume`s at 0 and at every occurrence (and a varying fact has one value at
        a time)."""
        seen: dict[Fraction, Mapping[str, Scalar]] = {}
        for time, values in self.changes:
            if seen.setdefault(time, values) != values:
                return False
        instants = {Fraction(0), *(t for ts in self.occurrences.values() for t in ts)}
        before = self.spec.time.before if self.spec.time else ()
        # a trace of a group gives the varying facts it reads; the `assume`s over others
        # were left out with them (`TimedEncoding.varying`)
        known = {name for _, values in self.changes for name in values}
        left_out = {n for n, f in self.spec.facts.items() if f.varying and n not in known}
        assumes = [a for a in self.spec.assumes if not names_in(a.expr)[0] & left_out]
        relations = [r for r in (self.spec.time.relations if self.spec.time else ())
                     if not (names_in(r.when)[0] | names_in(r.then)[0]) & left_out]
        return (all(self.holds(a.expr, at) for a in assumes for at in instants)
                and all(any(t < later for t in self.occurrences.get(first, ()))
                        for first, second in before for later in self.occurrences.get(second, ()))
                and all(self._relation_holds(r, instants) for r in relations))

    def _relation_holds(self, relation: Relation, instants: set[Fraction]) -> bool:
        for start in self.occurrences.get(relation.trigger, ()):
            if not self.holds(relation.when, start):
                continue
            if relation.for_ is not None:
                end: Fraction | None = start + relation.for_
            else:
                later = [t for t in self.occurrences.get(relation.until or "", ()) if t > start]
                end = min(later) if later else None
            if not all(self.holds(relation.then, at) for at in instants
                       if start <= at and (end is None or at < end)):
                return False
        return True

    # ------------------------------------------------------------ actions at one time

    def _meets(self, acts: Mapping[str, bool], musts: Iterable[Occurrence],
               bans: Iterable[Occurrence]) -> bool:
        return (all(self.holds(m.norm.target, m.trigger, acts) for m in musts)
                and not any(self.holds(b.norm.target, b.trigger, acts) for b in bans)
                and all(self.holds(c.expr, Fraction(0), acts) for c in self.spec.constraints))

    def _some_acts(self, musts: Sequence[Occurrence], bans: Sequence[Occurrence]) -> bool:
        return any(self._meets(acts, musts, bans) for acts in self._all_acts)

    # ------------------------------------------------------------ priority, clash, defeat

    def outranks(self, higher: Occurrence, lower: Occurrence) -> bool:
        if higher.norm.name == lower.norm.name:
            return False
        if higher.norm.rank < lower.norm.rank:
            return True
        later = max(higher.trigger, lower.trigger)
        return self._path(higher.norm.name, lower.norm.name, later, set())

    def _path(self, higher: str, lower: str, at: Fraction, seen: set[str]) -> bool:
        for edge in self.spec.edges:
            if edge.higher != higher or edge.lower in seen or not self.holds(edge.when, at):
                continue
            if edge.lower == lower or self._path(edge.lower, lower, at, seen | {higher}):
                return True
        return False

    def clash(self, first: Occurrence, second: Occurrence) -> bool:
        kinds = (first.norm.modality, second.norm.modality)
        if kinds == ("must not", "must not"):
            return False
        if second.norm.modality == "must not":
            first, second = second, first
        if first.norm.modality == "must not":
            if not self._some_acts([second], []):
                return True
            inside = (first.high is None or (second.high is not None
                                              and second.high <= first.high))
            inside = inside and first.low <= second.low
            return inside and not self._some_acts([second], [first])
        if not self._some_acts([first], []) or not self._some_acts([second], []):
            return True
        same_point = (first.low == first.high == second.low == second.high)
        return same_point and not self._some_acts([first, second], [])

    def defeats(self, higher: Occurrence, lower: Occurrence) -> bool:
        pair = (higher.key, lower.key)
        if pair not in self._defeats:
            self._defeats[pair] = (may_clash(higher.norm, lower.norm)
                                   and self.outranks(higher, lower) and self.active(higher)
                                   and self.clash(higher, lower))
        return self._defeats[pair]

    def active(self, instance: Occurrence) -> bool:
        if instance.synthetic:
            return True
        if instance.key not in self._active:
            self._active[instance.key] = True
            self._active[instance.key] = not any(
                self.defeats(h, instance) for h in self.instances if h is not instance)
        return self._active[instance.key]

    def defeaters(self, instance: Occurrence) -> list[Occurrence]:
        return [h for h in self.instances if h is not instance and self.defeats(h, instance)]

    def binds(self, instance: Occurrence, time: Fraction) -> bool:
        if instance.synthetic:
            return instance.contains(time)
        return instance.contains(time) and not any(
            h.contains(time) for h in self.defeaters(instance))

    # ------------------------------------------------------------ compliance

    def complies(self, chosen: Sequence[Occurrence],
                 forced: Sequence[Occurrence] = ()) -> bool:
        """Whether some conduct meets every instance of `chosen` and does each of `forced`
        (permissions) in its window."""
        return self.complying(chosen, forced) is not None

    def complying(self, chosen: Sequence[Occurrence], forced: Sequence[Occurrence] = ()
                  ) -> dict[str, Placed] | None:
        """A complying conduct as one witness per active `must` (and per `forced`
        permission), or None if there is none."""
        musts = [i for i in chosen if i.norm.modality == "must" and self.active(i)]
        musts += [i for i in forced if self.active(i)]
        bans = [j for j in chosen if j.norm.modality == "must not"]
        return self._witnesses(musts, bans)

    def meets(self, chosen: Sequence[Occurrence],
              conduct: Mapping[Fraction, Mapping[str, bool]]) -> bool:
        """Whether this conduct (what is done at each time; nothing elsewhere) meets every
        instance of `chosen` and the constraints."""
        if not all(self.holds(c.expr, at, acts) for c in self.spec.constraints
                   for at, acts in conduct.items()):
            return False
        return not any(self.breaks(i, conduct) for i in chosen)

    def breaks(self, instance: Occurrence, conduct: Mapping[Fraction, Mapping[str, bool]]
               ) -> bool:
        """Whether this conduct breaks the instance: an active `must` done at no time of
        its window, or a `must not` done at a time where it binds."""
        target = instance.norm.target
        if instance.norm.modality == "must not":
            return any(self.binds(instance, at) and self.holds(target, instance.trigger, acts)
                       for at, acts in conduct.items())
        if instance.norm.modality != "must" or not self.active(instance):
            return False
        if self.holds(target, instance.trigger, {}) and (
                instance.high != instance.low or instance.low not in conduct):
            return False  # done by doing nothing, at a time where nothing is done
        return not any(instance.contains(at) and self.holds(target, instance.trigger, acts)
                       for at, acts in conduct.items())

    def repairable(self, chosen: Sequence[Occurrence]) -> bool:
        """Whether some conduct is repaired: every active `must` instance of `chosen` is met,
        or violated (at its window's end) with an `otherwise` duty of its chain met, and
        every `must not` is met."""
        bans = [j for j in chosen if j.norm.modality == "must not"]
        options = [self._chain(i) for i in chosen if i.norm.modality == "must" and self.active(i)]
        saved = self.probes
        # the duties' window ends cut the time line too
        self.probes = [*saved, *(d for chain in options for d in chain[1:])]
        try:
            for choice in product(*options):
                kept = [c for c in choice if c.norm.modality == "must not"]
                if self._witnesses([c for c in choice if c not in kept],
                                   [*bans, *kept]) is not None:
                    return True
            return False
        finally:
            self.probes = saved

    def _chain(self, instance: Occurrence) -> list[Occurrence]:
        """The instance, then the `otherwise` duties its violations would yield."""
        assert self.spec.time is not None
        out = [instance]
        violated = instance.high
        for index, step in enumerate(self.spec.time.timed[instance.norm.name].otherwise):
            if violated is None or not self.holds(step.when, violated):
                break
            norm = replace(instance.norm, name=f"{instance.norm.name}/otherwise{index + 1}",
                           agent=step.agent, target=step.target, modality=step.modality)
            high = None if step.high is None else violated + step.high
            out.append(Occurrence(norm, instance.event, instance.index, violated,
                                  violated + step.low, high))
            violated = high
        return out

    def _witnesses(self, musts: Sequence[Occurrence], bans: Sequence[Occurrence]
                   ) -> dict[str, Placed] | None:
        points, intervals = self._regions()
        placed: dict[str, Placed] = {}
        pending = []
        crowd = [0] * len(intervals)
        for must in musts:
            # a time of its own inside an open interval: nothing else is done there
            for index, at in enumerate(intervals):
                acts = self._acts_for([must], [b for b in bans if self.binds(b, at)]) \
                    if self.binds(must, at) else None
                if acts is not None:
                    time = inside(points, index, crowd[index])
                    placed[must.key] = Placed(time, acts, "interval", index, crowd[index])
                    crowd[index] += 1
                    break
            else:
                options = [p for p in points if self.binds(must, p)]
                if not options:
                    return None
                pending.append((must, options))
        at_points = self._place(pending, {}, bans)
        if at_points is None:
            return None
        for point, (here, acts) in at_points.items():
            for must in here:
                placed[must.key] = Placed(point, acts, "end", points.index(point))
        return placed

    def _acts_for(self, musts: Sequence[Occurrence], bans: Sequence[Occurrence]
                  ) -> dict[str, bool] | None:
        return next((acts for acts in self._all_acts if self._meets(acts, musts, bans)), None)

    def _place(self, pending: list[tuple[Occurrence, list[Fraction]]],
               placed: dict[Fraction, tuple[list[Occurrence], dict[str, bool]]],
               bans: Sequence[Occurrence]
               ) -> dict[Fraction, tuple[list[Occurrence], dict[str, bool]]] | None:
        if not pending:
            return placed
        (must, options), rest = pending[0], pending[1:]
        for point in options:
            here = [*placed.get(point, ([], {}))[0], must]
            acts = self._acts_for(here, [b for b in bans if self.binds(b, point)])
            if acts is None:
                continue
            done = self._place(rest, {**placed, point: (here, acts)}, bans)
            if done is not None:
                return done
        return None

    def ends(self) -> list[Fraction]:
        """The window ends (and 0), in order; an expectation's probes' too."""
        return sorted({e for i in [*self.instances, *self.probes] for e in (i.low, i.high)
                       if e is not None} | {Fraction(0)})

    def _regions(self) -> tuple[list[Fraction], list[Fraction]]:
        """The window ends, and one time inside each open interval they leave (the
        last one after the last end)."""
        ends = self.ends()
        middles = [(a + b) / 2 for a, b in pairwise(ends)] + [ends[-1] + 1]
        return ends, middles
