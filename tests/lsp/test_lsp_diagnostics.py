"""Diagnostics as the user types: front-end errors at once, the solver's findings after a pause,
from the editor's buffers rather than the files on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_helpers import change, checked, diagnostics, has, kinds, open_file, start
from lsprotocol import types
from pytest_lsp import LanguageClient

CONFLICT = """\
agent bot
action bot.talk
fact asked: bool

norm speak
  when asked
  bot must talk

norm hush
  bot must not talk
"""


@pytest.mark.asyncio
async def test_a_syntax_error_is_published_on_open(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    path = tmp_path / "bad.norm"
    path.write_text("agent bot\nnorm n bot mustt talk\n")
    address = open_file(client, path)
    found = await diagnostics(client, address, has("syntax-error"))
    error = next(d for d in found if d.code == "syntax-error")
    assert error.range.start.line == 1 and error.source == "normcheck"


@pytest.mark.asyncio
async def test_the_solver_finds_a_conflict_and_an_edit_that_fixes_it_clears_it(
        client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    path = tmp_path / "spec.norm"
    path.write_text(CONFLICT)
    address = open_file(client, path)
    found = await diagnostics(client, address, has("conflict"))
    conflict = next(d for d in found if d.code == "conflict")
    assert "speak" in conflict.message or "hush" in conflict.message
    fixed = CONFLICT.replace("norm hush\n", "norm hush\n  unless asked\n")
    change(client, address, fixed, 2)
    assert "conflict" not in kinds(await checked(client, "spec.norm", 2))
    assert path.read_text() == CONFLICT  # the buffer was checked, the file left as it was


@pytest.mark.asyncio
async def test_front_end_errors_come_at_once_from_the_buffer(
        client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path, debounce=30.0)  # the solver would run only after 30 s
    path = tmp_path / "spec.norm"
    path.write_text(CONFLICT)
    address = open_file(client, path)
    await diagnostics(client, address, lambda ds: kinds(ds) == [], wait=20)
    change(client, address, CONFLICT.replace("when asked", "when askd"), 2)
    found = await diagnostics(client, address, has("name-error"), wait=20)
    assert any("askd" in d.message for d in found)


@pytest.mark.asyncio
async def test_an_open_import_is_read_from_its_buffer(client: LanguageClient,
                                                      tmp_path: Path) -> None:
    await start(client, tmp_path)
    (tmp_path / "vocabulary.norm").write_text("agent bot\naction bot.talk\n")
    root = tmp_path / "main.norm"
    root.write_text('import "vocabulary.norm"\n\nnorm speak\n  when asked\n  bot must talk\n')
    address = open_file(client, root)
    await diagnostics(client, address, has("name-error"))  # `asked` is declared nowhere
    vocabulary = tmp_path / "vocabulary.norm"
    open_file(client, vocabulary, "agent bot\naction bot.talk\nfact asked: bool\n")
    await diagnostics(client, address, lambda ds: "name-error" not in kinds(ds))


@pytest.mark.asyncio
async def test_findings_in_an_import_show_at_the_import(client: LanguageClient,
                                                        tmp_path: Path) -> None:
    await start(client, tmp_path)
    (tmp_path / "rules.norm").write_text(CONFLICT)
    root = tmp_path / "main.norm"
    root.write_text('# the rules\nimport "rules.norm"\n')
    address = open_file(client, root)
    found = await diagnostics(client, address, has("conflict"))
    conflict = next(d for d in found if d.code == "conflict")
    assert conflict.range.start.line == 1 and "rules.norm" in conflict.message


@pytest.mark.asyncio
async def test_an_import_changed_on_disk_is_read_again_when_the_client_says_so(
        client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    vocabulary = tmp_path / "vocabulary.norm"
    vocabulary.write_text("agent bot\naction bot.talk\n")
    root = tmp_path / "main.norm"
    root.write_text('import "vocabulary.norm"\n\nnorm speak\n  when asked\n  bot must talk\n')
    address = open_file(client, root)
    await diagnostics(client, address, has("name-error"))
    vocabulary.write_text("agent bot\naction bot.talk\nfact asked: bool\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        [types.FileEvent(vocabulary.resolve().as_uri(), types.FileChangeType.Changed)]))
    await diagnostics(client, address, lambda ds: "name-error" not in kinds(ds))


@pytest.mark.asyncio
async def test_the_solvers_findings_stay_while_their_lines_are_unchanged(
        client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    address = open_file(client, tmp_path / "spec.norm", CONFLICT)
    await diagnostics(client, address, has("conflict"))
    # a name error below every line the conflict points at: the solver cannot run again, and
    # the conflict's lines read as they did
    change(client, address, CONFLICT + "norm later\n  bot must talk_\n", 2)
    found = await diagnostics(client, address, has("name-error"))
    assert "conflict" in kinds(found)
    # a line inserted above them: the conflict is no longer where it was shown
    change(client, address, "# a new first line\n" + CONFLICT + "norm later\n  bot must talk_\n", 3)
    found = await diagnostics(client, address, lambda ds: "conflict" not in kinds(ds))
    assert "name-error" in kinds(found)
