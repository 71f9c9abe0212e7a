"""A SLEEC file without time has two readings (docs/sleec.md): at one instant, and with its
time (`normcheck convert --timed`). On the files the temporal engine checks (events, rules
triggered by events, no measures), both find the same conflicts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from normlang.api import check, load_text
from normlang.core.source import SourceFile
from normlang.syntax.printer import file_text
from normlang.syntax.sleec import read_sleec

#: events that happen (rules are triggered by these) and events the system does
HAPPENINGS = ("Fall", "Fire", "Ring")
DEEDS = ("Call", "Alert", "Leave")
DEFINITIONS = "def_start\n" + "".join(f"    event {e}\n" for e in HAPPENINGS + DEEDS) \
    + "def_end\n"

deeds = st.sampled_from(DEEDS)
occurrences = st.builds(lambda negated, deed: f"{negated}{deed}",
                        st.sampled_from(("", "not ")), deeds)
responses = st.one_of(occurrences,
                      st.builds(lambda a, b: f"{a} else {b}", occurrences, occurrences),
                      st.builds(lambda a, c, b: f"{a} unless {c} then {b}", occurrences,
                                st.sampled_from(("true", "false")), occurrences))


@st.composite
def files(draw: st.DrawFn) -> str:
    rules = [f"    R{i} when {draw(st.sampled_from(HAPPENINGS))} then {draw(responses)}\n"
             for i in range(draw(st.integers(1, 4)))]
    return DEFINITIONS + "rule_start\n" + "".join(rules) + "rule_end\n"


def conflicts(text: str, path: str) -> set[frozenset[str]]:
    result = check(load_text(text, path))
    undecided = {"syntax-error", "name-error", "type-error", "import-error", "solver-unknown"}
    assert not [f for f in result.findings if f.kind in undecided], [
        f.message for f in result.findings]
    return {frozenset(f.norms) for f in result.findings if f.kind == "conflict"}


@settings(max_examples=25)
@given(files())
def test_both_readings_find_the_same_conflicts(text: str) -> None:
    timed, findings = read_sleec(SourceFile("t.sleec", text), timed=True)
    assert timed is not None, [f.message for f in findings]
    assert conflicts(text, "t.sleec") == conflicts(file_text(timed), "t.norm"), text


def test_the_readings_agree_on_a_conflict() -> None:
    """The property is not empty: a conflict both readings find."""
    text = DEFINITIONS + "rule_start\n    R0 when Fall then Call\n    R1 when Fall then not Call\nrule_end\n"
    timed, _ = read_sleec(SourceFile("t.sleec", text), timed=True)
    assert timed is not None
    assert conflicts(text, "t.sleec") == conflicts(file_text(timed), "t.norm") == {
        frozenset({"R0", "R1"})}
