"""The library's entry points: load a spec, check it, query a situation.

The CLI is a thin layer over these functions. Loading is cheap (lark only);
z3 is imported only when `check` has something to prove.

Threads: every function here may be called from several threads at once. Loading runs
concurrently; checks (and `diff`, and the clash edges of `graph`) run one at a time per
process, each with the answers it has alone (see `core.one_check`). For parallel checking,
use processes (`CheckOptions.jobs`, or `normcheck --jobs`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .core.findings import MALFORMED_KINDS, UNDECIDED_KINDS, Finding
from .core.options import CheckOptions, Progress
from .core.source import SourceFile
from .model.loaded import Loaded

__all__ = ["CheckOptions", "CheckResult", "Loaded", "Progress", "check", "check_path", "load",
           "load_text", "render"]

#: kinds that `select` and `ignore` never hide: with them hidden, a check that decided
#: nothing would read as a pass
ALWAYS_SHOWN = UNDECIDED_KINDS


@dataclass
class CheckResult:
    """All findings of one root file, sorted by file, position and kind."""

    root: str
    findings: list[Finding]
    files: dict[str, SourceFile]
    #: from `CheckOptions.strict`: a warning makes the result not `ok`
    strict: bool = False

    @property
    def ok(self) -> bool:
        failing = ("error", "warning") if self.strict else ("error",)
        return not any(f.severity.value in failing for f in self.findings)


def load(path: str | Path, *, options: CheckOptions | None = None) -> Loaded:
    """Parse and resolve the file at `path` with everything it imports."""
    from .model.loader import load_path

    return load_path(Path(path), options or CheckOptions())


def load_text(text: str, path: str | Path = "<string>", *,
              options: CheckOptions | None = None) -> Loaded:
    """Parse and resolve `text` as if it were the file at `path` (its imports are relative to
    that file's folder)."""
    from .model.loader import load_source

    return load_source(text, str(path), options or CheckOptions())


def check(loaded: Loaded, *, options: CheckOptions | None = None,
          progress: Progress | None = None, suppress: bool = True) -> CheckResult:
    """Run every check of the design on a loaded spec. With `suppress`, the
    `# normcheck: ignore[KIND]` comments of its files apply (and unused ones are reported)."""
    findings = list(loaded.findings)
    if loaded.spec is not None and not any(f.kind in MALFORMED_KINDS for f in findings):
        from .checks import run_checks

        findings.extend(loaded.spec.unused)
        findings.extend(run_checks(loaded.spec, options or CheckOptions(), progress))
    if suppress:
        from .core.suppress import apply_suppressions

        findings = apply_suppressions(findings, loaded.files)[0]
    options = options or CheckOptions()
    select, ignore = frozenset(options.select), frozenset(options.ignore)
    findings = [f if f.root is not None else replace(f, root=loaded.root) for f in findings
                if f.kind in ALWAYS_SHOWN or ((not select or f.kind in select)
                                              and f.kind not in ignore)]
    findings.sort(key=Finding.sort_key)
    return CheckResult(loaded.root, findings, loaded.files, options.strict)


def check_path(path: str | Path, *, options: CheckOptions | None = None,
               progress: Progress | None = None) -> CheckResult:
    """Load and check the file at `path`."""
    options = options or CheckOptions()
    return check(load(path, options=options), options=options, progress=progress)


def render(result: CheckResult | list[CheckResult], format: str = "text", *,
           color: bool = False) -> str:
    """Findings as `normcheck --format FORMAT` prints them: `text`, `concise`, `json`,
    `sarif` or `github`; one result, or several (one run over several roots)."""
    from .report import FORMATS, Report
    from .report import render as render_report

    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; one of {', '.join(FORMATS)}")
    results = [result] if isinstance(result, CheckResult) else list(result)
    findings: dict[tuple[object, ...], Finding] = {}
    sources: dict[str, SourceFile] = {}
    for one in results:
        sources.update(one.files)
        for finding in one.findings:
            findings.setdefault((finding.kind, finding.span.path, finding.span.start,
                                 finding.span.end, finding.message), finding)
    report = Report(sorted(findings.values(), key=Finding.sort_key), sources, len(results))
    return render_report(report, format, color=color)
