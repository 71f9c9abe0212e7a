"""The formatter: one canonical layout of a `.norm` file, every comment kept in its place.

It works on the file's tokens, not on the printed AST, so that the text of every token
(parentheses, strings, numbers, `given p = q`) and every comment stays as written; the
parse tree only says where declarations start. The layout:

- one declaration per line; a norm is its `norm NAME ...headers` line, then its `on`, each
  `when` / `unless`, its duty (`AGENT MODALITY TARGET [WINDOW]`), each `otherwise` and each
  `unless C then` branch on lines of their own, indented by two;
  a scenario is `scenario NAME`, then each `at T E, ...` line, its `given` line and each
  `expect` line, indented;
  an `import values` mapping has one entry per line;
- one space between tokens, none inside parentheses, before `,` `:` `)` or around `.`,
  `..`, after `@` and a prefix `-`;
- blank lines between declarations (and the comments before them) as written, at most
  one; none inside a declaration; one newline at the end;
- a comment that follows code on its line stays at the end of the line of the token it
  follows (two spaces before it); a comment on a line of its own stays on a line of its
  own, before the token that follows it, at that line's indentation. A line broken for a
  comment goes on four spaces deeper.

Long lines are not wrapped. `format_source` refuses text that does not parse
(`UnparsableSource`, with the parser's findings) and checks what it gives: the same
declarations (spans aside) and the same comments in the same order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from ..core.findings import Finding
from ..core.newlines import universal_newlines
from ..core.source import SourceFile
from . import ast
from .grammar import KEYWORDS


class UnparsableSource(ValueError):
    """The text does not parse: `findings` are its `syntax-error`s, as `normcheck` reports them."""

    def __init__(self, path: str, findings: list[Finding]) -> None:
        first = findings[0] if findings else None
        where = f"{first.span}: {first.message}" if first is not None else path
        super().__init__(f"cannot format {path}: {where}")
        self.path = path
        self.findings = findings


class FormatterBug(RuntimeError):
    """The layout would change the file's meaning or its comments: a bug in normlang."""


def format_source(text: str, path: str = "<string>") -> str:
    """`text` in the canonical layout (see the module's docs). Raises `UnparsableSource`
    for text with a syntax error, and never returns text that means something else."""
    text = universal_newlines(text)
    parsed = parse_file(text, path)
    newline = "\r\n" if "\r\n" in text[:text.find("\n") + 1] else "\n"
    lines = _aligned(_Layout(text, parsed).lines())
    out = "".join(line + "\n" for line in lines)
    _verify(text, out, parsed, path)
    return out.replace("\n", newline) if newline != "\n" else out


def parse_file(text: str, path: str = "<string>", max_nesting: int = 200) -> ast.File:
    """The AST of `text`, or `UnparsableSource` with its syntax errors (as the loader
    finds them: nesting limits, the fast parser, then lark's own errors)."""
    from .limits import nesting_problem, parenthesis_problem
    from .lower import lower
    from .parser import parse, parse_ast

    source = SourceFile(path, text)
    too_deep = parenthesis_problem(source, max_nesting)
    if too_deep is not None:
        raise UnparsableSource(path, [too_deep])
    built = parse_ast(source, max_nesting)
    if built is None:
        parsed = parse(source)
        if parsed.tree is None:
            raise UnparsableSource(path, parsed.findings)
        deep = nesting_problem(parsed.tree, source, max_nesting)
        if deep is not None:
            raise UnparsableSource(path, [deep])
        built = lower(parsed.tree, source)
    file, problems = built
    if problems:
        raise UnparsableSource(path, problems)
    return file


#: a string (which may hold `#`) or a comment: enough to find the comments of text that parses
_COMMENT_OR_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def comments(text: str) -> list[str]:
    """The comments of `text` (which parses) in order, each without the spaces that end
    its line."""
    return [m.group().rstrip() for m in _COMMENT_OR_STRING.finditer(universal_newlines(text))
            if m.group().startswith("#")]


#: an output line: its code (with its indentation) and the comment that ends it, if any
_Line = tuple[str, str | None]


def _aligned(lines: list[_Line]) -> list[str]:
    """The lines as text; the comments that end a run of consecutive lines of code start in
    one column, two spaces after the longest code of the run."""
    out: list[str] = []
    run: list[_Line] = []
    for line in [*lines, ("", None)]:
        if line[1] is not None and line[0].strip():
            run.append(line)
            continue
        width = max((len(code) for code, _ in run), default=0)
        out.extend(f"{code.ljust(width)}  {comment}" for code, comment in run)
        run = []
        out.append(line[0])
    return out[:-1]


def _verify(before: str, after: str, parsed: ast.File, path: str) -> None:
    try:
        again = parse_file(after, path)
    except UnparsableSource as problem:
        raise FormatterBug(f"the formatted {path} does not parse: {problem}") from None
    if again.decls != parsed.decls:
        raise FormatterBug(f"formatting {path} would change its declarations")
    if comments(before) != comments(after):
        raise FormatterBug(f"formatting {path} would change its comments")


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "comment", "string", "word", "number", "op"
    text: str
    start: int
    end: int


_SCAN = re.compile(r"""
    (?P<space>[ \t\f\r\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<op><->|->|==|!=|<=|>=|\.\.|.)
""", re.VERBOSE | re.DOTALL)


def _scan(text: str) -> list[_Token]:
    """Tokens and comments, as the grammar's lexer reads them (a `must not` is two words
    here, with whatever comments stand between them)."""
    out = []
    for match in _SCAN.finditer(text):
        kind = match.lastgroup or "op"
        if kind == "space":
            continue
        value = match.group().rstrip() if kind == "comment" else match.group()
        out.append(_Token(kind, value, match.start(), match.end()))
    return out


#: words that end an operand, so that a `-` after them is a subtraction
_OPERAND_WORDS = frozenset({"true", "false", "conflict"})
_NO_SPACE_BEFORE = frozenset({",", ")", "]", ".", "..", ":"})
_NO_SPACE_AFTER = frozenset({"(", "[", ".", "..", "@"})
#: the clauses of a norm and a scenario that start lines of their own
_NORM_CLAUSES = frozenset({"when", "unless"})
_MODALITIES = frozenset({"must", "may"})


def _ends_operand(token: _Token) -> bool:
    if token.kind == "word":
        return token.text not in KEYWORDS or token.text in _OPERAND_WORDS
    return token.kind in ("number", "string") or token.text == ")"


# ---------------------------------------------------------------- layout


#: one output line in the making: its indentation and the token indices on it
_Segment = tuple[int, list[int]]


class _Layout:
    """The lines of one file: tokens grouped into segments (lines before comments break
    them), comments attached to the token they follow on their line or precede."""

    def __init__(self, text: str, file: ast.File) -> None:
        scanned = _scan(text)
        self.text = text
        self.tokens = [t for t in scanned if t.kind != "comment"]
        #: own-line comments before token i (and, at len(tokens), after the last one)
        self.leading: dict[int, list[_Token]] = {}
        #: the comment after token i on its line
        self.trailing: dict[int, _Token] = {}
        index = 0
        for tok in scanned:
            if tok.kind != "comment":
                index += 1
                continue
            line_start = text.rfind("\n", 0, tok.start) + 1
            if index and not text[line_start:tok.start].strip():
                self.leading.setdefault(index, []).append(tok)
            elif index:
                self.trailing[index - 1] = tok
            else:
                self.leading.setdefault(0, []).append(tok)
        self.starts = starts = {t.start: i for i, t in enumerate(self.tokens)}
        decl_starts = []
        #: a norm's declaration by its first token (its time clauses are cut by their spans)
        self.norms = {starts[d.span.start]: d for d in file.decls
                      if isinstance(d, ast.Norm) and d.span.start in starts}
        for decl in file.decls:
            if decl.span.start not in starts:
                raise FormatterBug(f"a declaration of {file.path} starts inside a token")
            decl_starts.append(starts[decl.span.start])
        self.decls = list(zip(decl_starts, [*decl_starts[1:], len(self.tokens)]))
        #: tokens whose own-line comments are printed already (a declaration's first)
        self.printed: set[int] = set()
        self.unary = {i for i, t in enumerate(self.tokens)
                      if t.text == "-" and not (i and _ends_operand(self.tokens[i - 1]))}

    def lines(self) -> list[_Line]:
        out: list[_Line] = []
        for first, end in self.decls:
            self._blank_line(out, self._before(first))
            self._comments(out, first, 0, blank_lines=True)
            if first in self.leading:
                self._blank_line(out, self.tokens[first].start)
            self.printed.add(first)
            for indent, items in self._segments(first, end):
                self._segment(out, indent, items)
        tail = self.leading.get(len(self.tokens), [])
        if tail:
            self._blank_line(out, tail[0].start)
            self._comments(out, len(self.tokens), 0, blank_lines=True)
        return out

    # ------------------------------------------------------------ blank lines and comments

    def _before(self, index: int) -> int:
        """Where the first thing printed for token `index` starts: its first own-line
        comment, else the token."""
        leading = self.leading.get(index)
        return leading[0].start if leading else self.tokens[index].start

    def _blank_line(self, out: list[_Line], start: int) -> None:
        """A blank line before what starts at `start`, if one was written there."""
        line_start = self.text.rfind("\n", 0, start) + 1
        if not out or out[-1] == ("", None) or line_start == 0 or self.text[line_start:start].strip():
            return
        if self.text[:line_start - 1].rstrip(" \t\f\r").endswith("\n"):
            out.append(("", None))

    def _comments(self, out: list[_Line], index: int, indent: int, blank_lines: bool = False) -> None:
        for number, comment in enumerate(self.leading.get(index, [])):
            if blank_lines and number:
                self._blank_line(out, comment.start)
            out.append((" " * indent + comment.text, None))

    # ------------------------------------------------------------ segments

    def _segments(self, first: int, end: int) -> list[_Segment]:
        """A declaration's tokens (`first` to `end`) cut into the lines of the layout."""
        word = self.tokens[first].text
        deeper: set[int] = set()
        if word == "norm":
            cuts = self._norm_cuts(first, end)
            deeper = self._branch_repairs(first)
        elif word == "scenario":
            cuts = [i for i in range(first + 1, end) if self.tokens[i].text in ("given", "expect")]
            # each `at T E, ...` before them lists occurrences, on a line of its own
            head = cuts[0] if cuts else end
            cuts = [i for i in range(first + 2, head) if self.tokens[i].text == "at"] + cuts
        elif word == "import" and any(self.tokens[i].text == "{" for i in range(first, end)):
            return self._mapping(first, end)
        else:
            cuts = []
        bounds = [first, *cuts, end]
        return [(0 if n == 0 else 4 if a in deeper else 2, list(range(a, b)))
                for n, (a, b) in enumerate(pairwise(bounds))]

    def _norm_cuts(self, first: int, end: int) -> list[int]:
        cuts = self._time_cuts(first)
        depth = 0
        for i in range(first + 1, end):
            text = self.tokens[i].text
            depth += (text == "(") - (text == ")")
            if depth:
                continue
            if text in _NORM_CLAUSES:
                cuts.append(i)
            elif text in _MODALITIES:
                cuts.append(i - 1)  # the agent
                break
        return sorted(set(cuts))

    def _time_cuts(self, first: int) -> list[int]:
        """Where a norm's `on T`, each `otherwise` and each `unless C then` branch start: lines
        of their own (found by the AST's spans: `on` and the units are names elsewhere)."""
        norm = self.norms.get(first)
        if norm is None:
            return []
        starts = self.starts
        cuts = []
        if norm.trigger is not None and norm.trigger.span.start in starts:
            cuts.append(starts[norm.trigger.span.start] - 1)  # the `on` before the trigger
        repairs: list[ast.Otherwise | ast.Branch] = [*norm.otherwise, *norm.branches,
                                                     *(step for branch in norm.branches
                                                       for step in branch.otherwise)]
        cuts.extend(starts[step.span.start] for step in repairs if step.span.start in starts)
        return cuts

    def _branch_repairs(self, first: int) -> set[int]:
        """The first tokens of the `otherwise` steps of `unless C then` branches: indented
        under their branch, so that they do not read as the main duty's."""
        norm = self.norms.get(first)
        if norm is None:
            return set()
        starts = self.starts
        return {starts[step.span.start] for branch in norm.branches for step in branch.otherwise
                if step.span.start in starts}

    def _mapping(self, first: int, end: int) -> list[_Segment]:
        """`import values "F" {`, one entry per line (each with its comma), `}`."""
        opening = next(i for i in range(first, end) if self.tokens[i].text == "{")
        closing = end - 1
        items = list(range(opening + 1, closing))
        if items and self.tokens[items[-1]].text == "," and self._bare(items[-1]):
            items.pop()  # a trailing comma: the last entry has none
        if not items:
            return [(0, list(range(first, end)))]
        segments: list[_Segment] = [(0, list(range(first, opening + 1)))]
        entry: list[int] = []
        for i in items:
            entry.append(i)
            if self.tokens[i].text == ",":
                segments.append((2, entry))
                entry = []
        if entry:
            segments.append((2, entry))
        segments.append((0, [closing]))
        return segments

    def _bare(self, index: int) -> bool:
        """Token `index` carries no comment (so it may be dropped)."""
        return index not in self.trailing and index not in self.leading

    def _segment(self, out: list[_Line], indent: int, items: list[int]) -> None:
        """One segment's lines: a break after a trailing comment and before own-line ones."""
        items = self._without_trailing_comma(items)
        line: list[str] = []
        here = indent
        previous: int | None = None
        for i in items:
            if i in self.leading and previous is not None:
                if line:
                    out.append((" " * here + "".join(line), None))
                    line = []
                here = indent + 4
                self._comments(out, i, here)
            elif i in self.leading and i not in self.printed:
                self._comments(out, i, indent)
            if line:
                line.append(self._space(previous, i))
            line.append(self.tokens[i].text)
            previous = i
            comment = self.trailing.get(i)
            if comment is not None:
                out.append((" " * here + "".join(line), comment.text))
                line = []
                here = indent + 4
        if line:
            out.append((" " * here + "".join(line), None))

    def _without_trailing_comma(self, items: list[int]) -> list[int]:
        """An enum's `{ a, b, }` without its last comma (when no comment is attached to it)."""
        if len(items) >= 2 and self.tokens[items[-1]].text == "}" and \
                self.tokens[items[-2]].text == "," and self._bare(items[-2]) and \
                self.tokens[items[0]].text == "enum":
            return [*items[:-2], items[-1]]
        return items

    def _space(self, previous: int | None, index: int) -> str:
        if previous is None:
            return ""
        before, token = self.tokens[previous], self.tokens[index]
        if token.text in _NO_SPACE_BEFORE or before.text in _NO_SPACE_AFTER:
            return ""
        if previous in self.unary:
            return ""
        return " "
