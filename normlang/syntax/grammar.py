"""The grammar and the lark parser built from it: the one place that builds that parser.

The grammar ships as package data (`normlang/grammar/norm.lark`). The parser is
built once per process, and lark's own cache keeps the built tables on disk (in
`cache_folder`) so that later processes start faster. `KEYWORDS` are the
grammar's words, which cannot name things.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    import lark


#: words of the language; they cannot name things
KEYWORDS = frozenset({
    "layers", "agent", "enum", "fact", "action", "define", "assume", "constraint", "norm",
    "import", "values", "value", "prefer", "over", "serves", "overrides", "protected", "when",
    "unless", "must", "may", "not", "and", "or", "true", "false", "expect", "consistent",
    "always", "never", "possible", "complies", "with", "for", "scenario", "given", "obliged",
    "forbidden", "permitted", "conflict", "bool", "int", "real", "in",
})


#: words of time (time.md): keywords only where they stand, so they still name things
#: (`fact h: int`, `agent on`, `event start`)
CONTEXTUAL_KEYWORDS = frozenset({
    "event", "varying", "on", "within", "eventually", "otherwise", "then", "before", "until",
    "at", "during", "after", "s", "min", "h", "days",
})


def grammar_text() -> str:
    """The grammar, read from the installed package (or the source tree)."""
    from importlib.util import find_spec

    try:
        package = find_spec("normlang.grammar")  # cheaper than importlib.resources (~5 ms)
        if package is not None and package.origin:
            return Path(package.origin).with_name("norm.lark").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        pass
    try:
        from importlib.resources import files

        return (files("normlang.grammar") / "norm.lark").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        # the source tree: normlang/syntax/grammar.py -> grammar/norm.lark at the top
        return (Path(__file__).resolve().parents[2] / "grammar" / "norm.lark").read_text(
            encoding="utf-8")


def cache_folder() -> str | None:
    """A per-user cache folder (`$XDG_CACHE_HOME/normlang` or `~/.cache/normlang`), made if
    needed; None if it cannot be made or written.

    Never a shared temp folder: lark's cache is a pickle, and loading one that
    someone else planted would run their code.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "normlang")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def cache_file(grammar: str) -> str | bool:
    """Where lark keeps the built tables (in `cache_folder`), or nowhere (False)."""
    import hashlib

    folder = cache_folder()
    if folder is None:
        return False
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:16]
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    return os.path.join(folder, f"grammar-{digest}-py{version}.lark-cache")


class _WholeWords:
    """A lark post-lexer that changes no token; it has every parser state's lexer know `NAME`.

    The contextual lexer otherwise knows only the terminals its state accepts, so where only
    a keyword may stand it reads one off the front of a longer word: `a mustx` as
    `a must x`, `agentb` as `agent b`. Knowing `NAME`, it reads the whole word, which is a
    keyword only if it is one entirely, and the parser reports anything else.
    """

    always_accept = ("NAME",)

    def process(self, stream: Iterator[lark.Token]) -> Iterator[lark.Token]:
        return stream


@lru_cache(maxsize=1)
def build_parser() -> lark.Lark:
    """The one lark parser of the process, built on first use."""
    import lark

    grammar = grammar_text()
    options = {"parser": "lalr", "lexer": "contextual", "propagate_positions": True,
                   "maybe_placeholders": False, "postlex": _WholeWords()}
    try:
        return lark.Lark(grammar, cache=cache_file(grammar), **options)
    except OSError:  # an unwritable or unreadable cache must not stop anyone
        return lark.Lark(grammar, **options)
