"""Loading the one spec that `query`, `graph` and `diff` read."""

from __future__ import annotations

from pathlib import Path

from .common import EXIT_FINDINGS, UsageError, write_output
from .discover import shown_path

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:

    from ..core.findings import Finding
    from ..core.source import SourceFile
    from ..model.spec import Spec


def load_spec(path: str) -> tuple[Spec | None, list[Finding], dict[str, SourceFile]]:
    from ..model.loader import Loader

    if Path(path).is_dir():
        raise UsageError(f"`{path}` is a folder; this command reads one `.norm` file (its "
                         f"imports come with it)")
    if not Path(path).is_file():
        raise UsageError(f"path `{path}` does not exist or is not a file")
    loaded = Loader().load(Path(shown_path(Path(path))))
    return loaded.spec, loaded.findings, loaded.files


def report_malformed(findings: list[Finding], files: dict[str, SourceFile], output: str) -> int:
    """A spec that does not load: its findings, as JSON when the command's output is JSON
    (a caller that parses it gets the findings document of `normcheck --format json`)."""
    from ..report import Report, render

    write_output(render(Report(findings, files, 1), "json" if output == "json" else "text"))
    return EXIT_FINDINGS
