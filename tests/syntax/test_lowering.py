"""Every construct of the language lowers to the AST node it should (spans are not compared)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from frontend_helpers import parse_file, syntax_errors

from normlang.syntax import ast
from normlang.syntax.ast import Binary, Ident, Name, NumLit, Unary


def one(text: str) -> ast.Decl:
    decls = parse_file(text).decls
    assert len(decls) == 1, decls
    return decls[0]


def ids(*names: str) -> tuple[Ident, ...]:
    return tuple(Ident(n) for n in names)


def test_layers() -> None:
    assert one("layers law > org > spec") == ast.Layers(ids("law", "org", "spec"))
    assert one("layers solo") == ast.Layers(ids("solo"))


def test_agent_and_action() -> None:
    assert one("agent assistant") == ast.Agent(Ident("assistant"))
    assert one("action assistant . disclose") == ast.Action(Ident("assistant"), Ident("disclose"))


def test_enums() -> None:
    assert one("enum Risk { high, low }") == ast.Enum(Ident("Risk"), ids("high", "low"), False)
    assert one("enum Risk { high, low, }") == ast.Enum(Ident("Risk"), ids("high", "low"), False)
    assert one("enum Scale { low < medium < high }") == ast.Enum(
        Ident("Scale"), ids("low", "medium", "high"), True)
    assert one("enum One { only }") == ast.Enum(Ident("One"), ids("only"), False)


@pytest.mark.parametrize("written, type_ref", [
    ("bool", ast.TypeRef("bool")),
    ("int", ast.TypeRef("int")),
    ("real", ast.TypeRef("real")),
    ("int in 0..130", ast.TypeRef("int", low=0, high=130)),
    ("int in -5 .. -1", ast.TypeRef("int", low=-5, high=-1)),
    ("Risk", ast.TypeRef("enum", enum="Risk")),
])
def test_fact_types(written: str, type_ref: ast.TypeRef) -> None:
    assert one(f"fact f: {written}") == ast.Fact(Ident("f"), type_ref)


def test_define_assume_constraint() -> None:
    assert one("define minor = age < 18") == ast.Define(
        Ident("minor"), Binary("<", Name("age"), NumLit(Fraction(18), True, "18")))
    assert one("assume not p") == ast.Assume(Unary("not", Name("p")))
    assert one("constraint not (a.x and a.y)") == ast.Constraint(
        Unary("not", Binary("and", ast.Dotted("a", "x"), ast.Dotted("a", "y"))))


def test_norm_minimal() -> None:
    assert one("norm n assistant may chat") == ast.Norm(
        Ident("n"), None, None, (), (), None, None, Ident("assistant"), "may", Name("chat"))


def test_norm_every_part_in_a_shuffled_order() -> None:
    text = '''norm n overrides m, k (when q) serves honesty, care "Art. 50" @law
      unless q when p
      assistant must not (x or y)'''
    assert one(text) == ast.Norm(
        name=Ident("n"), layer=Ident("law"), source="Art. 50", serves=ids("honesty", "care"),
        overrides=(ast.Override(Ident("m")), ast.Override(Ident("k"), Name("q"))),
        when=Name("p"), unless=Name("q"), agent=Ident("assistant"), modality="must not",
        target=Binary("or", Name("x"), Name("y")))


def test_norm_must_with_a_negated_target_needs_parentheses() -> None:
    assert one("norm n a must (not x)").modality == "must"  # type: ignore[union-attr]
    assert one("norm n a must not x").modality == "must not"  # type: ignore[union-attr]
    assert one("norm n a must\n  not x").modality == "must not"  # type: ignore[union-attr]
    assert one("norm n a must notify").target == Name("notify")  # type: ignore[union-attr]


def test_norm_dotted_target_and_agent_named_agent() -> None:
    decl = one("norm n when p agent must agent.act")
    assert isinstance(decl, ast.Norm)
    assert decl.agent == Ident("agent") and decl.target == ast.Dotted("agent", "act")


def test_norm_clauses_at_most_once() -> None:
    assert any("at most one `when`" in m for m in _lower_problems("norm n when p when q a may x"))
    assert any("at most one `@layer`" in m for m in _lower_problems("norm n @a @b a may x"))


def _lower_problems(text: str) -> list[str]:
    from normlang.core.source import SourceFile
    from normlang.syntax.lower import lower
    from normlang.syntax.parser import parse

    source = SourceFile("t.norm", text)
    parsed = parse(source)
    assert parsed.tree is not None
    return [f.message for f in lower(parsed.tree, source)[1]]


def test_imports() -> None:
    assert one('import "other.norm"') == ast.Import("other.norm")
    assert one('import values "g.json"') == ast.ImportValues("g.json", ())
    assert one('import values "g.json" { "user asks" = asked, "late" = not early, }') == \
        ast.ImportValues("g.json", (ast.ContextMapping("user asks", Name("asked")),
                                    ast.ContextMapping("late", Unary("not", Name("early")))))
    assert one('import values "g.json" {}') == ast.ImportValues("g.json", ())


def test_string_escapes() -> None:
    assert one(r'import "a \"b\".norm"') == ast.Import('a "b".norm')


def test_values_and_prefer() -> None:
    assert one("value honesty") == ast.Value(Ident("honesty"), None)
    assert one('value honesty "say the truth"') == ast.Value(Ident("honesty"), "say the truth")
    assert one("prefer a over b") == ast.Prefer(Ident("a"), Ident("b"), None)
    assert one("prefer a over b when p") == ast.Prefer(Ident("a"), Ident("b"), Name("p"))


@pytest.mark.parametrize("text, body", [
    ("expect consistent", ast.ExpectConsistent()),
    ("expect always p", ast.ExpectFormula("always", Name("p"))),
    ("expect never p", ast.ExpectFormula("never", Name("p"))),
    ("expect possible permitted a.x", ast.ExpectFormula("possible",
                                                        ast.Deontic("permitted",
                                                                    ast.Dotted("a", "x")))),
    ("expect spec complies with law", ast.ExpectComplies(Ident("spec"), Ident("law"), ())),
    ("expect spec complies with law for a, b",
     ast.ExpectComplies(Ident("spec"), Ident("law"), ids("a", "b"))),
])
def test_expectations(text: str, body: ast.Expectation) -> None:
    assert one(text) == ast.Expect(body)


def test_scenario_collects_its_expect_lines() -> None:
    text = """scenario s
      given p, not q, level == high
      expect obliged a.x
      expect conflict
    expect always p"""
    decls = parse_file(text).decls
    assert decls[0] == ast.Scenario(
        Ident("s"), (Name("p"), Unary("not", Name("q")), Binary("==", Name("level"), Name("high"))),
        (ast.ScenarioExpect(ast.Deontic("obliged", ast.Dotted("a", "x"))),
         ast.ScenarioExpect(ast.ConflictAtom())))
    assert decls[1] == ast.Expect(ast.ExpectFormula("always", Name("p")))


def test_comments_crlf_tabs_and_free_layout() -> None:
    text = "# header\r\nagent\ta # trailing\r\n\r\nnorm n\r\n\twhen p\r\n\ta must\r\n not x\r\n"
    decls = parse_file(text).decls
    assert decls[0] == ast.Agent(Ident("a"))
    assert decls[1] == ast.Norm(Ident("n"), None, None, (), (), Name("p"), None, Ident("a"),
                                "must not", Name("x"))


def test_spans_point_at_the_source() -> None:
    file = parse_file("agent a\nnorm n when p\n  a must x\n")
    norm = file.decls[1]
    assert isinstance(norm, ast.Norm)
    assert (norm.span.line, norm.span.col, norm.span.end_line) == (2, 1, 3)
    assert (norm.duty_span.line, norm.duty_span.col, norm.duty_span.end_col) == (3, 3, 11)
    assert (norm.when.span.line, norm.when.span.col) == (2, 13)  # type: ignore[union-attr]


def test_empty_and_comment_only_files() -> None:
    assert parse_file("").decls == ()
    assert parse_file("# nothing\n\n").decls == ()


@pytest.mark.parametrize("text", [
    "fact p bool", "agent", "norm n a must", "enum E { a < b, c }", "layers a >",
    "expect sometimes p", "scenario s expect p", "import values", "prefer a b",
    'value v "unterminated', "define = p",
])
def test_malformed_declarations_are_syntax_errors(text: str) -> None:
    assert syntax_errors(text)


def test_several_syntax_errors_in_one_file() -> None:
    errors = syntax_errors("fact p bool\nagent a\nnorm n a must\nfact q: bool\nassume q q\n")
    assert len(errors) == 3
