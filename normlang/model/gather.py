"""What a root reads, gathered on the client for a worker that shares no file system with it.

`gather` walks a root's imports as `Loader` does, through the same functions (so through the
same questions to `core.disk`), but finds the imports with a pattern instead of the parser:
it must cost little beside the check it prepares. What the pattern misses (an import
written over two lines, a path with escapes) is no error: the worker, asking a question
the snapshot cannot answer, stops with `Unrecorded`, and `answer` records the client's
answer to it and walks on from there.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.disk import Recorder, Unrecorded, disk, using
from .imports import display_path, import_target, read_source, through_link
from .projects import CONFINE, confined_resolve, project_root

#: `import "PATH"` and `import values "PATH"` at the start of a line (the usual spelling)
_IMPORT = re.compile(r'^[ \t]*import[ \t]+(values[ \t]+)?"([^"\\\n]*)"', re.MULTILINE)


def gather(root: Path, max_bytes: int, recorder: Recorder | None = None) -> Recorder:
    """The client's answers to what loading `root` asks of the file system (in `recorder`,
    new if None)."""
    recorder = recorder or Recorder()
    with using(recorder):
        files = disk()
        try:
            start = files.resolve(root) if files.exists(root) else files.absolute(root)
            top = project_root(start)
        except (OSError, RuntimeError, ValueError):
            return recorder
        _walk(start, str(root), top, max_bytes)
    return recorder


def answer(recorder: Recorder, missing: Unrecorded, root: Path, max_bytes: int) -> None:
    """Record the client's answer to the question a worker could not answer, and what the
    file it names would lead loading to ask next."""
    with using(recorder):
        if missing.question == CONFINE:
            _confine(missing.path, root, max_bytes)
            return
        try:
            recorder.ask(missing.question, Path(missing.path))
        except (OSError, RuntimeError, ValueError):
            return
        if missing.question in ("stat", "read", "resolve"):
            try:
                top = project_root(disk().resolve(root) if disk().exists(root) else disk().absolute(root))
            except (OSError, RuntimeError, ValueError):
                return
            _walk(Path(missing.path), display_path(Path(missing.path)), top, max_bytes)


def _confine(question: str, root: Path, max_bytes: int) -> None:
    """Walk, as `confined_resolve` does, the path a worker could not confine (`PATH\0ROOT`),
    and what the file it reaches would lead loading to ask next."""
    written, _, confining = question.partition("\0")
    try:
        reached = confined_resolve(Path(written), Path(confining))
        top = project_root(disk().resolve(root) if disk().exists(root) else disk().absolute(root))
    except (OSError, RuntimeError, ValueError):
        return
    if reached is not None:
        _walk(reached, display_path(reached), top, max_bytes)


def _walk(start: Path, shown_start: str, top: Path, max_bytes: int) -> None:
    seen: set[Path] = set()
    todo = [(start, shown_start)]
    while todo:
        path, shown = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        source, _ = read_source(path, shown, max_bytes)
        if source is None:
            continue
        for values, written in _IMPORT.findall(source.text):
            if values:
                _graph(shown, written, top, max_bytes)
                continue
            target = import_target(path.parent, written, top, ".norm")
            through_link(path.parent / written)
            if isinstance(target, Path):
                todo.append((target, display_path(target)))


def _graph(importer: str, written: str, top: Path, max_bytes: int) -> None:
    """The questions `moral_graph` asks of an `import values` file."""
    files = disk()
    try:
        base = files.resolve(Path(importer)).parent
    except (OSError, RuntimeError, ValueError):
        return
    target = import_target(base, written, top, ".json")
    through_link(base / written)
    if not isinstance(target, Path):
        return
    try:
        info = files.stat(target)
        display_path(target)
        if info.st_size <= max_bytes:
            files.read(target)
    except (OSError, ValueError):
        return
