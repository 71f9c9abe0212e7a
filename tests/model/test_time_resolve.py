"""Resolving time (time.md): events, triggers, windows in exact seconds, and the
refusal of every construct of time the engine gives no meaning yet."""

from __future__ import annotations

import textwrap
from fractions import Fraction

import pytest

import normlang
from normlang.model.spec import TimedNorm

HEAD = "agent bot\nevent e\nevent f\naction bot.a\naction bot.b\nfact p: bool\n"


def load(text: str) -> normlang.Loaded:
    return normlang.load_text(HEAD + textwrap.dedent(text), "spec.norm")


def errors(text: str) -> list[str]:
    return [f.message for f in load(text).findings if f.severity.value == "error"]


@pytest.mark.parametrize(("window", "low", "high"), [
    ("", Fraction(0), Fraction(0)),
    ("within 90 s", Fraction(0), Fraction(90)),
    ("within 1.5 min", Fraction(0), Fraction(90)),
    ("within 72 h", Fraction(0), Fraction(72 * 3600)),
    ("within [1 days, (2 * 3 + 1) days]", Fraction(86400), Fraction(7 * 86400)),
    ("within [0.25 s, 2 s]", Fraction(1, 4), Fraction(2)),
    ("eventually", Fraction(0), None),
])
def test_windows_in_exact_seconds(window: str, low: Fraction, high: Fraction | None) -> None:
    loaded = load(f"norm n on e when p bot must a {window}\n")
    assert not errors(f"norm n on e when p bot must a {window}\n")
    assert loaded.spec is not None and loaded.spec.time is not None
    assert loaded.spec.time.timed == {"n": TimedNorm("n", "e", low, high)}
    assert loaded.spec.time.events == ("e", "f")
    assert "e" not in loaded.spec.facts  # an event is not a fact of the situation


def test_start_and_events_in_conditions() -> None:
    loaded = load("assume not (e and f)\nnorm n on start bot must a within 1 s\n"
                  "norm m on f when not e bot must not a\n")
    assert not [f for f in loaded.findings if f.severity.value == "error"]
    assert loaded.spec is not None and loaded.spec.time is not None
    assert loaded.spec.time.timed["n"].trigger == "start"


def test_a_spec_without_time_has_no_time_model() -> None:
    loaded = normlang.load_text("agent bot\naction bot.a\nnorm n bot must a\n", "spec.norm")
    assert loaded.spec is not None and loaded.spec.time is None


@pytest.mark.parametrize(("text", "message"), [
    ("norm n on g bot must a\n", "unknown event `g`"),
    ("norm n on e bot must a within [2 s, 1 s]\n", "a window `within [D1, D2]` needs D1 <= D2"),
    ("fact d: int\nnorm n on e bot must a within d s\n",
     "durations over facts are not supported yet"),
    ("norm n on e bot must a within p s\n", "expected a number, found `bool`"),
    ("norm n on e bot must a within (0 - 1) s\n", "a duration cannot be negative"),
    ("event p2\nfact p2: bool\n", "event `p2` is declared twice"),
])
def test_mistakes(text: str, message: str) -> None:
    assert message in errors(text)


def test_relations_between_events_resolve() -> None:
    loaded = load("assume e before f\nassume on e then p for 5 s\nnorm n on f bot must a\n")
    assert loaded.spec is not None and loaded.spec.time is not None
    assert loaded.spec.time.before == (("e", "f"),)
    (relation,) = loaded.spec.time.relations
    assert (relation.trigger, relation.for_, relation.until) == ("e", Fraction(5), None)


def test_a_timed_scenario_expectation_needs_a_deontic_atom_over_a_window() -> None:
    assert any(m.startswith("a timed scenario's `expect` takes `obliged`, `forbidden` or "
                            "`permitted`") for m in errors("scenario s at 0 s e\n  expect true\n"))


@pytest.mark.parametrize(("text", "construct"), [
    ("value honesty\nvalue autonomy\nprefer honesty over autonomy\nnorm n on e bot must a\n",
     "`prefer` declarations in a spec with time"),
])
def test_constructs_without_a_meaning_yet_are_refused(text: str, construct: str) -> None:
    assert f"{construct} are not supported yet" in errors(text)


def test_otherwise_chain_in_seconds() -> None:
    loaded = load("norm n on e bot must a within 1 min\n  otherwise bot must b within [1 s, 2 s]\n"
                  "  otherwise when p bot must (a and b) eventually\n")
    assert loaded.spec is not None and loaded.spec.time is not None
    steps = loaded.spec.time.timed["n"].otherwise
    assert [(s.low, s.high) for s in steps] == [(Fraction(1), Fraction(2)), (Fraction(0), None)]


@pytest.mark.parametrize(("text", "message"), [
    ("norm n on e bot must a eventually otherwise bot must b\n",
     "`otherwise` after `eventually` has no violation time to start from"),
    ("norm n on e bot must a otherwise bot must b eventually otherwise bot must a\n",
     "`otherwise` after `eventually` has no violation time to start from"),
    ("norm n on e bot must not a within 1 s otherwise bot must b\n",
     "`otherwise` after a `must not` norm is not supported yet"),
    ("norm n on e bot must a otherwise bot must not b otherwise bot must b\n",
     "`otherwise` after an `otherwise ... must not` is not supported yet"),
    ("norm n on e bot must a otherwise nobody must b\n", "unknown agent `nobody`"),
])
def test_otherwise_without_a_meaning_yet(text: str, message: str) -> None:
    assert message in errors(text)


@pytest.mark.parametrize(("text", "message"), [
    ("expect never on bot.z then bot.b\n", "unknown action `bot.z`"),
    ("expect never on e then bot.a within 1 s and bot.b\n",
     "`expect never on ... then R and R` is not supported yet"),
    ("expect always on g then bot.a\n", "unknown event `g`"),
])
def test_timed_expectations_without_a_meaning_yet(text: str, message: str) -> None:
    assert message in errors("norm n on e bot must a\n" + text)


def test_timed_expectation_resolves() -> None:
    loaded = load("norm n on e bot must a within 5 s\n"
                  "expect always on e when p then obliged bot.a within 5 s and not bot.b\n")
    assert loaded.spec is not None and loaded.spec.time is not None
    (expect,) = loaded.spec.time.expects
    assert [(r.kind, r.low, r.high) for r in expect.responses] == [
        ("obliged", Fraction(0), Fraction(5)), ("does not", Fraction(0), Fraction(0))]
