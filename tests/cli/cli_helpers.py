"""Helpers shared by the CLI tests (conftest.py holds only options and fixtures)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
REPO = HERE.parent.parent

#: the `run` fixture: `run(*args, cwd=None, env=None)` -> the completed `normcheck` process
Run = Callable[..., "subprocess.CompletedProcess[str]"]


def normcheck_command() -> list[str]:
    """The console script installed beside this interpreter (else the one on PATH)."""
    beside = Path(sys.executable).parent / "normcheck"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("normcheck")
    assert found, "the normcheck console script is not installed"
    return [found]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI run: no colour, a fixed hash seed, no debug output."""
    env = {k: v for k, v in os.environ.items() if k != "NORMCHECK_DEBUG_IMPORTS"}
    env.update({"NO_COLOR": "1", "PYTHONHASHSEED": "0"})
    env.update(extra)
    return env


def run_in(cwd: Path, *args: str, env: dict[str, str] | None = None,
           timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run `normcheck ARGS` in `cwd`; the completed process, in text mode."""
    return subprocess.run([*normcheck_command(), *args], cwd=cwd, env=env or cli_env(),
                          capture_output=True, text=True, timeout=timeout)


def heavy_modules(stderr: str) -> list[str]:
    """The heavy modules a run reported with NORMCHECK_DEBUG_IMPORTS=1."""
    for line in stderr.splitlines():
        if line.startswith("normcheck: debug: heavy modules imported:"):
            listed = line.split(":", 3)[3].strip()
            return [] if listed == "none" else [m.strip() for m in listed.split(",")]
    raise AssertionError(f"no import report in stderr: {stderr!r}")


def write(path: Path, text: str) -> Path:
    """Write `text` to `path`, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def drain_pty(primary: int) -> str:
    """Everything written to a pseudo-terminal whose other end is already closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # Linux reports the closed end as EIO
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8")
