"""Runtime queries: what the norms say in one situation, or in every situation a partial one
leaves open.

The answer of `normcheck query`, and what an AI system can ask at run time. A query fails
closed: a name or value it cannot read raises `QueryError`, never an empty answer that a
guard such as `statuses.get(action) == "forbidden"` would read as "go ahead".
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..engine.concrete import ComponentTooLarge, PriorityCycleHere, Runtime, Status, unknown_name
from ..engine.evaluate import Scalar
from ..model.spec import Spec
from .partial import MAX_REGIONS, NoSituation, TooManySituations, completions, expressions_read, facts_in

#: an action's answer: a status, or `depends` when the facts left out decide it
Answer = Literal["obliged", "forbidden", "permitted", "conflict", "depends"]


class QueryError(ValueError):
    """A query that cannot be answered: an unknown fact or action, a value outside its fact's
    type, a situation that breaks an `assume`, a priority cycle. The message is the CLI's."""


class Statuses(dict[str, Answer]):
    """Each asked action's answer, by qualified name. Reading an action that was not asked
    about (a typo, an unknown action) raises `QueryError` (from `get` too); an unqualified
    name (`disclose` for `assistant.disclose`) is read when one action has it."""

    def __init__(self, answers: Mapping[str, Answer], known: Iterable[str]) -> None:
        super().__init__(answers)
        self._known = tuple(sorted(known))

    def __missing__(self, key: str) -> Answer:
        return dict.__getitem__(self, self._resolve(key))

    def get(self, key: str, default: object = None) -> Answer:
        """Like `self[key]`: an action not answered raises `QueryError`, whatever `default`."""
        del default
        return self[key]

    def _resolve(self, key: object) -> str:
        if not isinstance(key, str):
            raise QueryError(f"an action is named by a string, not {key!r}")
        qualified = resolve_action(key, self._known)
        if qualified not in self:
            raise QueryError(f"action `{qualified}` was not asked about in this query")
        return qualified


@dataclass(frozen=True)
class QueryResult:
    """What the norms say in a situation.

    In a partial situation (facts left out), an action's answer is the one it has in every
    situation the given facts leave open, else `depends`, with `depends_on` naming the
    missing facts it can depend on; `active` and `defeated` are the norms active (defeated)
    in all of them, and `conflict` says that no conduct complies in any of them.
    """

    statuses: Statuses
    active: tuple[str, ...]
    defeated: tuple[str, ...]
    conflict: bool
    conflict_norms: tuple[str, ...] = ()
    depends_on: dict[str, tuple[str, ...]] = field(default_factory=dict)


#: the runtimes of the specs queried last (a runtime holds its spec: kept unbounded, every
#: spec ever queried would stay alive)
_RUNTIMES: OrderedDict[int, tuple[weakref.ref[Spec], Runtime]] = OrderedDict()
_KEPT_RUNTIMES = 8
#: threads query at once: the cache's reorderings and evictions must not interleave
_RUNTIMES_LOCK = threading.Lock()


def runtime_for(spec: Spec) -> Runtime:
    """The compiled runtime of `spec`, built once per spec object (of the last few queried)."""
    with _RUNTIMES_LOCK:
        entry = _RUNTIMES.get(id(spec))
        if entry is not None and entry[0]() is spec:
            _RUNTIMES.move_to_end(id(spec))
            return entry[1]
    runtime = Runtime(spec)
    with _RUNTIMES_LOCK:
        _RUNTIMES[id(spec)] = (weakref.ref(spec), runtime)
        while len(_RUNTIMES) > _KEPT_RUNTIMES:
            _RUNTIMES.popitem(last=False)
    return runtime


def query(spec: Spec, situation: Mapping[str, object],
          actions: Iterable[str] | None = None, *, timeout: float = 5.0) -> QueryResult:
    """The answer for each action (or each of `actions`) in `situation`, with the active and
    defeated norms.

    `situation` maps facts to values: booleans, integers, `Fraction`s or decimal strings for
    reals, enum values by name. A fact may be left out (see `QueryResult`); a fact that no
    norm, constraint or priority reads needs no value. `actions` are qualified names (or
    unqualified ones that one agent has); with them, only the norms that can bear on those
    actions are evaluated, and a conflict elsewhere in the spec is not looked for.
    `timeout` bounds (in seconds) each solver call that a partial situation needs.
    Raises `QueryError` for anything it cannot answer, `TypeError` for a `spec` that is not
    one (such as the `None` of a `Loaded` whose spec is malformed).
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"query() needs a Spec (the `.spec` of `normlang.load(...)`, which is "
                        f"None when the file has errors: check `.findings`), not "
                        f"{type(spec).__name__}")
    if not isinstance(situation, Mapping):
        raise TypeError(f"query() needs the situation as a mapping from fact names to values, "
                        f"not {type(situation).__name__}")
    if isinstance(actions, str):
        raise TypeError("query()'s `actions` is a list of action names, not one string")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise TypeError(f"query()'s `timeout` is a positive number of seconds, not {timeout!r}")
    runtime = runtime_for(spec)
    env, errors = runtime.situation_env(situation, complete=False)
    if errors:
        raise QueryError("; ".join(errors))
    wanted = (sorted(spec.actions) if actions is None
              else sorted({resolve_action(a, spec.actions) for a in actions}))
    return _answer(runtime, env, wanted, actions is not None, max(1, int(timeout * 1000)))


def resolve_action(name: object, known: Iterable[str]) -> str:
    """The qualified action `name` stands for; `QueryError` when none or several do."""
    if not isinstance(name, str):
        raise QueryError(f"an action is named by a string, not {name!r}")
    actions = sorted(known)
    if name in actions:
        return name
    if "." not in name:
        matches = [a for a in actions if a.split(".", 1)[1] == name]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise QueryError(f"action `{name}` is ambiguous: "
                             f"{', '.join(f'`{a}`' for a in matches)}")
    raise QueryError(unknown_name("action", name, actions))


def answer_complete(runtime: Runtime, env: Mapping[str, Scalar], wanted: list[str],
                    restricted: bool) -> QueryResult:
    """The answer in one complete situation; `QueryError` where there is none."""
    broken = runtime.violated_assume(env)
    if broken is not None:
        raise QueryError(f"the situation violates the `assume` at {broken}")
    among = runtime.relevant_norms(wanted) if restricted else None
    app = runtime.applicable(env, among)
    try:
        active = runtime.active(env, app, among)
        statuses, conflict, culprits = runtime.statuses(
            env, active, wanted, wanted if restricted else None)
        if conflict:
            culprits = runtime.minimal_culprits(env, culprits)
    except ComponentTooLarge as too_large:
        raise QueryError(str(too_large)) from None
    except PriorityCycleHere:
        raise QueryError("in this situation the norms' priority has a cycle (a "
                         "`priority-cycle`, which `normcheck check` reports): which norms are "
                         "defeated is undefined") from None
    return QueryResult(Statuses(statuses, runtime.spec.actions), tuple(sorted(active)),
                       tuple(sorted(app - active)), conflict, culprits)


def _answer(runtime: Runtime, env: dict[str, Scalar], wanted: list[str], restricted: bool,
            timeout_ms: int) -> QueryResult:
    """The answer in `env`, complete or partial."""
    spec = runtime.spec
    if len(env) == len(spec.facts):  # complete: no solver, nothing to look up (the fast path)
        return answer_complete(runtime, env, wanted, restricted)
    among = runtime.relevant_norms(wanted) if restricted else set(runtime.norms)
    read = {fact for expr in expressions_read(spec, among) for fact in facts_in(expr)}
    read_by_assumes = {fact for a in spec.assumes for fact in facts_in(a.expr)}
    missing = sorted(set(spec.facts) - set(env))
    if not (set(missing) & (read | read_by_assumes)):
        return answer_complete(runtime, env, wanted, restricted)
    from ..engine.solver import SolverGaveUp

    try:
        situations = completions(spec, env, missing, among, timeout_ms)
    except NoSituation as none:
        where = f"the `assume` at {none.where}" if none.where else "the `assume`s"
        raise QueryError(f"no situation with the given facts satisfies {where}") from None
    except TooManySituations:
        open_facts = ", ".join(f"`{name}`" for name in sorted(set(missing) & read)[:10])
        raise QueryError(f"the facts left out ({open_facts}) leave more than {MAX_REGIONS} "
                         f"kinds of situation open; give some of them a value") from None
    except SolverGaveUp as gave_up:
        raise QueryError(f"could not decide which situations the facts left out leave open "
                         f"(the solver gave up: {gave_up.reason})") from None
    results = []
    for situation in situations:
        try:
            results.append(answer_complete(runtime, situation, wanted, restricted))
        except QueryError as error:
            shown = ", ".join(f"{name} = {_shown_value(spec, name, situation[name])}"
                              for name in missing if name in read)
            raise QueryError(f"{error} (where {shown}, which the given facts leave open)") from None
    return _combined(runtime, results, sorted(set(missing) & read), wanted, restricted)


def _combined(runtime: Runtime, results: list[QueryResult], open_facts: list[str],
              wanted: list[str], restricted: bool) -> QueryResult:
    """The answers that hold in every one of `results`; `depends` where they differ."""
    answers: dict[str, Answer] = {}
    depends_on: dict[str, tuple[str, ...]] = {}
    anywhere_conflict = any(r.conflict for r in results) and not restricted
    for action in wanted:
        seen = {r.statuses[action] for r in results}
        if len(seen) == 1:
            answers[action] = seen.pop()
            continue
        answers[action] = "depends"
        if anywhere_conflict:  # a conflict anywhere makes every action's answer `conflict`
            depends_on[action] = tuple(open_facts)
        else:
            bearing = runtime.relevant_norms([action])
            depends_on[action] = tuple(sorted(
                {fact for expr in expressions_read(runtime.spec, bearing)
                 for fact in facts_in(expr)} & set(open_facts)))
    active = set.intersection(*(set(r.active) for r in results))
    defeated = set.intersection(*(set(r.defeated) for r in results))
    conflict = all(r.conflict for r in results)
    culprits = results[0].conflict_norms if conflict else ()
    return QueryResult(Statuses(answers, runtime.spec.actions), tuple(sorted(active)),
                       tuple(sorted(defeated)), conflict, culprits, depends_on)


def _shown_value(spec: Spec, name: str, value: Scalar) -> str:
    fact = spec.facts[name]
    if fact.kind == "enum" and fact.enum is not None:
        return spec.enums[fact.enum].values[int(value)]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


__all__ = ["Answer", "QueryError", "QueryResult", "Status", "Statuses", "query",
           "resolve_action", "runtime_for"]
