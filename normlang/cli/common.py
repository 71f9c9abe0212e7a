"""What every subcommand shares: exit codes, the argument parser, writing the output."""

from __future__ import annotations

import argparse
import os
import sys

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any




SUBCOMMANDS = ("check", "query", "graph", "diff", "explain", "fmt")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad command line or configuration (exit 2)."""


class CommandParser(argparse.ArgumentParser):
    def __init__(self, **kwargs: Any) -> None:
        # no abbreviations: `--cache x.norm` read as `--cache-dir x.norm` is a surprise
        super().__init__(formatter_class=_formatter, allow_abbrev=False, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse drops a failed write of --help or --version silently (exit 0)
        if message:
            try:
                (file or sys.stderr).write(message)
            except BrokenPipeError:
                raise
            except OSError as problem:
                raise UsageError(cannot_write(problem)) from None


def _formatter(prog: str) -> argparse.HelpFormatter:
    # argparse builds a formatter for every add_argument; left to itself, each asks
    # shutil.get_terminal_size, and importing shutil (with bz2 and lzma) costs a run ~2 ms
    return argparse.HelpFormatter(prog, width=terminal_width() - 2)


def terminal_width() -> int:
    """What shutil.get_terminal_size() would say: $COLUMNS, else stdout's terminal, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def write_output(text: str) -> None:
    """Write the command's output to stdout; failing that (a full disk, a closed file), a
    usage error that says so rather than a traceback. A reader that left (a broken pipe,
    `normcheck | true`) gets nothing more, and the exit code still says what was found."""
    from ..core.escape import encodable

    data = encodable(text)  # always UTF-8, whatever the locale or PYTHONIOENCODING say
    try:
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text-only stream put in place of stdout
            sys.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.flush()
            buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        discard_stdout()
    except OSError as problem:
        raise UsageError(cannot_write(problem)) from None


def discard_stdout() -> None:
    """Send what is left of stdout (and its buffer, flushed at exit) to the null device."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # no descriptor (a replaced sys.stdout)
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115


def cannot_write(problem: OSError) -> str:
    return f"cannot write the output: {problem.strerror or problem}"


def closest_command(word: str) -> str | None:
    """A subcommand `word` looks like a misspelling of (`quer`), if any."""
    if "/" in word or "." in word:
        return None
    import difflib

    close = difflib.get_close_matches(word, SUBCOMMANDS, n=1, cutoff=0.6)
    return close[0] if close else None
