"""The requests the server answers, registered on a `NormServer`."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from pathlib import Path

from lsprotocol import types

from ..core.source import SourceFile
from ..model.imports import ParsedFile
from ..syntax import ast
from .actions import Fix, ignore_fix, override_fixes, scenario_fix
from .checker import Checker
from .complete import completions
from .convert import lsp_range, placed
from .hover import hover_text
from .outline import document_symbols
from .positions import code_points, path_of_uri, units, uri_of_path
from .progress import CheckProgress
from .server import NormServer
from .symbols import Occurrence

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: words a renamed symbol cannot take: the grammar's keywords
_RESERVED = frozenset({
    "layers", "agent", "enum", "fact", "action", "define", "assume", "constraint", "norm",
    "import", "values", "value", "prefer", "over", "expect", "consistent", "always", "never",
    "possible", "complies", "with", "for", "scenario", "given", "when", "unless", "must", "may",
    "protected", "serves", "overrides", "obliged", "forbidden", "permitted", "conflict", "true",
    "false", "bool", "int", "real", "in", "not", "and", "or"})


def build_server() -> NormServer:
    server = NormServer()
    _register_documents(server)
    _register_navigation(server)
    _register_editing(server)
    return server


def _register_documents(server: NormServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        settings = params.initialization_options
        if isinstance(settings, dict):
            debounce = settings.get("debounce")
            if isinstance(debounce, (int, float)) and not isinstance(debounce, bool):
                server.debounce = max(0.0, float(debounce))

    @server.feature(types.INITIALIZED)
    def initialized(params: types.InitializedParams) -> None:
        window = server.client_capabilities.window
        shown = CheckProgress(server.work_done_progress,
                              bool(window is not None and window.work_done_progress))
        server.check_progress = shown
        server.checker = Checker(asyncio.get_running_loop(), server.options, server.solver_done,
                                 shown.begin, server.solver_cancelled)
        server.checker.warm()

    @server.feature(types.SHUTDOWN)
    def shutdown(params: None) -> None:
        if server.checker is not None:
            server.checker.shutdown()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        server.changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        server.changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        server.changed(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(params: types.DidChangeWatchedFilesParams) -> None:
        changed = {path_of_uri(event.uri) for event in params.changes}
        for uri in list(server.workspace.text_documents):
            known = server.analyses.get(uri)
            if known is None or changed & set(known[1].parsed):
                server.analyses.pop(uri, None)
                server.changed(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        server.closed(params.text_document.uri)


def _register_navigation(server: NormServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        analysis, path, offset = server.offset(uri, params.position)
        text = hover_text(analysis, path, offset, server.findings(uri))
        if text is None:
            return None
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(params: types.DefinitionParams) -> list[types.Location]:
        analysis, path, offset = server.offset(params.text_document.uri, params.position)
        imported = _import_at(analysis.parsed[path].file if path in analysis.parsed else None,
                              offset)
        if imported is not None:
            target = (path.parent / imported.path).resolve()
            return [types.Location(uri_of_path(target), types.Range(types.Position(0, 0),
                                                                    types.Position(0, 0)))]
        occurrence = analysis.index.at(path, offset)
        if occurrence is None:
            return []
        found = analysis.index.declarations(occurrence.symbol)
        if found:
            return _locations(server, found, _sources(analysis.parsed))
        whole = server.project(path)
        return _locations(server, whole.index.declarations(occurrence.symbol),
                          _sources(whole.parsed))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(params: types.ReferenceParams) -> list[types.Location]:
        _analysis, path, offset = server.offset(params.text_document.uri, params.position)
        whole = server.project(path)
        occurrence = whole.index.at(path, offset)
        if occurrence is None:
            return []
        found = whole.related(occurrence.symbol, path)
        if not params.context.include_declaration:
            found = [o for o in found if not o.declaration]
        return _locations(server, found, _sources(whole.parsed))

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def outline(params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        uri = params.text_document.uri
        analysis = server.analysis(uri)
        parsed = analysis.parsed.get(server.document_path(uri))
        if parsed is None or parsed.file is None or parsed.source is None:
            return []
        return document_symbols(parsed.file, parsed.source, analysis.loaded.spec, server.encoding)


def _register_editing(server: NormServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[".", "@"]))
    def complete(params: types.CompletionParams) -> types.CompletionList:
        uri = params.text_document.uri
        # a half-typed line does not parse: the names come from the last reading that did
        analysis = server.parsed_analysis(uri, params.position.line)
        document = server.workspace.get_text_document(uri)
        line = document.lines[params.position.line] if params.position.line < len(
            document.lines) else ""
        before = line[:code_points(line, params.position.character, server.encoding)]
        return types.CompletionList(is_incomplete=False,
                                    items=completions(analysis.index, before))

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        return _formatted(server, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(params: types.PrepareRenameParams) -> types.Range | None:
        analysis, path, offset = server.offset(params.text_document.uri, params.position)
        occurrence = analysis.index.at(path, offset)
        source = analysis.source(path)
        if occurrence is None or source is None or occurrence.symbol.kind == "scenario":
            return None
        return lsp_range(source, occurrence.span, server.encoding)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    def rename(params: types.RenameParams) -> types.WorkspaceEdit | None:
        new = params.new_name
        if not _IDENTIFIER.match(new) or new in _RESERVED:
            raise ValueError(f"`{new}` is not a name: a letter or `_`, then letters, digits, "
                             "`_`; not a keyword")
        _analysis, path, offset = server.offset(params.text_document.uri, params.position)
        whole = server.project(path)
        occurrence = whole.index.at(path, offset)
        if occurrence is None:
            return None
        changes: dict[str, list[types.TextEdit]] = {}
        for found in whole.related(occurrence.symbol, path):
            source = whole.parsed[found.path].source
            if source is not None:
                changes.setdefault(uri_of_path(found.path), []).append(
                    types.TextEdit(lsp_range(source, found.span, server.encoding), new))
        return types.WorkspaceEdit(changes=changes)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_actions(params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        analysis = server.analysis(uri)
        source = analysis.source(server.document_path(uri))
        if source is None:
            return []
        wanted = params.range
        fixes: list[Fix] = []
        sources = _sources(analysis.parsed)
        for finding, shown in placed(server.findings(uri), analysis):
            where = lsp_range(source, shown, server.encoding)
            if not _overlaps(where, wanted):
                continue
            fixes.extend(override_fixes(finding, analysis.loaded.spec, analysis.index, sources))
            scenario = scenario_fix(finding, analysis.loaded.spec, server.document_path(uri),
                                    source)
            if scenario is not None:
                fixes.append(scenario)
            ignore = ignore_fix(finding, analysis.loaded.files)
            if ignore is not None:
                fixes.append(ignore)
        return [_code_action(fix, server) for fix in fixes]


def _formatted(server: NormServer, uri: str) -> list[types.TextEdit] | None:
    """The document in the canonical layout of `normcheck fmt`, as one edit (none when it is
    so already; None, with the reason logged, when it does not parse)."""
    from ..syntax.format import FormatterBug, UnparsableSource, format_source

    document = server.workspace.get_text_document(uri)
    text = document.source
    try:
        formatted = format_source(text, str(server.document_path(uri)))
    except (UnparsableSource, FormatterBug) as problem:
        server.window_log_message(types.LogMessageParams(types.MessageType.Warning,
                                                         f"normcheck: {problem}"))
        return None
    if formatted == text:
        return []
    last = text.split("\n")[-1]
    end = types.Position(text.count("\n"), units(last, server.encoding))
    return [types.TextEdit(types.Range(types.Position(0, 0), end), formatted)]


def _code_action(fix: Fix, server: NormServer) -> types.CodeAction:
    changes: dict[str, list[types.TextEdit]] = {}
    for edit in fix.edits:
        span = edit.source.span(edit.offset, edit.offset)
        changes.setdefault(uri_of_path(edit.path), []).append(
            types.TextEdit(lsp_range(edit.source, span, server.encoding), edit.text))
    return types.CodeAction(title=fix.title, kind=types.CodeActionKind.QuickFix,
                            edit=types.WorkspaceEdit(changes=changes))


def _overlaps(one: types.Range, other: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(one.start) <= key(other.end) and key(other.start) <= key(one.end)


def _import_at(file: ast.File | None, offset: int) -> ast.Import | None:
    for decl in file.decls if file is not None else ():
        if isinstance(decl, ast.Import) and decl.span.start <= offset <= decl.span.end:
            return decl
    return None


def _locations(server: NormServer, found: list[Occurrence],
               sources: Mapping[Path, SourceFile]) -> list[types.Location]:
    out = []
    for occurrence in found:
        source = sources.get(occurrence.path)
        if source is not None:
            out.append(types.Location(uri_of_path(occurrence.path),
                                      lsp_range(source, occurrence.span, server.encoding)))
    return out


def _sources(parsed: Mapping[Path, ParsedFile]) -> dict[Path, SourceFile]:
    return {path: one.source for path, one in parsed.items() if one.source is not None}
