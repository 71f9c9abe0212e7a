"""A standing `must φ` in a spec with time (time.md, "Decisions"): it demands φ at every
instant where it applies (the atemporal meaning, at each instant).

Conduct does something at finitely many instants of a bounded interval, and the facts
a standing norm reads do not change, so:

- where doing nothing meets φ, the norm forbids at every instant what breaks φ: it is
  the standing ban `must not (not φ)`, and is checked as one;
- where it does not, no conduct complies wherever the norm applies and binds: a
  `conflict` of that norm alone (or `dead-norm` where it never applies). A norm that
  another may defeat is refused here, since defeat is local to the winner's window
  and the norm would bind outside it, which this reading does not spell out yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..core.findings import Finding, Label
from ..engine.evaluate import compile_expr, names_in
from ..model.imports import error
from ..model.spec import NormDecl, Not, Spec, may_clash
from .context import norm_label

Group = Any  # checks.timed._Group (which imports this module)


def standing_musts(spec: Spec, group_of: Callable[[Spec, list[NormDecl]], Group]
                   ) -> tuple[Spec, list[Finding]]:
    """The spec with each standing `must` read as above (those that cannot be obeyed
    left out), and the findings about those."""
    assert spec.time is not None
    timed = spec.time.timed
    nothing = dict.fromkeys(spec.actions, False)
    norms: list[NormDecl] = []
    found: list[Finding] = []
    for norm in spec.norms:
        standing = timed.get(norm.name)
        if norm.modality != "must" or standing is None or not standing.standing:
            norms.append(norm)
        elif names_in(norm.target)[0]:
            found.append(error("type-error", "a standing `must` whose target reads facts is "
                               "not supported yet in a spec with time", norm.duty_span))
        elif compile_expr(norm.target)(nothing):
            norms.append(replace(norm, modality="must not", target=Not(norm.target)))
        elif any(other is not norm and may_clash(other, norm) and _may_outrank(spec, other, norm)
                 for other in spec.norms):
            found.append(error("type-error", "a standing `must` that another norm may defeat "
                               "is not supported yet in a spec with time", norm.duty_span,
                               "write it `on EVENT` with a window"))
        else:
            found.append(_unobeyable(group_of(spec, [norm]), norm))
    return replace(spec, norms=tuple(norms)), found


def _may_outrank(spec: Spec, higher: NormDecl, lower: NormDecl) -> bool:
    if higher.rank < lower.rank:
        return True
    seen, stack = set(), [higher.name]
    while stack:
        name = stack.pop()
        for edge in spec.edges:
            if edge.higher == name and edge.lower not in seen:
                if edge.lower == lower.name:
                    return True
                seen.add(edge.lower)
                stack.append(edge.lower)
    return False


def _unobeyable(group: Group, norm: NormDecl) -> Finding:
    """A conflict of the norm alone where it applies (it demands φ at every instant, and
    at all but finitely many nothing is done), or dead where it never does."""
    (instance,) = group._of([norm.name])
    model = group._solve(instance.exists)
    if model is None:
        return Finding("dead-norm", f"norm `{norm.name}` never applies: its conditions never "
                       f"hold ({group.bound})", norm.span,
                       (Label(norm.span, "never applies", primary=True),), (norm.name,))
    trace = group._trace(model)
    timeline = group._timeline(trace)
    if not timeline.assumes_hold() or not timeline.instances:
        from ..engine.timeline import TimedMismatch

        raise TimedMismatch(f"standing {norm.name}")
    return Finding("conflict", f"norm `{norm.name}` cannot be obeyed", norm.duty_span,
                   (norm_label(norm, primary=True),), (norm.name,),
                   group._witness(trace, timeline, [norm.name]),
                   help=("a standing `must` in a spec with time demands its target at every "
                         "instant where it applies, and at all but finitely many instants "
                         "nothing is done; write it `on EVENT` with a window",))
