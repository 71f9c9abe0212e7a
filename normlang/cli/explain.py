"""`normcheck explain KIND`: what a finding kind means.

The entries are the findings reference of docs/language.md, read from the one file both
come from (`normlang/data/findings.md`, shipped as package data; a test keeps the page
equal to it): severity, when the kind is reported, what its witness shows, an example.
"""

from __future__ import annotations

import re

from .common import EXIT_OK, CommandParser, UsageError, write_output

#: one entry: a `### \`KIND\`` heading, then everything up to the next heading
_ENTRY = re.compile(r"^### `([a-z-]+)`\n.*?(?=^### |\Z)", re.DOTALL | re.MULTILINE)


def reference_text() -> str:
    """The findings reference, read from the installed package (or the source tree)."""
    from importlib.resources import files

    return (files("normlang.data") / "findings.md").read_text(encoding="utf-8")


def reference_entries(text: str | None = None) -> dict[str, str]:
    """Each finding kind's entry, heading included, in the reference's order."""
    source = reference_text() if text is None else text
    return {match.group(1): match.group(0).strip() for match in _ENTRY.finditer(source)}


def explain_command(argv: list[str]) -> int:
    parser = CommandParser(
        prog="normcheck explain",
        description="What a finding kind means: its severity, when normcheck reports it, what "
                    "its witness shows, and a short example (the findings reference of "
                    "docs/language.md).")
    parser.add_argument("kind", nargs="?", help="a finding kind, e.g. `conflict`; without "
                                                "it, the list of kinds")
    args = parser.parse_args(argv)
    entries = reference_entries()
    if args.kind is None:
        write_output("".join(f"{kind}\n" for kind in entries))
        return EXIT_OK
    if args.kind not in entries:
        from ..core.suggest import closest

        close = closest(args.kind, entries)
        hint = f"; did you mean `{close}`?" if close else f" (known kinds: {', '.join(entries)})"
        raise UsageError(f"unknown finding kind `{args.kind}`{hint}")
    write_output(entries[args.kind] + "\n")
    return EXIT_OK
