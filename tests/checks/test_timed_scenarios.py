"""Timed scenarios (time.md): a fixed trace, conduct given at times, and expectations over
the extensions that leave the fewest instances unmet."""

from __future__ import annotations

import textwrap

import pytest
from engine_helpers import run

import normlang

GDPR = """
    layers regulation > organization
    agent controller
    event aware_of_breach
    fact unlikely_risk: bool
    action controller.notify_authority
    action controller.give_reasons
    norm art33 @regulation "GDPR Art. 33(1)"
      on aware_of_breach unless unlikely_risk
      controller must notify_authority within 72 h
      otherwise controller must (notify_authority and give_reasons) eventually
    norm legal_review @organization on aware_of_breach
      controller must not notify_authority within 5 days
    scenario late
      at 0 h aware_of_breach
      given {given}
      expect {expect}
"""
LATE = "not unlikely_risk, not controller.notify_authority during [0 h, 72 h]"


def failed(given: str, expect: str) -> list[str]:
    found = run(GDPR.format(given=given, expect=expect))
    return [f.message for f in found if f.kind == "scenario-failed"]


def test_time_md_late_holds() -> None:
    # the notice was late: the extensions that break only art33 give reasons after 72 h
    assert failed(LATE, "obliged (controller.notify_authority and controller.give_reasons) "
                        "after 72 h") == []


@pytest.mark.parametrize(("expect", "holds"), [
    ("obliged controller.give_reasons during [0 h, 72 h]", False),
    ("forbidden controller.notify_authority during [73 h, 4 days]", True),
    ("permitted controller.notify_authority during [73 h, 4 days]", False),
    ("permitted controller.give_reasons during [0 h, 72 h]", True),
    ("obliged controller.notify_authority after 5 days", True),
])
def test_late_expectations(expect: str, holds: bool) -> None:
    messages = failed(LATE, expect)
    assert (messages == []) == holds, messages
    if not holds:
        assert messages == [f"scenario `late`: `{expect}` does not hold"]


def test_on_time_the_notice_is_obliged_within_72_hours() -> None:
    assert failed("not unlikely_risk", "obliged controller.notify_authority "
                                       "during [0 h, 72 h]") == []


def test_a_fact_not_given_is_free() -> None:
    # where the risk is unlikely art33 does not apply, and the hold forbids a notice
    assert failed("not controller.notify_authority during [0 h, 72 h]",
                  "obliged controller.notify_authority after 72 h") != []


def test_the_witness_shows_the_extension() -> None:
    found = run(GDPR.format(given=LATE, expect="obliged controller.give_reasons during "
                                               "[0 h, 72 h]"))
    (failure,) = [f for f in found if f.kind == "scenario-failed"]
    assert failure.witness is not None and failure.witness.time is not None
    assert failure.witness.situation == {"unlikely_risk": False}
    assert all(at > 72 * 3600 for at, _acts in failure.witness.time.conduct)
    assert "here: art33" in failure.help[0]


def test_a_must_and_a_ban_that_clash_leave_two_minimal_ways() -> None:
    text = """
    agent bot
    event alarm
    action bot.leave
    norm go on alarm bot must leave within 1 min
    norm stay on alarm bot must not leave within 5 min
    scenario drill
      at 0 s alarm
      expect {expect}
    """
    # one minimal extension leaves, the other stays: neither is obliged, both permitted
    for expect, holds in [("obliged bot.leave during [0 s, 1 min]", False),
                          ("forbidden bot.leave during [0 s, 1 min]", False),
                          ("permitted bot.leave during [0 s, 1 min]", True)]:
        found = [f for f in run(text.format(expect=expect)) if f.kind == "scenario-failed"]
        assert (found == []) == holds, expect


def test_given_conduct_that_breaks_a_ban_counts_it_broken() -> None:
    text = """
    agent bot
    event alarm
    action bot.leave
    action bot.call
    norm stay on alarm bot must not leave within 5 min
    norm report on alarm bot must call within 10 min
    scenario left
      at 0 s alarm
      given bot.leave at 1 min
      expect obliged bot.call during [0 s, 10 min]
    """
    assert [f for f in run(text) if f.kind == "scenario-failed"] == []


def test_an_impossible_scenario_says_so() -> None:
    text = """
    agent bot
    event alarm
    action bot.leave
    action bot.stay
    constraint not (bot.leave and bot.stay)
    norm go on alarm bot must leave within 1 min
    scenario both
      at 0 s alarm
      given bot.leave at 10 s, bot.stay at 10 s
      expect obliged bot.leave during [0 s, 1 min]
    """
    (failure,) = run(text)
    assert failure.kind == "scenario-failed"
    assert failure.message == "scenario `both` describes no possible trace and conduct"


@pytest.mark.parametrize(("scenario", "message"), [
    ("at 0 s alarm\n  expect obliged bot.leave",
     "a timed scenario's `expect` takes `obliged`, `forbidden` or `permitted`"),
    ("at 0 s alarm\n  given windy at 5 s\n  expect obliged bot.leave after 0 s",
     "`windy` is a fact; only actions can be read here"),
    ("at 0 s alarm\n  given bot.leave during [0 s, 1 s]\n  expect obliged bot.leave after 0 s",
     "a timed scenario's `given` takes `ACTION at T`, or `not ACTION` over a window"),
    ("at 0 s alrm\n  expect obliged bot.leave after 0 s", "unknown event `alrm`"),
])
def test_what_a_timed_scenario_refuses(scenario: str, message: str) -> None:
    text = textwrap.dedent("""\
        agent bot
        event alarm
        fact windy: bool
        action bot.leave
        norm go on alarm bot must leave within 1 min
        scenario s
        """) + "  " + scenario + "\n"
    loaded = normlang.load_text(text, "spec.norm")
    assert any(message in f.message for f in loaded.findings), [f.message for f in loaded.findings]
