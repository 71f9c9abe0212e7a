"""Every name a set of parsed files declares and every place one is used, found in their ASTs.

Names are global across a file and its imports. A bare name is read the way the resolver
reads it: in a norm's target, an action of the norm's agent first; compared with a fact of
an enum type, a value of that enum; otherwise a fact, a define, an action, then an enum value.
A name that reads as nothing declared is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core.source import SourceFile, Span
from ..syntax import ast

#: the kinds of symbol, as hover and the outline name them
KINDS = ("layer", "agent", "enum", "enum value", "fact", "action", "define", "norm", "value",
         "scenario")


@dataclass(frozen=True)
class Symbol:
    """A declared name: an action as `agent.name`, an enum value as `Enum.value`."""

    kind: str
    name: str

    @property
    def short(self) -> str:
        """The name as it is written at a declaration (the part after the dot)."""
        return self.name.rsplit(".", 1)[-1] if self.kind in ("action", "enum value") else self.name


@dataclass(frozen=True)
class Occurrence:
    """One place a symbol's name is written: `span` covers exactly that name."""

    symbol: Symbol
    path: Path
    span: Span
    declaration: bool = False
    #: the declaration this is part of (the norm, fact, ... at a declaration)
    decl: ast.Decl | None = None


#: what `_occurrences` hands `_norm_occurrences`: makers of declarations, uses and reads
_Make = Callable[..., Occurrence]
_Use = Callable[[str, ast.Ident], Occurrence]
_Read = Callable[..., Iterator[Occurrence]]

_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})


@dataclass
class SymbolIndex:
    """Declarations and uses, by symbol and by file."""

    occurrences: list[Occurrence] = field(default_factory=list)
    by_file: dict[Path, list[Occurrence]] = field(default_factory=dict)

    def add(self, occurrence: Occurrence) -> None:
        self.occurrences.append(occurrence)
        self.by_file.setdefault(occurrence.path, []).append(occurrence)

    def at(self, path: Path, offset: int) -> Occurrence | None:
        """The occurrence whose name covers `offset` (its end included: a cursor after it)."""
        for occurrence in self.by_file.get(path, ()):
            if occurrence.span.start <= offset <= occurrence.span.end:
                return occurrence
        return None

    def declarations(self, symbol: Symbol) -> list[Occurrence]:
        return [o for o in self.occurrences if o.symbol == symbol and o.declaration]

    def uses(self, symbol: Symbol) -> list[Occurrence]:
        return [o for o in self.occurrences if o.symbol == symbol]

    def declared(self, kind: str) -> list[Occurrence]:
        return [o for o in self.occurrences if o.declaration and o.symbol.kind == kind]


@dataclass
class _Names:
    """What the files declare, for reading bare names."""

    facts: dict[str, ast.Fact] = field(default_factory=dict)
    defines: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def action_named(self, name: str, agent: str | None) -> str | None:
        if agent is not None and f"{agent}.{name}" in self.actions:
            return f"{agent}.{name}"
        matches = [a for a in self.actions if a.split(".", 1)[1] == name]
        return matches[0] if len(matches) == 1 else None

    def enum_of(self, expr: ast.Expr) -> str | None:
        """The enum type of a fact named by `expr`, if it is one."""
        if isinstance(expr, ast.Name) and expr.name in self.facts:
            type_ref = self.facts[expr.name].type
            return type_ref.enum if type_ref.kind == "enum" else None
        return None


def build_index(files: Iterable[tuple[Path, SourceFile, ast.File]]) -> SymbolIndex:
    """The index of these parsed files, read as one spec."""
    parsed = list(files)
    names = _Names()
    for _path, _source, file in parsed:
        _collect(file, names)
    index = SymbolIndex()
    for path, source, file in parsed:
        for decl in file.decls:
            for occurrence in _occurrences(decl, path, source, names):
                index.add(occurrence)
    for occurrences in index.by_file.values():
        occurrences.sort(key=lambda o: o.span.start)
    return index


def _collect(file: ast.File, names: _Names) -> None:
    for decl in file.decls:
        if isinstance(decl, ast.Fact):
            names.facts[decl.name.name] = decl
        elif isinstance(decl, ast.Define):
            names.defines.add(decl.name.name)
        elif isinstance(decl, ast.Action):
            names.actions.add(f"{decl.agent.name}.{decl.name.name}")
        elif isinstance(decl, ast.Enum):
            names.enums[decl.name.name] = tuple(v.name for v in decl.values)


def _occurrences(decl: ast.Decl, path: Path, source: SourceFile,
                 names: _Names) -> Iterator[Occurrence]:
    def declared(kind: str, ident: ast.Ident, name: str | None = None) -> Occurrence:
        return Occurrence(Symbol(kind, name or ident.name), path, ident.span, True, decl)

    def used(kind: str, ident: ast.Ident) -> Occurrence:
        return Occurrence(Symbol(kind, ident.name), path, ident.span, False, decl)

    def read(expr: ast.Expr | None, agent: str | None = None) -> Iterator[Occurrence]:
        if expr is not None:
            yield from _expr_occurrences(expr, path, source, names, agent, decl)

    if isinstance(decl, ast.Layers):
        yield from (declared("layer", name) for name in decl.names)
    elif isinstance(decl, ast.Agent):
        yield declared("agent", decl.name)
    elif isinstance(decl, ast.Enum):
        yield declared("enum", decl.name)
        yield from (declared("enum value", v, f"{decl.name.name}.{v.name}") for v in decl.values)
    elif isinstance(decl, ast.Fact):
        yield declared("fact", decl.name)
        if decl.type.kind == "enum" and decl.type.enum is not None:
            yield Occurrence(Symbol("enum", decl.type.enum), path, decl.type.span, False, decl)
    elif isinstance(decl, ast.Action):
        yield used("agent", decl.agent)
        yield declared("action", decl.name, f"{decl.agent.name}.{decl.name.name}")
    elif isinstance(decl, ast.Define):
        yield declared("define", decl.name)
        yield from read(decl.expr)
    elif isinstance(decl, (ast.Assume, ast.Constraint)):
        yield from read(decl.expr)
    elif isinstance(decl, ast.Norm):
        yield from _norm_occurrences(decl, declared, used, read)
    elif isinstance(decl, ast.Value):
        yield declared("value", decl.name)
    elif isinstance(decl, ast.Prefer):
        yield used("value", decl.higher)
        yield used("value", decl.lower)
        yield from read(decl.when)
    elif isinstance(decl, ast.Expect):
        body = decl.body
        if isinstance(body, ast.ExpectFormula):
            yield from read(body.formula)
        elif isinstance(body, ast.ExpectComplies):
            yield used("layer", body.lower)
            yield used("layer", body.higher)
            yield from (used("agent", agent) for agent in body.agents)
    elif isinstance(decl, ast.Scenario):
        yield declared("scenario", decl.name)
        for given in decl.given:
            yield from read(given)
        for expect in decl.expects:
            yield from read(expect.formula)


def _norm_occurrences(norm: ast.Norm, declared: _Make, used: _Use, read: _Read
                      ) -> Iterator[Occurrence]:
    yield declared("norm", norm.name)
    if norm.layer is not None:
        yield used("layer", norm.layer)
    yield from (used("value", value) for value in norm.serves)
    for override in norm.overrides:
        yield used("norm", override.norm)
        yield from read(override.when)
    yield from read(norm.when)
    yield from read(norm.unless)
    yield used("agent", norm.agent)
    yield from read(norm.target, norm.agent.name)


def _expr_occurrences(expr: ast.Expr, path: Path, source: SourceFile, names: _Names,
                      agent: str | None, decl: ast.Decl) -> Iterator[Occurrence]:
    stack: list[tuple[ast.Expr, str | None]] = [(expr, None)]
    while stack:
        node, enum = stack.pop()
        if isinstance(node, ast.Name):
            symbol = _read_name(node.name, names, agent, enum)
            if symbol is not None:
                yield Occurrence(symbol, path, node.span, False, decl)
        elif isinstance(node, ast.Dotted):
            yield from _dotted(node, path, source, decl)
        elif isinstance(node, ast.Unary):
            stack.append((node.operand, None))
        elif isinstance(node, ast.Deontic):
            stack.append((node.target, None))
        elif isinstance(node, ast.Binary):
            compare = node.op in _COMPARISONS
            stack.append((node.right, names.enum_of(node.left) if compare else None))
            stack.append((node.left, names.enum_of(node.right) if compare else None))

def _read_name(name: str, names: _Names, agent: str | None, enum: str | None) -> Symbol | None:
    if enum is not None and name in names.enums.get(enum, ()):
        return Symbol("enum value", f"{enum}.{name}")
    if agent is not None and f"{agent}.{name}" in names.actions:
        return Symbol("action", f"{agent}.{name}")
    if name in names.facts:
        return Symbol("fact", name)
    if name in names.defines:
        return Symbol("define", name)
    action = names.action_named(name, None)
    if action is not None:
        return Symbol("action", action)
    owners = [e for e, values in names.enums.items() if name in values]
    return Symbol("enum value", f"{owners[0]}.{name}") if len(owners) == 1 else None


def _dotted(node: ast.Dotted, path: Path, source: SourceFile,
            decl: ast.Decl) -> Iterator[Occurrence]:
    start, end = node.span.start, node.span.end
    agent_end = start + len(node.agent)
    yield Occurrence(Symbol("agent", node.agent), path, source.span(start, agent_end), False, decl)
    yield Occurrence(Symbol("action", f"{node.agent}.{node.action}"), path,
                     source.span(end - len(node.action), end), False, decl)

