"""Norms the conduct's own actions trigger (`on AGENT.ACTION`, time.md): time.md's worked
examples 2 and 7, `unreachable-trigger`, and what is refused beside them."""

from __future__ import annotations

import textwrap

import pytest
from engine_helpers import kinds, run

import normlang

CHAIN = """
    agent d
    event cam
    fact near: bool
    action d.alarm
    action d.go_home
    norm r1 on cam when near d must alarm
    norm r3 on d.alarm d must not go_home within {ban}
    norm r3b on cam when near d must go_home within 5 min
"""


def test_example_2_a_ban_the_conduct_triggers_conflicts_with_a_duty() -> None:
    (found,) = run(CHAIN.format(ban="5 min"), max_occurrences=1)
    assert (found.kind, found.norms) == ("conflict", ("r1", "r3", "r3b"))
    assert found.witness is not None and found.witness.situation == {"near": True}
    assert found.witness.time is not None and found.witness.time.repair == "impossible"


def test_example_2_with_a_shorter_ban_leaves_time_after_one_camera_event() -> None:
    assert run(CHAIN.format(ban="4 min"), max_occurrences=1) == []


def test_example_2_with_a_shorter_ban_conflicts_when_two_camera_events_chain_the_bans() -> None:
    # K = 2: alarms at t and t' <= t + 4 min ban go_home over [t, t' + 4 min] ⊇ [t, t + 5 min]
    (found,) = run(CHAIN.format(ban="4 min"))
    assert found.norms == ("r1", "r3", "r3b")
    assert found.witness is not None and found.witness.time is not None
    cams = [t for t, e in found.witness.time.timeline if e == "cam"]
    assert len(cams) == 2 and 60 <= max(cams) - min(cams) <= 240


def test_without_the_triggering_duty_the_conduct_alarms_only_where_it_can() -> None:
    # nothing demands the alarm: a conduct that alarms after going home complies, so
    # the ban is reachable and nothing conflicts (the action counts as read by `on`)
    text = CHAIN.format(ban="5 min").replace("norm r1 on cam when near d must alarm\n", "")
    assert run(text) == []


HEART = """
    agent c
    action c.beat
    norm first on start c must beat within 2 s
    norm again on c.beat c must beat within [1 s, 2 s]
"""


def test_example_7_a_duty_that_renews_itself_reaches_the_depth_bound() -> None:
    (found,) = run(HEART)
    assert (found.kind, found.norms) == ("bound-reached", ("again",))
    assert found.severity.value == "info" and "4 levels" in found.message


@pytest.mark.parametrize(("depth", "expected"), [
    (4, [("bound-reached", ("again",))]),
    (10, [("bound-reached", ("again",))]),
    (11, [("conflict", ("again", "first", "quiet"))]),
])
def test_example_7_the_conflict_with_a_later_ban_needs_depth_11(
        depth: int, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    text = HEART + "    norm quiet on start c must not beat within [10 s, 20 s]\n"
    assert kinds(run(text, max_depth=depth)) == expected


def test_an_immediate_cycle_revisits_its_instant_and_never_reaches_the_bound() -> None:
    text = """
        agent r
        event go
        action r.move
        action r.track
        action r.inform
        norm m on go r must move
        norm t on r.move r must track
        norm i on r.track r must inform
        norm back on r.inform r must move
    """
    assert run(text) == []


def test_a_trigger_no_complying_conduct_does_is_unreachable() -> None:
    text = """
        agent r
        event go
        action r.leave
        action r.report
        norm stay on start r must not leave eventually
        norm after on r.leave r must report within 1 min
    """
    (found,) = run(text)
    assert (found.kind, found.norms) == ("unreachable-trigger", ("after",))
    assert found.severity.value == "warning"
    assert "in traces with at most 2 occurrences of each event" in found.message


def test_a_trigger_some_complying_conduct_does_is_not_reported() -> None:
    text = """
        agent r
        action r.leave
        action r.report
        norm after on r.leave r must report within 1 min
    """
    assert run(text) == []


VARYING = """
    agent d
    event call
    event dusk
    varying fact night: bool
    action d.alarm
    action d.leave
    {assume}
    norm a on call d must alarm within 1 min
    norm quiet on d.alarm when night d must not leave within 10 min
    norm go on call d must leave within [2 min, 3 min]
"""


def test_a_reaction_reads_the_varying_fact_of_the_last_occurrence_before_it() -> None:
    # night may hold at 0, but not at a call: alarming at the call's own instant (night
    # false there) triggers no ban, whatever `dusk` does afterwards
    assert run(VARYING.format(assume="assume call -> not night")) == []
    (found,) = run(VARYING.format(assume=""))
    assert (found.kind, found.norms) == ("conflict", ("a", "go", "quiet"))


def test_priority_over_a_conduct_triggered_norm_is_refused() -> None:
    text = """
        layers law > app
        agent d
        action d.alarm
        action d.leave
        norm a @law on start d must alarm
        norm quiet @app on d.alarm d must not leave within 1 min
        norm go @law on start d must leave
    """
    loaded = normlang.load_text(textwrap.dedent(text), "spec.norm")
    found = normlang.check(loaded).findings
    assert [f.kind for f in found] == ["type-error"]
    assert "priority between `quiet`, triggered by an action" in found[0].message


def test_an_unknown_action_trigger_has_a_did_you_mean() -> None:
    loaded = normlang.load_text("agent d\naction d.alarm\naction d.leave\n"
                                "norm q on d.alarn d must not leave within 1 min\n", "spec.norm")
    (found,) = [f for f in loaded.findings if f.severity.value == "error"]
    assert found.message == "unknown action `d.alarn`"
    assert found.help == ("did you mean `d.alarm`?",)


ON_ACTION = """
    agent r
    event go
    action r.leave
    action r.report
    norm m on go r must leave within 1 min
    norm after on r.leave r must report within {report}
    {expect}
"""


@pytest.mark.parametrize(("report", "expect", "fails"), [
    # every complying conduct reports within 2 min of leaving, so never later than that
    ("2 min", "expect never on r.leave then not r.report within 2 min", False),
    ("2 min", "expect never on r.leave then not r.report within 1 min", True),
    ("2 min", "expect possible on r.leave then r.report within 1 min", False),
    ("2 min", "expect always on r.leave then r.report within 2 min", False),
    # an event-triggered expectation reads the reactions too: after go, a report is due
    ("2 min", "expect never on go then not r.report within 3 min", False),
    ("2 min", "expect never on go then not r.report within 2 min", True),
])
def test_timed_expectations_on_an_action_and_over_reactions(report: str, expect: str,
                                                            fails: bool) -> None:
    found = run(ON_ACTION.format(report=report, expect=expect))
    assert [f.kind for f in found] == (["expectation-failed"] if fails else [])
    if fails:
        assert found[0].witness is not None and found[0].witness.time is not None


def test_otherwise_on_a_norm_the_conduct_triggers_is_checked_and_repair_not_judged() -> None:
    found = run("""
        agent d
        event cam
        action d.alarm
        action d.rest
        norm r1 on cam d must alarm
        norm r2 on d.alarm d must rest within 5 min otherwise d must rest within 9 min
        norm r3 on cam d must not rest within 10 min
    """)
    conflicts = [f for f in found if f.kind == "conflict"]
    assert [f.norms for f in conflicts] == [("r1", "r2", "r3")]
    witness = conflicts[0].witness
    assert witness is not None and witness.time is not None and witness.time.repair is None
    assert conflicts[0].help == ("no conduct complies with these instances in this trace; "
                                 "repair: not judged (beside norms the conduct's actions "
                                 "trigger)",)
