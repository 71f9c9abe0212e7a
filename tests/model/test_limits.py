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


def test_did_you_mean_work_is_bounded(tmp_path: Path) -> None:
    from normlang.core.suggest import MAX_SUGGESTIONS

    count = 3000
    facts = "".join(f"fact signal_{i:05d}_ok: bool\n" for i in range(count))
    typos = "".join(f"assume sigmal_{i:05d}_ok\n" for i in range(count))
    started = time.monotonic()
    loaded = load_text(facts + typos, _project(tmp_path) / "a.norm")
    took = time.monotonic() - started
    unknown = [f for f in loaded.findings if f.kind == "name-error"]
    assert len(unknown) == count
    hinted = [f for f in unknown if any(h.startswith("did you mean") for h in f.help)]
    assert hinted[0].help == ("did you mean `signal_00000_ok`?",)
    assert len(hinted) == MAX_SUGGESTIONS  # was one per unknown name: quadratic work
    assert took < 60, took  # 5,000 of each took 68 s


def test_the_suggestion_budget_counts_hints_and_comparisons() -> None:
    from normlang.core.suggest import bounded_suggestions, closest

    known = [f"name{i}" for i in range(10)]
    with bounded_suggestions(hints=100, comparisons=25):
        answers = [closest("nane1", known) for _ in range(4)]
    assert answers == ["name1", "name1", "name1", None]  # 10 comparisons each
    with bounded_suggestions(hints=2):
        assert [closest("nane1", known) for _ in range(3)] == ["name1", "name1", None]
    assert closest("nane1", known) == "name1"  # outside a load: unbounded


def test_constants_squared_through_defines_are_bounded(tmp_path: Path) -> None:
    defines = "define d0 = 1e1000\n" + "".join(
        f"define d{i} = d{i - 1} * d{i - 1}\n" for i in range(1, 14))
    started = time.monotonic()
    loaded = load_text("fact x: real\n" + defines + "expect always x < d13\n",
                       _project(tmp_path) / "a.norm")
    assert [(f.kind, f.span.line) for f in loaded.findings] == [("type-error", 5)], loaded.findings
    assert "grow to about 8,000 digits" in loaded.findings[0].message
    assert time.monotonic() - started < 10


def test_large_constants_within_the_bound_are_fine(tmp_path: Path) -> None:
    text = ("fact x: real\ndefine big = 1e1000 * 1e1000 * 1e1000\n"
            "expect always x < big or x >= big\n"
            + "".join(f"define s{i} = {'x + ' if i == 0 else f's{i - 1} + '}0.5 * 123456789\n"
                      for i in range(40)))
    loaded = load_text(text, _project(tmp_path) / "a.norm")
    assert loaded.spec is not None, loaded.findings
