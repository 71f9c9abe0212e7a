"""Reading SLEEC rule files (`.sleec`, the language of N-Check): parsed with the grammar in
`grammar/sleec.lark`, then lowered to the same AST a `.norm` file gives: by
`sleec_instant` when the file uses no time (read at one instant, in the language without
time), else by `sleec_lower` (rules as triggered norms, with their windows).

`read_sleec` is the entry point: the file's AST, or the findings that say why there is
none (syntax errors, and the SLEEC constructs that have no faithful meaning in normlang,
each refused with an error that names its rule). docs/sleec.md lists the constructs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.findings import Finding, Label
from ..core.source import SourceFile, Span
from .grammar import cache_file

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator

    import lark

    from . import ast

#: the file name ending that `normcheck` reads as SLEEC
SLEEC_SUFFIX = ".sleec"

_TOKEN_NAMES = {
    "NAME": "a name", "INT": "a whole number", "$END": "the end of the file",
    "LPAR": "`(`", "RPAR": "`)`", "LBRACE": "`{`", "RBRACE": "`}`", "LSQB": "`[`",
    "RSQB": "`]`", "COMMA": "`,`", "COLON": "`:`", "EQUAL": "`=`",
}

#: where each block of a SLEEC file may end, for "the block before it is incomplete"
_BLOCK_WORDS = ("def_start", "def_end", "rule_start", "rule_end", "concern_start",
                "concern_end", "purpose_start", "purpose_end", "relation_start", "relation_end")


def is_sleec(path: str | Path) -> bool:
    """Whether `path` names a SLEEC file (by its ending)."""
    return str(path).endswith(SLEEC_SUFFIX)


def grammar_text() -> str:
    """The SLEEC grammar, read from the installed package (or the source tree)."""
    from importlib.util import find_spec

    try:
        package = find_spec("normlang.grammar")
        if package is not None and package.origin:
            return Path(package.origin).with_name("sleec.lark").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        pass
    # the source tree: normlang/syntax/sleec.py -> grammar/sleec.lark at the top
    return (Path(__file__).resolve().parents[2] / "grammar" / "sleec.lark").read_text(
        encoding="utf-8")


class _WholeWords:
    """A post-lexer that changes no token; it has every state's lexer know `NAME`, so that
    where only a keyword may stand a longer word is read whole (`whenx` is not `when x`)."""

    always_accept = ("NAME",)

    def process(self, stream: Iterator[lark.Token]) -> Iterator[lark.Token]:
        return stream


@lru_cache(maxsize=1)
def build_parser() -> lark.Lark:
    """The SLEEC parser of the process, built on first use (lark caches its tables)."""
    import lark

    grammar = grammar_text()
    options = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True,
               "maybe_placeholders": False, "postlex": _WholeWords()}
    try:
        return lark.Lark(grammar, cache=cache_file(grammar), **options)
    except OSError:  # an unwritable or unreadable cache must not stop anyone
        return lark.Lark(grammar, **options)


def read_sleec(source: SourceFile, max_depth: int = 200,
               timed: bool = False) -> tuple[ast.File | None, list[Finding]]:
    """A SLEEC file's AST, lowered as docs/sleec.md says; None with the findings that say
    why (a syntax error, a tree nested deeper than `max_depth`, or a construct normcheck
    refuses). The timed reading reads a file that uses time, or any file when `timed`."""
    import lark

    from .limits import nesting_problem
    from .sleec_instant import InstantReading, uses_time
    from .sleec_lower import TimedReading

    try:
        tree = build_parser().parse(source.text)
    except lark.exceptions.LarkError as error:
        return None, [syntax_finding(source, error)]
    deep = nesting_problem(tree, source, max_depth)
    if deep is not None:
        return None, [deep]
    reading = TimedReading if timed or uses_time(tree) else InstantReading
    return reading(source).file(tree)


# ---------------------------------------------------------------- syntax errors


def syntax_finding(source: SourceFile, error: Exception) -> Finding:
    """One lark error as a `syntax-error` finding with a caret and what was expected."""
    import lark

    if isinstance(error, lark.exceptions.UnexpectedToken):
        # what the parser accepts here (`expected` is the lexer's view, keywords folded
        # into `NAME`)
        parser = error.interactive_parser
        accepted: Collection[str] = (parser.accepts()  # type: ignore[no-untyped-call]
                                     if parser is not None else error.expected)
        expected = _expected(accepted)
        help_lines: tuple[str, ...] = (f"expected {expected}",) if expected else ()
        token = error.token
        if token.type == "$END":
            end = len(source.text.rstrip())
            return _finding(source.span(end, end), "unexpected end of file", help_lines)
        start = token.start_pos if token.start_pos is not None else len(source.text)
        end = token.end_pos if token.end_pos is not None else start
        help_lines = (_did_you_mean(str(token), accepted)
                      or _misspelled_word_before(source.text, start)) + help_lines
        if str(token) in ("and", "or"):
            help_lines += ("SLEEC conditions are fully parenthesised: `({a} and {b})`, "
                           "`((not {a}) or {b})`",)
        if str(token) in _BLOCK_WORDS:
            help_lines += (f"`{token}` ends or starts a block: the declaration before it "
                           f"is incomplete",)
        span = source.span(start, max(end, start))
        return _finding(span, f"unexpected `{token}`{_in_rule(source, start)}", help_lines)
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        start = error.pos_in_stream or 0
        char = source.text[start:start + 1]
        shown = f"`{char}`" if char.isprintable() and char != "`" else repr(char)
        hint = ("comments in SLEEC start with `//`",) if char == "#" else ()
        return _finding(source.span(start, start + 1),
                        f"unexpected character {shown}{_in_rule(source, start)}", hint)
    if isinstance(error, lark.exceptions.UnexpectedEOF):
        end = len(source.text.rstrip())
        return _finding(source.span(end, end), "unexpected end of file", ())
    return _finding(source.span(0, 0), "cannot parse the file", ())


_RULE_START = re.compile(r"^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]+(when|exists)\b", re.MULTILINE)


def _in_rule(source: SourceFile, offset: int) -> str:
    """` (rule `R`)` (or concern, purpose) when `offset` lies in one (the last one begun
    before it, in the same block), for the message."""
    last = None
    for last in _RULE_START.finditer(source.text, 0, offset):  # noqa: B007 (the last one)
        pass
    if last is None:
        return ""
    block, word = max((source.text.rfind(word, 0, offset), word) for word in _BLOCK_WORDS)
    what = {"rule_start": "rule", "concern_start": "concern", "purpose_start": "purpose"}
    if last.start() < block or word not in what:
        return ""
    return f" ({what[word]} `{last.group(1)}`)"


def _did_you_mean(word: str, terminals: Collection[str]) -> tuple[str, ...]:
    from ..core.suggest import closest

    words = [d.strip("`") for d in map(_describe, terminals) if re.fullmatch(r"`[a-zA-Z_]+`", d)]
    close = closest(word, words)
    return (f"did you mean `{close}`?",) if close is not None and close != word else ()


#: words that a misspelling turns into a name the parser takes (the rule name of a next
#: rule), so that the error comes one word later
_KEYWORDS = ("when", "then", "and", "within", "eventually", "otherwise", "unless", "else",
             "exists", "while", "meanwhile", "until", "for", "not", "seconds", "minutes",
             "hours", "days")


def _misspelled_word_before(text: str, start: int) -> tuple[str, ...]:
    from ..core.suggest import closest

    before = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", text[max(0, start - 200):start])
    if before is None or before.group(1) in _KEYWORDS:
        return ()
    close = closest(before.group(1), _KEYWORDS, cutoff=0.75)
    return (f"did you mean `{close}` instead of `{before.group(1)}`?",) if close else ()


def _expected(terminals: Collection[str]) -> str:
    described = sorted({_describe(t) for t in terminals})
    if len(described) <= 1:
        return "".join(described)
    if len(described) > 8:
        return ", ".join(described[:8]) + ", ..."
    return ", ".join(described[:-1]) + " or " + described[-1]


def _describe(terminal: str) -> str:
    if terminal in _TOKEN_NAMES:
        return _TOKEN_NAMES[terminal]
    try:
        pattern = build_parser().get_terminal(terminal).pattern
    except KeyError:
        return terminal.lower()
    return f"`{pattern.value}`" if pattern.type == "str" else terminal.lower()


def _finding(span: Span, message: str, help_lines: tuple[str, ...]) -> Finding:
    return Finding("syntax-error", message, span, (Label(span, primary=True),), help=help_lines)
