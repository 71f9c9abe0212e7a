"""The `expectation-failed` finding of a timed expectation, shared by the plain path
(`timed_expect`) and the one over conduct-triggered norms (`timed_reactive`)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ..core.findings import Finding, Label
from ..engine.timeline import Timeline
from ..model.spec import TimedExpect


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
