"""Conflict sets: what the conflict search finds for a group, and what earlier tasks found.

A conflict set is a minimal set of active norms that no conduct can satisfy; a group's
conflicts come with the condition (over situations) under which it has one. Earlier
tasks of a check hand theirs on as SMT-LIB text, which a fresh z3 context parses back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import z3

from .solver import SolverGaveUp


@dataclass
class ConflictSet:
    """A minimal set of active norms that no conduct can satisfy, found in a situation."""

    norms: tuple[str, ...]
    #: the situation it was found in (None when it came from another task's text)
    model: z3.ModelRef | None
    condition: z3.BoolRef


@dataclass
class Conflicts:
    """The conflict sets found for a group, and the formula of the situations that have one."""

    sets: list[ConflictSet] = field(default_factory=list)
    formula: z3.BoolRef = field(default_factory=lambda: z3.BoolVal(False))
    #: the enumeration stopped at `max-conflicts` distinct sets (`formula` is still exact)
    capped: bool = False


@dataclass
class KnownConflicts:
    """Conflicts found by earlier tasks of a check, for a task that needs another group's.

    Each entry is SMT-LIB text: the defining equations of the group's activity in one
    view, and a constant per minimal set (and one for their disjunction) equal to the
    condition under which it leaves no complying conduct. A fresh z3 context parses it
    back, so tasks share results without sharing a context. `analysed` names the views in
    which every group with a conflict has an entry (absent groups have none).
    """

    analysed: set[str] = field(default_factory=set)
    texts: dict[tuple[str, int], str] = field(default_factory=dict)
    sets: dict[tuple[str, int], list[tuple[str, ...]]] = field(default_factory=dict)
    #: (view, group) whose conflicts the solver could not decide
    unknown: set[tuple[str, int]] = field(default_factory=set)

    def update(self, other: KnownConflicts) -> None:
        self.texts.update(other.texts)
        self.sets.update(other.sets)
        self.unknown |= other.unknown

    def conflicting(self, tag: str) -> list[int]:
        """The groups with a conflict in view `tag` (undecided ones make this undecided)."""
        if any(t == tag for t, _g in self.unknown):
            raise SolverGaveUp("the conflicts of some group could not be decided")
        return sorted(g for t, g in self.texts if t == tag)


def set_constant(tag: str, group: int, index: int) -> z3.BoolRef:
    return z3.Bool(f"conflict!{tag}!{group}!{index}")


def formula_constant(tag: str, group: int) -> z3.BoolRef:
    return z3.Bool(f"conflicts!{tag}!{group}")
