"""Helpers of the language-server tests: a project on disk, a client over stdio, waiting for
what the server publishes."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

#: seconds a test waits for the server to publish before it fails
WAIT = 20.0


def server_command() -> list[str]:
    """`normcheck lsp`: the console script installed beside this interpreter."""
    beside = Path(sys.executable).parent / "normcheck"
    if beside.exists():
        return [str(beside), "lsp"]
    return [sys.executable, "-m", "normlang.cli", "lsp"]


def uri(path: Path) -> str:
    return path.resolve().as_uri()


async def start(client: LanguageClient, folder: Path, debounce: float = 0.05) -> None:
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=uri(folder),
        workspace_folders=[types.WorkspaceFolder(uri(folder), folder.name)],
        initialization_options={"debounce": debounce}))


def open_file(client: LanguageClient, path: Path, text: str | None = None,
              version: int = 1) -> str:
    """Open `path` in the client (with `text`, else its content on disk); its URI."""
    address = uri(path)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        address, "norm", version, path.read_text(encoding="utf-8") if text is None else text)))
    return address


def change(client: LanguageClient, address: str, text: str, version: int) -> None:
    """Replace the whole text of an open document."""
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=address),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))


Published = Sequence[types.Diagnostic]


async def diagnostics(client: LanguageClient, address: str,
                      until: Callable[[Published], bool], wait: float = WAIT) -> Published:
    """The diagnostics of `address` once they satisfy `until` (fails after `wait` seconds)."""
    deadline = time.monotonic() + wait
    while True:
        found = client.diagnostics.get(address)
        if found is not None and until(found):
            return found
        left = deadline - time.monotonic()
        assert left > 0, f"no diagnostics as wanted for {address}; last: {found!r}"
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), left)


def kinds(found: Published) -> list[str]:
    return sorted(str(d.code) for d in found)


def has(kind: str) -> Callable[[Published], bool]:
    return lambda found: kind in kinds(found)


def position_of(text: str, needle: str, nth: int = 0, offset: int = 0) -> types.Position:
    """The position of the `nth` occurrence of `needle` in `text` (plus `offset` characters;
    ASCII text, so that code points and UTF-16 units agree)."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += offset
    line = text.count("\n", 0, at)
    return types.Position(line, at - (text.rfind("\n", 0, at) + 1))


def apply_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """`text` with the edits of one file applied (last first, so positions stay valid)."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[:position.line]) + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


async def checked(client: LanguageClient, name: str, version: int, wait: float = WAIT,
                  since: Collection[object] = ()) -> Published:
    """The diagnostics of the open file called `name` once the solver's run on `version` has
    ended (its work-done progress: "checking NAME" ... "version N: K findings"); the
    solver's diagnostics are published before that end. Runs whose tokens are in `since`
    (those seen before an edit) do not count."""
    deadline = time.monotonic() + wait
    while True:
        for token, reports in list(client.progress_reports.items()):
            if token in since:
                continue
            begin, end = reports[0] if reports else None, reports[-1] if reports else None
            if isinstance(begin, types.WorkDoneProgressBegin) and \
                    begin.message == f"checking {name}" and \
                    isinstance(end, types.WorkDoneProgressEnd) and end.message is not None and \
                    re.fullmatch(rf"version {version}: \d+ findings?", end.message):
                found = next(v for k, v in client.diagnostics.items() if k.endswith("/" + name))
                return found
        left = deadline - time.monotonic()
        assert left > 0, f"the solver did not finish version {version} of {name}"
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(client.wait_for_notification(types.PROGRESS), left)
