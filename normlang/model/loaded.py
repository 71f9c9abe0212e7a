"""A root file and its imports, as loading leaves them for the checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.findings import Finding
from ..core.source import SourceFile

if TYPE_CHECKING:
    from .spec import Spec


@dataclass
class Loaded:
    """A root file and its imports: the resolved spec, or the findings that say why there is none."""

    root: str
    spec: Spec | None
    findings: list[Finding] = field(default_factory=list)
    files: dict[str, SourceFile] = field(default_factory=dict)
