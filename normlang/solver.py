"""The one place that calls the solver: limits, seeds, sat / unsat / unknown.

A solver that gives up raises `SolverGaveUp`; checks turn it into a
`solver-unknown` finding naming the check, never into a pass.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import z3


class SolverGaveUp(Exception):
    """Z3 answered `unknown` (time, resource or memory limit) or the run's time ran out."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Limits:
    """Per-call time limit and an optional deadline for the whole run (monotonic seconds)."""

    timeout_ms: int = 5000
    deadline: float | None = None
    memory_mb: int | None = None

    def configure(self) -> None:
        z3.set_param("smt.random_seed", 0)
        z3.set_param("sat.random_seed", 0)
        if self.memory_mb:
            z3.set_param("memory_max_size", int(self.memory_mb))

    def new_solver(self) -> z3.Solver:
        # the SMT core alone: z3.Solver() sends some first checks through a tactic pipeline
        # (SAT encoding and all), whose set-up dwarfs the small queries made here
        return z3.SimpleSolver()

    def remaining_ms(self) -> int:
        if self.deadline is None:
            return self.timeout_ms
        left = int((self.deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise SolverGaveUp("the run's time limit was reached")
        return min(self.timeout_ms, left)


#: the timeout last set on each live solver
_timeouts: WeakKeyDictionary[z3.Solver, int] = WeakKeyDictionary()


def is_sat(solver: z3.Solver, limits: Limits, *assumptions: z3.BoolRef) -> bool:
    """Check `solver` under `assumptions`: True for sat, False for unsat, else raise."""
    timeout = max(1, limits.remaining_ms())
    if _timeouts.get(solver) != timeout:  # setting a parameter costs z3 ~40 µs
        solver.set("timeout", timeout)
        _timeouts[solver] = timeout
    result = solver.check(*assumptions)
    if result == z3.sat:
        return True
    if result == z3.unsat:
        return False
    raise SolverGaveUp(solver.reason_unknown() or "unknown")


class SolverCache:
    """The most recently used solvers, at most `size` of them.

    Checks reuse a group's solver (push/pop, assumption literals); keeping every
    group's solver alive would cost memory linear in the spec for each kind of query.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._solvers: OrderedDict[Hashable, z3.Solver] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], z3.Solver]) -> z3.Solver:
        solver = self._solvers.get(key)
        if solver is None:
            solver = build()
            self._solvers[key] = solver
            if len(self._solvers) > self.size:
                self._solvers.popitem(last=False)
        else:
            self._solvers.move_to_end(key)
        return solver
