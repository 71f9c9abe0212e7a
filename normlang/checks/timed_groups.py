"""What the timed checks start from: the specs the timed engine refuses because doing
nothing could break something, and the groups of norms that share an action (checked
apart, as language.md's groups)."""

from __future__ import annotations

from collections.abc import Sequence

import z3

from ..core.findings import Finding
from ..engine.evaluate import compile_expr, names_in
from ..model.spec import NormDecl, Spec


def empty_conduct_problems(spec: Spec) -> list[Finding]:
    """The timed engine's conduct does nothing between its witnesses: refuse the specs
    where doing nothing could break a norm or a constraint (not supported yet)."""
    from ..model.imports import error

    found = []
    nothing = dict.fromkeys(spec.actions, False)
    events = set(spec.time.events) if spec.time else set()
    steps = spec.time.timed if spec.time else {}
    for norm in spec.norms:
        bans = [norm.target] if norm.modality == "must not" else []
        if norm.name in steps:
            bans += [s.target for s in steps[norm.name].otherwise if s.modality == "must not"]
        if any(compile_expr(target)(nothing) for target in bans):
            found.append(error("type-error", f"`{norm.name}` forbids doing nothing: such "
                               "`must not` norms are not supported yet in a spec with time",
                               norm.duty_span))
    for constraint in spec.constraints:
        facts, _ = names_in(constraint.expr)
        solver = z3.Solver()
        if facts & events or _may_fail_on_nothing(spec, constraint.expr, solver):
            found.append(error("type-error", "constraints that doing nothing can break, or "
                               "that read events, are not supported yet in a spec with time",
                               constraint.span))
    return found


def _may_fail_on_nothing(spec: Spec, expr: object, solver: z3.Solver) -> bool:
    from ..engine.encode import Encoder

    encoder = Encoder(spec)
    nothing = {a: z3.BoolVal(False) for a in spec.actions}
    solver.add(z3.Not(encoder.term(expr, nothing)))  # type: ignore[arg-type]
    return bool(solver.check() != z3.unsat)


def groups(spec: Spec) -> list[tuple[list[NormDecl], list[str]]]:
    """Norms connected by a shared action (or a constraint over both), with their actions."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(items: Sequence[str]) -> None:
        for other in items[1:]:
            parent[find(other)] = find(items[0])

    steps = spec.time.timed if spec.time else {}
    for norm in spec.norms:
        acts = set(names_in(norm.target)[1])
        for step in steps[norm.name].otherwise if norm.name in steps else ():
            acts |= names_in(step.target)[1]
        if norm.name in steps and steps[norm.name].by_action:
            acts.add(steps[norm.name].trigger)
        join([f"n:{norm.name}", *(f"a:{a}" for a in sorted(acts))])
    for constraint in spec.constraints:
        join([f"a:{a}" for a in sorted(names_in(constraint.expr)[1])])
    by_root: dict[str, list[NormDecl]] = {}
    for norm in spec.norms:
        by_root.setdefault(find(f"n:{norm.name}"), []).append(norm)
    out = []
    for members in by_root.values():
        actions = sorted(a for a in spec.actions if find(f"a:{a}") == find(f"n:{members[0].name}"))
        out.append((members, actions))
    return out
