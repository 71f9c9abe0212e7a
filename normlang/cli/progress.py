"""The progress line on stderr while roots are checked (a terminal only)."""

from __future__ import annotations

import sys

from ..core.escape import escaped


class Progress:
    """Files and check groups done, on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.current = ""
        self.enabled = sys.stderr.isatty()

    def start(self, root: str) -> None:
        self.count += 1
        self.current = escaped(root)
        self._show("")

    def groups(self, what: str, done: int, total: int) -> None:
        self._show(f" {what} ({done}/{total})")

    def _show(self, detail: str) -> None:
        if self.enabled:
            line = f"normcheck: [{self.count}/{self.total}] {self.current}{detail}"
            sys.stderr.write("\r\x1b[2K" + line[:100])
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.count:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
