"""`[tool.normcheck]` in the nearest `pyproject.toml`; command-line flags win."""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEYS = {
    "paths": list, "exclude": list, "timeout": (int, float), "strict": bool, "ignore": list,
    "select": list, "cache-dir": str, "jobs": int, "max-file-bytes": int, "format": str,
    "verbose": bool,
}


class ConfigError(Exception):
    """A bad configuration: a usage error (exit 2)."""


@dataclass
class Config:
    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path) -> Config:
    path = find_pyproject(start.resolve())
    if path is None:
        return Config()
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as bad:
        raise ConfigError(f"{path}: cannot read the configuration: {bad}") from None
    table = document.get("tool", {}).get("normcheck", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.normcheck] must be a table")
    for key, value in table.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key, list(KEYS), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise ConfigError(f"{path}: unknown key `{key}` in [tool.normcheck]{hint}")
        expected = KEYS[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: `{key}` in [tool.normcheck] has the wrong type")
    return Config(path, dict(table))
