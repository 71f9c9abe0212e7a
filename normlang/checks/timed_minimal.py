"""Every minimal conflict of a group without priority whose norms the conduct's own
actions trigger, without trying every subset.

Without priority, a set of duties that conflicts in some trace conflicts in every
superset (more norms only demand more), so the minimal conflicts are the minimal
elements of an upward-closed family. The loop keeps a map of the sets not yet
explored: it takes a largest one; if it conflicts, it drops one duty at a time while
the rest still conflicts (a minimal conflict, none of whose supersets is looked at
again); if not, none of its subsets is looked at again. The dropping starts inside the
trace found (a duty whose removal leaves no complying conduct there goes at once), then
asks the search for the rest; the last trace found is the finding's witness.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import z3

from ..model.spec import NormDecl
from .timed_reactive import concrete_conduct

Group = Any  # checks.timed._Group (which imports this module)


def minimal_conflicts(group: Group, duties: Sequence[NormDecl],
                      report: Callable[[list[NormDecl], z3.ModelRef], None]) -> None:
    """Call `report` with each minimal conflicting set of `duties` and its trace."""
    chosen = {n.name: z3.Bool(f"in!{n.name}") for n in duties}
    unexplored = z3.Solver()
    while unexplored.check() == z3.sat:
        seed = _largest(unexplored, chosen, unexplored.model())
        model = group._search([], seed)
        if model is None:  # no trace breaks them all: no subset conflicts
            unexplored.add(z3.Or([chosen[n] for n in chosen if n not in seed] or
                                 [z3.BoolVal(False)]))
            continue
        for name in list(seed):  # first within the trace found: one inner step each
            rest = [n for n in seed if n != name]
            if rest and concrete_conduct(group, model, rest) is None:
                seed = rest
        for name in list(seed):
            rest = [n for n in seed if n != name]
            smaller = group._search([], rest) if rest else None
            if smaller is not None:
                seed, model = rest, smaller
        report([n for n in duties if n.name in seed], model)
        unexplored.add(z3.Or([z3.Not(chosen[n]) for n in seed]))


def _largest(unexplored: z3.Solver, chosen: dict[str, z3.BoolRef],
             model: z3.ModelRef) -> list[str]:
    """A set of the map that no other one of it contains, grown from `model`'s."""
    seed = [n for n, var in chosen.items() if z3.is_true(model.eval(var, model_completion=True))]
    for name in chosen:
        if name in seed:
            continue
        if unexplored.check([chosen[n] for n in [*seed, name]]) == z3.sat:
            seed.append(name)
    return seed
