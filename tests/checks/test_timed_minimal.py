"""The loop that finds every minimal conflict of a group without priority
(`timed_minimal`), against brute force over upward-closed families of sets."""

from __future__ import annotations

from itertools import combinations
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normlang.checks import timed_minimal

NAMES = ["a", "b", "c", "d", "e"]


class FamilyGroup:
    """A stand-in group: the sets that conflict are the supersets of `minimal`."""

    def __init__(self, minimal: list[frozenset[str]]) -> None:
        self.minimal = minimal
        self.searches = 0

    def _search(self, parts: list[object], chosen: list[str]) -> object | None:
        self.searches += 1
        return frozenset(chosen) if any(m <= set(chosen) for m in self.minimal) else None


def _found(minimal: list[frozenset[str]], local: bool, monkeypatch: pytest.MonkeyPatch
           ) -> list[frozenset[str]]:
    # `local`: the trace found shows every conflict among its norms (else none: the
    # search alone shrinks the set)
    def concrete(group: FamilyGroup, model: object, names: list[str]) -> object | None:
        return None if local and any(m <= set(names) for m in group.minimal) else ()

    monkeypatch.setattr(timed_minimal, "concrete_conduct", concrete)
    duties = [SimpleNamespace(name=n) for n in NAMES]
    out: list[frozenset[str]] = []
    timed_minimal.minimal_conflicts(FamilyGroup(minimal), duties,  # type: ignore[arg-type]
                                    lambda chosen, model: out.append(
                                        frozenset(n.name for n in chosen)))
    return out


def _brute(minimal: list[frozenset[str]]) -> set[frozenset[str]]:
    sets = [frozenset(c) for k in range(1, len(NAMES) + 1) for c in combinations(NAMES, k)]
    up = [s for s in sets if any(m <= s for m in minimal)]
    return {s for s in up if not any(t < s for t in up)}


@pytest.mark.parametrize("local", [True, False])
def test_two_minimal_conflicts_are_each_found_once(local: bool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    minimal = [frozenset("ab"), frozenset("c")]
    found = _found(minimal, local, monkeypatch)
    assert sorted(found, key=sorted) == sorted(minimal, key=sorted)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.frozensets(st.sampled_from(NAMES), min_size=1), max_size=4),
       st.booleans())
def test_the_loop_finds_exactly_the_minimal_sets(minimal: list[frozenset[str]],
                                                 local: bool) -> None:
    with pytest.MonkeyPatch.context() as patch:
        found = _found(minimal, local, patch)
    assert len(found) == len(set(found))
    assert set(found) == _brute(minimal)
