"""How hard the engine may try: the options every stage reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: the smallest `memory-mb` accepted
MIN_MEMORY_MB = 100

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
    #: the distinct minimal conflicting sets reported per group (`max-conflicts`)
    max_conflicts: int = 100

    def __post_init__(self) -> None:
        """A bad option is a `ValueError` here, not a crash (or a z3 setting left broken) later."""
        for name in ("timeout_ms", "jobs", "max_file_bytes", "max_nesting", "max_conflicts"):
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
