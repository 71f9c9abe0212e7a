"""`import values "graph.json"`: a moral graph (values cards and "wiser" edges) as values
and contextual `prefer` edges.

Accepted shape (documented in docs/language.md)::

    {"values": [{"id": 1, "title": "Honest disclosure", "description": "..."}],
     "edges":  [{"sourceValueId": 2, "wiserValueId": 1, "contexts": ["user asks"]}]}

A value is named by the slug of its title (`honest_disclosure`). Each context
string becomes a bool fact named by its slug, unless the import's mapping
block binds it to an expression.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import ast
from .findings import Finding
from .imports import error, inside
from .source import Span
from .spec import FALSE, FactDecl, FactRef, Or, RExpr, ValueDecl
from .typing_rules import Context, Typer

if TYPE_CHECKING:
    from .resolve import Resolver, _Names

_CARD_FIELDS = {"id", "title", "description", "policies"}
_EDGE_FIELDS = {"sourceValueId", "wiserValueId", "contexts", "story"}
_TOP_FIELDS = {"values", "edges"}

Prefer = tuple[str, str, RExpr, Span]


def slug(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text.lower())
    name = "_".join(words) or "value"
    return name if not name[0].isdigit() else f"v_{name}"


def import_moral_graphs(decls: list[ast.ImportValues], resolver: Resolver, typer: Typer,
                        names: _Names) -> tuple[dict[str, ValueDecl], list[Prefer],
                                                dict[str, FactDecl]]:
    values: dict[str, ValueDecl] = {}
    prefers: list[Prefer] = []
    facts: dict[str, FactDecl] = {}
    for decl in decls:
        graph = _read(decl, resolver)
        if graph is None:
            continue
        _one_graph(decl, graph, resolver.findings, typer, names, values, prefers, facts)
    return values, prefers, facts


def _read(decl: ast.ImportValues, resolver: Resolver) -> dict[str, Any] | None:
    base = Path(decl.span.path).resolve().parent
    path = (base / decl.path).resolve()
    if not inside(path, resolver.root_dir):
        resolver.findings.append(error("import-error",
                                       f"import `{decl.path}` leaves the project root", decl.span))
        return None
    if not path.is_file():
        resolver.findings.append(error("import-error", f"moral graph `{decl.path}` does not exist",
                                       decl.span))
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as bad:
        resolver.findings.append(error(
            "import-error", f"`{decl.path}` is not valid JSON: {bad.msg} at line {bad.lineno}, "
                            f"column {bad.colno}", decl.span))
        return None
    except (OSError, UnicodeDecodeError) as bad:
        resolver.findings.append(error("import-error", f"cannot read `{decl.path}`: {bad}",
                                       decl.span))
        return None
    problem = _shape_problem(data)
    if problem:
        resolver.findings.append(error("import-error", f"`{decl.path}`: {problem}", decl.span,
                                       "expected {\"values\": [cards], \"edges\": [edges]}"))
        return None
    return data  # type: ignore[no-any-return]


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "the top level must be an object"
    unknown = set(data) - _TOP_FIELDS
    if unknown:
        return f"unknown field `{sorted(unknown)[0]}`"
    if not isinstance(data.get("values", []), list) or not isinstance(data.get("edges", []), list):
        return "`values` and `edges` must be lists"
    for index, card in enumerate(data.get("values", [])):
        if not isinstance(card, dict) or "id" not in card or not isinstance(card.get("title"), str):
            return f"values[{index}] needs an `id` and a `title`"
        if set(card) - _CARD_FIELDS:
            return f"values[{index}] has unknown field `{sorted(set(card) - _CARD_FIELDS)[0]}`"
    for index, edge in enumerate(data.get("edges", [])):
        if not isinstance(edge, dict) or not {"sourceValueId", "wiserValueId"} <= set(edge):
            return f"edges[{index}] needs `sourceValueId` and `wiserValueId`"
        if set(edge) - _EDGE_FIELDS:
            return f"edges[{index}] has unknown field `{sorted(set(edge) - _EDGE_FIELDS)[0]}`"
        contexts = edge.get("contexts", [])
        if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
            return f"edges[{index}].contexts must be a list of strings"
    return None


def _one_graph(decl: ast.ImportValues, graph: dict[str, Any], findings: list[Finding],
               typer: Typer, names: _Names, values: dict[str, ValueDecl], prefers: list[Prefer],
               facts: dict[str, FactDecl]) -> None:
    by_id: dict[str, str] = {}
    for card in graph.get("values", []):
        name = slug(card["title"])
        while name in values and values[name].description != card.get("description"):
            name = f"{name}_{card['id']}"
        values[name] = ValueDecl(name, card.get("description"), decl.span)
        by_id[str(card["id"])] = name
    mapped = {m.context: m for m in decl.mappings}
    for edge in graph.get("edges", []):
        ends = [by_id.get(str(edge[k])) for k in ("wiserValueId", "sourceValueId")]
        if None in ends:
            missing = edge["wiserValueId"] if ends[0] is None else edge["sourceValueId"]
            findings.append(error("name-error", f"an edge of `{decl.path}` names unknown value "
                                                f"id `{missing}`", decl.span))
            continue
        when = _contexts(edge.get("contexts", []), mapped, typer, names, facts, decl.span)
        prefers.append((ends[0], ends[1], when, decl.span))  # type: ignore[arg-type]


def _contexts(contexts: list[str], mapped: dict[str, ast.ContextMapping], typer: Typer,
              names: _Names, facts: dict[str, FactDecl], span: Span) -> RExpr:
    if not contexts:
        from .spec import TRUE

        return TRUE
    parts: list[RExpr] = []
    for context in contexts:
        if context in mapped:
            parts.append(typer.condition(mapped[context].expr, Context.CONDITION))
            continue
        name = slug(context)
        if name not in names.facts:
            fact = FactDecl(name, "bool", span)
            facts[name] = fact
            names.facts[name] = fact
        parts.append(FactRef(name) if names.facts[name].kind == "bool" else FALSE)
    return Or(tuple(parts)) if len(parts) > 1 else parts[0]
