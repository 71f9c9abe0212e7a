"""`expect A complies with B` in a spec with time (time.md example 3, language.md's three
conditions over instances)."""

from __future__ import annotations

from fractions import Fraction

from engine_helpers import kinds, run

from normlang.core.findings import Finding

HEAD = """
    layers regulation > organization
    agent controller
    event aware_of_breach
    fact unlikely_risk: bool
    action controller.notify_authority
    action controller.give_reasons
"""

ART33 = """
    norm art33 @regulation "GDPR Art. 33(1)"
      on aware_of_breach unless unlikely_risk
      controller must notify_authority within 72 h
      otherwise controller must (notify_authority and give_reasons) {late}
"""

HOLD = """
    norm legal_review @organization on aware_of_breach
      controller must not notify_authority within 5 days
"""

EXPECT = "\n    expect organization complies with regulation\n"
DAY = 24 * 3600


def gaps(found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.kind == "compliance-gap"]


def test_example_3_the_hold_breaks_art33_and_repair_is_possible() -> None:
    found = run(HEAD + ART33.format(late="eventually") + HOLD + EXPECT)
    assert kinds(found) == [("compliance-gap", ("art33",)),
                            ("overridden", ("legal_review", "art33"))]
    (gap,) = gaps(found)
    assert gap.message == ("layer `organization` does not comply with `regulation`: conduct "
                           "that follows `organization` breaks `art33`")
    assert gap.witness is not None and gap.witness.time is not None
    assert gap.witness.situation["unlikely_risk"] is False
    ((aware, _),) = gap.witness.time.timeline
    # the conduct keeps the hold: no notice in its five days, so none within 72 h
    assert all(not (aware <= at <= aware + 5 * DAY) for at, acts in gap.witness.time.conduct
               if "controller.notify_authority" in acts)
    assert gap.witness.time.repair == "possible"


def test_a_late_notice_window_inside_the_hold_cannot_be_repaired() -> None:
    (gap,) = gaps(run(HEAD + ART33.format(late="within 24 h") + HOLD + EXPECT))
    assert gap.witness is not None and gap.witness.time is not None
    assert gap.witness.time.repair == "impossible"


def test_a_stricter_policy_complies() -> None:
    policy = """
    norm quick @organization on aware_of_breach controller must notify_authority within 24 h
    """
    assert gaps(run(HEAD + ART33.format(late="eventually") + policy + EXPECT)) == []


def test_a_policy_that_forgets_the_condition_still_complies_where_it_asks_more() -> None:
    # asking a notice even where the risk is unlikely is stricter, not a gap
    policy = """
    norm always_notify @organization on aware_of_breach
      controller must notify_authority within 1 h
    """
    assert gaps(run(HEAD + ART33.format(late="eventually") + policy + EXPECT)) == []


def test_a_slower_policy_is_a_gap_only_where_art33_applies() -> None:
    policy = """
    norm slow @organization on aware_of_breach controller must notify_authority within 4 days
    """
    (gap,) = gaps(run(HEAD + ART33.format(late="eventually") + policy + EXPECT))
    assert gap.norms == ("art33",)
    assert gap.witness is not None and gap.witness.situation["unlikely_risk"] is False


def test_a_policy_that_contradicts_itself_complies_with_nothing() -> None:
    policy = """
    norm now @organization on aware_of_breach controller must notify_authority within 1 h
    norm wait @organization on aware_of_breach controller must not notify_authority within 2 h
    """
    found = gaps(run(HEAD + ART33.format(late="eventually") + policy + EXPECT))
    unfollowable = [f for f in found if "cannot be followed" in f.message]
    assert [f.norms for f in unfollowable] == [("now", "wait")]
    assert unfollowable[0].witness is not None and unfollowable[0].witness.time is not None


def test_a_protected_permission_taken_away() -> None:
    text = HEAD + """
    norm explain @regulation protected on aware_of_breach
      controller may give_reasons within 24 h
    norm silence @organization on aware_of_breach
      controller must not give_reasons within 2 days
    """ + EXPECT
    found = gaps(run(text))
    assert [f.norms for f in found] == [("explain", "silence")]
    assert "takes away the protected permission `explain`" in found[0].message


def test_an_unprotected_permission_may_be_refused() -> None:
    text = HEAD + """
    norm explain @regulation on aware_of_breach controller may give_reasons within 24 h
    norm silence @organization on aware_of_breach
      controller must not give_reasons within 2 days
    """ + EXPECT
    assert gaps(run(text)) == []


def test_the_gap_in_json_gives_the_conduct_and_the_repair() -> None:
    (gap,) = gaps(run(HEAD + ART33.format(late="eventually") + HOLD + EXPECT))
    shown = gap.witness.to_json() if gap.witness else {}
    time = shown["time"]
    assert isinstance(time, dict) and time["repair"] == "possible"
    assert all(Fraction(c["time"]) > 5 * DAY for c in time["conduct"])


def test_a_ban_of_the_higher_layer_that_the_lower_does_not_repeat() -> None:
    text = HEAD + """
    norm quiet @regulation on aware_of_breach
      controller must not give_reasons within 1 h
    norm quick @organization on aware_of_breach controller must notify_authority within 1 h
    """ + EXPECT
    (gap,) = gaps(run(text))
    assert gap.norms == ("quiet",)
    assert gap.witness is not None and gap.witness.time is not None
    ((aware, _),) = gap.witness.time.timeline
    assert any("controller.give_reasons" in acts and aware <= at <= aware + 3600
               for at, acts in gap.witness.time.conduct)
