"""The per-check time limit (`solver.is_sat`): a check that runs too long is interrupted and
reported as given up, never as an answer; the limit holds in forked processes too."""

from __future__ import annotations

import os
import time

import pytest
import z3

from normlang.engine import solver
from normlang.engine.solver import Limits, SolverGaveUp, is_sat


def pigeonholes(context: z3.Context, holes: int = 9) -> z3.Solver:
    """`holes + 1` pigeons in `holes` holes: unsat, and slow for a CDCL solver to prove (~6 s
    here unbounded, so a limit that fails to hold fails the test rather than hanging it)."""
    put = [[z3.Bool(f"p{i}_{j}", context) for j in range(holes)] for i in range(holes + 1)]
    hard = z3.SimpleSolver(ctx=context)
    for row in put:
        hard.add(z3.Or(row))
    for j in range(holes):
        for i in range(holes + 1):
            for k in range(i + 1, holes + 1):
                hard.add(z3.Or(z3.Not(put[i][j]), z3.Not(put[k][j])))
    return hard


def test_a_check_past_its_limit_gives_up_with_timeout() -> None:
    context = z3.Context()
    started = time.monotonic()
    with pytest.raises(SolverGaveUp) as gave_up:
        is_sat(pigeonholes(context), Limits(timeout_ms=100))
    assert gave_up.value.reason == "timeout"
    assert time.monotonic() - started < 5


def test_checks_within_their_limit_answer_and_later_checks_are_not_disturbed() -> None:
    context = z3.Context()
    x = z3.Int("x", context)
    easy = z3.SimpleSolver(ctx=context)
    easy.add(x > 3)
    limits, tight = Limits(timeout_ms=2000), Limits(timeout_ms=100)
    for _ in range(200):
        assert is_sat(easy, limits) and not is_sat(easy, limits, x < 2)
    with pytest.raises(SolverGaveUp):
        is_sat(pigeonholes(context), tight)
    # an interrupt that lands just after a check ended must not carry over to the next one
    context.interrupt()
    assert is_sat(easy, limits)
    time.sleep(0.2)
    assert is_sat(easy, limits)
    # the watchdog now sleeps toward that check's 2 s deadline: a tighter one must wake it
    with pytest.raises(SolverGaveUp):
        is_sat(pigeonholes(context), tight)


class SlowToReturn:
    """A solver whose check answers, then lingers past its limit before returning: the
    watchdog interrupts a check that has already ended."""

    def __init__(self, inner: z3.Solver) -> None:
        self.inner, self.ctx = inner, inner.ctx

    def check(self, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
        result = self.inner.check(*assumptions)
        time.sleep(0.2)
        return result

    def reason_unknown(self) -> str:
        return str(self.inner.reason_unknown())


def test_an_interrupt_as_a_check_ends_gives_up_and_leaves_the_context_whole() -> None:
    context = z3.Context()
    x = z3.Int("x", context)
    easy = z3.SimpleSolver(ctx=context)
    easy.add(x > 3)
    assert is_sat(easy, Limits(timeout_ms=2000))
    model = easy.model()
    with pytest.raises(SolverGaveUp) as gave_up:  # its answer came too late to be trusted
        is_sat(SlowToReturn(easy), Limits(timeout_ms=20))  # type: ignore[arg-type]
    assert gave_up.value.reason == "timeout"
    # an interrupted context quietly stops short until its next check (simplify returns its
    # input, models cannot be read): the next steps of a run must not see that
    assert str(z3.simplify(x + 1 + 1)) == "2 + x"
    assert model.eval(x + 1, model_completion=True).as_long() == model[x].as_long() + 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_the_limit_holds_in_a_forked_process_and_no_thread_is_forked() -> None:
    context = z3.Context()
    x = z3.Int("x", context)
    easy = z3.SimpleSolver(ctx=context)
    easy.add(x > 3)
    assert is_sat(easy, Limits(timeout_ms=100))  # the watchdog runs in this process now
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            is_sat(pigeonholes(context), Limits(timeout_ms=100))
            code = 1  # answered: the limit did not hold
        except SolverGaveUp as gave_up:
            code = 0 if gave_up.reason == "timeout" else 2
        finally:
            os._exit(code)
    assert solver._watchdog._thread is None, "stopped before the fork"
    _pid, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    with pytest.raises(SolverGaveUp):  # and restarted here on the next check
        is_sat(pigeonholes(context), Limits(timeout_ms=100))
