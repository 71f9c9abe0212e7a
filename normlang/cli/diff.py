"""`normcheck diff`: what a change to a spec changes in meaning."""

from __future__ import annotations

from .common import EXIT_FINDINGS, EXIT_OK, CommandParser, UsageError, write_output
from .one_spec import load_spec, report_malformed, report_undecided
from .run import dedupe

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:

    pass



def diff_command(argv: list[str]) -> int:
    parser = CommandParser(prog="normcheck diff", description="What a change to a spec changes in "
                     "meaning: per action, a situation where its status differs.")
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--fail-on-change", action="store_true",
                        help="exit 1 when some action's status changed")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    old, old_findings, old_files = load_spec(args.old)
    new, new_findings, new_files = load_spec(args.new)
    if old is None or new is None:
        return report_malformed(dedupe(old_findings + new_findings), {**old_files, **new_files},
                          args.format)
    from ..engine.solver import RunTimeUp, SolverGaveUp
    from ..runtime.meaning import diff_specs

    try:
        changes = diff_specs(old, new)
    except ValueError as bad:
        raise UsageError(f"cannot compare the two versions: {bad}") from None
    except (SolverGaveUp, RunTimeUp) as gave_up:  # undecided: not "changed", not "unchanged"
        return report_undecided(gave_up, [old.root, new.root], {**old_files, **new_files},
                                args.format)
    from ..report.diff import render_changes

    write_output(render_changes(changes, args.format))
    return EXIT_FINDINGS if changes and args.fail_on_change else EXIT_OK
