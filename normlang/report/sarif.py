"""`--format sarif`: SARIF 2.1.0, one rule per finding kind."""

from __future__ import annotations

import json
from typing import Any

from ..core.findings import KINDS, Finding
from ..core.source import Span
from .model import NormLocator, Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

RULE_HELP = {
    "syntax-error": "The file does not follow the .norm grammar.",
    "name-error": "A name is unknown, declared twice, or a define refers to itself.",
    "type-error": "An expression mixes types, or reads something its context cannot read.",
    "import-error": "An import is missing, leaves the project root, or forms a cycle.",
    "priority-cycle": "Layers, overrides and prefer edges make a norm rank above itself.",
    "conflict": "In some situation no conduct complies with all active norms.",
    "undermined-permission": "An active permission cannot be used by any complying conduct.",
    "dead-norm": "The norm applies in no situation.",
    "shadowed-norm": "The norm applies somewhere but is always defeated.",
    "overridden": "Two norms clash and priority resolves it.",
    "redundant-norm": "Removing the norm changes no situation's complying conducts.",
    "expectation-failed": "An `expect` does not hold in every situation.",
    "compliance-gap": "Conduct that follows a lower layer breaks a norm of a higher one.",
    "scenario-failed": "A scenario's expectation is false in its situation.",
    "solver-unknown": "The solver gave up; the property was not decided.",
    "value-sacrificed": "A norm serving a value is defeated in some situations.",
    "unused-suppression": "A `# normcheck: ignore[KIND]` comment silences nothing.",
    "unused-declaration": "A fact, action, agent, define or value that nothing reads.",
    "unreachable-trigger": "No complying conduct does the action that triggers the norm.",
    "unrepairable": "Violating the norm forces breaking its otherwise duty or another norm.",
    "bound-reached": "Complying conducts need instances deeper than the depth bound.",
}

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _location(span: Span, message: str = "") -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(span.path)},
            "region": {"startLine": span.line, "startColumn": span.col,
                       "endLine": span.end_line, "endColumn": max(span.end_col, 1)},
        }
    }
    if message:
        location["message"] = {"text": message}
    return location


def _uri(path: str) -> str:
    from pathlib import PurePath
    from urllib.parse import quote

    posix = PurePath(path).as_posix() if PurePath(path).is_absolute() else path.replace("\\", "/")
    try:  # a file name that is not UTF-8 holds its bytes as surrogates: percent-encoded back
        quoted = quote(posix, errors="surrogateescape")
    except UnicodeEncodeError:  # another lone surrogate: shown as its escape
        quoted = quote(posix, errors="backslashreplace")
    return "file://" + quoted if PurePath(path).is_absolute() else quoted


def _related(finding: Finding, locator: NormLocator) -> list[dict[str, Any]]:
    """Secondary labels, then the declaration of every involved norm not already pointed at."""
    located = [(label.span, label.message) for label in finding.labels if not label.primary]
    declarations = locator.locate(finding)
    for norm in finding.norms:
        if norm in declarations:
            located.append((declarations[norm], f"norm `{norm}`"))
    related: list[dict[str, Any]] = []
    seen = {(finding.span.path, finding.span.line)}
    for span, message in located:
        if (span.path, span.line) in seen and message.startswith("norm `"):
            continue
        seen.add((span.path, span.line))
        location = _location(span, message)
        location["id"] = len(related)
        related.append(location)
    return related


def _result(finding: Finding, rule_index: dict[str, int],
            locator: NormLocator) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.kind,
        "ruleIndex": rule_index[finding.kind],
        "level": _LEVEL[finding.severity.value],
        "message": {"text": finding.message},
        "locations": [_location(finding.span)],
    }
    related = _related(finding, locator)
    if related:
        result["relatedLocations"] = related
    properties: dict[str, Any] = {
        "norms": list(finding.norms), "help": list(finding.help),
        "root": finding.root if finding.root is not None else finding.span.path}
    if finding.witness is not None:
        from .json import witness_to_dict

        properties["witness"] = witness_to_dict(finding.witness)
    if finding.values:
        properties["values"] = [list(side) for side in finding.values]
    result["properties"] = properties
    return result


def render_sarif(report: Report) -> str:
    from ..core.version import __version__

    locator = NormLocator(report.sources)
    kinds = list(KINDS)
    rule_index = {kind: index for index, kind in enumerate(kinds)}
    rules = [{
        "id": kind,
        "name": "".join(part.title() for part in kind.split("-")),
        "shortDescription": {"text": RULE_HELP[kind]},
        "help": {"text": RULE_HELP[kind]},
        "defaultConfiguration": {"level": _LEVEL[KINDS[kind].value]},
    } for kind in kinds]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "normcheck", "version": __version__,
                                "informationUri": "https://github.com/normlang/normlang",
                                "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, rule_index, locator) for f in report.findings],
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
