"""Timed expectations whose response is an event (`then E`: the trace has E at one
instant of the window; SLEEC's purpose `exists A while E`), and groups whose easy duties
are left out of a question (`timed_groups.clash_relevant`)."""

from __future__ import annotations

import pytest
from engine_helpers import run

from normlang.checks.timed_groups import clash_relevant

ALARM = """
    agent r
    event smoke
    event fire
    action r.call
    norm answer on smoke r must call within 1 min
    {expect}
"""


@pytest.mark.parametrize(("expect", "fails"), [
    # fire may come with smoke (nothing ties them), or not
    ("expect possible on smoke then fire", False),
    ("expect possible on smoke then not fire", False),
    ("expect always on smoke then fire", True),
    ("expect never on smoke then fire", True),
    ("expect never on smoke then fire within 1 min", True),
    ("expect possible on r.call then smoke within 1 min", False),
    ("expect always on r.call then smoke", True),
])
def test_an_event_response_is_about_the_trace(expect: str, fails: bool) -> None:
    found = run(ALARM.format(expect=expect))
    assert [f.kind for f in found] == (["expectation-failed"] if fails else [])


def test_an_assumed_tie_makes_an_event_response_always_hold() -> None:
    tied = ALARM.format(expect="expect always on fire then smoke") + "    assume fire -> smoke\n"
    assert run(tied) == []
    assert [f.kind for f in run(ALARM.format(expect="expect always on fire then smoke"))] == [
        "expectation-failed"]


def test_an_event_response_fails_with_a_trace_that_lacks_the_event() -> None:
    (found,) = run(ALARM.format(expect="expect always on smoke then fire"))
    assert found.witness is not None and found.witness.time is not None
    events = [e for _, e in found.witness.time.timeline]
    assert "smoke" in events and "fire" not in events


def test_an_event_response_needs_the_events_at_one_instant() -> None:
    # two events at the trigger's own instant: the trace can have both, or lack either
    both = ALARM.format(expect="expect possible on r.call then smoke and fire within 1 min")
    assert run(both) == []
    never = ALARM.format(expect="expect never on smoke then smoke and fire")
    assert [f.kind for f in run(never)] == ["expectation-failed"]


CHAIN = """
    agent r
    event fall
    event door
    action r.help
    action r.log
    action r.note
    action r.open
    norm h on fall r must help within 1 min
    norm l on r.help r must log within 1 min
    norm n on r.log r must note within 1 min
    norm keep on door r must not open within 10 min
    norm o on fall r must open within 2 min
"""


def test_duties_of_free_actions_are_left_out_and_the_conflict_stays() -> None:
    from normlang import api

    loaded = api.load_text(CHAIN)
    spec = loaded.spec
    duties = [n for n in spec.norms if n.modality != "may"]
    assert sorted(n.name for n in clash_relevant(spec, duties)) == ["keep", "o"]
    # banning what the chain ends in brings the whole chain back
    assert sorted(n.name for n in clash_relevant(spec, duties, {"r.note"})) == ["h", "keep",
                                                                              "l", "n", "o"]
    (found,) = [f for f in run(CHAIN) if f.kind == "conflict"]
    assert found.norms == ("keep", "o")


def test_a_ban_at_the_end_of_a_chain_of_triggered_duties_is_still_found() -> None:
    text = CHAIN + "    norm quiet on fall r must not note within 5 min\n"
    conflicts = sorted(f.norms for f in run(text) if f.kind == "conflict")
    assert ("h", "l", "n", "quiet") in conflicts


IDLE = """
    agent r
    event fall
    action r.help
    action r.stop
    norm h on fall r must help within 1 min
    norm calm on r.help r must not stop within 5 min
    {more}
"""


def test_a_ban_on_what_nothing_demands_is_left_out() -> None:
    from normlang import api

    spec = api.load_text(IDLE.format(more="")).spec
    duties = [n for n in spec.norms if n.modality != "may"]
    assert clash_relevant(spec, duties) == []
    # a question that does the banned action brings it back
    assert [n.name for n in clash_relevant(spec, duties, demands={"r.stop"})] == ["h", "calm"]


def test_a_ban_on_what_a_duty_demands_still_conflicts() -> None:
    text = IDLE.format(more="norm halt on fall r must stop within 2 min")
    conflicts = [f.norms for f in run(text) if f.kind == "conflict"]
    assert conflicts == [("calm", "h", "halt")]
    possible = IDLE.format(more="expect possible on fall then r.stop within 2 min")
    assert run(possible) == []
    never = IDLE.format(more="expect never on r.help then r.stop within 1 min")
    assert run(never) == []
