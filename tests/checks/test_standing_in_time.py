"""Standing norms in a spec with time (time.md, Meaning): a norm without `on` is one
instance whose window is every instant where its conditions hold. Over facts that do not
change, a standing `must not` or `may` is the norm `on start ... eventually`; held here
against specs that write it so."""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from normlang.api import check, load_text

HEAD = "agent bot\nevent e\nevent f\naction bot.a\naction bot.b\nfact p: bool\nfact q: bool\n"


def findings(text: str) -> list[tuple[str, tuple[str, ...], str, object]]:
    result = check(load_text(HEAD + text, "spec.norm"))
    return sorted((f.kind, f.norms, re.sub(r"\d+:\d+", "L:C", f.message),
                   None if f.witness is None else sorted(f.witness.situation.items()))
                  for f in result.findings)


def test_a_standing_ban_clashes_with_a_deadline_across_time() -> None:
    found = findings(textwrap.dedent("""\
        norm stay when p bot must not a
        norm go on e bot must a within 1 min
        """))
    conflicts = [f for f in found if f[0] == "conflict"]
    assert [f[1] for f in conflicts] == [("go", "stay")]
    assert dict(conflicts[0][3])["p"] is True  # type: ignore[call-overload]


def test_a_higher_deadline_defeats_a_standing_ban_on_its_window_only() -> None:
    text = textwrap.dedent("""\
        layers law > company
        norm go @law on e bot must a within 1 min
        norm stay @company bot must not a
        """)
    assert [(f[0], f[1]) for f in findings(text) if f[0] != "unused-declaration"] == [
        ("overridden", ("stay", "go"))]


def test_a_dead_standing_norm_says_its_conditions_never_hold() -> None:
    result = check(load_text(HEAD + "norm n when p and not p bot must not a\n"
                             "norm m on e bot must b\n", "spec.norm"))
    dead = [f for f in result.findings if f.kind == "dead-norm"]
    assert [f.message for f in dead] == [
        "norm `n` never applies: its conditions never hold (in traces with at most 2 "
        "occurrences of each event)"]


def test_a_standing_must_that_doing_nothing_breaks_cannot_be_obeyed() -> None:
    # it demands `a` at every instant where p holds: at all but finitely many, nothing is done
    result = check(load_text(HEAD + "norm n when p bot must a\nnorm m on e bot must b\n",
                             "spec.norm"))
    conflicts = [f for f in result.findings if f.kind == "conflict"]
    assert [(f.norms, f.message) for f in conflicts] == [(("n",), "norm `n` cannot be obeyed")]
    assert conflicts[0].witness is not None and conflicts[0].witness.situation["p"] is True


def test_a_standing_must_that_doing_nothing_meets_is_a_ban_on_breaking_it() -> None:
    # `must (not b or a)` at every instant: never `b` without `a`
    text = "norm n bot must (not b or a)\nnorm m on e bot must b within 1 min\n"
    assert [f[0] for f in findings(text) if f[0] != "unused-declaration"] == []
    found = findings("constraint not (bot.a and bot.b)\n" + text)
    assert [(f[0], f[1]) for f in found if f[0] == "conflict"] == [("conflict", ("m", "n"))]
    assert findings(text.replace("bot must (not b or a)", "bot must not (b and not a)")) == \
        findings(text)


def test_a_standing_must_never_applying_is_dead() -> None:
    result = check(load_text(HEAD + "norm n when p and not p bot must a\n"
                             "norm m on e bot must b\n", "spec.norm"))
    assert [f.kind for f in result.findings if f.norms == ("n",)] == ["dead-norm"]


@pytest.mark.parametrize(("text", "message"), [
    ("layers hi > lo\nnorm n @lo bot must a\nnorm m @hi on e bot must not a within 1 s\n",
     "a standing `must` that another norm may defeat is not supported yet in a spec with time"),
    ("norm n when e bot must not a\nnorm m on f bot must b\n",
     "standing norms whose conditions read events are not supported yet"),
    ("define hot = e or p\nnorm n when hot bot must not a\nnorm m on f bot must b\n",
     "standing norms whose conditions read events are not supported yet"),
])
def test_what_a_standing_norm_cannot_be_yet(text: str, message: str) -> None:
    loaded = load_text(HEAD + text, "spec.norm")
    messages = [f.message for f in loaded.findings]
    if loaded.spec is not None and message not in messages:
        messages += [f.message for f in check(loaded).findings]
    assert message in messages


conditions = st.sampled_from(["", " when p", " when not p", " when p and q", " unless q"])
windows = st.sampled_from(["", " within 30 s", " within 2 min", " within [10 s, 90 s]",
                           " eventually"])
targets = st.sampled_from(["a", "b", "(a and b)", "(a or b)"])


@st.composite
def mixed_specs(draw: st.DrawFn) -> tuple[str, str]:
    """Triggered duties and bans beside standing bans and permissions; and the same spec
    with each standing norm written `on start ... eventually`."""
    layered = draw(st.booleans())
    head = "layers high > low\n" if layered else ""
    standing, written = [head], [head]
    for i in range(draw(st.integers(1, 3))):
        layer = f" @{draw(st.sampled_from(['high', 'low']))}" if layered else ""
        trigger = draw(st.sampled_from(["e", "f"]))
        modality = draw(st.sampled_from(["must", "must not"]))
        line = (f"norm t{i}{layer} on {trigger}{draw(conditions)} bot {modality} "
                f"{draw(targets)}{draw(windows)}\n")
        standing.append(line)
        written.append(line)
    for i in range(draw(st.integers(1, 2))):
        layer = f" @{draw(st.sampled_from(['high', 'low']))}" if layered else ""
        when, modality, target = draw(conditions), draw(st.sampled_from(["must not", "may"])), \
            draw(targets)
        standing.append(f"norm s{i}{layer}{when} bot {modality} {target}\n")
        written.append(f"norm s{i}{layer} on start{when} bot {modality} {target} eventually\n")
    return "".join(standing), "".join(written)


@settings(max_examples=40, deadline=None)
@given(mixed_specs())
def test_a_standing_norm_means_the_norm_on_start_that_never_ends(
        pair: tuple[str, str]) -> None:
    standing, written = pair
    assert findings(standing) == findings(written)
