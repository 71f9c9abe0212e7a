"""The file system as loading sees it: the real one, or a recorded copy of its answers.

Loading a root (its file, its imports, its moral graphs) asks the file system a few kinds
of question: where a path leads (links resolved), whether it exists, is a folder or a link,
its mode and size, its bytes, and the working folder that display paths are relative to.
Every such question goes through `disk()`. Here it is the real file system; a worker of a
cluster, which shares no file system with the client, answers from a `Snapshot`: the
client's answers to the same questions, recorded by a `Recorder` and sent with the task.
A question the snapshot lacks raises `Unrecorded` (past every `except OSError`), so that
the client can answer it and send the task again: a worker never guesses at a file.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

#: typing.TYPE_CHECKING without importing typing (this module is on the warm start-up path)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    #: a recorded answer: ("ok", value) or ("raise", exception class name, errno, message)
    Answer = tuple[object, ...]


class Disk:
    """The real file system."""

    def cwd(self) -> Path:
        return Path.cwd()

    def resolve(self, path: Path) -> Path:
        return path.resolve()

    def exists(self, path: Path) -> bool:
        return path.exists()

    def is_dir(self, path: Path) -> bool:
        return path.is_dir()

    def is_symlink(self, path: Path) -> bool:
        return path.is_symlink()

    def stat(self, path: Path) -> os.stat_result:
        return os.stat(path)

    def read(self, path: Path) -> bytes:
        return path.read_bytes()

    def link_mode(self, path: Path) -> int:
        """The mode of `path` itself, a link not followed (`os.lstat`)."""
        return os.lstat(path).st_mode

    def readlink(self, path: Path) -> str:
        return os.readlink(path)

    def absolute(self, path: Path) -> Path:
        """`path.absolute()`, against this disk's working folder."""
        return path if path.is_absolute() else self.cwd() / path


_QUESTIONS = ("resolve", "exists", "is_dir", "is_symlink", "stat", "read", "link_mode", "readlink")
#: the exceptions an answer may be, rebuilt by name on the worker
_RAISED = {"OSError": OSError, "RuntimeError": RuntimeError, "ValueError": ValueError}


class Recorder(Disk):
    """The real file system, keeping every answer it gives (for a `Snapshot`)."""

    def __init__(self) -> None:
        self.working = Path.cwd()
        self.answers: dict[tuple[str, str], Answer] = {}

    def cwd(self) -> Path:
        return self.working

    def ask(self, question: str, path: Path) -> object:
        """The real answer to `question` about `path`, recorded (an exception too, then raised)."""
        try:
            value = getattr(Disk, question)(self, path)
        except (OSError, RuntimeError, ValueError) as problem:
            kind = next(name for name, cls in _RAISED.items() if isinstance(problem, cls))
            errno = problem.errno if isinstance(problem, OSError) else None
            message = problem.strerror if isinstance(problem, OSError) else str(problem)
            self.answers[(question, str(path))] = ("raise", kind, errno, message)
            raise
        kept = tuple(value) if question == "stat" else value
        self.answers[(question, str(path))] = ("ok", kept)
        return value

    def resolve(self, path: Path) -> Path:
        return self.ask("resolve", path)  # type: ignore[return-value]

    def exists(self, path: Path) -> bool:
        return self.ask("exists", path)  # type: ignore[return-value]

    def is_dir(self, path: Path) -> bool:
        return self.ask("is_dir", path)  # type: ignore[return-value]

    def is_symlink(self, path: Path) -> bool:
        return self.ask("is_symlink", path)  # type: ignore[return-value]

    def stat(self, path: Path) -> os.stat_result:
        return self.ask("stat", path)  # type: ignore[return-value]

    def read(self, path: Path) -> bytes:
        return self.ask("read", path)  # type: ignore[return-value]

    def link_mode(self, path: Path) -> int:
        return self.ask("link_mode", path)  # type: ignore[return-value]

    def readlink(self, path: Path) -> str:
        return self.ask("readlink", path)  # type: ignore[return-value]

    def snapshot(self) -> Snapshot:
        return Snapshot(str(self.working), dict(self.answers))


class Unrecorded(BaseException):
    """A question the snapshot has no answer to. A BaseException, so that no handler of
    file errors mistakes it for one: it ends the load, and the client answers it."""

    def __init__(self, question: str, path: str) -> None:
        super().__init__(question, path)
        self.question = question
        self.path = path


class Snapshot(Disk):
    """The answers a client's file system gave, replayed; plain data, so it pickles small.
    `answers` maps (question, path) to an `Answer`; a read's bytes may be kept apart in
    `blobs` (by name), so that files shared by many tasks travel once."""

    def __init__(self, working: str, answers: dict[tuple[str, str], Answer],
                 blobs: dict[str, bytes] | None = None) -> None:
        self.working = working
        self.answers = answers
        self.blobs = blobs or {}

    def __reduce__(self) -> tuple[type[Snapshot], tuple[str, dict[tuple[str, str], Answer], dict[str, bytes]]]:
        return (Snapshot, (self.working, self.answers, self.blobs))

    def cwd(self) -> Path:
        return Path(self.working)

    def reads(self) -> dict[str, bytes]:
        """The bytes of every file read, by path."""
        return {path: self._value(answer) for (question, path), answer in self.answers.items()
                if question == "read" and answer[0] == "ok"}

    def _value(self, answer: Answer) -> bytes:
        value = answer[1]
        if isinstance(value, tuple):  # ("blob", name)
            return self.blobs[str(value[1])]
        assert isinstance(value, bytes)
        return value

    def split(self) -> tuple[Snapshot, dict[str, bytes]]:
        """This snapshot with every file's bytes replaced by a name (the bytes' SHA-256),
        and the bytes by name: what many tasks share can then travel once."""
        import hashlib

        answers: dict[tuple[str, str], Answer] = {}
        blobs: dict[str, bytes] = {}
        for key, answer in self.answers.items():
            if key[0] == "read" and answer[0] == "ok":
                data = self._value(answer)
                name = hashlib.sha256(data).hexdigest()
                blobs[name] = data
                answers[key] = ("ok", ("blob", name))
            else:
                answers[key] = answer
        return Snapshot(self.working, answers), blobs

    def _answer(self, question: str, path: Path) -> object:
        answer = self.answers.get((question, str(path)))
        if answer is None:
            raise Unrecorded(question, str(path))
        if answer[0] == "raise":
            _, kind, errno, message = answer
            if kind == "OSError":
                raise OSError(errno, message)  # the errno picks the subclass (FileNotFoundError...)
            raise _RAISED[str(kind)](message)
        if question == "read":
            return self._value(answer)
        return answer[1]

    def resolve(self, path: Path) -> Path:
        return self._answer("resolve", path)  # type: ignore[return-value]

    def exists(self, path: Path) -> bool:
        return self._answer("exists", path)  # type: ignore[return-value]

    def is_dir(self, path: Path) -> bool:
        return self._answer("is_dir", path)  # type: ignore[return-value]

    def is_symlink(self, path: Path) -> bool:
        return self._answer("is_symlink", path)  # type: ignore[return-value]

    def stat(self, path: Path) -> os.stat_result:
        return os.stat_result(self._answer("stat", path))  # type: ignore[arg-type]

    def read(self, path: Path) -> bytes:
        return self._answer("read", path)  # type: ignore[return-value]

    def link_mode(self, path: Path) -> int:
        return self._answer("link_mode", path)  # type: ignore[return-value]

    def readlink(self, path: Path) -> str:
        return self._answer("readlink", path)  # type: ignore[return-value]


_REAL = Disk()
_current: ContextVar[Disk] = ContextVar("normlang_disk", default=_REAL)


def disk() -> Disk:
    """The file system that loading asks, in this thread."""
    return _current.get()


@contextmanager
def using(view: Disk) -> Iterator[None]:
    """Load through `view` (a `Recorder`, a `Snapshot`) within this block, in this thread."""
    token = _current.set(view)
    try:
        yield
    finally:
        _current.reset(token)
