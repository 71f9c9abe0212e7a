"""Timed expectations (time.md): `expect (always | never | possible) on T [when C] then R`.

Each response asks one of four questions at some occurrence of T (with C), over the
conducts that comply with every norm; the probe is a window on φ that takes no part
in priority:

- A: some complying conduct does φ in the window (the probe: a permission done);
- B: some complying conduct does not (the probe: a ban on φ);
- C: no complying conduct does φ there (A's probe, through the search loop);
- D: every complying conduct does (B's probe, through the search loop).

`always obliged φ W` fails where B has an answer, `never permitted` where A has, and so
on (`QUESTIONS`); a `possible` holds where its question has one. Witnesses are
replayed plainly; a passing `always`/`never` and a failing `possible` state the bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.findings import Finding, Label, Witness
from ..engine.evaluate import compile_expr, names_in
from ..engine.time_terms import Slot
from ..engine.timeline import Occurrence, Placed, TimedMismatch, Timeline
from ..model.imports import error
from ..model.spec import (
    TRUE,
    And,
    ConflictAtom,
    DeonticAtom,
    FactRef,
    Modality,
    NormDecl,
    Not,
    Or,
    RExpr,
    Spec,
    TimedExpect,
    TimedResponse,
    children,
)
from .timed_findings import Events, events_part, failed_expectation, replay_events
from .timed_groups import positive

#: (quantifier, response) -> (question, whether an answer makes the expectation fail)
QUESTIONS = {
    ("always", "obliged"): ("B", True), ("always", "does"): ("B", True),
    ("always", "forbidden"): ("A", True), ("always", "does not"): ("A", True),
    ("always", "permitted"): ("C", True),
    ("never", "obliged"): ("D", True), ("never", "forbidden"): ("C", True),
    ("never", "permitted"): ("A", True), ("never", "does"): ("A", True),
    ("never", "does not"): ("B", True),
    ("possible", "obliged"): ("D", False), ("possible", "forbidden"): ("C", False),
    ("possible", "permitted"): ("A", False), ("possible", "does"): ("A", False),
    ("possible", "does not"): ("B", False),
}


def refused_probes(spec: Spec) -> list[Finding]:
    """A ban on φ is only a probe when doing nothing does not do φ (a permission probe
    may read facts or hold of doing nothing, as `possible on e then true`)."""
    found = []
    nothing = dict.fromkeys(spec.actions, False)
    varying = {name for name, fact in spec.facts.items() if fact.varying}
    varying |= set(spec.time.events) if spec.time else set()
    for expect in spec.time.expects if spec.time else ():
        for response in expect.responses:
            if _of_events(spec, response):
                continue
            facts, _ = names_in(response.target)
            question, _fails = QUESTIONS[(expect.quantifier, response.kind)]
            banned = question in "BD"  # probed as a ban: the conduct does nothing elsewhere
            if facts & varying or (banned and (facts or compile_expr(response.target)(nothing))):
                found.append(error(
                    "type-error", "a timed expectation's formula that reads varying facts, "
                    "mixes events with actions or facts, or holds of doing nothing is not "
                    "supported yet", expect.span))
                break
    return found


def check_timed_expects(group: Any, spec: Spec, expects: Sequence[TimedExpect]
                        ) -> list[Finding]:
    found: list[Finding] = []
    for expect in expects:
        for response in expect.responses:
            finding = _one(group, expect, response)
            if finding is not None:
                found.append(finding)
                break
    return found


def _of_events(spec: Spec, response: TimedResponse) -> bool:
    """Whether the response is `[not] φ` with φ an and/or of events: whether the trace
    has them at one instant of the window (`then E`: at the trigger's)."""
    events = set(spec.time.events) if spec.time else set()

    def over_events(node: RExpr) -> bool:
        if isinstance(node, FactRef):
            return node.name in events
        return isinstance(node, (And, Or)) and bool(node.items) and all(
            over_events(item) for item in node.items)

    return response.kind in ("does", "does not") and over_events(response.target)


def _one(group: Any, expect: TimedExpect, response: TimedResponse) -> Finding | None:
    question, fails = QUESTIONS[(expect.quantifier, response.kind)]
    reads = names_in(expect.when)[0] | names_in(response.target)[0]
    events: Events = None
    if _of_events(group.spec, response):
        # question A with nothing to do, over the traces where the events are (A) or are
        # not (B) at one instant of the window
        events = (response.target, question == "A")
        response, question = TimedResponse("does", TRUE, response.low, response.high), "A"
    # a probe that does a positive φ forbids nothing; one that bans φ, or does a φ with
    # a `not`, forbids φ's actions
    done = question in "AC" and positive(response.target)
    acts = names_in(response.target)[1]
    trigger = {expect.trigger} if expect.by_action else set()
    group = group.narrowed(set() if done else acts, acts | trigger, sorted(reads))
    if group.enc.reactive or expect.by_action:
        from .timed_reactive import reactive_expectation

        return reactive_expectation(group, expect, response, question, fails, events)
    for slot in group.enc.slots[expect.trigger]:
        answer = _ask(group, question, expect, response, slot, events)
        if answer is not None:
            return _failed(group, expect, answer, "here is a counterexample") if fails else None
    if fails:
        return None
    return _failed(group, expect, None, f"no trace makes it true ({group.bound})")


def _ask(group: Any, question: str, expect: TimedExpect, response: TimedResponse,
         slot: Slot, events: Events = None
         ) -> tuple[Timeline, Occurrence, dict[str, Placed] | None] | None:
    modality: Modality = "may" if question in "AC" else "must not"
    norm = NormDecl(f"expect@{expect.span.line}", "", 10**6, modality, "", response.target,
                    expect.span, expect.span)
    probe = group.enc.probe(norm, slot, expect.when, response.low, response.high)
    names = [n.name for n in group.norms]
    if question in "AB":
        chosen = group._of(names) + ([probe] if question == "B" else [])
        forced = [probe] if question == "A" else []
        complying, _ = group.enc.some_complies(chosen, forced)
        model = group._solve(probe.exists, complying,
                             *events_part(group, events, probe.low, probe.high))
    else:
        model = group._search([probe.exists], names, probe=probe)
    if model is None:
        return None
    replay_events(group, model, events, probe.low, probe.high)
    timeline = group._timeline(group._trace(model))
    occurrence = group.occurrence_of(timeline, probe)
    if occurrence is None:
        raise TimedMismatch(f"the probe of `{expect.text}`")
    timeline.probes.append(occurrence)
    everything = list(timeline.instances)
    if modality == "may":
        placed = timeline.complying(everything, [occurrence])
    else:
        placed = timeline.complying([*everything, occurrence])
    if (placed is None) == (question in "AB"):
        raise TimedMismatch(f"the answer to `{expect.text}`")
    return timeline, occurrence, placed


def _failed(group: Any, expect: TimedExpect,
            answer: tuple[Timeline, Occurrence, dict[str, Placed] | None] | None,
            detail: str) -> Finding:
    if answer is None:
        return failed_expectation(group, expect, None, detail)
    timeline, _probe, placed = answer
    conduct = sorted({(p.time, tuple(sorted(a for a, done in p.acts.items() if done)))
                      for p in (placed or {}).values()})
    return failed_expectation(group, expect, (timeline, conduct), detail)


def check_untimed_expects(spec: Spec, found: list[Finding], facts_only: Any) -> list[Finding]:
    """`expect consistent` (fails with the first conflict found), and `expect always |
    never | possible φ` over facts that do not change (`facts_only`: a group with no
    norms, whose traces are the situations, `assume`s read at 0)."""
    out = []
    conflicts = sorted((f for f in found if f.kind == "conflict"), key=Finding.sort_key)
    for expectation in spec.expectations:
        if expectation.kind == "consistent" and conflicts:
            first = conflicts[0]
            out.append(Finding(
                "expectation-failed", "expectation `consistent` does not hold",
                expectation.span, (Label(expectation.span, "fails", primary=True),),
                first.norms, first.witness,
                ("some trace has no complying conduct (see the `conflict` finding)",)))
        elif expectation.kind in ("always", "never", "possible"):
            assert expectation.formula is not None
            out += _over_facts(facts_only, expectation)
    return out


def _over_facts(group: Any, expectation: Any) -> list[Finding]:
    formula = expectation.formula
    spec = group.spec
    facts, actions = names_in(formula)
    changing = {n for n in facts if n in spec.time.events or spec.facts[n].varying}
    if actions or changing or _has_duty(formula):
        # without `on`, a formula over events, actions or duties has no instant to be read at
        return [error("type-error", "an expectation without `on` over events, varying facts, "
                      "actions or duties is not supported yet in a spec with time",
                      expectation.span, "write it `expect ... on EVENT then ...`")]
    wanted = Not(formula) if expectation.kind == "always" else formula
    model = group._solve(group.enc.encoder.term(wanted))
    text = expectation.text or expectation.kind
    if (model is None) == (expectation.kind != "possible"):
        return []
    witness = None
    if model is not None:
        trace = group._trace(model)
        if not compile_expr(wanted)(dict(trace.facts)):
            raise TimedMismatch(f"`{text}`")
        witness = Witness(situation=dict(trace.facts))
    detail = ("no situation makes it true" if model is None else
              "here is a counterexample" if expectation.kind == "always" else
              "here is a situation where it happens")
    return [Finding("expectation-failed", f"expectation `{text}` does not hold",
                    expectation.span, (Label(expectation.span, "fails", primary=True),), (),
                    witness, (detail,))]


def _has_duty(formula: Any) -> bool:
    return isinstance(formula, (DeonticAtom, ConflictAtom)) or any(
        _has_duty(c) for c in children(formula))
