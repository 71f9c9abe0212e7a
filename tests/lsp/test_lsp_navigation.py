"""Hover, go to definition, references, rename and the outline, over the EU AI Act example (a
model spec importing the regulation)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lsp_helpers import apply_edits, diagnostics, has, open_file, position_of, start, uri
from lsprotocol import types
from pytest_lsp import LanguageClient

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu_ai_act"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("model_spec.norm", "regulation.norm"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    return tmp_path


def doc(address: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(address)


async def hover(client: LanguageClient, address: str, at: types.Position) -> str:
    found = await client.text_document_hover_async(types.HoverParams(doc(address), at))
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    return found.contents.value


@pytest.mark.asyncio
async def test_hover_shows_a_norms_source_layer_and_what_overrides_it(
        client: LanguageClient, project: Path) -> None:
    await start(client, project)
    text = (project / "model_spec.norm").read_text()
    address = open_file(client, project / "model_spec.norm")
    shown = await hover(client, address, position_of(text, "norm stay_in_persona", offset=6))
    assert "Model spec §4.2 (personas)" in shown
    assert "layer: `model_spec`" in shown
    assert "overridden by `honest_when_asked`" in shown


@pytest.mark.asyncio
async def test_hover_shows_a_facts_type_across_an_import(client: LanguageClient,
                                                         project: Path) -> None:
    await start(client, project)
    (project / "model_spec.norm").write_text(
        (project / "model_spec.norm").read_text() + "\nexpect possible risk_class == high\n")
    text = (project / "model_spec.norm").read_text()
    address = open_file(client, project / "model_spec.norm")
    shown = await hover(client, address, position_of(text, "risk_class == high", offset=2))
    assert "**fact** `risk_class`" in shown
    assert "enum `RiskClass`" in shown and "`prohibited`" in shown


@pytest.mark.asyncio
async def test_hover_on_a_finding_shows_its_witness(client: LanguageClient, project: Path) -> None:
    await start(client, project)
    text = (project / "model_spec.norm").read_text()
    address = open_file(client, project / "model_spec.norm")
    found = await diagnostics(client, address, has("compliance-gap"))
    gap = next(d for d in found if d.code == "compliance-gap")
    shown = await hover(client, address, gap.range.start)
    assert "**compliance-gap**" in shown and "witness situation:" in shown
    assert "`user_requests_persona` = `true`" in shown
    del text


@pytest.mark.asyncio
async def test_definition_goes_to_the_declaration_in_the_imported_file(
        client: LanguageClient, project: Path) -> None:
    await start(client, project)
    text = (project / "model_spec.norm").read_text()
    address = open_file(client, project / "model_spec.norm")
    at = position_of(text, "assistant must not disclose_ai_identity", offset=22)
    found = await client.text_document_definition_async(types.DefinitionParams(doc(address), at))
    assert isinstance(found, list) and len(found) == 1
    regulation = (project / "regulation.norm").read_text()
    assert found[0].uri == uri(project / "regulation.norm")
    assert found[0].range.start == position_of(regulation, "disclose_ai_identity")
    imported = await client.text_document_definition_async(types.DefinitionParams(
        doc(address), position_of(text, '"regulation.norm"', offset=3)))
    assert isinstance(imported, list) and imported[0].uri == uri(project / "regulation.norm")


@pytest.mark.asyncio
async def test_references_are_found_in_the_files_that_import_the_declaration(
        client: LanguageClient, project: Path) -> None:
    await start(client, project)
    regulation = (project / "regulation.norm").read_text()
    address = open_file(client, project / "regulation.norm")
    at = position_of(regulation, "fact interacts_with_person", offset=6)
    found = await client.text_document_references_async(types.ReferenceParams(
        text_document=doc(address), position=at,
        context=types.ReferenceContext(include_declaration=True)))
    by_file = sorted((Path(types_uri_path(f.uri)).name, f.range.start.line) for f in found)
    spec = (project / "model_spec.norm").read_text()
    assert ("model_spec.norm", position_of(spec, "interacts_with_person").line) in by_file
    assert sum(1 for name, _ in by_file if name == "regulation.norm") == \
        regulation.count("interacts_with_person")


def types_uri_path(address: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(address).path)


@pytest.mark.asyncio
@pytest.mark.parametrize("needle, offset, new", [
    ("action assistant.disclose_ai_identity", 18, "reveal_ai_identity"),
    ("fact user_asked_if_ai", 6, "asked_if_ai"),
    ("norm stay_in_persona", 6, "keep_persona"),
    ("agent assistant", 6, "model"),
    ("regulation > organization", 0, "law"),
])
async def test_rename_changes_every_use_across_files_and_the_spec_still_checks_the_same(
        client: LanguageClient, project: Path, needle: str, offset: int, new: str) -> None:
    await start(client, project)
    files = {name: (project / name).read_text() for name in ("model_spec.norm", "regulation.norm")}
    home = "regulation.norm" if needle in files["regulation.norm"] else "model_spec.norm"
    address = open_file(client, project / home)
    at = position_of(files[home], needle, offset=offset)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(doc(address), at))
    assert prepared is not None
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc(address), position=at, new_name=new))
    assert edit is not None and edit.changes
    old = needle.split()[-1].split(".")[-1] if offset else needle.split()[0]
    for name, text in files.items():
        renamed = apply_edits(text, edit.changes.get(uri(project / name), []))
        (project / name).write_text(renamed)
        # the old name is gone from the code (comments, strings and file names keep it)
        assert not re.search(rf"\b{old}\b", code_of(renamed)), name
    from normlang.api import check_path

    before = check_path(EXAMPLE / "model_spec.norm")
    after = check_path(project / "model_spec.norm")
    def renamed_finding(kind: str, message: str, line: int) -> tuple[str, str, int]:
        return kind, re.sub(rf"\b{old}\b", new, message), line

    assert sorted((f.kind, f.message, f.span.line) for f in after.findings) == sorted(
        renamed_finding(f.kind, f.message, f.span.line) for f in before.findings)


def code_of(text: str) -> str:
    """`text` without its comments and string literals."""
    return re.sub(r'"([^"\\\n]|\\.)*"|#[^\n]*', "", text)


@pytest.mark.asyncio
async def test_rename_refuses_a_keyword(client: LanguageClient, project: Path) -> None:
    await start(client, project)
    text = (project / "model_spec.norm").read_text()
    address = open_file(client, project / "model_spec.norm")
    at = position_of(text, "fact user_asked_if_ai", offset=6)
    with pytest.raises(Exception, match="not a name"):
        await client.text_document_rename_async(
            types.RenameParams(text_document=doc(address), position=at, new_name="norm"))


@pytest.mark.asyncio
async def test_the_outline_groups_norms_by_layer(client: LanguageClient, project: Path) -> None:
    await start(client, project)
    address = open_file(client, project / "regulation.norm")
    found = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(doc(address)))
    assert found is not None
    symbols = [s for s in found if isinstance(s, types.DocumentSymbol)]
    layers = [s for s in symbols if s.kind == types.SymbolKind.Namespace]
    assert [s.name for s in layers][:1] == ["regulation"]
    norms = [child.name for child in layers[0].children or []]
    assert "art50_transparency" in norms and "art5_prohibited" in norms
    assert any(s.name == "risk_class" and s.kind == types.SymbolKind.Variable for s in symbols)
