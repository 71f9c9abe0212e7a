"""Timed scenarios (time.md): `scenario` with `at T E`, conduct given at times, and
`expect obliged | forbidden | permitted φ (at T | during [A, B] | after T)`.

A scenario fixes the trace: its occurrences are all there are, and the facts are those
given (each completion of the others is tried). The given conduct may break a norm;
then the expectations speak of its extensions with a ⊆-minimal set of violated
instances (time.md): so "after a late notice, reasons are obliged" holds although the
notice was late. Everything here is plain evaluation over the one trace
(`engine.timeline`): which instances an extension leaves unmet (a `must` and the first
duties of its `otherwise` chain, or a ban it breaks where it binds), tried from the
fewest up; an expectation then asks whether such an extension does φ in the window.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import combinations, product

from ..core.findings import Finding, Label, TimedWitness, Witness, WitnessValue
from ..engine.evaluate import Scalar, compile_expr
from ..engine.timeline import Occurrence, Placed, Timeline
from ..model.imports import error
from ..model.spec import DeonticAtom, NormDecl, Spec, TimedScenario, TimedScenarioExpect
from .timed_findings import target_text

#: the most ways of leaving instances unmet one scenario tries
_MAX_CHOICES = 1 << 14
#: the most completions of the facts not given
_MAX_COMPLETIONS = 1 << 10


@dataclass
class _Extensions:
    """The conducts that extend a scenario's given conduct, in its one trace."""

    timeline: Timeline
    done: list[Occurrence]
    kept: list[Occurrence]
    #: each way of leaving instances unmet: (what is met, what is kept, the instances unmet)
    ways: list[tuple[list[Occurrence], list[Occurrence], frozenset[str]]]

    def minimal(self) -> list[tuple[list[Occurrence], list[Occurrence], frozenset[str]]]:
        """The ways that some extension takes and no smaller one does (⊆-minimal)."""
        found: list[tuple[list[Occurrence], list[Occurrence], frozenset[str]]] = []
        for musts, bans, unmet in sorted(self.ways, key=lambda way: len(way[2])):
            if any(other[2] <= unmet for other in found):
                continue
            if self.placed(musts, bans) is not None:
                found.append((musts, bans, unmet))
        return found

    def placed(self, musts: Sequence[Occurrence], bans: Sequence[Occurrence]
               ) -> dict[str, Placed] | None:
        return self.timeline._witnesses([*musts, *self.done], [*bans, *self.kept])


def check_timed_scenarios(spec: Spec) -> list[Finding]:
    assert spec.time is not None
    return [f for scenario in spec.time.scenarios for f in _scenario(spec, scenario)]


def _scenario(spec: Spec, scenario: TimedScenario) -> list[Finding]:
    try:
        completions = list(_completions(spec, scenario))
    except _NumberFacts:
        completions = None
    if completions is None or len(completions) > _MAX_COMPLETIONS:
        return [error("type-error", "a timed scenario must give every number fact, and may "
                      f"leave at most {_MAX_COMPLETIONS} completions of the others free",
                      scenario.span)]
    found: dict[int, Finding] = {}
    possible = False
    for facts, changes in completions:
        timeline = _timeline(spec, scenario, facts, changes)
        if timeline is None:
            continue
        extensions = _extensions(spec, scenario, timeline)
        if extensions is None:
            return [error("type-error", f"scenario `{scenario.name}` has too many ways of "
                          "breaking its norms to be checked", scenario.span)]
        minimal = extensions.minimal()
        if not minimal:
            continue
        possible = True
        for index, expect in enumerate(scenario.expects):
            if index not in found:
                failure = _fails(spec, extensions, minimal, expect)
                if failure is not None:
                    found[index] = _failed(spec, scenario, expect, timeline, *failure)
    if not possible:
        return [Finding("scenario-failed", f"scenario `{scenario.name}` describes no possible "
                        "trace and conduct", scenario.span,
                        (Label(scenario.span, "impossible", primary=True),), (), None,
                        ("its facts contradict an `assume`, or its given conduct the "
                         "constraints",))]
    return [found[i] for i in sorted(found)]


def _completions(spec: Spec, scenario: TimedScenario
                 ) -> Iterator[tuple[dict[str, Scalar], list[tuple[Fraction, dict[str, Scalar]]]]]:
    """Every value of the facts the scenario leaves free (varying ones at 0 and at each
    occurrence time), where its `given` holds."""
    rigid = [n for n, f in spec.facts.items() if not f.varying and n not in spec.time.events]  # type: ignore[union-attr]
    varying = [n for n, f in spec.facts.items() if f.varying]
    times = sorted({Fraction(0), *(t for t, _ in scenario.occurrences)})
    domains = {name: _domain(spec, name) for name in [*rigid, *varying]}
    if any(d is None for d in domains.values()):
        raise _NumberFacts()
    slots = [(None, name) for name in rigid] + [(t, name) for t in times for name in varying]
    given = compile_expr(scenario.given)
    for values in product(*(domains[name] or () for _, name in slots)):
        facts = {name: v for (t, name), v in zip(slots, values) if t is None}
        changes = [(t, {name: v for (at, name), v in zip(slots, values) if at == t})
                   for t in times] if varying else []
        env: dict[str, Scalar] = {**facts, **(changes[0][1] if changes else {})}
        env.update(dict.fromkeys(spec.actions, False))
        env.update(dict.fromkeys(spec.time.events if spec.time else (), False))
        if given(env):
            yield facts, changes


class _NumberFacts(Exception):
    pass


def _domain(spec: Spec, name: str) -> list[Scalar] | None:
    fact = spec.facts[name]
    if fact.kind == "bool":
        return [False, True]
    if fact.kind == "enum" and fact.enum is not None:
        return list(range(len(spec.enums[fact.enum].values)))
    return None


def _timeline(spec: Spec, scenario: TimedScenario, facts: dict[str, Scalar],
              changes: list[tuple[Fraction, dict[str, Scalar]]]) -> Timeline | None:
    occurrences: dict[str, list[Fraction]] = {}
    for at, event in scenario.occurrences:
        occurrences.setdefault(event, []).append(at)
    timeline = Timeline(spec, list(spec.norms), sorted(spec.actions), facts, occurrences,
                        changes=changes)
    return timeline if timeline.assumes_hold() else None


def _synthetic(name: str, modality: str, target: object, low: Fraction,
               high: Fraction | None, span: object) -> Occurrence:
    norm = NormDecl(name, "", 10**6, modality, "", target, span, span)  # type: ignore[arg-type]
    return Occurrence(norm, "scenario", 0, low, low, high, synthetic=True)


def _extensions(spec: Spec, scenario: TimedScenario, timeline: Timeline) -> _Extensions | None:
    done = [_synthetic(f"given#{i}", "must", g.target, g.low, g.high, scenario.span)
            for i, g in enumerate(scenario.conduct) if g.done]
    kept = [_synthetic(f"given#{i}", "must not", g.target, g.low, g.high, scenario.span)
            for i, g in enumerate(scenario.conduct) if not g.done]
    musts = [i for i in timeline.instances if i.norm.modality == "must" and timeline.active(i)]
    bans = [i for i in timeline.instances if i.norm.modality == "must not"]
    chains = [timeline._chain(m) for m in musts]
    timeline.probes = [*done, *kept, *(d for chain in chains for d in chain[1:])]
    depths = [range(len(chain) + 1) for chain in chains]
    count = 1 << len(bans)
    for options in depths:
        count *= len(options)
    if count > _MAX_CHOICES:
        return None
    for ban in bans:
        timeline.defeaters(ban)  # a breach binds where its ban does (the same key)
    ways = []
    for depth in product(*depths):
        for size in range(len(bans) + 1):
            for broken in combinations(bans, size):
                met: list[Occurrence] = []
                held = [b for b in bans if b not in broken]
                unmet: set[str] = set()
                for chain, k in zip(chains, depth):
                    for duty in chain[k:k + 1]:  # a ban of the chain is kept, not done
                        (held if duty.norm.modality == "must not" else met).append(duty)
                    held += [_unmet(x) for x in chain[:k]]
                    unmet |= {x.key for x in chain[:k]}
                met += [replace(b, norm=replace(b.norm, modality="must")) for b in broken]
                unmet |= {b.key for b in broken}
                ways.append((met, held, frozenset(unmet)))
    return _Extensions(timeline, done, kept, ways)


def _unmet(occurrence: Occurrence) -> Occurrence:
    norm = replace(occurrence.norm, name=f"{occurrence.norm.name}/unmet", modality="must not")
    return replace(occurrence, norm=norm, synthetic=True)


def _fails(spec: Spec, extensions: _Extensions,
           minimal: list[tuple[list[Occurrence], list[Occurrence], frozenset[str]]],
           expect: TimedScenarioExpect) -> tuple[DeonticAtom, dict[str, Placed] | None,
                                                 frozenset[str]] | None:
    """The first atom that fails, with an extension that shows it (None for `permitted`)."""
    for number, atom in enumerate(expect.atoms):
        probe_must = _synthetic(f"expect#{number}", "must", atom.target, expect.low,
                                expect.high, expect.span)
        probe_ban = replace(probe_must, norm=replace(probe_must.norm, modality="must not"))
        extensions.timeline.probes.append(probe_must)
        if atom.kind == "obliged":
            for musts, bans, unmet in minimal:
                placed = extensions.placed(musts, [*bans, probe_ban])
                if placed is not None:
                    return atom, placed, unmet
        elif atom.kind == "forbidden":
            for musts, bans, unmet in minimal:
                placed = extensions.placed([*musts, probe_must], bans)
                if placed is not None:
                    return atom, placed, unmet
        elif not any(extensions.placed([*musts, probe_must], bans) is not None
                     for musts, bans, _ in minimal):
            return atom, None, minimal[0][2]
    return None


def _failed(spec: Spec, scenario: TimedScenario, expect: TimedScenarioExpect, timeline: Timeline,
            atom: DeonticAtom, placed: dict[str, Placed] | None, unmet: frozenset[str]
            ) -> Finding:
    events = tuple(sorted((t, e) for e, ts in timeline.occurrences.items() for t in ts))
    instances = tuple((i.norm.name, i.trigger, i.norm.modality, target_text(spec, i.norm),
                       i.low, i.high,
                       "active" if timeline.active(i) else "defeated")
                      for i in timeline.instances)
    conduct = tuple(sorted({(p.time, tuple(sorted(a for a, on in p.acts.items() if on)))
                            for p in (placed or {}).values()}))
    values: tuple[tuple[Fraction, str, WitnessValue], ...] = tuple(
        (at, name, value) for at, changed in timeline.changes
        for name, value in sorted(changed.items()))
    witness = Witness(situation=dict(timeline.facts), time=TimedWitness(
        events, instances, conduct, values=values))
    broken = sorted({key.split("@")[0] for key in unmet})
    how = (f"the extensions of the given conduct that leave fewest instances unmet "
           f"(here: {', '.join(broken) if broken else 'none'})")
    detail = {"obliged": f"{how}: the one shown does not do it in the window",
              "forbidden": f"{how}: the one shown does it in the window",
              "permitted": f"{how}: none of them does it in the window"}[atom.kind]
    return Finding("scenario-failed", f"scenario `{scenario.name}`: `{expect.text}` does not "
                   "hold", expect.span, (Label(expect.span, "does not hold", primary=True),),
                   (), witness, (detail,))
