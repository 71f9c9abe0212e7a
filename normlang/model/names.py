"""The names a spec declares, collected before its norms are typed."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..syntax import ast
from .spec import ActionDecl, EnumType, FactDecl


@dataclass
class DeclaredNames:
    """Everything declared so far, by kind and name."""

    #: in declaration order (a dict used as an ordered set: membership tests are frequent)
    agents: dict[str, None] = field(default_factory=dict)
    enums: dict[str, EnumType] = field(default_factory=dict)
    facts: dict[str, FactDecl] = field(default_factory=dict)
    defines: dict[str, ast.Define] = field(default_factory=dict)
    actions: dict[str, ActionDecl] = field(default_factory=dict)
