"""`bench/run --quick`: the generated books' planted findings are exactly what normcheck reports."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench_run_module() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("bench_run", str(BENCH / "run"))
    spec = importlib.util.spec_from_loader("bench_run", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up by name
    loader.exec_module(module)
    return module


def test_quick_run_finds_every_planted_finding() -> None:
    done = subprocess.run([sys.executable, str(BENCH / "run"), "--quick"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "planted findings: all found, nothing else reported" in done.stdout
    assert "exact=False" not in done.stdout
    assert "disagreements 0/0" in done.stdout


def test_findings_comparison_reports_missing_and_unexpected() -> None:
    run = _bench_run_module()
    planted = [{"kind": "conflict", "norms": ["b", "a"]}, {"kind": "dead-norm", "norms": ["d"]}]
    reported = [{"kind": "conflict", "norms": ["a", "b"]}, {"kind": "dead-norm", "norms": ["e"]}]
    missing, unexpected = run.compare_findings(reported, planted)
    assert missing == ["dead-norm:d"]
    assert unexpected == ["dead-norm:e"]
    assert run.compare_findings(planted, planted) == ([], [])


def test_a_finding_reported_twice_is_unexpected() -> None:
    run = _bench_run_module()
    planted = [{"kind": "overridden", "norms": ["lo", "hi"]}]
    assert run.compare_findings(planted * 2, planted) == ([], ["overridden:lo,hi"])


def test_generated_books_grow_with_their_size_and_plant_what_the_manifest_says() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        from generate import build_book, manifest, satisfiable
    finally:
        sys.path.remove(str(BENCH))
    small, large = build_book(100, seed=3), build_book(2000, seed=3)
    assert len(small.norms) == 100 and len(large.norms) == 2000
    assert len(large.actions) > 10 * len(small.actions) // 2
    assert len(large.facts) > len(small.facts)
    counts = manifest(large)["counts"]
    assert counts["conflict"] >= 2 and counts["dead-norm"] >= 2 and counts["compliance-gap"] >= 1
    names = {n.name: n for n in large.norms}
    for item in large.planted:
        regions = [names[n].region() for n in item["norms"]]
        if item["kind"] == "dead-norm":
            assert not satisfiable(regions[0])
        if item["kind"] == "conflict":
            assert satisfiable(regions[0] + regions[1])
    assert all(satisfiable(n.region()) for n in large.norms if not n.name.startswith("planted_dead"))


def test_a_book_checked_in_two_processes_prints_what_one_process_prints(tmp_path: Path) -> None:
    """A generated book of several chunks of groups, checked by the installed `normcheck` with
    `--jobs 1` and with `--jobs 2` (forked workers): the same bytes, and the planted findings."""
    import json

    sys.path.insert(0, str(BENCH))
    try:
        from generate import build_book, write_book
    finally:
        sys.path.remove(str(BENCH))
    root = write_book(build_book(1500, seed=3), tmp_path / "book")
    outputs = []
    for jobs in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "normlang.cli.main", "--no-cache", "--verbose",
                               "--format", "json", "--jobs", jobs, root.name],
                              cwd=root.parent, capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    manifest = json.loads((root.parent / "manifest.json").read_text())
    reported = json.loads(outputs[0])["findings"]
    counts: dict[str, int] = {}
    for finding in reported:
        counts[finding["kind"]] = counts.get(finding["kind"], 0) + 1
    assert counts == manifest["counts"]
