"""What every renderer reads: the findings of a run and the source texts they point into."""

from __future__ import annotations

import os
import re

#: typing.TYPE_CHECKING without importing typing: `normcheck`'s start-up reads FORMATS only
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..core.findings import Finding
    from ..core.source import SourceFile, Span


class Report:
    """Everything a renderer needs: the findings, the sources they point into, the files checked."""

    # a plain class, not a dataclass: importing dataclasses costs a warm run ~7 ms
    __slots__ = ("files_checked", "findings", "sources")

    def __init__(self, findings: Sequence[Finding], sources: dict[str, SourceFile] | None = None,
                 files_checked: int = 0) -> None:
        self.findings = findings
        self.sources = sources if sources is not None else {}
        self.files_checked = files_checked


def summary_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for finding in findings:
        counts[{"error": "errors", "warning": "warnings", "info": "infos"}[
            finding.severity.value]] += 1
    return counts


class NormLocator:
    """Finds where the norms a finding names are declared, from the source texts alone.

    Norm names are unique only within one spec, so a finding's norms are looked up in
    the files of its labels and in what those files import (transitively), nearest first.
    """

    _NORM = re.compile(r"^[ \t]*norm[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
    _IMPORT = re.compile(r'^[ \t]*import[ \t]+"([^"\n]+)"', re.MULTILINE)

    def __init__(self, sources: dict[str, SourceFile]) -> None:
        self.sources = sources
        self._declared: dict[str, dict[str, Span]] = {}

    def locate(self, finding: Finding) -> dict[str, Span]:
        """Norm name -> the span of its name in its declaration, for the finding's norms."""
        found: dict[str, Span] = {}
        for path in self._reachable([finding.span.path, *(lb.span.path for lb in finding.labels)]):
            for name, span in self._declarations(path).items():
                if name in finding.norms:
                    found.setdefault(name, span)
        return found

    def _reachable(self, starts: list[str]) -> list[str]:
        order: list[str] = []
        queue = list(dict.fromkeys(starts))
        while queue:
            path = queue.pop(0)
            if path in order or path not in self.sources:
                continue
            order.append(path)
            folder = os.path.dirname(path)
            for match in self._IMPORT.finditer(self.sources[path].text):
                queue.append(os.path.normpath(os.path.join(folder, match.group(1))))
        return order

    def _declarations(self, path: str) -> dict[str, Span]:
        if path not in self._declared:
            source = self.sources[path]
            self._declared[path] = {m.group(1): source.span(m.start(1), m.end(1))
                                    for m in self._NORM.finditer(source.text)}
        return self._declared[path]
