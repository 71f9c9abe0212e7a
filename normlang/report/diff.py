"""`normcheck diff`: status changes between two versions of a spec, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..core.findings import format_value

if TYPE_CHECKING:
    from ..runtime.meaning import StatusChange


def render_changes(changes: Sequence[StatusChange], fmt: str) -> str:
    """Each changed action with its old and new status and a situation where they differ."""
    if fmt == "json":
        from .json import witness_to_dict

        document = {"version": 1, "changed": bool(changes), "changes": [
            {"action": c.action, "old": c.old, "new": c.new,
             "witness": witness_to_dict(c.witness), "old_active": list(c.old_active),
             "old_defeated": list(c.old_defeated)} for c in changes]}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    lines: list[str] = []
    for change in changes:
        lines.append(f"`{change.action}`: {change.old} -> {change.new}")
        rows = [(name, format_value(value)) for name, value in change.witness.situation.items()]
        if rows:
            width = max(len(name) for name, _ in rows)
            lines.append("  for example in the situation")
            lines.extend(f"    {name.ljust(width)} = {value}" for name, value in rows)
        else:
            lines.append("  in every situation")
        for version, active, defeated in (
                ("old", change.old_active, change.old_defeated),
                ("new", change.witness.active, change.witness.defeated)):
            lines.append(f"  {version}: active {_names(active)}; defeated {_names(defeated)}")
    count = len(changes)
    lines.append(f"{count} action{'s' if count != 1 else ''} changed meaning" if changes
                 else "no change in meaning")
    return "\n".join(lines) + "\n"


def _names(norms: Sequence[str]) -> str:
    return ", ".join(f"`{n}`" for n in norms) if norms else "(none)"
