"""lark parse tree -> `ast` (the only module besides `parser` that knows lark)."""

from __future__ import annotations

import ast as python_ast
from fractions import Fraction
from typing import Any

import lark
from lark import Token, Tree

from . import ast
from .findings import Finding, Label
from .source import SourceFile, Span


class _Lower(lark.Transformer):  # type: ignore[type-arg]
    """Builds AST nodes bottom-up; every node gets the span of its subtree."""

    def __init__(self, source: SourceFile) -> None:
        super().__init__(visit_tokens=False)
        self.source = source

    # ------------------------------------------------------------ helpers

    def span_of(self, item: Any) -> Span:
        if isinstance(item, Token):
            return self.source.span(item.start_pos or 0, item.end_pos or 0)
        if isinstance(item, Tree):
            meta = item.meta
            if getattr(meta, "empty", True):
                return self.source.span(0, 0)
            return self.source.span(meta.start_pos, meta.end_pos)
        span = getattr(item, "span", None)
        return span if isinstance(span, Span) else self.source.span(0, 0)

    def join(self, first: Any, last: Any) -> Span:
        a, b = self.span_of(first), self.span_of(last)
        return self.source.span(a.start, b.end)

    def ident(self, token: Token) -> ast.Ident:
        return ast.Ident(str(token), self.span_of(token))

    def __default__(self, data: str, children: list[Any], meta: Any) -> Any:
        raise ValueError(f"unexpected rule {data}")

    def _meta_span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return self.source.span(0, 0)
        return self.source.span(meta.start_pos, meta.end_pos)

    # ------------------------------------------------------------ expressions

    @lark.v_args(meta=True)
    def name(self, meta: Any, children: list[Token]) -> ast.Expr:
        return ast.Name(str(children[0]), self._meta_span(meta))

    @lark.v_args(meta=True)
    def dotted(self, meta: Any, children: list[Token]) -> ast.Expr:
        return ast.Dotted(str(children[0]), str(children[1]), self._meta_span(meta))

    @lark.v_args(meta=True)
    def number(self, meta: Any, children: list[Token]) -> ast.Expr:
        text = str(children[0])
        value = _exponent(text) if ("e" in text or "E" in text) else Fraction(text)
        is_int = "." not in text and value.denominator == 1
        return ast.NumLit(value, is_int, text, self._meta_span(meta))

    @lark.v_args(meta=True)
    def true(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.BoolLit(True, self._meta_span(meta))

    @lark.v_args(meta=True)
    def false(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.BoolLit(False, self._meta_span(meta))

    @lark.v_args(meta=True)
    def conflict(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.ConflictAtom(self._meta_span(meta))

    @lark.v_args(meta=True)
    def not_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Unary("not", children[-1], self._meta_span(meta))

    @lark.v_args(meta=True)
    def neg_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Unary("-", children[-1], self._meta_span(meta))

    @lark.v_args(meta=True)
    def deontic(self, meta: Any, children: list[Any]) -> ast.Expr:
        return ast.Deontic(str(children[0]), children[1], self._meta_span(meta))  # type: ignore[arg-type]

    def _binary(self, op: str, meta: Any, left: Any, right: Any) -> ast.Expr:
        return ast.Binary(op, left, right, self._meta_span(meta))  # type: ignore[arg-type]

    @lark.v_args(meta=True)
    def iff_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return self._binary("<->", meta, children[0], children[-1])

    @lark.v_args(meta=True)
    def implies_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return self._binary("->", meta, children[0], children[-1])

    def _fold(self, ops: list[str], operands: list[Any]) -> ast.Expr:
        """`a op b op c` -> `(a op b) op c`, built in a loop (chains can be long)."""
        result = operands[0]
        for op, operand in zip(ops, operands[1:]):
            span = self.source.span(operands[0].span.start, operand.span.end)
            result = ast.Binary(op, result, operand, span)  # type: ignore[arg-type]
        return result  # type: ignore[no-any-return]

    def or_op(self, children: list[Any]) -> ast.Expr:
        return self._fold(["or"] * (len(children) - 1), children)

    def and_op(self, children: list[Any]) -> ast.Expr:
        return self._fold(["and"] * (len(children) - 1), children)

    @lark.v_args(meta=True)
    def cmp_op(self, meta: Any, children: list[Any]) -> ast.Expr:
        return self._binary(str(children[1]), meta, children[0], children[2])

    def arith_op(self, children: list[Any]) -> ast.Expr:
        return self._fold([str(op) for op in children[1::2]], children[0::2])

    # ------------------------------------------------------------ declarations

    @lark.v_args(meta=True)
    def layers(self, meta: Any, children: list[Token]) -> ast.Decl:
        return ast.Layers(tuple(self.ident(t) for t in children), self._meta_span(meta))

    @lark.v_args(meta=True)
    def agent(self, meta: Any, children: list[Token]) -> ast.Decl:
        return ast.Agent(self.ident(children[0]), self._meta_span(meta))

    @lark.v_args(meta=True)
    def enum_plain(self, meta: Any, children: list[Token]) -> ast.Decl:
        return ast.Enum(self.ident(children[0]), tuple(self.ident(t) for t in children[1:]),
                        False, self._meta_span(meta))

    @lark.v_args(meta=True)
    def enum_ordered(self, meta: Any, children: list[Token]) -> ast.Decl:
        return ast.Enum(self.ident(children[0]), tuple(self.ident(t) for t in children[1:]),
                        True, self._meta_span(meta))

    @lark.v_args(meta=True)
    def fact(self, meta: Any, children: list[Any]) -> ast.Decl:
        return ast.Fact(self.ident(children[0]), children[1], self._meta_span(meta))

    @lark.v_args(meta=True)
    def t_bool(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef("bool", span=self._meta_span(meta))

    @lark.v_args(meta=True)
    def t_int(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef("int", span=self._meta_span(meta))

    @lark.v_args(meta=True)
    def t_real(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef("real", span=self._meta_span(meta))

    @lark.v_args(meta=True)
    def t_enum(self, meta: Any, children: list[Token]) -> ast.TypeRef:
        return ast.TypeRef("enum", enum=str(children[0]), span=self._meta_span(meta))

    @lark.v_args(meta=True)
    def t_range(self, meta: Any, children: list[Any]) -> ast.TypeRef:
        return ast.TypeRef("int", low=children[0], high=children[1], span=self._meta_span(meta))

    def bound(self, children: list[Token]) -> int | Fraction:
        text = str(children[-1])
        value = _exponent(text) if ("e" in text or "E" in text) else Fraction(text)
        value = -value if len(children) == 2 else value
        return int(value) if value.denominator == 1 else value

    @lark.v_args(meta=True)
    def action(self, meta: Any, children: list[Token]) -> ast.Decl:
        return ast.Action(self.ident(children[0]), self.ident(children[1]), self._meta_span(meta))

    @lark.v_args(meta=True)
    def define(self, meta: Any, children: list[Any]) -> ast.Decl:
        return ast.Define(self.ident(children[0]), children[1], self._meta_span(meta))

    @lark.v_args(meta=True)
    def assume(self, meta: Any, children: list[Any]) -> ast.Decl:
        return ast.Assume(children[0], self._meta_span(meta))

    @lark.v_args(meta=True)
    def constraint(self, meta: Any, children: list[Any]) -> ast.Decl:
        return ast.Constraint(children[0], self._meta_span(meta))

    @lark.v_args(meta=True)
    def h_layer(self, meta: Any, children: list[Token]) -> tuple[str, Any]:
        return ("layer", self.ident(children[0]))

    def h_source(self, children: list[Token]) -> tuple[str, Any]:
        return ("source", _string(children[0]))

    def h_serves(self, children: list[Token]) -> tuple[str, Any]:
        return ("serves", tuple(self.ident(t) for t in children))

    def h_overrides(self, children: list[ast.Override]) -> tuple[str, Any]:
        return ("overrides", tuple(children))

    @lark.v_args(meta=True)
    def override(self, meta: Any, children: list[Any]) -> ast.Override:
        when = children[1] if len(children) > 1 else None
        return ast.Override(self.ident(children[0]), when, self._meta_span(meta))

    def c_when(self, children: list[Any]) -> tuple[str, Any]:
        return ("when", children[0])

    def c_unless(self, children: list[Any]) -> tuple[str, Any]:
        return ("unless", children[0])

    def m_must(self, children: list[Any]) -> str:
        return "must"

    def m_must_not(self, children: list[Any]) -> str:
        return "must not"

    def m_may(self, children: list[Any]) -> str:
        return "may"

    @lark.v_args(meta=True)
    def norm(self, meta: Any, children: list[Any]) -> ast.Decl:
        name, *parts = children
        target = parts[-1]
        modality = parts[-2]
        agent: Token = parts[-3]
        clauses: dict[str, list[Any]] = {}
        for key, value in parts[:-3]:
            clauses.setdefault(key, []).append(value)
        self.duplicates(clauses)
        duty_span = self.join(agent, target)
        return ast.Norm(
            name=self.ident(name),
            layer=clauses.get("layer", [None])[0],
            source=clauses.get("source", [None])[0],
            serves=tuple(v for group in clauses.get("serves", []) for v in group),
            overrides=tuple(o for group in clauses.get("overrides", []) for o in group),
            when=clauses.get("when", [None])[0],
            unless=clauses.get("unless", [None])[0],
            agent=self.ident(agent),
            modality=modality,
            target=target,
            span=self._meta_span(meta),
            duty_span=duty_span,
        )

    def duplicates(self, clauses: dict[str, list[Any]]) -> None:
        for key in ("layer", "source", "when", "unless"):
            if len(clauses.get(key, [])) > 1:
                second = clauses[key][1]
                span = getattr(second, "span", None)
                self.problems.append(("syntax-error", f"a norm has at most one `{_clause(key)}`",
                                      span))

    @lark.v_args(meta=True)
    def import_file(self, meta: Any, children: list[Token]) -> ast.Decl:
        return ast.Import(_string(children[0]), self._meta_span(meta))

    @lark.v_args(meta=True)
    def import_values(self, meta: Any, children: list[Any]) -> ast.Decl:
        mappings = tuple(children[1]) if len(children) > 1 else ()
        return ast.ImportValues(_string(children[0]), mappings, self._meta_span(meta))

    def mapping(self, children: list[ast.ContextMapping]) -> list[ast.ContextMapping]:
        return children

    @lark.v_args(meta=True)
    def context_map(self, meta: Any, children: list[Any]) -> ast.ContextMapping:
        return ast.ContextMapping(_string(children[0]), children[1], self._meta_span(meta))

    @lark.v_args(meta=True)
    def value(self, meta: Any, children: list[Token]) -> ast.Decl:
        description = _string(children[1]) if len(children) > 1 else None
        return ast.Value(self.ident(children[0]), description, self._meta_span(meta))

    @lark.v_args(meta=True)
    def prefer(self, meta: Any, children: list[Any]) -> ast.Decl:
        when = children[2] if len(children) > 2 else None
        return ast.Prefer(self.ident(children[0]), self.ident(children[1]), when,
                          self._meta_span(meta))

    @lark.v_args(meta=True)
    def expect(self, meta: Any, children: list[Any]) -> ast.Decl:
        return ast.Expect(children[0], self._meta_span(meta))

    @lark.v_args(meta=True)
    def e_consistent(self, meta: Any, children: list[Any]) -> Any:
        return ast.ExpectConsistent(self._meta_span(meta))

    @lark.v_args(meta=True)
    def e_always(self, meta: Any, children: list[Any]) -> Any:
        return ast.ExpectFormula("always", children[0], self._meta_span(meta))

    @lark.v_args(meta=True)
    def e_never(self, meta: Any, children: list[Any]) -> Any:
        return ast.ExpectFormula("never", children[0], self._meta_span(meta))

    @lark.v_args(meta=True)
    def e_possible(self, meta: Any, children: list[Any]) -> Any:
        return ast.ExpectFormula("possible", children[0], self._meta_span(meta))

    @lark.v_args(meta=True)
    def e_complies(self, meta: Any, children: list[Token]) -> Any:
        return ast.ExpectComplies(self.ident(children[0]), self.ident(children[1]),
                                  tuple(self.ident(t) for t in children[2:]), self._meta_span(meta))

    @lark.v_args(meta=True)
    def e_formula(self, meta: Any, children: list[Any]) -> Any:
        return ast.ScenarioExpect(children[0], self._meta_span(meta))

    @lark.v_args(meta=True)
    def scenario(self, meta: Any, children: list[Any]) -> ast.Decl:
        return ast.Scenario(self.ident(children[0]), tuple(children[1:]), (),
                            self._meta_span(meta))

    def given(self, children: list[Any]) -> ast.Expr:
        return children[0]  # type: ignore[no-any-return]

    @lark.v_args(meta=True)
    def given_assign(self, meta: Any, children: list[Any]) -> ast.Expr:
        name = ast.Name(str(children[0]), self.span_of(children[0]))
        return ast.Binary("==", name, children[1], self._meta_span(meta))

    def norm_agent(self, children: list[Token]) -> Token:
        return children[0]

    def start(self, children: list[ast.Decl]) -> list[ast.Decl]:
        return children


def _clause(key: str) -> str:
    return {"layer": "@layer", "source": "source string"}.get(key, key)


def _string(token: Token) -> str:
    text = str(token)
    try:
        value = python_ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text[1:-1]
    return value if isinstance(value, str) else text[1:-1]


def _exponent(text: str) -> Fraction:
    mantissa, _, exponent = text.lower().partition("e")
    return Fraction(mantissa) * (Fraction(10) ** int(exponent))


def lower(tree: Tree, source: SourceFile) -> tuple[ast.File, list[Finding]]:
    """Build the file's AST; attach each scenario's `expect` lines to it."""
    transformer = _Lower(source)
    transformer.problems = []
    decls: list[Any] = transformer.transform(tree)
    findings = [Finding(kind, message, span or source.span(0, 0),
                        (Label(span or source.span(0, 0), primary=True),))
                for kind, message, span in transformer.problems]
    out: list[ast.Decl] = []
    current: ast.Scenario | None = None
    for decl in decls:
        if isinstance(decl, ast.Expect) and isinstance(decl.body, ast.ScenarioExpect):
            if current is None:
                findings.append(Finding(
                    "syntax-error",
                    "an expectation outside a scenario needs `always`, `never` or `possible`",
                    decl.span, (Label(decl.span, primary=True),),
                    help=("write `expect always ...` or put it under a `scenario ... given ...`",)))
                continue
            expects = current.expects + (ast.ScenarioExpect(decl.body.formula, decl.span),)
            whole = source.span(current.span.start, decl.span.end)
            current = ast.Scenario(current.name, current.given, expects, whole)
            out[-1] = current
            continue
        current = decl if isinstance(decl, ast.Scenario) else None
        out.append(decl)
    for decl in out:
        if isinstance(decl, ast.Scenario) and not decl.expects:
            findings.append(Finding(
                "syntax-error", f"scenario `{decl.name.name}` has no `expect`", decl.span,
                (Label(decl.name.span, primary=True),),
                help=("add `expect FORMULA` lines after its `given` facts",)))
    return ast.File(source.path, tuple(out), source.span(0, len(source.text))), findings
