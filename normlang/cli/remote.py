"""Checking roots on the workers of a cluster, which share no file system with this process.

What travels is file contents, never paths to open: for each root, a `core.disk.Snapshot` of
what loading it asks of the file system here (its source, its imports' sources, the moral
graphs' JSON, where each path leads, the working folder that display paths start from),
gathered by `model.gather` without parsing. A file's bytes travel once per run however many
roots read it (`share`). The worker loads the root from the snapshot and checks it exactly
as a local worker process would (one root, its groups one after another, a fresh z3
context per task), so the findings are the same bytes whatever the executor.

A root of several chunks of groups (`checks.tasks`) comes back (`split`) and is checked
here, each chunk sent to the workers as a task of its own (`check_chunk`) with the root's
snapshot: a worker loads and lays out the spec once for all the chunks it gets of it.

A question the snapshot cannot answer sends the root back (`unrecorded`): this process
answers it and sends the root again, up to `ROUNDS` times; a root still asking after that is
checked here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TypeVar, overload

from ..core.version import __version__
from .progress import Progress
from .run import WorkerDied, check_root, crashed

#: typing.TYPE_CHECKING without importing typing
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor
    from typing import Any

    from ..checks.tasks import Shared
    from ..core.disk import Recorder, Snapshot
    from ..core.findings import Finding
    from ..core.options import CheckOptions
    from ..model.loader import Loader
    from .run import Outcome

    #: what a worker sends back: ("done", findings as records, sources as (path, text), heavy
    #: modules), ("unrecorded", question, path), ("split",) or ("refused", why)
    Reply = tuple[Any, ...]
    #: a root's task: (version, root, options, snapshot, its files' bytes or their futures)
    Task = tuple[str, str, CheckOptions, Snapshot, dict[str, Any]]

Item = TypeVar("Item")

#: how often a root may come back for more of the file system before it is checked here
ROUNDS = 8

#: files smaller than this travel inside their root's task; larger ones (a shared policy)
#: are sent once per run, each as a task of its own that every root's task depends on
SHARED_BYTES = 8192

#: the worker's loader, kept across tasks (files many roots import parse once per worker),
#: for one set of options and working folder; with the bytes each parsed file came from
_worker: tuple[tuple[CheckOptions, str], Loader, dict[Path, bytes | None]] | None = None

#: the spec a worker last laid out for chunk tasks, by its snapshot's content hash
_chunked: tuple[str, Shared] | None = None
#: how many times this worker process loaded and laid out a spec for chunk tasks
laid_out = 0


class _Split(BaseException):
    """A root of several chunks, to be checked chunk by chunk (not caught as a crash)."""


def _split(name: str, count: int, known: object) -> list[tuple[list[Finding], object]]:
    raise _Split


def check_snapshot(task: tuple[str, str, CheckOptions, Snapshot, dict[str, bytes]]) -> Reply:
    """On a worker: check one root from its snapshot."""
    version, root, options, snapshot, blobs = task
    if version != __version__:  # another version may find other things: never mix them
        return ("refused", f"the worker runs normlang {__version__}, the client {version}")
    from ..core.disk import Snapshot, Unrecorded, using
    from ..core.one_check import CHECK_LOCK
    from ..report.json import finding_to_record
    from .process import HEAVY_MODULES

    view = Snapshot(snapshot.working, snapshot.answers, blobs)
    # one task at a time per worker process (core.one_check), its loader included: the
    # threads of a worker started with --nthreads above 1 take turns
    from ..checks.tasks import distributing

    with CHECK_LOCK, using(view), distributing(_split):
        loader, made = _loader_for(options, view)
        try:
            found, files = check_root(loader, Path(root), options, None)
        except Unrecorded as missing:
            return ("unrecorded", missing.question, missing.path)
        except _Split:
            return ("split",)
        finally:
            reads = view.reads()
            for path in loader.parsed_paths():
                made.setdefault(path, reads.get(str(path)))
    heavy = [name for name in HEAVY_MODULES if name in sys.modules]
    return ("done", [finding_to_record(f) for f in found],
            [(path, source.text) for path, source in files.items()], heavy)


def check_chunk(task: tuple[Task, str, str, int, object]) -> tuple[list[Finding], object]:
    """On a worker: one chunk of a root's groups (`checks.run_chunk`), for the root's snapshot
    whose content hash is `key`."""
    (version, root, options, snapshot, blobs), key, name, index, known = task
    if version != __version__:
        raise RuntimeError(f"the worker runs normlang {__version__}, the client {version}")
    from ..checks import run_chunk

    return run_chunk(_laid_out(key, root, options, snapshot, blobs), name, index, known)


def _laid_out(key: str, root: str, options: CheckOptions, snapshot: Snapshot,
              blobs: dict[str, bytes]) -> Shared:
    """The spec of the snapshot `key`, laid out in chunks: made once per worker process."""
    global _chunked, laid_out
    if _chunked is not None and _chunked[0] == key:
        return _chunked[1]
    _chunked = None  # the last spec's memory is freed first
    from ..checks import prepare
    from ..checks.tasks import Shared, repeatable
    from ..core.disk import Snapshot, using
    from ..core.one_check import CHECK_LOCK
    from ..model.loader import Loader

    view = Snapshot(snapshot.working, snapshot.answers, blobs)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))
    try:
        with CHECK_LOCK, using(view):
            loaded = Loader(options).load(Path(root))
            if loaded.spec is None:
                raise RuntimeError(f"the worker could not load {root} from its snapshot")
            with repeatable():
                state = prepare(loaded.spec, options)
    finally:
        sys.setrecursionlimit(limit)
    if not isinstance(state, Shared):
        raise RuntimeError(f"the worker could not lay out {root}: {state.message}")
    _chunked, laid_out = (key, state), laid_out + 1
    return state


def _loader_for(options: CheckOptions, view: Snapshot) -> tuple[Loader, dict[Path, bytes | None]]:
    """The worker's loader, without the parsed files whose bytes differ from the snapshot's
    (or that were never read: a cached failure may read otherwise now)."""
    global _worker
    from ..model.loader import Loader

    if _worker is None or _worker[0] != (options, view.working):
        _worker = ((options, view.working), Loader(options), {})
    loader, made = _worker[1], _worker[2]
    reads = view.reads()
    for path in loader.parsed_paths():
        kept = made.get(path)
        if kept is None or reads.get(str(path)) != kept:
            loader.forget(path)
            made.pop(path, None)
    return loader, made


def check_on_cluster(address: str, roots: list[Path], options: CheckOptions,
                     jobs: int) -> list[Outcome]:
    """`run.check_all` on the Dask scheduler at `address` (`jobs` does not apply there: the
    cluster's workers are its processes)."""
    from dataclasses import replace

    from .cluster import Cluster
    from .process import exit_on_interrupt

    exit_on_interrupt()  # first: the client's threads must start with Ctrl-C blocked too
    cluster = Cluster(address)
    progress = Progress(len(roots))
    try:
        # one root per task; inside a root, its groups are checked one after another
        return check_on(cluster.executor, cluster.lost, cluster.share, roots,
                        replace(options, jobs=1), progress)
    finally:
        progress.done()
        cluster.close()


def check_on(executor: Executor, lost: tuple[type[BaseException], ...],
             share: Callable[[dict[str, bytes]], dict[str, Any]],
             roots: list[Path], options: CheckOptions, progress: Progress) -> list[Outcome]:
    """Check every root on `executor`'s workers: the outcomes in root order. A root whose
    worker died twice (`lost`) is a `solver-unknown` finding, never a pass."""
    from ..core.parallel import Died, map_items
    from ..model.gather import gather

    recorders: dict[int, Recorder] = {}

    def build(index: int) -> Task:
        if index not in recorders:
            recorders[index] = gather(roots[index], options.max_file_bytes)
        return _task(roots[index], options, recorders[index], share)

    outcomes: dict[int, Outcome] = {}
    split: list[int] = []
    pending = list(range(len(roots)))
    for round_ in range(ROUNDS):
        if not pending:
            break
        # the largest roots first; each is gathered as it is sent, so the workers start on
        # the first root while the client reads the next
        order = sorted(pending, key=lambda i: -_size(roots[i]))
        tasks = _Lazy([partial(build, i) for i in order])
        # a root sent again was counted when it first came back
        shown = _started(progress, [roots[i] for i in order]) if round_ == 0 else None
        replies = map_items(check_snapshot, tasks, 1, executor=executor, lost=lost, done=shown)
        pending = []
        for index, reply in zip(order, replies):
            if isinstance(reply, Died):
                outcomes[index] = ([crashed(roots[index], WorkerDied(reply.reason))], {})
            elif reply[0] == "unrecorded":
                _answer(recorders[index], reply, roots[index], options)
                pending.append(index)
            elif reply[0] == "split":
                split.append(index)
            elif reply[0] == "refused":
                outcomes[index] = ([crashed(roots[index], RuntimeError(reply[1]))], {})
            else:
                outcomes[index] = _outcome(reply)
    for index in pending:
        from ..model.loader import Loader

        outcomes[index] = check_root(Loader(options), roots[index], options, None)
    for index in split:
        outcomes[index] = _check_split(executor, lost, build(index), roots[index], options)
    return [outcomes[index] for index in range(len(roots))]


def _check_split(executor: Executor, lost: tuple[type[BaseException], ...], task: Task,
                 root: Path, options: CheckOptions) -> Outcome:
    """Check `root` here, its chunks on `executor`'s workers, merged as local chunks are. A
    chunk whose worker died twice makes the root `solver-unknown`, never a pass."""
    import hashlib

    from ..checks.tasks import distributing
    from ..core.parallel import Died, map_items
    from ..model.loader import Loader

    snapshot = task[3]
    # repr, not pickle: the key only names this content for the workers' cache of layouts
    key = hashlib.sha256(repr((task[1], options, snapshot.working,
                               sorted(snapshot.answers.items()))).encode()).hexdigest()

    def distribute(name: str, count: int, known: object) -> list[tuple[list[Finding], object]]:
        items = [(task, key, name, index, known) for index in range(count)]
        results = map_items(check_chunk, items, 1, executor=executor, lost=lost)
        died = [result for result in results if isinstance(result, Died)]
        if died:
            raise WorkerDied(died[0].reason)
        return [result for result in results if not isinstance(result, Died)]

    with distributing(distribute):
        return check_root(Loader(options), root, options, None)


def _started(progress: Progress, roots: list[Path]) -> Callable[[int], None]:
    return lambda position: progress.start(str(roots[position]))


def _task(root: Path, options: CheckOptions, recorder: Recorder,
          share: Callable[[dict[str, bytes]], dict[str, Any]]
          ) -> Task:
    snapshot, blobs = recorder.snapshot().split()
    small = {name: data for name, data in blobs.items() if len(data) < SHARED_BYTES}
    large = {name: data for name, data in blobs.items() if len(data) >= SHARED_BYTES}
    return (__version__, str(root), options, snapshot, {**small, **share(large)})


def _answer(recorder: Recorder, reply: Reply, root: Path, options: CheckOptions) -> None:
    from ..core.disk import Unrecorded
    from ..model.gather import answer

    answer(recorder, Unrecorded(reply[1], reply[2]), root, options.max_file_bytes)


def _size(root: Path) -> int:
    """The bytes of the root file alone (what it imports is read as it is sent)."""
    try:
        return root.stat().st_size
    except (OSError, ValueError):
        return 0


class _Lazy(Sequence[Item]):
    """Items made when first asked for, once each."""

    def __init__(self, makers: list[Callable[[], Item]]) -> None:
        self._makers = makers
        self._made: dict[int, Item] = {}

    def __len__(self) -> int:
        return len(self._makers)

    @overload
    def __getitem__(self, index: int) -> Item: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | Sequence[Item]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if index not in self._made:
            self._made[index] = self._makers[index]()
        return self._made[index]


def _outcome(reply: Reply) -> Outcome:
    from ..core.source import SourceFile
    from ..report.json import finding_from_record
    from .process import worker_imports

    _, records, texts, heavy = reply
    worker_imports.update(heavy)
    return ([finding_from_record(r) for r in records],
            {path: SourceFile(path, text) for path, text in texts})
