"""Every semantic check of the design, in the order they run.

1. once per spec: priority cycles (a cycle, static or situational, stops everything);
2. per chunk of groups: conflicts (`check_group_conflicts`), exported as text;
3. per chunk of groups: dead, shadowed, overridden, undermined, redundant norms
   (`check_group_norms`), reading the conflicts of every group;
4. once per spec: expectations and scenarios.

Steps 2 and 3 are independent tasks (see `tasks.py`), run in parallel processes
with `CheckOptions.jobs` > 1.
"""

from __future__ import annotations

import time

from ..core.findings import Finding
from ..core.options import CheckOptions, Progress
from ..model.spec import Spec
from .conflicts import check_group_conflicts
from .context import SCOPED_WITNESS_NORMS, CheckContext
from .expectations import check_expectations, check_scenarios
from .norms import check_group_norms
from .priority import check_situational_cycles, check_static_cycles
from .tasks import Shared, chunk_groups, fresh_z3_context, repeatable, run_tasks, shared

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..engine.solver import Limits

STEPS = ("priority cycles", "conflicts", "norms", "expectations")


def run_checks(spec: Spec, options: CheckOptions, progress: Progress | None = None) -> list[Finding]:
    """Prove every property of the design on `spec`; return the findings, sorted."""
    if not (spec.norms or spec.constraints or spec.expectations or spec.scenarios):
        return []  # every finding needs one of them (a vocabulary file): no solver is needed
    from ..core.one_check import CHECK_LOCK
    from ..engine.solver import RunTimeUp

    with CHECK_LOCK, repeatable():  # one check at a time per process (see core.one_check)
        try:
            if spec.time is not None:
                return _cited(spec, _timed_checks(spec, options))
            return _cited(spec, _run_checks(spec, options, progress))
        except RunTimeUp:
            return [_unknown_spec(spec, "the run's time limit (`run-timeout`) was reached")]


def _run_checks(spec: Spec, options: CheckOptions, progress: Progress | None) -> list[Finding]:
    from ..engine.solver import run_guard

    limits = _limits(options)
    with run_guard(limits):  # every z3 call, not only checks, stops at the run's deadline
        return _check_within(spec, limits, progress, options)


def _limits(options: CheckOptions) -> Limits:
    from ..engine.solver import Limits

    deadline = None if options.run_timeout_s is None else time.monotonic() + options.run_timeout_s
    return Limits(options.timeout_ms, deadline, options.memory_mb)


def _check_within(spec: Spec, limits: Limits, progress: Progress | None,
                  options: CheckOptions) -> list[Finding]:
    from ..engine.conflict_sets import KnownConflicts

    state = prepare(spec, options, limits)
    if isinstance(state, Finding):
        return [state]

    def step(name: str) -> None:
        if progress is not None:
            progress(name, STEPS.index(name), len(STEPS))

    step("priority cycles")
    ctx = _context(state)
    if check_static_cycles(ctx) or check_situational_cycles(ctx):
        # a priority cycle, in every situation or in some, makes the spec malformed: where
        # it holds, which norms are defeated is undefined (see docs/language.md)
        return sorted(ctx.findings, key=Finding.sort_key)
    findings = list(ctx.findings)

    step("conflicts")
    known = KnownConflicts(analysed={*state.views, *state.upto_views})
    for found, exported in run_tasks(state, _conflicts_task, options.jobs):
        findings.extend(found)
        known.update(exported)  # type: ignore[arg-type]
    state.known = known

    step("norms")
    for found, _ in run_tasks(state, _norms_task, options.jobs):
        findings.extend(found)

    step("expectations")
    ctx = _context(state)
    check_expectations(ctx)
    check_scenarios(ctx)
    findings.extend(ctx.findings)
    if progress is not None:
        progress("done", len(STEPS), len(STEPS))
    return sorted(_unique(findings), key=Finding.sort_key)


def prepare(spec: Spec, options: CheckOptions, limits: Limits | None = None) -> Shared | Finding:
    """What every chunk's task reads: the spec laid out in groups, cut in chunks (or the
    `solver-unknown` finding of a layout z3 could not decide)."""
    from ..engine.concrete import Runtime
    from ..engine.situations import lay_out
    from ..engine.solver import SolverGaveUp

    limits = limits or _limits(options)
    runtime = Runtime(spec)
    fresh_z3_context(options.memory_mb)
    try:
        layout = lay_out(spec, limits, runtime.maybe_unmeetable, _layers_alone(spec))
    except SolverGaveUp as gave_up:
        return _unknown_spec(spec, gave_up.reason, gave_up.check)
    ranks = sorted({n.rank for n in spec.norms})
    return Shared(spec, layout, runtime, limits, chunk_groups(layout.groups),
                  scoped=len(spec.norms) > SCOPED_WITNESS_NORMS,
                  views=("", *(f"layer:{name}" for name in _layers_alone(spec))),
                  upto_views=tuple(f"upto{rank}" for rank in ranks),
                  max_conflicts=options.max_conflicts)


def run_chunk(state: Shared, name: str, index: int, known: object) -> tuple[list[Finding], object]:
    """One chunk's task (`_conflicts_task` or `_norms_task`, by name) on `state`, as a
    worker of a cluster runs it: what a forked local worker would return for it."""
    from ..core.one_check import CHECK_LOCK
    from . import tasks

    task = {"_conflicts_task": _conflicts_task, "_norms_task": _norms_task}[name]
    with CHECK_LOCK, repeatable():
        state.known = known
        tasks._shared = state
        try:
            return task(index)
        finally:
            tasks.collect_now()


def _timed_checks(spec: Spec, options: CheckOptions) -> list[Finding]:
    """A spec with time goes to the temporal engine (time.md) as a whole."""
    import z3

    from ..engine.solver import run_guard
    from .timed import run_timed_checks

    with run_guard(_limits(options)):  # the run's deadline holds here too
        try:
            # a context of its own, as for the checks without time: its witnesses then do
            # not depend on what ran before in the process
            fresh_z3_context(options.memory_mb)
            return run_timed_checks(spec, options)
        except z3.Z3Exception as gave_up:
            return [_unknown_spec(spec, f"the temporal engine did not decide: {gave_up}")]


def _cited(spec: Spec, findings: list[Finding]) -> list[Finding]:
    """Every label on a norm that cites a `"SOURCE"` carries it: a finding shows where the
    norms it is about come from."""
    from dataclasses import replace

    sources = {n.duty_span: n.source for n in spec.norms if n.source}
    if not sources:
        return findings
    cited = []
    for finding in findings:
        labels = tuple(replace(label, message=f"{label.message} [{sources[label.span]}]".lstrip())
                       if label.span in sources else label for label in finding.labels)
        cited.append(finding if labels == finding.labels else replace(finding, labels=labels))
    return cited


def _layers_alone(spec: Spec) -> list[str]:
    """The layers whose norms some `complies with` judges alone."""
    return sorted({e.lower for e in spec.expectations if e.kind == "complies" and e.lower}
                  | {e.higher for e in spec.expectations if e.kind == "complies" and e.higher})


def _context(state: Shared) -> CheckContext:
    """A check context in a fresh z3 context (what a task sees, wherever it runs); a spec
    of one chunk, always checked in one process, keeps the context it started with
    (making one costs milliseconds, which count when a hook checks many small files)."""
    from ..engine.concrete import Runtime
    from ..engine.conflict_search import Engine
    from ..engine.conflict_sets import KnownConflicts
    from ..engine.solver import Limits

    if len(state.chunks) > 1:
        assert isinstance(state.limits, Limits)
        fresh_z3_context(state.limits.memory_mb)
    assert isinstance(state.limits, Limits) and isinstance(state.runtime, Runtime)
    known = state.known if isinstance(state.known, KnownConflicts) else None
    engine = Engine(state.spec, state.limits, layout=state.layout, known=known)
    engine.max_conflicts = state.max_conflicts
    return CheckContext(state.spec, engine, state.runtime, scoped=state.scoped)


def _conflicts_task(index: int) -> tuple[list[Finding], object]:
    from ..engine.conflict_sets import KnownConflicts
    from ..engine.solver import SolverGaveUp

    state = shared()
    ctx = _context(state)
    exported = KnownConflicts()
    for number in state.chunks[index]:
        group = state.layout.groups[number]
        check_group_conflicts(ctx, group)
        for tag in state.views + state.upto_views:
            if tag.startswith("upto") and not _has_conflicts(ctx, group):
                continue
            try:
                exported.update(ctx.engine.export_conflicts(group, [tag]))
            except SolverGaveUp:
                exported.unknown.add((tag, group.index))
    return ctx.findings, exported


def _has_conflicts(ctx: CheckContext, group: object) -> bool:
    from ..engine.solver import SolverGaveUp

    try:
        return bool(ctx.engine.conflicts(group).sets)  # type: ignore[arg-type]
    except SolverGaveUp:
        return True  # exported as unknown: later checks that need it say so


def _norms_task(index: int) -> tuple[list[Finding], object]:
    state = shared()
    ctx = _context(state)
    for number in state.chunks[index]:
        check_group_norms(ctx, state.layout.groups[number])
    return ctx.findings, None


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str, int]] = set()
    out = []
    for finding in findings:
        key = (finding.kind, finding.message, finding.span.path, finding.span.start)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def _unknown_spec(spec: Spec, reason: str, check: str | None = None) -> Finding:
    from ..core.findings import Label
    from ..core.source import Span

    norms = sorted(spec.norms, key=lambda n: (n.span.path, n.span.start))
    span = norms[0].span if norms else Span(spec.root, 0, 0, 1, 1, 1, 1)
    what = f"could not decide {check}" if check else "could not analyse the spec"
    return Finding("solver-unknown", f"{what}: {reason}", span,
                   (Label(span, "undecided", primary=True),))


__all__ = ["STEPS", "prepare", "run_checks", "run_chunk"]
