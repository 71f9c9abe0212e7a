"""`expect A complies with B` in a spec with time: language.md's three conditions over
instances (time.md), within K occurrences of each event, each gap its own finding.

Each layer is judged alone (its own encoding over the same trace, so an instance's
activity is decided among its own layer's instances), on the duties of the judged
agents:

1. a conduct that meets A's instances and breaks one of a duty of B: one ∃ trace
   ∃ conduct query per duty (`TimedEncoding.breaking`, judged by B's encoding);
2. a trace where some conduct meets B and none meets A: the conflict search's loop;
3. a trace where a `protected` permission of B is active and no conduct meeting A
   does it in its window: the same loop, with the permission as a probe.

Every witness is replayed by plain evaluation first. Groups with reactions are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from ..core.findings import Finding, Label, Witness
from ..engine.timeline import Occurrence, TimedMismatch
from ..model.imports import error
from ..model.spec import Expectation, NormDecl, Spec
from .context import backticked, compliance_gap, norm_label
from .timed_findings import conduct_done, shown_conduct

Group = Any  # checks.timed._Group (which imports this module)


@dataclass
class _Judged:
    expectation: Expectation
    a: Group
    b: Group
    duties_a: list[str]
    duties_b: list[NormDecl]


def check_timed_complies(spec: Spec, expectation: Expectation,
                         group_of: Callable[[list[NormDecl]], Group]) -> list[Finding]:
    """Every `compliance-gap` of one `expect A complies with B`; `group_of` makes the
    checks of a set of norms over the whole trace."""
    lower = [n for n in spec.norms if n.layer == expectation.lower]
    higher = [n for n in spec.norms if n.layer == expectation.higher]
    agents = set(expectation.agents) or {n.agent for n in lower}
    judged = _Judged(expectation, group_of(lower), group_of(higher),
                     [n.name for n in lower if n.agent in agents and n.modality != "may"],
                     [n for n in higher if n.agent in agents and n.modality != "may"])
    if judged.a.enc.reactive or judged.b.enc.reactive:
        return [error("type-error", "`complies with` over norms the conduct triggers (`on "
                      "AGENT.ACTION`) is not supported yet", expectation.span)]
    findings = [f for norm in judged.duties_b if (f := _broken(judged, norm)) is not None]
    findings += _unfollowable(judged)
    for permission in higher:
        if permission.modality == "may" and permission.protected:
            findings += _taken_away(judged, permission)
    return findings


def _gap(judged: _Judged, detail: str, labels: Sequence[Label], norms: Sequence[str],
         witness: Witness, help_lines: Sequence[str]) -> Finding:
    return compliance_gap(judged.expectation, detail, labels, norms, witness, help_lines)


def _witness(judged: _Judged, trace: Any, shown: Sequence[Occurrence],
             conduct: tuple[tuple[Fraction, tuple[str, ...]], ...] = ()) -> Witness:
    timeline = judged.a._timeline(trace)
    witness: Witness = judged.a._witness(trace, timeline, [], shown)
    assert witness.time is not None
    return replace(witness, time=replace(witness.time, conduct=conduct))


# ---------------------------------------------------------------- 1. broken duties of B


def _broken(judged: _Judged, norm: NormDecl) -> Finding | None:
    a, b = judged.a, judged.b
    meets, conduct, used = a.enc.breaking(a._of(judged.duties_a), b._of([norm.name]), b.enc)
    model = a._solve(b.enc.trace(), meets)
    if model is None:
        return None
    trace = a._trace(model)
    mine, theirs = a._timeline(trace), b._timeline(trace)
    done = conduct_done(model, conduct, used, a.actions)
    of = [i for i in mine.instances if i.norm.name in judged.duties_a]
    broken = [i for i in theirs.instances if i.norm is norm and theirs.breaks(i, done)]
    if not mine.assumes_hold() or not mine.meets(of, done) or not broken:
        raise TimedMismatch(f"a conduct that follows the lower layer and breaks {norm.name}")
    expectation = judged.expectation
    help_lines = [f"the conduct shown meets every instance of `{expectation.lower}` (judged "
                  f"alone) in this trace, but breaks `{norm.name}` of `{expectation.higher}`"]
    witness = _witness(judged, trace, [*of, *broken[:1]], shown_conduct(done))
    repair = _repair(judged, trace, of, broken[0])
    if repair is not None:
        assert witness.time is not None
        witness = replace(witness, time=replace(witness.time, repair=repair))
        some = "some" if repair == "possible" else "no"
        help_lines.append(f"repair: {repair}: {some} conduct that follows "
                          f"`{expectation.lower}` meets the `otherwise` duty of `{norm.name}`")
    return _gap(judged, f"conduct that follows `{expectation.lower}` breaks `{norm.name}`",
                [norm_label(norm, message="broken")], [norm.name], witness, help_lines)


def _repair(judged: _Judged, trace: Any, of: list[Occurrence], broken: Occurrence
            ) -> str | None:
    """For a broken `must` with `otherwise` duties: "possible" if a conduct meeting A's
    instances meets one of the duties its violation yields, else "impossible"."""
    chain = judged.b._timeline(trace)._chain(broken)[1:]
    if broken.norm.modality != "must" or not chain:
        return None
    mine = judged.a._timeline(trace)
    mine.probes = list(chain)  # the duties' window ends cut the time line too
    return "possible" if any(
        mine.complies([*of, duty]) if duty.norm.modality == "must not" else mine.complies(of, [duty])
        for duty in chain) else "impossible"


# ---------------------------------------------------------------- 2. A cannot be followed


def _unfollowable(judged: _Judged) -> list[Finding]:
    a, b = judged.a, judged.b
    if not judged.duties_a:
        return []
    names_b = [n.name for n in judged.duties_b]
    complying_b, _ = b.enc.some_complies(b._of(names_b))
    model = a._search([b.enc.trace(), complying_b], judged.duties_a)
    if model is None:
        return []
    trace = a._trace(model)
    mine, theirs = a._timeline(trace), b._timeline(trace)
    of = [i for i in mine.instances if i.norm.name in judged.duties_a]
    if (not mine.assumes_hold() or mine.complies(of)
            or not theirs.complies([i for i in theirs.instances if i.norm.name in names_b])):
        raise TimedMismatch("a lower layer that cannot be followed")
    fewest = a._fewest(mine, of)
    culprits = sorted({i.norm.name for i in fewest})
    expectation = judged.expectation
    help_lines = [f"in this trace some conduct meets every instance of `{expectation.higher}` "
                  f"(judged alone), but no conduct meets those of `{expectation.lower}`: a "
                  "layer that contradicts itself complies with nothing"]
    leave = "leaves" if len(culprits) == 1 else "leave"
    return [_gap(judged, f"it cannot be followed where `{expectation.higher}` can "
                         f"({backticked(culprits)} {leave} no complying conduct)",
                 [norm_label(a.spec.norm(n), message="conflicts") for n in culprits],
                 culprits, _witness(judged, trace, fewest), help_lines)]


# ---------------------------------------------------------------- 3. protected permissions


def _taken_away(judged: _Judged, permission: NormDecl) -> list[Finding]:
    a, b = judged.a, judged.b
    assert a.spec.time is not None
    timed = a.spec.time.timed[permission.name]
    for instance in b._of([permission.name]):
        slot = a.enc.slots[instance.slot.event][instance.slot.index]
        probe = a.enc.probe(permission, slot, permission.applicable, timed.low, timed.high)
        model = a._search([b.enc.trace(), b.enc.active(instance)], judged.duties_a,
                          probe=probe)
        if model is None:
            continue
        trace = a._trace(model)
        mine, theirs = a._timeline(trace), b._timeline(trace)
        of = [i for i in mine.instances if i.norm.name in judged.duties_a]
        wanted = a.occurrence_of(mine, probe)
        allowed = [i for i in theirs.instances if i.key == instance.key and theirs.active(i)]
        if (not mine.assumes_hold() or wanted is None or not allowed
                or mine.complies(of, [wanted])):
            raise TimedMismatch(f"protected permission {permission.name} taken away")
        kept = list(of)
        for one in of:  # the fewest of A's instances that still leave it undone
            trial = [i for i in kept if i is not one]
            if not mine.complies(trial, [wanted]):
                kept = trial
        expectation = judged.expectation
        blockers = sorted({i.norm.name for i in kept})
        labels = [norm_label(permission, message="protected permission taken away")]
        labels += [norm_label(a.spec.norm(n), message="blocks it") for n in blockers]
        help_lines = [f"in this trace `{permission.name}` of `{expectation.higher}` is active "
                      f"and protected, but no conduct that meets `{expectation.lower}` does "
                      "what it allows in its window"]
        return [_gap(judged, f"it takes away the protected permission `{permission.name}`",
                     labels, (permission.name, *blockers),
                     _witness(judged, trace, [*kept, *allowed]), help_lines)]
    return []
