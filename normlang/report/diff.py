"""`normcheck diff`: status changes between two versions of a spec, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..core.escape import escaped
from ..core.findings import format_value

if TYPE_CHECKING:
    from ..runtime.meaning import StatusChange


def _change_dict(change: StatusChange) -> dict[str, object]:
    from .json import witness_to_dict

    return {"action": change.action, "old": change.old, "new": change.new,
            "witness": witness_to_dict(change.witness), "old_active": list(change.old_active),
            "old_defeated": list(change.old_defeated)}


def render_changes(changes: Sequence[StatusChange], fmt: str) -> str:
    """Each changed action with its old and new status and a situation where they differ."""
    if fmt == "json":
        document = {"version": 1, "changed": bool(changes),
                    "changes": [_change_dict(c) for c in changes]}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return "\n".join(_change_lines(changes)) + "\n"


def render_files(results: Sequence[tuple[str, str, Sequence[StatusChange]]], fmt: str) -> str:
    """The changes of several files (two folders, or revisions), file by file: each file's
    status is `changed`, `unchanged`, `added` or `removed`."""
    if fmt == "json":
        document = {"version": 1, "changed": any(s != "unchanged" for _n, s, _c in results),
                    "files": [{"file": name, "status": status,
                               "changes": [_change_dict(c) for c in changes]}
                              for name, status, changes in results]}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    lines: list[str] = []
    for name, status, changes in results:
        if status == "unchanged":
            continue
        lines.append(f"{escaped(name)}: {status}")
        if changes:
            lines.extend("  " + line for line in _change_lines(changes))
    touched = sum(1 for _n, status, _c in results if status != "unchanged")
    lines.append(f"{touched} of {len(results)} file{'s' if len(results) != 1 else ''} changed"
                 if touched else f"no change in meaning in {len(results)} "
                                 f"file{'s' if len(results) != 1 else ''}")
    return "\n".join(lines) + "\n"


def _change_lines(changes: Sequence[StatusChange]) -> list[str]:
    lines: list[str] = []
    for change in changes:
        lines.append(f"`{change.action}`: {change.old} -> {change.new}")
        rows = [(escaped(name), escaped(format_value(value)))
                for name, value in change.witness.situation.items()]
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
    return lines


def _names(norms: Sequence[str]) -> str:
    return ", ".join(f"`{n}`" for n in norms) if norms else "(none)"
