"""The solver's checks of open files, off the event loop: each run in a forked process of its own.

A run starts after a pause in typing (`delay`); a newer run for the same file, or any edit,
ends the older one at once (the process is killed: z3 cannot be interrupted from Python
otherwise). The forked process inherits the loaded spec, so nothing is sent to it; it sends
back the findings of `api.check`. Without `fork` (Windows), runs go to one thread, and a
superseded run's findings are dropped when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from ..core.findings import Finding
from ..core.options import CheckOptions
from ..model.loaded import Loaded

#: what a finished run hands back: the file's key, the version it checked, its findings (or
#: None and the reason the run failed)
Done = Callable[[str, int, "list[Finding] | None", str], None]


@dataclass
class _Run:
    version: int
    timer: asyncio.TimerHandle | None = None
    process: BaseProcess | None = None
    reader: Connection | None = None
    future: Future[list[Finding]] | None = None
    started: float = field(default=0.0)


class Checker:
    """At most one solver run per file; `schedule` replaces the one there is."""

    def __init__(self, loop: asyncio.AbstractEventLoop, options: CheckOptions, done: Done) -> None:
        self.loop, self.options, self.done = loop, options, done
        self.runs: dict[str, _Run] = {}
        self.forking = "fork" in multiprocessing.get_all_start_methods()
        self._threads: ThreadPoolExecutor | None = None

    def schedule(self, key: str, version: int, loaded: Loaded, delay: float) -> None:
        self.cancel(key)
        run = self.runs[key] = _Run(version)
        run.timer = self.loop.call_later(delay, self._start, key, run, loaded)

    def running(self, key: str) -> bool:
        """Whether a run for `key` is waiting or under way."""
        return key in self.runs

    def cancel(self, key: str) -> None:
        run = self.runs.pop(key, None)
        if run is None:
            return
        if run.timer is not None:
            run.timer.cancel()
        if run.reader is not None:
            self.loop.remove_reader(run.reader.fileno())
            run.reader.close()
        if run.process is not None and run.process.is_alive():
            run.process.kill()
        if run.process is not None:
            run.process.join(5)
        if run.future is not None:
            run.future.cancel()

    def shutdown(self) -> None:
        for key in list(self.runs):
            self.cancel(key)
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)

    def _start(self, key: str, run: _Run, loaded: Loaded) -> None:
        run.timer = None
        run.started = self.loop.time()
        if not self.forking:
            self._threads = self._threads or ThreadPoolExecutor(1, "normcheck-check")
            run.future = self._threads.submit(_findings, loaded, self.options)
            run.future.add_done_callback(
                lambda future: self.loop.call_soon_threadsafe(self._thread_done, key, run, future))
            return
        context = multiprocessing.get_context("fork")
        reader, writer = context.Pipe(duplex=False)
        run.process = context.Process(target=_child, args=(writer, loaded, self.options),
                                      daemon=True)
        run.process.start()
        writer.close()
        run.reader = reader
        self.loop.add_reader(reader.fileno(), self._ready, key, run)

    def _ready(self, key: str, run: _Run) -> None:
        if self.runs.get(key) is not run or run.reader is None:
            return
        self.loop.remove_reader(run.reader.fileno())
        try:
            findings, problem = run.reader.recv()
        except (EOFError, OSError):
            findings, problem = None, "the check ended without an answer"
        run.reader.close()
        run.reader = None
        if run.process is not None:
            run.process.join(5)
        del self.runs[key]
        self.done(key, run.version, findings, problem)

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


def _child(writer: Connection, loaded: Loaded, options: CheckOptions) -> None:
    """The forked process: check, send the findings, leave without the parent's exit work."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # stdout is the protocol's stream: nothing of this process may reach it
    code = 0
    try:
        writer.send((_findings(loaded, options), ""))
    except BaseException:  # every failure is reported to the server, never raised here
        code = 1
        with contextlib.suppress(OSError):
            writer.send((None, traceback.format_exc(limit=5)))
    os._exit(code)
