"""The terms a timed encoding is made of (time.md, Encoding): event slots, instances with
their windows, a conduct's witnesses; and reading exact times off a model."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import z3

from ..model.spec import NormDecl, Spec
from .encode import conj
from .reactions import Unfolding


@dataclass(frozen=True)
class Slot:
    """One possible occurrence of an event (or the start, always present at 0)."""

    event: str
    index: int
    present: z3.BoolRef
    time: z3.ArithRef


@dataclass(frozen=True)
class Instance:
    """A norm triggered at one slot; `high` None is an unbounded (`eventually`) window."""

    norm: NormDecl
    slot: Slot
    exists: z3.BoolRef
    low: z3.ArithRef
    high: z3.ArithRef | None
    #: its window is a single instant in every trace (no window, or `within [D, D]`)
    point: bool
    #: an expectation's probe, not a norm: it neither defeats nor is defeated
    synthetic: bool = False
    #: a probe's window, from its trigger
    offsets: tuple[Fraction, Fraction | None] | None = None

    @property
    def key(self) -> str:
        return f"{self.norm.name}@{self.slot.event}#{self.slot.index}"

    def contains(self, time: z3.ArithRef) -> z3.BoolRef:
        if self.high is None:
            return self.low <= time
        return conj(self.low <= time, time <= self.high)


@dataclass
class Conduct:
    """A witness (time, actions) per `must` instance (and per `must` reaction of
    `unfolding`: the instances the conduct's own actions trigger)."""

    times: dict[str, z3.ArithRef]
    acts: dict[str, dict[str, z3.BoolRef]]
    unfolding: Unfolding | None = None
    #: each action as a function of time, when `acts` are its values at `times` (then
    #: witnesses at one time do one set of actions by themselves)
    by_time: dict[str, z3.FuncDeclRef] | None = None


def reachable(spec: Spec, start: str) -> set[str]:
    """The norms `start` outranks through `overrides` edges."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        here = stack.pop()
        for edge in spec.edges:
            if edge.higher == here and edge.lower not in seen:
                seen.add(edge.lower)
                stack.append(edge.lower)
    return seen


def static_cycle(spec: Spec) -> str | None:
    """A norm on a cycle of `overrides` edges within one layer, if any (priority is
    then undefined)."""
    for norm in spec.norms:
        if norm.name in reachable(spec, norm.name):
            return norm.name
    return None


def rational(value: z3.ExprRef) -> Fraction:
    """A z3 numeral (of a model) as an exact fraction."""
    if z3.is_int_value(value):
        return Fraction(value.as_long())
    return Fraction(value.as_fraction())
