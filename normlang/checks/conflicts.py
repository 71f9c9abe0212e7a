"""`conflict`: situations in which no conduct complies, each with a minimal set of norms."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..core.findings import Finding, Label
from ..engine.conflict_sets import ConflictSet
from ..engine.evaluate import Env
from ..engine.structure import Group
from .context import CheckContext, backticked, by_position, norm_label


def check_group_conflicts(ctx: CheckContext, group: Group) -> None:
    if not any(n.modality != "may" for n in group.norms) and not group.constraints:
        return
    span = (group.norms[0].span if group.norms else group.constraints[0].span)
    ctx.guarded("conflicts", f"the norms of `{group.norms[0].name}`" if group.norms
                else "the constraints", span, lambda: _group_conflicts(ctx, group))


def _group_conflicts(ctx: CheckContext, group: Group) -> list[Finding]:
    found = ctx.engine.conflicts(group)
    findings = sorted((_finding(ctx, group, item) for item in found.sets), key=Finding.sort_key)
    if found.capped and findings:
        # the note goes on the last of the group's findings, as they are listed
        cap = ctx.engine.max_conflicts
        findings[-1] = replace(findings[-1], help=(
            *findings[-1].help,
            f"these norms have more minimal conflicting sets: listing stopped at {cap} "
            f"(`max-conflicts`); the situations of the rest are still taken into account"))
    return findings


def _finding(ctx: CheckContext, group: Group, found: ConflictSet) -> Finding:
    norms = by_position(ctx.norm(n) for n in found.norms)
    assert found.model is not None, "conflicts are reported by the task that finds them"
    witness = ctx.witness(found.model, groups=[group])
    env, _ = ctx.runtime.situation_env(witness.situation, complete=not ctx.scoped)
    # if no conduct of the group's own actions complies, none of the whole spec does: the
    # rest need not be evaluated (a spec whose N groups all conflict would take N²
    # evaluations); a group without actions is judged on the whole spec
    actions: Iterable[str] = group.actions or ctx.spec.actions
    only = actions if group.actions or ctx.scoped else None
    ctx.recheck(lambda: set(found.norms) <= ctx.active_in(witness, found.norms)
                and ctx.runtime.statuses(env, set(witness.active), actions, only)[1]
                and _minimal_here(ctx, group, found.norms, env),
                f"conflict of {sorted(found.norms)}")
    names = [n.name for n in norms]
    if len(norms) >= 2:
        verb = "both" if len(norms) == 2 else "all"
        message = f"norms {backticked(names)} cannot {verb} be obeyed"
    elif norms:
        message = f"norm `{names[0]}` cannot be obeyed under the constraints"
    else:
        message = "the constraints admit no conduct"
    if any(n.serves for n in norms):
        message += " (" + " vs ".join(", ".join(n.serves) or "no value" for n in norms) + ")"
    labels = [norm_label(n, primary=(i == 0)) for i, n in enumerate(norms)]
    labels += [Label(c.span, "constrains conduct", primary=not norms and i == 0)
               for i, c in enumerate(group.constraints) if not norms or i == 0]
    help_lines = (["in the witness situation every one of these norms is active, and no "
                   "conduct meets all their demands together"] if norms else
                  ["in the witness situation no conduct meets the conduct constraints"])
    if group.constraints and norms:
        help_lines.append("the conduct constraints of these actions are taken into account")
    return Finding(
        "conflict", message, labels[0].span, tuple(labels), tuple(sorted(names)), witness,
        tuple(help_lines), tuple(tuple(ctx.norm(n).serves) for n in sorted(names)),
    )


def _minimal_here(ctx: CheckContext, group: Group, names: tuple[str, ...], env: Env) -> bool:
    """Plainly: no conduct of the group meets the set's demands (and the constraints) in this
    situation, and one meets them without any one of its norms."""
    runtime = ctx.runtime
    actions = list(group.actions)
    tests = [check for check, _acts in runtime.constraints_of(actions)]

    def met(chosen: list[str]) -> bool:
        demands = [runtime.norms[n].demand for n in chosen]
        return any(True for _ in runtime._conducts(env, actions, [*tests, *demands]))

    return not met(list(names)) and all(met([m for m in names if m != n]) for n in names)
