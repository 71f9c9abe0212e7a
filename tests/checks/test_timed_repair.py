"""`unrepairable` (time.md example 3): violating a norm forces breaking its `otherwise`
duty or another norm."""

from __future__ import annotations

from engine_helpers import kinds, run

HEAD = """
    layers regulation > organization
    agent controller
    event aware_of_breach
    fact unlikely_risk: bool
    fact police: bool
    action controller.notify_authority
    action controller.give_reasons
    norm art33 @regulation "GDPR Art. 33(1)"
      on aware_of_breach unless unlikely_risk
      controller must notify_authority within 72 h
      otherwise controller must (notify_authority and give_reasons) {late}
"""

SECRECY = """
    norm secrecy @{layer} on aware_of_breach when police
      controller must not give_reasons within 30 days
"""


def spec(late: str = "within 24 h", layer: str | None = "regulation") -> str:
    return HEAD.format(late=late) + (SECRECY.format(layer=layer) if layer else "")


def test_example_3_police_secrecy_makes_art33_unrepairable() -> None:
    found = run(spec())
    assert kinds(found) == [("unrepairable", ("art33",))]
    (finding,) = found
    assert finding.severity.value == "warning"
    assert finding.witness is not None and finding.witness.time is not None
    assert finding.witness.situation == {"unlikely_risk": False, "police": True}
    assert finding.witness.time.repair == "impossible"
    assert [label.message for label in finding.labels[1:]] == ["blocks the repair"]


def test_without_the_secrecy_the_late_notice_repairs() -> None:
    found = run(spec(layer=None))
    assert "unrepairable" not in {kind for kind, _ in kinds(found)}


def test_a_late_notice_after_the_secrecy_repairs() -> None:
    assert run(spec(late="eventually")) == []


def test_a_late_notice_window_that_outlasts_the_secrecy_repairs_after_one_breach() -> None:
    assert run(spec(late="within 31 days"), max_occurrences=1) == []
    # but a second breach, four days on, renews the secrecy over the whole window
    (finding,) = run(spec(late="within 31 days"))
    assert finding.kind == "unrepairable"
    assert finding.witness is not None and finding.witness.time is not None
    assert len(finding.witness.time.timeline) == 2


def test_a_lower_layer_does_not_make_it_unrepairable() -> None:
    # the late-notice duty ranks as art33 and defeats the policy where they clash
    found = run(spec(layer="organization"))
    assert "unrepairable" not in {kind for kind, _ in kinds(found)}


def test_a_second_otherwise_can_repair_the_first() -> None:
    text = spec(late="within 24 h\n      otherwise controller must give_reasons eventually")
    assert "unrepairable" not in {kind for kind, _ in kinds(run(text))}


def test_an_otherwise_whose_condition_fails_is_not_judged() -> None:
    text = HEAD.format(late="within 24 h").replace(
        "otherwise controller", "otherwise when police controller") + SECRECY.format(
        layer="regulation").replace("when police", "when not police")
    # where police holds the late notice may give reasons (secrecy needs no police)
    assert "unrepairable" not in {kind for kind, _ in kinds(run(text))}


BAN_AFTER = """
    agent bot
    event fell
    event alarm
    action bot.help
    action bot.leave
    norm aid on fell bot must help within 1 min
      otherwise bot must not leave within 10 min
    norm go on alarm bot must leave within 1 min
"""


def test_an_otherwise_ban_that_a_later_duty_breaks_is_unrepairable() -> None:
    found = run(BAN_AFTER)
    assert kinds(found) == [("unrepairable", ("aid",))]
    witness = found[0].witness
    assert witness is not None and witness.time is not None
    times = {event: at for at, event in witness.time.timeline}
    # the alarm's duty to leave falls inside the ban that the missed help yields
    assert 0 <= times["alarm"] - times["fell"] <= 11 * 60


def test_an_otherwise_ban_repairs_a_conflict_where_nothing_needs_it() -> None:
    found = run(BAN_AFTER + "    norm block on fell bot must not help within 2 min\n")
    conflicts = [f for f in found if f.kind == "conflict"]
    assert [f.norms for f in conflicts] == [("aid", "block")]
    assert all(f.witness and f.witness.time and f.witness.time.repair == "possible"
               for f in conflicts)


def test_an_otherwise_step_that_is_no_duty_or_follows_a_ban_is_refused() -> None:
    import textwrap

    import normlang

    base = textwrap.dedent(BAN_AFTER)
    may = base.replace("otherwise bot must not leave", "otherwise bot may leave")
    after = base.replace("within 10 min\n", "within 10 min\n  otherwise bot must help\n", 1)
    for text, message in [(may, "an `otherwise` is a duty: `must` or `must not`, not `may`"),
                          (after, "`otherwise` after an `otherwise ... must not` is not "
                                  "supported yet")]:
        loaded = normlang.load_text(text, "spec.norm")
        assert any(message in f.message for f in loaded.findings), text
