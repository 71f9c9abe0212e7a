"""Did-you-mean: the closest known name to a misspelt one."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    """`difflib.get_close_matches(word, known, n=1, cutoff=cutoff)`, or None: the same answer.

    difflib computes the costly `ratio()` of every candidate whose cheap bounds pass the
    cutoff; with tens of thousands of names that is most of a second per unknown name.
    Here the bounds are computed first and candidates are tried best bound first, so
    `ratio()` runs only while a candidate could still beat (or tie) the best so far.
    INVARIANT: ratio() <= quick_ratio() <= real_quick_ratio() (difflib's own bounds).
    """
    import difflib

    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    size = len(word)
    bounded: list[tuple[float, str]] = []
    for candidate in set(known):
        both = len(candidate) + size
        # real_quick_ratio(), without setting up the matcher
        if (2.0 * min(len(candidate), size) / both if both else 1.0) < cutoff:
            continue
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
