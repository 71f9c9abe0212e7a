"""`unused-declaration` in one spec, through the library (across a run's roots: tests/cli)."""

from __future__ import annotations

import textwrap

import normlang


def unused(text: str) -> list[str]:
    loaded = normlang.load_text(textwrap.dedent(text), "s.norm")
    assert loaded.findings == []  # a warning of the checks, not of loading
    return [f.message for f in normlang.check(loaded).findings if f.kind == "unused-declaration"]


def test_each_kind_of_declaration_nothing_reads() -> None:
    assert unused("""
        agent bot
        agent nobody
        action bot.answer
        action bot.idle
        fact night: bool
        fact spare: int
        define late = night
        define unread = spare > 3
        value care
        value vanity
        norm n serves care when late bot must answer
    """) == [
        "agent `nobody` is declared but nothing reads it",
        "action `bot.idle` is declared but nothing reads it",
        "define `unread` is declared but nothing reads it",
        "value `vanity` is declared but nothing reads it",
    ]


def test_reads_anywhere_count() -> None:
    assert unused("""
        agent bot
        action bot.a
        action bot.b
        fact p: bool
        fact q: bool
        fact r: int
        value v
        value w
        assume q -> r > 0
        constraint not (a.a and bot.b)
        norm n1 when p bot may a
        prefer v over w when p
        expect always permitted bot.a
    """.replace("a.a", "bot.a")) == []
