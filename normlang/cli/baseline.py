"""Baselines: the findings a team has accepted, not reported again.

`normcheck --write-baseline FILE` records the findings of a run; with `baseline = "FILE"` in
`[tool.normcheck]` (or `--baseline FILE`), a finding recorded there is dropped. A finding is
matched by its kind, its root file, its norms and a hash of the source text it points at
(whitespace collapsed), not by its line: moving a norm keeps it matched, editing it does not.
Each recorded entry drops at most one finding, so a second finding of the same shape is new.
"""

from __future__ import annotations

from pathlib import Path

from .common import UsageError

#: typing.TYPE_CHECKING without importing typing: a warm run imports as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ..core.findings import Finding
    from ..core.source import SourceFile

BASELINE_VERSION = 1


def fingerprint(finding: Finding, sources: dict[str, SourceFile]) -> dict[str, Any]:
    """What identifies a finding across edits elsewhere in its files."""
    import hashlib

    pieces = [finding.kind]
    for span in [finding.span, *(label.span for label in finding.labels)]:
        source = sources.get(span.path)
        text = source.text[span.start:span.end] if source is not None else ""
        pieces.append(f"{span.path}\0{' '.join(text.split())}")
    digest = hashlib.sha256("\n".join(pieces).encode("utf-8", "surrogatepass")).hexdigest()
    return {"kind": finding.kind, "root": finding.root or finding.span.path,
            "norms": list(finding.norms), "hash": digest[:32]}


def _key(entry: dict[str, Any]) -> tuple[str, str, tuple[str, ...], str]:
    return (str(entry["kind"]), str(entry["root"]), tuple(str(n) for n in entry["norms"]),
            str(entry["hash"]))


def write_baseline(path: Path, findings: list[Finding], sources: dict[str, SourceFile]
                   ) -> tuple[int, list[str]]:
    """Record `findings` in `path`: how many were recorded, and the kinds of those that are
    always shown (never recorded), one per finding."""
    import json

    from ..core.suppress import UNSILENCEABLE

    entries = []
    kept_out = []
    for finding in findings:
        if finding.kind in UNSILENCEABLE:
            kept_out.append(finding.kind)
            continue
        entry = fingerprint(finding, sources)
        entry["file"], entry["message"] = finding.span.path, finding.message  # for readers only
        entries.append(entry)
    document = {"version": BASELINE_VERSION, "findings": entries}
    refuse_to_overwrite(path)
    try:
        from .cache import atomic_write

        atomic_write(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except OSError as problem:
        raise UsageError(f"cannot write the baseline `{path}`: "
                         f"{problem.strerror or problem}") from None
    return len(entries), kept_out


def refuse_to_overwrite(path: Path) -> None:
    """A usage error unless `path` is free or holds a baseline: `--write-baseline` replaces
    only its own kind of file, never a configuration, a spec or anything else of the user's."""
    import json

    if not path.exists() and not path.is_symlink():
        return
    try:
        document = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, ValueError, RecursionError):
        document = None
    if not (isinstance(document, dict) and "version" in document
            and isinstance(document.get("findings"), list)):
        raise UsageError(f"--write-baseline: `{path}` exists and is not a normcheck baseline; "
                         f"normcheck does not overwrite it (name a new file)")


def read_baseline(path: Path, where: str) -> list[tuple[str, str, tuple[str, ...], str]]:
    """The entries of the baseline at `path` (`where` names the flag or setting that gave it)."""
    import json

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{where}: the baseline `{path}` does not exist (make it with "
                         f"`normcheck --write-baseline {path}`)") from None
    except (OSError, ValueError) as problem:
        raise UsageError(f"{where}: cannot read the baseline `{path}`: {problem}") from None
    try:
        if document["version"] != BASELINE_VERSION:
            raise UsageError(f"{where}: the baseline `{path}` has version "
                             f"{document['version']!r}; this normcheck reads version "
                             f"{BASELINE_VERSION}")
        return [_key(entry) for entry in document["findings"]]
    except (KeyError, TypeError):
        raise UsageError(f"{where}: `{path}` is not a normcheck baseline") from None


def drop_baselined(findings: list[Finding], sources: dict[str, SourceFile],
                   entries: list[tuple[str, str, tuple[str, ...], str]]) -> list[Finding]:
    """`findings` without those the baseline records (each entry drops at most one)."""
    left: dict[tuple[str, str, tuple[str, ...], str], int] = {}
    for entry in entries:
        left[entry] = left.get(entry, 0) + 1
    from ..core.suppress import UNSILENCEABLE

    kept = []
    for finding in findings:
        if finding.kind in UNSILENCEABLE:  # never hidden: see suppress.py
            kept.append(finding)
            continue
        key = _key(fingerprint(finding, sources))
        if left.get(key, 0) > 0:
            left[key] -= 1
        else:
            kept.append(finding)
    return kept


__all__ = ["drop_baselined", "fingerprint", "read_baseline", "refuse_to_overwrite", "write_baseline"]
