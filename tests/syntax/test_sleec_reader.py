"""The SLEEC reader: each construct lowered as docs/sleec.md says (to the AST of a
hand-written `.norm` text), the round trip through `convert`'s printer, and every refused
construct and syntax error reported with its place and rule (golden files in sleec/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from frontend_helpers import parse_file, render

from normlang.core.source import SourceFile
from normlang.report import Report
from normlang.report import render as render_report
from normlang.syntax import ast
from normlang.syntax.printer import file_text
from normlang.syntax.sleec import read_sleec

HERE = Path(__file__).resolve().parent / "sleec"
CASES = sorted(p for p in HERE.glob("*.sleec") if not p.name.startswith(("every_", "relations")))


def sleec(definitions: str, rules: str, *blocks: str) -> str:
    """A SLEEC file from its parts (blocks: concerns, purposes, relations, as written)."""
    return (f"def_start\n{definitions}\ndef_end\nrule_start\n{rules}\nrule_end\n"
            + "\n".join(blocks) + "\n")


def read(text: str, path: str = "t.sleec") -> ast.File:
    file, findings = read_sleec(SourceFile(path, text))
    assert file is not None, [f"{f.span}: {f.message}" for f in findings]
    return file


def refused(text: str) -> list[str]:
    file, findings = read_sleec(SourceFile("t.sleec", text))
    assert file is None and findings
    return [f"{f.span.line}:{f.span.col} {f.kind}: {f.message}" for f in findings]


def assert_reads_as(text: str, norm: str) -> None:
    """`text` (SLEEC) lowers to the AST that `norm` (.norm) parses to."""
    assert read(text).decls == parse_file(norm).decls


def assert_norms_read_as(text: str, norms: str) -> None:
    """The norms of `text` (SLEEC) are those `norms` (.norm) parses to."""
    read_norms = [d for d in read(text).decls if isinstance(d, ast.Norm)]
    assert read_norms == list(parse_file(norms).decls)


EVENTS = "event Fall\nevent Call\nevent Alert\nevent Door\nmeasure hurt: boolean"


# ---------------------------------------------------------------- a file without time


def test_without_time_events_are_facts_and_demanded_events_actions_of_one_agent() -> None:
    assert_reads_as(sleec(EVENTS, "R when Fall and {hurt} then Call"), """
        agent system
        fact Fall: bool
        action system.Call
        fact Alert: bool
        fact Door: bool
        fact hurt: bool
        norm R when Fall and hurt system must Call
    """)


def test_without_time_measures_and_constants() -> None:
    definitions = ("event Fall\nevent Call\nmeasure hurt: boolean\nmeasure rate: numeric\n"
                   "measure risk: scale(low, mid, high)\nconstant top = 120\n"
                   "constant alias = -> top")
    assert_reads_as(sleec(definitions, "R when Fall and ({rate} > alias) then Call"), """
        agent system
        fact Fall: bool
        action system.Call
        fact hurt: bool
        fact rate: int
        enum risk_scale { low < mid < high }
        fact risk: risk_scale
        define top = 120
        define alias = top
        norm R when Fall and rate > alias system must Call
    """)


INSTANT = "agent system\nfact Fall: bool\naction system.Call\naction system.Alert\n" \
          "fact Door: bool\nfact hurt: bool\n"


@pytest.mark.parametrize(("rule", "norm"), [
    ("R when Fall then not Call", "norm R when Fall system must not Call"),
    ("R when Fall then Call\nQ when Call then Alert",
     "norm R when Fall system must Call\nnorm Q system must (Call -> Alert)"),
    ("R when Fall then Call\nQ when Call then not Alert",
     "norm R when Fall system must Call\nnorm Q system must not (Call and Alert)"),
    ("R when Fall then Call else not Alert",
     "norm R when Fall system must (Call or not Alert)"),
    ("R when Fall then Call unless {hurt}",
     "norm R when Fall unless hurt system must Call"),
    # the later clause wins: `R_unless1` is due unless the third clause holds
    ("R when Fall then Call unless {hurt} then Alert unless (not {hurt}) then not Call",
     "norm R when Fall unless hurt or not hurt system must Call\n"
     "norm R_unless1 when Fall and (hurt and not not hurt) system must Alert\n"
     "norm R_unless2 when Fall and not hurt system must not Call"),
    ("R when Fall and {hurt} then Call unless true then Alert unless false",
     "norm R when Fall and hurt unless true or false system must Call\n"
     "norm R_unless1 when Fall and (hurt and (true and not false)) system must Alert"),
    ("Q when Fall then Call\nR when Call then Alert unless {hurt} then not Alert",
     "norm Q when Fall system must Call\nnorm R unless hurt system must (Call -> Alert)\n"
     "norm R_unless1 when hurt system must not (Call and Alert)"),
])
def test_rules_without_time(rule: str, norm: str) -> None:
    assert_norms_read_as(sleec(EVENTS, rule), norm)


def test_branch_names_never_take_a_rule_name() -> None:
    rules = "R when Fall then Call unless {hurt} then Alert\nR_unless1 when Fall then Alert"
    names = [d.name.name for d in read(sleec(EVENTS, rules)).decls if isinstance(d, ast.Norm)]
    assert names == ["R", "R_unless1_2", "R_unless1"]


def test_without_time_concerns_and_purposes_are_expectations_on_situations() -> None:
    concerns = "concern_start\nc1 when Fall and {hurt} then not Call\nconcern_end"
    purposes = ("purpose_start\np1 exists Door\np2 exists Call and (not {hurt}) while Alert\n"
                "purpose_end")
    assert_reads_as(sleec(EVENTS, "R when Fall then Call\nQ when Door then Alert", concerns,
                          purposes), INSTANT + """
        norm R when Fall system must Call
        norm Q when Door system must Alert
        expect never Fall and hurt and permitted (not system.Call)
        expect possible Door and not conflict
        expect possible not hurt and permitted (system.Call and system.Alert)
    """)


# ---------------------------------------------------------------- a file with time


def test_with_time_events_are_events_and_measures_varying_facts() -> None:
    assert_reads_as(sleec(EVENTS, "R when Fall and {hurt} then Call within 1 minutes"), """
        agent system
        event Fall
        action system.Call
        event Alert
        event Door
        varying fact hurt: bool
        norm R on Fall when hurt system must Call within 1 min
    """)


HEAD = "agent system\nevent Fall\naction system.Call\naction system.Alert\nevent Door\n" \
       "varying fact hurt: bool\n"
HEAD_DOOR = "agent system\nevent Fall\naction system.Call\naction system.Alert\n" \
            "action system.Door\nvarying fact hurt: bool\n"


@pytest.mark.parametrize(("rule", "norm"), [
    ("R when Fall and {hurt} then Call within 2 minutes otherwise Alert",
     "norm R on Fall when hurt system must Call within 2 min otherwise system must Alert"),
    ("R when Fall then not Call within [10 seconds, 1 hours]\n Q when Fall then Alert eventually",
     "norm R on Fall system must not Call within [10 s, 1 h]\n"
     "norm Q on Fall system must Alert eventually"),
    ("R when Fall then Call within 3 days otherwise Alert within 5 seconds "
     "otherwise not Call",
     "norm R on Fall system must Call within 3 days otherwise system must Alert within 5 s "
     "otherwise system must not Call"),
    ("R when Fall then Call otherwise {Alert unless {hurt}}",
     "norm R on Fall system must Call otherwise when not hurt system must Alert"),
    ("R when Fall then Call else not Alert\nQ when Call then Alert eventually",
     "norm R on Fall system must (Call or not Alert)\n"
     "norm Q on system.Call system must Alert eventually"),
    ("R when Fall then Call within 1 minutes unless {hurt}",
     "norm R on Fall unless hurt system must Call within 1 min"),
])
def test_rules_with_time(rule: str, norm: str) -> None:
    assert_norms_read_as(sleec(EVENTS, rule), norm)


def test_unless_then_clauses_are_norms_of_their_own_and_the_later_clause_wins() -> None:
    """SLEEC reads `unless` clauses from the last: a clause's response is due when its
    condition holds and no later clause's does, a `then`-less clause demands nothing."""
    rule = ("R when Fall and {hurt} then Call within 1 minutes unless true "
            "unless {hurt} then Alert within 1 minutes otherwise Door "
            "unless ({hurt} and true)")
    assert_norms_read_as(sleec(EVENTS, rule), """
        norm R on Fall when hurt unless true or hurt or hurt and true
          system must Call within 1 min
        norm R_unless2 on Fall when hurt and (hurt and not (hurt and true))
          system must Alert within 1 min otherwise system must Door
    """)


def test_time_amounts_may_be_constants_and_terms() -> None:
    definitions = EVENTS + "\nconstant wait = 30"
    rule = "R when Fall then Call within wait seconds\nQ when Call then Alert within (wait * 2) minutes"
    assert_reads_as(sleec(definitions, rule), """
        agent system
        event Fall
        action system.Call
        action system.Alert
        event Door
        varying fact hurt: bool
        define wait = 30
        norm R on Fall system must Call within wait s
        norm Q on system.Call system must Alert within (wait * 2) min
    """)


def test_with_time_concerns_and_purposes_are_timed_expectations() -> None:
    """Responses with a window come first; those without are one conjunct, last (both are
    due at the trigger's instant)."""
    concerns = "concern_start\nc1 when Fall and {hurt} then not Call within 2 minutes\nconcern_end"
    purposes = ("purpose_start\np1 exists Door\np2 exists Fall and (not {hurt}) while Call "
                "while Alert eventually while not Call\npurpose_end")
    assert_reads_as(sleec(EVENTS, "R when Fall then Call\nQ when Door then Alert", concerns,
                          purposes), HEAD + """
        norm R on Fall system must Call
        norm Q on Door system must Alert
        expect never on Fall when hurt then not system.Call within 2 min
        expect possible on Door then true
        expect possible on Fall when not hurt
          then system.Alert eventually and system.Call and not system.Call
    """)


def test_relations() -> None:
    definitions = EVENTS + "\nmeasure calm: boolean\nmeasure noise: numeric"
    relations = """relation_start
        witness Fall Door
        equal Door Fall
        mutualExclusive Call Alert
        happenBefore Door Fall
        measure imply {hurt} (not {calm})
        measure iff {calm} ({noise} < 3)
        measure mutualExclusive {hurt} {calm}
        measure opposite {hurt} {calm}
        measure invariant ({noise} >= 0)
        causation Door {hurt}
        includes Fall {hurt}
        forbid Call {calm}
        when Fall then {hurt} until Door
        when Door and {calm} then (not {hurt}) for 30 seconds
    relation_end"""
    assert_reads_as(sleec(definitions, "R when Fall then Call\nQ when Fall then Alert",
                          relations), HEAD + """
        varying fact calm: bool
        varying fact noise: int
        norm R on Fall system must Call
        norm Q on Fall system must Alert
        assume Fall -> Door
        assume Door <-> Fall
        constraint not (system.Call and system.Alert)
        assume Door before Fall
        assume hurt -> not calm
        assume calm <-> noise < 3
        assume not (hurt and calm)
        assume hurt <-> not calm
        assume noise >= 0
        assume hurt -> Door
        assume Fall -> hurt
        constraint system.Call -> not calm
        assume on Fall then hurt until Door
        assume on Door when calm then not hurt for 30 s
    """)


def test_scales_compared_across_are_read_by_position() -> None:
    """SLEEC compares a scale with another scale's value by position: so does the reader,
    for every scale of such a file (a define per value)."""
    definitions = ("event Fall\nevent Call\nmeasure risk: scale(r_low, r_high)\n"
                   "measure load: scale(low, high)")
    assert_reads_as(sleec(definitions, "R when Fall and ({risk} >= high) then Call"), """
        agent system
        fact Fall: bool
        action system.Call
        fact risk: int in 0..1
        define r_low = 0
        define r_high = 1
        fact load: int in 0..1
        define low = 0
        define high = 1
        norm R when Fall and risk >= high system must Call
    """)


def test_whole_numbers_may_have_a_sign() -> None:
    definitions = "event Fall\nevent Call\nmeasure t: numeric\nconstant low = -5"
    assert_norms_read_as(sleec(definitions, "R when Fall and ({t} > (+3 - -2)) then Call"),
                         "norm R when Fall and t > 3 - -2 system must Call")
    assert read(sleec(definitions, "R when Fall then Call")).decls[-2] == parse_file(
        "define low = -5").decls[0]


def test_a_measure_without_braces_in_a_comparison_is_the_measure() -> None:
    """As N-Check reads it (BSN's purpose P6 writes `(riskLevel >= moderate)`)."""
    definitions = "event Fall\nevent Call\nmeasure risk: scale(low, high)"
    assert_norms_read_as(sleec(definitions, "R when Fall and (risk >= high) then Call"),
                         "norm R when Fall and risk >= high system must Call")


def test_the_agent_takes_a_free_name() -> None:
    file = read(sleec("event system\nevent Call", "R when system then Call"))
    assert isinstance(file.decls[0], ast.Agent) and file.decls[0].name.name == "sleec_system"


def test_spans_point_into_the_sleec_file() -> None:
    text = sleec(EVENTS, "R when Fall and {hurt} then Call within 2 minutes")
    norm = read(text).decls[-1]
    assert isinstance(norm, ast.Norm)
    start = text.index("R when")
    assert (norm.span.start, norm.span.path) == (start, "t.sleec")
    assert text[norm.duty_span.start:norm.duty_span.end] == "Call within 2 minutes"
    assert norm.when is not None and text[norm.when.span.start:norm.when.span.end] == "{hurt}"


# ---------------------------------------------------------------- round trip


@pytest.mark.parametrize("name", ["every_construct.sleec", "relations.sleec"])
def test_convert_then_parse_gives_the_same_ast(name: str) -> None:
    file = read((HERE / name).read_text(encoding="utf-8"), name)
    printed = file_text(file)
    assert parse_file(printed).decls == file.decls, printed


def test_the_fixtures_use_every_construct_of_the_grammar() -> None:
    """Every rule of grammar/sleec.lark (and its aliases) occurs in some fixture, read or
    refused: a construct added to the grammar needs a test here."""
    import lark

    from normlang.syntax.sleec import build_parser

    # the tree nodes: every alias, and every rule that neither is a helper (`_rule`) nor is
    # inlined (`?rule` without an alias)
    names = {str(rule.alias or rule.origin.name) for rule in build_parser().rules
             if not str(rule.origin.name).startswith("_")
             and not (rule.options.expand1 and rule.alias is None)} - {"start"}
    seen: set[str] = set()
    for path in HERE.glob("*.sleec"):
        try:
            tree = build_parser().parse(path.read_text(encoding="utf-8"))
        except lark.exceptions.LarkError:  # the syntax-error cases parse nothing
            continue
        seen |= {str(t.data) for t in tree.iter_subtrees()}
    assert names - seen == set()


# ---------------------------------------------------------------- refused, and syntax errors


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden(case: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each refused construct or syntax error: its place, message and help."""
    monkeypatch.chdir(HERE)
    file, findings = read_sleec(SourceFile(case.name, case.read_text(encoding="utf-8")))
    assert file is None and findings
    got = render(findings)
    expected = case.with_suffix(".out")
    if update_golden:
        expected.write_text(got, encoding="utf-8")
    assert expected.exists(), f"no golden file for {case.name}; run with --update-golden"
    assert got == expected.read_text(encoding="utf-8")


def test_a_refusal_shows_a_caret_under_the_construct_and_names_the_rule() -> None:
    text = sleec(EVENTS, "R when Fall then Call within 1 minutes else Alert")
    source = SourceFile("t.sleec", text)
    file, findings = read_sleec(source)
    assert file is None
    shown = render_report(Report(findings, {"t.sleec": source}, 1), "text")
    assert "t.sleec:9:40" in shown and "(rule `R`)" in shown
    line = next(i for i, row in enumerate(shown.splitlines()) if "else Alert" in row)
    caret = shown.splitlines()[line + 1]
    assert caret.index("^") == shown.splitlines()[line].index("else")
    assert caret.count("^") == len("else Alert")


def test_every_refusal_of_a_file_is_reported() -> None:
    rules = ("A when Fall then Call eventually otherwise Alert\n"
             "B when Fall then Call within 1 minutes else Alert\n"
             "C when Fall then Nothing")
    assert refused(sleec(EVENTS, rules)) == [
        "9:34 syntax-error: `otherwise` after `eventually` is not supported (rule `A`)",
        "10:40 syntax-error: `else` between responses with a time limit is not supported "
        "(rule `B`)",
        "11:18 name-error: unknown event `Nothing` (rule `C`)",
    ]


def test_unknown_names_get_a_did_you_mean() -> None:
    file, findings = read_sleec(SourceFile("t.sleec", sleec(EVENTS, "R when Fal then Call")))
    assert file is None and findings[0].help == ("did you mean `Fall`?",)
