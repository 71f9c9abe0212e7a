"""`unrepairable` (time.md): a `must` with `otherwise` duties and a trace where some
conduct meets the group's norms (where none does, the conflict is the finding), yet no
conduct that violates one of its instances is repaired: every conduct that leaves it
unmet, and meets the group's other norms, breaks its `otherwise` duty (and, where that
one has its own, that one's too, down the chain).

A trace is searched for as conflicts are (the loop of `checks.timed`): each proposed
trace is tried against every way of being repaired (violate the instance and the first
k duties of its chain, meet the next), and a conduct that works becomes a lemma, as
terms of the trace's window ends. A norm's other instances are left out of "the
group's other norms", and so are the instances of lower layers (a duty ranks as its
norm and may defeat them), which can only make a repair easier: a trace found is one
where violating that instance forces a breach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import z3

from ..core.findings import Finding, Label
from ..engine.encode import conj, z3_number
from ..engine.solver import stop_if_run_over
from ..engine.time_terms import Instance, rational
from ..engine.timeline import Occurrence, TimedMismatch, Timeline
from ..model.spec import NormDecl
from .context import norm_label

Group = Any  # checks.timed._Group (which imports this module)

#: the most repairing conducts one search turns into lemmas before it gives up
_MAX_LEMMAS = 20000

#: (instances that must be left unmet, the duty that must then be met)
_Way = tuple[list[Instance], Instance]


def unrepairable_norms(group: Group, found: list[Finding]) -> list[Finding]:
    if group.enc.reactive or group.spec.time is None:
        return []
    skipped = {f.norms[0] for f in found if f.kind in ("dead-norm", "shadowed-norm") and f.norms}
    out = []
    timed = group.spec.time.timed
    for norm in group.norms:
        if (norm.modality != "must" or not timed[norm.name].otherwise or norm.name in skipped
                or timed[norm.name].high is None or not _violable(group, norm)):
            continue
        for instance in group._of([norm.name]):
            finding = _unrepairable(group, norm, instance)
            if finding is not None:
                out.append(finding)
                break
    return out


def _violable(group: Group, norm: NormDecl) -> bool:
    """Whether doing nothing leaves the norm's target undone (else only a window of one
    instant could be left unmet, and this check does not ask)."""
    nothing = {a: z3.BoolVal(False) for a in group.actions}
    return bool(z3.is_false(z3.simplify(group.enc.encoder.term(norm.target, nothing))))


def _chain(group: Group, instance: Instance) -> list[Instance]:
    """The `otherwise` duties a violation of `instance` yields, as probes: each one's
    window from the end of the one before, where its `when` holds then."""
    out: list[Instance] = []
    violated = instance.high
    steps = group.spec.time.timed[instance.norm.name].otherwise
    for index, step in enumerate(steps):
        if violated is None:
            break
        norm = replace(instance.norm, name=f"{instance.norm.name}/otherwise{index + 1}",
                       agent=step.agent, target=step.target, modality=step.modality)
        high = None if step.high is None else violated + z3_number(step.high)
        exists = conj(out[-1].exists if out else instance.exists,
                      group.enc.at_conduct(step.when, violated))
        out.append(Instance(norm, instance.slot, exists, violated + z3_number(step.low), high,
                            step.high is not None and step.high == step.low, synthetic=True))
        violated = high
    return out


def _unmet(instance: Instance) -> Instance:
    """The instance as a ban on its target over its window: left unmet."""
    norm = replace(instance.norm, name=f"{instance.norm.name}/unmet", modality="must not")
    return replace(instance, norm=norm, synthetic=True)


def _unrepairable(group: Group, norm: NormDecl, instance: Instance) -> Finding | None:
    chain = _chain(group, instance)
    ways: list[_Way] = [([_unmet(instance), *(_unmet(d) for d in chain[:k])], chain[k])
                        for k in range(len(chain))]
    # a duty ranks as its norm and may defeat a lower layer's instances: those are left
    # out too, which again only makes a repair easier
    others = [i for i in group.enc.instances
              if i.norm.name != norm.name and i.norm.rank <= norm.rank]
    # where no conduct complies at all, the conflict (with its repair) is the finding
    complying, _ = group.enc.some_complies([*others, *group._of([norm.name])])
    found = _search(group, [group.enc.active(instance), chain[0].exists, complying],
                    others, ways)
    if found is None:
        return None
    trace, timeline = found
    mine = [o for o in timeline.instances if o.key == instance.key]
    names = {i.norm.name for i in others}
    plain = [o for o in timeline.instances if o.norm.name in names]
    ways_plain = _plain_ways(timeline, mine[0]) if mine else []
    timeline.probes = [duty for _, duty in ways_plain]
    if (not timeline.assumes_hold() or not mine or not timeline.active(mine[0])
            or not timeline.complies([*plain, *(o for o in timeline.instances
                                                  if o.norm is norm)])
            or any(_repaired(timeline, plain, chain_of, duty) for chain_of, duty in ways_plain)):
        raise TimedMismatch(f"unrepairable {norm.name}")
    blockers = [name for name in sorted(names) if any(
        _repaired(timeline, [o for o in plain if o.norm.name != name], chain_of, duty)
        for chain_of, duty in ways_plain)]
    witness = group._witness(trace, timeline, [n.name for n in group.norms])
    assert witness.time is not None
    witness = replace(witness, time=replace(witness.time, repair="impossible"))
    return Finding("unrepairable", f"norm `{norm.name}` cannot be repaired in this trace: a "
                   "conduct that violates it breaks its `otherwise` duty or another norm",
                   norm.duty_span, (Label(norm.duty_span, "violating it cannot be repaired",
                                          primary=True),
                                    *(norm_label(group.spec.norm(b), message="blocks the repair")
                                      for b in blockers)), (norm.name,), witness,
                   ("every conduct that meets the other norms here and leaves this instance "
                    "unmet also leaves its `otherwise` duty unmet (repair: impossible)",))


def _plain_ways(timeline: Timeline, instance: Occurrence
                ) -> list[tuple[list[Occurrence], Occurrence]]:
    """The ways of being repaired, by plain evaluation: leave the instance and the first
    k duties of its chain unmet, meet the next one."""
    chain = timeline._chain(instance)
    return [(chain[:k + 1], chain[k + 1]) for k in range(len(chain) - 1)]


def _repaired(timeline: Timeline, plain: list[Occurrence], unmet: list[Occurrence],
              duty: Occurrence) -> bool:
    """Whether some conduct meets `plain`, leaves `unmet` unmet and meets `duty`."""
    left = [_unmet_occurrence(d) for d in unmet]
    if duty.norm.modality == "must not":
        return timeline.complies([*plain, *left, duty])
    return timeline.complies([*plain, *left], [duty])


def _unmet_occurrence(occurrence: Occurrence) -> Occurrence:
    norm = replace(occurrence.norm, name=f"{occurrence.norm.name}/unmet", modality="must not")
    return replace(occurrence, norm=norm, synthetic=True)


def _occurrence(model: z3.ModelRef, instance: Instance) -> Occurrence | None:
    if not z3.is_true(model.eval(instance.exists, model_completion=True)):
        return None

    def value(term: z3.ArithRef) -> Any:
        return rational(model.eval(term, model_completion=True))

    return Occurrence(instance.norm, instance.slot.event, instance.slot.index,
                      value(instance.slot.time), value(instance.low),
                      None if instance.high is None else value(instance.high), synthetic=True)


def _search(group: Group, parts: Sequence[z3.BoolRef], others: list[Instance],
            ways: list[_Way]) -> tuple[Any, Timeline] | None:
    """A trace meeting `parts` in which no way of being repaired has a conduct."""
    solver = z3.SimpleSolver()
    solver.set("timeout", group.timeout)
    solver.add(group.enc.trace(), *parts)
    names = {i.norm.name for i in others}
    for _ in range(_MAX_LEMMAS):
        result = solver.check()
        stop_if_run_over()
        if result == z3.unknown:
            raise z3.Z3Exception(f"z3 gave up: {solver.reason_unknown()}")
        if result == z3.unsat:
            return None
        model = solver.model()
        trace = group._trace(model)
        timeline = group._timeline(trace)
        lemma = _repairing(group, model, timeline, names, others, ways)
        if lemma is None:
            return trace, timeline
        solver.add(z3.Not(lemma))
    raise z3.Z3Exception(f"no answer after {_MAX_LEMMAS} conducts")


def _repairing(group: Group, model: z3.ModelRef, timeline: Timeline, names: set[str],
               others: list[Instance], ways: list[_Way]) -> z3.BoolRef | None:
    """A repairing conduct of this trace as a lemma over traces (None: there is none)."""
    plain = [o for o in timeline.instances if o.norm.name in names]
    for unmet, duty in ways:
        wanted = _occurrence(model, duty)
        if wanted is None:
            continue
        left = [o for o in (_occurrence(model, u) for u in unmet) if o is not None]
        timeline.probes = [*left, wanted]
        # a duty that is a ban is kept like the others; one that is a `must` is done
        ban = duty.norm.modality == "must not"
        placed = timeline.complying([*plain, *left, *([wanted] if ban else [])],
                                    [] if ban else [wanted])
        if placed is None:
            continue
        done = [] if ban else [duty]
        conduct = group._parametric(timeline, placed, group.enc.musts(others, done),
                                    [*unmet, duty])
        lemma = conj(duty.exists, group.enc.complies(
            [*others, *unmet, *([duty] if ban else [])], conduct, done))
        if not z3.is_true(model.eval(lemma, model_completion=True)):
            raise TimedMismatch("a repairing conduct that the encoding does not confirm")
        return lemma
    return None
