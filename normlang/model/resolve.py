"""Names and types: the ASTs of a root file and its imports -> one `Spec`.

Every declared name is bound once; unknown names get a did-you-mean; enum
values resolve by the type they meet; expressions are type-checked and
lowered to the core language of `spec.py`, with defines inlined. `loader.Loader`
reads and parses the files first.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core.findings import Finding, Label
from ..core.options import CheckOptions
from ..core.source import SourceFile, Span
from ..core.suggest import closest
from ..syntax import ast
from ..syntax.grammar import KEYWORDS
from .imports import ParsedFile, error
from .names import DeclaredNames
from .spec import (
    ActionDecl,
    EnumType,
    Expectation,
    FactDecl,
    Located,
    NormDecl,
    PriorityEdge,
    RExpr,
    Scenario,
    ScenarioExpectation,
    Spec,
    TimeModel,
    ValueDecl,
)
from .typing_base import Context
from .typing_rules import Typer
from .unused import unused_declarations


@dataclass
class _Declared:
    """A name and where it was first declared."""

    span: Span
    what: str


@dataclass
class Resolver:
    """Turns the parsed files of one root into a `Spec`, collecting findings."""

    root: str
    files: list[ParsedFile]
    sources: dict[str, SourceFile]
    root_dir: Path
    options: CheckOptions
    findings: list[Finding] = field(default_factory=list)

    def resolve(self) -> tuple[Spec | None, list[Finding]]:
        from .branches import clause_names, expand_branches
        from .time_support import is_timed, refusals

        written = [d for f in self.files if f.file for d in f.file.decls]
        self.clauses = clause_names(written)
        decls = expand_branches(written)

        self.findings.extend(refusals(decls))
        timed = is_timed(decls)
        self.layers = self._layers(decls)
        #: the names a norm or an expectation may give: without `layers`, the implicit one
        self.layer_names = self.layers or ["default"]
        names = self._collect(decls)
        events = self._events(decls, names) if timed else []
        typer = Typer(names, self.findings, max_depth=4 * self.options.max_nesting)
        facts = names.facts
        from .moral_graph import import_moral_graphs

        # first: the facts of a graph's contexts may be read anywhere a fact may
        graph_values, graph_prefers, graph_facts = import_moral_graphs(
            [d for d in decls if isinstance(d, ast.ImportValues)], self, typer, names)
        norms = [self._norm(d, typer) for d in decls if isinstance(d, ast.Norm)]
        norm_names = {n.name for n in norms if n is not None}
        edges = self._overrides(decls, typer, norm_names)
        values = {v.name.name: ValueDecl(v.name.name, v.description, v.span)
                  for v in decls if isinstance(v, ast.Value)}
        self._merge_graph_values(values, graph_values, decls)
        kept = [n for n in norms if n is not None]
        self._check_serves(decls, kept, values)
        edges += self._prefers(decls, typer, values, kept) + self._expand_prefers(
            graph_prefers, kept)
        spec = Spec(
            root=self.root,
            layers=tuple(self.layers) or ("default",),
            enums=names.enums,
            facts={**{n: f for n, f in facts.items() if n not in events}, **graph_facts},
            actions=names.actions,
            norms=tuple(kept),
            agents=tuple(names.agents),
            defines=dict(typer.define_values().items()),
            assumes=tuple(Located(typer.condition(d.expr, Context.CONDITION), d.span)
                          for d in decls if isinstance(d, ast.Assume)),
            constraints=tuple(Located(typer.condition(d.expr, Context.CONSTRAINT), d.span)
                              for d in decls if isinstance(d, ast.Constraint)),
            edges=tuple(edges),
            values=values,
            expectations=tuple(e for d in decls if isinstance(d, ast.Expect)
                               for e in [self._expectation(d, typer)] if e is not None),
            scenarios=tuple(self._scenario(d, typer) for d in decls
                            if isinstance(d, ast.Scenario)),
            files=dict(self.sources),
            unused=tuple(unused_declarations(decls)),
            time=self._time(decls, events, typer) if timed else None,
        )
        return spec, self.findings

    def _events(self, decls: list[ast.Decl], names: DeclaredNames) -> list[str]:
        from .time_resolve import declare_events

        seen = set(names.facts) | set(names.defines)

        def declare(namespace: str, ident: ast.Ident, what: str) -> bool:
            self._keyword(ident, what)
            if ident.name in seen:
                self.findings.append(error(
                    "name-error", f"{what} `{ident.name}` is declared twice", ident.span,
                    "each name is declared exactly once in a spec (imports included)"))
                return False
            seen.add(ident.name)
            return True

        return declare_events(decls, names, declare)

    def _time(self, decls: list[ast.Decl], events: list[str], typer: Typer) -> TimeModel:
        from .time_resolve import time_model

        return time_model(decls, events, typer, self.findings, self._text)

    # ------------------------------------------------------------ declarations

    def _layers(self, decls: list[ast.Decl]) -> list[str]:
        declared = [d for d in decls if isinstance(d, ast.Layers)]
        if not declared:
            return []
        first = declared[0]
        names = [i.name for i in first.names]
        for ident in first.names:
            self._keyword(ident, "layer")
        if len(set(names)) != len(names):
            dup = next(i for i in first.names if names.count(i.name) > 1)
            self.findings.append(error("name-error", f"layer `{dup.name}` is listed twice",
                                       dup.span))
        for other in declared[1:]:
            if [i.name for i in other.names] != names:
                self.findings.append(error(
                    "name-error", "a spec has one `layers` order, and these two differ",
                    other.span, "declare the order once, in the file the others import",
                    labels=(Label(first.span, "first declared here"),)))
        return names

    def _keyword(self, ident: ast.Ident, what: str) -> bool:
        if ident.name in KEYWORDS:
            self.findings.append(error("syntax-error",
                                       f"`{ident.name}` is a keyword and cannot name {_article(what)} {what}",
                                       ident.span, "choose another name"))
            return True
        return False

    def _collect(self, decls: list[ast.Decl]) -> DeclaredNames:
        names = DeclaredNames()
        seen: dict[tuple[str, str], _Declared] = {}

        def declare(namespace: str, ident: ast.Ident, what: str, key: str | None = None) -> bool:
            self._keyword(ident, what)
            slot = (namespace, key or ident.name)
            if slot in seen:
                first = seen[slot]
                self.findings.append(error(
                    "name-error", f"{what} `{key or ident.name}` is declared twice", ident.span,
                    "each name is declared exactly once in a spec (imports included)",
                    labels=(Label(first.span, f"first declared here as {first.what}"),)))
                return False
            seen[slot] = _Declared(ident.span, what)
            return True

        for decl in decls:
            if isinstance(decl, ast.Agent) and declare("agent", decl.name, "agent"):
                names.agents[decl.name.name] = None
            elif isinstance(decl, ast.Enum) and declare("type", decl.name, "enum"):
                values = [v.name for v in decl.values]
                for value in decl.values:
                    self._keyword(value, "enum value")
                if len(set(values)) != len(values):
                    dup = next(v for v in decl.values if values.count(v.name) > 1)
                    self.findings.append(error(
                        "name-error", f"enum `{decl.name.name}` lists `{dup.name}` twice",
                        dup.span))
                names.enums[decl.name.name] = EnumType(decl.name.name, tuple(dict.fromkeys(values)),
                                                       decl.ordered, decl.span)
            elif isinstance(decl, ast.Value):
                declare("value", decl.name, "value")
            elif isinstance(decl, ast.Norm):
                declare("norm", decl.name, "norm")
            elif isinstance(decl, ast.Scenario):
                declare("scenario", decl.name, "scenario")
        for decl in decls:
            if isinstance(decl, ast.Fact) and declare("expr", decl.name, "fact"):
                fact = self._fact(decl, names)
                if fact is not None:
                    names.facts[fact.name] = fact
            elif isinstance(decl, ast.Define) and declare("expr", decl.name, "define"):
                names.defines[decl.name.name] = decl
            elif isinstance(decl, ast.Action):
                qualified = f"{decl.agent.name}.{decl.name.name}"
                self._keyword(decl.name, "action")
                if decl.agent.name not in names.agents:
                    self.findings.append(_unknown("agent", decl.agent, list(names.agents)))
                elif declare("action", decl.name, "action", qualified):
                    names.actions[qualified] = ActionDecl(qualified, decl.agent.name, decl.span)
        return names

    def _fact(self, decl: ast.Fact, names: DeclaredNames) -> FactDecl | None:
        fact = self._fact_of_type(decl, names)
        return replace(fact, varying=True) if fact is not None and decl.varying else fact

    def _fact_of_type(self, decl: ast.Fact, names: DeclaredNames) -> FactDecl | None:
        kind = decl.type
        name = decl.name.name
        if kind.kind == "enum":
            if kind.enum not in names.enums:
                self.findings.append(_unknown("type", ast.Ident(kind.enum or "", kind.span),
                                              [*list(names.enums), "bool", "int", "real"]))
                return None
            return FactDecl(name, "enum", decl.span, enum=kind.enum)
        if kind.kind == "int" and (kind.low is not None or kind.high is not None):
            low, high = kind.low, kind.high
            if not isinstance(low, int) or not isinstance(high, int):
                self.findings.append(error("type-error", "the bounds of an `int in LO..HI` range "
                                           "must be whole numbers", kind.span))
                return None
            if low > high:
                self.findings.append(error("type-error", f"the range `{low}..{high}` is empty",
                                           kind.span, f"did you mean `{high}..{low}`?"))
                return None
            return FactDecl(name, "int", decl.span, low=low, high=high)
        return FactDecl(name, kind.kind, decl.span)

    def _norm(self, decl: ast.Norm, typer: Typer) -> NormDecl | None:
        ok = True
        layer = self.layers[-1] if self.layers else "default"
        if decl.layer is not None:
            if decl.layer.name in self.layer_names:
                layer = decl.layer.name
            else:
                self.findings.append(_unknown("layer", decl.layer, self.layer_names))
                ok = False
        if decl.agent.name not in typer.names.agents:
            self.findings.append(_unknown("agent", decl.agent, list(typer.names.agents)))
            return None
        when = typer.condition(decl.when, Context.CONDITION) if decl.when else None
        unless = typer.condition(decl.unless, Context.CONDITION) if decl.unless else None
        target = typer.condition(decl.target, Context.TARGET, agent=decl.agent.name)
        if not ok:
            return None
        from .spec import FALSE, TRUE

        return NormDecl(
            name=decl.name.name, layer=layer,
            rank=self.layers.index(layer) if self.layers else 0,
            modality=decl.modality, agent=decl.agent.name, target=target,
            span=decl.span, duty_span=decl.duty_span,
            when=when if when is not None else TRUE,
            unless=unless if unless is not None else FALSE,
            source=decl.source, serves=tuple(v.name for v in decl.serves),
            protected=decl.protected,
        )

    def _overrides(self, decls: list[ast.Decl], typer: Typer,
                   norms: set[str]) -> list[PriorityEdge]:
        from .spec import TRUE

        edges = []
        for decl in decls:
            if not isinstance(decl, ast.Norm):
                continue
            for override in decl.overrides:
                if override.norm.name not in norms:
                    self.findings.append(_unknown("norm", override.norm, norms))
                    continue
                if override.norm.name == decl.name.name:
                    # the shortest priority cycle: a norm ranked above itself
                    self.findings.append(error(
                        "priority-cycle", f"norm `{decl.name.name}` overrides itself: a priority cycle",
                        override.span, "`overrides` names another norm, of the same or a lower "
                                       "layer"))
                    continue
                when = typer.condition(override.when, Context.CONDITION) if override.when else TRUE
                for loser in [override.norm.name, *self.clauses.get(override.norm.name, ())]:
                    edges.append(PriorityEdge(decl.name.name, loser, when, "overrides",
                                              override.span))
        return edges

    def _merge_graph_values(self, values: dict[str, ValueDecl], imported: dict[str, ValueDecl],
                            decls: list[ast.Decl]) -> None:
        """Values of moral graphs join the declared ones; a name may not be both."""
        for name, value in imported.items():
            if name in values:
                self.findings.append(error(
                    "name-error", f"value `{name}` of the moral graph is already declared",
                    value.span, "each name is declared exactly once in a spec (imports included)",
                    labels=(Label(values[name].span, "first declared here as value"),)))
                continue
            values[name] = value

    def _check_serves(self, decls: list[ast.Decl], norms: list[NormDecl],
                      values: dict[str, ValueDecl]) -> None:
        for decl in decls:
            if isinstance(decl, ast.Norm):
                for value in decl.serves:
                    if value.name not in values:
                        self.findings.append(_unknown("value", value, sorted(values)))

    def _prefers(self, decls: list[ast.Decl], typer: Typer, values: dict[str, ValueDecl],
                 norms: list[NormDecl]) -> list[PriorityEdge]:
        from .spec import TRUE

        wanted = []
        for decl in decls:
            if not isinstance(decl, ast.Prefer):
                continue
            bad = False
            for ident in (decl.higher, decl.lower):
                if ident.name not in values:
                    self.findings.append(_unknown("value", ident, sorted(values)))
                    bad = True
            if decl.higher.name == decl.lower.name and not bad:
                self.findings.append(error(
                    "priority-cycle", f"value `{decl.higher.name}` is preferred over itself: a priority cycle",
                    decl.lower.span, "`prefer A over B` names two different values"))
                bad = True
            if bad:
                continue
            when = typer.condition(decl.when, Context.CONDITION) if decl.when else TRUE
            wanted.append((decl.higher.name, decl.lower.name, when, decl.span))
        return self._expand_prefers(wanted, norms)

    def _expand_prefers(self, prefers: list[tuple[str, str, RExpr, Span]],
                        norms: list[NormDecl]) -> list[PriorityEdge]:
        """Each `prefer A over B` as edges from the norms serving A to those serving B in their layer.

        Indexed by value, so the work is that of the edges made (not prefers x norms x norms);
        the edges come in the order of the pairs of `norms`.
        """
        if not prefers:
            return []
        serving: dict[str, list[NormDecl]] = {}
        serving_in_rank: dict[tuple[str, int], list[NormDecl]] = {}
        for norm in norms:
            for value in dict.fromkeys(norm.serves):
                serving.setdefault(value, []).append(norm)
                serving_in_rank.setdefault((value, norm.rank), []).append(norm)
        edges = []
        for higher, lower, when, span in prefers:
            for m in serving.get(higher, ()):
                for n in serving_in_rank.get((lower, m.rank), ()):
                    if n.name != m.name:
                        edges.append(PriorityEdge(m.name, n.name, when, "prefer", span))
        return edges

    def _expectation(self, decl: ast.Expect, typer: Typer) -> Expectation | None:
        body = decl.body
        text = self._text(body.span)
        if isinstance(body, ast.ExpectConsistent):
            return Expectation("consistent", decl.span, text="consistent")
        if isinstance(body, ast.ExpectComplies):
            bad = False
            for ident in (body.lower, body.higher):
                if ident.name not in self.layer_names:
                    self.findings.append(_unknown("layer", ident, self.layer_names))
                    bad = True
            for agent in body.agents:
                if agent.name not in typer.names.agents:
                    self.findings.append(_unknown("agent", agent, list(typer.names.agents)))
                    bad = True
            if bad:
                return None
            return Expectation("complies", decl.span, lower=body.lower.name,
                               higher=body.higher.name, agents=tuple(a.name for a in body.agents),
                               text=text)
        if isinstance(body, ast.ExpectTimed):
            return None  # refused by `time_support.refusals`
        assert isinstance(body, ast.ExpectFormula)
        formula = typer.condition(body.formula, Context.EXPECT)
        return Expectation(body.quantifier, decl.span, formula=formula, text=text)

    def _scenario(self, decl: ast.Scenario, typer: Typer) -> Scenario:
        from .spec import And

        given = tuple(typer.condition(g, Context.CONDITION) for g in decl.given)
        expects = tuple(ScenarioExpectation(typer.condition(e.formula, Context.EXPECT), e.span,
                                            self._text(e.formula.span))
                        for e in decl.expects)
        return Scenario(decl.name.name, And(given), expects, decl.span)

    def _text(self, span: Span) -> str:
        source = self.sources.get(span.path)
        if source is None:
            return ""
        start, end = _with_its_parentheses(source.text, span.start, span.end)
        return " ".join(source.text[start:end].split())


def _with_its_parentheses(text: str, start: int, end: int) -> tuple[int, int]:
    """`start`, `end` widened over the parentheses the expression there opens or closes
    without its partner: `(p) and (q)` spans from `p` to `q`, as lark's tree does."""
    depth = lowest = 0
    for char in text[start:end]:
        depth += (char == "(") - (char == ")")
        lowest = min(lowest, depth)
    for _ in range(-lowest):  # closed inside, opened before
        before = text[:start].rstrip()
        if not before.endswith("("):
            break
        start = len(before) - 1
    for _ in range(depth - lowest):  # opened inside, closed after
        after = len(text) - len(text[end:].lstrip())
        if not text.startswith(")", after):
            break
        end = after + 1
    return start, end




def _unknown(what: str, ident: ast.Ident, known: Collection[str]) -> Finding:
    close = closest(ident.name, known)
    help_lines = (f"did you mean `{close}`?",) if close is not None else ()
    if what == "layer" and list(known) == ["default"] and close is None:
        help_lines = ("this spec declares no layers (its one layer is `default`); "
                      "add `layers a > b` to name them",)
    return error("name-error", f"unknown {what} `{ident.name}`", ident.span, *help_lines)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
