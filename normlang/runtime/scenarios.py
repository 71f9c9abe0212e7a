"""Witnesses as tests: a `scenario` that pins a finding in its witness situation.

The scenario gives every fact of the witness situation and expects what the finding shows
there, so it passes on the spec it came from; after a fix, the user flips the expectation.

- `conflict`, and a failed `expect consistent`: `conflict`;
- `overridden`, `value-sacrificed`: the winner's demand, `obliged φ` (`must φ`),
  `forbidden φ` (`must not φ`) or `permitted φ` (`may φ`, when it can be used there);
- `undermined-permission`: `not permitted φ`;
- a failed `expect always F` / `never F`: `not F` / `F`, or, when F speaks of a conduct
  (bare actions), `permitted (not F)` / `permitted F`: some complying conduct does it.

Other findings have no witness situation, or one a scenario cannot speak of (a
`compliance-gap` judges a layer alone, a scenario the whole spec): `skip_reason` says why.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from ..core.findings import Finding, Witness, WitnessValue
from ..engine.evaluate import compile_expr, free_actions, has_deontic, names_in
from ..model.spec import (
    And,
    Arith,
    Cmp,
    ConflictAtom,
    Const,
    DeonticAtom,
    EnumConst,
    Expectation,
    FactRef,
    Iff,
    Implies,
    Neg,
    NormDecl,
    Not,
    Or,
    RExpr,
    Spec,
)
from ..syntax import ast, printer
from ..syntax.printer import decl_text

if TYPE_CHECKING:
    from ..engine.concrete import Runtime

#: scenario names are cut to this length (before a `_2`, `_3` that makes them unique)
MAX_NAME = 60


@dataclass(frozen=True)
class Emitted:
    """The scenarios of a run's findings, and each finding left without one with why."""

    scenarios: tuple[str, ...]
    skipped: tuple[tuple[Finding, str], ...]


class _Unwritable(Exception):
    """A value the surface syntax cannot write (a real that is no finite decimal)."""


def scenario_for(finding: Finding, spec: Spec, *, taken: Collection[str] = ()) -> str | None:
    """The source text of a scenario that pins `finding` (two comment lines: the finding,
    and what to change after a fix; then the scenario), or None when it cannot be pinned
    (see `skip_reason`). Its name is unique among the spec's scenarios and `taken`."""
    return _pin(finding, spec, taken)[0]


def skip_reason(finding: Finding, spec: Spec) -> str | None:
    """Why `finding` gets no scenario (None when it gets one)."""
    return _pin(finding, spec, ())[1]


def scenarios_for(findings: Iterable[Finding], spec: Spec) -> Emitted:
    """A scenario for each finding that can be pinned, names unique among them, and why
    each other finding has none."""
    texts: list[str] = []
    names: list[str] = []
    skipped: list[tuple[Finding, str]] = []
    for finding in findings:
        text, why = _pin(finding, spec, names)
        if text is None:
            skipped.append((finding, why or "no scenario can express it"))
            continue
        texts.append(text)
        names.append(_name_in(text))
    return Emitted(tuple(texts), tuple(skipped))


def _name_in(text: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith("scenario "))
    return line.split()[1]


# ---------------------------------------------------------------- what each finding expects


def _pin(finding: Finding, spec: Spec, taken: Collection[str]) -> tuple[str | None, str | None]:
    witness = finding.witness
    if witness is None:
        return None, _SKIPPED.get(finding.kind, "it has no witness situation")
    if spec.time is not None or witness.time is not None:
        return None, "a spec with time has no scenarios yet (a timed scenario would pin its trace)"
    try:
        expected = _expected(finding, spec, witness)
        if isinstance(expected, str):
            return None, expected
        given = _givens(witness, spec)
        expectation, fix = expected
        body = ast.Scenario(ast.Ident(_unique(_base_name(finding), spec, taken)), given,
                            (ast.ScenarioExpect(_surface(expectation, spec)),))
    except _Unwritable as problem:
        return None, str(problem)
    except KeyError as missing:  # a finding of another spec
        return None, f"norm {missing} is not in this spec"
    where = f"{finding.span.path}:{finding.span.line}:{finding.span.col}"
    about = " ".join(finding.message.split())
    if fix is None:
        fix = "after a fix, flip it: expect " + printer.expr_text(_surface(_negated(expectation),
                                                                        spec))
    head = f"# pins {finding.kind} ({where}): {about}\n# {fix}\n"
    return head + decl_text(body) + "\n", None


#: an expectation and what to do after a fix (None: flip the expectation), or why there is none
_Expected = tuple[RExpr, "str | None"] | str


def _expected(finding: Finding, spec: Spec, witness: Witness) -> _Expected:
    kind = finding.kind
    if kind == "conflict" or (kind == "expectation-failed" and _is_consistent(finding, spec)):
        return ConflictAtom(), None
    if kind in ("overridden", "value-sacrificed") and len(finding.norms) == 2:
        loser, winner = (spec.norm(n) for n in finding.norms)
        fix = (f"if `{loser.name}` should win here, change the priority and expect what it "
               "demands instead")
        demand = _winner_demand(spec, winner, witness)
        return demand if isinstance(demand, str) else (demand, fix)
    if kind == "undermined-permission" and finding.norms:
        target = spec.norm(finding.norms[0]).target
        return Not(DeonticAtom("permitted", target)), None
    if kind == "expectation-failed":
        return _failed_expectation(finding, spec)
    return _SKIPPED.get(kind, "no scenario can express it")


_SKIPPED = {
    "compliance-gap": "a compliance gap judges a layer alone; a scenario judges the whole spec",
    "scenario-failed": "it is a scenario already: fix the spec or the scenario",
    "priority-cycle": "a priority cycle stops the other checks; break the cycle first",
    "dead-norm": "it has no witness situation",
    "shadowed-norm": "it has no witness situation",
}


def _winner_demand(spec: Spec, winner: NormDecl, witness: Witness) -> RExpr | str:
    if winner.modality == "must":
        return DeonticAtom("obliged", winner.target)
    if winner.modality == "must not":
        return DeonticAtom("forbidden", winner.target)
    if not _usable(spec, winner, witness):
        return (f"the winning permission `{winner.name}` cannot be used in the witness "
                "situation (a conflict or an undermined permission there)")
    return DeonticAtom("permitted", winner.target)


def _negated(expr: RExpr) -> RExpr:
    return expr.operand if isinstance(expr, Not) else Not(expr)


def _usable(spec: Spec, permission: NormDecl, witness: Witness) -> bool:
    """Plainly: some complying conduct of the witness situation does what it allows."""
    runtime = _runtime(spec)
    env, errors = runtime.situation_env(witness.situation)
    if errors:
        return False
    target = permission.target
    return runtime.complying_exists(env, runtime.active(env), compile_expr(target),
                                    names_in(target)[1])


#: the last spec's compiled runtime (a run pins many findings of one spec)
_RUNTIME: list[tuple[Spec, Runtime]] = []


def _runtime(spec: Spec) -> Runtime:
    from ..engine.concrete import Runtime

    if not _RUNTIME or _RUNTIME[0][0] is not spec:
        _RUNTIME[:] = [(spec, Runtime(spec))]
    return _RUNTIME[0][1]


def _is_consistent(finding: Finding, spec: Spec) -> bool:
    found = _expectation_at(finding, spec)
    return found is not None and found.kind == "consistent"


def _expectation_at(finding: Finding, spec: Spec) -> Expectation | None:
    for expectation in spec.expectations:
        if (expectation.span.path, expectation.span.start) == (finding.span.path,
                                                              finding.span.start):
            return expectation
    return None


def _failed_expectation(finding: Finding, spec: Spec) -> _Expected:
    expectation = _expectation_at(finding, spec)
    if expectation is None or expectation.formula is None or \
            expectation.kind not in ("always", "never"):
        return "it has no witness situation"
    formula = expectation.formula
    seen = formula if expectation.kind == "never" else Not(formula)
    if not free_actions(formula):
        return seen, None
    if has_deontic(formula) or _has_conflict(formula):
        return ("its formula speaks of a conduct and of deontic atoms at once; a scenario "
                "expectation cannot say that one complying conduct does this")
    return DeonticAtom("permitted", seen), None


def _has_conflict(expr: RExpr) -> bool:
    from ..model.spec import children

    return isinstance(expr, ConflictAtom) or any(_has_conflict(c) for c in children(expr))


# ---------------------------------------------------------------- names and givens


def _base_name(finding: Finding) -> str:
    prefix = {"conflict": "conflict", "overridden": "overridden",
              "value-sacrificed": "sacrificed", "undermined-permission": "undermined",
              "expectation-failed": "failed_expect"}.get(finding.kind, "pinned")
    tail = "_".join(finding.norms[:1] if finding.kind != "conflict" else finding.norms)
    if not tail:
        tail = f"line_{finding.span.line}"
    return f"{prefix}_{tail}"[:MAX_NAME].rstrip("_")


def _unique(base: str, spec: Spec, taken: Collection[str]) -> str:
    used = {s.name for s in spec.scenarios} | set(taken)
    name, number = base, 2
    while name in used:
        name, number = f"{base}_{number}", number + 1
    return name


def _givens(witness: Witness, spec: Spec) -> tuple[ast.Expr, ...]:
    given = [_given(name, value, spec) for name, value in sorted(witness.situation.items())
             if name in spec.facts]
    return tuple(given) or (ast.BoolLit(True),)


def _given(name: str, value: WitnessValue, spec: Spec) -> ast.Expr:
    fact = ast.Name(name)
    if isinstance(value, bool):
        return fact if value else ast.Unary("not", fact)
    if isinstance(value, str):
        return ast.Binary("==", fact, ast.Name(value))
    number = Fraction(value)
    if number.denominator == 1 or _decimal(number) is not None:
        return ast.Binary("==", fact, _number(number))
    # 1/3 has no decimal: `3 * x == 1`
    scaled = ast.Binary("*", _number(Fraction(number.denominator)), fact)
    return ast.Binary("==", scaled, _number(Fraction(number.numerator)))


# ---------------------------------------------------------------- resolved expressions as text


def expr_source(expr: RExpr, spec: Spec) -> str:
    """A resolved expression as source text that reads back as it (defines inlined,
    actions dotted, enum values by name); `ValueError` for a real that has no decimal."""
    try:
        return printer.expr_text(_surface(expr, spec))
    except _Unwritable as problem:
        raise ValueError(str(problem)) from None


def _surface(expr: RExpr, spec: Spec) -> ast.Expr:
    """A resolved expression as an AST the printer writes back (defines stay inlined)."""
    if isinstance(expr, Const):
        if isinstance(expr.value, bool):
            return ast.BoolLit(expr.value)
        return _number(Fraction(expr.value))
    if isinstance(expr, FactRef):
        return ast.Name(expr.name)
    if isinstance(expr, EnumConst):
        return ast.Name(spec.enums[expr.enum].values[expr.index])
    if isinstance(expr, Not):
        return ast.Unary("not", _surface(expr.operand, spec))
    if isinstance(expr, Neg):
        return ast.Unary("-", _surface(expr.operand, spec))
    if isinstance(expr, (And, Or)):
        return _chain("and" if isinstance(expr, And) else "or", expr.items, spec)
    if isinstance(expr, (Implies, Iff, Cmp, Arith)):
        op = "->" if isinstance(expr, Implies) else "<->" if isinstance(expr, Iff) else expr.op
        return ast.Binary(op, _surface(expr.left, spec), _surface(expr.right, spec))
    if isinstance(expr, DeonticAtom):
        return ast.Deontic(expr.kind, _surface(expr.target, spec))
    if isinstance(expr, ConflictAtom):
        return ast.ConflictAtom()
    agent, _, action = expr.name.partition(".")  # an ActionRef
    return ast.Dotted(agent, action)


def _chain(op: ast.BinaryOp, items: tuple[RExpr, ...], spec: Spec) -> ast.Expr:
    if not items:
        return ast.BoolLit(op == "and")
    out = _surface(items[0], spec)
    for item in items[1:]:
        out = ast.Binary(op, out, _surface(item, spec))
    return out


def _number(value: Fraction) -> ast.Expr:
    if value < 0:
        return ast.Unary("-", _number(-value))
    if value.denominator == 1:
        return ast.NumLit(value, True, str(value.numerator))
    text = _decimal(value)
    if text is None:
        raise _Unwritable(f"the number {value} cannot be written as a decimal")
    return ast.NumLit(value, False, text)


def _decimal(value: Fraction) -> str | None:
    """`value` (not negative) as a finite decimal, if it has one."""
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    scaled = value * 10 ** places
    digits = str(scaled.numerator).rjust(places + 1, "0")
    return f"{digits[:-places]}.{digits[-places:]}" if places else digits
