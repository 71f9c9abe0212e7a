"""A check leaves nothing behind: its z3 context (~17 MB of tables) is freed when it ends.

A process that checks many roots one after another (the CLI, a worker, an embedding
program) otherwise grew by a context per root: the check's state, frozen out of the
collector's way while it ran, was garbage nobody collected before the next check froze it
again. Counted here without running a collection, as a caller would see it.
"""

from __future__ import annotations

import gc
from pathlib import Path
from unittest import mock

import pytest
import z3

from normlang.api import CheckOptions, check, load

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ROOTS = sorted(EXAMPLES.glob("*/*.norm"))[:8]


def _contexts() -> list[z3.Context]:
    return [o for o in gc.get_objects() if isinstance(o, z3.Context)]


@pytest.mark.parametrize("chunk_norms", [400, 1], ids=["one task", "a task per group"])
def test_no_z3_context_outlives_its_check(chunk_norms: int) -> None:
    assert len(ROOTS) == 8
    options = CheckOptions(jobs=1)
    earlier = _contexts()  # other tests' terms may keep theirs alive: not this test's concern
    with mock.patch("normlang.checks.tasks.CHUNK_NORMS", chunk_norms):
        for root in ROOTS:
            result = check(load(root, options=options), options=options)
            assert result.findings is not None
            left = [c for c in _contexts() if not any(c is e for e in earlier)]
            assert not left, f"a z3 context outlived the check of {root.name}"
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_the_callers_z3_default_context_is_left_as_it_was() -> None:
    """A program that embeds normlang and uses z3 itself keeps working after a check: z3's
    default context is the one it had, not the check's (freed) one."""
    mine = z3.Bool("mine") == z3.BoolVal(True)  # in the caller's default context
    options = CheckOptions(jobs=1)
    check(load(ROOTS[0], options=options), options=options)
    solver = z3.Solver()
    solver.add(mine, z3.Not(z3.Bool("mine")))  # old and new terms together: same context
    assert solver.check() == z3.unsat
    assert mine.ctx is z3.main_ctx()
