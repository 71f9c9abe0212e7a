"""Witnesses as scenarios, by round trip: every scenario emitted for a spec's findings passes
when added to that spec, and its expectation flipped fails (so it pins something)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import specs

from normlang.api import CheckOptions, check, load, load_text
from normlang.core.findings import Finding
from normlang.model.spec import FALSE, TRUE, Spec
from normlang.runtime.scenarios import expr_source, scenario_for, scenarios_for, skip_reason

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = CheckOptions(timeout=30)
#: the kinds a scenario always pins (when they have a witness)
PINNED = {"conflict", "overridden", "value-sacrificed", "undermined-permission"}


def flipped(scenario: str) -> str:
    """The scenario with its expectation negated and another name."""
    text = re.sub(r"^scenario (\w+)", r"scenario \1_flipped", scenario, flags=re.MULTILINE)
    return re.sub(r"^  expect (.*)$", r"  expect not (\1)", text, flags=re.MULTILINE)


def scenario_names(texts: tuple[str, ...] | list[str]) -> list[str]:
    return [re.search(r"^scenario (\w+)", t, re.MULTILINE).group(1)  # type: ignore[union-attr]
            for t in texts]


def round_trip(text: str, path: str, findings: list[Finding], spec: Spec) -> int:
    """Add the scenarios of `findings` to the spec's text: each passes; flipped, each fails.
    How many there were."""
    emitted = scenarios_for(findings, spec)
    for finding in findings:
        if finding.kind in PINNED and finding.witness is not None:
            why = skip_reason(finding, spec)
            # a timed spec has no scenarios yet (time.md's timed scenarios are not built)
            assert why is None or "cannot be used" in why or \
                (spec.time is not None and "spec with time" in why), (finding, why)
    if not emitted.scenarios:
        return 0
    names = scenario_names(emitted.scenarios)
    assert len(set(names)) == len(names)
    pinned = check(load_text(text + "\n" + "\n".join(emitted.scenarios), path, options=OPTIONS))
    assert not [f for f in pinned.findings if f.kind in ("syntax-error", "name-error",
                                                          "type-error")], pinned.findings
    failed = [f.message for f in pinned.findings if f.kind in ("scenario-failed", "solver-unknown")]
    assert not [m for m in failed if any(f"`{n}`" in m for n in names)], (failed, emitted)
    negated = "\n".join(flipped(s) for s in emitted.scenarios)
    broken = check(load_text(text + "\n" + negated, path, options=OPTIONS))
    failing = {m.split("`")[1] for m in (f.message for f in broken.findings
                                          if f.kind == "scenario-failed")}
    assert failing >= {f"{n}_flipped" for n in names}, (failing, negated)
    return len(emitted.scenarios)


# ---------------------------------------------------------------- the examples


EXAMPLE_ROOTS = sorted(p for p in (ROOT / "examples").rglob("*.norm"))


def test_the_examples_give_scenarios_of_every_pinned_kind() -> None:
    kinds = set()
    for path in EXAMPLE_ROOTS:
        loaded = load(path, options=OPTIONS)
        assert loaded.spec is not None
        for finding in check(loaded, options=OPTIONS).findings:
            if scenario_for(finding, loaded.spec) is not None:
                kinds.add(finding.kind)
    assert kinds >= {"conflict", "overridden", "undermined-permission", "expectation-failed"}


@pytest.mark.parametrize("path", EXAMPLE_ROOTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_scenario_passes_and_flipped_fails(path: Path) -> None:
    loaded = load(path, options=OPTIONS)
    assert loaded.spec is not None
    findings = check(loaded, options=OPTIONS).findings
    round_trip(path.read_text(encoding="utf-8"), str(path), findings, loaded.spec)


def test_a_finding_of_a_timed_spec_gets_no_scenario_and_says_why() -> None:
    path = ROOT / "examples" / "care_robot" / "rules.norm"
    loaded = load(path, options=OPTIONS)
    assert loaded.spec is not None and loaded.spec.time is not None
    conflict = next(f for f in check(loaded, options=OPTIONS).findings if f.kind == "conflict")
    assert scenario_for(conflict, loaded.spec) is None
    assert "spec with time" in (skip_reason(conflict, loaded.spec) or "")


def test_a_scenario_reads_as_the_finding_says() -> None:
    path = ROOT / "examples" / "eu_ai_act" / "model_spec.norm"
    loaded = load(path)
    assert loaded.spec is not None
    overridden = next(f for f in check(loaded).findings if f.kind == "overridden")
    text = scenario_for(overridden, loaded.spec, taken={"overridden_stay_in_persona"})
    assert text is not None
    lines = text.splitlines()
    assert lines[0].startswith("# pins overridden (")
    assert "norm `stay_in_persona` is overridden by `art50_transparency`" in lines[0]
    assert lines[2] == "scenario overridden_stay_in_persona_2"
    assert lines[3].startswith("  given ") and "interacts_with_person" in lines[3]
    assert "not user_asked_if_ai" in lines[3] and "risk_class == " in lines[3]
    assert lines[4] == "  expect obliged assistant.disclose_ai_identity"
    gap = next(f for f in check(loaded).findings if f.kind == "compliance-gap")
    assert scenario_for(gap, loaded.spec) is None
    assert "judges a layer alone" in (skip_reason(gap, loaded.spec) or "")


# ---------------------------------------------------------------- generated specs


def source_of(spec: Spec) -> str:
    """A generated spec as a file (priority edges as `overrides ... (when ...)`)."""
    lines = ["layers " + " > ".join(spec.layers)]
    lines += [f"agent {a}" for a in spec.agents]
    for enum in spec.enums.values():
        lines.append(f"enum {enum.name} {{ {(' < ' if enum.ordered else ', ').join(enum.values)} }}")
    for fact in spec.facts.values():
        kind = fact.enum if fact.kind == "enum" else (
            f"int in {fact.low}..{fact.high}" if fact.low is not None else fact.kind)
        lines.append(f"fact {fact.name}: {kind}")
    lines += [f"action {name}" for name in spec.actions]
    lines += [f"value {v}" for v in spec.values]
    lines += [f"assume {expr_source(a.expr, spec)}" for a in spec.assumes]
    lines += [f"constraint {expr_source(c.expr, spec)}" for c in spec.constraints]
    for norm in spec.norms:
        head = f"norm {norm.name} @{norm.layer}" + (" protected" if norm.protected else "")
        if norm.serves:
            head += " serves " + ", ".join(norm.serves)
        edges = [e for e in spec.edges if e.higher == norm.name]
        if edges:
            head += " overrides " + ", ".join(
                e.lower + ("" if e.when == TRUE else f" (when {expr_source(e.when, spec)})")
                for e in edges)
        if norm.when != TRUE:
            head += f" when {expr_source(norm.when, spec)}"
        if norm.unless != FALSE:
            head += f" unless {expr_source(norm.unless, spec)}"
        target = expr_source(norm.target, spec)
        lines.append(f"{head} {norm.agent} {norm.modality} ({target})")
    for e in spec.expectations:
        if e.kind == "complies":
            agents = f" for {', '.join(e.agents)}" if e.agents else ""
            lines.append(f"expect {e.lower} complies with {e.higher}{agents}")
        elif e.formula is None:
            lines.append("expect consistent")
        else:
            lines.append(f"expect {e.kind} {expr_source(e.formula, spec)}")
    for s in spec.scenarios:
        lines.append(f"scenario {s.name} given {expr_source(s.given, spec)}")
        lines += [f"  expect {expr_source(x.formula, spec)}" for x in s.expects]
    return "\n".join(lines) + "\n"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_scenarios_of_generated_specs_pass_and_flipped_fail(generated: Spec) -> None:
    text = source_of(generated)
    loaded = load_text(text, "random.norm", options=OPTIONS)
    assert loaded.spec is not None, (text, loaded.findings)
    findings = check(loaded, options=OPTIONS).findings
    if any(f.kind in ("priority-cycle", "solver-unknown") for f in findings):
        return  # the checks stopped, or did not decide: nothing to pin
    round_trip(text, "random.norm", findings, loaded.spec)


def test_a_finding_of_another_spec_gets_no_scenario() -> None:
    loaded = load(ROOT / "examples" / "eu_ai_act" / "model_spec.norm")
    other = load_text("agent bot\naction bot.x\nnorm n bot must x\n", "other.norm")
    assert loaded.spec is not None and other.spec is not None
    overridden = next(f for f in check(loaded).findings if f.kind == "overridden")
    assert scenario_for(overridden, other.spec) is None
    assert "is not in this spec" in (skip_reason(overridden, other.spec) or "")
