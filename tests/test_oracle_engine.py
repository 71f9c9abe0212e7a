"""Differential tests: the Z3 engine (`run_checks`) against the brute-force oracle on random specs.

Findings are matched by subject norm (dead/shadowed/redundant/undermined), by (loser, winner)
(overridden), by span line (expectations, compliance gaps, scenarios) and by presence
(priority-cycle); conflicts by the minimal-set rules of the task; every witness is re-evaluated.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field

from hypothesis import Phase, given, settings
from oracle import Env, Oracle, bare_actions, ev
from strategies import render, specs

from normlang.api import CheckOptions
from normlang.checks import run_checks
from normlang.core.findings import Finding
from normlang.model.spec import NormDecl, Not, Spec

SLOW = bool(os.environ.get("NORMLANG_SLOW"))
EXAMPLES = 1500 if SLOW else 250
TIMEOUT_EXAMPLES = 300 if SLOW else 40
# Shrinking a failure runs the engine thousands of times (minutes); failure messages render the
# spec, so the default run reports the first failing example as found. NORMLANG_SHRINK=1 shrinks.
PHASES = tuple(Phase) if os.environ.get("NORMLANG_SHRINK") else (
    Phase.explicit, Phase.reuse, Phase.generate)


#: what laying the spec out asks before any check (`lay_out` in engine/situations.py): undecided,
#: it leaves the whole spec undecided (`could not decide whether any situation satisfies ...`)
WHOLE_SPEC_QUESTIONS = ("whether any situation satisfies the `assume`s",
                        "whether every demand can be met in every situation")


@dataclass
class Undecided:
    """What the engine said it could not decide (`solver-unknown`): those answers are not compared."""

    everything: bool = False
    conflicts: bool = False
    norms: set[str] = field(default_factory=set)
    lines: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, spec: Spec, findings: list[Finding]) -> Undecided:
        out = cls()
        for finding in findings:
            if finding.kind != "solver-unknown":
                continue
            message = finding.message
            assert "internal witness check failed" not in message, message
            norm = re.search(r"for norm `([^`]+)`", message)
            # whether any situation exists at all (and how the spec splits into groups)
            # decides every other answer
            if "the spec" in message or "priority cycles" in message or any(
                    part in message for part in WHOLE_SPEC_QUESTIONS):
                out.everything = True
            elif message.startswith("could not decide conflicts"):
                out.conflicts = True
            elif norm:
                out.norms.add(norm.group(1))
            else:
                out.lines.add(finding.span.line)
                for scenario in spec.scenarios:
                    if scenario.span.line == finding.span.line:
                        out.lines |= {e.span.line for e in scenario.expects}
        return out

    def norm_sets_equal(self, engine: set[str], oracle: set[str]) -> bool:
        return engine - self.norms == oracle - self.norms

    @property
    def any(self) -> bool:
        return self.everything or self.conflicts or bool(self.norms) or bool(self.lines)


def by_kind(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        out[finding.kind].append(finding)
    return out


def assert_agrees(spec: Spec, findings: list[Finding]) -> None:
    """The engine's findings are exactly the oracle's, except what it declared undecided."""
    oracle, found, undecided = Oracle(spec), by_kind(findings), Undecided.of(spec, findings)
    context = "\n" + render(spec) + "\nengine: " + "; ".join(
        f"{f.kind} {f.norms} line {f.span.line}" for f in findings)
    if undecided.everything:
        return
    assert bool(found.get("priority-cycle")) == oracle.has_cycle, context
    check_witnesses(oracle, findings, context)
    if oracle.acyclic:
        assert all(f.witness is not None for f in found.get("priority-cycle", [])), \
            "a static cycle reported though some situation is acyclic" + context
    if oracle.has_cycle:  # a malformed spec: its cycles are all the engine reports
        assert set(found) <= {"priority-cycle", "solver-unknown"}, context
        return
    if not undecided.conflicts:
        check_conflicts(oracle, found.get("conflict", []), context)
    subjects = {kind: {f.norms[0] for f in found.get(kind, [])}
                for kind in ("dead-norm", "shadowed-norm", "undermined-permission",
                             "redundant-norm")}
    expected = {"dead-norm": oracle.dead(), "shadowed-norm": oracle.shadowed(),
                "undermined-permission": oracle.undermined(), "redundant-norm": oracle.redundant()}
    for kind, names in expected.items():
        assert undecided.norm_sets_equal(subjects[kind], names), \
            f"{kind}: engine {sorted(subjects[kind])}, oracle {sorted(names)}{context}"
    pairs = {(f.norms[0], f.norms[1]) for f in found.get("overridden", [])}
    wanted = oracle.overridden()
    skip = {p for p in pairs | wanted if set(p) & undecided.norms}
    assert pairs - skip == wanted - skip, \
        f"overridden: engine {sorted(pairs)}, oracle {sorted(wanted)}{context}"
    # the loser's value comes last in `values` (winner first)
    sacrificed = {(f.norms[0], f.values[-1][0]) for f in found.get("value-sacrificed", [])}
    wanted_values = oracle.sacrificed()
    skip_values = {p for p in sacrificed | wanted_values if p[0] in undecided.norms}
    assert sacrificed - skip_values == wanted_values - skip_values, \
        f"value-sacrificed: engine {sorted(sacrificed)}, oracle {sorted(wanted_values)}{context}"
    check_expectations(oracle, found, undecided, context)


def check_conflicts(oracle: Oracle, conflicts: list[Finding], context: str) -> None:
    """Every distinct minimal conflicting set is reported exactly once, each with a witness
    situation in which it is a minimal set of active norms that no conduct meets."""
    wanted = oracle.conflict_sets()
    reported = [frozenset(f.norms) for f in conflicts]
    assert len(reported) == len(set(reported)), f"a conflict set reported twice{context}"
    assert set(reported) == wanted, (
        f"conflict sets: engine {sorted(map(sorted, reported))}, "
        f"oracle {sorted(map(sorted, wanted))}{context}")
    for finding in conflicts:
        assert finding.witness is not None, context
        env = oracle.env_of(finding.witness.situation)
        assert env in oracle.acyclic, f"witness {env} of {finding.norms} is no situation{context}"
        assert frozenset(finding.norms) in oracle.minimal_conflicts_in(env), \
            f"{finding.norms} is no minimal conflict in {env}{context}"
        norms = [oracle.spec.norm(n) for n in finding.norms]
        assert finding.values == tuple(n.serves for n in norms), f"values {finding.values}{context}"
    assert bool(conflicts) == bool(oracle.conflict_situations()), context


def satisfiable(oracle: Oracle, env: Env, norms: list[NormDecl], claims: bool = False) -> bool:
    """Some conduct meets the demands of `norms` (their `must`/`must not`; with `claims`, what
    their `may` allows too) and the constraints."""
    duties = [n for n in norms if claims or n.modality != "may"]
    return any(all(oracle.meets(n, env, c) for n in duties) for c in oracle.conducts(env))


def check_expectations(oracle: Oracle, found: dict[str, list[Finding]], undecided: Undecided,
                       context: str) -> None:
    spec = oracle.spec
    failed = {f.span.line for f in found.get("expectation-failed", [])}
    gaps: dict[tuple[int, str], list[str]] = defaultdict(list)
    for finding in found.get("compliance-gap", []):
        gaps[finding.span.line, gap_kind(finding)].append(finding.norms[0] if finding.norms else "")
    for expectation in spec.expectations:
        line = expectation.span.line
        if line in undecided.lines:
            continue
        if expectation.kind == "complies":
            assert expectation.lower is not None and expectation.higher is not None
            broken = oracle.compliance_breaks(expectation.lower, expectation.higher,
                                              expectation.agents)
            taken = oracle.compliance_taken(expectation.lower, expectation.higher,
                                            expectation.agents)
            unfollowable = oracle.compliance_unfollowable(expectation.lower, expectation.higher,
                                                          expectation.agents)
            for kind, wanted in (("breaks", broken), ("takes", taken)):
                names = gaps.get((line, kind), [])
                assert sorted(names) == sorted(wanted), \
                    f"line {line}: engine {kind} {names}, oracle {sorted(wanted)}{context}"
            assert len(gaps.get((line, "unfollowable"), [])) == unfollowable, \
                f"line {line}: oracle unfollowable={unfollowable}{context}"
            continue
        fails = oracle.expectation_fails(expectation.kind, expectation.formula)
        assert (line in failed) == fails, f"expectation line {line}: oracle fails={fails}{context}"
    reported = {f.span.line for f in found.get("scenario-failed", [])}
    for scenario in spec.scenarios:
        if scenario.span.line in undecided.lines:
            continue
        impossible = oracle.scenario_impossible(scenario.given)
        assert (scenario.span.line in reported) == impossible, \
            f"scenario line {scenario.span.line}: oracle impossible={impossible}{context}"
        for expect in scenario.expects:
            fails = not impossible and oracle.scenario_fails(scenario.given, expect.formula)
            assert (expect.span.line in reported) == fails, \
                f"scenario expectation line {expect.span.line}: oracle fails={fails}{context}"


# ---------------------------------------------------------------- witnesses


def check_witnesses(oracle: Oracle, findings: list[Finding], base: str) -> None:
    """Every witness situation is a situation of the spec and shows its finding."""
    for finding in findings:
        witness = finding.witness
        if witness is None or not witness.situation:
            continue
        context = (f"{base}\nchecking {finding.kind} {finding.norms} line {finding.span.line}: "
                   f"situation {witness.situation} conduct {witness.conduct}")
        assert set(witness.situation) == set(oracle.spec.facts), f"partial witness{context}"
        env = oracle.env_of(witness.situation)
        assert env in oracle.situations, f"{finding.kind}: {env} is not a situation{context}"
        if witness.conduct:
            assert set(witness.conduct) == set(oracle.spec.actions), context
            assert witness.conduct in oracle.conducts(env), f"{finding.kind}: bad conduct{context}"
        if finding.kind == "priority-cycle":
            assert oracle.cyclic(env), f"no cycle in {env}{context}"
            continue
        assert not oracle.cyclic(env), f"{finding.kind} witness {env} is cyclic{context}"
        if witness.active or witness.defeated:
            active = oracle.active(env)
            applicable = {n.name for n in oracle.spec.norms if oracle.applicable(n, env)}
            assert set(witness.active) == active, f"witness active: oracle {active}{context}"
            assert set(witness.defeated) == applicable - active, f"witness defeated{context}"
        recheck = RECHECKS.get(finding.kind)
        if recheck is not None:
            recheck(oracle, finding, env, witness.conduct or None, context)


def _overridden(oracle: Oracle, finding: Finding, env: Env, conduct: Env | None, ctx: str) -> None:
    loser, winner = (oracle.spec.norm(n) for n in finding.norms[:2])
    if finding.kind == "overridden":
        # the winner's values first, as everywhere
        assert finding.values == (winner.serves, loser.serves), f"values {finding.values}{ctx}"
    assert oracle.applicable(loser, env) and winner.name in oracle.active(env), ctx
    assert (winner.name, loser.name) in oracle.priority(env), ctx
    assert oracle.clash(env, winner, loser), ctx


def _undermined(oracle: Oracle, finding: Finding, env: Env, conduct: Env | None, ctx: str) -> None:
    """The permission is active and, where its group (on the norms of its layer and above) can
    be complied with, no complying conduct uses it; the norms named as blocking it are active
    duties of its group, of its layer and above: a minimal set of them that (with the
    constraints) leaves no conduct doing what it allows."""
    permission = oracle.spec.norm(finding.norms[0])
    assert oracle.undermined_in(permission, env), ctx
    blockers = [oracle.spec.norm(n) for n in finding.norms[1:]]
    assert {b.name for b in blockers} <= oracle.active(env), f"a blocker is not active{ctx}"
    assert all(b.modality != "may" and b.rank <= permission.rank for b in blockers), ctx
    assert {b.name for b in blockers} <= oracle.group_of(permission)[0], f"a blocker elsewhere{ctx}"

    def blocks(norms: list[NormDecl]) -> bool:
        return not oracle.group_complying(env, oracle.group_of(permission), [*norms, permission])

    assert blocks(blockers), f"{finding.norms[1:]} do not block it{ctx}"
    for dropped in blockers:
        assert not blocks([b for b in blockers if b is not dropped]), \
            f"{finding.norms[1:]} is not minimal: {dropped.name} is not needed{ctx}"


def _shadowed(oracle: Oracle, finding: Finding, env: Env, conduct: Env | None, ctx: str) -> None:
    norm = oracle.spec.norm(finding.norms[0])
    assert oracle.applicable(norm, env) and norm.name not in oracle.active(env), ctx


def _sacrificed(oracle: Oracle, finding: Finding, env: Env, conduct: Env | None, ctx: str) -> None:
    """The value's norm loses to the named winner there: the winner is active, ranks above it
    and clashes with it."""
    _overridden(oracle, finding, env, conduct, ctx)
    loser = oracle.spec.norm(finding.norms[0])
    assert loser.name not in oracle.active(env) and finding.values[-1][0] in loser.serves, ctx


def gap_kind(finding: Finding) -> str:
    """Which condition of `complies with` a `compliance-gap` is about (by its message)."""
    if " breaks `" in finding.message:
        return "breaks"
    if "takes away the protected permission" in finding.message:
        return "takes"
    assert "cannot be followed" in finding.message, finding.message
    return "unfollowable"


def _gap(oracle: Oracle, finding: Finding, env: Env, conduct: Env | None, ctx: str) -> None:
    expectation = next(e for e in oracle.spec.expectations if e.span.line == finding.span.line)
    assert expectation.lower and expectation.higher, ctx
    lower = oracle.complies_among(expectation.lower)
    higher = oracle.complies_among(expectation.higher)
    agents = oracle.judged_agents(expectation.lower, expectation.agents)
    complying_a = oracle.complying_judged(env, expectation.lower, agents)
    kind = gap_kind(finding)
    if kind == "unfollowable":
        assert not complying_a, ctx
        assert oracle.complying_judged(env, expectation.higher, agents), ctx
        culprits = [oracle.spec.norm(n) for n in finding.norms]
        assert culprits and set(finding.norms) <= oracle.active(env, lower), ctx
        assert all(n.agent in agents for n in culprits), ctx
        assert not satisfiable(oracle, env, culprits), f"{finding.norms} satisfiable{ctx}"
        for dropped in culprits:
            rest = [n for n in culprits if n is not dropped]
            assert satisfiable(oracle, env, rest), f"{finding.norms} is not minimal{ctx}"
        return
    if kind == "takes":
        permission = oracle.spec.norm(finding.norms[0])
        assert permission.protected and permission.name in oracle.active(env, higher), ctx
        assert not any(oracle.meets(permission, env, c) for c in complying_a), ctx
        return
    assert conduct is not None, ctx
    assert conduct in complying_a, f"conduct breaks layer A{ctx}"
    broken = oracle.spec.norm(finding.norms[0])
    assert broken.name in oracle.active(env, higher), f"{broken.name} not active in B{ctx}"
    assert not oracle.meets(broken, env, conduct), f"{broken.name} is met{ctx}"
    assert broken.agent in oracle.judged_agents(expectation.lower, expectation.agents), ctx


def _expectation(oracle: Oracle, finding: Finding, env: Env, conduct: Env | None,
                 ctx: str) -> None:
    expectation = next(e for e in oracle.spec.expectations if e.span.line == finding.span.line)
    if expectation.kind == "consistent":
        assert not oracle.complying(env), ctx
        return
    assert expectation.formula is not None and expectation.kind in ("always", "never"), ctx
    shown = expectation.formula if expectation.kind == "never" else Not(expectation.formula)
    _shows(oracle, shown, env, conduct, ctx)


def _scenario(oracle: Oracle, finding: Finding, env: Env, conduct: Env | None, ctx: str) -> None:
    for scenario in oracle.spec.scenarios:
        for expect in scenario.expects:
            if expect.span.line == finding.span.line:
                assert ev(scenario.given, env), f"witness outside `given`{ctx}"
                _shows(oracle, Not(expect.formula), env, conduct, ctx)
                assert set(finding.norms) == oracle.active(env), ctx


def _shows(oracle: Oracle, formula: object, env: Env, conduct: Env | None, ctx: str) -> None:
    if bare_actions(formula):  # type: ignore[arg-type]
        assert conduct is not None and conduct in oracle.complying(env), \
            f"the witness needs a complying conduct{ctx}"
    assert oracle.holds(formula, env, conduct), f"witness does not show {formula}{ctx}"  # type: ignore[arg-type]


RECHECKS = {
    "overridden": _overridden, "undermined-permission": _undermined, "shadowed-norm": _shadowed,
    "value-sacrificed": _sacrificed, "compliance-gap": _gap, "expectation-failed": _expectation,
    "scenario-failed": _scenario,
}


# ---------------------------------------------------------------- the tests


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES)
@given(specs())
def test_engine_agrees_with_the_oracle(spec: Spec) -> None:
    assert_agrees(spec, run_checks(spec, CheckOptions()))


@settings(max_examples=TIMEOUT_EXAMPLES, deadline=None, phases=PHASES)
@given(specs())
def test_a_timeout_is_never_a_clean_result(spec: Spec) -> None:
    """With a 1 ms solver limit, every answer the engine does give still agrees."""
    assert_agrees(spec, run_checks(spec, CheckOptions(timeout_ms=1)))


@settings(max_examples=EXAMPLES // 2, deadline=None, phases=PHASES)
@given(specs())
def test_the_large_spec_path_agrees_with_the_oracle(spec: Spec) -> None:
    """Above `SCOPED_WITNESS_NORMS` norms, witnesses are scoped to their groups and
    `complies with` looks at the judged groups only: the same findings, and every scoped
    witness re-checks. Here every spec takes that path."""
    from unittest import mock

    with mock.patch("normlang.checks.SCOPED_WITNESS_NORMS", 0):
        scoped = run_checks(spec, CheckOptions())
    for finding in scoped:
        assert "internal witness check failed" not in finding.message, finding.message
        if finding.witness is not None:
            assert set(finding.witness.situation) <= set(spec.facts)
    whole = run_checks(spec, CheckOptions())
    assert_agrees(spec, whole)
    if any(f.kind == "solver-unknown" for f in scoped + whole):
        return
    scoped_subjects, whole_subjects = subjects(scoped), subjects(whole)
    assert scoped_subjects == whole_subjects, (
        f"scoped only: {sorted(scoped_subjects - whole_subjects)}, "
        f"whole only: {sorted(whole_subjects - scoped_subjects)}\n{render(spec)}")


NORM_SUBJECT_KINDS = {"dead-norm", "shadowed-norm", "redundant-norm", "undermined-permission",
                      "overridden", "value-sacrificed", "conflict"}


def subjects(findings: list[Finding]) -> set[tuple[str, int, str]]:
    """What each finding is about: its kind, line and, where a norm is its subject, that
    norm (the witness, and the norms a scenario's witness shows active, may differ). A
    conflict is about its minimal set of norms (every one is reported, on either path)."""
    out = set()
    for f in findings:
        if f.kind == "conflict":
            out.add((f.kind, 0, " ".join(sorted(f.norms))))
        else:
            out.add((f.kind, f.span.line,
                     f.norms[0] if f.kind in NORM_SUBJECT_KINDS and f.norms else ""))
    return out


@settings(max_examples=EXAMPLES // 5, deadline=None, phases=PHASES)
@given(specs())
def test_groups_in_worker_processes_give_the_same_findings(spec: Spec) -> None:
    """Every group its own chunk, checked in two processes: the findings (witnesses
    included) are those of one process."""
    from unittest import mock

    with mock.patch("normlang.checks.tasks.CHUNK_NORMS", 1):
        alone = run_checks(spec, CheckOptions(jobs=1))
        parallel = run_checks(spec, CheckOptions(jobs=2))
    assert parallel == alone
