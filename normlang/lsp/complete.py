"""Completion: keywords, and the names the spec declares that fit where the cursor is."""

from __future__ import annotations

import re

from lsprotocol import types

from .symbols import SymbolIndex

#: every keyword of the grammar (grammar/norm.lark)
KEYWORDS = (
    "layers", "agent", "enum", "fact", "action", "define", "assume", "constraint", "norm",
    "import", "values", "value", "prefer", "over", "expect", "consistent", "always", "never",
    "possible", "complies", "with", "for", "scenario", "given", "when", "unless", "must",
    "must not", "may", "protected", "serves", "overrides", "obliged", "forbidden", "permitted",
    "conflict", "true", "false", "bool", "int", "real", "in", "not", "and", "or",
)

_ITEM_KINDS = {
    "layer": types.CompletionItemKind.Module,
    "agent": types.CompletionItemKind.Class,
    "enum": types.CompletionItemKind.Enum,
    "enum value": types.CompletionItemKind.EnumMember,
    "fact": types.CompletionItemKind.Variable,
    "action": types.CompletionItemKind.Method,
    "define": types.CompletionItemKind.Constant,
    "norm": types.CompletionItemKind.Function,
    "value": types.CompletionItemKind.Property,
    "scenario": types.CompletionItemKind.Event,
}

_AFTER_DOT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.[A-Za-z0-9_]*$")
_AFTER_AT = re.compile(r"@[A-Za-z0-9_]*$")
_IN_OVERRIDES = re.compile(r"\boverrides\s+[A-Za-z0-9_,\s]*$")
_IN_SERVES = re.compile(r"\bserves\s+[A-Za-z0-9_,\s]*$")
_FACT_TYPE = re.compile(r"^\s*fact\s+[A-Za-z0-9_]+\s*:\s*[A-Za-z0-9_]*$")
_COMPARED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(==|!=|<=|>=|<|>)\s*[A-Za-z0-9_]*$")
#: in a norm's target, after `AGENT must|must not|may`: that agent's actions, bare
_TARGET = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s+(?:must\s+not|must|may)\s+[^#]*$")
_COMPLIES = re.compile(r"^\s*expect\s+[A-Za-z0-9_]*$|\bcomplies\s+with\s+[A-Za-z0-9_]*$")


def completions(index: SymbolIndex, before: str) -> list[types.CompletionItem]:
    """What may be typed at a cursor with `before` to its left on its line."""
    dotted = _AFTER_DOT.search(before)
    if dotted:  # `agent.` — that agent's actions
        agent = dotted.group(1)
        return [_item(o.symbol.short, "action", o.symbol.name)
                for o in index.declared("action") if o.symbol.name.startswith(f"{agent}.")]
    if _AFTER_AT.search(before):
        return _names(index, "layer")
    if _FACT_TYPE.search(before):
        return [_keyword(word) for word in ("bool", "int", "real")] + _names(index, "enum")
    if _IN_SERVES.search(before):
        return _names(index, "value")
    if _IN_OVERRIDES.search(before):
        return _names(index, "norm")
    target = _TARGET.search(before)
    if target and not before.lstrip().startswith(("expect", "scenario", "define", "norm")):
        agent = target.group(1)
        actions = [_item(o.symbol.short, "action", o.symbol.name)
                   for o in index.declared("action") if o.symbol.name.startswith(f"{agent}.")]
        if actions:
            return actions + [_keyword(word) for word in ("not", "and", "or")]
    compared = _COMPARED.search(before)
    if compared:
        values = _enum_values_of_fact(index, compared.group(1))
        if values:
            return values
    items = [_keyword(word) for word in KEYWORDS]
    for kind in ("fact", "define", "agent", "action", "enum value", "layer", "norm", "value"):
        items.extend(_names(index, kind))
    if _COMPLIES.search(before):
        items = _names(index, "layer") + items
    return items


def _enum_values_of_fact(index: SymbolIndex, fact: str) -> list[types.CompletionItem]:
    declared = [o for o in index.declared("fact") if o.symbol.name == fact]
    if not declared or declared[0].decl is None:
        return []
    type_ref = getattr(declared[0].decl, "type", None)
    enum = getattr(type_ref, "enum", None)
    if enum is None:
        return []
    return [_item(o.symbol.short, "enum value", o.symbol.name)
            for o in index.declared("enum value") if o.symbol.name.startswith(f"{enum}.")]


def _names(index: SymbolIndex, kind: str) -> list[types.CompletionItem]:
    seen: dict[str, types.CompletionItem] = {}
    for occurrence in index.declared(kind):
        symbol = occurrence.symbol
        label = symbol.name if kind == "action" else symbol.short
        seen.setdefault(label, _item(label, kind, symbol.name))
    return list(seen.values())


def _item(label: str, kind: str, name: str) -> types.CompletionItem:
    return types.CompletionItem(label=label, kind=_ITEM_KINDS[kind], detail=f"{kind} {name}")


def _keyword(word: str) -> types.CompletionItem:
    return types.CompletionItem(label=word, kind=types.CompletionItemKind.Keyword,
                                detail="keyword")
