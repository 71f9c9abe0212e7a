"""`normcheck query`: the status of every action in one situation."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, CommandParser, UsageError, write_output
from .one_spec import load_spec, report_malformed

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any




def situation_of(args: argparse.Namespace) -> dict[str, Any]:
    situation: dict[str, Any] = {}
    if args.facts:
        import json

        try:
            if args.facts == "-":
                import sys

                from ..core.options import CheckOptions

                limit = CheckOptions().max_file_bytes  # as for a file: stdin may not end
                data = sys.stdin.buffer.read(limit + 1)
                if len(data) > limit:
                    raise UsageError(f"--facts: `-` holds more than {limit} bytes (the limit "
                                     f"of a file)")
                loaded = json.loads(data.decode("utf-8"))
            else:
                if Path(args.facts).exists() and not Path(args.facts).is_file():  # a FIFO blocks
                    raise UsageError(f"--facts: `{args.facts}` is not a regular file")
                loaded = json.loads(Path(args.facts).read_text(encoding="utf-8"))
        except (OSError, ValueError) as bad:
            raise UsageError(f"--facts: cannot read `{args.facts}`: {bad}") from None
        except RecursionError:
            raise UsageError(f"--facts: `{args.facts}` nests too deep") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"--facts: `{args.facts}` must hold a JSON object of fact values")
        situation.update(loaded)
    for item in args.given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--given expects FACT=VALUE, got `{item}`")
        situation[name.strip()] = value.strip()
    return situation


def query_command(argv: list[str]) -> int:
    parser = CommandParser(prog="normcheck query", description="The status of every action in one "
                     "situation, with the active and defeated norms.")
    parser.add_argument("file")
    parser.add_argument("--given", action="append", default=[], metavar="FACT=VALUE")
    parser.add_argument("--facts", help="a JSON file mapping facts to values (`-`: standard input)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    situation = situation_of(args)
    spec, findings, files = load_spec(args.file)
    if spec is None:
        return report_malformed(findings, files, args.format)
    from ..runtime.query import QueryError, query

    try:
        result = query(spec, situation)
    except QueryError as error:
        raise UsageError(str(error)) from None
    if args.format == "json":
        import json

        document = {"statuses": dict(result.statuses), "depends_on": {
                        action: list(facts) for action, facts in result.depends_on.items()},
                    "active": list(result.active), "defeated": list(result.defeated),
                    "conflict": result.conflict, "conflict_norms": list(result.conflict_norms)}
        write_output(json.dumps(document, indent=2) + "\n")
        return EXIT_OK
    width = max((len(action) for action in result.statuses), default=0)
    lines = [f"{action.ljust(width)}  {status}" + (
                 f" on {', '.join(f'`{f}`' for f in result.depends_on[action])}"
                 if action in result.depends_on else "")
             for action, status in result.statuses.items()]
    lines.append(f"active norms: {', '.join(result.active) or '(none)'}")
    lines.append(f"defeated norms: {', '.join(result.defeated) or '(none)'}")
    if result.conflict:
        lines.append(f"conflict: no conduct complies; caused by "
                     f"{', '.join(f'`{n}`' for n in result.conflict_norms)}")
    write_output("\n".join(lines) + "\n")
    return EXIT_OK
