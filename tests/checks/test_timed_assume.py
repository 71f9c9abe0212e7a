"""`assume A before B` (time.md): every occurrence of B has one of A strictly earlier."""

from __future__ import annotations

import textwrap

from engine_helpers import kinds, run

import normlang

HEAD = """
    agent bot
    event armed
    event fired
    action bot.leave
"""


def test_an_event_with_no_earlier_cause_never_occurs() -> None:
    # `armed` never occurs (it would break its own assume there), so neither does `fired`
    found = run(HEAD + """
    assume armed before fired
    assume not armed
    norm flee on fired bot must leave within 1 s
    """)
    assert kinds(found) == [("dead-norm", ("flee",))]


def test_the_earlier_event_is_part_of_the_trace_even_if_no_norm_reads_it() -> None:
    assert run(HEAD + """
    assume armed before fired
    norm flee on fired bot must leave within 1 s
    """) == []


def test_a_conflict_needs_the_earlier_event_before_the_later() -> None:
    text = HEAD + """
    assume armed before fired
    norm flee on fired bot must leave within 1 s
    norm stay on armed bot must not leave within 10 s
    """
    found = run(text, max_occurrences=1)
    (conflict,) = [f for f in found if f.kind == "conflict"]
    assert conflict.witness is not None and conflict.witness.time is not None
    times = {event: at for at, event in conflict.witness.time.timeline}
    assert times["armed"] < times["fired"] <= times["armed"] + 10


def test_strictly_earlier() -> None:
    # one `armed` may not serve a `fired` at the same instant
    found = run(HEAD + """
    assume armed before fired
    assume not (armed and fired)
    norm flee on fired bot must leave within 1 s
    """, max_occurrences=1)
    assert found == []
    loaded = normlang.load_text(textwrap.dedent(HEAD + "assume fired before fired\n"
                                                "norm flee on fired bot must leave\n"),
                                "spec.norm")
    found = normlang.check(loaded).findings
    assert kinds(found) == [("dead-norm", ("flee",))]


def test_only_events_are_related() -> None:
    for text, word in [("assume start before fired", "start"),
                       ("assume bot.leave before fired", "bot.leave")]:
        loaded = normlang.load_text(textwrap.dedent(HEAD) + text + "\n", "spec.norm")
        assert any(f.message == f"`assume ... before ...` relates events; `{word}` is not one"
                   for f in loaded.findings), text
    loaded = normlang.load_text(textwrap.dedent(HEAD) + "assume armd before fired\n",
                                "spec.norm")
    assert any("armd" in f.message and f.kind == "name-error" for f in loaded.findings)


WEATHER = """
    agent bot
    event storm
    event calm
    varying fact windy: bool
    action bot.fly
"""


def test_a_relation_until_an_event_fixes_the_value_at_its_start() -> None:
    found = run(WEATHER + """
    assume on storm then windy until calm
    norm still on storm when not windy bot must fly within 1 s
    norm after on calm when not windy bot must fly within 1 s
    """)
    # at a storm it is windy; at a calm it may be anything (the span ends there)
    assert kinds(found) == [("dead-norm", ("still",))]


def test_a_relation_for_no_time_says_nothing() -> None:
    found = run(WEATHER + """
    assume on storm then windy for 0 s
    norm still on storm when not windy bot must fly within 1 s
    norm after on calm bot must fly within 1 s
    """)
    assert found == []


def test_a_relation_over_an_event_keeps_it_out_of_the_span() -> None:
    found = run(WEATHER + """
    assume on storm then not calm for 10 min
    norm land on calm bot must fly within 1 s
    norm grounded on storm bot must not fly within 20 min
    """, max_occurrences=1)
    (conflict,) = [f for f in found if f.kind == "conflict"]
    assert conflict.witness is not None and conflict.witness.time is not None
    times = {event: at for at, event in conflict.witness.time.timeline}
    assert not times["storm"] <= times["calm"] < times["storm"] + 600
    assert times["storm"] - 1 <= times["calm"] <= times["storm"] + 1200


def test_a_relation_with_a_condition() -> None:
    found = run(WEATHER + """
    fact season_of_storms: bool
    assume on storm when season_of_storms then windy until calm
    norm still on storm when not windy bot must fly within 1 s
    """)
    assert found == []  # outside the season a storm need not be windy
