"""The result cache: a re-check of unchanged files does no parsing and no solving.

Two kinds of entry, both JSON files under the cache folder:

- a root entry (`KEY.json`) holds the findings of one root file. Its key covers
  the tool version, the options, the working folder, the root's display path
  and its bytes; it lists every file the spec read (display path and SHA-256)
  and is used only while all of them are unchanged.
- a run entry (`runs/KEY.json`) holds the whole output and exit code of one
  `normcheck` command: its key covers the request (flags, configuration, colour)
  and every root with its bytes, and it lists every file read, like a root
  entry. A repeated command replays it without building a single finding, which
  is what makes a warm run start fast.

Keys are computed from bytes alone, without lark or z3. Every entry carries a
checksum of its body; corrupt, truncated, foreign or tampered entries are
ignored (and replaced by the next run). Writes are atomic (a temporary file in
the same folder, then `os.replace`), so concurrent runs never see half an entry
and the last writer wins with an entry as good as the other's.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from functools import lru_cache
from pathlib import Path

#: typing.TYPE_CHECKING without importing typing (this module is on the warm start-up path)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hashlib import sha256
    from typing import Any

    from ..core.findings import Finding
    from ..core.source import SourceFile
else:
    try:  # the built-in SHA-256: hashlib would load OpenSSL first, ~2 ms of every warm run
        from _sha2 import sha256  # CPython 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # CPython 3.11 and older
        except ImportError:  # pragma: no cover - another implementation
            from hashlib import sha256

FORMAT = "normcheck-cache-1"
#: what a warm run replays: the text written to stdout and the exit code
Replay = tuple[str, int]


def digest(data: bytes) -> str:
    """The SHA-256 of `data`, in hex."""
    return sha256(data).hexdigest()


#: CheckOptions().max_file_bytes, written out: a warm run does not import the options
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
#: the largest cache entry read (a run entry holds a whole command's output)
MAX_ENTRY_BYTES = 256 * 1024 * 1024
_CHUNK = 1 << 20


def _opened(path: Path | str, max_bytes: int) -> int | None:
    """A descriptor of a regular file of at most `max_bytes`, else None: opened without
    blocking (a FIFO would block), then checked on the file opened (no race with a link
    repointed between a check and the open)."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(handle)
        if stat.S_ISREG(info.st_mode) and info.st_size <= max_bytes:
            return handle
    except OSError:
        pass
    os.close(handle)
    return None


def _read_regular(path: Path | str, max_bytes: int) -> bytes | None:
    """The bytes of a regular file of at most `max_bytes`; None for anything else: a FIFO,
    a device such as `/dev/zero`, a folder, a file too large (or grown past the limit)."""
    handle = _opened(path, max_bytes)
    if handle is None:
        return None
    chunks, size = [], 0
    try:
        while chunk := os.read(handle, _CHUNK):
            size += len(chunk)
            if size > max_bytes:
                return None
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(handle)
    return b"".join(chunks)


def _hash_regular(path: Path, max_bytes: int) -> str | None:
    """The SHA-256 of a regular file of at most `max_bytes`, read in chunks (a root's key
    never holds the file in memory); None for anything else, which is then not cached."""
    handle = _opened(path, max_bytes)
    if handle is None:
        return None
    hashed, size = sha256(), 0
    try:
        while chunk := os.read(handle, _CHUNK):
            size += len(chunk)
            if size > max_bytes:
                return None
            hashed.update(chunk)
    except OSError:
        return None
    finally:
        os.close(handle)
    return hashed.hexdigest()


def _decoded(data: bytes) -> str | None:
    """The text a file was checked as (`model.imports.decode`, for a file that decodes)."""
    from ..core.newlines import universal_newlines

    try:
        return universal_newlines(data.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError:
        return None


class Cache:
    """Results of checking, stored as one JSON file per entry under `folder`."""

    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder
        #: `max-file-bytes`: a root or a file read beyond it is never hashed nor cached
        self.max_bytes = max_bytes

    def key(self, root: Path, fingerprint: str) -> str | None:
        """The entry key of a root file, or None if it cannot be read as a regular file within
        the size limit (the check then reports it)."""
        hashed = _hash_regular(root, self.max_bytes)
        if hashed is None:
            return None
        # the project root bounds what the root may import: a new `pyproject.toml` between
        # them can make a spec that imported fine an import-error
        return _key(fingerprint, os.getcwd(), str(root), _project_of(root), hashed)

    def get(self, key: str) -> tuple[list[Finding], dict[str, SourceFile]] | None:
        """The findings and sources of a valid entry whose files are all unchanged, else None."""
        from ..core.source import SourceFile
        from ..report.json import finding_from_record

        entry = self._load(self.folder / f"{key}.json", key)
        texts = _unchanged(entry.get("deps"), self.max_bytes) if entry is not None else None
        if entry is None or texts is None:
            return None
        try:
            return ([finding_from_record(r) for r in entry["findings"]],
                    {shown: SourceFile(shown, text) for shown, text in texts.items()})
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None

    def put(self, key: str, findings: list[Finding], sources: dict[str, SourceFile]) -> None:
        """Store an entry; any failure to write is silent (the cache is an optimisation).

        Each file is hashed again here and must still hold the text that was checked:
        if it changed while checking, nothing is stored.
        """
        from ..report.json import finding_to_record

        deps = _deps(sources, self.max_bytes)
        if deps is not None:
            self._store(self.folder / f"{key}.json", {
                "format": FORMAT, "key": key, "deps": deps,
                "findings": [finding_to_record(f) for f in findings]})

    def run_key(self, roots: list[Path], request: str) -> str | None:
        """The key of a whole command: its request and every root with its bytes; None if a
        root cannot be read as a regular file."""
        parts = [request, os.getcwd()]
        for root in roots:
            hashed = _hash_regular(root, self.max_bytes)
            if hashed is None:
                return None
            parts += [str(root), _project_of(root), hashed]
        return _key("run", *parts)

    def replay(self, key: str) -> Replay | None:
        """The output and exit code of a recorded command whose files are all unchanged."""
        entry = self._load(self.folder / "runs" / f"{key}.json", key)
        if entry is None or _unchanged(entry.get("deps"), self.max_bytes) is None:
            return None
        stdout, code = entry.get("stdout"), entry.get("exit")
        if not isinstance(stdout, str) or type(code) is not int:
            return None
        return stdout, code

    def record(self, key: str, sources: dict[str, SourceFile], replay: Replay) -> None:
        """Store what a command printed and returned, and the files it depended on."""
        deps = _deps(sources, self.max_bytes)
        if deps is not None:
            self._store(self.folder / "runs" / f"{key}.json", {
                "format": FORMAT, "key": key, "deps": deps, "stdout": replay[0],
                "exit": replay[1]})

    def _load(self, path: Path, key: str) -> dict[str, Any] | None:
        data = _read_regular(path, MAX_ENTRY_BYTES)  # never a FIFO, a device, a huge file
        try:
            entry = json.loads(data.decode("utf-8")) if data is not None else None
        except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deep
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        if entry.get("key") != key or entry.get("checksum") != _checksum(entry):
            return None
        return entry

    def refusal(self) -> str | None:
        """Why the cache may not write in its folder, or None when it may: a folder that does
        not exist yet, is empty (or holds only what an interrupted write left), or was made
        by normcheck (its `.gitignore` says so). Never a folder of other files, which the
        `.gitignore` written there would hide from git, and never a symbolic link (it could
        lead anywhere: a checked-out project must not choose where normcheck writes)."""
        try:
            if self.folder.is_symlink():
                return "is a symbolic link"
            if not self.folder.exists():
                return None
            if not self.folder.is_dir():
                return "is not a folder"
            ignore = self.folder / ".gitignore"
            if ignore.is_file() and not ignore.is_symlink():
                with ignore.open(encoding="utf-8") as stream:
                    if stream.read(len(_IGNORE_MARK)) == _IGNORE_MARK:
                        return _inner_link(self.folder)
            elif all(_is_leftover(entry.name) for entry in self.folder.iterdir()):
                return None
        except (OSError, UnicodeDecodeError):
            return "cannot be read"
        return "holds files that normcheck did not make"

    def _store(self, path: Path, entry: dict[str, Any]) -> None:
        entry["checksum"] = _checksum(entry)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                atomic_write(ignore, _IGNORE_LINES)
            atomic_write(path, json.dumps(entry))
        except OSError:
            return


#: the `.gitignore` of a cache folder; its first line is how a folder made by normcheck is known
_IGNORE_MARK = "# created by normcheck"
_IGNORE_LINES = f"{_IGNORE_MARK}: the cache is never committed\n*\n"


def _inner_link(folder: Path) -> str | None:
    """Why a cache folder normcheck made may not be written after all: its `runs` folder is a
    symbolic link (a checked-out folder could lead the recorded runs anywhere) or no folder."""
    runs = folder / "runs"
    if runs.is_symlink():
        return "holds a symbolic link (`runs`)"
    if runs.exists() and not runs.is_dir():
        return "holds a `runs` that is not a folder"
    return None


def _is_leftover(name: str) -> bool:
    """A temporary file of a write that was interrupted (see `atomic_write`)."""
    return name.startswith(".tmp-") and name.endswith(".part")


def _key(*parts: str) -> str:
    from ..core.version import __version__

    material = "\0".join([FORMAT, __version__, code_fingerprint(), *parts])
    return digest(material.encode("utf-8", "surrogatepass"))


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A fingerprint of normlang's own code and grammar, part of every key.

    The version alone does not change while normlang is developed (an editable install):
    without this, a changed check or renderer would be answered with the old results.
    """
    return files_fingerprint(code_folders())


def code_folders() -> tuple[Path, Path]:
    """The package's folder and the grammar's folder in a source tree (installed, the grammar
    is inside the package)."""
    package = Path(__file__).resolve().parents[1]
    return package, package.parent / "grammar"


def files_fingerprint(folders: tuple[Path, ...]) -> str:
    """The path, size and modification time of every file under `folders` (caches aside)."""
    stamps = []
    for folder in folders:
        for where, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                try:
                    info = os.stat(os.path.join(where, name))
                except OSError:
                    continue
                stamps.append(f"{where}/{name}:{info.st_size}:{info.st_mtime_ns}")
    return digest("\n".join(stamps).encode("utf-8", "surrogatepass"))


def _unchanged(deps: object, max_bytes: int) -> dict[str, str] | None:
    """The texts of an entry's files, if every one still has the recorded SHA-256 and still
    leads, through the same links, to the same file."""
    texts: dict[str, str] = {}
    try:
        for shown, expected, reached in deps:  # type: ignore[attr-defined]
            data = _read_regular(shown, max_bytes)
            moved = _reached(shown) != reached
            text = None if moved or data is None or digest(data) != expected else _decoded(data)
            if text is None:
                return None
            texts[shown] = text
    except (ValueError, TypeError):
        return None
    return texts


def _deps(sources: dict[str, SourceFile], max_bytes: int) -> list[list[str]] | None:
    """Each file with its SHA-256 and the file it reaches (every link on its way followed),
    read again now; None if one no longer holds the text that was checked.

    The loader lists a path written through a link beside the file it reached, at every hop
    of an import chain: a link pointed elsewhere changes what that path reaches, even when
    the new file holds the same bytes (its own imports may differ)."""
    deps = []
    for shown in sorted(sources):
        data = _read_regular(shown, max_bytes)
        if data is None or _decoded(data) != sources[shown].text:
            return None
        deps.append([shown, digest(data), _reached(shown)])
    return deps


def _reached(shown: str) -> str:
    """The file a path reaches, every link followed ("" when that fails)."""
    try:
        return os.path.realpath(shown, strict=True)
    except (OSError, ValueError):
        return ""


def _project_of(root: Path) -> str:
    from ..model.projects import project_root

    try:
        return str(project_root(root))
    except (OSError, RuntimeError):  # a loop of links: the check itself reports it
        return ""


def _checksum(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "checksum"}
    return digest(json.dumps(body, sort_keys=True).encode("utf-8"))


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename: never half a file."""
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
