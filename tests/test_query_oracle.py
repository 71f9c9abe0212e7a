"""`normlang.query` against the oracle: statuses, active and defeated norms, conflicts."""

from __future__ import annotations

import os

from hypothesis import Phase, assume, given, settings
from oracle import Oracle
from strategies import make_spec, norm, render, specs_with_situations

from normlang.model.spec import ActionRef, Cmp, Const, FactRef, Spec
from normlang.runtime.query import query

EXAMPLES = 1500 if os.environ.get("NORMLANG_SLOW") else 200
PHASES = tuple(Phase) if os.environ.get("NORMLANG_SHRINK") else (
    Phase.explicit, Phase.reuse, Phase.generate)


@settings(max_examples=EXAMPLES, deadline=None, phases=PHASES)
@given(specs_with_situations())
def test_query_agrees_with_the_oracle(case: tuple[Spec, int]) -> None:
    spec, index = case
    oracle = Oracle(spec)
    assume(oracle.acyclic)
    env = oracle.acyclic[index % len(oracle.acyclic)]
    result = query(spec, oracle.named(env))
    context = f"\n{render(spec)}\nsituation {oracle.named(env)}\nquery {result}"
    assert result.errors == (), context
    active = oracle.active(env)
    applicable = {n.name for n in spec.norms if oracle.applicable(n, env)}
    assert set(result.active) == active, context
    assert set(result.defeated) == applicable - active, context
    assert result.conflict == (not oracle.complying(env)), context
    assert result.statuses == {a: oracle.status(env, a) for a in spec.actions}, context
    if result.conflict:
        culprits = [spec.norm(n) for n in result.conflict_norms]
        assert set(result.conflict_norms) <= active, context
        assert all(n.modality != "may" for n in culprits), context
        assert not any(all(oracle.meets(n, env, c) for n in culprits)
                       for c in oracle.conducts(env)), context
        # and minimal: without any one of them, some conduct meets the others
        assert all(any(all(oracle.meets(m, env, c) for m in culprits if m is not n)
                       for c in oracle.conducts(env)) for n in culprits), context


def test_query_reports_bad_facts_instead_of_failing() -> None:
    spec = make_spec({"user_age": (0, 3)}, ["a.x"], [norm("n", "must", ActionRef("a.x"),
                                                          when=Cmp(">", FactRef("user_age"),
                                                                   Const(1)))])
    result = query(spec, {"usr_age": 1})
    assert result.errors and "user_age" in result.errors[0]
    assert result.statuses == {}
