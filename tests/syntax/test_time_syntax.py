"""The syntax of time (time.md's grammar box): what each construct parses to.

Both parsers (the fast path and lark's tree, `assert_same`) must build the same
AST, and the new words stay names outside their positions.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from test_fast_parse import assert_same

from normlang.core.source import SourceFile
from normlang.syntax import ast
from normlang.syntax.parser import parse_ast


def decls(text: str) -> tuple[ast.Decl, ...]:
    parsed = parse_ast(SourceFile("t.norm", text), 200)
    assert parsed is not None, "does not parse"
    file, problems = parsed
    assert not problems, [p.message for p in problems]
    assert_same(text)
    return file.decls


def one(text: str) -> ast.Decl:
    (decl,) = decls(text)
    return decl


def num(value: int) -> ast.NumLit:
    return ast.NumLit(Fraction(value), True, str(value))


def dur(value: int, unit: ast.TimeUnit) -> ast.Duration:
    return ast.Duration(num(value), unit)


def test_event_and_varying_fact() -> None:
    assert one("event fire_alarm") == ast.Event(ast.Ident("fire_alarm"))
    fact = one("varying fact level: int")
    assert isinstance(fact, ast.Fact) and fact.varying
    plain = one("fact level: int")
    assert isinstance(plain, ast.Fact) and not plain.varying


@pytest.mark.parametrize(("text", "trigger"), [
    ("on fire_alarm", ast.Trigger("event", "fire_alarm")),
    ("on start", ast.Trigger("start", "start")),
    ("on d.alarm", ast.Trigger("action", "alarm", "d")),
])
def test_norm_triggers(text: str, trigger: ast.Trigger) -> None:
    norm = one(f"norm n @l {text} when p bot must leave")
    assert isinstance(norm, ast.Norm)
    assert norm.trigger == trigger
    assert norm.when == ast.Name("p") and norm.layer == ast.Ident("l")


@pytest.mark.parametrize(("text", "window"), [
    ("within 1 min", ast.Window("within", None, dur(1, "min"))),
    ("within 72 h", ast.Window("within", None, dur(72, "h"))),
    ("within [1 s, 2 days]", ast.Window("between", dur(1, "s"), dur(2, "days"))),
    ("eventually", ast.Window("eventually")),
    ("within delay s", ast.Window("within", None, ast.Duration(ast.Name("delay"), "s"))),
    ("within (2 * delay + 1) min", ast.Window("within", None, ast.Duration(
        ast.Binary("+", ast.Binary("*", num(2), ast.Name("delay")), num(1)), "min"))),
])
def test_windows(text: str, window: ast.Window) -> None:
    norm = one(f"norm n on e bot must leave {text}")
    assert isinstance(norm, ast.Norm) and norm.window == window


def test_otherwise_chain_and_branches() -> None:
    norm = one("norm r on e bot must a within 2 min\n"
               "  otherwise bot must b within 5 min\n"
               "  otherwise when urgent bot must not c\n"
               "  unless busy then bot must d within 1 min otherwise bot must e\n"
               "  unless asleep then bot may f")
    assert isinstance(norm, ast.Norm)
    assert norm.otherwise == (
        ast.Otherwise(None, ast.Ident("bot"), "must", ast.Name("b"),
                      ast.Window("within", None, dur(5, "min"))),
        ast.Otherwise(ast.Name("urgent"), ast.Ident("bot"), "must not", ast.Name("c")),
    )
    assert norm.branches == (
        ast.Branch(ast.Name("busy"), ast.Ident("bot"), "must", ast.Name("d"),
                   ast.Window("within", None, dur(1, "min")),
                   (ast.Otherwise(None, ast.Ident("bot"), "must", ast.Name("e")),)),
        ast.Branch(ast.Name("asleep"), ast.Ident("bot"), "may", ast.Name("f")),
    )


def test_assumes_of_time() -> None:
    assert one("assume fall before help") == ast.AssumeBefore(
        ast.Trigger("event", "fall"), ast.Trigger("event", "help"))
    assert one("assume on fall when alone then lying for 10 s") == ast.AssumeOn(
        ast.Trigger("event", "fall"), ast.Name("alone"), ast.Name("lying"), dur(10, "s"))
    assert one("assume on fall then lying until bot.lift") == ast.AssumeOn(
        ast.Trigger("event", "fall"), None, ast.Name("lying"), None,
        ast.Trigger("action", "lift", "bot"))


def test_timed_expectations() -> None:
    expect = one("expect never on smoke when p then not bot.call within 2 min and "
                 "obliged bot.b within [1 s, 2 s] and permitted bot.c")
    assert isinstance(expect, ast.Expect)
    assert expect.body == ast.ExpectTimed("never", ast.Trigger("event", "smoke"), ast.Name("p"), (
        ast.Response(ast.Unary("not", ast.Dotted("bot", "call")),
                     ast.Window("within", None, dur(2, "min"))),
        ast.Response(ast.Deontic("obliged", ast.Dotted("bot", "b")),
                     ast.Window("between", dur(1, "s"), dur(2, "s"))),
        ast.Response(ast.Deontic("permitted", ast.Dotted("bot", "c"))),
    ))
    # without a window, `and` stays inside the formula
    expect = one("expect possible on start then obliged bot.a and obliged bot.b")
    assert isinstance(expect, ast.Expect) and isinstance(expect.body, ast.ExpectTimed)
    assert len(expect.body.responses) == 1


def test_timed_scenario() -> None:
    scenario = one("scenario late\n  at 0 h aware, other\n  at 30 s third\n"
                   "  given not risky, not c.notify during [0 h, 72 h], p at 1 min\n"
                   "  expect obliged c.notify after 72 h\n  expect q at 5 s\n"
                   "  expect r during [1 s, 2 s]\n  expect s_")
    assert isinstance(scenario, ast.Scenario)
    assert scenario.occurrences == (
        ast.Occurrences(dur(0, "h"), (ast.Ident("aware"), ast.Ident("other"))),
        ast.Occurrences(dur(30, "s"), (ast.Ident("third"),)))
    assert scenario.given == (ast.Unary("not", ast.Name("risky")),)
    assert scenario.timed_given == (
        ast.TimedGiven(ast.Unary("not", ast.Dotted("c", "notify")),
                       ast.TimeQualifier("during", dur(0, "h"), dur(72, "h"))),
        ast.TimedGiven(ast.Name("p"), ast.TimeQualifier("at", dur(1, "min"))))
    assert [e.time for e in scenario.expects] == [
        ast.TimeQualifier("after", dur(72, "h")), ast.TimeQualifier("at", dur(5, "s")),
        ast.TimeQualifier("during", dur(1, "s"), dur(2, "s")), None]
    assert one("scenario s at 0 s e\n  expect p") == ast.Scenario(
        ast.Ident("s"), (), (ast.ScenarioExpect(ast.Name("p")),),
        occurrences=(ast.Occurrences(dur(0, "s"), (ast.Ident("e"),)),))


WORDS = ("on", "start", "h", "s", "min", "days", "event", "varying", "within", "eventually",
         "otherwise", "then", "before", "until", "at", "during", "after")


@pytest.mark.parametrize("word", WORDS)
def test_words_of_time_still_name_things(word: str) -> None:
    text = (f"agent {word}\nfact {word}: bool\naction {word}.{word}\n"
            f"norm n1 {word} must {word}\n"
            f"norm n2 when {word} {word} must not {word}.{word}\n"
            f"norm n3 unless {word} and {word}.{word} {word} may {word}\n"
            f"assume {word}\nexpect always {word} or not {word}\n"
            f"scenario s given {word}, not {word}.{word}\n  expect {word}\n")
    found = decls(text)
    assert [type(d).__name__ for d in found] == [
        "Agent", "Fact", "Action", "Norm", "Norm", "Norm", "Assume", "Expect", "Scenario"]
    n2 = found[4]
    assert isinstance(n2, ast.Norm) and n2.agent.name == word and n2.trigger is None
    assert n2.when == ast.Name(word) and n2.window is None


def test_on_as_agent_before_a_trigger() -> None:
    norm = one("norm n on start on must on")
    assert isinstance(norm, ast.Norm)
    assert norm.trigger == ast.Trigger("start", "start") and norm.agent.name == "on"
    assert norm.target == ast.Name("on")


@pytest.mark.parametrize("text", [
    "norm n on e bot must a within 5",          # a duration needs its unit
    "norm n on e bot must a within 5 hours",    # not a unit
    "norm n on e bot must a within [1 s]",
    "norm n bot must a otherwise bot may b within 1 s x",
    "scenario s\n  expect p",                   # neither facts nor occurrences
])
def test_malformed_time_is_rejected(text: str) -> None:
    parsed = parse_ast(SourceFile("t.norm", text), 200)
    assert parsed is None or parsed[1], "accepted without a problem"
    assert_same(text)
