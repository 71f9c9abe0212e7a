"""What a run may change for the whole process, and only when the console script owns it."""

from __future__ import annotations

import os
import sys

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:

    pass


HEAVY_MODULES = ("z3", "lark", "networkx")


#: whether this process is the console script's (see `console`): only then does a run change
#: what belongs to the whole process, Ctrl-C (`exit_on_interrupt`) and the allocator
#: (`keep_freed_memory`); `main` called as a library leaves them to its host
owns_process = False


_interrupt_handled = False


def exit_on_interrupt() -> None:
    """Ctrl-C ends the run at once: `normcheck: interrupted` on stderr, exit code 130.

    Only where the console script owns the process, and only once a command has real work
    to do (a run answered from the cache skips it: ~2 ms).

    A KeyboardInterrupt reaches Python code only once z3 returns from a check (seconds, at
    worst), and one raised inside a finalizer is printed and then swallowed. So SIGINT is
    blocked in this thread, and in the threads it starts, and one thread waits for it. Cache
    files are written whole and renamed, so leaving at any point loses nothing. Workers end
    on Ctrl-C themselves, and with this process (see `parallel.start_worker`).
    """
    global _interrupt_handled
    if not owns_process or _interrupt_handled:
        return
    _interrupt_handled = True
    import signal

    if not hasattr(signal, "pthread_sigmask") or signal.getsignal(signal.SIGINT) in (
            signal.SIG_IGN, None):  # no POSIX threads, or started with Ctrl-C ignored
        return
    import threading

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    threading.Thread(target=_wait_for_interrupt, name="normcheck-interrupt", daemon=True).start()


def _wait_for_interrupt() -> None:
    import signal

    signal.sigwait({signal.SIGINT})
    try:
        os.write(2, b"normcheck: interrupted\n")
    finally:
        os._exit(130)


def keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory for reuse rather than give it back at once.

    Each root gets a fresh z3 context, which fills ~17 MB of tables when made; given back
    to the system after one root and faulted in again for the next, that costs ~5 ms a
    root instead of ~1.5 ms. Only where the console script owns the process; anything but
    glibc is left as it is.
    """
    if not owns_process or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 * 2**20)  # glibc's largest: blocks this size come from the heap
    mallopt(m_trim_threshold, 128 * 2**20)  # and up to this much free heap is kept


#: heavy modules that worker processes imported (for NORMCHECK_DEBUG_IMPORTS)
worker_imports: set[str] = set()
