"""The surface syntax of a `.norm` file as frozen dataclasses.

Built by `lower.py` from lark's parse tree; nothing here knows lark or z3.
Every node carries its span, which takes no part in equality, so tests compare
structure and not positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, Union

from ..core.source import Span

_NO_SPAN = Span("<none>", 0, 0, 1, 1, 1, 1)


def _span() -> Span:
    return field(default=_NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Ident:
    """A bare name as written, e.g. `user_age`."""

    name: str
    span: Span = _span()


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Name:
    """A fact, define, enum value or (inside a norm target) an action of the norm's agent."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Dotted:
    """`agent.action`."""

    agent: str
    action: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolLit:
    """`true` or `false`."""

    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NumLit:
    """An integer or decimal literal; `text` is kept for printing (e.g. `1e25`)."""

    value: Fraction
    is_int: bool
    text: str
    span: Span = _span()


UnaryOp = Literal["not", "-"]
BinaryOp = Literal["and", "or", "->", "<->", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*"]
DeonticKind = Literal["obliged", "forbidden", "permitted"]


@dataclass(frozen=True, slots=True)
class Unary:
    """`not φ` or `-x`."""

    op: UnaryOp
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary:
    """`left OP right`: a connective, a comparison or arithmetic."""

    op: BinaryOp
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Deontic:
    """`obliged φ`, `forbidden φ`, `permitted φ` — only inside `expect` and `scenario`."""

    kind: DeonticKind
    target: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ConflictAtom:
    """The atom `conflict`: no conduct complies in the situation."""

    span: Span = _span()


Expr = Union[Name, Dotted, BoolLit, NumLit, Unary, Binary, Deontic, ConflictAtom]


def any_of(conditions: list[Expr]) -> Expr:
    """`c1 or c2 or ...`, folded to the left as the parser does (at least one)."""
    result = conditions[0]
    for condition in conditions[1:]:
        result = Binary("or", result, condition, result.span)
    return result
Modality = Literal["must", "must not", "may"]


# ---------------------------------------------------------------- time (design: time.md)

TimeUnit = Literal["s", "min", "h", "days"]


@dataclass(frozen=True, slots=True)
class Duration:
    """`AMOUNT UNIT`: the amount is a number, a fact's name or a parenthesised linear
    expression (a `NumLit`, a `Name` or any other `Expr`)."""

    amount: Expr
    unit: TimeUnit
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Trigger:
    """What `on` names: an event, an agent's action (`A.action`) or `start` (once, at 0).

    `agent` is set for an action only; `name` is the event's or action's name
    ("start" for `start`).
    """

    kind: Literal["event", "action", "start"]
    name: str
    agent: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Window:
    """`within D` ("within", `high` only), `within [D1, D2]` ("between") or
    `eventually` (neither bound)."""

    kind: Literal["within", "between", "eventually"]
    low: Duration | None = None
    high: Duration | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Otherwise:
    """`otherwise [when C] AGENT (must | must not) TARGET [W]`: the duty an instance's
    violation yields (a chain: each one repairs the step before it)."""

    when: Expr | None
    agent: Ident
    modality: Modality
    target: Expr
    window: Window | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Branch:
    """`unless C then AGENT MODALITY TARGET [W] [otherwise ...]...` (SLEEC's `unless`)."""

    condition: Expr
    agent: Ident
    modality: Modality
    target: Expr
    window: Window | None = None
    otherwise: tuple[Otherwise, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TimeQualifier:
    """`at T` (`low` only), `during [A, B]` or `after T` (`low` only), on a scenario's
    `given` or `expect`."""

    kind: Literal["at", "during", "after"]
    low: Duration
    high: Duration | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Response:
    """One conjunct of a timed expectation's `then`: `[not] φ [W]` or
    `(obliged | forbidden | permitted) φ [W]` (the deontic word is inside `formula`)."""

    formula: Expr
    window: Window | None = None
    span: Span = _span()


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Layers:
    """`layers a > b > c`, highest authority first."""

    names: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Agent:
    """`agent NAME`."""

    name: Ident
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Enum:
    """`enum T { a, b }`, or `enum T { low < high }` when `ordered`."""

    name: Ident
    values: tuple[Ident, ...]
    ordered: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TypeRef:
    """`bool`, `int`, `int in LO..HI`, `real`, or an enum's name (kind "enum")."""

    kind: Literal["bool", "int", "real", "enum"]
    enum: str | None = None
    low: int | None = None
    high: int | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Fact:
    """`fact NAME: TYPE`, or `varying fact NAME: TYPE` (changes at event occurrences)."""

    name: Ident
    type: TypeRef
    span: Span = _span()
    varying: bool = False


@dataclass(frozen=True, slots=True)
class Action:
    """`action AGENT.NAME`."""

    agent: Ident
    name: Ident
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Define:
    """`define NAME = EXPR`."""

    name: Ident
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Assume:
    """`assume EXPR`: a constraint on situations."""

    expr: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AssumeBefore:
    """`assume A before B`: every occurrence of B has an occurrence of A before it."""

    first: Trigger
    second: Trigger
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AssumeOn:
    """`assume on E [when C] then P (for D | until E2)`: P holds from each occurrence of E
    for D, or until the next occurrence of E2 (exactly one of `for_`, `until` is set)."""

    trigger: Trigger
    when: Expr | None
    then: Expr
    for_: Duration | None = None
    until: Trigger | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Event:
    """`event NAME`: a happening, with finitely many occurrences in a trace."""

    name: Ident
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Constraint:
    """`constraint EXPR`: a constraint on conduct."""

    expr: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Override:
    """One entry of `overrides N [when EXPR]`."""

    norm: Ident
    when: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Norm:
    """`norm NAME [@LAYER] [protected] ["SOURCE"] [serves V, ...] [overrides N, ...] [when E] [unless E]
    AGENT MODALITY TARGET`."""

    name: Ident
    layer: Ident | None
    source: str | None
    serves: tuple[Ident, ...]
    overrides: tuple[Override, ...]
    when: Expr | None
    unless: Expr | None
    agent: Ident
    modality: Modality
    target: Expr
    #: `protected` (a `may` that lower layers cannot take away)
    protected: bool = False
    span: Span = _span()
    #: the span of `AGENT MODALITY TARGET`, where findings put their caret
    duty_span: Span = _span()
    #: `on T` (None: a standing norm)
    trigger: Trigger | None = None
    #: the window after the target (None: the trigger's instant)
    window: Window | None = None
    otherwise: tuple[Otherwise, ...] = ()
    branches: tuple[Branch, ...] = ()


@dataclass(frozen=True, slots=True)
class Import:
    """`import "PATH"`."""

    path: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ContextMapping:
    """`"context string" = EXPR` inside an `import values` mapping block."""

    context: str
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ImportValues:
    """`import values "graph.json" [{ "context" = EXPR, ... }]`."""

    path: str
    mappings: tuple[ContextMapping, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Value:
    """`value NAME ["DESCRIPTION"]`."""

    name: Ident
    description: str | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Prefer:
    """`prefer A over B [when EXPR]`: in those situations norms serving A rank above norms serving B."""

    higher: Ident
    lower: Ident
    when: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExpectConsistent:
    """`expect consistent`."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExpectFormula:
    """`expect always|never|possible FORMULA`."""

    quantifier: Literal["always", "never", "possible"]
    formula: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExpectComplies:
    """`expect A complies with B [for AGENT, ...]`."""

    lower: Ident
    higher: Ident
    agents: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExpectTimed:
    """`expect (always | never | possible) on T [when C] then R and R ...`."""

    quantifier: Literal["always", "never", "possible"]
    trigger: Trigger
    when: Expr | None
    responses: tuple[Response, ...]
    span: Span = _span()


Expectation = Union[ExpectConsistent, ExpectFormula, ExpectComplies, ExpectTimed]


@dataclass(frozen=True, slots=True)
class Expect:
    """`expect ...`: one expectation of the authors."""

    body: Expectation
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ScenarioExpect:
    """`expect FORMULA [at T | during [A, B] | after T]` inside a scenario."""

    formula: Expr
    span: Span = _span()
    time: TimeQualifier | None = None


@dataclass(frozen=True, slots=True)
class Occurrences:
    """`at T E, F, ...` in a scenario: these events occur at T (a scenario lists all)."""

    time: Duration
    events: tuple[Ident, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TimedGiven:
    """`given FORMULA at T` or `given FORMULA during [A, B]` in a scenario."""

    formula: Expr
    time: TimeQualifier
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Scenario:
    """`scenario NAME [at T E, ...]... [given E, E, ...] expect F ...` (facts not given
    are free). Timed givens are kept apart from the plain ones, in `timed_given`."""

    name: Ident
    given: tuple[Expr, ...]
    expects: tuple[ScenarioExpect, ...]
    span: Span = _span()
    occurrences: tuple[Occurrences, ...] = ()
    timed_given: tuple[TimedGiven, ...] = ()


Decl = Union[
    Layers, Agent, Enum, Fact, Action, Define, Assume, Constraint, Norm, Import,
    ImportValues, Value, Prefer, Expect, Scenario, Event, AssumeBefore, AssumeOn,
]


@dataclass(frozen=True, slots=True)
class File:
    """One parsed `.norm` file."""

    path: str
    decls: tuple[Decl, ...]
    span: Span = _span()
