"""Document formatting (`normcheck fmt`'s layout) and the quick fix that turns a finding's
witness into a scenario pinning it."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_helpers import apply_edits, change, checked, diagnostics, has, kinds, open_file, start
from lsprotocol import types
from pytest_lsp import LanguageClient

from normlang.syntax.format import format_source

MESSY = """\
agent   bot
action bot.talk   # the one action
fact asked:bool
norm speak when asked bot must talk
"""

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


def doc(address: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(address)


async def format_request(client: LanguageClient, address: str) -> list[types.TextEdit] | None:
    return await client.text_document_formatting_async(types.DocumentFormattingParams(
        doc(address), types.FormattingOptions(tab_size=2, insert_spaces=True)))


@pytest.mark.asyncio
async def test_formatting_gives_the_layout_of_normcheck_fmt(client: LanguageClient,
                                                             tmp_path: Path) -> None:
    await start(client, tmp_path)
    address = open_file(client, tmp_path / "spec.norm", MESSY)
    edits = await format_request(client, address)
    assert edits, "the messy text is not in the canonical layout"
    formatted = apply_edits(MESSY, edits)
    assert formatted == format_source(MESSY) and formatted != MESSY
    assert "# the one action" in formatted
    change(client, address, formatted, 2)
    again = await format_request(client, address)
    assert again is not None and len(again) == 0  # formatted already: no edit


@pytest.mark.asyncio
async def test_a_file_that_does_not_parse_is_left_as_it_is(client: LanguageClient,
                                                           tmp_path: Path) -> None:
    await start(client, tmp_path)
    address = open_file(client, tmp_path / "spec.norm", "agent bot\nnorm n bot mustt talk\n")
    assert await format_request(client, address) is None


@pytest.mark.asyncio
async def test_add_a_scenario_from_the_witness_pins_the_conflict(client: LanguageClient,
                                                                 tmp_path: Path) -> None:
    await start(client, tmp_path)
    address = open_file(client, tmp_path / "spec.norm", CONFLICT)
    found = await diagnostics(client, address, has("conflict"))
    conflict = next(d for d in found if d.code == "conflict")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        doc(address), conflict.range, types.CodeActionContext([conflict])))
    offered = [a for a in actions or [] if isinstance(a, types.CodeAction)
               and a.title.startswith("Add a scenario from this witness")]
    assert len(offered) == 1 and offered[0].edit is not None and offered[0].edit.changes
    pinned = apply_edits(CONFLICT, offered[0].edit.changes[address])
    assert pinned.startswith(CONFLICT) and "\nscenario " in pinned and "expect conflict" in pinned
    change(client, address, pinned, 2)
    after = kinds(await checked(client, "spec.norm", 2))
    assert "conflict" in after and "scenario-failed" not in after
    flipped = pinned.replace("expect conflict", "expect not conflict")
    change(client, address, flipped, 3)
    assert "scenario-failed" in kinds(await checked(client, "spec.norm", 3))
