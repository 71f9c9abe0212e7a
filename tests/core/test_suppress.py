"""`# normcheck: ignore[KIND]` comments, through the library's `check`."""

from __future__ import annotations

import textwrap

import normlang

CONFLICT = """
    agent bot
    action bot.answer
    fact night: bool
    norm quiet bot must not answer{quiet}
    {before}norm{header}
      when night
      bot must answer{loud}
"""


def kinds(quiet: str = "", before: str = "", header: str = " loud", loud: str = "") -> list[str]:
    text = textwrap.dedent(CONFLICT.format(quiet=quiet, before=before, header=header, loud=loud))
    return [f.kind for f in normlang.check(normlang.load_text(text, "s.norm")).findings]


def test_without_a_suppression_the_conflict_is_reported() -> None:
    assert kinds() == ["conflict"]


def test_a_trailing_comment_on_either_norm_silences_it() -> None:
    assert kinds(quiet="  # normcheck: ignore[conflict]") == []
    assert kinds(loud="  # normcheck: ignore[conflict]") == []
    # on the norm's first line, though the caret is on a later one
    assert kinds(header=" loud  # why: the vendor says so; normcheck: ignore[conflict]") == []


def test_a_comment_alone_on_the_line_before_silences_the_next_line() -> None:
    assert kinds(before="# normcheck: ignore[conflict]\n") == []
    assert kinds(before="# normcheck: ignore[conflict]\n\n# reviewed\n") == []


def test_an_unused_or_unknown_suppression_is_reported() -> None:
    found = normlang.check(normlang.load_text(textwrap.dedent(CONFLICT.format(
        quiet="  # normcheck: ignore[conflict, dead-norm, conflcit]", before="",
        header=" loud", loud="")), "s.norm")).findings
    assert [(f.kind, f.message) for f in found] == [
        ("unused-suppression", "suppression of `dead-norm` silences nothing here"),
        ("unused-suppression", "unknown finding kind `conflcit` in a suppression")]
    assert found[1].help == ("did you mean `conflict`?",)
    assert (found[0].span.line, found[0].span.col) == (5, 63)
    assert all(f.severity.value == "warning" for f in found)


def test_a_suppression_of_another_kind_or_elsewhere_silences_nothing() -> None:
    assert kinds(quiet="  # normcheck: ignore[dead-norm]") == ["conflict", "unused-suppression"]
    text = textwrap.dedent(CONFLICT.format(quiet="", before="", header=" loud", loud=""))
    moved = text + "define later = night  # normcheck: ignore[conflict]\n"
    found = normlang.check(normlang.load_text(moved, "s.norm")).findings
    assert [f.kind for f in found] == ["conflict", "unused-declaration", "unused-suppression"]


def test_a_hash_inside_a_string_is_no_comment() -> None:
    text = textwrap.dedent(CONFLICT.format(
        quiet="", before="", header=' loud "# normcheck: ignore[conflict]"', loud=""))
    assert [f.kind for f in normlang.check(normlang.load_text(text, "s.norm")).findings] == [
        "conflict"]


def test_a_malformed_spec_cannot_be_silenced() -> None:
    found = normlang.check(normlang.load_text(
        "agent bot\nnorm n bot must nothing  # normcheck: ignore[name-error]\n", "s.norm")).findings
    assert [f.kind for f in found] == ["name-error", "unused-suppression"]
    assert found[1].message == "`name-error` cannot be silenced"


def test_a_priority_cycle_cannot_be_silenced_nor_ignored() -> None:
    text = ("agent a\naction a.x\nnorm n1 overrides n2 a must x  # normcheck: ignore[priority-cycle]\n"
            "norm n2 overrides n1 a must not x\n")
    found = normlang.check(normlang.load_text(text, "s.norm"),
                           options=normlang.CheckOptions(ignore="error")).findings
    assert [f.kind for f in found] == ["priority-cycle", "unused-suppression"]
    assert found[1].message == "`priority-cycle` cannot be silenced"
