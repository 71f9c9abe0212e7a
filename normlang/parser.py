"""The one place that builds the lark parser and turns lark's errors into findings.

The grammar ships as package data (`normlang/grammar/norm.lark`). The parser is
built once per process, and lark's own cache keeps the built tables on disk so
that later processes start faster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .findings import Finding, Label
from .source import SourceFile, Span

if TYPE_CHECKING:
    import lark

#: words of the language; they cannot name things
KEYWORDS = frozenset({
    "layers", "agent", "enum", "fact", "action", "define", "assume", "constraint", "norm",
    "import", "values", "value", "prefer", "over", "serves", "overrides", "when", "unless",
    "must", "may", "not", "and", "or", "true", "false", "expect", "consistent", "always",
    "never", "possible", "complies", "with", "for", "scenario", "given", "obliged",
    "forbidden", "permitted", "conflict", "bool", "int", "real", "in",
})

#: a declaration starts with one of these words at the start of a line
_DECL_START = re.compile(
    r"^[ \t]*(layers|agent|enum|fact|action|define|assume|constraint|norm|import|value|prefer|"
    r"expect|scenario)\b", re.MULTILINE)

_TOKEN_NAMES = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "MUST_NOT": "`must not`",
    "DEONTIC": "`obliged`, `forbidden` or `permitted`", "CMP_OP": "a comparison",
    "ADD_OP": "`+` or `-`", "MINUS": "`-`", "STAR": "`*`", "$END": "the end of the file",
    "LPAR": "`(`", "RPAR": "`)`", "COMMA": "`,`", "COLON": "`:`", "DOT": "`.`",
    "EQUAL": "`=`", "MORETHAN": "`>`", "LESSTHAN": "`<`", "LBRACE": "`{`", "RBRACE": "`}`",
    "AT": "`@`",
}


def grammar_text() -> str:
    """The grammar, read from the installed package (or the source tree)."""
    try:
        from importlib.resources import files

        return (files("normlang.grammar") / "norm.lark").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return (Path(__file__).resolve().parent.parent / "grammar" / "norm.lark").read_text(
            encoding="utf-8")


@lru_cache(maxsize=1)
def build_parser() -> lark.Lark:
    import lark

    options = dict(parser="lalr", lexer="contextual", propagate_positions=True,
                   maybe_placeholders=False)
    try:
        return lark.Lark(grammar_text(), cache=True, **options)  # type: ignore[arg-type]
    except OSError:  # an unwritable cache folder must not stop anyone
        return lark.Lark(grammar_text(), **options)  # type: ignore[arg-type]


@dataclass
class Parsed:
    tree: lark.Tree | None
    findings: list[Finding]


def parse(source: SourceFile) -> Parsed:
    """Parse a whole file; on syntax errors, report one per broken declaration."""
    import lark

    parser = build_parser()
    try:
        return Parsed(parser.parse(source.text), [])
    except lark.exceptions.LarkError as first:
        findings = _per_declaration_errors(source, parser)
        if not findings:
            findings = [_syntax_finding(source, first)]
        return Parsed(None, findings)


def _per_declaration_errors(source: SourceFile, parser: lark.Lark) -> list[Finding]:
    """Parse each declaration alone (others blanked out, positions kept) to report each error."""
    import lark

    starts = [m.start(1) for m in _DECL_START.finditer(source.text)]
    head = source.text[:starts[0]] if starts else source.text
    if not starts or re.sub(r"#[^\n]*", "", head).strip():
        starts = [0] + starts
    bounds = list(zip(starts, starts[1:] + [len(source.text)]))
    findings: list[Finding] = []
    for start, end in bounds[:200]:
        chunk = _blank(source.text[:start]) + source.text[start:end]
        try:
            parser.parse(chunk)
        except lark.exceptions.LarkError as error:
            findings.append(_syntax_finding(source, error, chunk))
    return findings


def _blank(text: str) -> str:
    """Keep offsets, lines and columns; drop the content."""
    return re.sub(r"[^\n]", " ", text)


def _syntax_finding(source: SourceFile, error: Exception, text: str | None = None) -> Finding:
    import lark

    if isinstance(error, lark.exceptions.UnexpectedToken):
        token = error.token
        start = token.start_pos if token.start_pos is not None else len(source.text)
        end = token.end_pos if token.end_pos is not None else start
        if token.type == "$END":
            start = end = len((source.text if text is None else text).rstrip())
        found = "end of file" if token.type == "$END" else f"`{token}`"
        expected = sorted({_describe(t) for t in error.expected})
        help_lines = (f"expected {_one_of(expected)}",) if expected else ()
        if token.type == "NAME" and str(token) in KEYWORDS:
            found = f"the keyword `{token}`"
        elif token.type != "$END" and str(token) in KEYWORDS and "a name" in expected:
            help_lines += (f"`{token}` is a keyword and cannot be used as a name",)
        span = source.span(start, max(end, start))
        return _finding(span, f"unexpected {found}", help_lines)
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        start = error.pos_in_stream
        span = source.span(start, start + 1)
        char = source.text[start:start + 1]
        return _finding(span, f"unexpected character `{char}`", ())
    if isinstance(error, lark.exceptions.UnexpectedEOF):
        end = len((source.text if text is None else text).rstrip())
        return _finding(source.span(end, end), "unexpected end of file", ())
    return _finding(source.span(0, 0), f"cannot parse the file: {error}", ())


def _finding(span: Span, message: str, help_lines: tuple[str, ...]) -> Finding:
    return Finding("syntax-error", message, span, (Label(span, "here", primary=True),),
                   help=help_lines)


def _describe(terminal: str) -> str:
    if terminal in _TOKEN_NAMES:
        return _TOKEN_NAMES[terminal]
    try:
        pattern = build_parser().get_terminal(terminal).pattern
    except KeyError:
        return terminal.lower()
    return f"`{pattern.value}`" if pattern.type == "str" else terminal.lower()


def _one_of(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    if len(items) > 8:
        return ", ".join(items[:8]) + " or another"
    return ", ".join(items[:-1]) + " or " + items[-1]
