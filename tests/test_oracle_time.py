"""Differential tests: the temporal engine against the grid oracle (`time_oracle.py`) on
random tiny timed specs.

Every trace on the oracle's grid is a trace of the engine's dense time, so each
conflict, undermined permission and overridden pair the oracle finds on the grid
must be reported, and no norm the oracle can break there while the rest of its layer
is met may be called redundant; and each one the engine reports is replayed by the oracle on its
witness trace, with a conduct grid fine enough to be exact there.
"""

from __future__ import annotations

import os
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from time_oracle import TNorm, Trace, TSpec, grid_for, horizon_of, traces

import normlang
from normlang.core.findings import Finding

SLOW = bool(os.environ.get("NORMLANG_SLOW"))
EXAMPLES = 300 if SLOW else 40
#: event times the oracle tries: every half unit up to 3
EVENT_TIMES = [Fraction(i, 2) for i in range(7)]

targets = st.one_of(
    st.sampled_from([("act", "a"), ("act", "b")]),
    st.builds(lambda op, x, y: (op, ("act", x), ("act", y)), st.sampled_from(["and", "or"]),
              st.just("a"), st.just("b")),
)


@st.composite
def windows(draw: st.DrawFn) -> tuple[Fraction, Fraction | None]:
    if draw(st.integers(0, 5)) == 0:
        return Fraction(0), None
    low = draw(st.integers(0, 2))
    return Fraction(low), Fraction(draw(st.integers(low, 2)))


@st.composite
def tiny_specs(draw: st.DrawFn) -> TSpec:
    count = draw(st.integers(2, 3))
    norms = []
    for index in range(count):
        low, high = draw(windows())
        norms.append(TNorm(f"n{index}", draw(st.integers(0, 1)), draw(st.sampled_from("ef")),
                           draw(st.sampled_from(["must", "must", "must not", "may"])),
                           draw(targets), low, high))
    exclusive = (("a", "b"),) if draw(st.booleans()) else ()
    return TSpec(("e", "f"), ("a", "b"), tuple(norms), exclusive)


def render(spec: TSpec) -> str:
    lines = ["layers hi > lo", "agent bot", "event e", "event f", "action bot.a", "action bot.b"]
    if any(n.when is not None for n in spec.norms):
        lines.append("varying fact m: bool")
    lines += [f"constraint not (bot.{x} and bot.{y})" for x, y in spec.exclusive]
    for norm in spec.norms:
        layer = "hi" if norm.rank == 0 else "lo"
        when = "" if norm.when is None else f" when {norm.when}"
        lines.append(f"norm {norm.name} @{layer} on {norm.event}{when} bot {norm.modality} "
                     f"{_target(norm.target)}{_window(norm)}")
    return "\n".join(lines) + "\n"


def _target(target: tuple) -> str:  # type: ignore[type-arg]
    if target[0] == "act":
        return str(target[1])
    return f"({_target(target[1])} {target[0]} {_target(target[2])})"


def _qualified(target: tuple) -> str:  # type: ignore[type-arg]
    if target[0] == "act":
        return f"bot.{target[1]}"
    return f"({_qualified(target[1])} {target[0]} {_qualified(target[2])})"


def _window(norm: TNorm) -> str:
    if norm.high is None:
        return " eventually"
    if norm.low == norm.high == 0:
        return ""
    if norm.low == 0:
        return f" within {norm.high} s"
    return f" within [{norm.low} s, {norm.high} s]"


def engine(spec: TSpec, k: int) -> list[Finding]:
    loaded = normlang.load_text(render(spec), "spec.norm")
    assert not [f for f in loaded.findings if f.severity.value == "error"], render(spec)
    return normlang.check(loaded, options=normlang.CheckOptions(max_occurrences=k)).findings


def replayed(spec: TSpec, finding: Finding) -> Trace:
    assert finding.witness is not None and finding.witness.time is not None
    occurrences: dict[str, list[Fraction]] = {}
    for at, event in finding.witness.time.timeline:
        occurrences.setdefault(event, []).append(at)
    times = [t for ts in occurrences.values() for t in ts]
    grid = grid_for(times, spec, horizon_of(spec, max(times, default=Fraction(0))))
    values = {at: bool(value) for at, _fact, value in finding.witness.time.values}
    return Trace(spec, {e: sorted(ts) for e, ts in occurrences.items()}, grid, values)


@settings(max_examples=EXAMPLES, deadline=None)
@given(tiny_specs())
def test_engine_agrees_with_the_grid_oracle(spec: TSpec) -> None:
    found = engine(spec, 1)
    assert not [f for f in found if f.kind == "solver-unknown"], render(spec)
    conflicts = {frozenset(f.norms) for f in found if f.kind == "conflict"}
    undermined = {f.norms[0] for f in found if f.kind == "undermined-permission"}
    overridden = {f.norms for f in found if f.kind == "overridden"}
    # a norm defeated wherever it applies is reported as shadowed instead
    shadowed = {f.norms[0] for f in found if f.kind == "shadowed-norm"}
    redundant = {f.norms[0] for f in found if f.kind == "redundant-norm"}
    horizon = horizon_of(spec, EVENT_TIMES[-1])
    grid = grid_for(EVENT_TIMES, spec, horizon)
    for occurrences in traces(spec, 1, EVENT_TIMES):
        trace = Trace(spec, occurrences, grid)
        assert trace.conflicts() <= conflicts, (render(spec), occurrences)
        assert trace.undermined() <= undermined, (render(spec), occurrences)
        pairs = {(i.norm.name, h.norm.name) for i in trace.instances for h in trace.defeaters(i)}
        assert {p for p in pairs if p[0] not in shadowed} <= overridden, (render(spec),
                                                                           occurrences)
        broken = {n.name for n in spec.norms if n.name in redundant and trace.breakable(n.name)}
        assert not broken, (render(spec), occurrences, broken)
    for finding in found:
        if finding.kind == "conflict":
            assert frozenset(finding.norms) in replayed(spec, finding).conflicts(), render(spec)
        elif finding.kind == "undermined-permission":
            assert finding.norms[0] in replayed(spec, finding).undermined(), render(spec)


@settings(max_examples=max(5, EXAMPLES // 4), deadline=None)
@given(tiny_specs())
def test_witnesses_at_two_occurrences_replay_in_the_oracle(spec: TSpec) -> None:
    for finding in engine(spec, 2):
        if finding.kind == "conflict":
            assert frozenset(finding.norms) in replayed(spec, finding).conflicts(), render(spec)
        elif finding.kind == "undermined-permission":
            assert finding.norms[0] in replayed(spec, finding).undermined(), render(spec)
        elif finding.kind == "overridden":
            trace = replayed(spec, finding)
            loser, winner = finding.norms
            assert any(h.norm.name == winner for i in trace.instances if i.norm.name == loser
                       for h in trace.defeaters(i)), render(spec)


def test_the_oracle_finds_example_1() -> None:
    """The oracle itself on time.md's example 1 (scaled: 1 and 10 units)."""
    spec = TSpec(("alarm", "fell"), ("leave",), (
        TNorm("evacuate", 0, "alarm", "must", ("act", "leave"), Fraction(0), Fraction(1)),
        TNorm("stay", 0, "fell", "must not", ("act", "leave"), Fraction(0), Fraction(10))))
    grid = grid_for([Fraction(0)], spec, Fraction(14))
    at = {"fell": (Fraction(0),)}
    assert Trace(spec, {**at, "alarm": (Fraction(9),)}, grid).conflicts() == {
        frozenset({"evacuate", "stay"})}
    assert Trace(spec, {**at, "alarm": (Fraction(19, 2),)}, grid).conflicts() == set()
    assert Trace(spec, {**at, "alarm": (Fraction(0),)}, grid).conflicts() == {
        frozenset({"evacuate", "stay"})}  # no assume here: simultaneous events conflict


QUESTION = {"obliged": "B", "forbidden": "A", "permitted": "C", "does": "B", "does not": "A"}


@st.composite
def expectations(draw: st.DrawFn) -> tuple[str, str, tuple, Fraction, Fraction | None]:  # type: ignore[type-arg]
    kind = draw(st.sampled_from(["obliged", "forbidden", "permitted", "does", "does not"]))
    low, high = draw(windows())
    return kind, draw(st.sampled_from("ef")), draw(targets), low, high


def _expect_text(kind: str, event: str, target: tuple, low: Fraction,  # type: ignore[type-arg]
                 high: Fraction | None) -> str:
    window = _window(TNorm("x", 0, event, "must", target, low, high))
    formula = _qualified(target)
    said = {"does": formula, "does not": f"not {formula}"}.get(kind, f"{kind} {formula}")
    return f"expect always on {event} then {said}{window}"


@settings(max_examples=max(10, EXAMPLES // 2), deadline=None)
@given(tiny_specs(), expectations())
def test_timed_expectations_agree_with_the_grid_oracle(
        spec: TSpec, expectation: tuple) -> None:  # type: ignore[type-arg]
    """`expect always ... then R` fails exactly where R's question (time_oracle.answers)
    has an answer: on some grid trace (then the engine must see it), and on the
    engine's witness trace (replayed)."""
    from time_oracle import answers

    kind, event, target, low, high = expectation
    question = QUESTION[kind]
    text = render(spec) + _expect_text(kind, event, target, low, high) + "\n"
    loaded = normlang.load_text(text, "spec.norm")
    assert not [f for f in loaded.findings if f.severity.value == "error"], text
    found = normlang.check(loaded, options=normlang.CheckOptions(max_occurrences=1)).findings
    assert not [f for f in found if f.kind == "solver-unknown"], text
    failed = [f for f in found if f.kind == "expectation-failed"]
    grid = grid_for(EVENT_TIMES, spec, horizon_of(spec, EVENT_TIMES[-1]) + 3)
    on_grid = any(answers(Trace(spec, occurrences, grid), question, event, target, low, high)
                  for occurrences in traces(spec, 1, EVENT_TIMES))
    if on_grid:
        assert failed, text
    for finding in failed:
        assert answers(replayed(spec, finding), question, event, target, low, high), text


@st.composite
def specs_with_a_varying_fact(draw: st.DrawFn) -> TSpec:
    """Tiny specs whose norms may read the varying fact `m` at their trigger."""
    spec = draw(tiny_specs())
    norms = tuple(TNorm(n.name, n.rank, n.event, n.modality, n.target, n.low, n.high,
                        draw(st.sampled_from([None, "m", "not m"]))) for n in spec.norms)
    return TSpec(spec.events, spec.actions, norms, spec.exclusive)


@settings(max_examples=max(10, EXAMPLES // 2), deadline=None)
@given(specs_with_a_varying_fact())
def test_a_varying_fact_agrees_with_the_grid_oracle(spec: TSpec) -> None:
    """A varying fact read at each occurrence: the oracle tries every value at every
    occurrence time; the engine must report what the grid shows, and its witnesses
    (values included) replay there."""
    from time_oracle import valuations

    found = engine(spec, 1)
    assert not [f for f in found if f.kind == "solver-unknown"], render(spec)
    conflicts = {frozenset(f.norms) for f in found if f.kind == "conflict"}
    undermined = {f.norms[0] for f in found if f.kind == "undermined-permission"}
    grid = grid_for(EVENT_TIMES, spec, horizon_of(spec, EVENT_TIMES[-1]))
    for occurrences in traces(spec, 1, EVENT_TIMES):
        for values in valuations(occurrences):
            trace = Trace(spec, occurrences, grid, values)
            assert trace.conflicts() <= conflicts, (render(spec), occurrences, values)
            assert trace.undermined() <= undermined, (render(spec), occurrences, values)
    for finding in found:
        if finding.kind == "conflict":
            assert frozenset(finding.norms) in replayed(spec, finding).conflicts(), render(spec)
        elif finding.kind == "undermined-permission":
            assert finding.norms[0] in replayed(spec, finding).undermined(), render(spec)


def _before_holds(occurrences: dict[str, tuple[Fraction, ...]] | dict[str, list[Fraction]]
                  ) -> bool:
    """`assume e before f` (time.md): every `f` has an `e` strictly earlier."""
    return all(any(t < at for t in occurrences.get("e", ())) for at in occurrences.get("f", ()))


@settings(max_examples=max(10, EXAMPLES // 2), deadline=None)
@given(tiny_specs())
def test_assume_before_agrees_with_the_grid_oracle(spec: TSpec) -> None:
    """With `assume e before f`, the engine's traces are the oracle's traces where each
    `f` has an earlier `e`: it reports each conflict the grid shows there, and each of its
    witnesses keeps the assumption and replays as a conflict."""
    loaded = normlang.load_text(render(spec) + "assume e before f\n", "spec.norm")
    found = normlang.check(loaded, options=normlang.CheckOptions(max_occurrences=1)).findings
    assert not [f for f in found if f.kind == "solver-unknown"], render(spec)
    conflicts = {frozenset(f.norms) for f in found if f.kind == "conflict"}
    grid = grid_for(EVENT_TIMES, spec, horizon_of(spec, EVENT_TIMES[-1]))
    for occurrences in traces(spec, 1, EVENT_TIMES):
        if _before_holds(occurrences):
            assert Trace(spec, occurrences, grid).conflicts() <= conflicts, (render(spec),
                                                                              occurrences)
    for finding in found:
        if finding.kind == "conflict":
            trace = replayed(spec, finding)
            assert _before_holds(dict(trace.occurrences)), render(spec)
            assert frozenset(finding.norms) in trace.conflicts(), render(spec)
