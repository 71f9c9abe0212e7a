"""`unused-declaration` across the roots of a run."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import run_in, write

import normlang


def test_an_imported_declaration_is_used_when_an_importer_reads_it(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    write(tmp_path / "vocabulary.norm", "agent bot\naction bot.answer\nfact night: bool\n"
                                        "fact unread: bool\n")
    write(tmp_path / "rules.norm", 'import "vocabulary.norm"\nnorm n when night bot must answer\n')
    # the library judges one spec: the vocabulary alone reads nothing
    alone = normlang.check_path(tmp_path / "vocabulary.norm").findings
    assert len([f for f in alone if f.kind == "unused-declaration"]) == 3
    # a run judges its roots together: only what no root reads
    done = run_in(tmp_path, ".", "--format", "json", "--no-cache")
    found = [(f["file"], f["message"]) for f in json.loads(done.stdout)["findings"]]
    assert found == [("vocabulary.norm", "fact `unread` is declared but nothing reads it")]
    # nothing is reported in a file that is no root of the run: its importers are unknown
    only_rules = run_in(tmp_path, "rules.norm", "--format", "json", "--no-cache")
    assert json.loads(only_rules.stdout)["findings"] == []
