"""`varying fact` (time.md): a fact that changes only at event occurrences, read where an
event occurs (the `when`/`unless` of a norm `on EVENT`, an `assume`, an `overrides ...
when`); elsewhere it is refused by name, for now."""

from __future__ import annotations

import json
import textwrap

import pytest

from normlang.api import check, load_text
from normlang.report.json import finding_from_record, finding_to_record

HEAD = ("agent bot\nevent fell\nevent alarm\nvarying fact night: bool\naction bot.call\n"
        "action bot.b\n")


def test_a_value_that_changes_between_two_events_makes_a_conflict() -> None:
    text = textwrap.dedent("""\
        norm help on fell when night bot must call within 1 min
        norm quiet on alarm when not night bot must not call within 2 min
        assume not (fell and alarm)
        """)
    result = check(load_text(HEAD + text, "spec.norm"))
    conflicts = [f for f in result.findings if f.kind == "conflict"]
    assert [f.norms for f in conflicts] == [("help", "quiet")]
    time = conflicts[0].witness.time if conflicts[0].witness else None
    assert time is not None
    values = {t: v for t, fact, v in time.values if fact == "night"}
    # the instances shown were triggered where night held and where it did not
    fell = next(trigger for name, trigger, *_ in time.instances if name == "help")
    alarm = next(trigger for name, trigger, *_ in time.instances if name == "quiet")
    assert (values[fell], values[alarm]) == (True, False)
    assert "night" not in conflicts[0].witness.situation  # type: ignore[union-attr]
    # the JSON carries the values, and the lossless record keeps them
    shown = conflicts[0].witness.to_json()  # type: ignore[union-attr]
    assert {v["fact"] for v in shown["time"]["values"]} == {"night"}  # type: ignore[index]
    record = json.loads(json.dumps(finding_to_record(conflicts[0])))
    assert finding_from_record(record) == conflicts[0]


def test_the_same_rules_over_a_fact_that_does_not_change_do_not_conflict() -> None:
    text = textwrap.dedent("""\
        norm help on fell when night bot must call within 1 min
        norm quiet on alarm when not night bot must not call within 2 min
        assume not (fell and alarm)
        """)
    rigid = HEAD.replace("varying fact", "fact")
    result = check(load_text(rigid + text, "spec.norm"))
    assert not [f for f in result.findings if f.kind == "conflict"]


def test_an_assume_holds_at_every_occurrence() -> None:
    text = textwrap.dedent("""\
        norm help on fell when night bot must call within 1 min
        norm quiet on alarm when night bot must not call within 2 min
        assume fell -> not night
        """)
    result = check(load_text(HEAD + text, "spec.norm"))
    assert [f.kind for f in result.findings if f.kind == "dead-norm"] == ["dead-norm"]
    assert not [f for f in result.findings if f.kind == "conflict"]


@pytest.mark.parametrize(("text", "message"), [
    ("constraint night -> not bot.call\nnorm n on fell bot must call\n",
     "constraints that read varying facts are not supported yet"),
    ("define dark = night\nnorm n on fell bot must (call or dark)\n",
     "norm targets that read varying facts are not supported yet"),
    ("norm n on fell bot must call within 1 min\n  otherwise when night bot must b\n",
     "`otherwise` duties that read varying facts are not supported yet"),
    ("norm n when night bot must not call\nnorm m on fell bot must b\n",
     "standing norms that read varying facts are not supported yet"),
])
def test_where_a_varying_fact_cannot_be_read_yet(text: str, message: str) -> None:
    loaded = load_text(HEAD + text, "spec.norm")
    assert message in [f.message for f in loaded.findings]
