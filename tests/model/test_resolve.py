"""Resolution and typing: what the resolved `Spec` holds, and each error a user can make."""

from __future__ import annotations

import difflib
from fractions import Fraction

import pytest
from frontend_helpers import kinds, load, messages
from hypothesis import given
from hypothesis import strategies as st

from normlang.model.spec import (
    FALSE,
    TRUE,
    ActionRef,
    And,
    Arith,
    Cmp,
    ConflictAtom,
    Const,
    DeonticAtom,
    EnumConst,
    FactRef,
    Implies,
    Neg,
    Not,
    Or,
    PriorityEdge,
)

BASE = """
layers law > org > spec
agent assistant
agent provider
enum Risk { prohibited, high, minimal }
enum Level { low < medium < high }
fact risk: Risk
fact level: Level
fact age: int in 0..130
fact flops: real
fact asked: bool
fact persona: bool
action assistant.disclose
action assistant.chat
action provider.release
define minor = age < 18
define systemic = flops > 1e25
"""


def spec_of(text: str):  # type: ignore[no-untyped-def]
    loaded = load(BASE + text)
    assert loaded.spec is not None, messages(loaded)
    assert not loaded.findings
    return loaded.spec


def errors_of(text: str) -> list[str]:
    loaded = load(BASE + text)
    assert loaded.spec is None
    return messages(loaded)


def test_declarations() -> None:
    spec = spec_of("")
    assert spec.layers == ("law", "org", "spec")
    assert spec.agents == ("assistant", "provider")
    assert spec.facts["age"].low == 0 and spec.facts["age"].high == 130
    assert spec.facts["risk"].kind == "enum" and spec.facts["risk"].enum == "Risk"
    assert spec.enums["Level"].ordered and not spec.enums["Risk"].ordered
    assert set(spec.actions) == {"assistant.disclose", "assistant.chat", "provider.release"}
    assert spec.actions["provider.release"].agent == "provider"
    assert spec.defines["systemic"] == Cmp(">", FactRef("flops"), Const(10 ** 25))


def test_norm_lowering_with_layers_and_defaults() -> None:
    spec = spec_of("""
    norm a @law "Art. 50" when asked unless minor assistant must disclose
    norm b serves honesty assistant must not (disclose or chat)
    norm c @org provider may provider.release
    value honesty
    """)
    a, b, c = spec.norms
    assert (a.layer, a.rank, a.source, a.modality) == ("law", 0, "Art. 50", "must")
    assert a.when == FactRef("asked")
    assert a.unless == Cmp("<", FactRef("age"), Const(18))  # the define, inlined
    assert a.target == ActionRef("assistant.disclose")
    assert (b.layer, b.rank, b.when, b.unless) == ("spec", 2, TRUE, FALSE)  # lowest layer
    assert b.target == Or((ActionRef("assistant.disclose"), ActionRef("assistant.chat")))
    assert b.serves == ("honesty",)
    assert (c.rank, c.modality, c.target) == (1, "may", ActionRef("provider.release"))


def test_no_layers_means_one_default_layer() -> None:
    loaded = load("agent a\naction a.x\nnorm n a must x\n")
    assert loaded.spec is not None
    assert loaded.spec.layers == ("default",)
    assert (loaded.spec.norms[0].layer, loaded.spec.norms[0].rank) == ("default", 0)


def test_enum_values_resolve_by_the_type_they_meet() -> None:
    spec = spec_of("assume risk == prohibited -> level >= medium\nassume high == risk")
    assert spec.assumes[0].expr == Implies(
        Cmp("==", FactRef("risk"), EnumConst("Risk", 0)),
        Cmp(">=", FactRef("level"), EnumConst("Level", 1)))
    assert spec.assumes[1].expr == Cmp("==", EnumConst("Risk", 1), FactRef("risk"))


def test_arithmetic_and_mixed_numbers() -> None:
    spec = spec_of("assume 2 * age + flops - 1 > 0.5\nassume -age < 3")
    assert spec.assumes[0].expr == Cmp(">", Arith("-", Arith("+", Arith(
        "*", Const(2), FactRef("age")), FactRef("flops")), Const(1)), Const(Fraction(1, 2)))
    assert spec.assumes[1].expr == Cmp("<", Neg(FactRef("age")), Const(3))


def test_overrides_and_prefer_edges() -> None:
    spec = spec_of("""
    value honesty
    value autonomy
    norm tell @spec serves honesty assistant must disclose
    norm hide @spec serves autonomy overrides other (when persona) assistant must not disclose
    norm other @spec serves autonomy assistant may chat
    norm law_tell @law serves honesty assistant must disclose
    prefer honesty over autonomy when asked
    """)
    edges = {(e.higher, e.lower, e.origin): e.when for e in spec.edges}
    assert edges == {
        ("hide", "other", "overrides"): FactRef("persona"),
        ("tell", "hide", "prefer"): FactRef("asked"),
        ("tell", "other", "prefer"): FactRef("asked"),
    }  # law_tell is in another layer: layers come first, no prefer edge
    assert all(isinstance(e, PriorityEdge) for e in spec.edges)


def test_prefer_edges_are_every_pair_in_a_layer_in_norm_order() -> None:
    """The edges of `prefer`, against the definition: all pairs (m, n) of the norms, in order."""
    norms = [f"norm n{i} @{('law', 'org', 'spec')[i % 3]} serves {('honesty', 'autonomy', 'care')[i % 4 % 3]}"
             f"{', honesty' if i % 5 == 0 else ''} assistant may chat" for i in range(24)]
    spec = spec_of("value honesty\nvalue autonomy\nvalue care\n" + "\n".join(norms) + """
    prefer honesty over autonomy
    prefer care over honesty when asked
    prefer autonomy over care
    """)
    got = [(e.higher, e.lower, e.when) for e in spec.edges if e.origin == "prefer"]
    wanted = [(m.name, n.name, when) for higher, lower, when in (
        ("honesty", "autonomy", TRUE), ("care", "honesty", FactRef("asked")),
        ("autonomy", "care", TRUE))
        for m in spec.norms if higher in m.serves
        for n in spec.norms if lower in n.serves and n.rank == m.rank and n.name != m.name]
    assert got == wanted and len(got) > 30


def test_expectations_and_scenarios() -> None:
    spec = spec_of("""
    norm tell @law when asked assistant must disclose
    expect consistent
    expect always asked -> obliged disclose
    expect never  forbidden assistant.disclose and asked
    expect possible permitted provider.release
    expect spec complies with law for assistant
    scenario asked_persona
      given asked, persona, risk == high
      expect obliged disclose
      expect not conflict
    """)
    kinds_ = [e.kind for e in spec.expectations]
    assert kinds_ == ["consistent", "always", "never", "possible", "complies"]
    always = spec.expectations[1]
    assert always.formula == Implies(FactRef("asked"),
                                     DeonticAtom("obliged", ActionRef("assistant.disclose")))
    assert always.text == "always asked -> obliged disclose"
    complies = spec.expectations[4]
    assert (complies.lower, complies.higher, complies.agents) == ("spec", "law", ("assistant",))
    scenario = spec.scenarios[0]
    assert scenario.given == And((FactRef("asked"), FactRef("persona"),
                                  Cmp("==", FactRef("risk"), EnumConst("Risk", 1))))
    assert [e.text for e in scenario.expects] == ["obliged disclose", "not conflict"]
    assert scenario.expects[1].formula == Not(ConflictAtom())


def test_constraints_read_actions_and_facts() -> None:
    spec = spec_of("constraint persona -> not (assistant.chat and provider.release)")
    assert spec.constraints[0].expr == Implies(
        FactRef("persona"), Not(And((ActionRef("assistant.chat"), ActionRef("provider.release")))))


@pytest.mark.parametrize("text, expected", [
    ("assume usr_age > 3", "name-error: unknown fact `usr_age`"),
    ("assume risk == prohibitd", "name-error: `prohibitd` is not a value of enum `Risk`"),
    ("norm n @lw assistant must disclose", "name-error: unknown layer `lw`"),
    ("norm n assistan must disclose", "name-error: unknown agent `assistan`"),
    ("norm n overrides ghost assistant must disclose", "name-error: unknown norm `ghost`"),
    ("norm n serves ghost assistant must disclose", "name-error: unknown value `ghost`"),
    ("prefer ghost over ghoul", "name-error: unknown value `ghost`"),
    ("expect spec complies with lw", "name-error: unknown layer `lw`"),
    ("expect spec complies with law for nobody", "name-error: unknown agent `nobody`"),
    ("fact asked: int", "name-error: fact `asked` is declared twice"),
    ("define d = e\ndefine e = d\nassume d", "name-error: define `d` refers to itself: d -> e -> d"),
    ("action nobody.x", "name-error: unknown agent `nobody`"),
    ("fact f: Colour", "name-error: unknown type `Colour`"),
    ("action assistant.x\naction provider.x\nexpect always obliged x",
     "name-error: action `x` is ambiguous"),
    ("layers a > b", "name-error: a spec has one `layers` order, and these two differ"),
    ("assume risk < high", "type-error: enum `Risk` is not ordered; only `==` and `!=` apply"),
    ("assume age == prohibited", "type-error: cannot compare `int` with `prohibited`, a value of "
                                 "enum `Risk`"),
    ("assume risk == asked", "type-error: cannot compare enum `Risk` with `bool` using `==`"),
    ("assume risk == level", "type-error: cannot compare enum `Risk` with enum `Level` using `==`"),
    ("assume age * flops > 1", "type-error: nonlinear arithmetic: one side of `*` must be a "
                               "constant"),
    ("assume asked + 1 > 0", "type-error: `+` needs numbers, found `bool`"),
    ("assume age", "type-error: expected a condition (bool), found `int`"),
    ("fact r: int in 10..0", "type-error: the range `10..0` is empty"),
    ("assume disclose", "type-error: `disclose` is an action; a condition reads only facts"),
    ("norm n when assistant.chat assistant must disclose",
     "type-error: `assistant.chat` is an action; a condition reads only facts"),
    ("scenario s given chat expect true", "type-error: `chat` is an action; a condition reads only "
                                          "facts"),
    ("norm n assistant must release", "type-error: a norm addressed to `assistant` cannot demand "
                                      "`provider.release`, an action of another agent"),
    ("norm n assistant must asked", "type-error: a norm's target is a formula over `assistant`'s "
                                    "actions; `asked` is not one"),
    ("assume obliged assistant.chat", "type-error: `obliged` cannot be used inside a condition"),
    ("assume conflict", "type-error: `conflict` can only be used in `expect` and `scenario`"),
    ("define d = assistant.chat\nassume d", "type-error: define `d` reads actions; a condition "
                                            "reads only facts"),
    ("expect always obliged obliged chat", "type-error: `obliged` cannot be used inside another "
                                           "deontic operator"),
    ("define both = assistant.chat and provider.release\nnorm n assistant must not both",
     "type-error: a norm addressed to `assistant` cannot demand `provider.release`, an action of "
     "another agent (through define `both`)"),
    ("define d = asked or assistant.chat\nnorm n assistant must d",
     "type-error: define `d` reads facts; only actions can be read here"),
    ("fact norm: bool", "syntax-error: `norm` is a keyword and cannot name a fact"),
    ("fact chat: bool\nexpect always obliged chat",
     "name-error: `chat` is ambiguous: the fact `chat` or the action `assistant.chat`"),
    ("define release = asked\nconstraint release -> chat",
     "name-error: `release` is ambiguous: the define `release` or the action `provider.release`"),
    ("scenario given given asked expect true",
     "syntax-error: `given` is a keyword and cannot name a scenario"),
    ("scenario s given asked expect true\nscenario s given persona expect true",
     "name-error: scenario `s` is declared twice"),
    ("expect always obliged chat and when", "syntax-error: `when` is a keyword and cannot be "
                                            "used as a name"),
])
def test_errors(text: str, expected: str) -> None:
    found = errors_of(text)
    assert any(m.startswith(expected) for m in found), found


def test_did_you_mean_help() -> None:
    loaded = load(BASE + "assume agee > 3\nnorm n assistant must discloze")
    helps = [h for f in loaded.findings for h in f.help]
    assert "did you mean `age`?" in helps
    assert "did you mean `disclose`?" in helps


def test_duplicate_names_point_at_both_places() -> None:
    loaded = load("agent a\nfact p: bool\nfact p: bool\n")
    (finding,) = loaded.findings
    assert finding.span.line == 3
    secondary = [label for label in finding.labels if not label.primary]
    assert secondary and secondary[0].span.line == 2


def test_all_errors_of_a_file_at_once() -> None:
    loaded = load("fact p: bool\nassume a\nassume b\nassume p and 1\nnorm n x must y\n"
                  "norm m x must z\n")
    assert kinds(loaded).count("name-error") >= 4
    assert "type-error" in kinds(loaded)


def test_order_does_not_matter() -> None:
    loaded = load("norm n when p a must x\naction a.x\nfact p: bool\nagent a\n")
    assert loaded.spec is not None and not loaded.findings


def test_an_enum_value_wins_over_a_fact_of_the_same_name_when_compared_with_its_enum() -> None:
    loaded = load("enum Mode { open, closed }\nfact mode: Mode\nfact open: bool\n"
                  "assume mode == open\nassume closed != mode\nassume open\n")
    assert loaded.spec is not None, messages(loaded)
    first, second, third = (a.expr for a in loaded.spec.assumes)
    assert first == Cmp("==", FactRef("mode"), EnumConst("Mode", 0))
    assert second == Cmp("!=", EnumConst("Mode", 1), FactRef("mode"))
    assert third == FactRef("open")


_WORDS = st.text(alphabet="abcde_1", max_size=9)


@given(_WORDS, st.lists(_WORDS, max_size=30))
def test_closest_is_difflibs_best_close_match(word: str, known: list[str]) -> None:
    from normlang.core.suggest import closest

    expected = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    assert closest(word, known) == (expected[0] if expected else None)


def test_a_repeated_unknown_name_gets_the_same_hint_each_time() -> None:
    loaded = load(BASE + "assume agee > 3\nassume agee < 9\nnorm n when agee > 1 assistant must chatt\n"
                  "norm m when asked assistant must chatt\n")
    assert messages(loaded) == [
        "name-error: unknown fact `agee`", "name-error: unknown fact `agee`",
        "name-error: unknown fact `agee`", "name-error: unknown action `chatt` of agent `assistant`",
        "name-error: unknown action `chatt` of agent `assistant`"]
    assert {f.help for f in loaded.findings} == {("did you mean `age`?",),
                                                 ("did you mean `chat`?",)}


def test_spec_norm_by_name() -> None:
    import pickle

    spec = spec_of("norm a1 @law assistant must chat\nnorm a2 @spec assistant may chat\n")
    assert spec.norm("a2") is spec.norms[1] and spec.norm("a1") is spec.norms[0]
    with pytest.raises(KeyError):
        spec.norm("a3")
    copy = pickle.loads(pickle.dumps(spec))
    assert copy == spec and copy.norm("a2") == spec.norms[1]


def test_the_implicit_layer_can_be_named_default() -> None:
    # a spec without `layers` has one layer, `default`: a norm and a `complies with` may name it
    loaded = load("""
agent x
action x.y
norm n @default x must y
expect default complies with default
""")
    assert kinds(loaded) == []
    assert loaded.spec is not None and loaded.spec.layers == ("default",)
    assert [n.layer for n in loaded.spec.norms] == ["default"]
    wrong = load("agent x\naction x.y\nnorm n @defualt x must y\n")
    assert messages(wrong) == ["name-error: unknown layer `defualt`"]
    assert wrong.findings[0].help == ("did you mean `default`?",)


def test_a_define_over_the_agents_own_actions_can_be_its_target() -> None:
    spec = spec_of("define both = chat and disclose\ndefine either = both or chat\n"
                   "norm n assistant must not either")
    chat, disclose = ActionRef("assistant.chat"), ActionRef("assistant.disclose")
    assert spec.norms[0].demand == Not(Or((And((chat, disclose)), chat)))


@pytest.mark.parametrize("backwards", [False, True], ids=["uses-first", "used-first"])
def test_a_chain_of_defines_has_the_same_limit_in_any_order(backwards: bool) -> None:
    # with max-nesting 10, a chain may hold 11 defines (each using the next, the last a fact)
    def chain(length: int) -> str:
        lines = [f"define c{i} = c{i + 1}" for i in range(length - 1)]
        lines += [f"define c{length - 1} = asked", "assume c0"]
        return "\n".join(reversed(lines[:-1]) if backwards else lines[:-1]) + "\n" + lines[-1]

    assert not load(BASE + chain(11), max_nesting=10).findings
    too_long = messages(load(BASE + chain(12), max_nesting=10))
    assert len(too_long) == 1 and too_long[0].startswith("syntax-error: defines nest too deep"), \
        too_long


@pytest.mark.parametrize("line, hint", [
    ("expect alway asked", "did you mean `always` instead of `alway`?"),
    ("expect posible asked", "did you mean `possible` instead of `posible`?"),
    ("norm n overides m assistant must chat", "did you mean `overrides` instead of `overides`?"),
    ("norm n whn asked assistant must chat", "did you mean `when` instead of `whn`?"),
    ("expect always obligd assistant.chat", "did you mean `obliged` instead of `obligd`?"),
    ("expect consistant", "did you mean `expect consistent`?"),
    ("norm n must not chat", "`must` was read as the norm's agent: name the agent before it "
                             "(`norm NAME AGENT must ...`)"),
    ("norm n when asked may chat", "`may` was read as the norm's agent: name the agent before it "
                                   "(`norm NAME AGENT must ...`)"),
])
def test_a_misspelled_keyword_read_as_a_name_gets_a_did_you_mean(line: str, hint: str) -> None:
    helps = [h for f in load(BASE + line).findings for h in f.help]
    assert hint in helps, helps


def test_an_expectation_is_quoted_with_its_parentheses() -> None:
    spec = spec_of("scenario s given asked expect (persona) and (asked)\n"
                   "scenario t given asked expect ((persona or asked) and (asked))")
    assert [e.text for s in spec.scenarios for e in s.expects] == [
        "(persona) and (asked)", "(persona or asked) and (asked)"]
