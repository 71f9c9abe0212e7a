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

from typing import Any

from ..core.findings import Finding
from ..engine.evaluate import compile_expr, names_in
from ..engine.time_encode import Slot
from ..engine.timeline import Occurrence, Placed, TimedMismatch, Timeline
from ..model.imports import error
from ..model.spec import Modality, NormDecl, Spec, TimedExpect, TimedResponse
from .timed_findings import failed_expectation

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
    for expect in spec.time.expects if spec.time else ():
        for response in expect.responses:
            facts, _ = names_in(response.target)
            question, _fails = QUESTIONS[(expect.quantifier, response.kind)]
            banned = question in "BD"  # probed as a ban: the conduct does nothing elsewhere
            if facts & varying or (banned and (facts or compile_expr(response.target)(nothing))):
                found.append(error(
                    "type-error", "a timed expectation's formula that reads facts or holds "
                    "of doing nothing is not supported yet", expect.span))
                break
    return found


def check_timed_expects(group: Any, spec: Spec) -> list[Finding]:
    assert spec.time is not None
    found: list[Finding] = []
    for expect in spec.time.expects:
        for response in expect.responses:
            finding = _one(group, expect, response)
            if finding is not None:
                found.append(finding)
                break
    return found


def _one(group: Any, expect: TimedExpect, response: TimedResponse) -> Finding | None:
    question, fails = QUESTIONS[(expect.quantifier, response.kind)]
    if group.enc.reactive or expect.by_action:
        from .timed_reactive import reactive_expectation

        return reactive_expectation(group, expect, response, question, fails)
    for slot in group.enc.slots[expect.trigger]:
        answer = _ask(group, question, expect, response, slot)
        if answer is not None:
            return _failed(group, expect, answer, "here is a counterexample") if fails else None
    if fails:
        return None
    return _failed(group, expect, None, f"no trace makes it true ({group.bound})")


def _ask(group: Any, question: str, expect: TimedExpect, response: TimedResponse,
         slot: Slot) -> tuple[Timeline, Occurrence, dict[str, Placed] | None] | None:
    modality: Modality = "may" if question in "AC" else "must not"
    norm = NormDecl(f"expect@{expect.span.line}", "", 10**6, modality, "", response.target,
                    expect.span, expect.span)
    probe = group.enc.probe(norm, slot, expect.when, response.low, response.high)
    names = [n.name for n in group.norms]
    if question in "AB":
        chosen = group._of(names) + ([probe] if question == "B" else [])
        forced = [probe] if question == "A" else []
        complying, _ = group.enc.some_complies(chosen, forced)
        model = group._solve(probe.exists, complying)
    else:
        model = group._search([probe.exists], names, probe=probe)
    if model is None:
        return None
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
