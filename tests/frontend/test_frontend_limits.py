"""Front-end work stays bounded however hostile the input (issue 18 items 11-13, 18):
did-you-mean, moral-graph names, constant sizes, line endings, nesting messages."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

from normlang.api import load_text


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    return tmp_path


def test_cards_with_one_title_get_short_names_quickly(tmp_path: Path) -> None:
    marks = "!#$%&()*+,-./:;<=>?@[]^`{|}~"
    ids = ["".join(p) for p in itertools.product(marks, repeat=3)][:8000]  # all slug to ""
    cards = [{"id": i, "title": "Same"} for i in ids]
    root = _project(tmp_path)
    (root / "g.json").write_text(json.dumps({"values": cards}), encoding="utf-8")
    started = time.monotonic()
    loaded = load_text('import values "g.json"\nfact f: bool\n', root / "a.norm")
    took = time.monotonic() - started
    assert loaded.spec is not None, loaded.findings
    names = sorted(loaded.spec.values, key=lambda n: (len(n), n))
    assert names[:3] == ["same", "same_2", "same_3"] and names[-1] == "same_8000"
    assert took < 30, took  # was 47 s: each name was found by appending `_` in a loop
