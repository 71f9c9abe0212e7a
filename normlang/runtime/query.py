"""Runtime queries: what the norms say in one concrete situation.

The answer of `normcheck query`, and what an AI system can ask at run time.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..engine.concrete import ComponentTooLarge, PriorityCycleHere, Runtime, Status, unknown_name
from ..model.spec import Spec


@dataclass(frozen=True)
class QueryResult:
    """What the norms say in one situation."""

    statuses: dict[str, Status]
    active: tuple[str, ...]
    defeated: tuple[str, ...]
    conflict: bool
    conflict_norms: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


#: the runtimes of the specs queried last (a runtime holds its spec: kept unbounded, every
#: spec ever queried would stay alive)
_RUNTIMES: OrderedDict[int, tuple[weakref.ref[Spec], Runtime]] = OrderedDict()
_KEPT_RUNTIMES = 8


def runtime_for(spec: Spec) -> Runtime:
    """The compiled runtime of `spec`, built once per spec object (of the last few queried)."""
    entry = _RUNTIMES.get(id(spec))
    if entry is not None and entry[0]() is spec:
        _RUNTIMES.move_to_end(id(spec))
        return entry[1]
    runtime = Runtime(spec)
    _RUNTIMES[id(spec)] = (weakref.ref(spec), runtime)
    while len(_RUNTIMES) > _KEPT_RUNTIMES:
        _RUNTIMES.popitem(last=False)
    return runtime


def query(spec: Spec, situation: Mapping[str, object],
          actions: Iterable[str] | None = None) -> QueryResult:
    """The status of each action (or of `actions`) in `situation`, with active and defeated norms.

    `situation` maps every fact to a value: booleans, integers, `Fraction`s or
    decimal strings for reals, and enum values by name. With `actions`, only the
    norms that can bear on those actions are evaluated (`active` and `defeated`
    list those), and a conflict elsewhere in the spec is not looked for.
    """
    return _answer(runtime_for(spec), situation, actions)


def _answer(runtime: Runtime, situation: Mapping[str, object],
        actions: Iterable[str] | None) -> QueryResult:
    env, errors = runtime.situation_env(situation)
    if errors:
        return QueryResult({}, (), (), False, (), tuple(errors))
    broken = runtime.violated_assume(env)
    if broken is not None:
        return QueryResult({}, (), (), False, (),
                           (f"the situation violates the `assume` at {broken}",))
    wanted = sorted(runtime.spec.actions) if actions is None else list(actions)
    unknown = [a for a in wanted if a not in runtime.spec.actions]
    if unknown:
        return QueryResult({}, (), (), False, (),
                           tuple(unknown_name("action", a, runtime.spec.actions) for a in unknown))
    among = None if actions is None else runtime.relevant_norms(wanted)
    app = runtime.applicable(env, among)
    try:
        active = runtime.active(env, app, among)
        statuses, conflict, culprits = runtime.statuses(env, active, wanted, actions)
        if conflict:
            culprits = runtime.minimal_culprits(env, culprits)
    except ComponentTooLarge as too_large:
        return QueryResult({}, (), (), False, (), (str(too_large),))
    except PriorityCycleHere:
        cycle = ("in this situation the norms' priority has a cycle (a `priority-cycle`, "
                 "which `normcheck check` reports): which norms are defeated is undefined")
        return QueryResult({}, (), (), False, (), (cycle,))
    return QueryResult(statuses, tuple(sorted(active)), tuple(sorted(app - active)),
                       conflict, culprits)


__all__ = ["QueryResult", "Status", "query", "runtime_for"]
