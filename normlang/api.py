"""The library's entry points: load a spec, check it, query a situation.

The CLI is a thin layer over these functions. Loading is cheap (lark only);
z3 is imported only when `check` has something to prove.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .config import MIN_MEMORY_MB
from .findings import MALFORMED_KINDS, Finding
from .source import SourceFile

if TYPE_CHECKING:
    from .spec import Spec

#: progress callback: (what is being done, how many done, how many in all)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CheckOptions:
    """How hard the engine may try. `timeout_ms` bounds each solver call."""

    timeout_ms: int = 5000
    run_timeout_s: float | None = None
    memory_mb: int | None = None
    jobs: int = 1
    max_file_bytes: int = 8 * 1024 * 1024
    max_nesting: int = 200

    def __post_init__(self) -> None:
        """A bad option is a `ValueError` here, not a crash (or a z3 setting left broken) later."""
        for name in ("timeout_ms", "jobs", "max_file_bytes", "max_nesting"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"CheckOptions.{name} must be a positive int, not {value!r}")
        if self.run_timeout_s is not None and not (
                isinstance(self.run_timeout_s, (int, float)) and 0 < self.run_timeout_s < 10**9):
            raise ValueError(f"CheckOptions.run_timeout_s must be a positive number of seconds "
                             f"or None, not {self.run_timeout_s!r}")
        if self.memory_mb is not None and (isinstance(self.memory_mb, bool) or not isinstance(
                self.memory_mb, int) or self.memory_mb < MIN_MEMORY_MB):
            # z3 counts every context against one process-wide limit; one that runs out while
            # making a context crashes the process
            raise ValueError(f"CheckOptions.memory_mb must be an int of at least {MIN_MEMORY_MB} "
                             f"or None, not {self.memory_mb!r}")


@dataclass
class Loaded:
    """A root file and its imports: the resolved spec, or the findings that say why there is none."""

    root: str
    spec: Spec | None
    findings: list[Finding] = field(default_factory=list)
    files: dict[str, SourceFile] = field(default_factory=dict)


@dataclass
class CheckResult:
    """All findings of one root file, sorted by file, position and kind."""

    root: str
    findings: list[Finding]
    files: dict[str, SourceFile]

    @property
    def ok(self) -> bool:
        return not any(f.severity.value == "error" for f in self.findings)


def load(path: str | Path, *, options: CheckOptions | None = None) -> Loaded:
    """Parse and resolve the file at `path` with everything it imports."""
    from .resolve import load_path

    return load_path(Path(path), options or CheckOptions())


def load_text(text: str, path: str | Path = "<string>", *,
              options: CheckOptions | None = None) -> Loaded:
    """Parse and resolve `text` as if it were the file at `path` (its imports are relative to
    that file's folder)."""
    from .resolve import load_source

    return load_source(text, str(path), options or CheckOptions())


def check(loaded: Loaded, *, options: CheckOptions | None = None,
          progress: Progress | None = None) -> CheckResult:
    """Run every check of the design on a loaded spec."""
    findings = list(loaded.findings)
    if loaded.spec is not None and not any(f.kind in MALFORMED_KINDS for f in findings):
        from .checks import run_checks

        findings.extend(run_checks(loaded.spec, options or CheckOptions(), progress))
    findings.sort(key=Finding.sort_key)
    return CheckResult(loaded.root, findings, loaded.files)


def check_path(path: str | Path, *, options: CheckOptions | None = None,
               progress: Progress | None = None) -> CheckResult:
    """Load and check the file at `path`."""
    options = options or CheckOptions()
    return check(load(path, options=options), options=options, progress=progress)
