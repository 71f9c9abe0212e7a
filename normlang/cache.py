"""The result cache: a re-check of unchanged files does no parsing and no solving.

An entry is keyed by the tool version, the options, the working folder, the
root file's display path and its bytes. It lists every file the spec read (its
display path and SHA-256) and is used only while all of them are unchanged.
Keys are computed from bytes alone, without lark or z3. Every entry carries a
checksum of its body; corrupt, truncated, foreign or tampered entries are
ignored (and replaced by the next run). Writes are atomic (a temporary file in
the same folder, then `os.replace`), so concurrent runs never see half an entry
and the last writer wins with an entry as good as the other's.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from .findings import Finding
from .source import SourceFile

FORMAT = "normcheck-cache-1"


def digest(data: bytes) -> str:
    """The SHA-256 of `data`, in hex."""
    return hashlib.sha256(data).hexdigest()


def _read_regular(path: Path) -> bytes | None:
    """The bytes of a regular file; None for anything else (a FIFO would block, a folder fail)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return path.read_bytes()
    except OSError:
        return None


def _decoded(data: bytes) -> str | None:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return None


class Cache:
    """Results of checking root files, stored as one JSON file per entry under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def key(self, root: Path, fingerprint: str) -> str | None:
        """The entry key of a root file, or None if it cannot be read as a regular file."""
        from . import __version__

        content = _read_regular(root)
        if content is None:
            return None
        material = "\0".join([FORMAT, __version__, fingerprint, os.getcwd(), str(root),
                              digest(content)])
        return digest(material.encode("utf-8", "surrogatepass"))

    def get(self, key: str) -> tuple[list[Finding], dict[str, SourceFile]] | None:
        """The findings and sources of a valid entry whose files are all unchanged, else None."""
        from .report.json import finding_from_record

        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            if not isinstance(entry, dict) or entry.get("format") != FORMAT:
                return None
            if entry.get("key") != key or entry.get("checksum") != _checksum(entry):
                return None
            sources: dict[str, SourceFile] = {}
            for shown, expected in entry["deps"]:
                data = _read_regular(Path(shown))
                text = None if data is None or digest(data) != expected else _decoded(data)
                if text is None:
                    return None
                sources[shown] = SourceFile(shown, text)
            return [finding_from_record(r) for r in entry["findings"]], sources
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None

    def put(self, key: str, findings: list[Finding], sources: dict[str, SourceFile]) -> None:
        """Store an entry; any failure to write is silent (the cache is an optimisation).

        Each file is hashed again here and must still hold the text that was checked:
        if it changed while checking, nothing is stored.
        """
        from .report.json import finding_to_record

        deps = []
        for shown in sorted(sources):
            data = _read_regular(Path(shown))
            if data is None or _decoded(data) != sources[shown].text:
                return
            deps.append([shown, digest(data)])
        entry: dict[str, Any] = {"format": FORMAT, "key": key, "deps": deps,
                                 "findings": [finding_to_record(f) for f in findings]}
        entry["checksum"] = _checksum(entry)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                _atomic_write(ignore, "# created by normcheck: the cache is never committed\n*\n")
            _atomic_write(self.folder / f"{key}.json", json.dumps(entry))
        except OSError:
            return


def _checksum(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "checksum"}
    return digest(json.dumps(body, sort_keys=True).encode("utf-8"))


def _atomic_write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
