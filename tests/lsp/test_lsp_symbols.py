"""The symbol index: each name read as the resolver reads it, each span exactly the name."""

from __future__ import annotations

from pathlib import Path

from normlang.core.source import SourceFile
from normlang.lsp.symbols import Symbol, build_index
from normlang.syntax.lower import lower
from normlang.syntax.parser import parse

SPEC = """\
agent bot
agent clerk
action bot.talk
action clerk.talk
enum Level { low, high }
enum Tone { low, loud }
fact level: Level
fact tone: Tone
define urgent = level == high
norm n
  when level == low and tone == low and urgent
  bot must talk
expect possible permitted clerk . talk
"""


def index_of(text: str):  # type: ignore[no-untyped-def]
    source = SourceFile("spec.norm", text)
    tree = parse(source).tree
    assert tree is not None
    file, problems = lower(tree, source)
    assert not problems
    return build_index([(Path("spec.norm"), source, file)])


def named(text: str, symbol: Symbol) -> list[str]:
    index = index_of(text)
    return [text[o.span.start:o.span.end] + ("!" if o.declaration else "")
            for o in index.uses(symbol)]


def test_an_enum_value_is_read_by_the_fact_it_is_compared_with() -> None:
    assert named(SPEC, Symbol("enum value", "Level.low")) == ["low!", "low"]
    assert named(SPEC, Symbol("enum value", "Tone.low")) == ["low!", "low"]
    assert named(SPEC, Symbol("enum value", "Level.high")) == ["high!", "high"]


def test_a_bare_action_in_a_target_is_the_norms_agents() -> None:
    index = index_of(SPEC)
    target = SPEC.index("bot must talk") + len("bot must ")
    found = index.at(Path("spec.norm"), target)
    assert found is not None and found.symbol == Symbol("action", "bot.talk")


def test_a_dotted_action_splits_into_its_agent_and_its_action() -> None:
    assert named(SPEC, Symbol("action", "clerk.talk")) == ["talk!", "talk"]
    assert named(SPEC, Symbol("agent", "clerk")) == ["clerk!", "clerk", "clerk"]


def test_defines_facts_and_norms_are_found_where_they_are_used() -> None:
    assert named(SPEC, Symbol("define", "urgent")) == ["urgent!", "urgent"]
    assert named(SPEC, Symbol("fact", "level")) == ["level!", "level", "level"]
    assert named(SPEC, Symbol("norm", "n")) == ["n!"]
