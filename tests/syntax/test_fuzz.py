"""Fuzzing: random bytes and mutated valid files give findings, never an exception.

A failing input found here is kept in tests/syntax/regressions/ and replayed by
`test_regressions` on every run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ast_strategies import small_specs
from frontend_helpers import HERE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normlang.api import CheckOptions, Loaded
from normlang.core.findings import MALFORMED_KINDS
from normlang.model.loader import Loader, load_source
from normlang.syntax import ast
from normlang.syntax.printer import file_text

REPO = HERE.parent.parent
CORPUS = sorted([*REPO.glob("examples/*/*.norm"), *HERE.glob("*.norm"),
                 *HERE.glob("fixtures/**/*.norm")])
REGRESSIONS = sorted((HERE / "regressions").glob("*.norm"))
TOKEN = re.compile(r'\s+|[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9.eE+-]*|"[^"\n]*"|#[^\n]*|.', re.S)
KEYWORD_BITS = ["norm", "when", "unless", "must", "not", "may", "(", ")", ",", "expect", "given",
                "@", "import", "\"x.norm\"", "{", "}", "=", "->", ".", "..", "in", "1e99",
                "obliged", "overrides", "serves", "scenario", "\x00", "\r\n", "é"]


def check_invariants(loaded: Loaded, text: str | None = None) -> None:
    """What every load must satisfy, whatever the input."""
    assert isinstance(loaded, Loaded)
    errors = [f for f in loaded.findings if f.severity.value == "error"]
    assert (loaded.spec is None) == bool(errors)
    for finding in loaded.findings:
        # `prefer a over a` is a cycle the front end sees without any solver
        assert finding.kind in MALFORMED_KINDS | {"priority-cycle"}, finding
        assert finding.message and finding.message == finding.message.strip()
        assert not finding.message[0].isupper(), finding.message
        assert any(label.primary for label in finding.labels), finding
        source = loaded.files.get(finding.span.path)
        if source is not None:
            assert 0 <= finding.span.start <= finding.span.end <= len(source.text)


def mutate(text: str, choices: list[tuple[int, int, int, str]]) -> str:
    tokens = TOKEN.findall(text)
    for operation, first, second, extra in choices:
        if not tokens:
            break
        i, j = first % len(tokens), second % len(tokens)
        if operation == 0:
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif operation == 1:
            del tokens[i]
        elif operation == 2:
            tokens.insert(j, tokens[i])
        else:
            tokens.insert(i, extra)
    return "".join(tokens)


mutations = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 10**6),
                               st.sampled_from(KEYWORD_BITS)), min_size=1, max_size=6)


@given(st.sampled_from(CORPUS), mutations)

def test_mutated_valid_files_never_raise(path: Path, choices: list) -> None:
    text = mutate(path.read_text(encoding="utf-8"), choices)
    check_invariants(load_source(text, str(path), CheckOptions()))


@given(st.text(max_size=300))
def test_random_text_never_raises(text: str) -> None:
    check_invariants(load_source(text, "fuzz.norm", CheckOptions()))


@given(st.binary(max_size=300))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.norm"
    path.write_bytes(data)
    check_invariants(Loader(CheckOptions()).load(path))


@given(st.lists(st.sampled_from([*KEYWORD_BITS, "p", "a", "x", "1", " ", "\n", "<", "==", "-"]),
                max_size=40))
def test_random_token_soup_never_raises(parts: list[str]) -> None:
    check_invariants(load_source(" ".join(parts), "soup.norm", CheckOptions()))


def test_the_corpus_is_not_empty() -> None:
    assert len(CORPUS) > 20


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_regressions(path: Path) -> None:
    check_invariants(Loader(CheckOptions()).load(path))


@given(small_specs)
def test_generated_specs_over_a_small_vocabulary_never_raise(file: ast.File) -> None:
    check_invariants(load_source(file_text(file), "gen.norm", CheckOptions()))
