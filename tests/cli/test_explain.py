"""`normcheck explain KIND` and the findings reference of docs/language.md: one source."""

from __future__ import annotations

import re
import textwrap

import pytest
from cli_helpers import REPO, Run

import normlang
from normlang.cli.explain import reference_entries, reference_text
from normlang.core.findings import KINDS

DOC = REPO / "docs" / "language.md"
SECTION = re.compile(r"<!-- findings-reference:.*?-->\n(.*)<!-- end of findings-reference -->",
                     re.DOTALL)


def test_the_language_reference_holds_exactly_the_explain_entries() -> None:
    match = SECTION.search(DOC.read_text(encoding="utf-8"))
    assert match, "docs/language.md has no findings-reference block"
    assert match.group(1) == reference_text(), (
        "docs/language.md's findings reference differs from normlang/data/findings.md, "
        "which `normcheck explain` prints: copy the file between the markers")


def test_every_finding_kind_has_an_entry() -> None:
    assert set(reference_entries()) == set(KINDS)
    for kind, entry in reference_entries().items():
        severity = re.search(r"^- severity: (\w+)", entry, re.MULTILINE)
        assert severity and severity.group(1) == KINDS[kind].value, kind
        assert "- reported when:" in entry and "- shows:" in entry, kind


@pytest.mark.parametrize("kind", [k for k, e in reference_entries().items() if "```norm" in e])
def test_each_example_produces_its_kind(kind: str, tmp_path: object) -> None:
    code = re.search(r"```norm\n(.*?)```", reference_entries()[kind], re.DOTALL)
    assert code
    path = tmp_path / "spec.norm"  # type: ignore[operator]
    path.write_text(textwrap.dedent(code.group(1)), encoding="utf-8")
    loaded = normlang.load(str(path))
    found = {f.kind for f in loaded.findings}
    if loaded.spec is not None:
        found |= {f.kind for f in normlang.check(loaded).findings}
    assert kind in found, sorted(found)


def test_explain_prints_the_entry(run: Run) -> None:
    result = run("explain", "compliance-gap")
    assert result.returncode == 0, result.stderr
    assert result.stdout == reference_entries()["compliance-gap"] + "\n"
    assert result.stdout.startswith("### `compliance-gap`\n\n- severity: error\n")


def test_explain_without_a_kind_lists_the_kinds(run: Run) -> None:
    result = run("explain")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == list(reference_entries())


def test_an_unknown_kind_is_a_usage_error_with_a_did_you_mean(run: Run) -> None:
    result = run("explain", "conflcit")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == ("normcheck: error: unknown finding kind `conflcit`; "
                             "did you mean `conflict`?\n")
    far = run("explain", "zzz")
    assert far.returncode == 2 and "known kinds: syntax-error, name-error" in far.stderr
