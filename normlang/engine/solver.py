"""The one place that calls the solver: limits, seeds, sat / unsat / unknown.

A solver that gives up raises `SolverGaveUp`; checks turn it into a
`solver-unknown` finding naming the check, never into a pass.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import z3


class SolverGaveUp(Exception):
    """Z3 answered `unknown` (time, resource or memory limit) or the run's time ran out."""

    def __init__(self, reason: str, check: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        #: what was being decided, where the code that gave up knows it
        self.check = check


class RunTimeUp(Exception):
    """The time limit of the whole run (`run-timeout`) passed: checking the spec stops, and
    the spec is reported undecided once (not one check at a time, for every check left)."""


@dataclass
class Limits:
    """Per-call time limit and an optional deadline for the whole run (monotonic seconds)."""

    timeout_ms: int = 5000
    deadline: float | None = None
    memory_mb: int | None = None

    def configure(self) -> None:
        for name in _GLOBAL_PARAMS:  # the embedding program's own settings, put back afterwards
            _host_params.setdefault(name, z3.get_param(name))
        z3.set_param("smt.random_seed", 0)
        z3.set_param("sat.random_seed", 0)
        z3.set_param("memory_max_size", int(self.memory_mb or 0))

    def new_solver(self) -> z3.Solver:
        # the SMT core alone: z3.Solver() sends some first checks through a tactic pipeline
        # (SAT encoding and all), whose set-up dwarfs the small queries made here
        return z3.SimpleSolver()

    def remaining_ms(self) -> int:
        if self.deadline is None:
            return self.timeout_ms
        left = int((self.deadline - time.monotonic()) * 1000)
        if left <= 0:
            raise RunTimeUp()
        return min(self.timeout_ms, left)


P = ParamSpec("P")
R = TypeVar("R")

#: z3's process-wide parameters that a check sets (and `restore_host_params` puts back)
_GLOBAL_PARAMS = ("smt.random_seed", "sat.random_seed", "memory_max_size")
_host_params: dict[str, str] = {}


def keeps_host_params(function: Callable[P, R]) -> Callable[P, R]:
    """`function`, which gives z3's global parameters back when it returns or raises (as a
    check does): a library call that configured z3 must not leave it configured, nor its
    record of the host's values stale for the next call."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        finally:
            restore_host_params()

    return wrapper


def restore_host_params() -> None:
    """Give z3's global parameters back the values they had before the check set them."""
    for name, value in _host_params.items():
        z3.set_param(name, value)
    _host_params.clear()


def is_sat(solver: z3.Solver, limits: Limits, *assumptions: z3.BoolRef) -> bool:
    """Check `solver` under `assumptions`: True for sat, False for unsat, else raise."""
    check = _watchdog.arm(solver.ctx, max(1, limits.remaining_ms()) / 1000)
    try:
        result = solver.check(*assumptions)
    finally:
        interrupted = _watchdog.disarm(check)
        if interrupted or _watchdog.run_over:
            _clear_interrupt(solver.ctx)
    if _watchdog.run_over:  # the run's time ran out during the check, whatever it answered
        raise RunTimeUp()
    if interrupted:  # even one that landed as the check ended: its model may be gone
        raise SolverGaveUp("timeout")
    if result == z3.sat:
        return True
    if result == z3.unsat:
        return False
    raise SolverGaveUp(solver.reason_unknown() or "unknown")


def stop_if_run_over() -> None:
    """Raise `RunTimeUp` once the run's deadline has passed (after a check made outside
    `is_sat`: an interrupt that landed between two checks is cleared by the next one)."""
    if _watchdog.run_over:
        raise RunTimeUp()


@contextmanager
def run_guard(limits: Limits) -> Iterator[None]:
    """Hold every z3 call inside this block to the run's deadline, not only checks.

    Past the deadline the watchdog interrupts the current z3 context: a long `simplify`,
    assertion or tactic then stops (raising z3's "canceled", or quietly returning short),
    and the block raises `RunTimeUp` whatever it computed. Nested blocks share the
    outermost one's deadline; without a deadline this does nothing.
    """
    if limits.deadline is None or not _watchdog.arm_run(limits.deadline):
        yield
        return
    try:
        yield
    except z3.Z3Exception:
        if not _watchdog.run_over:
            raise
    finally:
        over, interrupted = _watchdog.disarm_run()
        for context in interrupted:
            _clear_interrupt(context)
    if over:
        raise RunTimeUp()


def _clear_interrupt(context: z3.Context) -> None:
    """Undo an interrupt of `context`.

    z3 keeps a context interrupted until its next check starts, and until then other work
    in it quietly stops short: `simplify` returns its input, a model cannot be read. A
    check of an empty solver ends that at once.
    """
    z3.SimpleSolver(ctx=context).check()


class _Watchdog:
    """Interrupts a check that outlives its time limit.

    z3's own `timeout` parameter starts a timer for every check, ~40 µs, which is most
    of what a small check costs. Instead one thread per process sleeps until the running
    check's deadline and interrupts that check's context if it is still running. Arming it
    takes a lock; the thread wakes only when a deadline passes or after it went idle.
    """

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):  # no thread is ever forked (a child restarts it)
            os.register_at_fork(before=self._stop, after_in_child=self._reset,
                                after_in_parent=self._resume)

    def _reset(self) -> None:
        self._lock = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._context: z3.Context | None = None  # that of the check running now, if any
        self._deadline = self._wake = 0.0
        self._check = 0  # the number of the last check armed
        self._interrupted = 0  # the number of the last check interrupted
        self._idle = self._stopping = False
        self._run_deadline: float | None = None  # that of the run, while `run_guard` holds
        #: whether the run's deadline passed (and the current z3 context was interrupted)
        self.run_over = False
        self._run_interrupted: list[z3.Context] = []

    def arm(self, context: z3.Context, seconds: float) -> int:
        with self._lock:
            self._check += 1
            self._context, self._deadline = context, time.monotonic() + seconds
            self._wake_for(self._deadline)
            return self._check

    def arm_run(self, deadline: float) -> bool:
        """Watch the run's `deadline`; False if a run is watched already."""
        with self._lock:
            if self._run_deadline is not None or self.run_over:
                return False
            self._run_deadline = deadline
            self._wake_for(deadline)
            return True

    def disarm_run(self) -> tuple[bool, list[z3.Context]]:
        """Stop watching the run: whether its deadline passed, and the contexts interrupted."""
        with self._lock:
            done = self.run_over, self._run_interrupted
            self.run_over, self._run_deadline, self._run_interrupted = False, None, []
            return done

    def _wake_for(self, deadline: float) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="normlang-watchdog",
                                             daemon=True)
            self._thread.start()
        elif self._idle or deadline < self._wake:
            self._lock.notify()

    def _resume(self) -> None:
        """After a fork, in the parent: watch again what was watched before it."""
        with self._lock:
            if self._context is not None or self._run_deadline is not None:
                self._wake_for(0.0)

    def disarm(self, check: int) -> bool:
        """Whether `check` was interrupted."""
        with self._lock:
            self._context = None
            return self._interrupted == check

    def _run(self) -> None:
        with self._lock:
            while not self._stopping:
                due = [d for d in (self._deadline if self._context is not None else None,
                                   self._run_deadline) if d is not None]
                if not due:
                    self._idle = True
                    self._lock.wait()
                    self._idle = False
                    continue
                left = min(due) - time.monotonic()
                if left > 0:
                    self._wake = min(due)
                    self._lock.wait(left)
                    continue
                self._fire()

    def _fire(self) -> None:
        now = time.monotonic()
        contexts = []
        if self._context is not None and self._deadline <= now:
            self._interrupted, context, self._context = self._check, self._context, None
            contexts.append(context)  # the check returns `unknown`
        if self._run_deadline is not None and self._run_deadline <= now:
            self._run_deadline, self.run_over = None, True
            # the check's and the default one (every term of a run lives there)
            run = [c for c in (self._context, z3.z3._main_ctx) if c is not None]
            self._run_interrupted = run
            contexts += run
        for context in contexts:
            with suppress(Exception):  # the watchdog must outlive anything z3 does
                context.interrupt()

    def _stop(self) -> None:
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            self._stopping = True
            self._lock.notify()
        thread.join()
        self._thread, self._stopping = None, False


_watchdog = _Watchdog()


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
