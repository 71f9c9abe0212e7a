"""A brute-force evaluator of time.md's meaning for tiny timed specs, on a rational grid.

Plain Python, no z3, written from time.md ("Meaning") and not from the engine:

- a trace puts each event's occurrences at grid times; an occurrence at `t` of a norm's
  event makes an instance with window [t + low, t + high] (no end for `eventually`);
- a conduct does a set of actions at finitely many grid times, nothing elsewhere; the
  targets of the generated `must not` norms never hold of doing nothing, so only the
  times where something is done can break one;
- `must φ` is met if at some time of its window the actions then satisfy φ; `must not
  φ` is broken at any time of its window where they do; `may φ` claims φ at one;
- two instances clash when no conduct meets both (a `may` counts as demanding φ,
  except towards a lower layer); an instance is defeated by a higher, active one that
  clashes with it, and then binds only outside that one's window;
- a conflict is a set of norms whose instances no conduct meets, every proper subset
  of which some conduct meets, in the same trace; a permission is undermined in a
  trace where it is active, the instances of its layer and above can be met, and none
  of those conducts does it in its window.

The grid decides the conduct exactly when every window end lies on it and it is twice
as fine (`grid_for`): the times between two ends are then all alike and one of them is
on the grid. Deliberately slow and simple.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations, combinations_with_replacement, product
from math import lcm

Target = tuple  # ("act", name) | ("and", t, t) | ("or", t, t)


def holds(target: Target, acts: frozenset[str]) -> bool:
    if target[0] == "act":
        return target[1] in acts
    if target[0] == "and":
        return holds(target[1], acts) and holds(target[2], acts)
    return holds(target[1], acts) or holds(target[2], acts)


@dataclass(frozen=True)
class TNorm:
    name: str
    rank: int  # 0: the highest layer
    event: str
    modality: str  # "must", "must not", "may"
    target: Target
    low: Fraction
    high: Fraction | None  # None: eventually
    #: None, or the varying boolean fact `m` read at the trigger: "m" or "not m"
    when: str | None = None


@dataclass(frozen=True)
class TSpec:
    events: tuple[str, ...]
    actions: tuple[str, ...]
    norms: tuple[TNorm, ...]
    #: pairs of actions never done together
    exclusive: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Inst:
    norm: TNorm
    index: int
    trigger: Fraction

    @property
    def low(self) -> Fraction:
        return self.trigger + self.norm.low

    @property
    def high(self) -> Fraction | None:
        return None if self.norm.high is None else self.trigger + self.norm.high

    def contains(self, time: Fraction) -> bool:
        return self.low <= time and (self.high is None or time <= self.high)


class Trace:
    """One trace of a spec, with a conduct grid."""

    def __init__(self, spec: TSpec, occurrences: dict[str, Sequence[Fraction]],
                 grid: Sequence[Fraction], values: dict[Fraction, bool] | None = None) -> None:
        """`values`: the varying fact `m` at each occurrence time (one value a time)."""
        self.spec = spec
        self.occurrences = occurrences
        self.values = values or {}
        self.instances = [Inst(n, k, t) for n in spec.norms
                          for k, t in enumerate(occurrences.get(n.event, ()))
                          if self._applies(n, t)]
        self.grid = list(grid)
        self.sets = [frozenset(c) for r in range(len(spec.actions) + 1)
                     for c in combinations(spec.actions, r)
                     if not any(x in c and y in c for x, y in spec.exclusive)]
        self._defeated: dict[Inst, list[Inst]] = {}

    def _applies(self, norm: TNorm, at: Fraction) -> bool:
        if norm.when is None:
            return True
        value = self.values.get(at, False)
        return value if norm.when == "m" else not value

    # ---------------------------------------------------------------- conducts on the grid

    def meets(self, conduct: dict[Fraction, frozenset[str]], musts: Sequence[Inst],
              bans: Sequence[Inst]) -> bool:
        for must in musts:
            if not any(self.binds(must, t) and holds(must.norm.target, acts)
                       for t, acts in conduct.items()):
                return False
        return not any(self.binds(ban, t) and holds(ban.norm.target, acts)
                       for ban in bans for t, acts in conduct.items())

    def some_conduct(self, musts: Sequence[Inst], bans: Sequence[Inst]) -> bool:
        """Whether a conduct on the grid meets `musts` and `bans`: each `must` is met at
        some grid time of its window, so choosing those times (and what is done then) is
        every conduct that could comply, up to actions that only add breaches."""
        return self._extend(list(musts), {}, bans)

    def _extend(self, musts: list[Inst], conduct: dict[Fraction, frozenset[str]],
                bans: Sequence[Inst]) -> bool:
        if not musts:
            return self.meets(conduct, [], bans)
        must, rest = musts[0], musts[1:]
        if any(self.binds(must, t) and holds(must.norm.target, a) for t, a in conduct.items()):
            return self._extend(rest, conduct, bans)
        for time in self.grid:
            if not self.binds(must, time):
                continue
            for acts in ([conduct[time]] if time in conduct else self.sets):
                if time in conduct or not holds(must.norm.target, acts):
                    continue
                trial = {**conduct, time: acts}
                if self.meets(trial, [], bans) and self._extend(rest, trial, bans):
                    return True
        return False

    # ---------------------------------------------------------------- priority

    def clash(self, first: Inst, second: Inst) -> bool:
        musts = [i for i in (first, second) if i.norm.modality != "must not"]
        bans = [i for i in (first, second) if i.norm.modality == "must not"]
        saved = self._defeated
        self._defeated = {first: [], second: []}  # both with their whole windows
        try:
            return not self.some_conduct(musts, bans)
        finally:
            self._defeated = saved

    def defeaters(self, inst: Inst) -> list[Inst]:
        if inst not in self._defeated:
            self._defeated[inst] = []
            found = []
            for other in self.instances:
                if other is inst or other.norm.rank >= inst.norm.rank:
                    continue
                if other.norm.modality == "may" and other.norm.rank < inst.norm.rank:
                    continue  # a higher `may` does not clash with a lower layer
                if not self.defeaters(other) and self.clash(other, inst):
                    found.append(other)
            self._defeated[inst] = found
        return self._defeated[inst]

    def binds(self, inst: Inst, time: Fraction) -> bool:
        return inst.contains(time) and not any(h.contains(time) for h in self.defeaters(inst))

    def active(self, inst: Inst) -> bool:
        return not self.defeaters(inst)

    # ---------------------------------------------------------------- findings

    def complies(self, names: Sequence[str], doing: Inst | None = None) -> bool:
        chosen = [i for i in self.instances if i.norm.name in names]
        musts = [i for i in chosen if i.norm.modality == "must" and self.active(i)]
        if doing is not None:
            musts.append(doing)
        return self.some_conduct(musts, [i for i in chosen if i.norm.modality == "must not"])

    def conflicts(self) -> set[frozenset[str]]:
        duties = [n.name for n in self.spec.norms if n.modality != "may"]
        found = set()
        for size in range(1, len(duties) + 1):
            for chosen in combinations(duties, size):
                if not self.complies(chosen) and all(
                        self.complies([n for n in chosen if n != name]) for name in chosen):
                    found.add(frozenset(chosen))
        return found

    def undermined(self) -> set[str]:
        found = set()
        for permission in (n for n in self.spec.norms if n.modality == "may"):
            judged = [n.name for n in self.spec.norms if n.rank <= permission.rank]
            if not self.complies(judged):
                continue
            for inst in self.instances:
                if inst.norm is permission and self.active(inst) and not self.complies(
                        judged, inst):
                    found.add(permission.name)
        return found


    def breakable(self, name: str) -> bool:
        """Whether, where the norms of its layer can be met together, some conduct meets
        all of them but `name` and breaks one of its instances (then removing it changes
        their complying conducts: it is not redundant)."""
        norm = next(n for n in self.spec.norms if n.name == name)
        layer = [n.name for n in self.spec.norms if n.rank == norm.rank]
        if norm.modality == "may" or not self.complies(layer):
            return False
        rest = [i for i in self.instances if i.norm.name in layer and i.norm is not norm]
        musts = [i for i in rest if i.norm.modality == "must" and self.active(i)]
        bans = [i for i in rest if i.norm.modality == "must not"]
        for inst in (i for i in self.instances if i.norm is norm):
            if norm.modality == "must":
                # broken: its target done at no time of its window, as if it were a ban
                if self.active(inst) and self.some_conduct(musts, [*bans, inst]):
                    return True
                continue
            for time in (t for t in self.grid if self.binds(inst, t)):
                for acts in (a for a in self.sets if holds(norm.target, a)):
                    if self.meets({time: acts}, [], bans) and self._extend(
                            list(musts), {time: acts}, bans):
                        return True
        return False


def grid_for(times: Sequence[Fraction], spec: TSpec, horizon: Fraction) -> list[Fraction]:
    """Conduct times fine enough for these event times: half the step of the ends."""
    ends = [*times, *(n.low for n in spec.norms),
            *(n.high for n in spec.norms if n.high is not None)]
    step = Fraction(1, 2 * lcm(*(Fraction(x).denominator for x in ends or [Fraction(1)])))
    count = int(horizon / step) + 1
    return [step * i for i in range(count)]


def traces(spec: TSpec, max_occurrences: int, times: Sequence[Fraction]
           ) -> list[dict[str, tuple[Fraction, ...]]]:
    """Every placement of up to K occurrences per event on the given times."""
    per_event = [[tuple(c) for k in range(max_occurrences + 1)
                  for c in combinations_with_replacement(times, k)] for _ in spec.events]
    return [dict(zip(spec.events, choice)) for choice in product(*per_event)]


def horizon_of(spec: TSpec, latest: Fraction) -> Fraction:
    ends = [n.high if n.high is not None else n.low for n in spec.norms]
    return latest + max(ends, default=Fraction(0)) + 2


def answers(trace: Trace, question: str, event: str, target: Target, low: Fraction,
            high: Fraction | None) -> bool:
    """Whether some occurrence of `event` answers a timed expectation's question (see
    `checks/timed_expect.py`'s A-D, read from time.md): A some complying conduct does
    `target` in the window, B some does not, C none does, D all do. The probe ranks above
    every norm, so nothing defeats it, and it defeats nothing (it is not an instance)."""
    names = [n.name for n in trace.spec.norms]
    for index, at in enumerate(trace.occurrences.get(event, ())):
        modality = "may" if question in "AC" else "must not"
        probe = Inst(TNorm("probe", -1, event, modality, target, low, high), index, at)
        if modality == "may":
            found = trace.complies(names, probe)
        else:
            chosen = [i for i in trace.instances if i.norm.name in names]
            musts = [i for i in chosen if i.norm.modality == "must" and trace.active(i)]
            bans = [i for i in chosen if i.norm.modality == "must not"] + [probe]
            found = trace.some_conduct(musts, bans)
        if found == (question in "AB"):
            return True
    return False


def valuations(occurrences: dict[str, tuple[Fraction, ...]]) -> list[dict[Fraction, bool]]:
    """Every value of the varying fact `m` at the occurrence times (occurrences at one time
    see one value)."""
    times = sorted({t for ts in occurrences.values() for t in ts})
    return [dict(zip(times, bits)) for bits in product((False, True), repeat=len(times))]
