"""`redundant-norm` over time (time.md, example 5), judged within a norm's layer and group."""

from __future__ import annotations

import pytest
from engine_helpers import kinds
from engine_helpers import run as run_all

from normlang.core.findings import Finding

HEAD = """
    layers hi > lo
    agent bot
    event smoke
    event quiet
    action bot.call
    action bot.siren
"""


def run(text: str, **options: object) -> list[Finding]:
    """The findings but `unused-declaration` (the head declares more than each test uses)."""
    return [f for f in run_all(text, **options) if f.kind != "unused-declaration"]


def spec(*norms: str) -> str:
    return HEAD + "".join(f"    {n}\n" for n in norms)


def test_the_longer_deadline_is_redundant_and_the_shorter_one_is_not() -> None:
    found = run(spec("norm slow @lo on smoke bot must call within 5 min",
                     "norm fast @lo on smoke bot must call within 2 min"))
    assert kinds(found) == [("redundant-norm", ("slow", "fast"))]
    (finding,) = found
    assert finding.witness is None  # a universal finding: it states its bound instead
    assert finding.message.endswith("(in traces with at most 2 occurrences of each event)")


def test_the_shorter_ban_is_redundant() -> None:
    found = run(spec("norm brief @lo on quiet bot must not siren within 5 s",
                     "norm long @lo on quiet bot must not siren within 10 s"))
    assert kinds(found) == [("redundant-norm", ("brief", "long"))]


def test_windows_that_only_overlap_are_not_redundant() -> None:
    assert run(spec("norm early @lo on smoke bot must call within [0 s, 5 s]",
                    "norm late @lo on smoke bot must call within [3 s, 10 s]")) == []


def test_different_triggers_are_not_redundant() -> None:
    assert run(spec("norm a @lo on smoke bot must call within 5 s",
                    "norm b @lo on quiet bot must call within 2 s")) == []


def test_restating_a_higher_layer_is_not_redundant() -> None:
    # judged within its own layer: a layer may restate the rules it implements
    assert run(spec("norm law @hi on smoke bot must call within 2 min",
                    "norm policy @lo on smoke bot must call within 5 min")) == []


def test_a_stricter_lower_layer_leaves_the_higher_norm_alone() -> None:
    assert run(spec("norm law @hi on smoke bot must call within 5 min",
                    "norm policy @lo on smoke bot must call within 2 min")) == []


def test_a_condition_makes_the_difference() -> None:
    found = run(HEAD + """
    fact night: bool
    norm every_time @lo on smoke bot must call within 2 min
    norm at_night @lo on smoke when night bot must call within 5 min
    """)
    assert kinds(found) == [("redundant-norm", ("at_night", "every_time"))]
    assert run(HEAD + """
    fact night: bool
    norm at_night @lo on smoke when night bot must call within 2 min
    norm every_time @lo on smoke bot must call within 5 min
    """) == []


def test_not_reported_where_its_layer_always_conflicts() -> None:
    # the must is active only where its layer cannot be complied with: the conflict is
    # the finding
    found = run(spec("norm call @lo on smoke bot must call within 1 min",
                     "norm call_too @lo on smoke bot must call within 2 min",
                     "norm hush @lo on smoke bot must not call within 3 min"))
    assert "redundant-norm" not in {kind for kind, _ in kinds(found)}
    assert ("conflict", ("call", "hush")) in kinds(found)


@pytest.mark.parametrize("k", [1, 3])
def test_the_bound_is_the_one_asked_for(k: int) -> None:
    found = run(spec("norm slow @lo on smoke bot must call within 5 min",
                     "norm fast @lo on smoke bot must call within 2 min"), max_occurrences=k)
    (finding,) = found
    assert f"at most {k} occurrence" in finding.message


def test_a_constraint_can_cover_a_ban() -> None:
    # the siren may only sound with a call, and calls are banned for longer: no conduct
    # can break the siren ban without breaking the call ban
    found = run(spec("constraint bot.siren -> bot.call",
                     "norm no_call @lo on quiet bot must not call within 10 s",
                     "norm no_siren @lo on quiet bot must not siren within 10 s"))
    assert kinds(found) == [("redundant-norm", ("no_siren", "no_call"))]
