"""Every semantic check of the design, in the order they run (the `CHECKS` tuple)."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..api import CheckOptions, Progress
from ..findings import Finding
from ..spec import Spec
from .context import CheckContext
from .conflicts import check_conflicts
from .expectations import check_expectations, check_scenarios
from .norms import check_norms, check_permissions, check_redundant
from .priority import check_situational_cycles, check_static_cycles

Check = Callable[[CheckContext], None]

#: the checks, in order; dead and shadowed norms are found first so later checks skip them
CHECKS: tuple[tuple[str, Check], ...] = (
    ("priority cycles", check_situational_cycles),
    ("conflicts", check_conflicts),
    ("norms", check_norms),
    ("permissions", check_permissions),
    ("redundancy", check_redundant),
    ("expectations", check_expectations),
    ("scenarios", check_scenarios),
)


def run_checks(spec: Spec, options: CheckOptions, progress: Progress | None = None) -> list[Finding]:
    """Prove every property of the design on `spec`; return the findings, sorted."""
    from ..query import Runtime
    from ..semantics import Engine
    from ..solver import Limits, SolverGaveUp

    deadline = None if options.run_timeout_s is None else time.monotonic() + options.run_timeout_s
    limits = Limits(options.timeout_ms, deadline, options.memory_mb)
    try:
        engine = Engine(spec, limits)
    except SolverGaveUp as gave_up:
        return [_unknown_spec(spec, gave_up.reason)]
    ctx = CheckContext(spec, engine, Runtime(spec))
    if check_static_cycles(ctx):
        return sorted(ctx.findings, key=Finding.sort_key)
    for done, (name, check) in enumerate(CHECKS):
        if progress is not None:
            progress(name, done, len(CHECKS))
        check(ctx)
    if progress is not None:
        progress("done", len(CHECKS), len(CHECKS))
    return sorted(_unique(ctx.findings), key=Finding.sort_key)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str, int]] = set()
    out = []
    for finding in findings:
        key = (finding.kind, finding.message, finding.span.path, finding.span.start)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def _unknown_spec(spec: Spec, reason: str) -> Finding:
    from ..findings import Label
    from ..source import Span

    norms = sorted(spec.norms, key=lambda n: (n.span.path, n.span.start))
    span = norms[0].span if norms else Span(spec.root, 0, 0, 1, 1, 1, 1)
    return Finding("solver-unknown", f"could not analyse the spec: {reason}", span,
                   (Label(span, "undecided", primary=True),))


__all__ = ["CHECKS", "run_checks"]
