"""An open file read as a root: buffers for files, parses kept while their text is the same,
front-end findings as a check reports them."""

from __future__ import annotations

import os
from pathlib import Path

from normlang.core.options import CheckOptions
from normlang.lsp.analysis import ParseCache, analyse


def test_unchanged_files_keep_their_parse_and_a_changed_one_is_parsed_again(
        tmp_path: Path) -> None:
    vocabulary = (tmp_path / "vocabulary.norm").resolve()
    vocabulary.write_text("agent bot\naction bot.talk\n")
    root = (tmp_path / "main.norm").resolve()
    text = 'import "vocabulary.norm"\nnorm n\n  bot must talk\n'
    cache = ParseCache()
    first = analyse(root, {root: text}, CheckOptions(), cache)
    edited = analyse(root, {root: text + "# edited\n"}, CheckOptions(), cache)
    assert edited.parsed[vocabulary] is first.parsed[vocabulary]
    assert edited.parsed[root] is not first.parsed[root]
    vocabulary.write_text("agent bot\naction bot.talk\nfact asked: bool\n")
    os.utime(vocabulary, ns=(1, 1))  # whatever the clock's resolution, the time differs
    third = analyse(root, {root: text + "# edited\n"}, CheckOptions(), cache)
    assert third.parsed[vocabulary] is not first.parsed[vocabulary]
    assert third.loaded.spec is not None and "asked" in third.loaded.spec.facts


def test_a_suppression_is_not_reported_unused_before_the_solver_has_run(tmp_path: Path) -> None:
    root = (tmp_path / "main.norm").resolve()
    text = ("agent bot\naction bot.talk\n# normcheck: ignore[conflict]\nnorm n\n  bot must talk\n"
            "fact unread: bool\n")
    found = analyse(root, {root: text}, CheckOptions()).findings
    assert [f.kind for f in found] == ["unused-declaration"]


def test_an_analysis_holds_only_the_files_its_root_reads(tmp_path: Path) -> None:
    cache = ParseCache()
    other = (tmp_path / "other.norm").resolve()
    root = (tmp_path / "main.norm").resolve()
    texts = {other: "agent clerk\n", root: "agent bot\n"}
    analyse(other, texts, CheckOptions(), cache)
    alone = analyse(root, texts, CheckOptions(), cache)
    assert set(alone.parsed) == {root}
    assert [o.symbol.name for o in alone.index.declared("agent")] == ["bot"]
