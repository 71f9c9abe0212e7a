"""Checking a root from a snapshot of what loading it asks of the file system
(`normlang.cli.remote`, `normlang.model.gather`, `normlang.core.disk`): what a cluster's
worker does, here in threads. The worker reads no file; it finds what a local check finds."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cli_helpers import write

from normlang.cli import remote
from normlang.cli.progress import Progress
from normlang.cli.run import check_root
from normlang.core.options import CheckOptions
from normlang.core.version import __version__
from normlang.model.gather import gather
from normlang.model.loader import Loader
from normlang.report.json import finding_to_record

OPTIONS = CheckOptions()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    write(root / "pyproject.toml", "[project]\nname = 'p'\n")
    write(root / "policy.norm", "agent a\nfact p: bool\naction a.x\nnorm one when p a must x\n")
    write(root / "main.norm", 'import "policy.norm"\nnorm two when p a must not x\n')
    write(root / "split.norm", 'import\n"policy.norm"\nnorm three a may x\n')
    monkeypatch.chdir(root)
    return root


def records(outcome: tuple[list, dict]) -> tuple[list, list]:
    found, files = outcome
    return [finding_to_record(f) for f in found], sorted((p, s.text) for p, s in files.items())


def task(root: str) -> tuple:
    snapshot, blobs = gather(Path(root), OPTIONS.max_file_bytes).snapshot().split()
    return (__version__, root, OPTIONS, snapshot, blobs)


def test_a_worker_finds_what_a_local_check_finds_without_reading_a_file(
        project: Path, tmp_path: Path) -> None:
    local = records(check_root(Loader(OPTIONS), Path("main.norm"), OPTIONS, None))
    assert any(r["kind"] == "conflict" for r in local[0])
    job = task("main.norm")
    moved = tmp_path / "elsewhere"
    os.rename(project, moved)  # every read the worker made of the disk would now fail
    reply = remote.check_snapshot(job)
    assert reply[0] == "done"
    assert (reply[1], sorted(reply[2])) == local


def test_an_import_the_scan_misses_is_asked_for_and_answered(project: Path) -> None:
    reply = remote.check_snapshot(task("split.norm"))
    # the import's path is confined step by step: the worker asks the client to walk it whole
    assert reply == ("unrecorded", "confine", f"{project / 'policy.norm'}\0{project}"), reply
    local = [records(check_root(Loader(OPTIONS), Path(r), OPTIONS, None))
             for r in ("split.norm", "main.norm")]
    with ThreadPoolExecutor(max_workers=2) as executor:
        outcomes = remote.check_on(executor, (), lambda blobs: blobs,
                                   [Path("split.norm"), Path("main.norm")], OPTIONS, Progress(0))
    assert [records(o) for o in outcomes] == local


def test_a_worker_parses_a_file_anew_once_its_bytes_change(project: Path) -> None:
    first = remote.check_snapshot(task("main.norm"))
    write(project / "policy.norm", "agent a\nfact p: bool\naction a.x\nnorm one when p a may x\n")
    second = remote.check_snapshot(task("main.norm"))
    local = records(check_root(Loader(OPTIONS), Path("main.norm"), OPTIONS, None))
    assert first[1] != second[1]
    assert (second[1], sorted(second[2])) == local


def test_a_worker_of_another_version_refuses_the_task(project: Path) -> None:
    _, root, options, snapshot, blobs = task("main.norm")
    assert remote.check_snapshot(("0.0.0-other", root, options, snapshot, blobs)) == (
        "refused", f"the worker runs normlang {__version__}, the client 0.0.0-other")
