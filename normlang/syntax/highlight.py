"""A Pygments lexer for `.norm` files, so docs (Sphinx, MkDocs) and tools highlight them.

Registered through the `pygments.lexers` entry point as `norm`; `normcheck`
never imports this module, so pygments stays an optional dependency.

The keyword tuples below are the single list of the language's reserved words
for highlighters: `editors/norm.tmLanguage.json` is tested against them, and
they are tested against the string literals of `grammar/norm.lark`.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

#: words that start a declaration or a check
DECLARATIONS = ("layers", "agent", "enum", "fact", "action", "define", "assume", "constraint",
                "norm", "import", "value", "prefer", "expect", "scenario")
#: words inside a declaration: norm headers and conditions, check forms, `prefer ... over`
CLAUSES = ("serves", "overrides", "protected", "when", "unless", "values", "over", "consistent",
           "always", "never", "possible", "complies", "with", "for", "given", "in")
#: the modalities of a norm; `must not` is `must` followed by the logical `not`
MODALITIES = ("must", "may")
#: deontic operators of expectations, and the `conflict` atom
DEONTIC = ("obliged", "forbidden", "permitted", "conflict")
#: logical connectives written as words
LOGICAL = ("and", "or", "not")
#: built-in types of facts
TYPES = ("bool", "int", "real")
#: literal constants
CONSTANTS = ("true", "false")

#: every reserved word, for the tests that keep grammar, lexer and TextMate grammar in step
KEYWORDS = frozenset(DECLARATIONS + CLAUSES + MODALITIES + DEONTIC + LOGICAL + TYPES + CONSTANTS)

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# a declared name right after its keyword, unless it is itself a keyword (`agent must ...`)
_DECLARED = r"(?!(?:" + "|".join(sorted(KEYWORDS)) + r")\b)(" + _NAME + r")"
_SPACE = r"[ \t\r\n]+"



def _groups(*types: object) -> object:
    """Pygments' `bygroups`, which its type stubs leave untyped."""
    return bygroups(*types)  # type: ignore[no-untyped-call]

class NormLexer(RegexLexer):
    """Lexer for normlang `.norm` files (norms, facts, expectations, scenarios)."""

    name = "normlang"
    aliases: ClassVar[list[str]] = ["norm", "normlang"]
    filenames: ClassVar[list[str]] = ["*.norm"]
    mimetypes: ClassVar[list[str]] = ["text/x-norm"]
    url = "https://github.com/normlang/normlang"

    tokens: ClassVar[dict[str, list[object]]] = {
        "root": [
            (r"[ \t\r\n]+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"([^"\\\n]|\\.)*"', String.Double),
            (r"(norm|scenario)(" + _SPACE + r")" + _DECLARED,
             _groups(Keyword.Declaration, Whitespace, Name.Function)),
            (r"(enum)(" + _SPACE + r")" + _DECLARED,
             _groups(Keyword.Declaration, Whitespace, Name.Class)),
            (r"(fact|define)(" + _SPACE + r")" + _DECLARED,
             _groups(Keyword.Declaration, Whitespace, Name.Variable)),
            (r"(agent|value)(" + _SPACE + r")" + _DECLARED,
             _groups(Keyword.Declaration, Whitespace, Name.Constant)),
            (r"(must)(" + _SPACE + r")(not)\b", _groups(Keyword.Reserved, Whitespace,
                                                          Keyword.Reserved)),
            (r"@" + _NAME, Name.Decorator),
            (words(DECLARATIONS, suffix=r"\b"), Keyword.Declaration),
            (words(CLAUSES, suffix=r"\b"), Keyword),
            (words(MODALITIES, suffix=r"\b"), Keyword.Reserved),
            (words(DEONTIC, suffix=r"\b"), Operator.Word),
            (words(LOGICAL, suffix=r"\b"), Operator.Word),
            (words(TYPES, suffix=r"\b"), Keyword.Type),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (r"[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?", Number.Float),
            (r"[0-9]+[eE][+-]?[0-9]+", Number.Float),
            (r"[0-9]+", Number.Integer),
            (r"(" + _NAME + r")(\.)(" + _NAME + r")",
             _groups(Name, Punctuation, Name.Attribute)),
            (_NAME, Name),
            (r"<->|->|==|!=|<=|>=|\.\.|[<>=+\-*]", Operator),
            (r"[{}(),.:\[\]]", Punctuation),
        ],
    }


__all__ = [
    "CLAUSES",
    "CONSTANTS",
    "DECLARATIONS",
    "DEONTIC",
    "KEYWORDS",
    "LOGICAL",
    "MODALITIES",
    "TYPES",
    "NormLexer",
]
