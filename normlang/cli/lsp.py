"""`normcheck lsp`: the language server for editors, over stdio (needs `normlang[lsp]`)."""

from __future__ import annotations

import sys

from .common import EXIT_OK, CommandParser, UsageError


def lsp_command(argv: list[str]) -> int:
    parser = CommandParser(prog="normcheck lsp", description="Run the language server: "
                           "diagnostics, hover, go to definition, references, rename, "
                           "completion, code actions and the outline of .norm files, over "
                           "stdio (the editor starts it).")
    parser.add_argument("--stdio", action="store_true",
                        help="talk over stdin and stdout (the default, and the only way)")
    parser.parse_args(argv)
    try:
        import pygls  # noqa: F401
    except ImportError:
        raise UsageError("the language server needs pygls: pip install 'normlang[lsp]'") from None
    from ..lsp.features import build_server

    build_server().start_io(sys.stdin.buffer, sys.stdout.buffer)
    return EXIT_OK
