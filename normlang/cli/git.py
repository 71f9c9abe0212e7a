"""The one place normcheck runs another program: `git`, for `--changed-since REV` and
`diff REV`, and only when the command line asks for them.

The program is always `git`, run without a shell, with arguments that normcheck builds
(a revision the user typed is checked by `git rev-parse --verify` first and never starts
with `-`); nothing read from a `.norm` file is ever passed. `tests/test_security_static.py`
allows `subprocess` in this module alone.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

#: what `run_git` gives back: the exit code and the captured output, as bytes
GitResult = subprocess.CompletedProcess[bytes]


def run_git(args: list[str], cwd: Path, timeout: float = 300) -> GitResult | None:
    """`git ARGS` in `cwd`, its output captured; None when git cannot be run at all."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


__all__ = ["GitResult", "run_git"]
