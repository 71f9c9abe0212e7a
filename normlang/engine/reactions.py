"""Conduct-triggered instances (time.md: `on AGENT.ACTION`, depth): what a conduct's own
actions demand.

A conduct is one witness (time, actions) per `must` instance. A witness that does
action `a` at `u` triggers each norm `on a` whose conditions hold at `u`: a *reaction*
with window [u + low, u + high], one level deeper than the witness's own instance.
A `must` reaction has a witness of its own, which may trigger more, down to the
depth bound (`--max-depth`; trace-triggered instances are at depth 1). Deeper ones
are *cut*: they demand nothing, so a conflict found with them cut is real; the strict
reading (for `bound-reached`) counts a conduct that reaches the cut as not complying,
unless the cut instance is one already unfolded (same norm, same instant: an
immediate cycle revisits an instant and never reaches it).

The unfolding is structural (witness keys, not values), so the same keys serve a
conduct of fresh variables and one of terms; the formulas read the conduct's values.

At an instant the conduct does only the actions that can matter to some witness
there: those its target and the constraints read, and those the group's bans read
under a negation. Dropping any other action changes no target and no constraint, can
make no ban's target true (a ban reads it only unnegated, if at all), and only removes
the instances it triggers (reactions are never defeated: priority over them is
refused), so it keeps a complying conduct complying.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import z3

from ..model.spec import ActionRef, And, Implies, NormDecl, Not, Or, RExpr, TimedNorm
from .encode import conj, disj, implies, is_false_term, neg, z3_number
from .evaluate import names_in


@dataclass(frozen=True)
class Reaction:
    """Norm `norm` triggered by the action of witness `source` (at the witness's time)."""

    norm: NormDecl
    key: str
    source: str
    depth: int


@dataclass(frozen=True)
class Unfolding:
    """The reactions a conduct's witnesses can trigger, and those cut by the bound."""

    #: each witness key and the depth of the instance it meets
    depths: dict[str, int]
    reactions: tuple[Reaction, ...]
    #: (witness key, norm) where the trigger would go past the bound
    cuts: tuple[tuple[str, NormDecl], ...]


def unfold(roots: Sequence[tuple[str, RExpr]], reactive: Sequence[NormDecl],
           timed: Mapping[str, TimedNorm], relevant: Callable[[RExpr], set[str]],
           max_depth: int) -> Unfolding:
    """The reactions of `reactive` that witnesses meeting `roots` (key, target) can
    trigger, breadth first, to `max_depth`."""
    depths = {key: 1 for key, _ in roots}
    queue = list(roots)
    reactions: list[Reaction] = []
    cuts: list[tuple[str, NormDecl]] = []
    while queue:
        key, target = queue.pop(0)
        doable = relevant(target)
        for norm in reactive:
            if timed[norm.name].trigger not in doable:
                continue
            if depths[key] + 1 > max_depth:
                cuts.append((key, norm))
                continue
            reaction = Reaction(norm, f"{norm.name}<{key}", key, depths[key] + 1)
            reactions.append(reaction)
            if norm.modality == "must":
                depths[reaction.key] = reaction.depth
                queue.append((reaction.key, norm.target))
    return Unfolding(depths, tuple(reactions), tuple(cuts))


def doable_actions(target: RExpr, constraints: Sequence[RExpr], bans: Sequence[RExpr]) -> set[str]:
    """The actions a witness of `target` may do (see the module's note): an action that a
    ban's target reads only positively never helps to keep the ban, so it is not one."""
    found = set(names_in(target)[1])
    for expr in constraints:
        found |= names_in(expr)[1]
    for expr in bans:
        found |= _not_positive(expr, True)
    return found


def _not_positive(expr: RExpr, positive: bool) -> set[str]:
    """The actions `expr` reads under a negation (or both ways: `<->`, comparisons),
    where `positive` says whether `expr` itself stands unnegated."""
    if isinstance(expr, ActionRef):
        return set() if positive else {expr.name}
    if isinstance(expr, Not):
        return _not_positive(expr.operand, not positive)
    if isinstance(expr, (And, Or)):
        return set().union(*(_not_positive(item, positive) for item in expr.items))
    if isinstance(expr, Implies):
        return _not_positive(expr.left, not positive) | _not_positive(expr.right, positive)
    return set(names_in(expr)[1])  # `<->`, comparisons, anything else: both ways


@dataclass
class ReactionTerms:
    """One unfolding's formulas over a conduct: whether each reaction exists, its window."""

    unfolding: Unfolding
    timed: Mapping[str, TimedNorm]
    times: Mapping[str, z3.ArithRef]
    acts: Mapping[str, Mapping[str, z3.BoolRef]]
    #: whether each root witness is in use (its instance is active)
    required: dict[str, z3.BoolRef]
    #: a norm's conditions at an instant
    at: Callable[[RExpr, z3.ArithRef], z3.BoolRef]

    def __post_init__(self) -> None:
        self.exists: dict[str, z3.BoolRef] = {}
        self._windows: dict[str, tuple[z3.ArithRef, z3.ArithRef | None]] = {}
        for reaction in self.unfolding.reactions:
            self.exists[reaction.key] = self.triggered(reaction.source, reaction.norm)
            if reaction.norm.modality == "must":
                self.required[reaction.key] = self.exists[reaction.key]

    def triggered(self, source: str, norm: NormDecl) -> z3.BoolRef:
        action = self.timed[norm.name].trigger
        done = self.acts[source].get(action, z3.BoolVal(False))
        return conj(self.required[source], done, self.at(norm.applicable, self.times[source]))

    def window(self, reaction: Reaction) -> tuple[z3.ArithRef, z3.ArithRef | None]:
        if reaction.key not in self._windows:  # each ban's is read once per witness
            timed = self.timed[reaction.norm.name]
            start = self.times[reaction.source]
            high = None if timed.high is None else start + z3_number(timed.high)
            self._windows[reaction.key] = (start + z3_number(timed.low), high)
        return self._windows[reaction.key]

    def contains(self, reaction: Reaction, time: z3.ArithRef) -> z3.BoolRef:
        low, high = self.window(reaction)
        return low <= time if high is None else conj(low <= time, time <= high)

    def parts(self, target: Callable[[RExpr, Mapping[str, z3.BoolRef]], z3.BoolRef],
              rules: Callable[[Mapping[str, z3.BoolRef]], z3.BoolRef],
              doable: Mapping[str, set[str]], strict: bool) -> list[z3.BoolRef]:
        """Each `must` reaction met by its witness, each ban reaction kept by every
        witness, no witness doing what it need not (`doable`), and with `strict` no cut
        reached that is not already unfolded."""
        out: list[z3.BoolRef] = []
        for reaction in self.unfolding.reactions:
            if reaction.norm.modality != "must":
                continue
            when, acts = self.times[reaction.key], self.acts[reaction.key]
            out.append(implies(self.exists[reaction.key], conj(
                self.contains(reaction, when), target(reaction.norm.target, acts), rules(acts))))
        for ban in self.unfolding.reactions:
            if ban.norm.modality != "must not":
                continue
            for key, used in self.required.items():
                out.append(implies(conj(used, self.exists[ban.key],
                                        self.contains(ban, self.times[key])),
                                   neg(target(ban.norm.target, self.acts[key]))))
        for key, acts in self.acts.items():
            if key not in doable:
                continue
            for action, done in acts.items():
                if action in doable[key] or is_false_term(done):
                    continue  # (a lemma's conduct does nothing here: nothing to say)
                # done at this instant only where a witness there may need it
                needs = [conj(self.required[other], self.times[other] == self.times[key])
                         for other in doable if other != key and action in doable[other]
                         and other in self.required]
                out.append(implies(done, disj(needs)) if needs else neg(done))
        if strict:
            out += [self._unfolded_already(key, norm) for key, norm in self.unfolding.cuts]
        return out

    def _unfolded_already(self, source: str, norm: NormDecl) -> z3.BoolRef:
        same = [conj(self.exists[r.key], self.times[r.source] == self.times[source])
                for r in self.unfolding.reactions if r.norm.name == norm.name]
        return implies(self.triggered(source, norm), disj(same) if same else z3.BoolVal(False))
