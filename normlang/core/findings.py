"""Findings: the one diagnostic model every check produces and every reporter renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Union

from .source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


#: every finding kind, with its severity (the design's findings table)
KINDS: dict[str, Severity] = {
    "syntax-error": Severity.ERROR,
    "name-error": Severity.ERROR,
    "type-error": Severity.ERROR,
    "import-error": Severity.ERROR,
    "priority-cycle": Severity.ERROR,
    "conflict": Severity.ERROR,
    "undermined-permission": Severity.WARNING,
    "dead-norm": Severity.WARNING,
    "shadowed-norm": Severity.WARNING,
    "overridden": Severity.INFO,
    "redundant-norm": Severity.WARNING,
    "expectation-failed": Severity.ERROR,
    "compliance-gap": Severity.ERROR,
    "scenario-failed": Severity.ERROR,
    "solver-unknown": Severity.ERROR,
    "value-sacrificed": Severity.INFO,
    "unused-suppression": Severity.WARNING,
    "unused-declaration": Severity.WARNING,
    "unreachable-trigger": Severity.WARNING,
    "unrepairable": Severity.WARNING,
    "bound-reached": Severity.INFO,
}

class Kind(str, Enum):
    """Every finding kind, as a string-valued enum: `finding.kind == Kind.CONFLICT` holds, and
    a `Kind` is written (and serialised) as its value, so JSON stays the same."""

    SYNTAX_ERROR = "syntax-error"
    NAME_ERROR = "name-error"
    TYPE_ERROR = "type-error"
    IMPORT_ERROR = "import-error"
    PRIORITY_CYCLE = "priority-cycle"
    CONFLICT = "conflict"
    UNDERMINED_PERMISSION = "undermined-permission"
    DEAD_NORM = "dead-norm"
    SHADOWED_NORM = "shadowed-norm"
    OVERRIDDEN = "overridden"
    REDUNDANT_NORM = "redundant-norm"
    EXPECTATION_FAILED = "expectation-failed"
    COMPLIANCE_GAP = "compliance-gap"
    SCENARIO_FAILED = "scenario-failed"
    SOLVER_UNKNOWN = "solver-unknown"
    VALUE_SACRIFICED = "value-sacrificed"
    UNUSED_SUPPRESSION = "unused-suppression"
    UNUSED_DECLARATION = "unused-declaration"
    UNREACHABLE_TRIGGER = "unreachable-trigger"
    UNREPAIRABLE = "unrepairable"
    BOUND_REACHED = "bound-reached"

    def __str__(self) -> str:
        return str(self.value)

    @property
    def severity(self) -> Severity:
        return KINDS[self.value]


#: kinds that mean the spec itself is malformed (no semantic check runs on it)
MALFORMED_KINDS = frozenset(
    {"syntax-error", "name-error", "type-error", "import-error"}
)

#: kinds that mean the other checks did not run or did not decide (a malformed spec, a
#: priority cycle, a solver that gave up): no filter ever hides them, or a run that decided
#: nothing would read as a pass
UNDECIDED_KINDS = MALFORMED_KINDS | {"priority-cycle", "solver-unknown"}

#: a witness value as shown to people: enum values by name, reals as exact fractions
WitnessValue = Union[bool, int, Fraction, str]
#: a witness value ready for `json.dumps`: reals as exact strings
JsonValue = Union[bool, int, str]


def json_value(value: WitnessValue) -> JsonValue:
    """A witness value as JSON holds it: booleans, integers and enum names as they are, a
    real as an exact string, `"3/2"` (or `"3"` when whole): a JSON number could not hold
    1/3 exactly. `fractions.Fraction(text)` reads it back."""
    if isinstance(value, Fraction):
        return str(value) if value.denominator != 1 else str(value.numerator)
    return value


@dataclass(frozen=True, slots=True)
class Label:
    """A labelled span: primary labels get `^^^`, secondary ones `---`."""

    span: Span
    message: str = ""
    primary: bool = False


@dataclass(frozen=True)
class TimedWitness:
    """The time of a timed finding's witness (time.md), in exact seconds: the event
    occurrences, the instances with their windows, and a conduct where one is involved."""

    #: (time, event) in order
    timeline: tuple[tuple[Fraction, str], ...] = ()
    #: (norm, trigger time, modality, target text, window start, window end or None,
    #: status: "active" or "defeated")
    instances: tuple[tuple[str, Fraction, str, str, Fraction, Fraction | None, str], ...] = ()
    #: (time, the actions done then)
    conduct: tuple[tuple[Fraction, tuple[str, ...]], ...] = ()
    #: for a conflict: "possible" (a conduct repairs every violation) or "impossible"
    repair: str | None = None
    #: (time, varying fact, its value from then on), at 0 and at each occurrence
    values: tuple[tuple[Fraction, str, WitnessValue], ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            **({"repair": self.repair} if self.repair is not None else {}),
            "timeline": [{"time": json_value(t), "event": e} for t, e in self.timeline],
            **({"values": [{"time": json_value(t), "fact": f, "value": json_value(v)}
                           for t, f, v in self.values]} if self.values else {}),
            "instances": [{"norm": n, "trigger": json_value(t), "modality": m, "target": x,
                           "window": [json_value(lo), None if hi is None else json_value(hi)],
                           "status": st} for n, t, m, x, lo, hi, st in self.instances],
            "conduct": [{"time": json_value(t), "actions": list(a)} for t, a in self.conduct],
        }


@dataclass(frozen=True)
class Witness:
    """A concrete situation (and conduct, where one is involved) behind a finding."""

    situation: dict[str, WitnessValue] = field(default_factory=dict)
    conduct: dict[str, bool] = field(default_factory=dict)
    defines: dict[str, WitnessValue] = field(default_factory=dict)
    active: tuple[str, ...] = ()
    defeated: tuple[str, ...] = ()
    #: the trace of a timed spec (None for an atemporal one)
    time: TimedWitness | None = None

    def to_json(self) -> dict[str, object]:
        """The witness ready for `json.dumps` (as `--format json` writes it: see
        `json_value`)."""
        return {
            "situation": {k: json_value(v) for k, v in self.situation.items()},
            "conduct": dict(self.conduct),
            "defines": {k: json_value(v) for k, v in self.defines.items()},
            "active": list(self.active),
            "defeated": list(self.defeated),
            **({"time": self.time.to_json()} if self.time is not None else {}),
        }

    def __hash__(self) -> int:
        # the generated one would hash the dicts and fail: findings go in sets too
        return hash((tuple(sorted(self.situation.items())), tuple(sorted(self.conduct.items())),
                     tuple(sorted(self.defines.items())), self.active, self.defeated,
                     self.time))


@dataclass(frozen=True)
class Finding:
    """One result of checking a spec: a malformed construct or a proved property of its meaning."""

    kind: str
    message: str
    span: Span
    labels: tuple[Label, ...] = ()
    norms: tuple[str, ...] = ()
    witness: Witness | None = None
    help: tuple[str, ...] = ()
    values: tuple[tuple[str, ...], ...] = ()
    #: the root file this finding was checked under (`None` until a check names it)
    root: str | None = None

    @property
    def severity(self) -> Severity:
        return KINDS[self.kind]

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path, self.span.line, self.span.col, self.kind, self.message)


def format_value(value: WitnessValue) -> str:
    """How a witness value is written in text output: `true`, `17`, `3/2`, `high`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return str(value)
    return str(value)
