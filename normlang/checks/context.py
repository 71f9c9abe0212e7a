"""What every check shares: the engine, the plain evaluator, and finding construction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import z3

from ..core.findings import Finding, Label, Witness, WitnessValue
from ..core.source import Span
from ..engine.concrete import ComponentTooLarge, Runtime
from ..engine.conflict_search import Engine
from ..engine.evaluate import Env, evaluate, has_deontic, names_in
from ..engine.solver import SolverGaveUp
from ..engine.structure import Group
from ..model.spec import Expectation, NormDecl, Spec


class WitnessMismatch(Exception):
    """The engine's witness failed its plain re-evaluation: a bug in normlang."""


#: above this many norms, a witness of a finding about some groups of norms (conflict,
#: overridden, value-sacrificed, undermined-permission) shows those groups only: the facts
#: they read, their actions and their norms (no other fact can change the finding)
SCOPED_WITNESS_NORMS = 1000


@dataclass
class CheckContext:
    """What one task's checks share: the spec, its engine, and the findings so far."""

    spec: Spec
    engine: Engine
    runtime: Runtime
    findings: list[Finding] = field(default_factory=list)
    #: norms found dead / shadowed (later checks skip them)
    dead: set[str] = field(default_factory=set)
    shadowed: set[str] = field(default_factory=set)
    #: whether witnesses are scoped to the groups their finding is about
    scoped: bool = False
    #: what checks keep for the rest of the task (computed once per task)
    memo: dict[tuple[str, ...], object] = field(default_factory=dict)

    def norm(self, name: str) -> NormDecl:
        return self.engine.layout.by_name[name]

    @property
    def edge_endpoints(self) -> set[str]:
        return self._endpoints

    def __post_init__(self) -> None:
        #: witnesses whose activity plain evaluation decided for some norms only (those)
        self._partly_evaluated: list[tuple[Witness, frozenset[str]]] = []
        self._endpoints = {e.higher for e in self.spec.edges} | {e.lower for e in self.spec.edges}

    def witness(self, model: z3.ModelRef, conduct: bool = False,
                conduct_actions: dict[str, z3.BoolRef] | None = None,
                groups: Sequence[Group] | None = None,
                conduct_groups: Sequence[Group] | None = None) -> Witness:
        """Decode a model into a witness, with the active and defeated norms there
        (only the given groups' facts, actions and norms, when witnesses are scoped; the
        conduct of `conduct_groups` only, when given)."""
        scope = groups if self.scoped and groups is not None else None
        facts = None if scope is None else self.engine.scope_facts(scope)
        situation = self.engine.situation_of(model, facts)
        shown = conduct_groups if conduct_groups is not None else scope
        actions = None if scope is None or shown is None else [a for g in shown for a in g.actions]
        return self._witness(situation, scope, facts, self.engine.conduct_of(
            model, conduct_actions, actions) if conduct else {})

    def witness_at(self, env: dict[str, object], groups: Sequence[Group]) -> Witness:
        """The witness of a situation found by plain evaluation (`env` holds at least the
        facts of `groups`, with those `assume`s link to them)."""
        scope = groups if self.scoped else None
        facts = None if scope is None else self.engine.scope_facts(scope)
        situation = self.engine.user_values(env, facts)
        return self._witness(situation, scope, facts, {})

    def _witness(self, situation: dict[str, WitnessValue], scope: Sequence[Group] | None,
                 facts: set[str] | None, conduct: dict[str, bool]) -> Witness:
        env, _errors = self.runtime.situation_env(situation, complete=scope is None)
        self.recheck_situation(env)
        among = None if scope is None else [n.name for g in scope for n in g.norms]
        applicable, active_set, evaluated = self._activity(env, among, scope is not None)
        active = tuple(sorted(active_set))
        defeated = tuple(sorted(applicable - active_set))
        defines: dict[str, WitnessValue] = {}
        for name, expr in sorted(self.spec.defines.items()):
            if names_in(expr)[1] or has_deontic(expr):
                continue
            if facts is not None and not self.engine.reads_only(name, expr, facts):
                continue
            defines[name] = evaluate(expr, env)
        witness = Witness(
            situation=situation,
            conduct=conduct,
            defines=defines,
            active=active,
            defeated=defeated,
        )
        if evaluated is not None:
            self._partly_evaluated.append((witness, evaluated))
        return witness

    def _activity(self, env: Env, among: list[str] | None,
                  scoped: bool) -> tuple[set[str], set[str], frozenset[str] | None]:
        """The applicable and the active norms (of `among`, by default all) by plain
        evaluation, and None, or the norms it could evaluate where a constraint links more
        actions than it enumerates: then, if every situation admits a conduct and every demand
        can be met (the spec is not merged), group by group, leaving out the groups too wide."""
        runtime = self.runtime
        try:
            applicable = runtime.applicable(env, among)
            return applicable, runtime.active(env, applicable, among, conduct_exists=None
                                              if not scoped else not self.engine.merged), None
        except ComponentTooLarge:
            if self.engine.merged:
                return set(), set(), frozenset()
        names = set(runtime.norms) if among is None else set(among)
        applicable, active, evaluated = set(), set(), set()
        # INVARIANT: not merged, norms of different groups never clash
        for _index, members in sorted(runtime.norms_of_group.items()):
            part = members & names
            try:
                here = runtime.applicable(env, part)
                active |= runtime.active(env, here, part, conduct_exists=True)
            except ComponentTooLarge:
                continue
            applicable |= here
            evaluated |= part
        return applicable, active, frozenset(evaluated)

    def active_in(self, witness: Witness, norms: Iterable[str]) -> set[str]:
        """The witness's active norms, for a re-check about `norms` (their groups'):
        `ComponentTooLarge` (the re-check is skipped) where plain evaluation could not decide
        the activity of their groups."""
        wanted = set(norms)
        for shown, evaluated in self._partly_evaluated:
            if shown is witness and not wanted <= evaluated:
                raise ComponentTooLarge("the witness's activity is too large to evaluate plainly")
        return set(witness.active)

    def recheck_situation(self, env: Mapping[str, object]) -> None:
        """A witness situation exists: it satisfies every `assume` (every one whose facts it
        shows, when witnesses are scoped; those that read no fact, always). Every witness
        the checks build passes here, whatever its finding's own re-check looks at."""
        if not self.runtime.satisfies_assumes(env):  # type: ignore[arg-type]
            raise WitnessMismatch("the witness situation breaks an `assume`")

    def recheck(self, claim: Callable[[], bool], what: str) -> None:
        """Re-evaluate a witness plainly; a failure is a bug, reported, never a wrong answer."""
        try:
            ok = claim()
        except ComponentTooLarge:
            return
        if not ok:
            raise WitnessMismatch(what)

    def guarded(self, check: str, subject: str, span: Span,
                body: Callable[[], Iterable[Finding]]) -> bool:
        """Run one check item; a solver that gives up becomes `solver-unknown`. Whether the
        item was decided."""
        try:
            self.findings.extend(body())
            return True
        except SolverGaveUp as gave_up:
            self.findings.append(Finding(
                "solver-unknown",
                f"could not decide {check} for {subject}: {gave_up.reason}",
                span,
                labels=(Label(span, "undecided", primary=True),),
                help=("raise the solver time limit with `--timeout SECONDS` or split the spec",),
            ))
        except WitnessMismatch as mismatch:
            self.findings.append(Finding(
                "solver-unknown",
                f"could not decide {check} for {subject}: internal witness check failed "
                f"({mismatch}); this is a bug in normlang, please report it",
                span,
                labels=(Label(span, "undecided", primary=True),),
            ))
        return False


def compliance_gap(expectation: Expectation, detail: str, labels: Sequence[Label],
                   norms: Sequence[str], witness: Witness | None,
                   help_lines: Sequence[str]) -> Finding:
    """A `compliance-gap` of `expect A complies with B` (atemporal or timed)."""
    return Finding(
        "compliance-gap",
        f"layer `{expectation.lower}` does not comply with `{expectation.higher}`: {detail}",
        expectation.span, (Label(expectation.span, "fails", primary=True), *labels),
        tuple(norms), witness, tuple(help_lines))


def norm_label(norm: NormDecl, primary: bool = False, message: str | None = None) -> Label:
    if message is None:
        message = {"must": "requires this", "must not": "forbids this", "may": "allows this"}[
            norm.modality]
    return Label(norm.duty_span, message, primary)


def backticked(names: Iterable[str]) -> str:
    items = [f"`{n}`" for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def by_position(norms: Iterable[NormDecl]) -> list[NormDecl]:
    return sorted(norms, key=lambda n: (n.span.path, n.span.start, n.name))
