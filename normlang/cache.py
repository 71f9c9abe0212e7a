"""The result cache: a re-check of unchanged files does no parsing and no solving.

An entry is keyed by the tool version, the options, the working directory and
the root file's bytes; it lists every file the spec read with its SHA-256 and
is used only while all of them are unchanged. Entries carry a checksum;
corrupt, truncated or foreign entries are ignored (and later replaced).
Writes are atomic (a temporary file, then `os.replace`), so concurrent runs
never see half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .findings import Finding
from .source import SourceFile

FORMAT = "normcheck-cache-1"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Cache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def key(self, root: Path, shown: str, fingerprint: str) -> str | None:
        """The entry key of a root file, or None if it cannot be read."""
        from . import __version__

        try:
            content = root.read_bytes()
        except OSError:
            return None
        material = "\0".join([FORMAT, __version__, fingerprint, os.getcwd(), shown, digest(content)])
        return digest(material.encode("utf-8", "surrogatepass"))

    def get(self, key: str) -> tuple[list[Finding], dict[str, SourceFile]] | None:
        """The findings and sources of a valid entry, else None."""
        from .report.json import finding_from_record

        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            if entry.get("format") != FORMAT or entry.get("key") != key:
                return None
            if entry.get("checksum") != _checksum(entry):
                return None
            sources: dict[str, SourceFile] = {}
            for shown, expected in entry["deps"]:
                data = Path(shown).read_bytes()
                if digest(data) != expected:
                    return None
                sources[shown] = SourceFile(shown, data.decode("utf-8").removeprefix("\ufeff"))
            return [finding_from_record(r) for r in entry["findings"]], sources
        except (OSError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
            return None

    def put(self, key: str, findings: list[Finding], sources: dict[str, SourceFile]) -> None:
        """Store an entry; any failure to write is silent (the cache is an optimisation)."""
        from .report.json import finding_to_record

        deps = []
        for shown in sorted(sources):
            try:
                deps.append([shown, digest(Path(shown).read_bytes())])
            except OSError:
                return
        entry: dict[str, Any] = {"format": FORMAT, "key": key, "deps": deps,
                                 "findings": [finding_to_record(f) for f in findings]}
        entry["checksum"] = _checksum(entry)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():
                _atomic_write(ignore, "# created by normcheck\n*\n")
            _atomic_write(self.folder / f"{key}.json", json.dumps(entry))
        except OSError:
            return


def _checksum(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "checksum"}
    return digest(json.dumps(body, sort_keys=True).encode("utf-8"))


def _atomic_write(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
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
