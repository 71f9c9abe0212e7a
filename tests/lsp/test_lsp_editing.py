"""Completion and the quick fixes: ignore a finding here, settle a conflict by priority."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsp_helpers import (
    apply_edits,
    change,
    checked,
    diagnostics,
    has,
    kinds,
    open_file,
    position_of,
    start,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu_ai_act"

CONFLICT = """\
layers law > house
agent bot
action bot.talk
fact asked: bool

norm speak @house "house rule 1"
  when asked
  bot must talk

norm hush @house serves quiet # a comment
  bot must not talk

value quiet
"""


def doc(address: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(address)


async def labels(client: LanguageClient, address: str, at: types.Position) -> list[str]:
    found = await client.text_document_completion_async(types.CompletionParams(doc(address), at))
    assert found is not None
    items = found.items if isinstance(found, types.CompletionList) else found
    return [item.label for item in items]


@pytest.mark.asyncio
async def test_completion_offers_what_fits_the_place(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    for name in ("model_spec.norm", "regulation.norm"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    base = (tmp_path / "model_spec.norm").read_text()
    address = open_file(client, tmp_path / "model_spec.norm", base)
    version = 1

    async def at_end_of(line: str) -> list[str]:
        nonlocal version
        version += 1
        text = base + "\n" + line + "\n"
        change(client, address, text, version)  # a line being typed: it does not parse
        last = line.split("\n")[-1]
        return await labels(client, address, types.Position(text.count("\n") - 1, len(last)))

    assert await at_end_of("norm typed @") == ["regulation", "organization", "model_spec", "user"]
    values = await at_end_of("expect possible risk_class == ")
    assert sorted(values) == ["high", "limited", "minimal", "prohibited"]
    assert await at_end_of("expect possible assistant.") == ["disclose_ai_identity"]
    in_target = await at_end_of("norm typed\n  provider must not ")
    assert set(in_target) == {"run_model_evaluations", "report_incidents", "publish_training_summary",
                              "draw_up_technical_documentation", "not", "and", "or"}
    lines = base.split("\n")
    anywhere = await labels(client, address, types.Position(len(lines) - 1, 0))
    assert {"norm", "must not", "overrides", "interacts_with_person", "systemic_risk",
            "stay_in_persona"} <= set(anywhere)


async def fixes(client: LanguageClient, address: str,
                diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    found = await client.text_document_code_action_async(types.CodeActionParams(
        doc(address), diagnostic.range, types.CodeActionContext([diagnostic])))
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


def edited(action: types.CodeAction, address: str, text: str) -> str:
    assert action.edit is not None and action.edit.changes is not None
    assert set(action.edit.changes) == {address}
    return apply_edits(text, action.edit.changes[address])


@pytest.mark.asyncio
async def test_ignore_this_finding_here_silences_it(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    address = open_file(client, tmp_path / "spec.norm", CONFLICT)
    found = await diagnostics(client, address, has("conflict"))
    conflict = next(d for d in found if d.code == "conflict")
    ignore = [a for a in await fixes(client, address, conflict) if "ignore[conflict]" in a.title]
    assert len(ignore) == 1
    fixed = edited(ignore[0], address, CONFLICT)
    assert "# normcheck: ignore[conflict]\n" in fixed
    change(client, address, fixed, 2)
    after = kinds(await checked(client, "spec.norm", 2))
    assert "conflict" not in after and "unused-suppression" not in after


@pytest.mark.asyncio
@pytest.mark.parametrize("winner", ["speak", "hush"])
async def test_mark_overridden_by_settles_the_conflict(client: LanguageClient, tmp_path: Path,
                                                       winner: str) -> None:
    await start(client, tmp_path)
    address = open_file(client, tmp_path / "spec.norm", CONFLICT)
    found = await diagnostics(client, address, has("conflict"))
    conflict = next(d for d in found if d.code == "conflict")
    offered = {a.title: a for a in await fixes(client, address, conflict)
               if a.title.startswith("Mark")}
    loser = "hush" if winner == "speak" else "speak"
    title = f"Mark `{loser}` overridden by `{winner}` (`{winner}` overrides `{loser}`)"
    assert title in offered, list(offered)
    fixed = edited(offered[title], address, CONFLICT)
    expected = {"speak": 'norm speak @house "house rule 1" overrides hush\n',
                "hush": "norm hush @house serves quiet overrides speak # a comment\n"}[winner]
    assert expected in fixed
    change(client, address, fixed, 2)
    after = kinds(await checked(client, "spec.norm", 2))
    assert "conflict" not in after and "overridden" in after


@pytest.mark.asyncio
async def test_no_override_is_offered_that_would_make_a_priority_cycle(
        client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    text = CONFLICT.replace("fact asked: bool", "fact asked: bool\nfact urgent: bool").replace(
        'norm speak @house "house rule 1"', 'norm speak @house "house rule 1" overrides hush (when urgent)')
    address = open_file(client, tmp_path / "spec.norm", text)
    found = await diagnostics(client, address, has("conflict"))
    conflict = next(d for d in found if d.code == "conflict")
    titles = [a.title for a in await fixes(client, address, conflict)]
    assert titles and not [t for t in titles if t.startswith("Mark")]
    assert "Ignore this `conflict` here (# normcheck: ignore[conflict])" in titles


@pytest.mark.asyncio
async def test_rename_of_a_value_changes_its_declaration_and_each_serves(
        client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    address = open_file(client, tmp_path / "spec.norm", CONFLICT)
    at = position_of(CONFLICT, "value quiet", offset=7)
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc(address), position=at, new_name="calm"))
    assert edit is not None and edit.changes is not None
    renamed = apply_edits(CONFLICT, edit.changes[address])
    assert renamed == CONFLICT.replace("quiet", "calm")


@pytest.mark.asyncio
async def test_incremental_edits_are_applied_to_the_buffer(client: LanguageClient,
                                                           tmp_path: Path) -> None:
    await start(client, tmp_path)
    address = open_file(client, tmp_path / "spec.norm", CONFLICT)
    await diagnostics(client, address, has("conflict"))
    at = position_of(CONFLICT, "  bot must not talk")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=address),
        [types.TextDocumentContentChangePartial(range=types.Range(at, at),
                                                text="  unless asked\n")]))
    assert "conflict" not in kinds(await checked(client, "spec.norm", 2))


@pytest.mark.asyncio
async def test_a_finding_in_an_import_is_ignored_in_the_file_it_lies_in(
        client: LanguageClient, tmp_path: Path) -> None:
    await start(client, tmp_path)
    rules = tmp_path / "rules.norm"
    rules.write_text(CONFLICT)
    root = tmp_path / "main.norm"
    root.write_text('import "rules.norm"\n')
    address = open_file(client, root)
    found = await diagnostics(client, address, has("conflict"))
    conflict = next(d for d in found if d.code == "conflict")
    assert conflict.range.start.line == 0  # shown at the import
    (ignore,) = [a for a in await fixes(client, address, conflict) if "ignore" in a.title]
    assert ignore.edit is not None and ignore.edit.changes is not None
    assert set(ignore.edit.changes) == {rules.resolve().as_uri()}
    fixed = apply_edits(CONFLICT, ignore.edit.changes[rules.resolve().as_uri()])
    seen = set(client.progress_reports)
    open_file(client, rules, fixed)  # the edit, unsaved in the editor
    after = kinds(await checked(client, "main.norm", 1, since=seen))
    assert "conflict" not in after and "unused-suppression" not in after
