"""`redundant-norm` over time (time.md, example 5): a `must`/`must not` norm of layer L
whose removal changes, in no trace where it binds and the instances of L's norms in its
group can be met together, which conducts meet them, within K occurrences of each event.

Removing a norm that defeats none of its layer's norms leaves the others' activity as
it is, so it changes something exactly where some conduct meets the others and breaks
one of its instances: one ∃ trace ∃ conduct query (`TimedEncoding.breaking`), whose
model is replayed by plain evaluation before the norm is called not redundant. A norm
that may defeat one of its own layer, and groups with reactions, are not judged here.
"""

from __future__ import annotations

from typing import Any

import z3

from ..core.findings import Finding, Label
from ..engine.encode import disj
from ..engine.timeline import TimedMismatch
from ..model.spec import NormDecl, may_clash
from .context import norm_label
from .timed_findings import conduct_done

Group = Any  # checks.timed._Group (which imports this module)


def redundant_norms(group: Group, found: list[Finding]) -> list[Finding]:
    if group.enc.reactive:
        return []
    skipped = {f.norms[0] for f in found if f.kind in ("dead-norm", "shadowed-norm") and f.norms}
    out = []
    for norm in group.norms:
        if norm.modality == "may" or norm.name in skipped or _may_defeat_its_layer(group, norm):
            continue
        finding = _redundant(group, norm)
        if finding is not None:
            out.append(finding)
    return out


def _may_defeat_its_layer(group: Group, norm: NormDecl) -> bool:
    return any(other is not norm and other.layer == norm.layer and may_clash(norm, other)
               and group.enc.may_outrank(norm.name, other.name) for other in group.norms)


def _redundant(group: Group, norm: NormDecl) -> Finding | None:
    layer = [n.name for n in group.norms if n.layer == norm.layer]
    rest = [n for n in layer if n != norm.name]
    mine = group._of([norm.name])
    where, _ = group.enc.some_complies(group._of(layer))
    if _breaks(group, norm, rest, layer, where):
        return None
    binding = [group.enc.active(i) if norm.modality == "must" else i.exists for i in mine]
    if group._solve(where, disj(binding)) is None:
        return None  # it binds only where its layer's norms cannot be met together
    unbreakable = not _breaks(group, norm, [], layer)
    covering = [] if unbreakable else sorted(
        other.name for other in group.norms
        if other.name in rest and other.modality != "may"
        and not _breaks(group, norm, [other.name], layer, where))
    from .redundant import why_redundant

    labels = [Label(norm.duty_span, "changes nothing", primary=True)]
    labels += [norm_label(group.spec.norm(m), message="already demands it") for m in covering]
    return Finding(
        "redundant-norm",
        f"norm `{norm.name}` is redundant: removing it changes no trace's complying "
        f"conducts ({group.bound})",
        norm.duty_span, tuple(labels), (norm.name, *covering), None,
        (why_redundant(norm, covering, unbreakable),))


def _breaks(group: Group, norm: NormDecl, others: list[str], layer: list[str],
            where: z3.BoolRef | None = None) -> bool:
    """Whether some trace (where `where` holds) has a conduct that meets the instances of
    `others` and breaks one of `norm`'s; its model is replayed plainly."""
    meets, conduct, used = group.enc.breaking(group._of(others), group._of([norm.name]))
    model = group._solve(meets, *([where] if where is not None else []))
    if model is None:
        return False
    timeline = group._timeline(group._trace(model))
    done = conduct_done(model, conduct, used, group.actions)
    of = [i for i in timeline.instances if i.norm.name in others]
    broken = [i for i in timeline.instances if i.norm is norm]
    if (not timeline.assumes_hold() or not timeline.meets(of, done)
            or not any(timeline.breaks(i, done) for i in broken)
            or (where is not None and not timeline.complies(
                [i for i in timeline.instances if i.norm.name in layer]))):
        raise TimedMismatch(f"a conduct breaking {norm.name} but meeting {others}")
    return True

