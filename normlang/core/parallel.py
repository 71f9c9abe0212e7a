"""Items of work shared out over worker processes, through the standard `concurrent.futures`.

`normcheck` checks several root files at once, and the groups of one large root, this
way. The work runs in whatever `Executor` it is given; the local one is a process pool
whose workers are forked from this process (so they start with its modules and state
already loaded). `concurrent.futures` and `multiprocessing` cost ~12 ms to import, so
they are imported only when more than one process is used.

The work function and its items cross into the workers by pickling, so the function
must be defined at module level. A worker that dies (killed by the OS, say) breaks a
process pool for every item still in it; those items are tried again, each alone in a
fresh pool of one, so that a death loses only the item that caused it, as `Died`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future, ProcessPoolExecutor

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Died:
    """The process working on an item ended before sending its result."""

    reason: str


def can_fork() -> bool:
    return os.name == "posix" and hasattr(os, "fork")


def local_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of `processes` workers forked from this one (spawned where there is no fork)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    sys.stdout.flush()  # what is buffered now would be written again by every forked worker
    sys.stderr.flush()
    context = multiprocessing.get_context("fork" if can_fork() else "spawn")
    return ProcessPoolExecutor(max_workers=processes, mp_context=context,
                               initializer=start_worker, initargs=(os.getpid(),))


def map_items(work: Callable[[Item], Result], items: Sequence[Item], processes: int,
              done: Callable[[int], None] | None = None,
              executor: Executor | None = None,
              lost: tuple[type[BaseException], ...] = ()) -> list[Result | Died]:
    """`work(item)` for every item, the results in item order. `done(i)` is called, in this
    process, as the result of item i arrives. Items are handed out in order (put the slowest
    first).

    With an `executor`, the work runs there; without one, in a local pool of up to
    `processes` workers, or here when one process (or one item) is enough. An item whose
    future raises one of `lost` (an executor's word for a worker that died with the item,
    such as Dask's `KilledWorker`) is submitted once more, then is `Died`.
    """
    if executor is None and (processes <= 1 or len(items) <= 1):
        results: list[Result | Died] = []
        for index, item in enumerate(items):
            results.append(work(item))
            if done is not None:
                done(index)
        return results
    finished: dict[int, Result | Died] = {}
    if executor is not None:
        again = _run(executor, work, items, range(len(items)), finished, done, lost)
        for index, reason in _run(executor, work, items, sorted(again), finished, done, lost).items():
            finished[index] = Died(f"the worker running it was lost, and again when it was sent "
                                   f"once more: {reason}")
    else:
        pool = local_pool(min(processes, len(items)))
        try:
            pool_lost = _run(pool, work, items, range(len(items)), finished, done)
        finally:  # an interrupted run leaves no item to start and no worker behind
            pool.shutdown(wait=True, cancel_futures=True)
        for index in sorted(pool_lost):
            finished[index] = _alone(work, items, index, finished, done)
    return [finished[index] for index in range(len(items))]


def _run(executor: Executor, work: Callable[[Item], Result], items: Sequence[Item],
         indices: Sequence[int], finished: dict[int, Result | Died],
         done: Callable[[int], None] | None,
         lost: tuple[type[BaseException], ...] = ()) -> dict[int, str]:
    """Run the items at `indices`; record what comes back; return the indices lost to a
    worker that died, with what the executor said of it."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    futures: dict[Future[Result], int] = {executor.submit(work, items[i]): i for i in indices}
    gone: dict[int, str] = {}
    caught: tuple[type[BaseException], ...] = (BrokenProcessPool, *lost)
    for future in as_completed(futures):
        index = futures[future]
        try:
            finished[index] = future.result()
        except caught as problem:
            said = str(problem).partition("\n")[0]
            gone[index] = type(problem).__name__ + (f": {said}" if 0 < len(said) <= 100 else "")
            continue
        if done is not None:
            done(index)
    return gone


def _alone(work: Callable[[Item], Result], items: Sequence[Item], index: int,
           finished: dict[int, Result | Died], done: Callable[[int], None] | None
           ) -> Result | Died:
    """The item at `index` once more, alone in a fresh pool of one: its result, or `Died`
    with what ended the worker."""
    pool = local_pool(1)
    try:
        if not _run(pool, work, items, [index], finished, done):
            return finished[index]
        workers = list(getattr(pool, "_processes", {}).values())  # CPython's own record
    finally:
        pool.shutdown(wait=True)
    return Died(_ending([worker.exitcode for worker in workers]))


def _ending(exit_codes: list[int | None]) -> str:
    import signal

    for code in exit_codes:
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            return f"a worker process was killed by signal {name}"
        if code:
            return f"a worker process exited with code {code}"
    return "a worker process ended early"


def start_worker(parent: int) -> None:
    """Set up a forked worker so that an interrupted run leaves none behind: Ctrl-C (sent to
    the whole process group) ends it silently, whatever its parent does with the signal;
    and on Linux, where the kernel can be asked to, it ends with `parent` (at once if
    `parent` already has)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(1)
