"""Line endings, read alike by the loader and by the result cache (which a warm run imports
without the rest of `core`)."""

from __future__ import annotations

import re

_LONE_CR = re.compile("\r(?!\n)")


def universal_newlines(text: str) -> str:
    """`text` with each lone carriage return (old Mac line endings) as a newline: the same
    length, so offsets do not move; CR LF stays as it is. Without this a file of CR-only
    lines reads as one line, and its first comment hides the rest."""
    if "\r" not in text:
        return text
    return _LONE_CR.sub("\n", text)
