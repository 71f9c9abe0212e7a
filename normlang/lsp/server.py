"""`normcheck lsp`: the language server, over stdio (pygls).

Every open file is read as the root of a spec, with the editor's buffers standing in for the
files on disk. Its front-end findings (parse and resolve) are published as soon as an edit
arrives; the solver's findings follow after a pause in typing, from a run in another process
that the next edit ends (see `checker`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ..core.findings import MALFORMED_KINDS, Finding
from ..core.options import CheckOptions
from ..core.source import SourceFile
from ..core.version import __version__
from .analysis import Analysis, ParseCache, Project, analyse, project
from .checker import Checker
from .convert import diagnostics
from .positions import ENCODINGS, Point, offset_at, path_of_uri
from .progress import CheckProgress

log = logging.getLogger(__name__)

#: seconds of quiet after an edit before the solver runs
DEFAULT_DEBOUNCE = 0.4
#: the kinds the front end reports (the solver's run reports them again, with its own)
FRONT_END_KINDS = MALFORMED_KINDS | {"unused-declaration"}


@dataclass(frozen=True)
class Checked:
    """A solver run's findings, the version it checked and the sources it read."""

    version: int
    findings: list[Finding]
    files: Mapping[str, SourceFile]


def still_there(finding: Finding, before: Mapping[str, SourceFile],
                after: Mapping[str, SourceFile]) -> bool:
    """Whether every line a finding points at reads the same after an edit: then it is shown
    on until the solver has checked the new text, rather than blinking out at each keystroke."""
    for span in (finding.span, *(label.span for label in finding.labels)):
        old, new = before.get(span.path), after.get(span.path)
        if old is None or new is None:
            return False
        if any(old.line_text(n) != new.line_text(n) for n in range(span.line, span.end_line + 1)):
            return False
    return True


class NormServer(LanguageServer):
    """The documents' analyses and solver results, by URI."""

    def __init__(self) -> None:
        super().__init__("normcheck", __version__)
        self.options = CheckOptions()
        self.debounce = DEFAULT_DEBOUNCE
        self.analyses: dict[str, tuple[int, Analysis]] = {}
        self.parsed_analyses: dict[str, Analysis] = {}
        self.parse_cache = ParseCache()
        #: the solver's findings of each document, for the version they were checked on (-1
        #: once a file it imports has changed)
        self.checked: dict[str, Checked] = {}
        self.checker: Checker | None = None
        self.check_progress: CheckProgress | None = None
        self.pending: dict[str, asyncio.Task[None]] = {}

    # ------------------------------------------------------------ documents

    @property
    def encoding(self) -> str:
        chosen = str(getattr(self.workspace.position_encoding, "value",
                             self.workspace.position_encoding or "utf-16"))
        return chosen if chosen in ENCODINGS else "utf-16"

    def document_path(self, uri: str) -> Path:
        path = path_of_uri(uri)
        return path if path is not None else Path.cwd() / f"untitled-{abs(hash(uri))}.norm"

    def texts(self) -> dict[Path, str]:
        """The open documents' text, by file: what the loader reads instead of the disk."""
        return {self.document_path(uri): doc.source
                for uri, doc in self.workspace.text_documents.items()}

    def doc_version(self, uri: str) -> int:
        document = self.workspace.text_documents.get(uri)
        return document.version or 0 if document is not None else -1

    def analysis(self, uri: str) -> Analysis:
        """The front end's reading of the document as it is now."""
        version = self.doc_version(uri)
        known = self.analyses.get(uri)
        if known is not None and known[0] == version:
            return known[1]
        path = self.document_path(uri)
        started = time.perf_counter()
        done = analyse(path, self.texts(), self.options, self.parse_cache)
        log.debug("front end of %s, version %d: %.0f ms", uri, version,
                  (time.perf_counter() - started) * 1000)
        self.analyses[uri] = (version, done)
        if path in done.parsed and done.parsed[path].file is not None:
            self.parsed_analyses[uri] = done
        return done

    def parsed_analysis(self, uri: str, line: int) -> Analysis:
        """An analysis in which the document itself parsed, for the names it declares: the
        latest; else the latest with the 0-based `line` (the one being typed) left out; else
        the last one that parsed (else the latest)."""
        latest = self.analysis(uri)
        path = self.document_path(uri)
        if latest.parsed[path].file is not None if path in latest.parsed else False:
            return latest
        texts = self.texts()
        lines = texts[path].split("\n")
        if 0 <= line < len(lines):
            lines[line] = " " * len(lines[line])
            texts[path] = "\n".join(lines)
            without = analyse(path, texts, self.options)
            if path in without.parsed and without.parsed[path].file is not None:
                return without
        return self.parsed_analyses.get(uri, latest)

    def findings(self, uri: str) -> list[Finding]:
        """The findings now shown for the document: the solver's, when they are of this
        version; else the front end's, with those of the solver's last ones that still
        stand where they stood (see `still_there`) until the solver has run again."""
        checked = self.checked.get(uri)
        if checked is not None and checked.version == self.doc_version(uri):
            return checked.findings
        analysis = self.analysis(uri)
        if checked is None:
            return analysis.findings
        files = analysis.loaded.files
        kept = [f for f in checked.findings if f.kind not in FRONT_END_KINDS
                and still_there(f, checked.files, files)]
        return sorted(analysis.findings + kept, key=Finding.sort_key)

    def offset(self, uri: str, position: types.Position) -> tuple[Analysis, Path, int]:
        analysis = self.analysis(uri)
        path = self.document_path(uri)
        source = analysis.source(path)
        at = Point(position.line, position.character)
        return analysis, path, offset_at(source, at, self.encoding) if source is not None else 0

    def project(self, also: Path) -> Project:
        folders = [p for p in (path_of_uri(f.uri) for f in self.workspace.folders.values()) if p]
        root = self.workspace.root_path
        if not folders and root:
            folders = [Path(root).resolve()]
        return project(folders, self.texts(), self.options, [also])

    # ------------------------------------------------------------ diagnostics

    def changed(self, uri: str) -> None:
        """An edit (or an open or close): front end at once, solver after a pause; other open
        documents that read this one are read again too."""
        if self.checker is not None:
            self.checker.cancel(uri)
        self._queue(uri, 0.0)
        path = self.document_path(uri)
        for other, (_version, analysis) in list(self.analyses.items()):
            if other != uri and path in analysis.parsed:
                if self.checker is not None:
                    self.checker.cancel(other)
                if other in self.checked:
                    self.checked[other] = replace(self.checked[other], version=-1)
                del self.analyses[other]  # read again, with this document's new text
                self._queue(other, self.debounce / 2)

    def _queue(self, uri: str, delay: float) -> None:
        pending = self.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._front_end(uri, delay))

    async def _front_end(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)  # lets edits already queued arrive first: only the last counts
        self.pending.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return
        analysis = self.analysis(uri)
        self.publish(uri, self.findings(uri))
        loaded = analysis.loaded
        if loaded.spec is not None and self.checker is not None:
            log.debug("solver run scheduled for %s, version %d", uri, self.doc_version(uri))
            self.checker.schedule(uri, self.doc_version(uri), loaded, self.debounce)

    def solver_done(self, uri: str, version: int, found: list[Finding] | None,
                    problem: str) -> None:
        log.debug("solver run done for %s, version %d (now %d)", uri, version,
                  self.doc_version(uri))
        if version != self.doc_version(uri):
            self._progress_end(uri, version, f"version {version}: superseded")
            return
        if found is None:
            self.window_log_message(types.LogMessageParams(
                types.MessageType.Error, f"normcheck: the check of {uri} failed: {problem}"))
            self._progress_end(uri, version, f"version {version}: the check failed")
            return
        self.checked[uri] = Checked(version, found, dict(self.analysis(uri).loaded.files))
        self.publish(uri, found)
        count = len(found)
        self._progress_end(uri, version,
                           f"version {version}: {count} finding{'' if count == 1 else 's'}")

    def solver_cancelled(self, uri: str, version: int) -> None:
        self._progress_end(uri, version, f"version {version}: superseded")

    def _progress_end(self, uri: str, version: int, message: str) -> None:
        if self.check_progress is not None:
            self.check_progress.end(uri, version, message)

    def publish(self, uri: str, found: list[Finding]) -> None:
        analysis = self.analysis(uri)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=self.doc_version(uri),
            diagnostics=diagnostics(found, analysis, self.encoding)))

    def closed(self, uri: str) -> None:
        if self.checker is not None:
            self.checker.cancel(uri)
        pending = self.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        path = self.document_path(uri)
        self.analyses.pop(uri, None)
        self.parsed_analyses.pop(uri, None)
        self.checked.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
        for other, (_version, analysis) in list(self.analyses.items()):
            if path in analysis.parsed:  # it reads the file from disk again
                del self.analyses[other]
                self.changed(other)
