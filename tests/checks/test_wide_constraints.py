"""A constraint that links more actions than plain evaluation enumerates (`MAX_ENUMERATED`).

The engine decides such specs with z3; only the plain re-check of a witness cannot enumerate
the conducts. That must leave the re-check undone, never turn a decided finding into a
`solver-unknown` "internal witness check failed" (it did for conflicts, undermined permissions
and overridden norms, even of a small group beside the wide one)."""

from __future__ import annotations

from engine_helpers import kinds, run

from normlang.engine.concrete import MAX_ENUMERATED

WIDE = [f"x{i}" for i in range(MAX_ENUMERATED + 1)]
BASE = "layers hi > lo\nagent a\nfact p: bool\naction a.y\n" + "".join(
    f"action a.{x}\n" for x in WIDE) + "constraint " + " or ".join(f"a.{x}" for x in WIDE) + "\n"


def found(norms: str) -> list[tuple[str, tuple[str, ...]]]:
    findings = run(BASE + norms)
    assert not [f.message for f in findings if f.kind == "solver-unknown"]
    return [k for k in kinds(findings) if k[0] != "unused-declaration"]


def test_a_conflict_in_a_wide_group_is_reported() -> None:
    assert found("norm m a must x0\nnorm n a must not x0\n") == [("conflict", ("m", "n"))]


def test_an_undermined_permission_in_a_wide_group_is_reported() -> None:
    assert found("norm k a may x0\nnorm n a must not x0\n") == [
        ("undermined-permission", ("k", "n"))]


def test_an_override_in_a_wide_group_is_reported() -> None:
    assert found("norm m @hi when p a must x0\nnorm n @lo a must not x0\n") == [
        ("overridden", ("n", "m"))]


def test_a_conflict_beside_a_wide_group_is_reported_and_its_witness_shows_its_norms() -> None:
    findings = run(BASE + "norm q a must x0\nnorm m a must y\nnorm n a must not y\n")
    conflicts = [f for f in findings if f.kind != "unused-declaration"]
    assert [(f.kind, f.norms) for f in conflicts] == [("conflict", ("m", "n"))]
    witness = conflicts[0].witness
    assert witness is not None and {"m", "n"} <= set(witness.active)


def test_a_wide_group_in_a_spec_where_some_demand_cannot_be_met() -> None:
    # `u` cannot be met where p holds, so it clashes with every norm and no group is judged
    # apart in plain evaluation (the spec is merged): activity is left to the engine
    assert found("norm u when p a must (y and not y)\nnorm m a must x0\nnorm n a must not x0\n"
                 "norm k a may x1\nnorm j a must not x1\n") == [
        ("conflict", ("m", "n")), ("conflict", ("u",))]
