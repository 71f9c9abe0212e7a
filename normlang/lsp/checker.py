"""The solver's checks of open files, off the event loop: each run in a forked process of its own.

A run starts after a pause in typing (`delay`); a newer run for the same file, or any edit,
ends the older one at once (the process is killed: z3 cannot be interrupted from Python
otherwise). The forked process inherits the loaded spec, so nothing is sent to it; it sends
back the findings of `api.check` as JSON (the lossless records of `report.json`; nothing
that could run code is read back), through a pipe the event loop reads as they come.
It is a bare `os.fork`: `multiprocessing` closes stdin in the child, which waits forever on
the lock that the server's reader thread holds while it reads. Without `fork` (Windows),
runs go to one thread, and a superseded run's findings are dropped when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ..core.findings import Finding
from ..core.options import CheckOptions
from ..model.loaded import Loaded

#: what a finished run hands back: the file's key, the version it checked, its findings (or
#: None and the reason the run failed)
Done = Callable[[str, int, "list[Finding] | None", str], None]
#: a run's file and version
Event = Callable[[str, int], None]


@dataclass
class _Run:
    version: int
    timer: asyncio.TimerHandle | None = None
    pid: int | None = None
    pipe: int | None = None
    received: bytearray = field(default_factory=bytearray)
    future: Future[list[Finding]] | None = None


class Checker:
    """At most one solver run per file; `schedule` replaces the one there is."""

    def __init__(self, loop: asyncio.AbstractEventLoop, options: CheckOptions, done: Done,
                 started: Event | None = None, cancelled: Event | None = None) -> None:
        self.loop, self.options, self.done = loop, options, done
        #: told when a run starts (after the pause), and when one that started is ended early
        self.started, self.cancelled = started, cancelled
        self.runs: dict[str, _Run] = {}
        self.forking = hasattr(os, "fork")
        #: processes killed or done whose exit is not collected yet
        self._exiting: set[int] = set()
        self._collecting: asyncio.TimerHandle | None = None
        self._threads: ThreadPoolExecutor | None = None

    def schedule(self, key: str, version: int, loaded: Loaded, delay: float) -> None:
        self.cancel(key)
        run = self.runs[key] = _Run(version)
        run.timer = self.loop.call_later(delay, self._start, key, run, loaded)

    @staticmethod
    def warm() -> None:
        """Import the checks (and z3) here once, before any edit: each forked run then starts
        checking at once, and no edit waits for the import."""
        from .. import checks  # noqa: F401

    def running(self, key: str) -> bool:
        """Whether a run for `key` is waiting or under way."""
        return key in self.runs

    def cancel(self, key: str) -> None:
        run = self.runs.pop(key, None)
        if run is None:
            return
        if run.timer is not None:
            run.timer.cancel()
        elif self.cancelled is not None:
            self.cancelled(key, run.version)
        self._close(run)
        if run.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(run.pid, signal.SIGKILL)
            self._reap(run)
        if run.future is not None:
            run.future.cancel()

    def shutdown(self) -> None:
        for key in list(self.runs):
            self.cancel(key)
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)

    def _start(self, key: str, run: _Run, loaded: Loaded) -> None:
        run.timer = None
        if self.started is not None:
            self.started(key, run.version)
        if not self.forking:
            self._threads = self._threads or ThreadPoolExecutor(1, "normcheck-check")
            run.future = self._threads.submit(_findings, loaded, self.options)
            run.future.add_done_callback(
                lambda future: self.loop.call_soon_threadsafe(self._thread_done, key, run, future))
            return
        reading, writing = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child: measured by its answer
            os.close(reading)
            _child(writing, loaded, self.options)
        os.close(writing)
        os.set_blocking(reading, False)
        run.pid, run.pipe = pid, reading
        self.loop.add_reader(reading, self._readable, key, run)

    def _readable(self, key: str, run: _Run) -> None:
        if self.runs.get(key) is not run or run.pipe is None:
            return
        try:
            chunk = os.read(run.pipe, 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if chunk:
            run.received += chunk
            return
        self._close(run)
        self._reap(run)
        del self.runs[key]
        try:
            findings, problem = _answer(bytes(run.received))
        except (ValueError, KeyError, TypeError, IndexError):  # killed from outside: no answer
            findings, problem = None, "the check ended without an answer"
        self.done(key, run.version, findings, problem)

    def _close(self, run: _Run) -> None:
        if run.pipe is not None:
            self.loop.remove_reader(run.pipe)
            os.close(run.pipe)
            run.pipe = None

    def _reap(self, run: _Run) -> None:
        """Collect an ended process's exit without waiting for it: a forked copy of a large
        server takes a while to tear down, and an edit must not wait for that."""
        if run.pid is not None:
            self._exiting.add(run.pid)
            run.pid = None
            if self._collecting is None:
                self._collect()

    def _collect(self) -> None:
        self._collecting = None
        for pid in list(self._exiting):
            try:
                done, _status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done == pid:
                self._exiting.discard(pid)
        if self._exiting and self._collecting is None:
            self._collecting = self.loop.call_later(0.05, self._collect)

    def _thread_done(self, key: str, run: _Run, future: Future[list[Finding]]) -> None:
        if self.runs.get(key) is not run or future.cancelled():
            return
        del self.runs[key]
        problem = future.exception()
        if problem is not None:
            self.done(key, run.version, None, repr(problem))
        else:
            self.done(key, run.version, future.result(), "")


def _findings(loaded: Loaded, options: CheckOptions) -> list[Finding]:
    from ..api import check

    return check(loaded, options=options).findings


def _answer(data: bytes) -> tuple[list[Finding] | None, str]:
    """A run's answer as the forked process wrote it: its findings, or why it has none."""
    from ..report.json import finding_from_record

    answer = json.loads(data.decode("utf-8"))
    if "findings" in answer:
        return [finding_from_record(record) for record in answer["findings"]], ""
    return None, str(answer["problem"])


def _child(pipe: int, loaded: Loaded, options: CheckOptions) -> None:
    """The forked process: check, send the findings, leave without the parent's exit work."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # stdout is the protocol's stream: nothing of this process may reach it
    with contextlib.suppress(OSError):  # the server's answers to typing come first
        os.nice(10)
    code = 0
    from ..report.json import finding_to_record

    try:
        records = [finding_to_record(f) for f in _findings(loaded, options)]
        answer = json.dumps({"findings": records}).encode("utf-8")
    except BaseException:  # every failure is reported to the server, never raised here
        code = 1
        answer = json.dumps({"problem": traceback.format_exc(limit=5)}).encode("utf-8")
    with contextlib.suppress(OSError):
        view = memoryview(answer)
        while view:
            view = view[os.write(pipe, view):]
    os._exit(code)
