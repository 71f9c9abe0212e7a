"""The resolved spec: names bound, types checked, defines inlined.

`resolve.py` builds it from the ASTs of a root file and its imports; the engine
(`encode.py`, `checks/`) and the plain evaluator (`evaluate.py`) read only this.
Expressions here are a small typed core language (`RExpr`): no spans, no
surface sugar, enum values as indices into their type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, Union

from ..core.findings import Finding
from ..core.source import SourceFile, Span

# ---------------------------------------------------------------- core expressions


@dataclass(frozen=True, slots=True)
class Const:
    """A literal: `bool`, `int` or `Fraction` (reals)."""

    value: bool | int | Fraction


@dataclass(frozen=True, slots=True)
class FactRef:
    """A fact of the situation, by name."""

    name: str


@dataclass(frozen=True, slots=True)
class ActionRef:
    """A qualified action, `agent.action`."""

    name: str


@dataclass(frozen=True, slots=True)
class EnumConst:
    """The value at `index` of enum `enum` (indices follow the written order)."""

    enum: str
    index: int


@dataclass(frozen=True, slots=True)
class Not:
    """Negation."""

    operand: RExpr


@dataclass(frozen=True, slots=True)
class And:
    """Conjunction of any number of items (`true` when there are none)."""

    items: tuple[RExpr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Disjunction of any number of items (`false` when there are none)."""

    items: tuple[RExpr, ...]


@dataclass(frozen=True, slots=True)
class Implies:
    """`left -> right`."""

    left: RExpr
    right: RExpr


@dataclass(frozen=True, slots=True)
class Iff:
    """`left <-> right`."""

    left: RExpr
    right: RExpr


CmpOp = Literal["==", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class Cmp:
    """A comparison. Operands are numeric, both of one enum type, or both boolean (`==`/`!=`)."""

    op: CmpOp
    left: RExpr
    right: RExpr


@dataclass(frozen=True, slots=True)
class Arith:
    """Linear arithmetic: `+`, `-`, or `*` where at least one side is constant."""

    op: Literal["+", "-", "*"]
    left: RExpr
    right: RExpr


@dataclass(frozen=True, slots=True)
class Neg:
    """Arithmetic negation, `-x`."""

    operand: RExpr


@dataclass(frozen=True, slots=True)
class DeonticAtom:
    """`obliged φ` / `forbidden φ` / `permitted φ`, quantifying over complying conducts."""

    kind: Literal["obliged", "forbidden", "permitted"]
    target: RExpr


@dataclass(frozen=True, slots=True)
class ConflictAtom:
    """True in a situation where no conduct complies."""


RExpr = Union[
    Const, FactRef, ActionRef, EnumConst, Not, And, Or, Implies, Iff, Cmp, Arith, Neg,
    DeonticAtom, ConflictAtom,
]

TRUE = Const(True)
FALSE = Const(False)

# ---------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class EnumType:
    """A declared enum: its values in written order, and whether it is a scale."""

    name: str
    values: tuple[str, ...]
    ordered: bool
    span: Span


@dataclass(frozen=True, slots=True)
class FactDecl:
    """A situation variable. `kind` "int" may carry bounds (inclusive)."""

    name: str
    kind: Literal["bool", "int", "real", "enum"]
    span: Span
    enum: str | None = None
    low: int | None = None
    high: int | None = None
    #: a `varying fact` (time.md): changes only at event occurrences
    varying: bool = False


@dataclass(frozen=True, slots=True)
class ActionDecl:
    """A conduct variable; `name` is qualified (`agent.action`)."""

    name: str
    agent: str
    span: Span


Modality = Literal["must", "must not", "may"]


@dataclass(frozen=True, slots=True)
class NormDecl:
    """A norm. `rank` 0 is the highest layer; `when`/`unless` default to TRUE/FALSE."""

    name: str
    layer: str
    rank: int
    modality: Modality
    agent: str
    target: RExpr
    span: Span
    duty_span: Span
    when: RExpr = TRUE
    unless: RExpr = FALSE
    source: str | None = None
    serves: tuple[str, ...] = ()
    #: a `protected` permission: it clashes with norms of lower layers too
    protected: bool = False

    @property
    def demand(self) -> RExpr:
        """What the norm demands of conduct (for `may`: what it claims is allowed)."""
        return Not(self.target) if self.modality == "must not" else self.target

    @property
    def applicable(self) -> RExpr:
        return And((self.when, Not(self.unless)))


def may_clash(first: NormDecl, second: NormDecl) -> bool:
    """Whether the two norms can clash at all: not when one is a `may` of a higher layer
    than the other and not `protected` (a lower layer may be stricter than what a higher
    one merely allows)."""
    for permission, other in ((first, second), (second, first)):
        if permission.modality == "may" and not permission.protected and permission.rank < other.rank:
            return False
    return True


@dataclass(frozen=True, slots=True)
class PriorityEdge:
    """`higher` ≻ `lower` in the situations where `when` holds (besides the layer order)."""

    higher: str
    lower: str
    when: RExpr
    origin: Literal["overrides", "prefer"]
    span: Span


@dataclass(frozen=True, slots=True)
class ValueDecl:
    """A declared value that norms can serve."""

    name: str
    description: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Expectation:
    """An `expect`. `formula` for always/never/possible; layers and agents for complies."""

    kind: Literal["consistent", "always", "never", "possible", "complies"]
    span: Span
    formula: RExpr | None = None
    lower: str | None = None
    higher: str | None = None
    agents: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True, slots=True)
class ScenarioExpectation:
    """One `expect` of a scenario, with its source text for messages."""

    formula: RExpr
    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """`scenario NAME given EXPR { expect ... }`."""

    name: str
    given: RExpr
    expects: tuple[ScenarioExpectation, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Located:
    """An `assume` or `constraint` with where it was written."""

    expr: RExpr
    span: Span


@dataclass(frozen=True)
class Spec:
    """A root file with everything it imports, resolved and type-checked."""

    root: str
    layers: tuple[str, ...]
    enums: dict[str, EnumType]
    facts: dict[str, FactDecl]
    actions: dict[str, ActionDecl]
    norms: tuple[NormDecl, ...]
    agents: tuple[str, ...] = ()
    defines: dict[str, RExpr] = field(default_factory=dict)
    assumes: tuple[Located, ...] = ()
    constraints: tuple[Located, ...] = ()
    edges: tuple[PriorityEdge, ...] = ()
    values: dict[str, ValueDecl] = field(default_factory=dict)
    expectations: tuple[Expectation, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    files: dict[str, SourceFile] = field(default_factory=dict)
    #: the `unused-declaration` warnings of its files (reported by `check`, not by loading)
    unused: tuple[Finding, ...] = field(default=(), compare=False, repr=False)
    #: what a spec with events, `on` or windows adds (None: an atemporal spec)
    time: TimeModel | None = None

    def norm(self, name: str) -> NormDecl:
        """The norm called `name` (KeyError if none); indexed on first use."""
        index: dict[str, NormDecl] | None = self.__dict__.get("_norm_index")
        if index is None:
            index = {}
            for norm in self.norms:
                index.setdefault(norm.name, norm)
            object.__setattr__(self, "_norm_index", index)  # a cache, not a field
        try:
            return index[name]
        except KeyError:
            raise KeyError(name) from None


def children(expr: RExpr) -> Iterable[RExpr]:
    """The direct subexpressions of `expr`."""
    if isinstance(expr, (Not, Neg)):
        return (expr.operand,)
    if isinstance(expr, (And, Or)):
        return expr.items
    if isinstance(expr, (Implies, Iff, Cmp, Arith)):
        return (expr.left, expr.right)
    if isinstance(expr, DeonticAtom):
        return (expr.target,)
    return ()


# ---------------------------------------------------------------- time (time.md)


@dataclass(frozen=True, slots=True)
class OtherwiseStep:
    """`otherwise [when C] AGENT (must | must not) TARGET [W]`: the duty a violation at
    `v` yields, with window [v + `low`, v + `high`] (`high` None: no end), where `when`
    holds at `v`. A `must not` step ends the chain (its violation has no fixed time)."""

    when: RExpr
    agent: str
    target: RExpr
    low: Fraction
    high: Fraction | None
    modality: Modality = "must"


@dataclass(frozen=True, slots=True)
class GivenConduct:
    """In a timed scenario, `given φ at T` (`done`: the conduct does φ at T) or `given
    not φ during [A, B]` / `at T` / `after T` (it does φ at no instant of the window)."""

    target: RExpr
    low: Fraction
    high: Fraction | None
    done: bool


@dataclass(frozen=True, slots=True)
class TimedScenarioExpect:
    """`expect ATOM and ... (at T | during [A, B] | after T)`: each atom over the window."""

    atoms: tuple[DeonticAtom, ...]
    low: Fraction
    high: Fraction | None
    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class TimedScenario:
    """`scenario` with time: all the occurrences, facts given, conduct given, and the
    expectations over the complying extensions of that conduct (time.md)."""

    name: str
    given: RExpr
    occurrences: tuple[tuple[Fraction, str], ...]
    conduct: tuple[GivenConduct, ...]
    expects: tuple[TimedScenarioExpect, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Relation:
    """`assume on E [when C] then P for D` (`until` None) or `... until E2` (`for_` None):
    from each occurrence of E where C holds, P holds at every instant of [t, t + D), or
    up to the next occurrence of E2 after t (always, if none comes)."""

    trigger: str
    when: RExpr
    then: RExpr
    for_: Fraction | None
    until: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class TimedNorm:
    """When a norm's instances arise and what window each has.

    An occurrence of `trigger` (an event, "start": once, at 0, or with `by_action` an
    action the conduct does) at `t` makes an
    instance with window [t + `low`, t + `high`] in seconds; `high` None is `eventually`
    (no end). A norm without a window has `low` = `high` = 0 (the trigger's instant).
    """

    norm: str
    trigger: str
    low: Fraction
    high: Fraction | None
    #: the `otherwise` chain, each step repairing the one before
    otherwise: tuple[OtherwiseStep, ...] = ()
    #: `trigger` is a qualified action (`on AGENT.ACTION`): the conduct triggers it
    by_action: bool = False
    #: a norm without `on`: one instance, from 0 on (`trigger` "start", no end)
    standing: bool = False


@dataclass(frozen=True, slots=True)
class TimedResponse:
    """One conjunct of a timed expectation's `then`, over complying conducts: `obliged`,
    `forbidden`, `permitted` φ in the window, or a complying conduct `does` / `does not`
    do φ there; the window [t + `low`, t + `high`] (`high` None: no end)."""

    kind: Literal["obliged", "forbidden", "permitted", "does", "does not"]
    target: RExpr
    low: Fraction
    high: Fraction | None


@dataclass(frozen=True, slots=True)
class TimedExpect:
    """`expect (always | never | possible) on TRIGGER [when C] then R and ...`."""

    quantifier: Literal["always", "never", "possible"]
    trigger: str
    when: RExpr
    responses: tuple[TimedResponse, ...]
    span: Span
    text: str
    #: `trigger` is a qualified action: the probe is where the conduct does it
    by_action: bool = False


@dataclass(frozen=True)
class TimeModel:
    """What a timed spec adds to `Spec`: its events and its norms' triggers and windows.

    Events appear in `assume`s and conditions as booleans: true at an instant where
    they occur.
    """

    events: tuple[str, ...]
    timed: dict[str, TimedNorm]
    expects: tuple[TimedExpect, ...] = ()
    #: `assume A before B`: (A, B), every occurrence of B has one of A strictly earlier
    before: tuple[tuple[str, str], ...] = ()
    #: `assume on E [when C] then P (for D | until E2)`
    relations: tuple[Relation, ...] = ()
    scenarios: tuple[TimedScenario, ...] = ()
