"""Exact durations as people read them: `0 s`, `4.5 s`, `1 min 30 s`, `72 h`, `1/3 s`."""

from __future__ import annotations

from fractions import Fraction

_UNITS = ((86400, "days"), (3600, "h"), (60, "min"))


def duration_text(seconds: Fraction) -> str:
    """`seconds` in the largest units that keep it exact; a fraction of a second last."""
    if seconds < 0:
        return "-" + duration_text(-seconds)
    whole = int(seconds)
    rest = seconds - whole
    parts = []
    for size, unit in _UNITS:
        if whole >= size:
            parts.append(f"{whole // size} {unit}")
            whole %= size
    if whole or rest or not parts:
        parts.append(f"{_number(whole + rest)} s")
    return " ".join(parts)


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator == 1:  # a finite decimal
        text = f"{float(value):.12f}".rstrip("0")
        if Fraction(text) == value:
            return text
    return f"{value.numerator}/{value.denominator}"
