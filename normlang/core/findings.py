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
}

#: kinds that mean the spec itself is malformed (no semantic check runs on it)
MALFORMED_KINDS = frozenset(
    {"syntax-error", "name-error", "type-error", "import-error"}
)

#: a witness value as shown to people: enum values by name, reals as exact fractions
WitnessValue = Union[bool, int, Fraction, str]


@dataclass(frozen=True, slots=True)
class Label:
    """A labelled span: primary labels get `^^^`, secondary ones `---`."""

    span: Span
    message: str = ""
    primary: bool = False


@dataclass(frozen=True)
class Witness:
    """A concrete situation (and conduct, where one is involved) behind a finding."""

    situation: dict[str, WitnessValue] = field(default_factory=dict)
    conduct: dict[str, bool] = field(default_factory=dict)
    defines: dict[str, WitnessValue] = field(default_factory=dict)
    active: tuple[str, ...] = ()
    defeated: tuple[str, ...] = ()

    def __hash__(self) -> int:
        # the generated one would hash the dicts and fail: findings go in sets too
        return hash((tuple(sorted(self.situation.items())), tuple(sorted(self.conduct.items())),
                     tuple(sorted(self.defines.items())), self.active, self.defeated))


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
