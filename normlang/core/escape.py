"""The one escaping of user-controlled text that normcheck prints.

Source lines, string literals, moral-graph titles and descriptions, file names and
messages that quote them reach a terminal, a log or a Mermaid file. None of it may act
there: a control character (an ANSI escape clears the screen, a carriage return rewrites
the line, a newline forges a finding or a Mermaid statement), a bidirectional override
(text that reads differently from what it is), or a lone surrogate (from a file name
that is not UTF-8, or a `\\ud800` in JSON) that cannot be encoded at all. Each becomes a
visible escape (`\\x1b`, `\\u202e`, `\\udcff`), plain ASCII, so the result is valid UTF-8,
one line, and says what the text holds.
"""

from __future__ import annotations

import re

#: controls (C0, DEL, C1), bidirectional overrides, embeddings and isolates, the line and
#: paragraph separators, and surrogates (only lone ones can be in a `str`)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029"
                     "\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escaped(text: str) -> str:
    """`text` with every character that could act on a terminal or break a line escaped."""
    if text.isascii() and text.isprintable():  # the usual case, decided in C
        return text
    return _UNSAFE.sub(_escape, text)


def encodable(text: str) -> bytes:
    """`text` as UTF-8; what cannot be encoded (a lone surrogate) as a backslash escape,
    which inside a JSON string is the JSON escape of that code unit."""
    return text.encode("utf-8", "backslashreplace")
