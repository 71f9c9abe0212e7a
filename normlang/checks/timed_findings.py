"""What several timed checks share: the `expectation-failed` finding of a timed
expectation (the plain path, `timed_expect`, and the one over conduct-triggered norms,
`timed_reactive`), an events response's part of the question and its replay, and a
model's conduct read as concrete times and actions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import z3

from ..core.findings import Finding, Label
from ..engine.evaluate import compile_expr, names_in
from ..engine.time_terms import Conduct, rational
from ..engine.timeline import TimedMismatch, Timeline
from ..model.spec import NormDecl, RExpr, Spec, TimedExpect


def failed_expectation(group: Any, expect: TimedExpect,
                       shown: tuple[Timeline, Sequence[tuple[Fraction, tuple[str, ...]]]] | None,
                       detail: str) -> Finding:
    """The finding, with the trace's instances and a conduct (time, actions) as witness."""
    witness = None
    if shown is not None:
        timeline, conduct = shown
        events = sorted((t, e) for e, ts in timeline.occurrences.items() for t in ts)
        instances = tuple(
            (i.norm.name, i.trigger, i.norm.modality, group._target_text(i.norm), i.low,
             i.high, "active" if timeline.active(i) else "defeated")
            for i in timeline.instances)
        witness = group._witness_of(timeline, instances, events, tuple(conduct))
    text = expect.text or expect.quantifier
    return Finding("expectation-failed", f"expectation `{text}` does not hold", expect.span,
                   (Label(expect.span, "fails", primary=True),), (), witness, (detail,))


def conduct_done(model: z3.ModelRef, conduct: Conduct, used: dict[str, z3.BoolRef],
                     actions: Sequence[str]) -> dict[Fraction, dict[str, bool]]:
    """What the model's conduct does at each time it uses."""
    done: dict[Fraction, dict[str, bool]] = {}
    for key, in_use in used.items():
        if not z3.is_true(model.eval(in_use, model_completion=True)):
            continue
        at = rational(model.eval(conduct.times[key], model_completion=True))
        done[at] = {a: z3.is_true(model.eval(conduct.acts[key][a], model_completion=True))
                    for a in actions}
    return done


def shown_conduct(done: dict[Fraction, dict[str, bool]]
                  ) -> tuple[tuple[Fraction, tuple[str, ...]], ...]:
    """A concrete conduct as a witness shows it: the times where something is done."""
    return tuple((at, tuple(sorted(a for a, on in acts.items() if on)))
                 for at, acts in sorted(done.items()) if any(acts.values()))


def target_text(spec: Spec, norm: NormDecl) -> str:
    """A norm's target as written, on one line without comments (so that the layout of
    the duty changes nothing); its name where the source is not at hand."""
    source = spec.files.get(norm.duty_span.path)
    if source is None:
        return norm.name
    text = " ".join(re.sub(r"#[^\n]*", " ", source.text[norm.duty_span.start:
                                                         norm.duty_span.end]).split())
    for word in ("must not", "must", "may"):
        _head, sep, tail = text.partition(f" {word} ")
        if sep:
            # a standing `must` read as the ban on breaking it (`checks.timed_standing`)
            return f"not ({tail})" if word == "must" and norm.modality == "must not" else tail
    return text


#: an events response (`timed_expect._of_events`): its formula, and whether the trace has it in the
#: window (else has it not)
Events = tuple[RExpr, bool] | None


def events_part(group: Any, events: Events, low: z3.ArithRef, high: z3.ArithRef | None
                ) -> list[z3.BoolRef]:
    """The trace has (or has not) the events at one instant of [low, high]."""
    if events is None:
        return []
    target, wanted = events
    there = group.enc.events_at_once(target, low, high)
    return [there if wanted else z3.Not(there)]


def replay_events(group: Any, model: z3.ModelRef, events: Events, low: z3.ArithRef,
                  high: z3.ArithRef | None) -> None:
    """The events part of an answer, by plain evaluation of its trace."""
    if events is None:
        return
    target, wanted = events
    timeline = group._timeline(group._trace(model))
    start = rational(model.eval(low, model_completion=True))
    end = None if high is None else rational(model.eval(high, model_completion=True))
    names = names_in(target)[0]
    holds = compile_expr(target)
    instants = {t for name in names for t in timeline.occurrences.get(name, ())}
    there = any(start <= t and (end is None or t <= end) and holds(
        {name: t in timeline.occurrences.get(name, ()) for name in names}) for t in instants)
    if there != wanted:
        raise TimedMismatch("the events of an expectation's answer")
