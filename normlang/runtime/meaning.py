"""Questions about what a spec means as a whole: which norms clash, and what a change changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.findings import Witness
from ..core.one_check import CHECK_LOCK
from ..core.options import CheckOptions
from ..engine.solver import keeps_host_params
from ..model.spec import TRUE, ActionRef, Not, RExpr, Spec

if TYPE_CHECKING:
    import z3

    from ..engine.conflict_search import Decider, Engine


@dataclass(frozen=True)
class StatusChange:
    """An action whose status differs between two versions of a spec in some situation.

    The norms behind it, among those that bear on the action (its group's): `witness.active`
    and `witness.defeated` are the new version's in the witness situation, `old_active` and
    `old_defeated` the old version's.
    """

    action: str
    old: str
    new: str
    witness: Witness
    old_active: tuple[str, ...] = ()
    old_defeated: tuple[str, ...] = ()


def clash_pairs(spec: Spec, options: CheckOptions | None = None) -> list[tuple[str, str]]:
    """Pairs of norms (sorted names) that clash in some situation."""
    with CHECK_LOCK:  # z3's default context is the process's (see core.one_check)
        return _clash_pairs(spec, options)


@keeps_host_params  # inside the lock: z3's global parameters are the process's too
def _clash_pairs(spec: Spec, options: CheckOptions | None) -> list[tuple[str, str]]:
    import z3

    from ..engine.conflict_search import Engine
    from ..engine.solver import Limits, is_sat

    options = options or CheckOptions()
    engine = Engine(spec, Limits(options.timeout_ms))
    if engine.layout.world_exists is False:  # the `assume`s admit no situation: no clash
        return []
    pairs = []
    for group in engine.groups:
        norms = sorted(group.norms, key=lambda n: n.name)
        for i, first in enumerate(norms):
            for second in norms[i + 1:]:
                clash = engine.clash(first, second)
                if z3.is_false(clash):
                    continue
                if z3.is_true(clash) or is_sat(
                        engine.new_solver(clash, facts=engine.group_facts(group)), engine.limits):
                    pairs.append((first.name, second.name))
    return pairs


def diff_specs(old: Spec, new: Spec, options: CheckOptions | None = None) -> list[StatusChange]:
    """For each action, a situation where its status (obliged / forbidden / permitted /
    conflict) differs between `old` and `new`, if there is one.

    Situations range over the facts of both versions and satisfy the `assume`s of both,
    and in them neither version's priority has a cycle. A fact declared with different
    types in the two versions, or a version whose priority has a cycle in every situation,
    makes them incomparable: `ValueError` says which.
    """
    with CHECK_LOCK:  # z3's default context is the process's (see core.one_check)
        return _diff_specs(old, new, options)


@keeps_host_params  # inside the lock: z3's global parameters are the process's too
def _diff_specs(old: Spec, new: Spec, options: CheckOptions | None) -> list[StatusChange]:
    import z3

    from ..engine.conflict_search import Engine, refine
    from ..engine.solver import Limits

    options = options or CheckOptions()
    _check_compatible(old, new)
    limits = Limits(options.timeout_ms)
    before = Engine(old, limits, prefix="old")
    after = Engine(new, limits, prefix="new")
    for engine in (before, after):
        cycles = engine.priority.static_cycles()
        if cycles:
            names = ", ".join(f"`{n}`" for n in cycles[0])
            raise ValueError(f"in `{engine.spec.root}` the priority among {names} forms a cycle "
                             f"in every situation (a `priority-cycle`): which norms are "
                             f"defeated is undefined")
    changes = []
    for action in sorted(set(old.actions) | set(new.actions)):
        outer = limits.new_solver()
        outer.add(*before.situation(), *after.situation())
        outer.add(*before.full.all_definitions(), *after.full.all_definitions())
        atoms = []
        for engine, tag in ((before, "old"), (after, "new")):
            atoms.append((z3.Bool(f"diff!{tag}!yes"), _decider(engine, action, True)))
            atoms.append((z3.Bool(f"diff!{tag}!no"), _decider(engine, action, False)))
        yes_old, no_old, yes_new, no_new = (a[0] for a in atoms)
        outer.add(z3.Or(yes_old != yes_new, no_old != no_new))
        model = refine(outer, atoms, limits)
        if model is None:
            continue
        values = {str(var): z3.is_true(model.eval(var, True)) for var, _ in atoms}
        situation = dict(before.situation_of(model))
        situation.update(after.situation_of(model))
        old_active, old_defeated = _norms_behind(old, action, situation)
        new_active, new_defeated = _norms_behind(new, action, situation)
        changes.append(StatusChange(
            action,
            _status(values["diff!old!yes"], values["diff!old!no"]),
            _status(values["diff!new!yes"], values["diff!new!no"]),
            Witness(situation=dict(sorted(situation.items())), active=new_active,
                    defeated=new_defeated),
            old_active, old_defeated,
        ))
    return changes


def _norms_behind(spec: Spec, action: str, situation: Mapping[str, object]
                  ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The active and the defeated norms of `spec` that bear on `action` in `situation`, by
    plain evaluation (none for an action `spec` does not declare)."""
    from ..engine.concrete import ComponentTooLarge, PriorityCycleHere, Runtime

    if action not in spec.actions:
        return (), ()
    runtime = Runtime(spec)
    env, errors = runtime.situation_env(
        {k: v for k, v in situation.items() if k in spec.facts}, complete=False)
    if errors or set(spec.facts) - set(env):
        return (), ()
    among = runtime.relevant_norms([action])
    applicable = runtime.applicable(env, among)
    try:
        active = runtime.active(env, applicable, among)
    except (ComponentTooLarge, PriorityCycleHere):
        return (), ()
    return tuple(sorted(active)), tuple(sorted(applicable - active))


def _decider(engine: Engine, action: str, doing: bool) -> Decider:
    """Whether some complying conduct does (or skips) `action`; a version that does not
    declare the action never does it."""
    if action in engine.spec.actions:
        target: RExpr = ActionRef(action) if doing else Not(ActionRef(action))
    elif doing:
        return lambda model: (False, _true())
    else:
        target = TRUE
    return lambda model: engine.permitted(target, model)


def _true() -> z3.BoolRef:
    import z3

    return z3.BoolVal(True)


def _status(can_do: bool, can_skip: bool) -> str:
    if can_do and can_skip:
        return "permitted"
    if can_do:
        return "obliged"
    if can_skip:
        return "forbidden"
    return "conflict"


def _check_compatible(old: Spec, new: Spec) -> None:
    for name in sorted(set(old.facts) & set(new.facts)):
        a, b = old.facts[name], new.facts[name]
        if (a.kind, a.enum) != (b.kind, b.enum):
            raise ValueError(f"fact `{name}` has different types in the two versions")
        if a.enum and old.enums[a.enum].values != new.enums[b.enum].values:  # type: ignore[index]
            raise ValueError(f"enum `{a.enum}` has different values in the two versions")
