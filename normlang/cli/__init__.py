"""The `normcheck` command: one module per subcommand, and what they share."""

from __future__ import annotations

#: typing.TYPE_CHECKING without importing typing: this is the first module a run imports
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def console() -> NoReturn:
    """The console script. Ctrl-C while the command's modules load ends the run as it does
    later on: `normcheck: interrupted`, exit code 130, no traceback."""
    import os
    import sys

    try:
        from .main import console as run
    except KeyboardInterrupt:
        sys.stderr.write("normcheck: interrupted\n")
        sys.stderr.flush()
        os._exit(130)
    run()
