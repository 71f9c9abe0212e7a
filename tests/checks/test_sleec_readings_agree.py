"""A SLEEC file without time has two readings (docs/sleec.md): at one instant, and with its
time (`normcheck convert --timed`). On the files the temporal engine checks (events, rules
triggered by events, no measures), both find the same conflicts, and the same concerns and
purposes fail."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from normlang.api import check, load_text
from normlang.core.source import SourceFile
from normlang.syntax import ast
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
def patterns(draw: st.DrawFn, done: list[str]) -> str:
    """A concern's or purpose's body: `exists E while r...` or `when E then r [while r]`,
    its responses among `done` (the deeds some rule demands). The temporal engine checks
    expectations whose responses are the system's actions and do not hold of doing nothing:
    no `not r`, and no `exists E` alone (`then true`)."""
    deed = st.sampled_from(done)
    extra = "".join(f" while {draw(deed)}" for _ in range(draw(st.integers(0, 2))))
    happening = draw(st.sampled_from(HAPPENINGS))
    if draw(st.booleans()):
        return f"exists {happening} while {draw(deed)}{extra}"
    return f"when {happening} then {draw(deed)}{extra}"


@st.composite
def files(draw: st.DrawFn) -> str:
    rules = [f"    R{i} when {draw(st.sampled_from(HAPPENINGS))} then {draw(responses)}\n"
             for i in range(draw(st.integers(1, 4)))]
    text = DEFINITIONS + "rule_start\n" + "".join(rules) + "rule_end\n"
    done = sorted({d for d in DEEDS if any(d in rule for rule in rules)})
    for block in ("concern", "purpose"):
        bodies = [draw(patterns(done)) for _ in range(draw(st.integers(0, 2)))]
        if bodies:
            text += f"{block}_start\n" + "".join(
                f"    {block[0]}{i} {body}\n" for i, body in enumerate(bodies)) + f"{block}_end\n"
    return text


def outcome(text: str, path: str) -> tuple[set[frozenset[str]], list[int]]:
    """The conflicting sets of norms, and which expectations fail (by their place)."""
    loaded = load_text(text, path)
    result = check(loaded)
    undecided = {"syntax-error", "name-error", "type-error", "import-error", "solver-unknown"}
    assert not [f for f in result.findings if f.kind in undecided], [
        f.message for f in result.findings]
    assert loaded.spec is not None
    file, _ = read_sleec(SourceFile(path, text)) if path.endswith(".sleec") else (None, [])
    decls = file.decls if file is not None else parse_norm(text, path)
    lines = [d.span.line for d in decls if isinstance(d, ast.Expect)]
    failed = sorted(lines.index(f.span.line) for f in result.findings
                    if f.kind == "expectation-failed")
    return {frozenset(f.norms) for f in result.findings if f.kind == "conflict"}, failed


def parse_norm(text: str, path: str) -> tuple[ast.Decl, ...]:
    from normlang.syntax.parser import parse_ast

    built = parse_ast(SourceFile(path, text), 200)
    assert built is not None
    return built[0].decls


@settings(max_examples=12)
@given(files())
def test_both_readings_find_the_same_conflicts_and_failed_expectations(text: str) -> None:
    timed, findings = read_sleec(SourceFile("t.sleec", text), timed=True)
    assert timed is not None, [f.message for f in findings]
    assert outcome(text, "t.sleec") == outcome(file_text(timed), "t.norm"), text


def test_the_readings_agree_on_a_conflict() -> None:
    """The property is not empty: a conflict both readings find."""
    text = DEFINITIONS + "rule_start\n    R0 when Fall then Call\n    R1 when Fall then not Call\nrule_end\n"
    timed, _ = read_sleec(SourceFile("t.sleec", text), timed=True)
    assert timed is not None
    assert outcome(text, "t.sleec") == outcome(file_text(timed), "t.norm") == (
        {frozenset({"R0", "R1"})}, [])


def test_the_readings_agree_on_a_failed_concern_and_purpose() -> None:
    """The property is not empty: a concern and a purpose that fail in both readings."""
    text = (DEFINITIONS + "rule_start\n    R0 when Fall then Call\n"
            "    R1 when Fire then not Alert\nrule_end\n"
            "concern_start\n    c0 when Fall then Call\nconcern_end\n"
            "purpose_start\n    p0 when Fire then Alert\n    p1 exists Ring while Call\n"
            "purpose_end\n")
    timed, _ = read_sleec(SourceFile("t.sleec", text), timed=True)
    assert timed is not None
    # c0 happens (R0 demands it); p0 cannot (R1 forbids it); p1 can
    assert outcome(text, "t.sleec") == outcome(file_text(timed), "t.norm") == (set(), [0, 1])
