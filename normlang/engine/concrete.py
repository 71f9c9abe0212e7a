"""The status of actions in one concrete situation, by plain evaluation.

This is the design's meaning evaluated directly (no solver): applicability,
priority, clash, defeat, compliance. It answers runtime queries and re-checks
every witness the engine reports.
Conducts are enumerated per component of linked actions, which stays small in
real rule books; a component of more than `MAX_ENUMERATED` actions is decided
with z3 instead.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from ..engine.evaluate import Compiled, Env, Scalar, compile_expr, names_in
from ..engine.structure import split_groups
from ..model.spec import NormDecl, Spec, may_clash
from ..syntax.limits import number_too_long

Status = Literal["obliged", "forbidden", "permitted", "conflict"]
MAX_ENUMERATED = 16


@dataclass
class _CompiledNorm:
    """A norm's conditions and demand, compiled for plain evaluation."""

    norm: NormDecl
    when: Compiled
    unless: Compiled
    demand: Compiled
    actions: tuple[str, ...]


class Runtime:
    """A spec compiled for fast repeated evaluation."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.norms = {
            n.name: _CompiledNorm(n, compile_expr(n.when), compile_expr(n.unless),
                                  compile_expr(n.demand), tuple(sorted(names_in(n.target)[1])))
            for n in spec.norms
        }
        self.constraints = [(compile_expr(c.expr), tuple(sorted(names_in(c.expr)[1])))
                            for c in spec.constraints]
        self.assumes = [compile_expr(a.expr) for a in spec.assumes]
        #: each assume with the facts it reads
        self.assumes_read = [(check, frozenset(names_in(a.expr)[0]))
                             for check, a in zip(self.assumes, spec.assumes)]
        self.edge_conditions = [(e.higher, e.lower, compile_expr(e.when)) for e in spec.edges]
        self.groups = split_groups(spec)
        self.group_of_norm = {n.name: g.index for g in self.groups for n in g.norms}
        self.group_of_action = {a: g.index for g in self.groups for a in g.actions}
        self.maybe_unmeetable = {n for n, c in self.norms.items() if self._could_be_unmeetable(c)}
        self.norms_of_group: dict[int, set[str]] = {}
        for name, index in self.group_of_norm.items():
            self.norms_of_group.setdefault(index, set()).add(name)

    def _could_be_unmeetable(self, norm: _CompiledNorm) -> bool:
        """False when the demand can be met whatever the situation (no constraint touches
        its actions and some assignment of them satisfies it)."""
        _names, constraints = self._component(set(norm.actions))
        if constraints or len(norm.actions) > MAX_ENUMERATED:
            return True
        return not any(norm.demand(dict(zip(norm.actions, values)))
                       for values in itertools.product((False, True), repeat=len(norm.actions)))

    # ------------------------------------------------------------ situations

    def situation_env(self, situation: Mapping[str, object],
                      complete: bool = True) -> tuple[dict[str, Scalar], list[str]]:
        """Convert user values (enum names, strings) to an environment; collect errors
        (with `complete`, also one for a fact without a value)."""
        env: dict[str, Scalar] = {}
        errors: list[str] = []
        for name, raw in situation.items():
            fact = self.spec.facts.get(name)
            if fact is None and name in self.spec.defines:
                read = sorted(names_in(self.spec.defines[name])[0])
                facts = ", ".join(f"`{f}`" for f in read)
                errors.append(f"`{name}` is a define, not a fact: give the facts it reads"
                              + (f" ({facts})" if read else " (it reads none)"))
                continue
            if fact is None:
                errors.append(unknown_name("fact", name, self.spec.facts))
                continue
            values = self.spec.enums[fact.enum].values if fact.enum else ()
            value = _convert(raw, fact.kind, values)
            if value is None:
                close = ([v for v in values if v.lower() == str(raw).lower()]
                         or difflib.get_close_matches(str(raw), values, n=1)) if values else []
                hint = f"; did you mean `{close[0]}`?" if close else ""
                errors.append(f"`{_shown(raw)}` is not a value of fact `{name}` "
                              f"({_type_name(fact)}){hint}")
            elif fact.kind == "int" and not _in_bounds(value, fact.low, fact.high):
                errors.append(f"`{_shown(raw)}` is outside the range of fact `{name}` "
                              f"({_type_name(fact)})")
            else:
                env[name] = value
        missing = sorted(set(self.spec.facts) - set(env)) if complete and not errors else []
        if missing:
            shown = ", ".join(f"`{name}`" for name in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            errors.append(f"fact{'s' if len(missing) > 1 else ''} {shown}{more} "
                          f"{'have' if len(missing) > 1 else 'has'} no value")
        return env, errors

    def satisfies_assumes(self, env: Env) -> bool:
        """Whether `env` satisfies every `assume` whose facts it gives: all of them for a
        whole situation, and always those that read no fact (`assume false`)."""
        return all(bool(check(env)) for check, facts in self.assumes_read if facts <= env.keys())

    def violated_assume(self, env: Env) -> str | None:
        """Where the first `assume` that `env` breaks is (`file:line`), if one is."""
        for check, assume in zip(self.assumes, self.spec.assumes):
            if not check(env):
                return f"{assume.span.path}:{assume.span.line}"
        return None

    # ------------------------------------------------------------ semantics

    def applicable(self, env: Env, among: Iterable[str] | None = None) -> set[str]:
        names = self.norms if among is None else among
        return {name for name in names
                if self.norms[name].when(env) and not self.norms[name].unless(env)}

    def relevant_norms(self, actions: Iterable[str]) -> set[str]:
        """The norms that can bear on `actions`: those of their groups, and any norm whose
        demand might be unmeetable (such a norm clashes with every norm)."""
        out = set(self.maybe_unmeetable)
        for action in actions:
            group = self.group_of_action.get(action)
            if group is not None:
                out |= self.norms_of_group.get(group, set())  # a group may hold constraints only
        return out

    def precedes(self, env: Env, higher: str, lower: str) -> bool:
        """`higher ≻ lower` in this situation."""
        if not self.edge_conditions:
            return self.norms[higher].norm.rank < self.norms[lower].norm.rank
        explicit, min_rank = self._closure(env, higher)
        return lower in explicit or self.norms[lower].norm.rank > min_rank

    def _closure(self, env: Env, start: str) -> tuple[set[str], int]:
        """What `start` ranks above: explicitly reached norms, and every norm below a rank."""
        holding = [(h, lo) for h, lo, when in self.edge_conditions if when(env)]
        reached: set[str] = set()
        min_rank = self.norms[start].norm.rank
        changed = True
        while changed:
            changed = False
            for higher, lower in holding:
                source_reached = (higher == start or higher in reached
                                  or self.norms[higher].norm.rank > min_rank)
                if source_reached and lower not in reached:
                    reached.add(lower)
                    min_rank = min(min_rank, self.norms[lower].norm.rank)
                    changed = True
        return reached, min_rank

    def clash(self, env: Env, first: str, second: str, conduct_exists: bool = False) -> bool:
        """No conduct satisfies both demands under the constraints (never for an unprotected
        `may` and a norm of a lower layer). `conduct_exists`: the constraints are known to admit
        a conduct here (only the demands' actions are looked at)."""
        a, b = self.norms[first], self.norms[second]
        if not may_clash(a.norm, b.norm):
            return False
        actions = set(a.actions) | set(b.actions)
        if not conduct_exists:
            return not self._exists(env, [a.demand, b.demand], actions)
        return not self._exists_here(env, [a.demand, b.demand], actions)

    def _exists_here(self, env: Env, demands: list[Compiled], actions: set[str]) -> bool:
        """Some conduct of the component of `actions` meets `demands` and its constraints."""
        names, constraints = self._component(actions)
        return any(True for _ in self._conducts(env, names, constraints + demands))

    def active(self, env: Env, applicable: set[str] | None = None,
               among: Iterable[str] | None = None, conduct_exists: bool | None = None) -> set[str]:
        """Applicable norms not defeated by an applicable, undefeated, higher, clashing norm.
        `conduct_exists`: whether the constraints admit a conduct here, when known."""
        names = set(self.norms) if among is None else set(among)
        app = (self.applicable(env) if applicable is None else applicable) & names
        # INVARIANT: norms of different groups share no action, so they clash only
        # where no conduct meets the constraints at all.
        no_conduct = (not self._exists(env, [], set()) if conduct_exists is None
                      else not conduct_exists)
        memo: dict[str, bool] = {}
        rivals: dict[int, list[str]] = {}
        for name in sorted(app):
            rivals.setdefault(-1 if no_conduct else self.group_of_norm[name], []).append(name)
        # a demand no conduct can meet clashes with every norm, whatever its actions
        exists = self._exists_here if conduct_exists else self._exists
        unmeetable = {n for n in app if n in self.maybe_unmeetable
                      and not exists(env, [self.norms[n].demand], set(self.norms[n].actions))}
        if unmeetable:
            for group, members in list(rivals.items()):
                rivals[group] = sorted(set(members) | unmeetable)

        def is_active(name: str, depth: int = 0) -> bool:
            if name in memo:
                return memo[name]
            if depth > len(names) + 1:
                raise PriorityCycleHere("priority cycle in this situation")
            group = -1 if no_conduct else self.group_of_norm[name]
            candidates = sorted(app) if name in unmeetable else rivals.get(group, [])
            result = name in app and not any(
                self.precedes(env, other, name) and is_active(other, depth + 1)
                and self.clash(env, other, name, conduct_exists is True)
                for other in candidates if other != name
            )
            memo[name] = result
            return result

        return {n for n in app if is_active(n)}

    # ------------------------------------------------------------ conducts

    def _exists(self, env: Env, demands: list[Compiled], actions: set[str]) -> bool:
        """Some conduct meets `demands` and every constraint (all components)."""
        return self._search(env, demands, actions, lambda _c: True)

    def constraints_of(self, actions: Iterable[str]) -> list[tuple[Compiled, tuple[str, ...]]]:
        """The constraints that mention one of `actions`, or no action at all."""
        wanted = set(actions)
        return [(fn, acts) for fn, acts in self.constraints if not acts or wanted & set(acts)]

    def _component(self, actions: set[str]) -> tuple[list[str], list[Compiled]]:
        """Close `actions` under the constraints that share actions; those constraints."""
        closed = set(actions)
        chosen: list[int] = []
        changed = True
        while changed:
            changed = False
            for index, (_fn, acts) in enumerate(self.constraints):
                if index not in chosen and (closed & set(acts) or not acts):
                    chosen.append(index)
                    closed |= set(acts)
                    changed = True
        return sorted(closed), [self.constraints[i][0] for i in chosen]

    def _search(self, env: Env, demands: list[Compiled], actions: set[str],
                accept: Callable[[dict[str, Scalar]], bool]) -> bool:
        names, constraints = self._component(actions)
        rest_ok = self._other_constraints_ok(env, set(names))
        if not rest_ok:
            return False
        return any(accept(c) for c in self._conducts(env, names, constraints + demands))

    def _other_constraints_ok(self, env: Env, covered: set[str]) -> bool:
        """The constraints outside `covered` can all be met in this situation."""
        remaining = {a for _fn, acts in self.constraints for a in acts} - covered
        while remaining:
            seed = min(remaining)
            names, constraints = self._component({seed})
            if not any(True for _ in self._conducts(env, names, constraints)):
                return False
            remaining -= set(names)
        return True

    def _conducts(self, env: Env, names: list[str],
                  tests: list[Compiled]) -> Iterable[dict[str, Scalar]]:
        if len(names) > MAX_ENUMERATED:
            raise ComponentTooLarge(
                f"{len(names)} linked actions are too many to evaluate plainly "
                f"(at most {MAX_ENUMERATED}); use `normcheck` to prove properties of this spec")
        base = dict(env)
        for values in itertools.product((False, True), repeat=len(names)):
            base.update(zip(names, values))
            if all(test(base) for test in tests):
                yield dict(zip(names, values))

    def statuses(self, env: Env, active: set[str], actions: Iterable[str],
                 actions_given: Iterable[str] | None = None,
                 ) -> tuple[dict[str, Status], bool, tuple[str, ...]]:
        """Each action's status given the active norms; whether no conduct complies.

        With `actions_given`, only the components of those actions are examined
        (a conflict elsewhere in the spec is not looked for).
        """
        musts = [self.norms[n] for n in active if self.norms[n].norm.modality != "may"]
        pending = sorted(set(actions))
        result: dict[str, Status] = {}
        seen: set[str] = set()
        for action in pending:
            if action in seen:
                continue
            names, demands = self._compliance_component(action, musts)
            values = {a: set() for a in names}  # type: dict[str, set[bool]]
            for conduct in self._conducts(env, names, demands):
                for a in names:
                    values[a].add(bool(conduct[a]))
            for a in names:
                seen.add(a)
                result[a] = _status(values[a])
        everywhere = actions_given is None
        if any(s == "conflict" for s in result.values()) or (
                everywhere and not self._all_components_comply(env, musts)):
            culprits = tuple(sorted(n.norm.name for n in musts))
            return dict.fromkeys(pending, "conflict"), True, culprits
        return {a: result[a] for a in pending}, False, ()

    def complying_exists(self, env: Env, active: Iterable[str], target: Compiled | None = None,
                         target_actions: Iterable[str] = (),
                         actions: Iterable[str] | None = None) -> bool:
        """Some conduct meets the demands of the `active` duties and the constraints (of the
        components of `actions`, by default of every action) and, with `target`, satisfies it
        (`target_actions`: the actions it reads)."""
        musts = [self.norms[n] for n in sorted(active) if self.norms[n].norm.modality != "may"]
        if not self._all_components_comply(env, musts, actions):
            return False
        if target is None:
            return True
        acts = set(target_actions)
        names, tests = self._compliance_component(acts, musts) if acts else ([], [])
        return any(bool(target({**env, **c})) for c in self._conducts(env, names, tests))

    def minimal_culprits(self, env: Env, active: Iterable[str]) -> tuple[str, ...]:
        """A minimal set of the active duties that leaves no complying conduct (as a
        `conflict` finding names): those of the first component that has none, each dropped
        in turn while the rest still leave none there."""
        musts = [self.norms[n] for n in sorted(active) if self.norms[n].norm.modality != "may"]
        for norm in musts:
            if not norm.actions and not norm.demand(env):
                return (norm.norm.name,)  # a demand on no action, false here
        remaining = set(self.spec.actions)
        while remaining:
            names, demands = self._compliance_component(min(remaining), musts)
            remaining -= set(names)
            if any(True for _ in self._conducts(env, names, demands)):
                continue
            kept = [n for n in musts if set(n.actions) & set(names)]
            for norm in list(kept):
                rest = [n for n in kept if n is not norm]
                if not self._all_components_comply(env, rest, actions=names):
                    kept = rest
            return tuple(n.norm.name for n in kept)
        return tuple(n.norm.name for n in musts)

    def _compliance_component(self, seed: str | Iterable[str],
                              musts: list[_CompiledNorm]) -> tuple[list[str], list[Compiled]]:
        """The actions linked to `seed` by constraints and active demands; their tests."""
        closed = {seed} if isinstance(seed, str) else set(seed)
        demands: list[Compiled] = []
        used: set[str] = set()
        changed = True
        while changed:
            changed = False
            names, _ = self._component(closed)
            closed |= set(names)
            for norm in musts:
                if norm.norm.name not in used and (closed & set(norm.actions) or not norm.actions):
                    used.add(norm.norm.name)
                    demands.append(norm.demand)
                    closed |= set(norm.actions)
                    changed = True
        names, constraints = self._component(closed)
        return names, constraints + demands

    def _all_components_comply(self, env: Env, musts: list[_CompiledNorm],
                               actions: Iterable[str] | None = None) -> bool:
        """Some conduct meets `musts` and the constraints (of the components of `actions`,
        by default of every action)."""
        remaining = set(self.spec.actions if actions is None else actions)
        for norm in musts:
            if not norm.actions:
                remaining.add(f"norm:{norm.norm.name}")
        while remaining:
            seed = min(remaining)
            if seed.startswith("norm:"):
                norm = self.norms[seed[5:]]
                remaining.discard(seed)
                if not norm.demand(env):
                    return False
                continue
            names, demands = self._compliance_component(seed, musts)
            if not any(True for _ in self._conducts(env, names, demands)):
                return False
            remaining -= set(names)
        return True


def _status(values: set[bool]) -> Status:
    if not values:
        return "conflict"
    if values == {True}:
        return "obliged"
    if values == {False}:
        return "forbidden"
    return "permitted"


class PriorityCycleHere(ValueError):
    """The priority among the applicable norms has a cycle in this situation."""


class ComponentTooLarge(Exception):
    """Plain evaluation would enumerate more than 2**MAX_ENUMERATED conducts."""


def _convert(raw: object, kind: str, enum_values: tuple[str, ...]) -> Scalar | None:
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        return None
    if kind == "enum":
        if isinstance(raw, str) and raw in enum_values:
            return enum_values.index(raw)
        return None
    if isinstance(raw, bool) or (isinstance(raw, str) and number_too_long(raw)):
        return None
    try:
        value = Fraction(str(raw)) if not isinstance(raw, (int, Fraction)) else Fraction(raw)
    except (ValueError, ZeroDivisionError):
        return None
    if kind == "int":
        return int(value) if value.denominator == 1 else None
    return value


def _in_bounds(value: Scalar, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _shown(raw: object) -> str:
    """A value as the user wrote it: text as it is, anything else (from a JSON file) as JSON."""
    if isinstance(raw, str):
        return raw
    import json

    try:
        return json.dumps(raw)
    except (TypeError, ValueError):
        return repr(raw)


def _type_name(fact: object) -> str:
    kind = getattr(fact, "kind", "")
    if kind == "enum":
        return str(getattr(fact, "enum", ""))
    low, high = getattr(fact, "low", None), getattr(fact, "high", None)
    if kind == "int" and (low is not None or high is not None):
        return f"int in {low}..{high}"
    return str(kind)


def unknown_name(what: str, name: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"; did you mean `{close[0]}`?" if close else ""
    return f"unknown {what} `{name}`{hint}"


__all__ = ["ComponentTooLarge", "PriorityCycleHere", "Runtime", "Status", "unknown_name"]
