"""The engine against brute force on norms the conduct's own actions trigger (time.md:
`on AGENT.ACTION`).

The oracle, written from time.md and not from the engine: one event `e` occurring
once (every window is measured from it, so the occurrence may as well be at 0); a
conduct does a set of the actions {a, b} at each of at most three times of a grid a
quarter second fine; every `a` it does at `u` triggers each norm `on d.a` at `u`,
whose window is [u + low, u + high]; `must φ` is met at some time of its window,
`must not φ` is broken at any time of its window where the actions then satisfy φ.
The specs are small enough that three action times suffice: at most one `must` on
`e`, and the triggered norms' targets read `b` only, which triggers nothing (so no
trigger chain goes past depth 2 and the bound never cuts). A spec conflicts iff in
some trace no conduct complies.
"""

from __future__ import annotations

import textwrap
from fractions import Fraction
from itertools import combinations, product

from hypothesis import given, settings
from hypothesis import strategies as st

import normlang

STEP = Fraction(1, 4)
# norm: (trigger "e" or "a", modality, target, low, high); targets: "a", "b", "a and b",
# "a or b" (triggered norms: "b")
Norm = tuple[str, str, str, int, int]


def _holds(target: str, acts: frozenset[str]) -> bool:
    if target == "a and b":
        return {"a", "b"} <= acts
    if target == "a or b":
        return bool(acts & {"a", "b"})
    return target in acts


def _complies(norms: list[Norm], occurs: bool, conduct: list[tuple[Fraction, frozenset[str]]]
              ) -> bool:
    instances = [(m, t, Fraction(lo), Fraction(hi)) for on, m, t, lo, hi in norms
                 if on == "e" and occurs]
    for u, acts in conduct:
        if "a" in acts:
            instances += [(m, t, u + lo, u + hi) for on, m, t, lo, hi in norms if on == "a"]
    for modality, target, low, high in instances:
        inside = [acts for u, acts in conduct if low <= u <= high]
        if modality == "must" and not any(_holds(target, acts) for acts in inside):
            return False
        if modality == "must not" and any(_holds(target, acts) for acts in inside):
            return False
    return True


def oracle_conflicts(norms: list[Norm]) -> bool:
    horizon = sum(hi for *_, hi in norms) + 1
    grid = [STEP * i for i in range(int(horizon / STEP) + 1)]
    sets = [frozenset(s) for s in ({"a"}, {"b"}, {"a", "b"})]
    for occurs in (False, True):
        found = False
        for size in range(4):
            for times in combinations(grid, size):
                for chosen in product(sets, repeat=size):
                    if _complies(norms, occurs, list(zip(times, chosen))):
                        found = True
                        break
                if found:
                    break
            if found:
                break
        if not found:
            return True
    return False


def _text(norms: list[Norm]) -> str:
    lines = ["agent d", "event e", "action d.a", "action d.b"]
    for index, (on, modality, target, low, high) in enumerate(norms):
        window = f"within [{low} s, {high} s]" if low else f"within {high} s"
        trigger = "e" if on == "e" else "d.a"
        lines.append(f"norm n{index} on {trigger} d {modality} ({target}) {window}")
    return "\n".join(lines) + "\n"


def engine_conflicts(norms: list[Norm]) -> bool:
    loaded = normlang.load_text(textwrap.dedent(_text(norms)), "spec.norm")
    assert not [f for f in loaded.findings if f.severity.value == "error"], _text(norms)
    found = normlang.check(loaded, options=normlang.CheckOptions(max_occurrences=1)).findings
    assert not [f for f in found if f.kind == "solver-unknown"], found
    return any(f.kind == "conflict" for f in found)


_window = st.tuples(st.integers(0, 1), st.integers(0, 2)).map(
    lambda w: (min(w), max(w)))
_root = st.tuples(st.just("e"), st.sampled_from(["must", "must not"]),
                  st.sampled_from(["a", "b", "a and b", "a or b"]), _window)
_reaction = st.tuples(st.just("a"), st.sampled_from(["must", "must not"]), st.just("b"),
                      _window)


def _spec(roots: list[tuple[str, str, str, tuple[int, int]]],
          reactions: list[tuple[str, str, str, tuple[int, int]]]) -> list[Norm]:
    musts = 0
    out: list[Norm] = []
    for on, modality, target, (low, high) in [*roots, *reactions]:
        if on == "e" and modality == "must":
            musts += 1
            if musts > 1:
                continue
        out.append((on, modality, target, low, high))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(_root, min_size=1, max_size=2), st.lists(_reaction, min_size=1, max_size=2))
def test_conflicts_with_conduct_triggered_norms_agree_with_the_grid_oracle(
        roots: list[tuple[str, str, str, tuple[int, int]]],
        reactions: list[tuple[str, str, str, tuple[int, int]]]) -> None:
    norms = _spec(roots, reactions)
    assert engine_conflicts(norms) == oracle_conflicts(norms), _text(norms)


def test_the_oracle_sees_time_md_example_2() -> None:
    # r1 must a at e; a bans b for 5 s; r3b must b within 5 s of e: conflict; 4 s: none
    chain = [("e", "must", "a", 0, 0), ("a", "must not", "b", 0, 5), ("e", "must", "b", 0, 5)]
    assert oracle_conflicts(chain) and engine_conflicts(chain)
    shorter = [chain[0], ("a", "must not", "b", 0, 4), chain[2]]
    assert not oracle_conflicts(shorter) and not engine_conflicts(shorter)


def test_a_ban_at_the_triggering_instant_breaks_a_duty_done_there() -> None:
    # found by the hypothesis test: the engine's quick "room for every duty" reason must
    # not be used where the conduct's own actions add bans
    spec = [("e", "must", "a and b", 0, 1), ("a", "must not", "b", 0, 0)]
    assert oracle_conflicts(spec) and engine_conflicts(spec)
