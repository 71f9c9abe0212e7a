"""Checking groups of norms as independent tasks, in this process or in worker processes.

Norms of different groups share no action, so most checks of one group need
nothing of the others: only the conflicts of other groups (a situation with a
conflict anywhere has no complying conduct at all). A check therefore runs in
two passes over fixed chunks of groups — conflicts first, then every other
single-norm check — and the second pass reads the first pass's conflicts as
SMT-LIB text (`KnownConflicts`).

Every task starts a fresh z3 context, so its answers (witness values included)
depend only on the task, not on what ran before it in the same process: the
output of `--jobs N` is the output of `--jobs 1`. Chunks are cut from the spec
alone, never from the number of jobs, for the same reason.

The same task functions are what a cluster engine would run: a task is
`(chunk index)` over a shared, picklable `Shared`; see docs/cli.md.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..core.findings import Finding
from ..engine.structure import Group, Layout
from ..model.spec import Spec

#: a chunk closes once it holds this many norms (fixed, so chunks do not depend on --jobs)
CHUNK_NORMS = 400


@dataclass
class Shared:
    """What every task reads: built once by the parent, inherited by forked workers."""

    spec: Spec
    layout: Layout
    runtime: object
    limits: object
    chunks: list[list[int]]
    scoped: bool
    known: object = None
    #: the views whose conflicts the first pass exports for every group
    views: tuple[str, ...] = ()
    upto_views: tuple[str, ...] = ()
    #: the distinct minimal conflicting sets listed per group
    max_conflicts: int = 100
    progress: list[int] = field(default_factory=list)


def chunk_groups(groups: Sequence[Group]) -> list[list[int]]:
    """Consecutive groups, cut after every `CHUNK_NORMS` norms (a big group is a chunk)."""
    chunks: list[list[int]] = []
    current: list[int] = []
    size = 0
    for group in groups:
        current.append(group.index)
        size += len(group.norms) + len(group.constraints)
        if size >= CHUNK_NORMS:
            chunks.append(current)
            current, size = [], 0
    if current:
        chunks.append(current)
    return chunks


#: what making a z3 context allocates at most (its tables take ~17 MB)
CONTEXT_BYTES = 32 * 1024 * 1024


def fresh_z3_context(memory_mb: int | None = None) -> None:
    """Make the next z3 terms live in a new context (z3's default one is a module global).

    Under a memory limit (`memory_mb`, z3's `memory_max_size`), a context that would not
    fit is refused with z3's own "out of memory" error, reported as the limit: z3 fails to
    make it, and its Python API then crashes the process (a segfault with `--jobs 1`, a
    broken process pool with more).
    """
    import z3

    if memory_mb and z3.Z3_get_estimated_alloc_size() + CONTEXT_BYTES > memory_mb * 1024 * 1024:
        raise z3.Z3Exception("out of memory")
    z3.z3._main_ctx = None  # first, so that the new one can reuse its ~17 MB of tables
    z3.z3._main_ctx = z3.Context()


def _z3_default_context() -> object:
    z3 = sys.modules.get("z3")
    return None if z3 is None else z3.z3._main_ctx


def _set_z3_default_context(context: object) -> None:
    z3 = sys.modules.get("z3")
    if z3 is not None:
        z3.z3._main_ctx = context


@contextmanager
def repeatable() -> Iterator[None]:
    """Run a whole check so that its answers do not depend on what ran before it.

    z3 reuses the ids of terms Python has freed, and its answers depend on term ids.
    Reference counting frees terms at points fixed by the code, but Python's cycle
    collector runs whenever earlier allocations happen to trigger it. So it is paused for
    the whole check and run only at fixed points (`collect_now`, after each task); what
    exists when the check starts (the spec) is frozen out of those collections, which
    keeps them cheap and keeps forked workers from copying its pages.
    """
    global _shared, _froze_shared, _may_freeze
    host_context = _z3_default_context()  # an embedding program's own z3 terms live there
    was_enabled = gc.isenabled()
    # an embedding program that froze objects itself (before forking, say) keeps them
    # frozen: unfreezing at the end would thaw its objects too, so nothing is frozen here
    _may_freeze = gc.get_freeze_count() == 0
    gc.disable()
    if _may_freeze:
        gc.freeze()
    _froze_shared = False
    try:
        yield
    finally:
        # Everything the check made, its z3 context (~17 MB) included, must be freed now:
        # what is still alive, or garbage, when the next check freezes would never be.
        _shared = None
        _set_z3_default_context(host_context)
        solver = sys.modules.get("normlang.engine.solver")
        if solver is not None:
            solver.restore_host_params()
        gc.collect()
        if _may_freeze:
            gc.unfreeze()
        if _froze_shared:  # the state frozen for the tasks is garbage in the oldest
            gc.collect()  # generation now: only a full collection (~5 ms) reaches it
        if was_enabled:
            gc.enable()


def collect_now() -> None:
    """Free what the last task left (at a point fixed by the code, in every process)."""
    gc.collect()


_shared: Shared | None = None
#: whether `run_tasks` froze the check's own state (see `repeatable`)
_froze_shared = False
#: whether this check may freeze objects (the embedding program froze none itself)
_may_freeze = True

Task = Callable[[int], "tuple[list[Finding], object]"]

#: where a check's chunks go instead of local processes (a cluster's workers), when set:
#: given the task's name, the number of chunks and the first pass's conflicts (`known`),
#: it returns every chunk's result, in chunk order
Distribute = Callable[[str, int, object], "list[tuple[list[Finding], object]]"]
_distribute: Distribute | None = None


@contextmanager
def distributing(to: Distribute | None) -> Iterator[None]:
    """Send the chunks of the checks run inside to `to` (a spec of one chunk stays here)."""
    global _distribute
    before, _distribute = _distribute, to
    try:
        yield
    finally:
        _distribute = before


def run_tasks(shared: Shared, task: Task, jobs: int,
              done: Callable[[int, int], None] | None = None) -> Iterator[tuple[list[Finding], object]]:
    """`task(i)` for every chunk, in chunk order; in `jobs` forked processes when > 1."""
    global _shared, _froze_shared
    _shared = shared
    count = len(shared.chunks)
    if count > 1 and _may_freeze:
        # what the tasks share (the compiled runtime, the layout) is built by now: keep it
        # out of the collections that follow each task, which then scan the task's own
        # objects only. (One task's collection may as well scan it: the check's end then
        # frees it cheaply, before unfreezing.)
        gc.freeze()
        _froze_shared = True

    if _distribute is not None and count > 1:
        for index, result in enumerate(_distribute(task.__name__, count, shared.known)):
            yield result
            if done is not None:
                done(index + 1, count)
        return
    from ..core.parallel import can_fork, local_pool

    if jobs <= 1 or count <= 1 or not can_fork():
        for index in range(count):
            yield _repeatable(task, index)
            if done is not None:
                done(index + 1, count)
        return
    # INVARIANT: the workers inherit `_shared` (and the paused collector) through fork;
    # nothing big is pickled
    with local_pool(min(jobs, count)) as pool:
        for index, result in enumerate(pool.map(_repeatable, [task] * count, range(count))):
            yield result
            if done is not None:
                done(index + 1, count)


def _repeatable(task: Task, index: int) -> tuple[list[Finding], object]:
    from ..engine.solver import Limits, run_guard

    limits = shared().limits
    assert isinstance(limits, Limits)
    try:
        with run_guard(limits):  # a worker process watches the run's deadline too
            return task(index)
    finally:
        collect_now()


def shared() -> Shared:
    assert _shared is not None, "run_tasks sets the shared state before any task runs"
    return _shared
