"""The checks of norms defeated by priority: `shadowed-norm` (never active), `overridden`
(defeated in some situation by a norm that clashes with it) and `value-sacrificed` (a
value the defeated norm serves)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import z3

from ..core.findings import Finding, Label, Witness
from ..engine.conflict_search import Engine
from ..engine.encode import conj, is_false_term, neg
from ..engine.evaluate import Env
from ..engine.solver import is_sat
from ..engine.views import View
from ..model.spec import NormDecl
from .context import CheckContext, backticked, norm_label
from .dead import mark


def _superiors(ctx: CheckContext, norm: NormDecl) -> list[NormDecl]:
    group = ctx.engine.group_of[norm.name]
    view = ctx.engine.full
    return [m for m in group.norms
            if m.name != norm.name and view.priority.may_precede(m.name, norm.name)
            and not ctx.engine.never_together(m, norm)
            and not is_false_term(ctx.engine.clash(m, norm))]


def shadowed_and_overridden(ctx: CheckContext, norm: NormDecl) -> Iterable[Finding]:
    engine, view = ctx.engine, ctx.engine.full
    group = engine.group_of[norm.name]
    superiors = _superiors(ctx, norm)
    if not superiors:
        return []
    solver = engine.solvers.get(("activity", group.index), lambda: engine.new_solver(
        *view.definitions(group), facts=engine.group_facts(group)))
    findings: list[Finding] = []
    winners: list[NormDecl] = []
    for winner in superiors:
        defeat = conj(engine.applicable(norm), view.act[winner.name],
                        view.prec(winner.name, norm.name), engine.clash(winner, norm))
        if not is_sat(solver, engine.limits, mark(solver, defeat)):
            continue
        winners.append(winner)
        witness = ctx.witness(solver.model(), groups=[group])
        env, _ = ctx.runtime.situation_env(witness.situation, complete=False)
        ctx.recheck(partial(_overrides_here, ctx, env, winner, norm, witness),
                    f"`{winner.name}` overrides `{norm.name}`")
        findings.append(_overridden(ctx, norm, winner, witness))
    if winners and not is_sat(solver, engine.limits, mark(solver, view.act[norm.name])):
        ctx.shadowed.add(norm.name)
        always = [w for w in winners if not is_sat(solver, engine.limits, mark(solver, conj(
            engine.applicable(norm), neg(_defeats(engine, view, w, norm)))))]
        shown = always or winners
        names = backticked(w.name for w in shown)
        if always:
            message = (f"norm `{norm.name}` is never active: {names} always "
                       f"{'defeats' if len(always) == 1 else 'defeat'} it")
        else:
            message = (f"norm `{norm.name}` is never active: wherever it applies, one of "
                       f"{names} defeats it")
        labels = [Label(norm.duty_span, "never active", primary=True)]
        labels += [norm_label(w, message="defeats it") for w in shown]
        findings.append(Finding(
            "shadowed-norm", message, norm.duty_span, tuple(labels),
            (norm.name, *sorted(w.name for w in shown)), None,
            ("wherever it applies, a norm of higher priority that clashes with it is active",),
        ))
    findings.extend(_sacrificed(ctx, norm, winners, solver))
    return findings


def _defeats(engine: Engine, view: View, winner: NormDecl, loser: NormDecl) -> z3.BoolRef:
    return conj(view.act[winner.name], view.prec(winner.name, loser.name),
                  engine.clash(winner, loser))


def _values_phrase(ctx: CheckContext, loser: NormDecl, winner: NormDecl) -> str:
    if not loser.serves and not winner.serves:
        return ""
    return f" ({', '.join(winner.serves) or 'no value'} vs {', '.join(loser.serves) or 'no value'})"


def _overridden(ctx: CheckContext, loser: NormDecl, winner: NormDecl, witness: object) -> Finding:
    return Finding(
        "overridden",
        f"norm `{loser.name}` is overridden by `{winner.name}`{_values_phrase(ctx, loser, winner)}",
        loser.duty_span,
        (Label(loser.duty_span, "overridden", primary=True),
         norm_label(winner, message="wins: higher priority")),
        (loser.name, winner.name), witness,  # type: ignore[arg-type]
        ("the two norms clash here; priority (layers, `overrides`, `prefer`) resolves it",),
        (tuple(winner.serves), tuple(loser.serves)),  # winner first, as the message says
    )


def _sacrificed(ctx: CheckContext, loser: NormDecl, winners: list[NormDecl],
                solver: z3.Solver) -> list[Finding]:
    """`value-sacrificed`: for each value the loser serves, a situation where it loses."""
    out = []
    engine, view = ctx.engine, ctx.engine.full
    for value in loser.serves:
        for winner in winners:
            defeat = conj(engine.applicable(loser), view.act[winner.name],
                            view.prec(winner.name, loser.name), engine.clash(winner, loser))
            if is_sat(solver, engine.limits, mark(solver, defeat)):
                served = ", ".join(f"`{v}`" for v in winner.serves) or "no value"
                out.append(Finding(
                    "value-sacrificed",
                    f"value `{value}` is sacrificed: `{loser.name}` yields to `{winner.name}` "
                    f"(serving {served})",
                    loser.duty_span,
                    (Label(loser.duty_span, f"serves `{value}`", primary=True),
                     norm_label(winner, message="wins")),
                    (loser.name, winner.name),
                    ctx.witness(solver.model(), groups=[engine.group_of[loser.name]]), (),
                    (tuple(winner.serves), (value,)),  # winner first
                ))
                break
    return out


def _overrides_here(ctx: CheckContext, env: Env, winner: NormDecl, norm: NormDecl,
                    witness: Witness) -> bool:
    """Plainly: in the witness situation `winner` is active, `norm` applicable, `winner`
    precedes it and the two clash."""
    runtime = ctx.runtime
    return (winner.name in ctx.active_in(witness, [winner.name, norm.name])
            and norm.name in runtime.applicable(env, among=[norm.name])
            and runtime.precedes(env, winner.name, norm.name)
            and runtime.clash(env, winner.name, norm.name, not ctx.engine.merged))
