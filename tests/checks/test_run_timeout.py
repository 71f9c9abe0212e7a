"""`run-timeout` holds every z3 call of a run, not only solver checks: a long simplify,
assertion or tactic between checks is interrupted, and the spec is reported undecided
(never a pass, never a traceback) within moments of the limit, in worker processes too."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
import z3
from engine_helpers import kinds, run

import normlang.checks
import normlang.engine.situations
from normlang.engine.solver import Limits, RunTimeUp

sys.path.insert(0, str(Path(__file__).parent.parent / "engine"))
from test_solver_watchdog import pigeonholes

UNDECIDED = [("solver-unknown", ())]
RUN_OUT = "could not analyse the spec: the run's time limit (`run-timeout`) was reached"


def slow_z3_work() -> None:
    """A z3 call that is no solver check and runs ~4-6 s unbounded (the pigeonhole formula
    decided by a tactic, in the run's current context)."""
    context = z3.main_ctx()
    goal = z3.Goal(ctx=context)
    goal.add(*pigeonholes(context).assertions())
    z3.Tactic("smt", context).apply(goal)


def slowly(original):  # type: ignore[no-untyped-def]
    """`original`, made slow by `slow_z3_work` on its first call in each process."""
    slowed: set[int] = set()

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() not in slowed:
            slowed.add(os.getpid())
            slow_z3_work()
        return original(*args, **kwargs)
    return wrapper


SPEC = """
    agent bot
    fact p: bool
    action bot.a
    norm n when p bot must a
    norm m bot must not a
"""


def test_a_slow_z3_call_between_checks_stops_at_the_run_timeout(monkeypatch) -> None:
    monkeypatch.setattr(normlang.engine.situations, "lay_out",
                        slowly(normlang.engine.situations.lay_out))
    started = time.monotonic()
    findings = run(SPEC, run_timeout_s=1)
    assert time.monotonic() - started < 2.5  # ~1.1 s; ~4 s unbounded
    assert kinds(findings) == UNDECIDED and findings[0].message == RUN_OUT
    # the interrupt is cleared: the next run in this process is whole
    monkeypatch.undo()
    assert ("conflict", ("m", "n")) in kinds(run(SPEC, run_timeout_s=60))


def test_without_a_slow_call_the_same_spec_is_decided_under_the_limit() -> None:
    assert ("conflict", ("m", "n")) in kinds(run(SPEC, run_timeout_s=1))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_slow_z3_call_in_a_worker_process_stops_at_the_run_timeout(monkeypatch) -> None:
    # two chunks of groups (see checks.tasks.CHUNK_NORMS), so the norm checks run in workers
    lines = ["agent bot"]
    for i in range(450):
        lines += [f"action bot.a{i}", f"norm n{i} bot must a{i}"]
    monkeypatch.setattr(normlang.checks, "check_group_norms",
                        slowly(normlang.checks.check_group_norms))
    started = time.monotonic()
    findings = run("\n".join(lines) + "\n", run_timeout_s=2, jobs=2)
    assert time.monotonic() - started < 4.5  # ~2.1 s
    assert kinds(findings) == UNDECIDED and findings[0].message == RUN_OUT


def test_the_guard_raises_run_time_up_whatever_the_interrupted_call_returned() -> None:
    # simplify stops short quietly when interrupted: its answer must not be used
    from normlang.engine.solver import run_guard

    x = z3.Int("x")
    with pytest.raises(RunTimeUp), run_guard(Limits(deadline=time.monotonic() + 0.2)):
        time.sleep(0.4)
        z3.simplify(x + 1 + 1)
    assert str(z3.simplify(x + 1 + 1)) == "2 + x"  # and the context is whole again
    with run_guard(Limits(deadline=time.monotonic() + 5)):  # within its time: untouched
        assert str(z3.simplify(x + 1 + 1)) == "2 + x"


def test_the_run_timeout_holds_a_timed_spec_too(tmp_path: Path) -> None:
    """The temporal engine runs under the same guard: a timed book that takes seconds to
    check whole is undecided soon after a much shorter run limit (it ran to the end)."""
    import subprocess

    from normlang import CheckOptions, check, load

    repo = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, str(repo / "bench" / "generate_timed.py"), "--norms", "300",
                    "--out", str(tmp_path)], check=True, capture_output=True)
    started = time.monotonic()
    result = check(load(tmp_path / "main.norm"), options=CheckOptions(run_timeout_s=0.3))
    took = time.monotonic() - started
    assert [(f.kind, f.message) for f in result.findings] == [("solver-unknown", RUN_OUT)]
    whole = check(load(tmp_path / "main.norm"))
    assert {f.kind for f in whole.findings} == {"conflict"}  # decided without the limit
    assert took < 0.3 + 2.0, took
