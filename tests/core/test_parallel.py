"""Work shared out over worker processes (`normlang.core.parallel`): every result, in order,
from several processes, through the local pool or any `concurrent.futures` executor; a worker
that dies loses only its own item, said plainly."""

from __future__ import annotations

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from normlang.cli import main as cli
from normlang.cli import run as cli_run
from normlang.cli.common import EXIT_FINDINGS
from normlang.core.parallel import Died, can_fork, map_items

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs os.fork")

#: the item whose worker kills itself (in `square_or_die`)
DEADLY = 3


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def square(index: int) -> tuple[int, int]:
    return index, index * index


def slow_pid(index: int) -> int:
    time.sleep(0.05)
    return os.getpid()


def square_or_die(index: int) -> tuple[int, int]:
    if index == DEADLY:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
    return square(index)


@pytest.mark.parametrize("count", [0, 1, 2, 7, 40])
@pytest.mark.parametrize("processes", [1, 2, 3])
def test_every_result_comes_back_in_order(count: int, processes: int) -> None:
    done: list[int] = []
    results = map_items(square, list(range(count)), processes, done=done.append)
    assert results == [(i, i * i) for i in range(count)]
    assert sorted(done) == list(range(count))
    assert _no_children_left()


def test_items_are_shared_between_worker_processes() -> None:
    pids = map_items(slow_pid, list(range(10)), 2)
    assert os.getpid() not in pids, "the work runs in the pool's workers"
    assert len(set(pids)) == 2


def test_any_executor_runs_the_work() -> None:
    with ThreadPoolExecutor(max_workers=3) as executor:
        done: list[int] = []
        results = map_items(square, list(range(9)), 1, done=done.append, executor=executor)
    assert results == [(i, i * i) for i in range(9)]
    assert sorted(done) == list(range(9))


@pytest.mark.parametrize("processes", [2, 3])
def test_a_killed_worker_loses_only_its_item(processes: int) -> None:
    results = map_items(square_or_die, list(range(8)), processes)
    died = [i for i, result in enumerate(results) if isinstance(result, Died)]
    assert died == [DEADLY]
    assert "killed by signal SIGKILL" in results[DEADLY].reason  # type: ignore[union-attr]
    assert [r for r in results if not isinstance(r, Died)] == [
        (i, i * i) for i in range(8) if i != DEADLY]
    assert _no_children_left()


def test_an_error_in_the_caller_ends_the_workers() -> None:
    def done(index: int) -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        map_items(slow_pid, list(range(50)), 3, done=done)
    assert time.monotonic() - started < 2, "the items not yet started were cancelled"
    assert _no_children_left()


def test_normcheck_reports_a_root_whose_worker_died(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    for name in "abcd":
        (tmp_path / f"{name}.norm").write_text(
            f"agent ai\naction ai.act_{name}\nnorm n_{name} ai must act_{name}\n")
    real_check_root = cli_run.check_root

    def check_root(loader: object, root: Path, *args: object) -> object:
        if root.name == "c.norm":  # the worker checking this root is killed
            os.kill(os.getpid(), signal.SIGKILL)
        return real_check_root(loader, root, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(cli_run, "check_root", check_root)
    code = cli.main([str(tmp_path), "--jobs", "2", "--no-cache", "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert code == EXIT_FINDINGS
    died = [f for f in findings if f["kind"] == "solver-unknown"]
    assert len(died) == 1 and died[0]["file"].endswith("c.norm")
    assert died[0]["message"] == ("could not check this file: a worker process ended early "
                                  "(a worker process was killed by signal SIGKILL)")
    assert not any("bug" in line for line in died[0]["help"])  # killed: not normcheck's bug
    assert _no_children_left()
    # `main` called as a library leaves Ctrl-C to its host (only the console script takes it)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


class Lost(Exception):
    """What a test executor raises for an item whose worker it lost."""


#: how often each item was tried (`lost_first_time`, `lost_every_time`)
_tries: dict[int, int] = {}


def lost_first_time(index: int) -> tuple[int, int]:
    _tries[index] = _tries.get(index, 0) + 1
    if index == DEADLY and _tries[index] == 1:
        raise Lost("gone")
    return square(index)


def lost_every_time(index: int) -> tuple[int, int]:
    _tries[index] = _tries.get(index, 0) + 1
    if index == DEADLY:
        raise Lost("gone")
    return square(index)


@pytest.mark.parametrize(("work", "survives"), [(lost_first_time, True), (lost_every_time, False)])
def test_an_item_an_executor_lost_is_sent_once_more_then_died(work, survives: bool) -> None:
    _tries.clear()
    with ThreadPoolExecutor(max_workers=2) as executor:
        results = map_items(work, list(range(6)), 1, executor=executor, lost=(Lost,))
    assert _tries[DEADLY] == 2 and all(_tries[i] == 1 for i in range(6) if i != DEADLY)
    assert [r for i, r in enumerate(results) if i != DEADLY] == [square(i) for i in range(6) if i != DEADLY]
    if survives:
        assert results[DEADLY] == square(DEADLY)
    else:
        assert isinstance(results[DEADLY], Died)
        assert results[DEADLY].reason.endswith("sent once more: Lost: gone")


def test_an_error_an_executor_does_not_call_lost_is_raised() -> None:
    with ThreadPoolExecutor(max_workers=2) as executor, pytest.raises(Lost):
        map_items(lost_every_time, list(range(6)), 1, executor=executor)
