"""`unless C then ...` clauses (time.md, SLEEC's `unless`): clause i of norm `N` is the
norm `N/i`, due when C_i holds and no later clause's condition does; N's own response
when none holds. Held against specs that write the clauses out as plain norms."""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import normlang
from normlang.api import check, load_text
from normlang.runtime.query import query

HEAD = "agent bot\naction bot.a\naction bot.b\naction bot.c\nfact p: bool\nfact q: bool\n" \
       "fact r: bool\n"


def spec_of(text: str) -> normlang.Loaded:
    loaded = load_text(HEAD + textwrap.dedent(text), "spec.norm")
    assert [f.message for f in loaded.findings if f.severity.value == "error"] == []
    return loaded


def test_clauses_are_read_from_the_last() -> None:
    loaded = spec_of("norm n bot must a unless p then bot must b unless q then bot must not a\n")
    assert loaded.spec is not None
    assert [n.name for n in loaded.spec.norms] == ["n", "n/1", "n/2"]
    statuses = {
        (p, q): query(loaded.spec, {"p": p, "q": q, "r": False}).statuses
        for p in (False, True) for q in (False, True)}
    assert statuses[(False, False)]["bot.a"] == "obliged"
    assert statuses[(True, False)]["bot.b"] == "obliged"
    assert statuses[(True, False)]["bot.a"] == "permitted"
    for p in (False, True):  # the last clause wins over the one before it
        assert statuses[(p, True)]["bot.a"] == "forbidden"
        assert statuses[(p, True)]["bot.b"] == "permitted"


def test_a_clause_keeps_the_norms_conditions_and_layer() -> None:
    loaded = spec_of("""\
        layers law > company
        norm n @law when r bot must a unless p then bot must b
        """)
    assert loaded.spec is not None
    clause = loaded.spec.norm("n/1")
    assert (clause.layer, clause.modality) == ("law", "must")
    assert query(loaded.spec, {"p": True, "q": False, "r": False}).statuses["bot.b"] == "permitted"
    assert query(loaded.spec, {"p": True, "q": False, "r": True}).statuses["bot.b"] == "obliged"


def test_a_finding_names_the_clause_and_points_at_it() -> None:
    loaded = spec_of("""\
        norm n bot must a
          unless p then bot must b
        norm m when p bot must not b
        """)
    result = check(loaded)
    conflicts = [f for f in result.findings if f.kind == "conflict"]
    assert [f.norms for f in conflicts] == [("m", "n/1")]
    spans = {label.span.line for f in conflicts for label in f.labels}
    assert 9 in spans  # the clause's line, `bot must b`


def test_overriding_a_norm_overrides_its_clauses() -> None:
    loaded = spec_of("""\
        norm n bot must a unless p then bot must b
        norm m overrides n when p bot must not b
        """)
    result = check(loaded)
    assert sorted((f.kind, f.norms) for f in result.findings
                  if f.kind in ("conflict", "overridden")) == [("overridden", ("n/1", "m"))]


def test_a_timed_clause_with_its_own_repair() -> None:
    loaded = load_text(textwrap.dedent("""\
        agent bot
        event fell
        action bot.call
        action bot.alert
        fact night: bool
        norm r1 on fell bot must call within 2 min
          unless night then bot must alert within 1 min
            otherwise bot must call within 5 min
        norm r2 on fell bot must not alert within 30 s
        """), "spec.norm")
    result = check(loaded)
    conflicts = [f for f in result.findings if f.kind == "conflict"]
    assert [f.norms for f in conflicts] == [("r1/1", "r2")]
    witness = conflicts[0].witness
    assert witness is not None and witness.situation["night"] is True
    assert witness.time is not None and witness.time.repair == "possible"


# ------------------------------------------------------------------ against written-out norms

conditions = st.sampled_from(["p", "q", "r", "not p", "p and q", "q or r"])
duties = st.builds(lambda m, t: f"bot {m} {t}", st.sampled_from(["must", "must not", "may"]),
                   st.sampled_from(["a", "b", "c", "(a and b)", "(b or c)"]))


@st.composite
def norms_with_clauses(draw: st.DrawFn) -> tuple[str, str]:
    """A spec whose norms have `unless ... then` clauses, and the same spec with each
    clause written as a norm of its own (`n_1`), as time.md reads them."""
    with_clauses, written_out = [], []
    for index in range(draw(st.integers(1, 3))):
        name = f"n{index}"
        when = draw(st.none() | conditions)
        head = f"norm {name}" + (f" when {when}" if when else "")
        main = draw(duties)
        clauses = [(draw(conditions), draw(duties)) for _ in range(draw(st.integers(0, 2)))]
        with_clauses.append(head + f" {main}"
                            + "".join(f" unless {c} then {d}" for c, d in clauses))
        unless = " or ".join(f"({c})" for c, _ in clauses)
        written_out.append(head + (f" unless {unless}" if unless else "") + f" {main}")
        for i, (condition, duty) in enumerate(clauses):
            later = " or ".join(f"({c})" for c, _ in clauses[i + 1:])
            cond = f"({condition})" + (f" and not ({later})" if later else "")
            if when:
                cond = f"({when}) and {cond}"
            written_out.append(f"norm {name}_{i + 1} when {cond} {duty}")
    return "\n".join(with_clauses) + "\n", "\n".join(written_out) + "\n"


def _findings(text: str, rename: bool) -> list[tuple[str, tuple[str, ...], str]]:
    result = check(load_text(HEAD + text, "spec.norm"))
    out = []
    for finding in result.findings:
        norms = tuple(sorted(n.replace("/", "_") if rename else n for n in finding.norms))
        message = re.sub(r"`(n\d)/(\d)`", r"`\1_\2`", finding.message) if rename \
            else finding.message
        out.append((finding.kind, norms, message))
    return sorted(out)


@settings(max_examples=60, deadline=None)
@given(norms_with_clauses())
def test_clauses_mean_what_the_written_out_norms_mean(pair: tuple[str, str]) -> None:
    with_clauses, written_out = pair
    assert _findings(with_clauses, rename=True) == _findings(written_out, rename=False)


@pytest.mark.parametrize("text", [
    "norm n bot must a unless p then bot must b\n",
    "event e\nnorm n on e bot must a within 1 min unless p then bot must b within 2 min\n"
    "  otherwise bot must c\n",
])
def test_clauses_are_no_longer_refused(text: str) -> None:
    loaded = load_text(HEAD + text, "spec.norm")
    assert not [f for f in loaded.findings if "not supported yet" in f.message]
