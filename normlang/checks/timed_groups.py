"""What the timed checks start from: the specs the timed engine refuses because doing
nothing could break something, and the groups of norms that share an action (checked
apart, as language.md's groups)."""

from __future__ import annotations

from collections.abc import Sequence, Set

import z3

from ..core.findings import Finding
from ..engine.evaluate import compile_expr, names_in
from ..model.spec import TRUE, ActionRef, And, NormDecl, Or, Spec


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
        solver = z3.SimpleSolver()
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


def clash_relevant(spec: Spec, duties: Sequence[NormDecl], bans: Set[str] = frozenset(),
                   demands: Set[str] = frozenset()) -> list[NormDecl]:
    """The duties of a group without priority that a minimal conflict can contain, or
    that can change the answer to a question over its complying conducts that also
    forbids the actions `bans` and does the actions `demands`.

    Two kinds of duty are left out, as they can always be met on top of a complying
    conduct of the others:
    - a ban on actions that no `must` (nor the question) demands, where every ban is an
      and/or of actions and no constraint or condition reads actions: the others'
      conduct without those actions still complies, and meets the ban;
    - a `must` whose target is an and/or of *free* actions (read by no ban kept,
      constraint, condition or non-positive target), whose actions trigger only such
      musts: doing its actions at once breaks nothing and triggers only more of the
      same (and, met, it needs no repair).
    So a set with one of them is a conflict only if the set without it is."""
    steps = spec.time.timed if spec.time else {}
    demanded: set[str] = set(demands)
    for norm in duties:
        if norm.modality == "must":
            demanded |= names_in(norm.target)[1]
        for step in steps[norm.name].otherwise if norm.name in steps else ():
            demanded |= names_in(step.target)[1]
    read_elsewhere = any(names_in(c.expr)[1] for c in spec.constraints) or any(
        names_in(n.applicable)[1] for n in duties)
    idle = set() if read_elsewhere or not all(
        positive(n.target) for n in duties if n.modality == "must not") else {
        n.name for n in duties if n.modality == "must not"
        and not names_in(n.target)[1] & demanded}
    bound: set[str] = set(bans)
    for constraint in spec.constraints:
        bound |= names_in(constraint.expr)[1]
    for norm in duties:
        bound |= names_in(norm.applicable)[1]
        if norm.name not in idle and (norm.modality != "must" or not positive(norm.target)):
            bound |= names_in(norm.target)[1]
        for step in steps[norm.name].otherwise if norm.name in steps else ():
            if step.modality == "must not" or not positive(step.target):
                bound |= names_in(step.target)[1]
    easy = {n.name for n in duties
            if n.modality == "must" and positive(n.target) and n.name in steps
            and not steps[n.name].standing and not names_in(n.target)[1] & bound}
    triggered_by: dict[str, list[str]] = {}
    for norm in duties:
        if norm.name in steps and steps[norm.name].by_action and norm.name not in idle:
            triggered_by.setdefault(steps[norm.name].trigger, []).append(norm.name)
    changed = True
    while changed:  # an easy norm's actions trigger only easy norms (or idle bans)
        changed = False
        for norm in duties:
            if norm.name in easy and any(
                    other not in easy for action in names_in(norm.target)[1]
                    for other in triggered_by.get(action, ())):
                easy.discard(norm.name)
                changed = True
    return [n for n in duties if n.name not in easy and n.name not in idle]


def positive(target: object) -> bool:
    """Whether `target` is an and/or of actions (doing more of them never breaks it)."""
    if isinstance(target, ActionRef) or target == TRUE:
        return True
    if isinstance(target, (And, Or)):
        return (bool(target.items) or isinstance(target, And)) and all(
            positive(item) for item in target.items)
    return False
