"""Every single-norm check of one group, in order: dead (`dead.py`), shadowed and
overridden, with the values sacrificed (`defeated.py`), undermined permissions
(`undermined.py`), redundant norms (`redundant.py`)."""

from __future__ import annotations

from functools import partial

from ..engine.structure import Group
from .context import CheckContext
from .dead import dead
from .defeated import shadowed_and_overridden
from .redundant import redundant
from .undermined import undermined


def check_group_norms(ctx: CheckContext, group: Group) -> None:
    """Every single-norm check of one group: dead, then shadowed and overridden, then
    undermined permissions and redundancy (which skip dead or shadowed norms)."""
    # norms that may be dead or shadowed: the solver gave up on the question (and that is
    # reported); redundancy, reported only for norms that are neither, is not asked of them
    undecided: set[str] = set()
    for norm in group.norms:
        if not ctx.guarded("whether it can apply", f"norm `{norm.name}`", norm.span,
                           partial(dead, ctx, norm)):
            undecided.add(norm.name)
    for norm in group.norms:
        if norm.name not in ctx.dead and not ctx.guarded(
                "whether it is ever active", f"norm `{norm.name}`", norm.span,
                partial(shadowed_and_overridden, ctx, norm)):
            undecided.add(norm.name)
    for norm in group.norms:
        if norm.modality == "may" and norm.name not in ctx.dead | ctx.shadowed:
            ctx.guarded("whether the permission can be used", f"norm `{norm.name}`", norm.span,
                        partial(undermined, ctx, norm))
    for norm in group.norms:
        if norm.modality != "may" and norm.name not in ctx.dead | ctx.shadowed | undecided:
            ctx.guarded("whether it is redundant", f"norm `{norm.name}`", norm.span,
                        partial(redundant, ctx, norm))
