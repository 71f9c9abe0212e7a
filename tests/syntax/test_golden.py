"""Golden tests: each tests/syntax/<case>.norm against the findings in <case>.out."""

from __future__ import annotations

from pathlib import Path

import pytest
from frontend_helpers import HERE, render

from normlang.api import CheckOptions
from normlang.model.loader import Loader

CASES = sorted(HERE.glob("*.norm"))


def test_every_malformed_kind_has_two_cases() -> None:
    for kind in ("syntax", "name", "type", "import"):
        assert len([c for c in CASES if c.name.startswith(kind + "_")]) >= 2, kind


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden(case: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    loaded = Loader(CheckOptions()).load(Path(case.name))
    got = render(loaded.findings)
    expected_file = case.with_suffix(".out")
    if update_golden:
        expected_file.write_text(got, encoding="utf-8")
    assert expected_file.exists(), f"no golden file for {case.name}; run with --update-golden"
    assert got == expected_file.read_text(encoding="utf-8")
    malformed = case.name.split("_", 1)[0] in ("syntax", "name", "type", "import")
    assert (loaded.spec is None) == malformed
    if malformed:
        assert loaded.findings and all(f.kind.startswith(case.name.split("_", 1)[0])
                                       for f in loaded.findings)
