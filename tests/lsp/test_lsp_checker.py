"""The solver's runs off the event loop: the findings of `api.check`, and an edit ends a run."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from normlang.api import check, load
from normlang.core.findings import Finding
from normlang.core.options import CheckOptions
from normlang.lsp.checker import Checker

SPEC = "agent bot\naction bot.talk\nfact asked: bool\nnorm a\n  when asked\n  bot must talk\n" \
       "norm b\n  bot must not talk\n"


@pytest.mark.asyncio
async def test_a_run_gives_the_findings_of_a_check(tmp_path: Path) -> None:
    (tmp_path / "spec.norm").write_text(SPEC)
    loaded = load(tmp_path / "spec.norm")
    answers: asyncio.Queue[tuple[str, int, list[Finding] | None, str]] = asyncio.Queue()
    checker = Checker(asyncio.get_running_loop(), CheckOptions(),
                      lambda *answer: answers.put_nowait(answer))
    checker.schedule("spec", 7, loaded, 0.0)
    key, version, found, problem = await asyncio.wait_for(answers.get(), 60)
    assert (key, version, problem) == ("spec", 7, "")
    assert found == check(loaded).findings and any(f.kind == "conflict" for f in found)
    assert not checker.running("spec")


@pytest.mark.asyncio
async def test_a_newer_run_ends_the_older_at_once(tmp_path: Path) -> None:
    (tmp_path / "spec.norm").write_text(SPEC)
    loaded = load(tmp_path / "spec.norm")
    answers: asyncio.Queue[tuple[str, int, list[Finding] | None, str]] = asyncio.Queue()
    checker = Checker(asyncio.get_running_loop(), CheckOptions(),
                      lambda *answer: answers.put_nowait(answer))
    checker.schedule("spec", 1, loaded, 0.0)
    await asyncio.sleep(0.01)  # the first run has started: a process checks
    first = checker.runs["spec"].pid
    assert first is not None
    checker.schedule("spec", 2, loaded, 0.0)
    for _ in range(100):  # killed at once; its exit collected without waiting on it
        try:
            os.kill(first, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"process {first} is still there")
    key, version, found, _problem = await asyncio.wait_for(answers.get(), 60)
    assert (key, version) == ("spec", 2) and found is not None
    assert answers.empty()
    checker.shutdown()


@pytest.mark.asyncio
async def test_a_run_waits_for_the_pause_and_a_cancel_before_it_starts_nothing(
        tmp_path: Path) -> None:
    (tmp_path / "spec.norm").write_text(SPEC)
    loaded = load(tmp_path / "spec.norm")
    answers: list[object] = []
    checker = Checker(asyncio.get_running_loop(), CheckOptions(), lambda *a: answers.append(a))
    checker.schedule("spec", 1, loaded, 0.3)
    await asyncio.sleep(0.1)
    assert checker.runs["spec"].pid is None  # still waiting for the pause to end
    checker.cancel("spec")
    await asyncio.sleep(0.5)
    assert answers == [] and not checker.running("spec")


@pytest.mark.asyncio
async def test_without_fork_a_run_goes_to_a_thread_and_a_superseded_one_is_dropped(
        tmp_path: Path) -> None:
    (tmp_path / "spec.norm").write_text(SPEC)
    loaded = load(tmp_path / "spec.norm")
    answers: asyncio.Queue[tuple[str, int, list[Finding] | None, str]] = asyncio.Queue()
    checker = Checker(asyncio.get_running_loop(), CheckOptions(),
                      lambda *answer: answers.put_nowait(answer))
    checker.forking = False  # as on Windows
    checker.schedule("spec", 1, loaded, 0.0)
    await asyncio.sleep(0.01)
    checker.schedule("spec", 2, loaded, 0.0)
    key, version, found, problem = await asyncio.wait_for(answers.get(), 60)
    assert (key, version, problem) == ("spec", 2, "") and found == check(loaded).findings
    await asyncio.sleep(0.2)
    assert answers.empty()
    checker.shutdown()
