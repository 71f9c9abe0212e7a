"""Every example's findings match the verdict written in its README (run through the real CLI)."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from normlang.findings import KINDS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CASES = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
BLOCK = re.compile(r"<!-- expected-findings\n(.*?)-->", re.DOTALL)


def expected(case: Path) -> Counter[tuple[str, tuple[str, ...]]]:
    match = BLOCK.search((case / "README.md").read_text(encoding="utf-8"))
    assert match, f"{case.name}/README.md has no expected-findings block"
    out: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for line in match.group(1).strip().splitlines():
        kind, _, norms = line.partition(":")
        out[(kind.strip(), tuple(n.strip() for n in norms.split(",") if n.strip()))] += 1
    return out


def actual(case: Path) -> Counter[tuple[str, tuple[str, ...]]]:
    run = subprocess.run(["normcheck", "--format", "json", "--verbose", "--no-cache", str(case)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode in (0, 1), run.stderr
    document = json.loads(run.stdout)
    return Counter((f["kind"], tuple(f["norms"])) for f in document["findings"])


def test_there_are_examples() -> None:
    assert len(CASES) >= 8


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_example_verdict_matches_its_readme(case: Path) -> None:
    found = actual(case)
    assert all(kind in KINDS for kind, _ in found)
    assert found == expected(case)


def test_examples_cover_every_finding_kind_a_user_meets() -> None:
    kinds = {kind for case in CASES for kind, _ in expected(case)}
    assert {"conflict", "undermined-permission", "dead-norm", "shadowed-norm",
            "expectation-failed", "compliance-gap", "scenario-failed"} <= kinds
    clean = [c for c in CASES if all(k in ("overridden", "value-sacrificed") for k, _ in expected(c))]
    assert clean, "at least one example has no error or warning"


def test_diff_on_the_amendment() -> None:
    folder = EXAMPLES / "democratic_regulation"
    run = subprocess.run(["normcheck", "diff", "--format", "json", "--fail-on-change",
                          str(folder / "regulation_2025.norm"), str(folder / "regulation_2026.norm")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stderr
    changes = json.loads(run.stdout)["changes"]
    assert [(c["action"], c["old"], c["new"]) for c in changes] == [
        ("assistant.decide_automatically", "permitted", "forbidden")]
    witness = changes[0]["witness"]["situation"]
    assert witness["decision_affects_rights"] is True and witness["service"] != "parking"
