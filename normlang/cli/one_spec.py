"""Loading the one spec that `query`, `graph` and `diff` read."""

from __future__ import annotations

from pathlib import Path

from .common import EXIT_FINDINGS, UsageError, write_output
from .discover import discover

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:

    from ..core.findings import Finding
    from ..core.source import SourceFile
    from ..model.spec import Spec


def load_spec(path: str) -> tuple[Spec | None, list[Finding], dict[str, SourceFile]]:
    """The spec of one named file, refused as `normcheck check` refuses it: a file that
    leads outside its project root through a link is a usage error, never read."""
    from ..model.loader import Loader

    if Path(path).is_dir():
        raise UsageError(f"`{path}` is a folder; this command reads one `.norm` file (its "
                         f"imports come with it)")
    if not Path(path).is_file():
        raise UsageError(f"path `{path}` does not exist or is not a file")
    [root] = discover([Path(path)], [], Path.cwd())  # the confinement of every subcommand
    loaded = Loader().load(root)
    return loaded.spec, loaded.findings, loaded.files


def report_undecided(gave_up: Exception, roots: list[str], files: dict[str, SourceFile],
                     output: str) -> int:
    """The solver gave up (a limit, `unknown`): reported as `normcheck check` reports it, a
    `solver-unknown` error on each root file (the findings document when the output is
    JSON), exit 1; never an answer, never a traceback."""
    from ..core.findings import Finding
    from ..core.source import Span

    reason = getattr(gave_up, "reason", None) or str(gave_up) or "z3 answered `unknown`"
    findings = [Finding("solver-unknown", f"could not decide this command's answer: {reason}",
                        Span(root, 0, 0, 1, 1, 1, 1),
                        help=("nothing was decided: this is not an answer",))
                for root in roots]
    return report_malformed(findings, files, output)


def report_malformed(findings: list[Finding], files: dict[str, SourceFile], output: str) -> int:
    """A spec that does not load: its findings, as JSON when the command's output is JSON
    (a caller that parses it gets the findings document of `normcheck --format json`)."""
    from ..report import Report, render

    write_output(render(Report(findings, files, 1), "json" if output == "json" else "text"))
    return EXIT_FINDINGS
