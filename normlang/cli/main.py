"""`normcheck`: check .norm files; query a situation; export the graph; diff two versions.

Exit codes: 0 no error finding; 1 an error finding (or a warning with
`--strict`); 2 a usage error. Output goes to stdout, progress to stderr.
Heavy modules (lark, z3, networkx) are imported only when a file must really
be checked, so `--version` and a fully cached run stay fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib import import_module

from ..core.escape import escaped
from . import process
from .common import EXIT_OK, EXIT_USAGE, SUBCOMMANDS, UsageError, cannot_write
from .process import HEAVY_MODULES, exit_on_interrupt, worker_imports

#: typing.TYPE_CHECKING without importing typing. A warm run imports only this module,
#: config, report (for FORMATS) and cache: findings, sources and renderers are imported
#: where a run really builds findings.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn

    from ..core.findings import Finding
    from ..core.source import SourceFile

    #: one checked root: its findings and the sources they point into
    Outcome = tuple[list[Finding], dict[str, SourceFile]]



def console() -> NoReturn:
    """The console script: `sys.exit(main())`, without the interpreter's teardown.

    Freeing every object and z3 context one by one at exit costs a cold run ~40 ms, and
    nothing is left to do by then: the output is flushed here, cache files are written
    and renamed before `main` returns, and worker processes have been joined.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # started with the stream closed (`>&-`): as /dev/null
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
        # what normcheck prints is UTF-8 and never fails to encode, whatever the locale or
        # PYTHONIOENCODING say (a file name that is not UTF-8 is shown escaped)
        stream = getattr(sys, name)
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    process.owns_process = True
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader left: as in `main`, not an error
        pass
    except OSError as problem:  # what `main` wrote did not fit (a full disk): said plainly
        print(f"normcheck: error: {cannot_write(problem)}", file=sys.stderr)
        code = EXIT_USAGE
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in SUBCOMMANDS:
            command, rest = args[0], args[1:]
        else:
            command, rest = "check", args
        if command != "check":  # a check may be answered from the cache: see `check_all`
            exit_on_interrupt()
        # each subcommand's module `normlang.cli.NAME` has `NAME_command`; only the one used
        # is imported
        run: Callable[[list[str]], int] = getattr(
            import_module(f".{command}", __package__), f"{command}_command")
        return run(rest)
    except UsageError as problem:  # it may quote a file name or an argument: escaped
        print(f"normcheck: error: {escaped(str(problem))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("normcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    finally:
        if os.environ.get("NORMCHECK_DEBUG_IMPORTS"):
            heavy = [name for name in HEAVY_MODULES
                     if name in sys.modules or name in worker_imports]
            print(f"normcheck: debug: heavy modules imported: {', '.join(heavy) or 'none'}",
                  file=sys.stderr)






if __name__ == "__main__":  # pragma: no cover
    console()
