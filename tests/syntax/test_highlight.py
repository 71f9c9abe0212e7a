"""The Pygments lexer and the TextMate grammar: they read every example and agree on the keywords."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    String,
    _TokenType,
)

from normlang.syntax import highlight
from normlang.syntax.grammar import CONTEXTUAL_KEYWORDS
from normlang.syntax.highlight import KEYWORDS, NormLexer

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE_FILES = sorted((ROOT / "examples").rglob("*.norm"))
GRAMMAR = ROOT / "grammar" / "norm.lark"
TEXTMATE = ROOT / "editors" / "norm.tmLanguage.json"


def tokens(text: str) -> list[tuple[_TokenType, str]]:
    return [(kind, value) for kind, value in NormLexer().get_tokens(text) if value.strip()]


def kind_of(text: str, word: str) -> _TokenType:
    return next(kind for kind, value in tokens(text) if value == word)


def test_there_are_example_files() -> None:
    assert len(EXAMPLE_FILES) >= 10


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLE_FILES])
def test_every_example_tokenizes_without_error_tokens(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    pieces = list(NormLexer().get_tokens(text))
    errors = [value for kind, value in pieces if kind in Error]
    assert errors == []
    assert "".join(value for _, value in pieces).rstrip("\n") == text.rstrip("\n")


def test_the_readmes_norm_blocks_tokenize_without_error_tokens() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```norm\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    assert blocks
    for block in blocks:
        assert [v for k, v in tokens(block) if k in Error] == []


def test_characters_outside_the_language_are_error_tokens() -> None:
    assert [v for k, v in tokens("norm x $ bot must a") if k in Error] == ["$"]
    assert any(k in Error for k, _ in tokens('norm x "never closed\n bot must a'))


@pytest.mark.parametrize(("text", "word", "expected"), [
    ("norm a @regulation bot must x", "@regulation", Name.Decorator),
    ("norm a @regulation bot must x", "a", Name.Function),
    ("norm a bot must not x", "must", Keyword.Reserved),
    ("norm a bot must not x", "not", Keyword.Reserved),
    ("norm a when not p bot may x", "not", Operator.Word),
    ("norm a bot may x", "may", Keyword.Reserved),
    ("expect always p -> obliged bot.x", "obliged", Operator.Word),
    ("expect always p -> obliged bot.x", "always", Keyword),
    ("expect always p -> obliged bot.x", "->", Operator),
    ("expect always p -> obliged bot.x", "x", Name.Attribute),
    ("define big = flops > 1e25", "1e25", Number.Float),
    ("define big = flops > 2.5", "2.5", Number.Float),
    ("fact age: int in 0..130", "130", Number.Integer),
    ("fact age: int in 0..130", "int", Keyword.Type),
    ("fact age: int in 0..130", "age", Name.Variable),
    ("fact age: int in 0..130", "..", Operator),
    ('norm a "Art. 50(1)" bot must x', '"Art. 50(1)"', String.Double),
    ("layers a > b  # highest first", "# highest first", Comment.Single),
    ("prefer honesty over autonomy when asked", "over", Keyword),
    ("expect possible true", "true", Keyword.Constant),
    ("norm format bot must x", "format", Name.Function),
    ("norm a agent must x", "agent", Keyword.Declaration),
    ("norm a agent must x", "must", Keyword.Reserved),
])
def test_token_kinds(text: str, word: str, expected: _TokenType) -> None:
    assert kind_of(text, word) is expected


def grammar_keywords() -> set[str]:
    grammar = GRAMMAR.read_text(encoding="utf-8")
    literals = set(re.findall(r'"([a-z]+)"', grammar))
    deontic = re.search(r"^DEONTIC[^:]*:\s*/\((.*?)\)", grammar, re.MULTILINE)
    assert deontic, "the grammar's DEONTIC terminal moved; update this test"
    return literals | set(deontic.group(1).split("|")) | {"must", "not"}


def test_lexer_keywords_are_exactly_the_grammars() -> None:
    assert grammar_keywords() == KEYWORDS | CONTEXTUAL_KEYWORDS
    assert not KEYWORDS & CONTEXTUAL_KEYWORDS


def test_registered_for_pygments_by_entry_point() -> None:
    registered = {ep.name: ep.value for ep in entry_points(group="pygments.lexers")}
    assert registered.get("norm") == "normlang.syntax.highlight:NormLexer"
    assert isinstance(get_lexer_by_name("norm"), NormLexer)
    assert isinstance(get_lexer_for_filename("policy.norm"), NormLexer)


def test_normcheck_does_not_import_the_highlighter(tmp_path: Path) -> None:
    spec = tmp_path / "a.norm"
    spec.write_text("agent bot\naction bot.x\nnorm a bot must x\n", encoding="utf-8")
    probe = ("import sys\nfrom normlang.cli.main import main\n"
             f"try:\n    main(['--no-cache', {str(spec)!r}])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m == 'pygments' or m.endswith('.highlight')))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.stdout.strip().splitlines()[-1] == "[]", run.stderr


# ------------------------------------------------------------------ TextMate grammar

def textmate() -> dict[str, object]:
    document = json.loads(TEXTMATE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def rules(node: object) -> list[dict[str, object]]:
    """Every rule object in the grammar, depth first."""
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        if any(key in node for key in ("match", "begin", "include")):
            found.append(node)
        for value in node.values():
            found.extend(rules(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(rules(item))
    return found


def test_textmate_grammar_is_well_formed() -> None:
    document = textmate()
    assert document["scopeName"] == "source.norm"
    assert document["fileTypes"] == ["norm"]
    repository = document["repository"]
    assert isinstance(repository, dict)
    for rule in rules(document):
        include = rule.get("include")
        if isinstance(include, str) and include.startswith("#"):
            assert include[1:] in repository, f"include of a missing rule {include}"


def test_every_textmate_regex_compiles() -> None:
    patterns = [rule[key] for rule in rules(textmate()) for key in ("match", "begin", "end")
                if key in rule]
    assert len(patterns) >= 10
    for pattern in patterns:
        assert isinstance(pattern, str)
        re.compile(pattern)


def keyword_rule(scope: str) -> str:
    document = textmate()
    repository = document["repository"]
    assert isinstance(repository, dict)
    matches = [rule["match"] for rule in rules(repository["keywords"])
               if rule.get("name") == scope and "(?:" in str(rule.get("match"))]
    assert len(matches) == 1, f"expected one keyword list for {scope}"
    return str(matches[0])


@pytest.mark.parametrize(("scope", "words"), [
    ("keyword.declaration.norm", highlight.DECLARATIONS),
    ("keyword.other.clause.norm", highlight.CLAUSES),
    ("keyword.modality.norm", highlight.MODALITIES),
    ("keyword.operator.deontic.norm", highlight.DEONTIC),
    ("keyword.operator.logical.norm", highlight.LOGICAL),
    ("storage.type.norm", highlight.TYPES),
    ("constant.language.boolean.norm", highlight.CONSTANTS),
])
def test_textmate_keywords_match_the_lexers(scope: str, words: tuple[str, ...]) -> None:
    pattern = keyword_rule(scope)
    listed = re.fullmatch(r"\\b\(\?:([a-z|]+)\)\\b", pattern)
    assert listed, pattern
    assert sorted(listed.group(1).split("|")) == sorted(words)
    assert all(re.fullmatch(pattern, word) for word in words)
