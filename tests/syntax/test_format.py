"""The formatter: idempotent, every comment kept in order, the same declarations and the
same resolved spec before and after, on generated layouts and on every file of the repo."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from ast_strategies import PRINTED_TOKEN, files, layouts, norm_files, small_specs, timed_files
from frontend_helpers import parse_file
from hypothesis import given, settings
from hypothesis import strategies as st

from normlang.api import CheckOptions, check, load, load_text
from normlang.core.source import Span
from normlang.syntax.format import UnparsableSource, format_source
from normlang.syntax.printer import file_text

REPO = Path(__file__).resolve().parents[2]

#: comments found without the formatter's scanner: strings (which may hold `#`) skipped
_COMMENT_OR_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def comment_texts(text: str) -> list[str]:
    return [m.group().rstrip() for m in _COMMENT_OR_STRING.finditer(text.replace("\r", "\n"))
            if m.group().startswith("#")]


def shape(value: object) -> object:
    """A resolved value with what formatting may move left out: spans, source texts."""
    if isinstance(value, Span):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple(
            (f.name, shape(getattr(value, f.name))) for f in dataclasses.fields(value)
            if f.name not in ("span", "duty_span", "text", "files", "unused")))
    if isinstance(value, dict):
        return tuple(sorted((k, shape(v)) for k, v in value.items()))
    if isinstance(value, (tuple, list)):
        return tuple(shape(v) for v in value)
    return value


def assert_formats_well(text: str, path: str = "t.norm") -> str:
    out = format_source(text, path)
    assert format_source(out, path) == out, out
    assert comment_texts(out) == comment_texts(text), out
    assert parse_file(out).decls == parse_file(text).decls, out
    return out


# ---------------------------------------------------------------- generated files


@given(layouts(files))
def test_any_layout_of_any_file_formats_idempotently_keeping_comments_and_meaning(
        texts: tuple[str, str]) -> None:
    _, laid_out = texts
    assert_formats_well(laid_out)


@given(layouts(norm_files, spaces=1))
def test_comments_around_must_not_stay_and_keep_the_modality(texts: tuple[str, str]) -> None:
    _, laid_out = texts
    assert_formats_well(laid_out)


@st.composite
def spaced(draw: st.DrawFn) -> tuple[str, str]:
    """A printed file, and its tokens with other spaces and line breaks between them."""
    text = file_text(draw(files))
    gaps = st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\n  ", " \n\f"])
    return text, "".join(token + draw(gaps) for token in PRINTED_TOKEN.findall(text))


@given(spaced())
def test_the_layout_does_not_depend_on_the_layout_written(texts: tuple[str, str]) -> None:
    """Blank lines between declarations aside (kept as written), two layouts of one file
    format to the same text."""
    printed, laid_out = texts

    def without_blank_lines(text: str) -> str:
        return "".join(line for line in text.splitlines(keepends=True) if line.strip())

    assert without_blank_lines(format_source(laid_out)) == \
        without_blank_lines(format_source(printed))


@settings(max_examples=60, deadline=None)
@given(layouts(small_specs))
def test_the_resolved_spec_is_the_same_before_and_after(texts: tuple[str, str]) -> None:
    _, laid_out = texts
    out = assert_formats_well(laid_out)
    before, after = load_text(laid_out, "t.norm"), load_text(out, "t.norm")
    assert [(f.kind, f.message) for f in after.findings] == \
        [(f.kind, f.message) for f in before.findings]
    assert shape(after.spec) == shape(before.spec)


# ---------------------------------------------------------------- the files of the repository


def _norm_files(folder: str) -> list[Path]:
    return sorted((REPO / folder).rglob("*.norm"))


def _parses(path: Path) -> bool:
    try:
        format_source(path.read_text(encoding="utf-8"), str(path))
    except (UnparsableSource, UnicodeDecodeError):
        return False
    return True


TEST_FILES = [p for p in _norm_files("tests") if _parses(p)]


def test_most_test_files_parse() -> None:
    """The list below is not empty by accident (the front end's own cases do not parse)."""
    assert len(TEST_FILES) > 30


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_test_file_that_parses_formats_well(path: Path) -> None:
    assert_formats_well(path.read_text(encoding="utf-8"), str(path))


EXAMPLES = _norm_files("examples")


def test_there_are_examples() -> None:
    assert len(EXAMPLES) > 15


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_example_is_formatted_and_means_the_same_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    out = assert_formats_well(text, str(path))
    assert out == text, "run `normcheck fmt examples/`"
    # the meaning, checked on a copy whose layout is redrawn: every token on its own line
    scattered = "\n".join(re.sub(r'("(?:[^"\\\n]|\\.)*")|[ \t]+', lambda m: m.group(1) or "\n",
                                 line) if "#" not in line else line
                          for line in text.splitlines()) + "\n"
    assert format_source(scattered, str(path)) == text
    options = CheckOptions(timeout=30)
    before = check(load(path, options=options))
    after = check(load_text(scattered, str(path), options=options))
    assert shape(load(path).spec) == shape(load_text(scattered, str(path)).spec)
    assert [(f.kind, f.norms, f.witness) for f in after.findings] == \
        [(f.kind, f.norms, f.witness) for f in before.findings]


# ---------------------------------------------------------------- the layout


def test_the_canonical_layout() -> None:
    text = (
        "# head\n\nlayers a>b   # top\nagent bot\nenum E {x,y,}\nfact f : int in -5 .. 5\n"
        "action bot.go\naction bot.stop\n\n\n# about n\n"
        'norm n @a "src"   overrides m (when f>1) when f==1 and(not g) unless g bot must # why\n'
        "  not go\nnorm m when g bot must   stop  # trailing\n"
        "scenario s given f = 1, g\n  expect obliged bot.go # e\n  # own\n  expect not conflict\n"
        'import values "x.json" { "a" = f > 1, "b" = g, }\ndefine g = -f < 3 - -1\n# end')
    assert assert_formats_well(text) == (
        "# head\n\nlayers a > b  # top\nagent bot\nenum E { x, y }\nfact f: int in -5..5\n"
        "action bot.go\naction bot.stop\n\n# about n\n"
        'norm n @a "src" overrides m (when f > 1)\n  when f == 1 and (not g)\n  unless g\n'
        "  bot must  # why\n      not go\n"
        "norm m\n  when g\n  bot must stop  # trailing\n"
        "scenario s\n  given f = 1, g\n  expect obliged bot.go  # e\n  # own\n"
        "  expect not conflict\n"
        'import values "x.json" {\n  "a" = f > 1,\n  "b" = g\n}\n'
        "define g = -f < 3 - -1\n# end\n")


@given(layouts(timed_files))
def test_any_layout_of_a_timed_file_formats_idempotently_keeping_comments_and_meaning(
        texts: tuple[str, str]) -> None:
    for text in texts:
        assert_formats_well(text)


def test_the_canonical_layout_of_a_timed_norm() -> None:
    # `on` names a fact here too: only the trigger's `on` starts a line
    text = ("agent a\nevent e\nfact on: bool\nfact z: bool\naction a.x\naction a.y\n"
            "norm n on e when on a must x within 5 s otherwise a must (x and y) eventually "
            "unless z then a must y within 2 min\n")
    assert assert_formats_well(text) == (
        "agent a\nevent e\nfact on: bool\nfact z: bool\naction a.x\naction a.y\n"
        "norm n\n  on e\n  when on\n  a must x within 5 s\n"
        "  otherwise a must (x and y) eventually\n  unless z then a must y within 2 min\n")


def test_comments_stay_where_they_were() -> None:
    text = ("agent a\naction a.x\nfact p: bool\nfact q: bool\n"
            "norm n   # the header\n  when p and # first\n   # own, before q\n  q\n"
            "  a must x\n")
    assert assert_formats_well(text) == (
        "agent a\naction a.x\nfact p: bool\nfact q: bool\n"
        "norm n        # the header\n  when p and  # first\n      # own, before q\n      q\n"
        "  a must x\n")


def test_trailing_comments_of_consecutive_lines_share_a_column() -> None:
    text = "fact a: bool # one\nfact longer_name: bool # two\n\nfact c: bool   # three\n"
    assert assert_formats_well(text) == (
        "fact a: bool            # one\nfact longer_name: bool  # two\n\nfact c: bool  # three\n")


def test_line_endings_and_blank_lines() -> None:
    assert format_source("agent a\r\n\r\n\r\n\r\nagent b\r\n") == "agent a\r\n\r\nagent b\r\n"
    assert format_source("\n\n  agent a   \n\n") == "agent a\n"
    assert format_source("") == ""
    assert format_source("# only a comment") == "# only a comment\n"
    assert format_source("agent a agent b\n\nagent c") == "agent a\nagent b\n\nagent c\n"


def test_unparsable_text_is_refused_with_its_findings() -> None:
    with pytest.raises(UnparsableSource) as refused:
        format_source("norm x\n", "bad.norm")
    assert refused.value.findings[0].kind == "syntax-error"
    assert refused.value.findings[0].span.path == "bad.norm"
    assert "bad.norm:1:7" in str(refused.value)
    with pytest.raises(UnparsableSource):  # lowering problems too: two `when`s
        format_source("agent a\naction a.x\nfact p: bool\nnorm n when p when p a must x\n")


DOCS = [REPO / "README.md", REPO / "normlang" / "data" / "findings.md",
        *sorted((REPO / "docs").glob("*.md")), *sorted((REPO / "examples").rglob("README.md"))]
_NORM_BLOCK = re.compile(r"^```norm\n(.*?)^```$", re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_the_norm_blocks_of_the_docs_that_parse_are_formatted(doc: Path) -> None:
    for block in _NORM_BLOCK.findall(doc.read_text(encoding="utf-8")):
        try:
            formatted = format_source(block)
        except UnparsableSource:  # an excerpt with `...`, or a syntax error shown on purpose
            continue
        assert formatted == block


def test_a_window_between_two_durations_keeps_its_brackets_tight() -> None:
    text = "agent c\naction c.beat\nnorm n on c.beat c must beat within [ 1 s ,2 s ]\n"
    assert assert_formats_well(text) == (
        "agent c\naction c.beat\nnorm n\n  on c.beat\n  c must beat within [1 s, 2 s]\n")


def test_a_timed_scenario_puts_each_occurrence_line_on_its_own() -> None:
    source = ("agent bot\nevent e\naction bot.a\nnorm n on e bot must a within 1 s\n"
              "scenario s at 0 s e at 5 s e given bot.a at 1 s expect obliged bot.a after 1 s\n")
    assert format_source(source, "spec.norm").endswith(
        "scenario s\n  at 0 s e\n  at 5 s e\n  given bot.a at 1 s\n"
        "  expect obliged bot.a after 1 s\n")
