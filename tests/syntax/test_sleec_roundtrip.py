"""Round trip over generated SLEEC files: read, print as `.norm` (what `convert` writes),
parse that back, get the same AST, in both readings (with and without time)."""

from __future__ import annotations

from frontend_helpers import parse_file
from hypothesis import given
from hypothesis import strategies as st

from normlang.core.source import SourceFile
from normlang.syntax.printer import file_text
from normlang.syntax.sleec import read_sleec

EVENTS = ("Fall", "Call", "Alert", "Door", "Ring")
DEFINITIONS = ("def_start\n" + "".join(f"    event {e}\n" for e in EVENTS)
               + "    measure hurt: boolean\n    measure calm: boolean\n"
               "    measure rate: numeric\n    measure risk: scale(low, mid, high)\n"
               "    constant top = 90\n    constant wait = -> top\ndef_end\n")

events = st.sampled_from(EVENTS)
units = st.sampled_from(("seconds", "minutes", "hours", "days"))
amounts = st.one_of(st.integers(0, 99).map(str), st.just("wait"), st.just("(wait * 2)"))
durations = st.builds(lambda a, u: f"{a} {u}", amounts, units)
windows = st.one_of(
    st.just(""),
    durations.map(lambda d: f" within {d}"),
    st.builds(lambda a, b: f" within [{a}, {b}]", durations, durations),
    st.just(" eventually"),
)
numbers = st.one_of(st.integers(-9, 200).map(str), st.just("top"), st.just("{rate}"),
                    st.just("({rate} + 1)"))
atoms = st.one_of(
    st.sampled_from(("{hurt}", "{calm}", "true", "false")),
    st.builds(lambda a, op, b: f"({a} {op} {b})", numbers,
              st.sampled_from(("<", "<=", ">", ">=", "=", "<>")), numbers),
    st.builds(lambda op, v: f"({{risk}} {op} {v})", st.sampled_from(("=", "<", ">=")),
              st.sampled_from(("low", "mid", "high"))),
)
conditions = st.recursive(atoms, lambda inner: st.one_of(
    inner.map(lambda c: f"(not {c})"),
    st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(("and", "or")), inner),
), max_leaves=4)
negations = st.sampled_from(("", "not "))


@st.composite
def occurrences(draw: st.DrawFn, window: bool = True) -> tuple[str, str]:
    """`[not] E [window]`, and the window written."""
    chosen = draw(windows) if window else ""
    return f"{draw(negations)}{draw(events)}{chosen}", chosen


@st.composite
def chains(draw: st.DrawFn) -> str:
    """A response with an `otherwise` chain (none after `eventually`)."""
    text, window = draw(occurrences())
    for _ in range(draw(st.integers(0, 2))):
        if window == " eventually":
            break
        step, window = draw(occurrences())
        if draw(st.booleans()):  # a step in braces ends the chain
            text += f" otherwise {{{step} unless {draw(conditions)}}}"
            break
        text += f" otherwise {step}"
    return text


@st.composite
def responses(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        main = draw(chains())
    else:  # `else` between two responses due at once
        main = f"{draw(occurrences(window=False))[0]} else {draw(occurrences(window=False))[0]}"
    for _ in range(draw(st.integers(0, 3))):
        main += f" unless {draw(conditions)}"
        if draw(st.booleans()):
            main += f" then {draw(chains())}"
    return main


@st.composite
def sleec_files(draw: st.DrawFn) -> str:
    rules = []
    for index in range(draw(st.integers(1, 4))):
        condition = f" and {draw(conditions)}" if draw(st.booleans()) else ""
        rules.append(f"    R{index} when {draw(events)}{condition} then {draw(responses())}\n")
    patterns = []
    for index in range(draw(st.integers(0, 3))):
        condition = f" and {draw(conditions)}" if draw(st.booleans()) else ""
        extra = [draw(occurrences())[0] for _ in range(draw(st.integers(0, 2)))]
        if draw(st.booleans()):
            patterns.append(f"    k{index} exists {draw(events)}{condition}"
                            + "".join(f" while {e}" for e in extra) + "\n")
        else:
            first = draw(occurrences())[0]
            patterns.append(f"    k{index} when {draw(events)}{condition} then {first}"
                            + "".join(f" while {e}" for e in extra) + "\n")
    concerns = "concern_start\n" + "".join(patterns) + "concern_end\n" if patterns else ""
    return DEFINITIONS + "rule_start\n" + "".join(rules) + "rule_end\n" + concerns


@given(sleec_files())
def test_read_print_parse_gives_the_same_ast(text: str) -> None:
    file, findings = read_sleec(SourceFile("t.sleec", text))
    assert file is not None, (text, [f.message for f in findings])
    printed = file_text(file)
    assert parse_file(printed).decls == file.decls, (text, printed)
