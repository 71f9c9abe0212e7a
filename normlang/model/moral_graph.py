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

import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..core.disk import disk
from ..core.findings import Finding
from ..core.newlines import universal_newlines
from ..core.source import SourceFile, Span
from ..syntax import ast
from ..syntax.grammar import KEYWORDS
from .imports import display_path, error, import_target, printable, through_link
from .spec import FALSE, TRUE, FactDecl, FactRef, Or, RExpr, ValueDecl
from .typing_base import Context
from .typing_rules import Typer

if TYPE_CHECKING:
    from ..core.options import CheckOptions
    from .names import DeclaredNames

_CARD_FIELDS = {"id", "title", "description", "policies"}
_EDGE_FIELDS = {"sourceValueId", "wiserValueId", "contexts", "story"}
_TOP_FIELDS = {"values", "edges"}

Prefer = tuple[str, str, RExpr, Span]


class GraphReading(Protocol):
    """What reading a moral graph needs of the resolver: where it may read, what it has read."""

    findings: list[Finding]
    sources: dict[str, SourceFile]
    root_dir: Path
    options: CheckOptions


def slug(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text.lower())
    name = "_".join(words) or "value"
    return name if not name[0].isdigit() and name not in KEYWORDS else f"v_{name}"


def import_moral_graphs(decls: list[ast.ImportValues], resolver: GraphReading, typer: Typer,
                        names: DeclaredNames) -> tuple[dict[str, ValueDecl], list[Prefer],
                                                dict[str, FactDecl]]:
    """The values, contextual preferences and context facts of every `import values`."""
    values: dict[str, ValueDecl] = {}
    prefers: list[Prefer] = []
    facts: dict[str, FactDecl] = {}
    for decl in decls:
        graph = _read(decl, resolver)
        if graph is None:
            continue
        _one_graph(decl, graph, resolver.findings, typer, names, values, prefers, facts)
    return values, prefers, facts


def _read(decl: ast.ImportValues, resolver: GraphReading) -> dict[str, Any] | None:
    findings = resolver.findings
    files = disk()
    base = files.resolve(Path(decl.span.path)).parent
    path = import_target(base, decl.path, resolver.root_dir, ".json")
    if not isinstance(path, Path):
        findings.append(error("import-error", path[0], decl.span, *filter(None, [path[1]])))
        return None
    try:
        info = files.stat(path)
    except OSError:
        findings.append(error("import-error", f"moral graph `{printable(decl.path)}` does not exist",
                              decl.span))
        return None
    if not stat.S_ISREG(info.st_mode):
        findings.append(error("import-error", f"moral graph `{printable(decl.path)}` is not a regular file",
                              decl.span, "folders, devices, FIFOs and sockets are never read"))
        return None
    limit = resolver.options.max_file_bytes
    if info.st_size > limit:
        findings.append(error("import-error", f"moral graph `{printable(decl.path)}` is {info.st_size} "
                                              f"bytes, over the limit of {limit}", decl.span))
        return None
    import json  # here: every spec passes through this module, few import a graph

    try:
        text = universal_newlines(files.read(path).decode("utf-8").removeprefix("\ufeff"))
        # a file the spec read, as a .norm file is: the result cache re-checks it
        shown = display_path(path)
        resolver.sources[shown] = SourceFile(shown, text)
        written = base / decl.path  # through a link: listed too, so that repointing it counts
        if through_link(written):
            resolver.sources.setdefault(display_path(written), resolver.sources[shown])
        data = json.loads(text)
    except json.JSONDecodeError as bad:
        findings.append(error(
            "import-error", f"`{printable(decl.path)}` is not valid JSON: {bad.msg.lower()} at line "
                            f"{bad.lineno}, column {bad.colno}", decl.span))
        return None
    except RecursionError:
        findings.append(error("import-error", f"`{printable(decl.path)}` nests too deep", decl.span))
        return None
    except UnicodeDecodeError:
        findings.append(error("import-error", f"`{printable(decl.path)}` is not UTF-8 text", decl.span))
        return None
    except ValueError:  # what json leaves to int(): a number of over 4,300 digits
        findings.append(error("import-error", f"`{printable(decl.path)}` holds a number too long "
                                              f"to read (over 4,300 digits)", decl.span))
        return None
    except OSError as bad:
        findings.append(error("import-error", f"cannot read `{printable(decl.path)}`: {bad.strerror}",
                              decl.span))
        return None
    problem = _shape_problem(data)
    if problem:
        findings.append(error("import-error", f"`{printable(decl.path)}`: {problem}", decl.span,
                              'expected {"values": [{"id", "title", "description"}], '
                              '"edges": [{"sourceValueId", "wiserValueId", "contexts"}]}'))
        return None
    return data  # type: ignore[no-any-return]


def _is_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "the top level must be an object"
    unknown = set(data) - _TOP_FIELDS
    if unknown:
        return f"unknown field `{sorted(unknown)[0]}`"
    if not isinstance(data.get("values", []), list) or not isinstance(data.get("edges", []), list):
        return "`values` and `edges` must be lists"
    seen: set[str] = set()
    for index, card in enumerate(data.get("values", [])):
        if not isinstance(card, dict) or not _is_id(card.get("id")) \
                or not isinstance(card.get("title"), str):
            return f"values[{index}] needs an `id` (number or string) and a `title` (string)"
        if set(card) - _CARD_FIELDS:
            return f"values[{index}] has unknown field `{sorted(set(card) - _CARD_FIELDS)[0]}`"
        if not isinstance(card.get("description", ""), (str, type(None))):
            return f"values[{index}].description must be a string"
        if str(card["id"]) in seen:
            return f"values[{index}] repeats the id `{card['id']}`"
        seen.add(str(card["id"]))
    for index, edge in enumerate(data.get("edges", [])):
        if not isinstance(edge, dict) or not {"sourceValueId", "wiserValueId"} <= set(edge):
            return f"edges[{index}] needs `sourceValueId` and `wiserValueId`"
        if set(edge) - _EDGE_FIELDS:
            return f"edges[{index}] has unknown field `{sorted(set(edge) - _EDGE_FIELDS)[0]}`"
        if not _is_id(edge["sourceValueId"]) or not _is_id(edge["wiserValueId"]):
            return f"edges[{index}]: value ids are numbers or strings"
        contexts = edge.get("contexts", [])
        if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
            return f"edges[{index}].contexts must be a list of strings"
    return None


def _one_graph(decl: ast.ImportValues, graph: dict[str, Any], findings: list[Finding],
               typer: Typer, names: DeclaredNames, values: dict[str, ValueDecl], prefers: list[Prefer],
               facts: dict[str, FactDecl]) -> None:
    by_id: dict[str, str] = {}
    #: per name already taken, the last number tried after it: each card finds a free name
    #: in constant time however many cards share a title (a loop over `_`, `__`, ... made
    #: 8,000 such cards take most of a minute)
    numbered: dict[str, int] = {}
    for card in graph.get("values", []):
        name = slug(card["title"])
        if name in values:
            suffix = "_".join(re.findall(r"[a-z0-9]+", str(card["id"]).lower()))
            name = f"{name}_{suffix}" if suffix else name
        if name in values:
            base, number = name, numbered.get(name, 1)
            while name in values:
                number += 1
                name = f"{base}_{number}"
            numbered[base] = number
        values[name] = ValueDecl(name, card.get("description"), decl.span)
        by_id[str(card["id"])] = name
    mapped = {m.context: m for m in decl.mappings}
    used: set[str] = set()
    for edge in graph.get("edges", []):
        ends = [by_id.get(str(edge[k])) for k in ("wiserValueId", "sourceValueId")]
        if None in ends:
            missing = edge["wiserValueId"] if ends[0] is None else edge["sourceValueId"]
            findings.append(error("name-error", f"an edge of `{printable(decl.path)}` names unknown value "
                                                f"id `{missing}`", decl.span))
            continue
        contexts = edge.get("contexts", [])
        used.update(contexts)
        if ends[0] == ends[1]:  # as `prefer A over A` in a .norm file
            findings.append(error("priority-cycle", f"an edge of `{printable(decl.path)}` prefers "
                                                    f"value `{ends[0]}` over itself: a priority cycle",
                                  decl.span))
            continue
        when = _contexts(contexts, mapped, typer, names, facts, decl.span, findings)
        prefers.append((ends[0], ends[1], when, decl.span))  # type: ignore[arg-type]
    for context, mapping in mapped.items():
        if context not in used:
            import difflib

            close = difflib.get_close_matches(context, sorted(used), n=1, cutoff=0.6)
            findings.append(error("name-error", f"`{printable(decl.path)}` has no context \"{context}\"",
                                  mapping.span, *([f'did you mean "{close[0]}"?'] if close else [])))


def _contexts(contexts: list[str], mapped: dict[str, ast.ContextMapping], typer: Typer,
              names: DeclaredNames, facts: dict[str, FactDecl], span: Span,
              findings: list[Finding]) -> RExpr:
    if not contexts:
        return TRUE
    parts: list[RExpr] = []
    for context in contexts:
        if context in mapped:
            parts.append(typer.condition(mapped[context].expr, Context.CONDITION))
            continue
        name = slug(context)
        if name in names.defines:  # facts and defines share names: the define is meant
            parts.append(typer.condition(ast.Name(name, span), Context.CONDITION))
            continue
        if name not in names.facts:
            fact = FactDecl(name, "bool", span)
            facts[name] = fact
            names.facts[name] = fact
        if names.facts[name].kind != "bool":
            findings.append(error("type-error", f"context \"{context}\" stands for fact `{name}`, "
                                                f"which is not a bool", span,
                                  f'map it in the import\'s block: {{ "{context}" = ... }}'))
            parts.append(FALSE)
            continue
        parts.append(FactRef(name))
    return Or(tuple(parts)) if len(parts) > 1 else parts[0]
