"""Did-you-mean: the closest known name to a misspelt one, with bounded work.

A hint is a courtesy, and hostile input can ask for many (thousands of misspelt names
against thousands of known ones took minutes): each word is compared with at most
`MAX_CANDIDATES` known names (those whose length makes them likeliest), and inside
`bounded_suggestions()` (the loader runs each load in one) at most `MAX_SUGGESTIONS`
hints and `MAX_COMPARISONS` comparisons are made in all; after that, unknown names are
reported without a hint.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: known names compared by character counts per word (the rest only by length)
MAX_CANDIDATES = 20_000
#: hints computed per load (a root file and its imports)
MAX_SUGGESTIONS = 50
#: comparisons of a word with a known name per load (a second or two of work at most: a
#: million took ~14 s on 5,000 misspelt names against 5,000 facts)
MAX_COMPARISONS = 200_000

#: [hints, comparisons] left in the current load, or None outside `bounded_suggestions`
#: (a context variable: each thread has its own)
_left: ContextVar[list[int] | None] = ContextVar("normlang_suggestions_left", default=None)


@contextmanager
def bounded_suggestions(hints: int = MAX_SUGGESTIONS,
                        comparisons: int = MAX_COMPARISONS) -> Iterator[None]:
    """At most `hints` did-you-mean hints and `comparisons` comparisons inside this block."""
    token = _left.set([hints, comparisons])
    try:
        yield
    finally:
        _left.reset(token)


def closest(word: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    """`difflib.get_close_matches(word, known, n=1, cutoff=cutoff)`, or None: the same answer
    when at most `MAX_CANDIDATES` known names pass the length bound (else the best among the
    `MAX_CANDIDATES` of closest length); None once the hints of `bounded_suggestions` are spent.

    difflib computes the costly `ratio()` of every candidate whose cheap bounds pass the
    cutoff; with tens of thousands of names that is most of a second per unknown name.
    Here the bounds are computed first and candidates are tried best bound first, so
    `ratio()` runs only while a candidate could still beat (or tie) the best so far.
    INVARIANT: ratio() <= quick_ratio() <= real_quick_ratio() (difflib's own bounds).
    """
    left = _left.get()
    if left is not None and (left[0] <= 0 or left[1] <= 0):
        return None
    import difflib

    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    size = len(word)
    bounded: list[tuple[float, str]] = []
    likely: list[tuple[float, str]] = []
    for candidate in set(known):
        both = len(candidate) + size
        # real_quick_ratio(), without setting up the matcher
        bound = 2.0 * min(len(candidate), size) / both if both else 1.0
        if bound >= cutoff:
            likely.append((bound, candidate))
    if len(likely) > MAX_CANDIDATES:
        likely = heapq.nlargest(MAX_CANDIDATES, likely)
    if left is not None:
        left[0] -= 1
        left[1] -= len(likely)
    for _bound, candidate in likely:
        matcher.set_seq1(candidate)
        bound = matcher.quick_ratio()
        if bound >= cutoff:
            bounded.append((bound, candidate))
    bounded.sort(reverse=True)
    best: tuple[float, str] | None = None
    for bound, candidate in bounded:
        if best is not None and bound < best[0]:
            break
        matcher.set_seq1(candidate)
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, candidate) > best):
            best = (score, candidate)
    return best[1] if best is not None else None
