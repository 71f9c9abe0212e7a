"""Roots checked in forked processes (`normlang.core.forked`): every result, in order, from
several processes; a worker that dies loses only its own item, said plainly."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from normlang.cli import main as cli
from normlang.cli import run as cli_run
from normlang.cli.common import EXIT_FINDINGS
from normlang.core.forked import Died, can_fork, fork_map

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs os.fork")


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("count", [0, 1, 2, 7, 40])
@pytest.mark.parametrize("processes", [1, 2, 3])
def test_every_result_comes_back_in_order(count: int, processes: int) -> None:
    done: list[int] = []
    results = fork_map(lambda i: (i, i * i), count, processes, done=done.append)
    assert results == [(i, i * i) for i in range(count)]
    assert sorted(done) == list(range(count))
    assert _no_children_left()


class SlowStart:
    """Item pacing: the calling process's first item takes long enough (0.3 s) for a worker
    to claim one, however slowly the worker gets scheduled; every other item takes 10 ms."""

    def __init__(self) -> None:
        self.parent, self.started = os.getpid(), False

    def wait(self) -> None:
        first = os.getpid() == self.parent and not self.started
        self.started = self.started or first
        time.sleep(0.3 if first else 0.01)


def test_items_are_shared_between_processes() -> None:
    pace = SlowStart()

    def work(index: int) -> int:
        pace.wait()
        return os.getpid()

    pids = fork_map(work, 10, 2)
    assert os.getpid() in pids, "the calling process works too"
    assert len(set(pids)) == 2


def test_a_killed_worker_loses_only_its_item() -> None:
    parent = os.getpid()

    pace = SlowStart()

    def work(index: int) -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # the worker dies on its first item
        pace.wait()
        return index

    results = fork_map(work, 8, 2)
    died = [i for i, result in enumerate(results) if isinstance(result, Died)]
    assert len(died) == 1
    assert "SIGKILL" in results[died[0]].reason  # type: ignore[union-attr]
    assert [r for r in results if not isinstance(r, Died)] == [
        i for i in range(8) if i not in died]
    assert _no_children_left()


def test_an_error_in_the_caller_ends_the_workers() -> None:
    parent = os.getpid()

    def work(index: int) -> int:
        if os.getpid() == parent:
            raise KeyboardInterrupt
        time.sleep(0.02)
        return index

    with pytest.raises(KeyboardInterrupt):
        fork_map(work, 50, 3)
    assert _no_children_left()


def test_normcheck_reports_a_root_whose_worker_died(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    for name in "abcd":
        (tmp_path / f"{name}.norm").write_text(
            f"agent ai\naction ai.act_{name}\nnorm n_{name} ai must act_{name}\n")
    parent = os.getpid()
    real_check_root = cli_run.check_root
    pace = SlowStart()

    def check_root(*args: object) -> object:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        pace.wait()
        return real_check_root(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(cli_run, "check_root", check_root)
    code = cli.main([str(tmp_path), "--jobs", "2", "--no-cache", "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert code == EXIT_FINDINGS
    died = [f for f in findings if f["kind"] == "solver-unknown"]
    assert len(died) == 1
    assert "WorkerDied: a worker process was killed by signal SIGKILL" in died[0]["message"]
    assert _no_children_left()
    # `main` called as a library leaves Ctrl-C to its host (only the console script takes it)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
