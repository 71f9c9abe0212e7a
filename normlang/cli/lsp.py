"""`normcheck lsp`: the language server for editors, over stdio (needs `normlang[lsp]`)."""

from __future__ import annotations

import os
import sys

from .common import EXIT_OK, CommandParser, UsageError


def lsp_command(argv: list[str]) -> int:
    parser = CommandParser(prog="normcheck lsp", description="Run the language server: "
                           "diagnostics, hover, go to definition, references, rename, "
                           "completion, code actions, formatting and the outline of .norm files, over "
                           "stdio (the editor starts it).")
    parser.add_argument("--stdio", action="store_true",
                        help="talk over stdin and stdout (the default, and the only way)")
    parser.add_argument("--log", metavar="FILE", help="append the server's log to FILE")
    args = parser.parse_args(argv)
    try:
        import pygls  # noqa: F401
    except ImportError:
        raise UsageError("the language server needs pygls: pip install 'normlang[lsp]'") from None
    if args.log:
        import logging

        logging.basicConfig(filename=args.log, level=logging.DEBUG,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from ..lsp.features import build_server

    build_server().start_io(sys.stdin.buffer, sys.stdout.buffer)
    if sys.stdout.closed:  # the server closes the protocol's stream as it leaves
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    return EXIT_OK
