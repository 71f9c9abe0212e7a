"""Parsing a file: its AST built while parsing, or lark's errors turned into findings.

`parse_ast` is the usual path: it runs the tables of `lalr` and builds the AST in
one pass. `parse` is lark proper, for files the fast path hands back: it gives
lark's parse tree, or one syntax-error finding per broken declaration, with a
did-you-mean for misspelled keywords.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from dataclasses import dataclass
from sys import intern
from typing import TYPE_CHECKING, Any, cast

from ..core.findings import Finding, Label
from ..core.source import SourceFile, Span
from . import lalr
from .grammar import KEYWORDS, build_parser

if TYPE_CHECKING:
    import lark

    from . import ast


#: a declaration starts with one of these words at the start of a line
_DECL_START = re.compile(
    r"^[ \t]*(layers|agent|enum|fact|action|define|assume|constraint|norm|import|value|prefer|"
    r"expect|scenario|event|varying)\b", re.MULTILINE)

_TOKEN_NAMES = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "MUST_NOT": "`must not`",
    "DEONTIC": "`obliged`, `forbidden` or `permitted`", "CMP_OP": "a comparison",
    "ADD_OP": "`+` or `-`", "MINUS": "`-`", "STAR": "`*`", "$END": "the end of the file",
    "LPAR": "`(`", "RPAR": "`)`", "COMMA": "`,`", "COLON": "`:`", "DOT": "`.`",
    "EQUAL": "`=`", "MORETHAN": "`>`", "LESSTHAN": "`<`", "LBRACE": "`{`", "RBRACE": "`}`",
    "LSQB": "`[`", "RSQB": "`]`",
}


# ---------------------------------------------------------------- building the AST while parsing
#
# lark would build a parse tree and `lower.lower` would then walk it: two passes,
# and a tree of lark objects as large as the AST. `parse_ast` runs lark's own
# LALR table and per-state (contextual) lexer regexes in one loop and hands each
# reduction straight to `lower.Builder`, with the children and positions that
# lark's tree would hold (anonymous tokens dropped, `?rules` and `_rules`
# inlined, a node spanning from its first to its last token, parentheses
# included). It only ever handles files that parse: at the first error it gives
# up, and the caller parses with lark proper, which reports the errors.


#: token types whose text is interned: the same names and numbers recur all over a book
_SHARED = frozenset({"NAME", "NUMBER"})


class _Tok:
    """A token of the fast path; has what `lower.Builder` reads of a lark token."""

    __slots__ = ("end_pos", "start_pos", "type", "value")

    def __init__(self, type_: str, value: str, start: int, end: int) -> None:
        self.type = type_
        self.value = value
        self.start_pos = start
        self.end_pos = end

    def __str__(self) -> str:
        return self.value


def parse_ast(source: SourceFile, max_depth: int) -> tuple[ast.File, list[Finding]] | None:
    """The file's AST, built while parsing; None if it does not parse or nests too deep.

    On None the caller parses with `parse` (lark proper), which reports the errors.
    Nesting is measured as lark's tree would be (see `syntax_limits.nesting_problem`).
    """
    tables = lalr.tables()
    if tables is None:
        return None
    from .lower import Builder, finish

    builder = Builder(source)
    build = {name: getattr(builder, name) for name in tables.builders if hasattr(builder, name)}
    text = source.text
    length = len(text)
    rows, lexers, end_state = tables.rows, tables.lexers, tables.end_state
    reductions, kept, units = tables.reductions, tables.kept, tables.units
    states = [tables.start_state]
    #: (value, start offset, end offset, tree height) per stack entry; a token's value is
    #: a `_Tok` if some rule keeps it as a child, else None; tokens have height -1
    stack: list[tuple[Any, Any, Any, int]] = []
    pos = start = 0
    while True:
        regex, ignored, keywords = lexers[states[-1]]
        while pos < length:
            match = regex.match(text, pos)
            if match is None:
                return None
            type_ = match.lastgroup
            start, pos = pos, match.end()
            if type_ not in ignored:
                break
        else:
            type_ = "$END"
        token: _Tok | None = None
        if type_ in keywords:
            type_ = keywords[type_].get(match.group(), type_)  # type: ignore[union-attr]
        if type_ in kept:
            value = match.group()  # type: ignore[union-attr]
            if type_ in _SHARED:  # one string per name, not one per use
                value = intern(value)
            token = _Tok(type_, value, start, pos)
        while True:
            state = states[-1]
            action = rows[state].get(type_)  # type: ignore[arg-type]
            if action is None:
                return None
            if action >= 0:
                if type_ == "$END":
                    return None
                states.append(action)
                stack.append((token, start, pos, -1))
                break
            rule = reductions[~action]
            if rule.unit:
                # `?expr: iff`, `?iff: implies`, ...: a run of these leaves the stack as it
                # is and only replaces the top state, by one that depends on the state
                # below, the top state and the lookahead alone
                key = (states[-2], state, type_)
                top = units.get(key)  # type: ignore[arg-type]
                if top is None:
                    top = units[key] = _unit_run(tables, key)  # type: ignore[index,arg-type]
                states[-1] = top
            else:
                size = rule.size
                if size:
                    children = stack[-size:]
                    del stack[-size:]
                    del states[-size:]
                else:  # only `start`, of an empty file
                    children = []
                entry = _reduce(rule, children, build)
                if entry[3] > max_depth:
                    return None
                stack.append(entry)
                states.append(rows[states[-1]][rule.origin])
            if type_ == "$END" and states[-1] == end_state:
                return finish(stack[-1][0], builder)


def _unit_run(tables: lalr.Tables, key: tuple[int, int, str]) -> int:
    """The top state after reducing by unit rules from `key` = (state below, top, lookahead)."""
    below, state, lookahead = key
    while state != tables.end_state:
        action = tables.rows[state].get(lookahead)
        if action is None or action >= 0 or not tables.reductions[~action].unit:
            break
        state = tables.rows[below][tables.reductions[~action].origin]
    return state


def _reduce(rule: lalr.Reduce, children: list[tuple[Any, Any, Any, int]],
            build: dict[str, Any]) -> tuple[Any, Any, Any, int]:
    """The stack entry that replaces `children` (the rule's, popped)."""
    if children:
        start, end = children[0][1], children[-1][2]
        height = children[0][3] if len(children) == 1 else max([c[3] for c in children])
    else:
        start = end = None
        height = -1
    kept: list[Any] = []
    for index, inline in rule.keep:
        if not inline:
            kept.append(children[index][0])
        elif kept:
            kept.extend(children[index][0])
        else:  # the list of a left-recursive `_rule` grows in place, as in lark
            kept = children[index][0]
    if rule.builder is None:  # an inlined `_rule`: its children join the parent's
        return kept, start, end, height
    if rule.expand1 and len(kept) == 1:
        return kept[0], start, end, height
    method = build.get(rule.builder)
    if method is None:
        raise ValueError(f"unexpected rule {rule.builder}")
    return method(kept, start, end), start, end, height + 1


@dataclass
class Parsed:
    """A file parsed by lark: its tree (None when it does not parse) and the problems found."""

    tree: lark.Tree[lark.Token] | None
    findings: list[Finding]


def parse(source: SourceFile) -> Parsed:
    """Parse a whole file; on syntax errors, report one per broken declaration."""
    import lark

    parser = build_parser()
    try:
        return Parsed(parser.parse(source.text), [])
    except lark.exceptions.LarkError as first:
        findings = _per_declaration_errors(source, parser, _error_offset(first, source))
        if not findings:
            findings = [_syntax_finding(source, first)]
        return Parsed(None, findings)


def _error_offset(error: Exception, source: SourceFile) -> int:
    import lark

    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        return int(error.pos_in_stream or 0)
    token = getattr(error, "token", None)
    if token is not None and token.type != "$END" and token.start_pos is not None:
        return int(token.start_pos)
    return len(source.text)


def _per_declaration_errors(source: SourceFile, parser: lark.Lark,
                            first_error: int) -> list[Finding]:
    """Parse each declaration from the first broken one on alone, to report each error.

    Declarations are independent, so those before the first error are known good.
    """
    import lark

    starts = [m.start(1) for m in _DECL_START.finditer(source.text)]
    head = source.text[:starts[0]] if starts else source.text
    if not starts or re.sub(r"#[^\n]*", "", head).strip():
        starts = [0, *starts]
    bounds = list(zip(starts, [*starts[1:], len(source.text)]))
    broken = max(0, bisect.bisect_right(starts, first_error) - 1)
    findings: list[Finding] = []
    # a broken declaration may swallow the next one's keyword as a name, so the
    # whole-file error can surface one or two declarations after the real mistake
    for start, end in bounds[max(0, broken - 2):]:
        try:
            parser.parse(source.text[start:end])
        except lark.exceptions.LarkError as error:
            findings.append(_syntax_finding(source, error, end, offset=start))
            if len(findings) >= MAX_SYNTAX_ERRORS:
                break
    return findings


#: a file with more broken declarations than this reports only the first ones
MAX_SYNTAX_ERRORS = 100


def _syntax_finding(source: SourceFile, error: Exception, chunk_end: int | None = None,
                    offset: int = 0) -> Finding:
    """One lark error as a finding.

    When a declaration was parsed alone, `offset` is where it starts in the file and
    `chunk_end` where it ends.
    """
    import lark

    if isinstance(error, lark.exceptions.UnexpectedToken):
        expected = _expected(error.expected)
        if error.token.type == "$END":
            return _unexpected_end(source, chunk_end, expected)
        token = error.token
        start = offset + token.start_pos if token.start_pos is not None else len(source.text)
        end = offset + token.end_pos if token.end_pos is not None else start
        found = f"`{token}`"
        help_lines: tuple[str, ...] = (f"expected {expected}",) if expected else ()
        if token.type == "CMP_OP":
            help_lines = ("comparisons do not chain: write `a < b and b < c`",)
        if str(token) in KEYWORDS:
            found = f"keyword `{token}`"
            if "a name" in expected:
                help_lines += (f"`{token}` is a keyword and cannot be used as a name",)
        elif token.type == "NAME":
            help_lines = _misspelled_keyword(str(token), error.expected) + help_lines
        if not any(line.startswith("did you mean") for line in help_lines):
            help_lines = _misspelled_word_before(source.text, start) + help_lines
        modality = _word_before(source.text, start)
        if "`must`" in expected and modality in ("must", "may"):
            # the agent is missing: the modality was read as the agent's name
            missing = (f"`{modality}` was read as the norm's agent: name the agent before it "
                       f"(`norm NAME AGENT must ...`)")
            help_lines = (missing, *help_lines)
        span = source.span(start, max(end, start))
        return _finding(span, f"unexpected {found}", help_lines)
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        start = offset + (error.pos_in_stream or 0)
        span = source.span(start, start + 1)
        char = source.text[start:start + 1]
        shown = f"`{char}`" if char.isprintable() and char != "`" else repr(char)
        help_lines = ("a string ends on the line where it starts",) if char == '"' else ()
        return _finding(span, f"unexpected character {shown}", help_lines)
    if isinstance(error, lark.exceptions.UnexpectedEOF):
        return _unexpected_end(source, chunk_end, _expected(cast("list[str]", error.expected)))
    return _finding(source.span(0, 0), "cannot parse the file", ())


def _misspelled_keyword(word: str, terminals: set[str] | frozenset[str]) -> tuple[str, ...]:
    """A did-you-mean for a name where only keywords may stand (`agnet`, `mist`)."""
    from ..core.suggest import closest

    words = [d.strip("`") for d in map(_describe, terminals) if re.fullmatch(r"`[a-z ]+`", d)]
    close = closest(word, words)
    return (f"did you mean `{close}`?",) if close is not None else ()


#: keywords that a misspelling turns into a name the parser takes, so that the error comes
#: one word later (`expect alway f`, `norm n overides m ...`, `norm n whn f ...`)
_MISREAD_KEYWORDS = ("always", "never", "possible", "consistent", "overrides", "serves",
                     "protected", "when", "unless", "given", "complies", "with", "obliged", "forbidden", "permitted")


def _misspelled_word_before(text: str, start: int) -> tuple[str, ...]:
    """A did-you-mean for the word just before an unexpected token, when that word reads as
    a misspelled keyword."""
    from ..core.suggest import closest

    word = _word_before(text, start)
    if word is None or word in KEYWORDS:
        return ()
    close = closest(word, _MISREAD_KEYWORDS, cutoff=0.75)
    return (f"did you mean `{close}` instead of `{word}`?",) if close else ()


def _word_before(text: str, start: int) -> str | None:
    """The word just before `start` (spaces and line breaks between them), if any."""
    before = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", text[max(0, start - 200):start])
    return before.group(1) if before else None


def _unexpected_end(source: SourceFile, chunk_end: int | None, expected: str) -> Finding:
    """The declaration stops early: at the end of the file, or where the next one starts."""
    help_lines = (f"expected {expected}",) if expected else ()
    if chunk_end is None or chunk_end >= len(source.text):
        end = len(source.text.rstrip())
        return _finding(source.span(end, end), "unexpected end of file", help_lines)
    word = re.match(r"[A-Za-z_]+", source.text[chunk_end:])
    span = source.span(chunk_end, chunk_end + (word.end() if word else 0))
    return _finding(span, f"unexpected `{source.text[span.start:span.end]}`: the declaration "
                          f"before it is incomplete", help_lines)


_DECLARATION_WORDS = {"`layers`", "`agent`", "`enum`", "`fact`", "`action`", "`define`",
                      "`assume`", "`constraint`", "`norm`", "`import`", "`value`", "`prefer`",
                      "`expect`", "`scenario`", "`event`", "`varying`"}
_EXPRESSION_STARTS = {"`(`", "`not`", "`true`", "`false`", "a number", "a name"}


#: words of time that may follow or start nearly anything: named only when nothing else
#: fits, so that the errors of specs without time read as they did before time
_TIME_WORDS = {"`on`", "`within`", "`eventually`", "`otherwise`", "`at`", "`during`",
               "`after`", "`until`", "`before`", "`then`"}


def _expected(terminals: Collection[str]) -> str:
    """What the parser wanted, in words: grouped as `a declaration` or `an expression`."""
    described = {_describe(t) for t in terminals}
    if not described <= _TIME_WORDS:
        described -= _TIME_WORDS
    groups = []
    if len(described & _DECLARATION_WORDS) >= 3:
        described -= _DECLARATION_WORDS
        groups.append("a declaration (`norm`, `fact`, `agent`, ...)")
    if described >= _EXPRESSION_STARTS:
        described -= _EXPRESSION_STARTS | {"`-`", "`conflict`",
                                           "`obliged`, `forbidden` or `permitted`"}
        groups.append("an expression")
    return _one_of(groups + sorted(described))


def _finding(span: Span, message: str, help_lines: tuple[str, ...]) -> Finding:
    return Finding("syntax-error", message, span, (Label(span, primary=True),),
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
    if len(items) <= 1:
        return "".join(items)
    if len(items) > 8:
        return ", ".join(items[:8]) + ", ..."
    return ", ".join(items[:-1]) + " or " + items[-1]
