"""The timed checks of a group with norms the conduct's own actions trigger (`on
AGENT.ACTION`, time.md): the inner step of the search, its replay, `unreachable-trigger`
and `bound-reached`.

In such a group which instances exist depends on the conduct, so a complying conduct
of a trace is found by a quantifier-free solver call over the trace's values (the
unfolding of `engine.reactions`) rather than by `engine.timeline`'s plain placement,
and every witnessed finding is confirmed the same way on its concrete trace. The
conduct found becomes the search's lemma with its times written as terms of the
trace's window ends (so that it speaks for every trace whose ends fall alike); where
that reading does not comply in the very trace it came from, its exact times are used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

import z3

from ..core.findings import Finding, Label
from ..engine.encode import same, z3_number
from ..engine.evaluate import names_in
from ..engine.reactions import ReactionTerms
from ..engine.solver import stop_if_run_over
from ..engine.time_terms import Conduct, Instance, Slot, rational
from ..engine.timeline import TimedMismatch
from ..model.imports import error
from ..model.spec import (
    TRUE,
    ActionRef,
    Modality,
    NormDecl,
    TimedExpect,
    TimedResponse,
    may_clash,
)
from .context import backticked
from .timed_findings import Events, events_part, failed_expectation, replay_events

Group = Any  # checks.timed._Group (which imports this module)


def refused_reactions(group: Group) -> list[Finding]:
    """What such a group cannot be checked with yet: priority over a conduct-triggered
    norm. (`otherwise` chains are allowed: they change only whether a conflict can be
    repaired, which is not judged in such a group.)"""
    if not group.enc.reactive:
        return []
    found = []
    for reactive in group.enc.reactive:
        for other in group.norms:
            if other is reactive or not may_clash(reactive, other):
                continue
            if (group.enc.may_outrank(other.name, reactive.name)
                    or group.enc.may_outrank(reactive.name, other.name)):
                found.append(error("type-error", f"priority between `{reactive.name}`, "
                                   "triggered by an action, and norms it may clash with "
                                   f"(`{other.name}`) is not supported yet", reactive.span,
                                   "put them in one layer, without `overrides`"))
                break
    return found


def pinned(group: Group, model: z3.ModelRef) -> list[z3.BoolRef]:
    """Equalities that fix every trace variable to its value in `model`."""
    enc = group.enc
    parts = []
    for slots in enc.slots.values():
        for slot in slots:
            if slot.event != "start":
                parts += [same(slot.present, model.eval(slot.present, model_completion=True)),
                          same(slot.time, model.eval(slot.time, model_completion=True))]
    variables = [*enc.encoder.facts.values(),
                 *(var for values in enc.values.values() for var in values.values())]
    parts += [same(var, model.eval(var, model_completion=True)) for var in variables
              if z3.is_const(var)]
    return parts


def _inner(group: Group, model: z3.ModelRef, mine: Sequence[Instance],
           reactive: Sequence[NormDecl], pushed: Sequence[Instance], strict: bool
           ) -> tuple[z3.ModelRef, Conduct] | None:
    solver = z3.Optimize()
    solver.set("timeout", group.timeout)
    # the same question for each trace the search proposes: made once (each call has a
    # solver of its own); the instances are kept with it, so that no id is reused
    key = (tuple(map(id, mine)), tuple(map(id, pushed)), tuple(n.name for n in reactive),
           strict)
    if key not in group.inner_formulas:
        group.inner_formulas[key] = (group.enc.some_complies(mine, pushed, reactive, strict),
                                     (list(mine), list(pushed)))
    (formula, conduct), _kept = group.inner_formulas[key]
    solver.add(*pinned(group, model), formula)
    for low, time in _starts(group, conduct, [*mine, *pushed]):
        solver.add_soft(time == low)
    result = solver.check()
    stop_if_run_over()
    if result == z3.unknown:
        raise z3.Z3Exception(f"z3 gave up: {solver.reason_unknown()}")
    return (solver.model(), conduct) if result == z3.sat else None


def _starts(group: Group, conduct: Conduct, roots: Sequence[Instance]
            ) -> list[tuple[z3.ArithRef, z3.ArithRef]]:
    """(the start of its window, its time) of each witness: a conduct that acts at once
    reads as terms of the trace that hold for the most traces, so the search prefers it."""
    timed = group.spec.time.timed
    out = [(i.low, conduct.times[i.key]) for i in roots if i.key in conduct.times]
    for reaction in conduct.unfolding.reactions if conduct.unfolding else ():
        if reaction.key in conduct.times:
            low = conduct.times[reaction.source] + z3_number(timed[reaction.norm.name].low)
            out.append((low, conduct.times[reaction.key]))
    return out


def concrete_conduct(group: Group, model: z3.ModelRef, names: Sequence[str],
                     forced: Sequence[Instance] = (), strict: bool = False
                     ) -> list[tuple[Fraction, tuple[str, ...]]] | None:
    """A conduct complying with the norms `names` in `model`'s trace (doing `forced`),
    as (time, actions done) in time order; None if there is none."""
    chosen = group._of(names)
    found = _inner(group, model, chosen, group.reactive(names), forced, strict)
    if found is None:
        return None
    inner, conduct = found
    return _done(group, inner, conduct, chosen, forced)


def lemma_against(group: Group, model: z3.ModelRef, mine: Sequence[Instance],
                  chosen: Sequence[str], pushed: Sequence[Instance], strict: bool
                  ) -> z3.BoolRef | None:
    """A complying conduct of `model`'s trace as a formula over traces (it complies),
    or None if no conduct complies there."""
    reactive = group.reactive(chosen)
    found = _inner(group, model, mine, reactive, pushed, strict)
    if found is None:
        return None
    inner, conduct = found
    for reading in (_snapped(group, model, inner, conduct, [*mine, *pushed]),
                    _exact(inner, conduct)):
        lemma = group.enc.complies(mine, reading, pushed, strict)
        if z3.is_true(model.eval(lemma, model_completion=True)):
            return lemma
    raise TimedMismatch(f"a complying conduct that the encoding does not confirm ({sorted(chosen)})")


def _acts(inner: z3.ModelRef, conduct: Conduct, key: str) -> dict[str, z3.BoolRef]:
    return {a: z3.BoolVal(z3.is_true(inner.eval(v, model_completion=True)))
            for a, v in conduct.acts[key].items()}


def _exact(inner: z3.ModelRef, conduct: Conduct) -> Conduct:
    times = {k: z3_number(rational(inner.eval(t, model_completion=True)))
             for k, t in conduct.times.items()}
    return Conduct(times, {k: _acts(inner, conduct, k) for k in conduct.times},
                   conduct.unfolding)


def _snapped(group: Group, model: z3.ModelRef, inner: z3.ModelRef, conduct: Conduct,
             roots: Sequence[Instance]) -> Conduct:
    """The conduct with each time as a term of the window ends known before it (the
    trace's, then the earlier witnesses' and their reactions'): equal to one, or halfway
    between the two around it."""
    known: list[tuple[Fraction, z3.ArithRef]] = [(Fraction(0), z3.RealVal(0))]
    for instance in [*group.enc.instances, *roots]:
        if z3.is_true(model.eval(instance.exists, model_completion=True)):
            known += [(rational(model.eval(end, model_completion=True)), end)
                      for end in (instance.low, instance.high) if end is not None]
    timed = group.spec.time.timed
    times: dict[str, z3.ArithRef] = {}
    reactions = conduct.unfolding.reactions if conduct.unfolding else ()
    for key in conduct.times:  # shallower witnesses first
        value = rational(inner.eval(conduct.times[key], model_completion=True))
        times[key] = _term_for(value, known)
        known.append((value, times[key]))  # the next one in its interval lies apart from it
        for reaction in reactions:
            if reaction.source == key:
                window = timed[reaction.norm.name]
                known.append((value + window.low, times[key] + z3_number(window.low)))
                if window.high is not None:
                    known.append((value + window.high, times[key] + z3_number(window.high)))
    return Conduct(times, {k: _acts(inner, conduct, k) for k in times}, conduct.unfolding)


def _term_for(value: Fraction, known: Sequence[tuple[Fraction, z3.ArithRef]]) -> z3.ArithRef:
    for at, term in known:
        if at == value:
            return term
    below = [k for k in known if k[0] < value]
    above = [k for k in known if k[0] > value]
    if not below:
        return z3_number(value)
    low = max(below, key=lambda k: k[0])[1]
    if not above:
        return low + 1
    return (low + min(above, key=lambda k: k[0])[1]) / 2


def confirm_conflict(group: Group, names: Sequence[str], model: z3.ModelRef) -> None:
    """No conduct complies with `names` in `model`'s trace, and one does with each
    norm left out (else a bug: `TimedMismatch`)."""
    if concrete_conduct(group, model, names) is not None or any(
            concrete_conduct(group, model, [n for n in names if n != name]) is None
            for name in names):
        raise TimedMismatch(f"conflict of {sorted(names)}")


# ------------------------------------------------------------ the checks of reactions


def reaction_checks(group: Group, found: Sequence[Finding]) -> list[Finding]:
    dead = {f.norms[0] for f in found if f.kind == "dead-norm" and f.norms}
    narrow = group.narrowed()
    names = [n.name for n in narrow.norms]
    complying, _ = narrow.enc.some_complies(narrow._of(names), (), narrow.reactive(names))
    out: list[Finding] = []
    if narrow._solve(complying) is not None:  # else every trigger is trivially unreachable
        out += [f for norm in group.enc.reactive if norm.name not in dead
                for f in [_unreachable(group, norm)] if f is not None]
    if not any(f.kind == "conflict" for f in found):
        reached = _bound_reached(group)
        if reached is not None:
            out.append(reached)
    return out


def _unreachable(group: Group, norm: NormDecl) -> Finding | None:
    """Whether some complying conduct does `norm`'s trigger where its conditions hold."""
    action = group.spec.time.timed[norm.name].trigger
    group = group.narrowed(demands={action}, reads=sorted(names_in(norm.applicable)[0]))
    enc = group.enc
    does = NormDecl(f"{norm.name}!trigger", norm.layer, norm.rank, "may", norm.agent,
                    ActionRef(action), norm.span, norm.duty_span)
    probe = enc.probe(does, enc.slots["start"][0], TRUE, Fraction(0), None)
    names = [n.name for n in group.norms]
    complying, conduct = enc.some_complies(group._of(names), [probe], group.reactive(names))
    when = enc.at_conduct(norm.applicable, conduct.times[probe.key])
    if group._solve(complying, when) is not None:
        return None
    bound = f"{group.bound}, unfolding {group.depth} levels of triggered instances"
    return Finding("unreachable-trigger", f"norm `{norm.name}` is triggered by `{action}`, "
                   f"which no complying conduct does where it applies ({bound})", norm.span,
                   (Label(norm.span, "binds only after a breach", primary=True),), (norm.name,),
                   help=("every conduct that does the trigger breaks some norm first",))


def _bound_reached(group: Group) -> Finding | None:
    """A trace where conducts comply only by reaching the depth bound."""
    names = [n.name for n in group.norms]
    musts = group.enc.musts(group._of(names))
    cuts = group.enc.unfolding(musts, group.reactive(names)).cuts
    if not cuts:
        return None
    complying, _ = group.enc.some_complies(group._of(names), (), group.reactive(names))
    model = group._search([complying], names, strict=True)
    if model is None:
        return None
    trace = group._trace(model)
    timeline = group._timeline(trace)
    if (not timeline.assumes_hold() or concrete_conduct(group, model, names) is None
            or concrete_conduct(group, model, names, strict=True) is not None):
        raise TimedMismatch("bound-reached")
    through = sorted({norm.name for _, norm in cuts})
    first = next(n for n in group.norms if n.name == through[0])
    return Finding("bound-reached", f"in this trace every complying conduct triggers "
                   f"instances deeper than {group.depth} levels (through "
                   f"{backticked(through)}): checked only to that depth", first.span,
                   (Label(first.span, "unfolded to the bound", primary=True),), tuple(through),
                   group._witness(trace, timeline, names),
                   help=("raise --max-depth to look deeper",))


# ------------------------------------------------------------ timed expectations


def reactive_expectation(group: Group, expect: TimedExpect, response: TimedResponse,
                         question: str, fails: bool, events: Events = None
                         ) -> Finding | None:
    """A timed expectation over a group with conduct-triggered norms, or one `on
    AGENT.ACTION` (its probe is where the conduct does the action); as
    `timed_expect`'s questions A to D, of which an action's trigger allows A and B."""
    if expect.by_action and question in "CD":
        return error("type-error", f"`expect {expect.quantifier} on AGENT.ACTION then "
                     f"{response.kind} ...` is not supported yet", expect.span,
                     "on an action, `never ... then [not] φ`, `always ... then [not] φ` and "
                     "`possible ... then [not] φ` are checked")
    slots: list[Slot | None] = [None] if expect.by_action else list(
        group.enc.slots[expect.trigger])
    for slot in slots:
        answer = _answer(group, question, expect, response, slot, events)
        if answer is not None:
            return _expect_failed(group, expect, answer, "here is a counterexample") \
                if fails else None
    if fails:
        return None
    return _expect_failed(group, expect, None, f"no trace makes it true ({group.bound}, "
                          f"unfolding {group.depth} levels of triggered instances)")


Answer = tuple[z3.ModelRef, list[tuple[Fraction, tuple[str, ...]]]]


def _answer(group: Group, question: str, expect: TimedExpect, response: TimedResponse,
            slot: Slot | None, events: Events) -> Answer | None:
    enc = group.enc
    modality: Modality = "may" if question in "AC" else "must not"
    label = f"expect@{expect.span.line}"
    norm = NormDecl(label, "", 10**6, modality, "", response.target, expect.span, expect.span)
    names = [n.name for n in group.norms]
    reactive = group.reactive(names)
    roots = group._of(names)
    if slot is None:
        return _answer_on_action(group, question, expect, response, norm, roots, reactive,
                                 events)
    probe = enc.probe(norm, slot, expect.when, response.low, response.high)
    chosen = roots + ([probe] if question in "BD" else [])
    forced = [probe] if question in "AC" else []
    if question in "AB":
        formula, conduct = enc.some_complies(chosen, forced, reactive)
        model = group._solve(probe.exists, formula,
                             *events_part(group, events, probe.low, probe.high))
        if model is None:
            return None
        replay_events(group, model, events, probe.low, probe.high)
        return model, _done(group, model, conduct, chosen, forced)
    model = group._search([probe.exists], names, probe=probe)
    if model is None:
        return None
    if _inner(group, model, chosen, reactive, forced, False) is not None:
        raise TimedMismatch(f"the answer to `{expect.text}`")
    return model, []


def _answer_on_action(group: Group, question: str, expect: TimedExpect,
                      response: TimedResponse, norm: NormDecl, roots: list[Instance],
                      reactive: list[NormDecl], events: Events) -> Answer | None:
    """Questions A and B where the conduct does the trigger (a permission probe from 0
    on), with the response's window measured from that instant."""
    enc = group.enc
    start = enc.slots["start"][0]
    does = NormDecl(f"{norm.name}!on", "", 10**6, "may", "", ActionRef(expect.trigger),
                    expect.span, expect.span)
    trigger = enc.probe(does, start, TRUE, Fraction(0), None)
    shell = enc.probe(norm, start, TRUE, response.low, response.high)
    conduct = enc.conduct(enc.musts(roots, [trigger, shell] if question == "A" else [trigger]),
                          reactive)
    at = conduct.times[trigger.key]
    probe = replace(shell, low=at + z3_number(response.low), high=None if response.high is None
                    else at + z3_number(response.high))
    chosen = roots + ([probe] if question == "B" else [])
    forced = [trigger] + ([probe] if question == "A" else [])
    model = group._solve(enc.complies(chosen, conduct, forced), enc.at_conduct(expect.when, at),
                         *events_part(group, events, probe.low, probe.high))
    if model is None:
        return None
    replay_events(group, model, events, probe.low, probe.high)
    return model, _done(group, model, conduct, chosen, forced)


def _done(group: Group, model: z3.ModelRef, conduct: Conduct, chosen: Sequence[Instance],
          forced: Sequence[Instance]) -> list[tuple[Fraction, tuple[str, ...]]]:
    """What the conduct of `model` does, at the instants of the witnesses in use."""
    enc = group.enc
    used = {i.key: enc.active(i) for i in enc.musts(chosen, forced)}
    if conduct.unfolding is not None:
        terms = ReactionTerms(conduct.unfolding, group.spec.time.timed, conduct.times,
                              conduct.acts, dict(used), enc.at_conduct)
        used = terms.required
    done = set()
    for key, in_use in used.items():
        if not z3.is_true(model.eval(in_use, model_completion=True)):
            continue
        acts = tuple(sorted(a for a, v in conduct.acts[key].items()
                            if z3.is_true(model.eval(v, model_completion=True))))
        if acts:
            done.add((rational(model.eval(conduct.times[key], model_completion=True)), acts))
    return sorted(done)


def _expect_failed(group: Group, expect: TimedExpect, answer: Answer | None,
                   detail: str) -> Finding:
    if answer is None:
        return failed_expectation(group, expect, None, detail)
    model, conduct = answer
    timeline = group._timeline(group._trace(model))
    if not timeline.assumes_hold():
        raise TimedMismatch(f"the trace of `{expect.text}`")
    return failed_expectation(group, expect, (timeline, conduct), detail)
