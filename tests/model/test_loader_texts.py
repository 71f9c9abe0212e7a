"""The loader reads given texts in place of files (an editor's unsaved buffers), and reuses
files parsed before."""

from __future__ import annotations

from pathlib import Path

from normlang.model.loader import Loader


def test_a_text_stands_for_an_imported_file_on_disk(tmp_path: Path) -> None:
    (tmp_path / "vocabulary.norm").write_text("agent bot\naction bot.talk\n")
    root = tmp_path / "main.norm"
    root.write_text('import "vocabulary.norm"\nnorm n\n  when asked\n  bot must talk\n')
    on_disk = Loader().load(root)
    assert [f.kind for f in on_disk.findings] == ["name-error"]
    texts = {(tmp_path / "vocabulary.norm").resolve(): "agent bot\naction bot.talk\nfact asked: bool\n"}
    buffered = Loader(texts=texts).load(root)
    assert buffered.spec is not None and "asked" in buffered.spec.facts
    assert (tmp_path / "vocabulary.norm").read_text() == "agent bot\naction bot.talk\n"


def test_a_text_may_stand_for_a_file_that_does_not_exist(tmp_path: Path) -> None:
    root = (tmp_path / "new.norm").resolve()
    loaded = Loader(texts={root: "agent bot\naction bot.talk\nnorm n\n  bot must talk\n"}).load(root)
    assert loaded.spec is not None and [n.name for n in loaded.spec.norms] == ["n"]


def test_files_parsed_before_are_not_parsed_again(tmp_path: Path) -> None:
    (tmp_path / "vocabulary.norm").write_text("agent bot\naction bot.talk\n")
    root = tmp_path / "main.norm"
    root.write_text('import "vocabulary.norm"\nnorm n\n  bot must talk\n')
    first = Loader()
    first.load(root)
    earlier = first.parsed_files()
    again = Loader(parsed=earlier)
    assert again.load(root).spec is not None
    vocabulary = (tmp_path / "vocabulary.norm").resolve()
    assert again.parsed_files()[vocabulary] is earlier[vocabulary]
