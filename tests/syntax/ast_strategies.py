"""Hypothesis strategies for syntactically valid `.norm` ASTs (names need not resolve)."""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction

from hypothesis import strategies as st

from normlang.syntax import ast
from normlang.syntax.grammar import KEYWORDS
from normlang.syntax.printer import file_text

any_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True).filter(
    lambda n: n not in KEYWORDS)
#: a few names, so that generated specs often refer to what they declare
VOCABULARY = ["a", "b", "p", "q", "x", "y", "E", "v", "w", "n", "m", "lo", "hi", "law", "spec"]
strings = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
BINARY_OPS = ["and", "or", "->", "<->", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*"]


def _number(text: str) -> ast.NumLit:
    mantissa, _, exponent = text.lower().partition("e")
    value = Fraction(mantissa) * Fraction(10) ** int(exponent or "0")
    return ast.NumLit(value, "." not in text and value.denominator == 1, text)


numbers = st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?",
                        fullmatch=True).map(_number)


def _tuple(strategy: st.SearchStrategy, min_size: int = 0, max_size: int = 3) -> st.SearchStrategy:
    return st.lists(strategy, min_size=min_size, max_size=max_size).map(tuple)


def _range(bounds: tuple[int, int]) -> ast.TypeRef:
    return ast.TypeRef("int", low=bounds[0], high=bounds[1])


def expressions(names: st.SearchStrategy[str]) -> st.SearchStrategy[ast.Expr]:
    leaves = st.one_of(
        names.map(ast.Name),
        st.builds(ast.Dotted, names, names),
        st.booleans().map(ast.BoolLit),
        numbers,
        st.just(ast.ConflictAtom()),
    )

    def extend(inner: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
        return st.one_of(
            st.builds(ast.Unary, st.sampled_from(["not", "-"]), inner),
            st.builds(ast.Deontic, st.sampled_from(["obliged", "forbidden", "permitted"]), inner),
            st.builds(ast.Binary, st.sampled_from(BINARY_OPS), inner, inner),
        )

    return st.recursive(leaves, extend, max_leaves=12)


def norms_over(names: st.SearchStrategy[str],
               modalities: tuple[str, ...] = ("must", "must not", "may")
               ) -> st.SearchStrategy[ast.Norm]:
    idents = names.map(ast.Ident)
    exprs = expressions(names)
    maybe = st.none() | exprs
    return st.builds(
        ast.Norm, idents, st.none() | idents, st.none() | strings, _tuple(idents),
        _tuple(st.builds(ast.Override, idents, maybe)), maybe, maybe,
        idents | st.just(ast.Ident("agent")), st.sampled_from(modalities), exprs,
    ).flatmap(lambda n: st.sampled_from([n, replace(n, protected=True)]) if n.modality == "may"
              else st.just(n))  # `protected` only on a permission (else a type-error)


def declarations(names: st.SearchStrategy[str]) -> st.SearchStrategy[ast.Decl]:
    idents = names.map(ast.Ident)
    exprs = expressions(names)
    maybe = st.none() | exprs
    types = st.one_of(
        st.sampled_from([ast.TypeRef("bool"), ast.TypeRef("int"), ast.TypeRef("real")]),
        st.tuples(st.integers(-999, 999), st.integers(-999, 999)).map(_range),
        names.map(lambda n: ast.TypeRef("enum", enum=n)),
    )
    norms = norms_over(names)
    expectations = st.one_of(
        st.just(ast.ExpectConsistent()),
        st.builds(ast.ExpectFormula, st.sampled_from(["always", "never", "possible"]), exprs),
        st.builds(ast.ExpectComplies, idents, idents, _tuple(idents)),
    )
    enums = st.one_of(
        st.builds(ast.Enum, idents, _tuple(idents, 1, 4), st.just(False)),
        st.builds(ast.Enum, idents, _tuple(idents, 2, 4), st.just(True)),
    )
    return st.one_of(
        st.builds(ast.Layers, _tuple(idents, 1, 4)),
        st.builds(ast.Agent, idents),
        enums,
        st.builds(ast.Fact, idents, types),
        st.builds(ast.Action, idents, idents),
        st.builds(ast.Define, idents, exprs),
        st.builds(ast.Assume, exprs),
        st.builds(ast.Constraint, exprs),
        norms,
        st.builds(ast.Import, strings),
        st.builds(ast.ImportValues, strings,
                  _tuple(st.builds(ast.ContextMapping, strings, exprs))),
        st.builds(ast.Value, idents, st.none() | strings),
        st.builds(ast.Prefer, idents, idents, maybe),
        st.builds(ast.Expect, expectations),
        st.builds(ast.Scenario, idents, _tuple(exprs, 1, 3),
                  _tuple(exprs.map(ast.ScenarioExpect), 1, 3)),
    )


def files_over(names: st.SearchStrategy[str], max_decls: int = 6) -> st.SearchStrategy[ast.File]:
    return st.builds(ast.File, st.just("t.norm"), _tuple(declarations(names), 0, max_decls))


exprs = expressions(any_names)
files = files_over(any_names)
#: specs over a small vocabulary: names often resolve, so resolution and typing run deep
small_specs = files_over(st.sampled_from(VOCABULARY), max_decls=12)


# ---------------------------------------------------------------- layout between tokens

#: one token of printed text, found without the lexer under test: a string (which may hold `#`),
#: a word, a number, an operator of several characters, or any other single character
PRINTED_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*'
                           r"|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|<->|->|==|!=|<=|>=|\.\.|\S")
#: words for comments: keywords, and `not` where a lexer could take it for the `not` of
#: `must not` (alone, at the end, inside a word, before punctuation)
COMMENT_WORDS = ["not", "not", "cannot", "must not", "not sure", "must", "knot", "not_x", "not.",
                 "(not)", "#", '"', "obliged", "when", "norm", "expect", "x"]


@st.composite
def gaps(draw: st.DrawFn) -> str:
    """What may stand between two tokens: spaces, line breaks, and comments, each running
    to the end of its line."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(draw(st.sampled_from([" ", "\t", "  ", "\f"])))
        elif kind == 1:
            parts.append(draw(st.sampled_from(["\n", "\r\n", "\n    "])))
        else:
            words = draw(st.lists(st.sampled_from(COMMENT_WORDS), max_size=4))
            parts.append(draw(st.sampled_from([" ", "", "   "])) + "#"
                         + draw(st.sampled_from([" ", ""])) + " ".join(words)
                         + draw(st.sampled_from(["\n", "\r\n"])))
    return "".join(parts)


@st.composite
def laid_out(draw: st.DrawFn, text: str, spaces: int = 2) -> str:
    """`text` with its tokens kept and what separates them redrawn: one space `spaces` times
    in `spaces + 1`, else comments and line breaks (`gaps`); maybe a last comment without a
    newline."""
    tokens = PRINTED_TOKEN.findall(text)
    out = [draw(gaps())] if draw(st.booleans()) else []
    for index, token in enumerate(tokens):
        if index:
            out.append(draw(gaps()) if draw(st.integers(0, spaces)) == 0 else " ")
        out.append(token)
    if draw(st.booleans()):
        out.append(" # " + " ".join(draw(st.lists(st.sampled_from(COMMENT_WORDS), max_size=3))))
    return "".join(out)


@st.composite
def layouts(draw: st.DrawFn, files: st.SearchStrategy[ast.File], spaces: int = 2
            ) -> tuple[str, str]:
    """A printed file, and its tokens `laid_out` anew. Text only: a failing example reads
    as the two texts (hypothesis prints a generated AST as the nested calls that built it,
    in time exponential in its depth)."""
    text = file_text(draw(files))
    return text, draw(laid_out(text, spaces))


#: files of norms alone, mostly `must` ones: the modality `must not` is the one token of two
#: words, and a `not` in a comment after `must` must not complete it
norm_files = st.builds(ast.File, st.just("t.norm"), _tuple(
    norms_over(st.sampled_from(VOCABULARY), ("must", "must", "must not", "may")), 1, 4))


# ---------------------------------------------------------------- time (time.md)

def _durations(names: st.SearchStrategy[str]) -> st.SearchStrategy[ast.Duration]:
    amounts = st.one_of(numbers, names.map(ast.Name), expressions(names))
    return st.builds(ast.Duration, amounts, st.sampled_from(["s", "min", "h", "days"]))


def timed_declarations(names: st.SearchStrategy[str]) -> st.SearchStrategy[ast.Decl]:
    """Declarations using the constructs of time, over `names`."""
    idents = names.map(ast.Ident)
    exprs = expressions(names)
    maybe = st.none() | exprs
    durations = _durations(names)
    triggers = st.one_of(names.filter(lambda n: n != "start").map(lambda n: ast.Trigger("event", n)),
                         st.just(ast.Trigger("start", "start")),
                         st.builds(lambda a, n: ast.Trigger("action", n, a), names, names))
    windows = st.one_of(st.just(ast.Window("eventually")),
                        st.builds(lambda d: ast.Window("within", None, d), durations),
                        st.builds(lambda a, b: ast.Window("between", a, b), durations, durations))
    duties = st.sampled_from(["must", "must not"])
    otherwise = st.builds(ast.Otherwise, maybe, idents, duties, exprs, st.none() | windows)
    branches = st.builds(ast.Branch, exprs, idents, st.sampled_from(["must", "must not", "may"]),
                         exprs, st.none() | windows, _tuple(otherwise, 0, 2))
    norms = st.builds(lambda n, t, w, o, b: replace(n, trigger=t, window=w, otherwise=o,
                                                    branches=b),
                      norms_over(names), st.none() | triggers, st.none() | windows,
                      _tuple(otherwise, 0, 2), _tuple(branches, 0, 2))
    quals = st.one_of(st.builds(lambda d: ast.TimeQualifier("at", d), durations),
                      st.builds(lambda d: ast.TimeQualifier("after", d), durations),
                      st.builds(lambda a, b: ast.TimeQualifier("during", a, b), durations,
                                durations))
    responses = st.builds(lambda items, last: (*items, last),
                          _tuple(st.builds(ast.Response, exprs, windows), 0, 2),
                          st.builds(ast.Response, exprs, st.none() | windows))
    scenarios = st.builds(
        lambda name, occ, given, timed, expects: ast.Scenario(
            name, given, expects, occurrences=occ, timed_given=timed),
        idents, _tuple(st.builds(ast.Occurrences, durations, _tuple(idents, 1, 3)), 1, 2),
        _tuple(exprs, 0, 2), _tuple(st.builds(ast.TimedGiven, exprs, quals), 0, 2),
        _tuple(st.builds(ast.ScenarioExpect, exprs, time=st.none() | quals), 1, 2))
    return st.one_of(
        st.builds(ast.Event, idents),
        st.builds(lambda f: replace(f, varying=True), st.builds(ast.Fact, idents,
                                                                st.just(ast.TypeRef("bool")))),
        st.builds(ast.AssumeBefore, triggers, triggers),
        st.builds(ast.AssumeOn, triggers, maybe, exprs, durations),
        st.builds(lambda t, w, p, u: ast.AssumeOn(t, w, p, None, u), triggers, maybe, exprs,
                  triggers),
        norms,
        st.builds(ast.Expect, st.builds(ast.ExpectTimed, st.sampled_from(
            ["always", "never", "possible"]), triggers, maybe, responses)),
        scenarios,
    )


timed_files = st.builds(ast.File, st.just("t.norm"), _tuple(
    st.one_of(timed_declarations(any_names), declarations(any_names)), 1, 5))
