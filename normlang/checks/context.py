"""What every check shares: the engine, the plain evaluator, and finding construction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import z3

from ..evaluate import evaluate, has_deontic, names_in
from ..findings import Finding, Label, Witness, WitnessValue
from ..query import ComponentTooLarge, Runtime
from ..semantics import Engine
from ..solver import SolverGaveUp
from ..source import Span
from ..spec import NormDecl, Spec


class WitnessMismatch(Exception):
    """The engine's witness failed its plain re-evaluation: a bug in normlang."""


@dataclass
class CheckContext:
    spec: Spec
    engine: Engine
    runtime: Runtime
    findings: list[Finding] = field(default_factory=list)
    #: norms found dead / shadowed (later checks skip them)
    dead: set[str] = field(default_factory=set)
    shadowed: set[str] = field(default_factory=set)
    #: solvers shared by the checks of one group (queries use assumptions or push/pop)
    solvers: dict[tuple[object, ...], z3.Solver] = field(default_factory=dict)

    by_name: dict[str, NormDecl] = field(default_factory=dict)

    def norm(self, name: str) -> NormDecl:
        return self.by_name[name]

    def upper_layers(self, rank: int) -> list[NormDecl]:
        """The norms of layer `rank` and every higher layer."""
        if rank not in self._upper:
            self._upper[rank] = [n for n in self.spec.norms if n.rank <= rank]
        return self._upper[rank]

    @property
    def edge_endpoints(self) -> set[str]:
        return self._endpoints

    def __post_init__(self) -> None:
        self.by_name = {n.name: n for n in self.spec.norms}
        self._upper: dict[int, list[NormDecl]] = {}
        self._endpoints = {e.higher for e in self.spec.edges} | {e.lower for e in self.spec.edges}

    def witness(self, model: z3.ModelRef, conduct: bool = False,
                conduct_actions: dict[str, z3.BoolRef] | None = None) -> Witness:
        """Decode a model into a witness, with the active and defeated norms there."""
        situation = self.engine.situation_of(model)
        env, _errors = self.runtime.situation_env(situation)
        active: tuple[str, ...] = ()
        defeated: tuple[str, ...] = ()
        try:
            applicable = self.runtime.applicable(env)
            active_set = self.runtime.active(env, applicable)
            active = tuple(sorted(active_set))
            defeated = tuple(sorted(applicable - active_set))
        except ComponentTooLarge:
            pass
        defines: dict[str, WitnessValue] = {}
        for name, expr in sorted(self.spec.defines.items()):
            if names_in(expr)[1] or has_deontic(expr):
                continue
            defines[name] = evaluate(expr, env)
        return Witness(
            situation=situation,
            conduct=self.engine.conduct_of(model, conduct_actions) if conduct else {},
            defines=defines,
            active=active,
            defeated=defeated,
        )

    def recheck(self, claim: Callable[[], bool], what: str) -> None:
        """Re-evaluate a witness plainly; a failure is a bug, reported, never a wrong answer."""
        try:
            ok = claim()
        except ComponentTooLarge:
            return
        if not ok:
            raise WitnessMismatch(what)

    def guarded(self, check: str, subject: str, span: Span,
                body: Callable[[], Iterable[Finding]]) -> None:
        """Run one check item; a solver that gives up becomes `solver-unknown`."""
        try:
            self.findings.extend(body())
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
