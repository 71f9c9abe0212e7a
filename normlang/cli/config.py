"""`[tool.normcheck]` in the nearest `pyproject.toml`; command-line flags win.

Paths in the configuration (`paths`, `exclude`, `cache-dir`) are relative to the
folder of that `pyproject.toml`. An unknown key or a value of the wrong type is
a usage error that names the file and line.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

#: typing.TYPE_CHECKING without importing typing (this module is on the warm start-up path)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: every key of `[tool.normcheck]`, with the Python types its value may have
KEYS: dict[str, tuple[type, ...]] = {
    "paths": (list,), "exclude": (list,), "timeout": (int, float), "run-timeout": (int, float),
    "strict": (bool,), "ignore": (list,), "select": (list,), "cache-dir": (str,), "jobs": (int,),
    "memory-mb": (int,), "max-file-bytes": (int,), "max-nesting": (int,), "max-conflicts": (int,),
    "format": (str,), "verbose": (bool,), "baseline": (str,), "executor": (str,),
}
_LIST_OF_STRINGS = {"paths", "exclude", "ignore", "select"}
_POSITIVE = {"timeout", "run-timeout", "jobs", "memory-mb", "max-file-bytes", "max-nesting",
             "max-conflicts"}
class ConfigError(Exception):
    """A bad configuration: a usage error (exit 2)."""


class Config:
    """The `[tool.normcheck]` table, and where it came from (None: no configuration found)."""

    # a plain class, not a dataclass: importing dataclasses costs a warm run ~7 ms
    __slots__ = ("path", "text", "values")

    def __init__(self, path: Path | None = None, values: dict[str, Any] | None = None,
                 text: str = "") -> None:
        self.path = path
        self.values = values if values is not None else {}
        self.text = text

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def base(self) -> Path:
        """The folder that relative paths of the configuration start from."""
        return self.path.parent if self.path is not None else Path(".")

    def where(self, key: str) -> str:
        """`pyproject.toml:LINE` of `key` (for messages), or the file alone."""
        if self.path is None:
            return "configuration"
        return f"{self.path}:{_line_of(self.text, key)}" if _line_of(self.text, key) else str(
            self.path)


def find_pyproject(start: Path) -> Path | None:
    """The nearest `pyproject.toml` at or above `start`."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path) -> Config:
    """The configuration that applies to a run started in `start`."""
    path = find_pyproject(start.resolve())
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as bad:
        raise ConfigError(f"{path}: cannot read the configuration: {bad}") from None
    if not may_configure_normcheck(text):
        return Config(path, {}, text)
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad:
        raise ConfigError(f"{path}: cannot read the configuration: {bad}") from None
    tool = document.get("tool", {})
    table = tool.get("normcheck", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.normcheck] must be a table")
    config = Config(path, dict(table), text)
    for key, value in table.items():
        _validate(config, key, value)
    return config


#: a `[tool]` table header, however spelt; under it, `normcheck = ...` would be ours
_TOOL_HEADER = re.compile(r"""^[ \t]*\[[ \t]*(tool|"tool"|'tool')[ \t]*\]""", re.MULTILINE)
#: a line that sets a key `normcheck` of whatever table it is in
_NORMCHECK_KEY = re.compile(r"""[ \t]*(normcheck|"normcheck"|'normcheck')[ \t]*=""")


def may_configure_normcheck(text: str) -> bool:
    """Whether a pyproject.toml's text may hold a `[tool.normcheck]` table (else it need not be
    parsed: tomllib costs a run ~7 ms).

    Errs towards yes. Every spelling of the table names `normcheck`: in a header, in a
    dotted key `tool.normcheck.x`, in an inline table, or as a key under `[tool]`. So the
    answer is no only when each `normcheck` begins a line `normcheck = ...` (a key, like the
    console script of `[project.scripts]`) and there is no `[tool]` table for it to be in.
    """
    if "normcheck" not in text:
        return False
    if _TOOL_HEADER.search(text):
        return True
    return any("normcheck" in line and not _NORMCHECK_KEY.match(line)
               for line in text.splitlines())


def _validate(config: Config, key: str, value: Any) -> None:
    if key not in KEYS:
        import difflib

        close = difflib.get_close_matches(key, list(KEYS), n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        raise ConfigError(f"{config.where(key)}: unknown key `{key}` in [tool.normcheck]{hint}")
    expected = KEYS[key]
    wrong = not isinstance(value, expected) or (bool not in expected and isinstance(value, bool))
    if key in _LIST_OF_STRINGS and not wrong:
        wrong = not all(isinstance(item, str) for item in value)
    if wrong:
        names = " or ".join("list of strings" if t is list else t.__name__ for t in expected)
        raise ConfigError(f"{config.where(key)}: `{key}` in [tool.normcheck] must be {names}")
    if key in _POSITIVE and not 0 < value < 10**9:  # NaN fails both comparisons
        bound = "below 1,000,000,000" if 10**9 <= value < float("inf") else "positive"
        raise ConfigError(f"{config.where(key)}: `{key}` in [tool.normcheck] must be {bound}")
    if key == "format":
        from ..report import FORMATS

        if value not in FORMATS:  # checked even when --format overrides it: it is wrong either way
            raise ConfigError(f"{config.where(key)}: unknown format `{value}`; one of "
                              f"{', '.join(FORMATS)}")
    if key == "memory-mb":
        from ..core.options import MIN_MEMORY_MB  # here: a warm run imports no dataclasses

        if value >= MIN_MEMORY_MB:
            return
        # z3 counts every context against this one process-wide limit, and one that runs out
        # while making a context crashes the process
        raise ConfigError(f"{config.where(key)}: `memory-mb` in [tool.normcheck] must be at "
                          f"least {MIN_MEMORY_MB} (z3 needs about 50 MB to start)")


def _line_of(text: str, key: str) -> int | None:
    """The line of `key = ...` inside the `[tool.normcheck]` table, if it can be found."""
    in_table = False
    pattern = re.compile(rf'^\s*(?:"{re.escape(key)}"|{re.escape(key)})\s*=')
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = stripped.replace(" ", "") == "[tool.normcheck]"
            continue
        if in_table and pattern.match(line):
            return number
    return None
