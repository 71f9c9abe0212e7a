"""The checks of a timed spec on time.md's worked examples (those the engine
supports), and what a timed witness holds."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from engine_helpers import kinds, run

from normlang.core.findings import Finding
from normlang.report.json import finding_from_record, finding_to_record

FIRE = """
    agent bot
    event fire_alarm
    event fell
    action bot.leave
    assume not (fire_alarm and fell)
    norm evacuate {evacuate} on fire_alarm bot must leave within 1 min
    norm stay {stay} on fell bot must not leave within 10 min
"""


def fire(evacuate: str = "", stay: str = "", layers: str = "", **options: object
         ) -> list[Finding]:
    return run(layers + FIRE.format(evacuate=evacuate, stay=stay), **options)


def test_example_1_conflict_and_its_witness() -> None:
    (found,) = fire()
    assert (found.kind, found.norms) == ("conflict", ("evacuate", "stay"))
    assert found.witness is not None and found.witness.time is not None
    time = found.witness.time
    alarm = [t for t, e in time.timeline if e == "fire_alarm"]
    fell = [t for t, e in time.timeline if e == "fell"]
    # time.md: a conflict iff 0 < t_alarm - t_fell <= 9 min (for some pair)
    assert any(0 < a - f <= 540 for a in alarm for f in fell)
    windows = {(n, lo, hi) for n, t, m, x, lo, hi, st in time.instances}
    assert any(n == "evacuate" and hi is not None and hi - lo == 60 for n, lo, hi in windows)


def test_example_1_with_priority_one_occurrence_each() -> None:
    found = fire(layers="layers safety > comfort\n", evacuate="@safety", stay="@comfort",
                 max_occurrences=1)
    assert kinds(found) == [("overridden", ("stay", "evacuate"))]


def test_example_1_with_priority_two_occurrences_each() -> None:
    """Two `fell`s whose bans chain cover the alarm's minute: neither ban alone clashes
    with it, so nothing defeats them (time.md: clash is between two instances)."""
    found = fire(layers="layers safety > comfort\n", evacuate="@safety", stay="@comfort")
    assert kinds(found) == [("conflict", ("evacuate", "stay")), ("overridden", ("stay", "evacuate"))]
    conflict = next(f for f in found if f.kind == "conflict")
    assert conflict.witness is not None and conflict.witness.time is not None
    assert sum(1 for _, e in conflict.witness.time.timeline if e == "fell") == 2


EXAMPLE_4 = """
    {layers}
    agent bot
    event stop
    event lifted
    action bot.pause
    norm may_pause {low} on stop bot may pause within 5 s
    norm steady {high} on lifted bot must not pause within 10 s
"""


def test_example_4_undermined_permission() -> None:
    (found,) = run(EXAMPLE_4.format(layers="", low="", high=""))
    assert (found.kind, found.norms) == ("undermined-permission", ("may_pause",))
    assert found.witness is not None and found.witness.time is not None
    stop = [t for t, e in found.witness.time.timeline if e == "stop"]
    lifted = [t for t, e in found.witness.time.timeline if e == "lifted"]
    assert any(lo <= s <= lo + 5 for s in stop for lo in lifted)


def test_example_4_steady_higher_overrides() -> None:
    found = run(EXAMPLE_4.format(layers="layers a > b", low="@b", high="@a"), max_occurrences=1)
    assert kinds(found) == [("overridden", ("may_pause", "steady"))]


def test_example_4_steady_higher_two_lifts_chain() -> None:
    """Two bans that cover the permission's window together, neither alone: the
    permission is not defeated, and is undermined."""
    found = run(EXAMPLE_4.format(layers="layers a > b", low="@b", high="@a"))
    assert kinds(found) == [("overridden", ("may_pause", "steady")),
                            ("undermined-permission", ("may_pause",))]
    undermined = next(f for f in found if f.kind == "undermined-permission")
    assert undermined.witness is not None and undermined.witness.time is not None
    assert sum(1 for _, e in undermined.witness.time.timeline if e == "lifted") == 2


EXAMPLE_6 = """
    agent bot
    event e
    event f
    action bot.a
    norm ne on e bot must a within 9 s
    norm nf on f bot must not a within 4 s
"""


def test_example_6_none_at_two_occurrences() -> None:
    assert run(EXAMPLE_6) == []


@pytest.mark.slow
def test_example_6_conflict_at_three_occurrences() -> None:
    found = run(EXAMPLE_6, max_occurrences=3, timeout_ms=120_000)
    assert kinds(found) == [("conflict", ("ne", "nf"))]


def test_dead_norm_states_its_bound() -> None:
    found = run("""
        agent bot
        event e
        fact p: bool
        action bot.a
        assume not p
        norm n on e when p bot must a
    """)
    assert kinds(found) == [("dead-norm", ("n",))]
    assert "in traces with at most 2 occurrences of each event" in found[0].message


def test_one_instant_window_clash_and_eventually() -> None:
    found = run("""
        agent bot
        event e
        action bot.a
        norm n on e bot must a
        norm m on e bot must not a within 1 s
        norm later on e bot must a eventually
    """)
    assert kinds(found) == [("conflict", ("m", "n"))]


def test_timed_witness_round_trips_through_json() -> None:
    (found,) = fire()
    record = json.loads(json.dumps(finding_to_record(found)))
    assert finding_from_record(record) == found
    shown = found.witness.to_json() if found.witness else {}
    time = shown["time"]
    assert isinstance(time, dict) and set(time) == {"timeline", "instances", "conduct", "repair"}
    assert all(Fraction(item["time"]) >= 0 for item in time["timeline"])


def test_timed_json_validates_against_the_shipped_schema() -> None:
    import subprocess
    from importlib import resources
    from pathlib import Path

    import jsonschema

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(["normcheck", "--format", "json", "--verbose", "--no-cache",
                          "examples/care_robot"], capture_output=True, text=True, cwd=root,
                         timeout=300)
    document = json.loads(out.stdout)
    schema = json.loads(resources.files("normlang").joinpath(
        "data", "findings.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    (conflict,) = document["findings"]
    assert conflict["witness"]["time"]["instances"]


GDPR = """
    agent controller
    event aware_of_breach
    fact unlikely_risk: bool
    action controller.notify_authority
    action controller.give_reasons
    norm art33 on aware_of_breach unless unlikely_risk
      controller must notify_authority within 72 h
      otherwise controller must (notify_authority and give_reasons) {late}
    norm legal_review on aware_of_breach
      controller must not notify_authority within 5 days
"""


def test_example_3_one_layer_conflict_repair_possible() -> None:
    (found,) = run(GDPR.format(late="eventually"))
    assert (found.kind, found.norms) == ("conflict", ("art33", "legal_review"))
    assert found.witness is not None and found.witness.time is not None
    assert found.witness.time.repair == "possible"
    assert found.witness.situation == {"unlikely_risk": False}
    assert "repair: possible" in found.help[0]


def test_a_late_notice_window_inside_the_hold_cannot_repair() -> None:
    (found,) = run(GDPR.format(late="within 24 h"))
    assert found.witness is not None and found.witness.time is not None
    assert found.witness.time.repair == "impossible"


def test_example_3_layers_override_the_hold() -> None:
    text = "layers regulation > organization\n" + GDPR.format(late="eventually").replace(
        "norm art33", "norm art33 @regulation").replace(
        "norm legal_review", "norm legal_review @organization")
    assert kinds(run(text)) == [("overridden", ("legal_review", "art33"))]


SMOKE = """
    agent bot
    event smoke
    action bot.call
    norm slow on smoke bot must call within 5 min
    {fast}
    expect never on smoke then not bot.call within 2 min
"""


def test_example_5_expectation_holds_with_the_two_minute_norm() -> None:
    # time.md example 5: the expectation holds, and the 5-minute norm is redundant
    found = run(SMOKE.format(fast="norm fast on smoke bot must call within 2 min"))
    assert kinds(found) == [("redundant-norm", ("slow", "fast"))]
    assert "at most 2 occurrences" in found[0].message


def test_example_5_expectation_fails_without_it() -> None:
    (found,) = run(SMOKE.format(fast=""))
    assert found.kind == "expectation-failed"
    assert found.witness is not None and found.witness.time is not None
    ((smoke, _),) = found.witness.time.timeline
    ((called, actions),) = found.witness.time.conduct
    assert actions == ("bot.call",) and 120 < called - smoke <= 300


@pytest.mark.parametrize(("expect", "fails"), [
    ("expect possible on smoke then permitted bot.call within 1 min", False),
    ("expect possible on smoke then forbidden bot.call within 1 min", True),
    ("expect always on smoke then obliged bot.call within 5 min", False),
    ("expect always on smoke then obliged bot.call within 4 min", True),
    ("expect never on smoke then permitted bot.call within 10 min", True),
    ("expect always on smoke then forbidden bot.call within 10 min", True),
    ("expect possible on smoke then obliged bot.call within [5 min, 6 min]", True),
    ("expect possible on smoke then obliged bot.call within 5 min", False),
    ("expect possible on smoke then not bot.call within 4 min", False),
])
def test_timed_expectations_over_complying_conducts(expect: str, fails: bool) -> None:
    found = run(SMOKE.format(fast="").replace(
        "expect never on smoke then not bot.call within 2 min", expect))
    assert [f.kind for f in found] == (["expectation-failed"] if fails else [])
    if fails and "possible" in expect:
        assert "in traces with at most 2 occurrences of each event" in found[0].help[0]


@pytest.mark.parametrize(("text", "construct"), [
    ("""agent d
        action d.alarm
        action d.rest
        norm r on d.alarm d may rest within 5 min""",
     "`may` norms triggered by an action (`on AGENT.ACTION`) are not supported yet"),
])
def test_conduct_triggered_norms_the_engine_does_not_support_are_refused(
        text: str, construct: str) -> None:
    import textwrap

    import normlang

    loaded = normlang.load_text(textwrap.dedent(text), "spec.norm")
    messages = [f.message for f in loaded.findings if f.severity.value == "error"]
    assert construct in messages
