"""A brute-force evaluator of the design's meaning (language.md: "Meaning", the findings table,
`complies with`, "Values and contextual priority").

Plain Python, no z3, written from the design and not from the engine: every situation over small
finite domains, every conduct, every norm. Slow and obviously right; the engine is held to it.

Readings where the design is silent (each is also said where it is used):
- a situation in which the priority relation has a cycle is a `priority-cycle` and is left out of
  every check whose meaning involves priority (the task's reading, shared with the engine);
  `dead-norm` is not one of them: it is "applicable in no situation", and applicability does not
  depend on priority, so it ranges over every situation (a norm applicable only where priority
  cycles is reported as cycling, not as dead);
- groups (language.md, *Meaning*): norms are connected when their targets share an action or one
  `constraint` mentions actions of both; a `constraint` that mentions no action connects nothing
  and limits the conduct of every group (where it is false no group can be complied with);
- `conflict`: the minimal sets are those of the active `must`/`must not` norms over the whole
  conduct (every action, every `constraint`) in each situation, and the findings are the distinct
  sets found in any situation;
- `undermined-permission` and `redundant-norm` are judged within the norm's group, with activity
  as in the whole spec (a norm of a layer and above is defeated only by norms of a layer and
  above, so judging "on the norms of its own layer and above" keeps its activity);
- in `always F` / `never F` / `possible F` and in scenario expectations, an action outside a
  deontic atom ranges over the complying conducts of the situation (so a conflict situation makes
  `always a.x` vacuously true and `possible a.x` false there);
- `expect A complies with B`: activity is computed among A's norms alone and among B's norms
  alone, and both layers are judged on their duties addressed to the judged agents ("judging
  layer A's norms alone and layer B's norms alone on the duties of the given agents"); a `may`
  of B demands nothing, so it cannot be broken; condition 3 covers the `protected` permissions
  of B addressed to any agent (only A's duties, or A having no complying conduct at all, can
  take one away), including where A cannot be followed at all;
- a scenario whose `given` holds in no situation is reported as failed (vacuous truth would hide a
  mistake in the spec); this is the engine's choice and a sensible one, so the oracle states it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from normlang.model.spec import (
    ActionRef,
    And,
    Arith,
    Cmp,
    ConflictAtom,
    Const,
    DeonticAtom,
    EnumConst,
    FactRef,
    Iff,
    Implies,
    Neg,
    NormDecl,
    Not,
    Or,
    RExpr,
    Spec,
)

#: fact and action values by name; enum values as indices into their type
Env = dict[str, object]
Key = tuple[tuple[str, object], ...]
Deontic = Callable[[RExpr], bool]

_COMPARE: dict[str, Callable[[object, object], bool]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,  # type: ignore[operator]
}
_ARITH: dict[str, Callable[[object, object], object]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,  # type: ignore[operator]
}


def ev(expr: RExpr, env: Env, deontic: Deontic | None = None) -> object:
    """The value of `expr` under `env`; `deontic` decides deontic atoms (None: there are none)."""
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, (FactRef, ActionRef)):
        return env[expr.name]
    if isinstance(expr, EnumConst):
        return expr.index
    if isinstance(expr, Not):
        return not ev(expr.operand, env, deontic)
    if isinstance(expr, And):
        return all(ev(item, env, deontic) for item in expr.items)
    if isinstance(expr, Or):
        return any(ev(item, env, deontic) for item in expr.items)
    if isinstance(expr, Implies):
        return (not ev(expr.left, env, deontic)) or bool(ev(expr.right, env, deontic))
    if isinstance(expr, Iff):
        return bool(ev(expr.left, env, deontic)) == bool(ev(expr.right, env, deontic))
    if isinstance(expr, Cmp):
        return _COMPARE[expr.op](ev(expr.left, env, deontic), ev(expr.right, env, deontic))
    if isinstance(expr, Arith):
        return _ARITH[expr.op](ev(expr.left, env, deontic), ev(expr.right, env, deontic))
    if isinstance(expr, Neg):
        return -ev(expr.operand, env, deontic)  # type: ignore[operator]
    if isinstance(expr, (DeonticAtom, ConflictAtom)):
        assert deontic is not None, "a deontic atom outside an expectation"
        return deontic(expr)
    raise TypeError(f"not an expression: {expr!r}")


def demand(norm: NormDecl) -> RExpr:
    """must φ demands φ, must not φ demands ¬φ, may φ claims φ."""
    return Not(norm.target) if norm.modality == "must not" else norm.target


def bare_actions(expr: RExpr) -> set[str]:
    """Actions mentioned outside every deontic atom (these range over complying conducts)."""
    if isinstance(expr, ActionRef):
        return {expr.name}
    if isinstance(expr, (DeonticAtom, ConflictAtom, Const, FactRef, EnumConst)):
        return set()
    if isinstance(expr, (Not, Neg)):
        return bare_actions(expr.operand)
    if isinstance(expr, (And, Or)):
        return set().union(*(bare_actions(item) for item in expr.items))
    if isinstance(expr, (Implies, Iff, Cmp, Arith)):
        return bare_actions(expr.left) | bare_actions(expr.right)
    raise TypeError(f"not an expression: {expr!r}")


def transitive_closure(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    closure = set(pairs)
    while True:
        longer = {(a, d) for a, b in closure for c, d in closure if b == c} - closure
        if not longer:
            return closure
        closure |= longer


def key(env: Env) -> Key:
    return tuple(sorted(env.items()))


@dataclass
class Oracle:
    """The meaning of one spec, by enumeration. Every method is a definition from the design."""

    spec: Spec
    _conducts: dict[Key, list[Env]] = field(default_factory=dict, repr=False)
    _active: dict[Key, frozenset[str]] = field(default_factory=dict, repr=False)
    _situations: list[Env] | None = field(default=None, repr=False)
    _acyclic: list[Env] | None = field(default=None, repr=False)

    # ---------------------------------------------------------------- worlds

    @property
    def situations(self) -> list[Env]:
        """Every assignment of the facts that satisfies every `assume`."""
        if self._situations is None:
            names = sorted(self.spec.facts)
            domains = [self._domain(name) for name in names]
            every = (dict(zip(names, values)) for values in itertools.product(*domains))
            self._situations = [env for env in every
                                if all(ev(a.expr, env) for a in self.spec.assumes)]
        return self._situations

    def _domain(self, name: str) -> list[object]:
        fact = self.spec.facts[name]
        if fact.kind == "bool":
            return [False, True]
        if fact.kind == "enum":
            assert fact.enum is not None
            return list(range(len(self.spec.enums[fact.enum].values)))
        if fact.kind == "int" and fact.low is not None and fact.high is not None:
            return list(range(fact.low, fact.high + 1))
        raise ValueError(f"the oracle needs a finite domain for fact `{name}`")

    def conducts(self, env: Env) -> list[Env]:
        """Every assignment of the actions that satisfies every `constraint` in situation `env`."""
        situation = key(env)
        if situation not in self._conducts:
            names = sorted(self.spec.actions)
            found = []
            for values in itertools.product([False, True], repeat=len(names)):
                conduct = dict(zip(names, values))
                if all(ev(c.expr, {**env, **conduct}) for c in self.spec.constraints):
                    found.append(conduct)
            self._conducts[situation] = found
        return self._conducts[situation]

    # ---------------------------------------------------------------- meaning

    def applicable(self, norm: NormDecl, env: Env) -> bool:
        return bool(ev(norm.when, env)) and not ev(norm.unless, env)

    def meets(self, norm: NormDecl, env: Env, conduct: Env) -> bool:
        return bool(ev(demand(norm), {**env, **conduct}))

    def priority(self, env: Env, norms: list[NormDecl] | None = None) -> set[tuple[str, str]]:
        """(m, n) for m ≻ n: the transitive closure of layer order and the edges holding in `env`."""
        norms = self._norms(norms)
        names = {n.name for n in norms}
        order = {(m.name, n.name) for m in norms for n in norms if m.rank < n.rank}
        order |= {(e.higher, e.lower) for e in self.spec.edges
                  if e.higher in names and e.lower in names and ev(e.when, env)}
        return transitive_closure(order)

    def cyclic(self, env: Env) -> bool:
        return any(a == b for a, b in self.priority(env))

    def clash(self, env: Env, first: NormDecl, second: NormDecl) -> bool:
        """No conduct meets both demands (a `may` counts with what it claims) — except that a
        `may` never clashes with a norm of a lower layer unless it is `protected`."""
        for permission, other in ((first, second), (second, first)):
            if permission.modality == "may" and not permission.protected and \
                    permission.rank < other.rank:
                return False
        return not any(self.meets(first, env, c) and self.meets(second, env, c)
                       for c in self.conducts(env))

    def active(self, env: Env, norms: list[NormDecl] | None = None) -> frozenset[str]:
        """Applicable and not defeated by an applicable, undefeated, higher, clashing norm."""
        cache_key = key(env) if norms is None else None
        if cache_key is not None and cache_key in self._active:
            return self._active[cache_key]
        norms = self._norms(norms)
        above = self.priority(env, norms)
        applicable = [n for n in norms if self.applicable(n, env)]
        memo: dict[str, bool] = {}

        # INVARIANT: only called for acyclic situations, so the recursion is well founded.
        def undefeated(norm: NormDecl) -> bool:
            if norm.name not in memo:
                memo[norm.name] = not any(
                    (m.name, norm.name) in above and undefeated(m) and self.clash(env, m, norm)
                    for m in applicable if m is not norm)
            return memo[norm.name]

        result = frozenset(n.name for n in applicable if undefeated(n))
        if cache_key is not None:
            self._active[cache_key] = result
        return result

    def complying(self, env: Env, norms: list[NormDecl] | None = None) -> list[Env]:
        """Conducts meeting every active `must`/`must not` (activity among `norms`)."""
        norms = self._norms(norms)
        active = self.active(env, None if norms == list(self.spec.norms) else norms)
        duties = [n for n in norms if n.name in active and n.modality != "may"]
        return [c for c in self.conducts(env) if all(self.meets(n, env, c) for n in duties)]

    def deontic(self, env: Env) -> Deontic:
        """obliged φ: every complying conduct does φ; forbidden: none; permitted: some;
        conflict: none complies."""
        complying = self.complying(env)

        def decide(atom: RExpr) -> bool:
            if isinstance(atom, ConflictAtom):
                return not complying
            assert isinstance(atom, DeonticAtom)
            doing = [bool(ev(atom.target, {**env, **c})) for c in complying]
            return {"obliged": all(doing), "forbidden": not any(doing),
                    "permitted": any(doing)}[atom.kind]

        return decide

    def status(self, env: Env, action: str) -> str:
        """An action's status as `query` reports it ("permitted": allowed but not obliged)."""
        complying = self.complying(env)
        if not complying:
            return "conflict"
        doing = [c[action] for c in complying]
        if all(doing):
            return "obliged"
        return "permitted" if any(doing) else "forbidden"

    def open_situations(self, given: Env) -> list[Env]:
        """A partial situation (some facts left out) stands for every situation that agrees
        with it (issue 22: "for every value of the missing facts")."""
        return [env for env in self.situations if all(env[k] == v for k, v in given.items())]

    def partial_status(self, given: Env, action: str) -> str:
        """The status an action has in every situation `given` leaves open, else `depends`."""
        found = {self.status(env, action) for env in self.open_situations(given)}
        return found.pop() if len(found) == 1 else "depends"

    def holds(self, formula: RExpr, env: Env, conduct: Env | None = None) -> bool:
        return bool(ev(formula, {**env, **(conduct or {})}, self.deontic(env)))

    def cases(self, formula: RExpr, situations: list[Env]) -> Iterator[tuple[Env, Env | None]]:
        """The (situation, conduct) pairs a formula ranges over: with a complying conduct when it
        mentions an action outside deontic atoms."""
        for env in situations:
            if bare_actions(formula):
                for conduct in self.complying(env):
                    yield env, conduct
            else:
                yield env, None

    def _norms(self, norms: list[NormDecl] | None) -> list[NormDecl]:
        return list(self.spec.norms) if norms is None else norms

    # ---------------------------------------------------------------- findings

    @property
    def acyclic(self) -> list[Env]:
        """The situations every check but `priority-cycle` ranges over."""
        if self._acyclic is None:
            self._acyclic = [env for env in self.situations if not self.cyclic(env)]
        return self._acyclic

    @property
    def has_cycle(self) -> bool:
        """Some situation has a priority cycle, or the unconditional priority relation has one
        (an error of the spec even when its assumes leave no situation at all)."""
        return len(self.acyclic) < len(self.situations) or self.static_cycle

    @property
    def static_cycle(self) -> bool:
        names = {n.name for n in self.spec.norms}
        order = {(m.name, n.name) for m in self.spec.norms for n in self.spec.norms
                 if m.rank < n.rank}
        order |= {(e.higher, e.lower) for e in self.spec.edges
                  if e.when == Const(True) and e.higher in names and e.lower in names}
        return any(a == b for a, b in transitive_closure(order))

    def conflict_situations(self) -> list[Env]:
        return [env for env in self.acyclic if not self.complying(env)]

    def dead(self) -> set[str]:
        return {n.name for n in self.spec.norms
                if not any(self.applicable(n, env) for env in self.situations)}

    def shadowed(self) -> set[str]:
        out = set()
        for norm in self.spec.norms:
            applies = [env for env in self.acyclic if self.applicable(norm, env)]
            if applies and not any(norm.name in self.active(env) for env in applies):
                out.add(norm.name)
        return out

    def overridden(self) -> set[tuple[str, str]]:
        """(loser, winner): the winner is active, ranks above the applicable loser, they clash."""
        out = set()
        for env in self.acyclic:
            active, above = self.active(env), self.priority(env)
            for loser in self.spec.norms:
                if not self.applicable(loser, env):
                    continue
                for winner in self.spec.norms:
                    if (winner.name in active and (winner.name, loser.name) in above
                            and self.clash(env, winner, loser)):
                        out.add((loser.name, winner.name))
        return out

    # ---------------------------------------------------------------- groups

    @property
    def groups(self) -> list[tuple[frozenset[str], frozenset[str]]]:
        """Each group as (its norms' names, its actions): norms connected through a common
        action of their targets or a `constraint` that mentions actions of both."""
        parent: dict[str, str] = {}

        def find(item: str) -> str:
            parent.setdefault(item, item)
            while parent[item] != item:
                item = parent[item]
            return item

        def link(items: list[str]) -> None:
            for other in items[1:]:
                parent[find(other)] = find(items[0])

        for norm in self.spec.norms:
            link(sorted(bare_actions(norm.target)) or [f"norm:{norm.name}"])
        for constraint in self.spec.constraints:
            link(sorted(bare_actions(constraint.expr)))
        out: dict[str, tuple[set[str], set[str]]] = {}
        for norm in self.spec.norms:
            first = sorted(bare_actions(norm.target)) or [f"norm:{norm.name}"]
            out.setdefault(find(first[0]), (set(), set()))[0].add(norm.name)
        for item in list(parent):
            if not item.startswith("norm:"):
                out.setdefault(find(item), (set(), set()))[1].add(item)
        return [(frozenset(norms), frozenset(actions)) for norms, actions in out.values()]

    def group_of(self, norm: NormDecl) -> tuple[frozenset[str], frozenset[str]]:
        return next(g for g in self.groups if norm.name in g[0])

    def group_complying(self, env: Env, group: tuple[frozenset[str], frozenset[str]],
                        duties: list[NormDecl]) -> list[Env]:
        """Conducts of the group's actions that meet its constraints (and those that mention
        no action) and the demands of `duties` (the caller passes the group's active ones)."""
        names = sorted(group[1])
        rules = [c.expr for c in self.spec.constraints
                 if bare_actions(c.expr) <= group[1]]
        found = []
        for values in itertools.product([False, True], repeat=len(names)):
            conduct = dict(zip(names, values))
            if all(ev(r, {**env, **conduct}) for r in rules) and all(
                    self.meets(n, env, conduct) for n in duties):
                found.append(conduct)
        return found

    # ---------------------------------------------------------------- conflicts

    def conflict_sets(self) -> set[frozenset[str]]:
        """Every distinct minimal set of active `must`/`must not` norms that no conduct meets
        (with the constraints), over every acyclic situation."""
        out: set[frozenset[str]] = set()
        for env in self.acyclic:
            out |= self.minimal_conflicts_in(env)
        return out

    def minimal_conflicts_in(self, env: Env) -> set[frozenset[str]]:
        """The minimal sets of active duties no conduct meets in `env`: a set is unmet when
        every conduct breaks one of its norms; minimal when no proper subset is unmet."""
        active = self.active(env)
        duties = [n for n in self.spec.norms if n.name in active and n.modality != "may"]
        breaks = [frozenset(n.name for n in duties if not self.meets(n, env, c))
                  for c in self.conducts(env)]
        names = [n.name for n in duties]
        found: list[frozenset[str]] = []
        for size in range(len(names) + 1):
            for chosen in itertools.combinations(names, size):
                candidate = frozenset(chosen)
                if any(f <= candidate for f in found):
                    continue
                if all(candidate & broken for broken in breaks):
                    found.append(candidate)
        return set(found)

    # ---------------------------------------------------------------- undermined, redundant

    def undermined_in(self, permission: NormDecl, env: Env) -> bool:
        """Active, and its group, judged on the norms of its layer and above, can be complied
        with, but by no conduct that does what it allows."""
        if permission.name not in self.active(env):
            return False
        group = self.group_of(permission)
        active = self.active(env)
        duties = [n for n in self.spec.norms if n.name in group[0] and n.name in active
                  and n.modality != "may" and n.rank <= permission.rank]
        complying = self.group_complying(env, group, duties)
        return bool(complying) and not any(self.meets(permission, env, c) for c in complying)

    def undermined(self) -> set[str]:
        return {p.name for p in self.spec.norms if p.modality == "may"
                and any(self.undermined_in(p, env) for env in self.acyclic)}

    def redundant(self) -> set[str]:
        """A duty of layer L that changes nothing among the norms of L in its group: wherever it
        is active and those can be complied with, removing it from the spec leaves their
        complying conducts as they are; and there is such a situation."""
        skip = self.dead() | self.shadowed()
        out = set()
        for norm in self.spec.norms:
            if norm.modality == "may" or norm.name in skip:
                continue
            group = self.group_of(norm)
            upper = [m for m in self.spec.norms if m.rank <= norm.rank]
            without = [m for m in upper if m is not norm]
            judged = [m for m in self.spec.norms if m.name in group[0] and m.layer == norm.layer
                      and m.modality != "may"]
            considered = 0
            changes = False
            for env in self.acyclic:
                if norm.name not in self.active(env):
                    continue
                with_it = self.group_complying(
                    env, group, [m for m in judged if m.name in self.active(env, upper)])
                if not with_it:
                    continue
                considered += 1
                rest = self.active(env, without)
                if not _same(with_it, self.group_complying(
                        env, group, [m for m in judged if m.name in rest])):
                    changes = True
                    break
            if considered and not changes:
                out.add(norm.name)
        return out

    def expectation_fails(self, kind: str, formula: RExpr | None) -> bool:
        if kind == "consistent":
            return bool(self.conflict_situations())
        assert formula is not None
        truths = (self.holds(formula, env, c) for env, c in self.cases(formula, self.acyclic))
        if kind == "always":
            return not all(truths)
        if kind == "never":
            return any(truths)
        assert kind == "possible", kind
        return not any(truths)

    def complies_among(self, layer: str) -> list[NormDecl]:
        return [n for n in self.spec.norms if n.layer == layer]

    def judged_agents(self, lower: str, agents: tuple[str, ...]) -> set[str]:
        return set(agents) or {n.agent for n in self.complies_among(lower)}

    def complying_judged(self, env: Env, layer: str, agents: set[str]) -> list[Env]:
        """Conducts meeting the active duties of `layer` (activity among that layer alone)
        that address `agents`."""
        norms = self.complies_among(layer)
        active = self.active(env, norms)
        duties = [n for n in norms if n.name in active and n.modality != "may"
                  and n.agent in agents]
        return [c for c in self.conducts(env) if all(self.meets(n, env, c) for n in duties)]

    def compliance_breaks(self, lower: str, higher: str, agents: tuple[str, ...]) -> set[str]:
        """The norms of layer `higher` (addressing the judged agents) that some conduct complying
        with layer `lower` alone breaks while they are active among `higher` alone
        (condition 1 of `complies with`)."""
        judged_agents = self.judged_agents(lower, agents)
        b_norms = self.complies_among(higher)
        judged = [n for n in b_norms if n.agent in judged_agents and n.modality != "may"]
        broken = set()
        for env in self.acyclic:
            active_b = self.active(env, b_norms)
            for conduct in self.complying_judged(env, lower, judged_agents):
                broken |= {n.name for n in judged
                           if n.name in active_b and not self.meets(n, env, conduct)}
        return broken

    def compliance_unfollowable(self, lower: str, higher: str, agents: tuple[str, ...]) -> bool:
        """Some situation where some conduct complies with layer `higher` alone and none with
        layer `lower` alone (condition 2 of `complies with`)."""
        judged_agents = self.judged_agents(lower, agents)
        return any(self.complying_judged(env, higher, judged_agents)
                   and not self.complying_judged(env, lower, judged_agents)
                   for env in self.acyclic)

    def compliance_taken(self, lower: str, higher: str, agents: tuple[str, ...]) -> set[str]:
        """The `protected` permissions of layer `higher` that, in some situation where they are
        active among `higher` alone, no conduct complying with layer `lower` alone does
        (condition 3 of `complies with`; a permission of any agent)."""
        judged_agents = self.judged_agents(lower, agents)
        b_norms = self.complies_among(higher)
        taken = set()
        for env in self.acyclic:
            active_b = self.active(env, b_norms)
            complying = self.complying_judged(env, lower, judged_agents)
            taken |= {p.name for p in b_norms if p.modality == "may" and p.protected
                      and p.name in active_b
                      and not any(self.meets(p, env, c) for c in complying)}
        return taken

    def scenario_impossible(self, given: RExpr) -> bool:
        return not any(ev(given, env) for env in self.acyclic)

    def scenario_fails(self, given: RExpr, formula: RExpr) -> bool:
        within = [env for env in self.acyclic if ev(given, env)]
        return not all(self.holds(formula, env, c) for env, c in self.cases(formula, within))

    def sacrificed(self) -> set[tuple[str, str]]:
        """(norm, value): the norm serves the value and is defeated (applicable, not active) in
        some situation."""
        out: set[tuple[str, str]] = set()
        for env in self.acyclic:
            active = self.active(env)
            for norm in self.spec.norms:
                if self.applicable(norm, env) and norm.name not in active:
                    out |= {(norm.name, value) for value in norm.serves}
        return out

    def sacrificed_values(self) -> set[str]:
        return {value for _, value in self.sacrificed()}

    # ---------------------------------------------------------------- witnesses

    def env_of(self, situation: dict[str, object]) -> Env:
        """A witness situation (enum values by name) as an oracle environment."""
        env: Env = {}
        for name, value in situation.items():
            fact = self.spec.facts[name]
            if fact.kind == "enum" and isinstance(value, str):
                assert fact.enum is not None
                env[name] = self.spec.enums[fact.enum].values.index(value)
            elif isinstance(value, Fraction) and value.denominator == 1:
                env[name] = int(value)
            else:
                env[name] = value
        return env

    def named(self, env: Env) -> dict[str, object]:
        """An oracle environment with enum values by name (as `query` takes them)."""
        out: dict[str, object] = {}
        for name, value in env.items():
            fact = self.spec.facts[name]
            if fact.kind == "enum":
                assert fact.enum is not None
                out[name] = self.spec.enums[fact.enum].values[value]  # type: ignore[index]
            else:
                out[name] = value
        return out


def _same(first: list[Env], second: list[Env]) -> bool:
    return sorted(map(key, first)) == sorted(map(key, second))  # type: ignore[type-var]
