"""How hard the engine may try: the options every stage reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

#: the smallest `memory-mb` accepted
MIN_MEMORY_MB = 100

#: progress callback: (what is being done, how many done, how many in all)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CheckOptions:
    """How hard the engine may try, and which findings `check` reports.

    `timeout` bounds each solver call in seconds, as the CLI's `--timeout` does (it sets
    `timeout_ms`, the same bound in milliseconds). `select` and `ignore` take finding kinds
    or severities (`"info"` stands for every info kind), as a collection or one
    comma-separated string, like `--select` and `--ignore`: neither ever hides a malformed
    spec or a `solver-unknown`. With `strict`, a warning makes `CheckResult.ok` false.
    """

    timeout_ms: int = 5000
    run_timeout_s: float | None = None
    memory_mb: int | None = None
    jobs: int = 1
    max_file_bytes: int = 8 * 1024 * 1024
    max_nesting: int = 200
    timeout: float | None = None
    select: Iterable[str] | str = frozenset()
    ignore: Iterable[str] | str = frozenset()
    strict: bool = False
    #: the distinct minimal conflicting sets reported per group (`max-conflicts`)
    max_conflicts: int = 100
    #: time.md's K: occurrences of each event in the traces a timed spec is checked on
    max_occurrences: int = 2
    #: time.md's depth: levels of conduct-triggered instances unfolded (trace-triggered: 1)
    max_depth: int = 4

    def __post_init__(self) -> None:
        """A bad option is a `ValueError` here, not a crash (or a z3 setting left broken) later."""
        if self.timeout is not None:
            if isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float)) \
                    or not 0 < self.timeout < 10**9:
                raise ValueError(f"CheckOptions.timeout must be a positive number of seconds "
                                 f"or None, not {self.timeout!r}")
            object.__setattr__(self, "timeout_ms", max(1, int(self.timeout * 1000)))
        object.__setattr__(self, "select", kinds_of(self.select, "select"))
        object.__setattr__(self, "ignore", kinds_of(self.ignore, "ignore"))
        if not isinstance(self.strict, bool):
            raise ValueError(f"CheckOptions.strict must be a bool, not {self.strict!r}")
        for name in ("timeout_ms", "jobs", "max_file_bytes", "max_nesting", "max_conflicts",
                     "max_occurrences", "max_depth"):
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


SEVERITIES = ("error", "warning", "info")


def kinds_of(given: Iterable[str] | str, name: str) -> frozenset[str]:
    """The finding kinds named by `given` (kinds and severities; a string is comma-separated);
    a `ValueError` with a did-you-mean for anything else."""
    from .findings import KINDS
    from .suggest import closest

    items = given.split(",") if isinstance(given, str) else list(given)
    out: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"CheckOptions.{name} takes finding kinds, not {item!r}")
        word = item.strip()
        if word in SEVERITIES:
            out |= {kind for kind, severity in KINDS.items() if severity.value == word}
        elif word in KINDS:
            out.add(word)
        elif word:
            close = closest(word, [*KINDS, *SEVERITIES])
            hint = f"; did you mean `{close}`?" if close else ""
            raise ValueError(f"CheckOptions.{name}: unknown finding kind or severity "
                             f"`{word}`{hint}")
    return frozenset(out)
