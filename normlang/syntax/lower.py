"""Parsed rules -> `ast` (the only module besides `grammar`, `lalr` and `parser` that knows lark).

`Builder` has one method per grammar rule (or alias). Each gets the rule's
children as lark's tree would hold them (anonymous tokens dropped, `?rules`
inlined) and the offsets its subtree spans, and returns the AST node. Two
drivers call it: `parser.parse_ast`, which builds the AST while parsing (the
usual path), and `lower`, which walks a lark tree (kept for files the fast
path hands back, and for tools that hold a tree).
"""

from __future__ import annotations

import ast as python_ast
from dataclasses import replace
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..core.findings import Finding, Label
from ..core.source import SourceFile, Span
from . import ast
from .limits import MAX_NUMBER_DIGITS, number_too_long
from .lower_time import TimeBuilder

if TYPE_CHECKING:
    import lark

#: an offset of the source, or None for an empty rule (an empty file)
Pos = int | None


class Builder(TimeBuilder):
    """Builds AST nodes bottom-up; every node gets the span of its subtree."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        #: (kind, message, span) of mistakes the grammar lets through
        self.problems: list[tuple[str, str, Span | None]] = []

    # ------------------------------------------------------------ helpers

    def span_of(self, item: Any) -> Span:
        """The span of a token (lark's or the fast lexer's) or of an AST node."""
        if hasattr(item, "start_pos"):
            return self.source.span(item.start_pos or 0, item.end_pos or 0)
        span = getattr(item, "span", None)
        return span if isinstance(span, Span) else self.source.span(0, 0)

    def ident(self, token: Any) -> ast.Ident:
        return ast.Ident(str(token), self.span_of(token))

    def _span(self, start: Pos, end: Pos) -> Span:
        if start is None or end is None:
            return self.source.span(0, 0)
        return self.source.span(start, end)

    # ------------------------------------------------------------ expressions

    def name(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.Name(str(children[0]), self._span(start, end))

    def dotted(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.Dotted(str(children[0]), str(children[1]), self._span(start, end))

    def number(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        text = str(children[0])
        span = self._span(start, end)
        if self._out_of_range(text, span):
            return ast.NumLit(Fraction(0), True, text, span)
        value, is_int = _number(text)
        return ast.NumLit(value, is_int, text, span)

    def _out_of_range(self, text: str, span: Span | None) -> bool:
        if not number_too_long(text):
            return False
        self.problems.append((
            "syntax-error", f"number out of range: a number may have at most "
            f"{MAX_NUMBER_DIGITS} digits and an exponent of at most {MAX_NUMBER_DIGITS}", span))
        return True

    def true(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.BoolLit(True, self._span(start, end))

    def false(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.BoolLit(False, self._span(start, end))

    def conflict(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.ConflictAtom(self._span(start, end))

    def not_op(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.Unary("not", children[-1], self._span(start, end))

    def neg_op(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.Unary("-", children[-1], self._span(start, end))

    def deontic(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return ast.Deontic(str(children[0]), children[1],  # type: ignore[arg-type]
                           self._span(start, end))

    def _binary(self, op: str, start: Pos, end: Pos, left: Any, right: Any) -> ast.Expr:
        return ast.Binary(op, left, right, self._span(start, end))  # type: ignore[arg-type]

    def iff_op(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return self._binary("<->", start, end, children[0], children[-1])

    def implies_op(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return self._binary("->", start, end, children[0], children[-1])

    def _fold(self, ops: list[str], operands: list[Any]) -> ast.Expr:
        """`a op b op c` -> `(a op b) op c`, built in a loop (chains can be long)."""
        result = operands[0]
        for op, operand in zip(ops, operands[1:]):
            span = self.source.span(operands[0].span.start, operand.span.end)
            result = ast.Binary(op, result, operand, span)  # type: ignore[arg-type]
        return result  # type: ignore[no-any-return]

    def or_op(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return self._fold(["or"] * (len(children) - 1), children)

    def and_op(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return self._fold(["and"] * (len(children) - 1), children)

    def cmp_op(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return self._binary(str(children[1]), start, end, children[0], children[2])

    def arith_op(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        return self._fold([str(op) for op in children[1::2]], children[0::2])

    # ------------------------------------------------------------ declarations

    def layers(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Layers(tuple(self.ident(t) for t in children), self._span(start, end))

    def agent(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Agent(self.ident(children[0]), self._span(start, end))

    def enum_plain(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Enum(self.ident(children[0]), tuple(self.ident(t) for t in children[1:]),
                        False, self._span(start, end))

    def enum_ordered(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Enum(self.ident(children[0]), tuple(self.ident(t) for t in children[1:]),
                        True, self._span(start, end))

    def fact(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Fact(self.ident(children[0]), children[1], self._span(start, end))

    def t_bool(self, children: list[Any], start: Pos, end: Pos) -> ast.TypeRef:
        return ast.TypeRef("bool", span=self._span(start, end))

    def t_int(self, children: list[Any], start: Pos, end: Pos) -> ast.TypeRef:
        return ast.TypeRef("int", span=self._span(start, end))

    def t_real(self, children: list[Any], start: Pos, end: Pos) -> ast.TypeRef:
        return ast.TypeRef("real", span=self._span(start, end))

    def t_enum(self, children: list[Any], start: Pos, end: Pos) -> ast.TypeRef:
        return ast.TypeRef("enum", enum=str(children[0]), span=self._span(start, end))

    def t_range(self, children: list[Any], start: Pos, end: Pos) -> ast.TypeRef:
        return ast.TypeRef("int", low=children[0], high=children[1], span=self._span(start, end))

    def bound(self, children: list[Any], start: Pos, end: Pos) -> int | Fraction:
        text = str(children[-1])
        if self._out_of_range(text, self.span_of(children[-1])):
            return 0
        value = _exponent(text) if ("e" in text or "E" in text) else Fraction(text)
        value = -value if len(children) == 2 else value
        return int(value) if value.denominator == 1 else value

    def action(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Action(self.ident(children[0]), self.ident(children[1]), self._span(start, end))

    def define(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Define(self.ident(children[0]), children[1], self._span(start, end))

    def assume(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Assume(children[0], self._span(start, end))

    def constraint(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Constraint(children[0], self._span(start, end))

    def h_layer(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any]:
        return ("layer", self.ident(children[0]))

    def h_protected(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any, Span]:
        return ("protected", True, self._span(start, end))

    def h_source(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any, Span]:
        # a plain string has no span of its own: the clause's goes along (for duplicates)
        return ("source", _string(children[0]), self._span(start, end))

    def h_serves(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any]:
        return ("serves", tuple(self.ident(t) for t in children))

    def h_overrides(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any]:
        return ("overrides", tuple(children))

    def override(self, children: list[Any], start: Pos, end: Pos) -> ast.Override:
        when = children[1] if len(children) > 1 else None
        return ast.Override(self.ident(children[0]), when, self._span(start, end))

    def c_when(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any]:
        return ("when", children[0])

    def c_unless(self, children: list[Any], start: Pos, end: Pos) -> tuple[str, Any]:
        return ("unless", children[0])

    def m_must(self, children: list[Any], start: Pos, end: Pos) -> str:
        return "must"

    def m_must_not(self, children: list[Any], start: Pos, end: Pos) -> str:
        return "must not"

    def m_may(self, children: list[Any], start: Pos, end: Pos) -> str:
        return "may"

    def norm(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        name, *parts = children
        at = next(i for i, part in enumerate(parts) if not isinstance(part, tuple))
        agent, modality, target = parts[at:at + 3]
        tail = parts[at + 3:]
        clauses: dict[str, list[Any]] = {}
        spans: dict[str, list[Span | None]] = {}
        for key, value, *span in parts[:at]:
            clauses.setdefault(key, []).append(value)
            spans.setdefault(key, []).append(span[0] if span else getattr(value, "span", None))
        self.duplicates(spans)
        if "protected" in clauses and modality != "may":
            self.problems.append(("type-error", f"`protected` applies to `may` norms only, not to "
                                                f"`{modality}`: only a permission can be guaranteed",
                                  spans["protected"][0]))
        duty_span = self.source.span(agent.start_pos or 0, target.span.end)
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
            protected="protected" in clauses,
            span=self._span(start, end),
            duty_span=duty_span,
            trigger=clauses.get("on", [None])[0],
            window=next((t for t in tail if isinstance(t, ast.Window)), None),
            otherwise=tuple(t for t in tail if isinstance(t, ast.Otherwise)),
            branches=tuple(t for t in tail if isinstance(t, ast.Branch)),
        )

    def duplicates(self, spans: dict[str, list[Span | None]]) -> None:
        for key in ("layer", "protected", "source", "when", "unless", "on"):
            if len(spans.get(key, [])) > 1:
                self.problems.append(("syntax-error", f"a norm has at most one `{_clause(key)}`",
                                      spans[key][1]))

    def import_file(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Import(_string(children[0]), self._span(start, end))

    def import_values(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        mappings = tuple(children[1]) if len(children) > 1 else ()
        return ast.ImportValues(_string(children[0]), mappings, self._span(start, end))

    def mapping(self, children: list[Any], start: Pos, end: Pos) -> list[ast.ContextMapping]:
        return children

    def context_map(self, children: list[Any], start: Pos, end: Pos) -> ast.ContextMapping:
        return ast.ContextMapping(_string(children[0]), children[1], self._span(start, end))

    def value(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        description = _string(children[1]) if len(children) > 1 else None
        return ast.Value(self.ident(children[0]), description, self._span(start, end))

    def prefer(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        when = children[2] if len(children) > 2 else None
        return ast.Prefer(self.ident(children[0]), self.ident(children[1]), when,
                          self._span(start, end))

    def expect(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        return ast.Expect(children[0], self._span(start, end))

    def e_consistent(self, children: list[Any], start: Pos, end: Pos) -> Any:
        return ast.ExpectConsistent(self._span(start, end))

    def e_always(self, children: list[Any], start: Pos, end: Pos) -> Any:
        return ast.ExpectFormula("always", children[0], self._span(start, end))

    def e_never(self, children: list[Any], start: Pos, end: Pos) -> Any:
        return ast.ExpectFormula("never", children[0], self._span(start, end))

    def e_possible(self, children: list[Any], start: Pos, end: Pos) -> Any:
        return ast.ExpectFormula("possible", children[0], self._span(start, end))

    def e_complies(self, children: list[Any], start: Pos, end: Pos) -> Any:
        return ast.ExpectComplies(self.ident(children[0]), self.ident(children[1]),
                                  tuple(self.ident(t) for t in children[2:]),
                                  self._span(start, end))

    def e_formula(self, children: list[Any], start: Pos, end: Pos) -> Any:
        time = children[1] if len(children) > 1 else None
        return ast.ScenarioExpect(children[0], self._span(start, end), time)

    def scenario(self, children: list[Any], start: Pos, end: Pos) -> ast.Decl:
        name, *parts = children
        occurrences = tuple(p for p in parts if isinstance(p, ast.Occurrences))
        timed = tuple(p for p in parts if isinstance(p, ast.TimedGiven))
        given = tuple(p for p in parts if not isinstance(p, (ast.Occurrences, ast.TimedGiven)))
        if not given and not timed and not occurrences:
            self.problems.append(("syntax-error", f"scenario `{name}` needs `given` facts or "
                                                  f"`at TIME EVENT` occurrences",
                                  self.span_of(name)))
        return ast.Scenario(self.ident(name), given, (), self._span(start, end),
                            occurrences, timed)

    def given(self, children: list[Any], start: Pos, end: Pos) -> Any:
        if len(children) > 1:
            return ast.TimedGiven(children[0], children[1], self._span(start, end))
        return children[0]

    def given_assign(self, children: list[Any], start: Pos, end: Pos) -> ast.Expr:
        name = ast.Name(str(children[0]), self.span_of(children[0]))
        return ast.Binary("==", name, children[1], self._span(start, end))

    def norm_agent(self, children: list[Any], start: Pos, end: Pos) -> Any:
        return children[0]

    def start(self, children: list[Any], start: Pos, end: Pos) -> list[ast.Decl]:
        return children


def _clause(key: str) -> str:
    return {"layer": "@layer", "source": "source string"}.get(key, key)


@lru_cache(maxsize=4096)
def _number(text: str) -> tuple[Fraction, bool]:
    """A number literal's value and whether it is an integer (Fractions are immutable: shared)."""
    value = _exponent(text) if ("e" in text or "E" in text) else Fraction(text)
    return value, "." not in text and value.denominator == 1


def _string(token: Any) -> str:
    return _string_value(str(token))


@lru_cache(maxsize=4096)
def _string_value(text: str) -> str:
    try:
        value = python_ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text[1:-1]
    return value if isinstance(value, str) else text[1:-1]


def _exponent(text: str) -> Fraction:
    mantissa, _, exponent = text.lower().partition("e")
    return Fraction(mantissa) * (Fraction(10) ** int(exponent))


def lower(tree: lark.Tree[lark.Token], source: SourceFile) -> tuple[ast.File, list[Finding]]:
    """Build the file's AST from lark's parse tree (see `finish`)."""
    import lark

    builder = Builder(source)

    class _FromTree(lark.Transformer):  # type: ignore[type-arg]
        def __default__(self, data: str, children: list[Any], meta: Any) -> Any:
            method = getattr(builder, data, None)
            if method is None or data.startswith("_"):
                raise ValueError(f"unexpected rule {data}")
            if getattr(meta, "empty", True):
                return method(children, None, None)
            return method(children, meta.start_pos, meta.end_pos)

    decls: list[Any] = _FromTree(visit_tokens=False).transform(tree)
    return finish(decls, builder)


def _closest_word(word: str, words: tuple[str, ...]) -> str | None:
    from ..core.suggest import closest

    return closest(word, words, cutoff=0.75)


def finish(decls: list[Any], builder: Builder) -> tuple[ast.File, list[Finding]]:
    """The file of `decls`, with each scenario's `expect` lines attached to it."""
    source = builder.source
    findings = [Finding(kind, message, span or source.span(0, 0),
                        (Label(span or source.span(0, 0), primary=True),))
                for kind, message, span in builder.problems]
    out: list[ast.Decl] = []
    current: ast.Scenario | None = None
    for decl in decls:
        if isinstance(decl, ast.Expect) and isinstance(decl.body, ast.ScenarioExpect):
            if current is None:
                formula = decl.body.formula
                meant = (_closest_word(formula.name, ("consistent", "always", "never", "possible"))
                         if isinstance(formula, ast.Name) else None)
                findings.append(Finding(
                    "syntax-error",
                    "an expectation outside a scenario needs `always`, `never` or `possible`",
                    decl.span, (Label(decl.span, primary=True),),
                    help=(f"did you mean `expect {meant}`?",) if meant else
                         ("write `expect always ...` or put it under a `scenario ... given ...`",)))
                continue
            expects = (*current.expects,
                       ast.ScenarioExpect(decl.body.formula, decl.span, decl.body.time))
            whole = source.span(current.span.start, decl.span.end)
            current = replace(current, expects=expects, span=whole)
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
