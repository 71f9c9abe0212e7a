"""lark's LALR tables and per-state lexers as plain data, for `parser.parse_ast`.

They are taken from the lark parser `grammar.build_parser` builds, and kept on disk
(marshal) beside lark's own cache, so that a process whose files all parse never
imports lark nor builds its parser.
"""

from __future__ import annotations

import os
import re
import sys
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from .grammar import build_parser, cache_folder, grammar_text

if TYPE_CHECKING:
    import lark


@dataclass(frozen=True, slots=True)
class Reduce:
    """What reducing by one grammar rule does to the stack."""

    size: int
    #: the nonterminal reduced to (the goto key)
    origin: str
    #: `Builder` method name, or None for lark's `_rules` that inline into their parent
    builder: str | None
    #: a `?rule` that stands for its only child when it has just one
    expand1: bool
    #: (index in the rule's expansion, whether that child is an inlined `_rule`)
    keep: tuple[tuple[int, bool], ...]
    #: a `?rule: child` step: the stack entry stays as it is (only the state changes)
    unit: bool


@dataclass(frozen=True)
class Tables:
    """lark's LALR tables and lexers, in the shape `parse_ast` reads."""

    start_state: int
    end_state: int
    #: state -> terminal or nonterminal -> the next state (shift or goto), or for a
    #: reduction `~i` (negative), reducing by `reductions[i]`
    rows: dict[int, dict[str, int]]
    reductions: tuple[Reduce, ...]
    #: the terminal types some rule keeps as a child (the others only give positions)
    kept: frozenset[str]
    #: state -> (regex of that state's terminals, ignored terminal types,
    #:           terminal type -> {keyword text: keyword terminal})
    lexers: dict[int, tuple[re.Pattern[str], frozenset[str], dict[str, dict[str, str]]]]
    #: the `Builder` methods the rules call
    builders: tuple[str, ...]
    #: (state below, top state, lookahead) -> top state after a run of unit reductions;
    #: filled as parsing meets them
    units: dict[tuple[int, int, str], int] = field(default_factory=dict)


@lru_cache(maxsize=1)
def tables() -> Tables | None:
    """lark's tables in the shape `parse_ast` reads; None if this lark is shaped differently.

    They are kept on disk beside lark's own cache, so that a process whose files all
    parse never imports lark (~15 ms) nor builds its parser (~20 ms).
    """
    path = _tables_file()
    tables = _read_tables(path) if path else None
    if tables is not None:
        return tables
    try:
        tables = _extract_tables(build_parser())
    except (AttributeError, KeyError, TypeError, AssertionError):
        return None
    if path:
        _write_tables(path, tables)
    return tables


#: the version of the cached tables' layout and of how they are built (part of the file name)
_TABLES_LAYOUT = 2


def _tables_file() -> str | None:
    """The cached tables of this grammar, this lark and this layout; None without a cache
    folder or an installed lark to key them by."""
    from importlib.util import find_spec

    folder = cache_folder()
    spec = find_spec("lark")
    if folder is None or spec is None or spec.origin is None:
        return None
    try:
        with open(spec.origin, "rb") as init:  # lark's version lives there
            lark_init = init.read()
    except OSError:
        return None
    # CRC-32s rather than a cryptographic hash, whose module (hashlib) costs ~2 ms to import
    # on every run: the key only has to change when the grammar or lark does
    grammar = grammar_text().encode("utf-8")
    key = "-".join(f"{zlib.crc32(data):08x}{len(data):x}" for data in (grammar, lark_init))
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    return os.path.join(folder, f"tables-{key}-v{_TABLES_LAYOUT}-py{version}.marshal")


def _write_tables(path: str, tables: Tables) -> None:
    import marshal
    import tempfile

    by_state = {state: tables.lexers[state] for state in tables.rows}
    # one entry per lexer (states share them); not per regex: `re` hands equal patterns
    # the same object, and lexers with equal regexes may differ in keywords
    lexers = {id(entry): (str(entry[0].pattern), int(entry[0].flags), sorted(map(str, entry[1])),
                          {str(k): {str(w): str(t) for w, t in v.items()}
                           for k, v in entry[2].items()})
              for entry in by_state.values()}
    order = list(lexers)
    # plain str throughout: lark hands out names that are str subclasses, which marshal refuses
    data = (int(tables.start_state), int(tables.end_state),
            {int(state): {str(symbol): int(step) for symbol, step in row.items()}
             for state, row in tables.rows.items()},
            [(r.size, str(r.origin), None if r.builder is None else str(r.builder), r.expand1,
              [(int(i), bool(inlined)) for i, inlined in r.keep], r.unit)
             for r in tables.reductions],
            sorted(map(str, tables.kept)), [lexers[key] for key in order],
            {int(state): order.index(id(entry)) for state, entry in by_state.items()},
            [str(name) for name in tables.builders])
    try:  # written whole, then renamed: a reader never sees half a file
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                marshal.dump(data, out)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, ValueError):
        pass  # an unwritable cache costs the next process time, nothing else


def _read_tables(path: str) -> Tables | None:
    """The tables in `path`, or None if it is missing or not what `_write_tables` wrote.

    marshal, unlike pickle, runs no code when loading a file someone else wrote.
    """
    import marshal

    try:
        with open(path, "rb") as cached:
            data = marshal.load(cached)
        start, end, rows, reductions, kept, lexers, lexer_of, builders = data
        made = tuple(Reduce(size, origin, builder, expand1, tuple(map(tuple, keep)), unit)
                     for size, origin, builder, expand1, keep, unit in reductions)
        tables = Tables(start, end, rows, made, frozenset(kept),
                         _Lexers(lexers, lexer_of), tuple(builders))
        if set(lexer_of) != set(rows) or not all(isinstance(r, dict) for r in rows.values()):
            return None
        return tables
    except (OSError, EOFError, ValueError, TypeError, AttributeError):
        return None


class _Lexers(dict):  # type: ignore[type-arg]
    """state -> lexer, each regex compiled when a state first needs it."""

    def __init__(self, lexers: list[tuple[str, int, tuple[str, ...], dict[str, dict[str, str]]]],
                 lexer_of: dict[int, int]) -> None:
        super().__init__()
        self._specs = lexers
        self._lexer_of = lexer_of
        self._compiled: dict[int, tuple[re.Pattern[str], frozenset[str],
                                        dict[str, dict[str, str]]]] = {}

    def __missing__(self, state: int) -> tuple[re.Pattern[str], frozenset[str],
                                                dict[str, dict[str, str]]]:
        index = self._lexer_of[state]
        lexer = self._compiled.get(index)
        if lexer is None:
            pattern, flags, ignored, keywords = self._specs[index]
            lexer = self._compiled[index] = (re.compile(pattern, flags), frozenset(ignored),
                                             keywords)
        self[state] = lexer
        return lexer


def _extract_tables(parser: lark.Lark) -> Tables:
    from lark.lexer import UnlessCallback
    from lark.parsers.lalr_analysis import Shift

    frontend = parser.parser
    table = frontend.parser.parser.parse_table
    contextual = frontend.lexer.lexer  # inside the connector to `_WholeWords`, which changes nothing
    reductions: dict[int, int] = {}
    made: list[Reduce] = []
    kept: set[str] = set()

    def reduction(rule: object) -> int:
        found = reductions.get(id(rule))
        if found is None:
            expansion = rule.expansion  # type: ignore[attr-defined]
            options = rule.options  # type: ignore[attr-defined]
            keep = tuple((i, not sym.is_term and sym.name.startswith("_"))
                         for i, sym in enumerate(expansion)
                         if options.keep_all_tokens or not (sym.is_term and sym.filter_out))
            origin = rule.origin.name  # type: ignore[attr-defined]
            alias = rule.alias  # type: ignore[attr-defined]
            assert not options.template_source
            expand1 = bool(options.expand1 and not alias)
            kept.update(expansion[i].name for i, _ in keep if expansion[i].is_term)
            reductions[id(rule)] = found = ~len(made)
            made.append(Reduce(
                size=len(expansion), origin=origin,
                builder=None if origin.startswith("_") else (alias or origin),
                expand1=expand1, keep=keep,
                unit=expand1 and keep == ((0, False),) and len(expansion) == 1))
        return found

    rows: dict[int, dict[str, int]] = {}
    for state, row in table.states.items():
        rows[state] = {symbol: arg if action is Shift else reduction(arg)
                       for symbol, (action, arg) in row.items()}
    lexers: dict[int, tuple[re.Pattern[str], frozenset[str], dict[str, dict[str, str]]]] = {}
    by_lexer: dict[int, tuple[re.Pattern[str], frozenset[str], dict[str, dict[str, str]]]] = {}
    for state in rows:
        basic = contextual.lexers[state]
        if id(basic) not in by_lexer:
            scanner = basic.scanner
            assert len(scanner._mres) == 1 and not basic.user_callbacks
            keywords: dict[str, dict[str, str]] = {}
            for type_, callback in basic.callback.items():
                assert isinstance(callback, UnlessCallback)
                assert all(not t.pattern.flags for t in callback.scanner.terminals)
                words = {t.pattern.value: t.name for t in callback.scanner.terminals}
                assert len(words) == len(callback.scanner.terminals)
                keywords[type_] = words
            assert not (basic.ignore_types & set(keywords))
            by_lexer[id(basic)] = (scanner._mres[0], basic.ignore_types, keywords)
        lexers[state] = by_lexer[id(basic)]
    builders = tuple(sorted({r.builder for r in made if r.builder}))
    return Tables(table.start_states["start"], table.end_states["start"], rows, tuple(made),
                   frozenset(kept), lexers, builders)


