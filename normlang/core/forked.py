"""Items of work shared out over forked processes, the calling process among them.

`normcheck` checks several root files at once this way. Every process claims the
next item from one pipe, so a slow item never holds up the others, and the
caller's own process works too rather than waiting. Workers send each result
back through their own pipe as marshal data (built in; pickle costs ~2 ms to
import), so a result must be plain data: None, booleans, numbers, strings, and
tuples, lists and dicts of them. A worker that dies (killed by the OS, say)
loses only the item it was working on, which comes back as `Died`.

Forking, rather than `concurrent.futures`, because a cold `normcheck` run is
short: that package and `multiprocessing` cost ~12 ms to import, and an idle
parent wastes a core.
"""

from __future__ import annotations

import marshal
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, BinaryIO, Generic, TypeVar

Result = TypeVar("Result")

#: an item index, as claimed from the pipe: writes and reads of this size are atomic
_INDEX_BYTES = 4


@dataclass(frozen=True)
class Died:
    """The process working on an item ended before sending its result."""

    reason: str


def can_fork() -> bool:
    return os.name == "posix" and hasattr(os, "fork")


def fork_map(work: Callable[[int], Result], count: int, processes: int,
             done: Callable[[int], None] | None = None) -> list[Result | Died]:
    """`work(i)` for every i in range(count), in up to `processes` processes, this one
    included; the results in index order. Items are claimed in index order (put the
    slowest first). `done(i)` is called, in this process, as each result arrives.

    Without fork (or with one process or one item), every item runs here.
    """
    if processes <= 1 or count <= 1 or not can_fork():
        results: list[Result | Died] = []
        for index in range(count):
            results.append(work(index))
            if done is not None:
                done(index)
        return results
    return _Pool(work, count, min(processes, count), done).run()


class _Pool(Generic[Result]):
    def __init__(self, work: Callable[[int], Result], count: int, processes: int,
                 done: Callable[[int], None] | None) -> None:
        self.work, self.count, self.processes, self.done = work, count, processes, done
        self.results: list[Result | Died | None] = [None] * count
        #: item -> the worker (pid) that claimed it
        self.claimed: dict[int, int] = {}
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def run(self) -> list[Result | Died]:
        claims_read, claims_write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        children: dict[int, int] = {}  # pid -> read end of its result pipe
        parent = os.getpid()
        started = finished = False
        try:
            for _ in range(self.processes - 1):
                read, write = os.pipe()
                pid = os.fork()
                if pid == 0:  # the child never returns from here
                    self._child(claims_read, claims_write, write, [read, *children.values()],
                                parent)
                os.close(write)
                children[pid] = read
            # from here on the threads own (and close) claims_write and the result pipes: a
            # descriptor closed twice could be someone else's by then; one leaked cannot
            started = True
            self._start_threads(claims_write, children)
            for index in _claims(claims_read):
                self._finish(index, self.work(index))
            for thread in self.threads:
                thread.join()
            finished = True
        finally:
            os.close(claims_read)
            if not started:
                for fd in (claims_write, *children.values()):
                    os.close(fd)
            endings = _reap(children, stop=not finished)
        return self._with_losses(endings)

    def _start_threads(self, claims_write: int, children: dict[int, int]) -> None:
        """One thread hands out the items; one per worker collects its results."""
        self.threads = [threading.Thread(target=_feed, args=(claims_write, self.count))]
        self.threads += [threading.Thread(target=self._collect, args=(pid, read))
                         for pid, read in children.items()]
        for thread in self.threads:
            thread.daemon = True
            thread.start()

    def _with_losses(self, endings: dict[int, str]) -> list[Result | Died]:
        """The results, with `Died` for each item whose worker ended before sending it."""
        for index, result in enumerate(self.results):
            if result is None:
                claimer = self.claimed.get(index)
                reason = (endings.get(claimer) if claimer is not None
                          else next(iter(endings.values()), None))
                self.results[index] = Died(reason or "a worker process ended early")
        return self.results  # type: ignore[return-value]

    def _child(self, claims_read: int, claims_write: int, write: int,
               others: list[int], parent: int) -> None:
        code = 1
        try:
            start_worker(parent)
            os.close(claims_write)
            for fd in others:
                os.close(fd)
            with os.fdopen(write, "wb") as out:
                for index in _claims(claims_read):
                    _send(out, ("claim", index))
                    _send(out, ("done", index, self.work(index)))
            code = 0
        finally:
            os._exit(code)  # never back into the caller's code, nor its exit handlers

    def _collect(self, pid: int, read: int) -> None:
        with os.fdopen(read, "rb") as incoming:
            while True:
                try:
                    message = marshal.load(incoming)
                except Exception:  # noqa: BLE001 - end of file, or cut off mid-message
                    return  # the worker is done, or died (its items are then `Died`)
                if message[0] == "claim":
                    self.claimed[message[1]] = pid
                else:
                    self._finish(message[1], message[2])

    def _finish(self, index: int, result: Result) -> None:
        with self.lock:
            self.results[index] = result
            if self.done is not None:
                self.done(index)


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


def _send(out: BinaryIO, message: tuple[Any, ...]) -> None:
    marshal.dump(message, out)
    out.flush()


def _feed(claims_write: int, count: int) -> None:
    """Every item index, one atomic write each; then end of file."""
    try:
        for index in range(count):
            os.write(claims_write, index.to_bytes(_INDEX_BYTES, "little"))
    except OSError:
        pass  # every reader is gone (an interrupted run): nothing left to hand out
    finally:
        with suppress(OSError):
            os.close(claims_write)


def _claims(claims_read: int) -> Iterator[int]:
    """The next unclaimed item, until the pipe ends. Every write and read is of
    `_INDEX_BYTES`, under the pipe's atomic size, so a read never takes half an index."""
    while True:
        data = os.read(claims_read, _INDEX_BYTES)
        if len(data) < _INDEX_BYTES:
            return
        yield int.from_bytes(data, "little")


def _reap(children: dict[int, int], stop: bool) -> dict[int, str]:
    """Wait for every worker (ending them first if this process is leaving early); what
    ended each one that did not finish normally."""
    import signal

    if stop:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    endings: dict[int, str] = {}
    for pid in children:
        _pid, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = str(number)
            endings[pid] = f"a worker process was killed by signal {name}"
        elif os.WEXITSTATUS(status) != 0:
            endings[pid] = f"a worker process exited with code {os.WEXITSTATUS(status)}"
    return endings
