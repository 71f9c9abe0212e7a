"""Expectations without `on` in a spec with time: `consistent`, and `always | never |
possible` over facts that do not change."""

from __future__ import annotations

import textwrap

import pytest
from engine_helpers import run

import normlang

HEAD = """
    agent bot
    event e
    fact p: bool
    fact q: bool
    action bot.a
    assume p -> q
    norm n on e when p bot must a within 1 s
"""


def failed(text: str) -> list[str]:
    return [f.message for f in run(HEAD + text) if f.kind == "expectation-failed"]


def test_consistent_fails_with_the_conflict() -> None:
    found = run(HEAD + "    norm m on e bot must not a within 2 s\n    expect consistent\n")
    (failure,) = [f for f in found if f.kind == "expectation-failed"]
    (conflict,) = [f for f in found if f.kind == "conflict"]
    assert failure.norms == conflict.norms == ("m", "n")
    assert failure.witness == conflict.witness


def test_consistent_holds_without_a_conflict() -> None:
    assert failed("    expect consistent\n") == []


@pytest.mark.parametrize(("expect", "holds"), [
    ("always p -> q", True),
    ("never p and not q", True),
    ("possible p and q", True),
    ("always p", False),
    ("never q", False),
    ("possible p and not q", False),
])
def test_over_facts(expect: str, holds: bool) -> None:
    assert (failed(f"    expect {expect}\n") == []) == holds


def test_a_counterexample_is_a_situation() -> None:
    found = run(HEAD + "    expect always not q\n")
    (failure,) = [f for f in found if f.kind == "expectation-failed"]
    assert failure.witness is not None and failure.witness.situation["q"] is True


@pytest.mark.parametrize("formula", ["e", "bot.a", "obliged bot.a", "p -> permitted bot.a"])
def test_what_has_no_instant_is_refused(formula: str) -> None:
    loaded = normlang.load_text(textwrap.dedent(HEAD) + f"expect always {formula}\n",
                                "spec.norm")
    assert loaded.spec is not None
    messages = [f.message for f in normlang.check(loaded).findings]
    assert ("an expectation without `on` over events, varying facts, actions or duties is "
            "not supported yet in a spec with time") in messages
