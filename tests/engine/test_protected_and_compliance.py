"""Issue 17, examples 4 and 5: a lower layer may be stricter than a higher `may` unless that
permission is `protected`, and `complies with` cannot pass vacuously (language.md, *Meaning*:
"clash"; *What normcheck reports*: the three conditions of `complies with`)."""

from __future__ import annotations

import textwrap

from engine_helpers import kinds, run

import normlang
from normlang.runtime.query import query

HOSPITAL = """
    layers law > hospital
    agent hospital
    fact incapacitated: bool
    action hospital.tell_family
    norm inform_family @law {protected} "Health Privacy Act s. 12"
      when incapacitated
      hospital may tell_family
    norm never_share @hospital "Hospital policy 4.2"
      hospital must not tell_family
"""


def _status(text: str, **given: object) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    loaded = normlang.load_text(textwrap.dedent(text), "spec.norm")
    assert loaded.spec is not None, [f.message for f in loaded.findings]
    answer = query(loaded.spec, given)
    return (answer.statuses["hospital.tell_family"], tuple(answer.active),
            tuple(answer.defeated))


def test_a_higher_may_does_not_defeat_a_stricter_lower_rule():
    text = HOSPITAL.format(protected="")
    status, active, defeated = _status(text, incapacitated=True)
    assert status == "forbidden"
    assert active == ("inform_family", "never_share") and defeated == ()
    assert not [f for f in run(text) if f.kind in ("overridden", "shadowed-norm")]


def test_a_protected_may_still_defeats_a_lower_rule():
    text = HOSPITAL.format(protected="protected")
    status, active, defeated = _status(text, incapacitated=True)
    assert status == "permitted"
    assert active == ("inform_family",) and defeated == ("never_share",)
    assert kinds(run(text)) == [("overridden", ("never_share", "inform_family"))]


def test_a_may_still_clashes_with_a_norm_of_its_own_layer_or_a_higher_one():
    lower_may = """
        layers law > hospital
        agent hospital
        action hospital.tell_family
        norm secrecy @law hospital must not tell_family
        norm allowed @hospital hospital may tell_family
    """
    assert kinds(run(lower_may)) == [("overridden", ("allowed", "secrecy")),
                                     ("shadowed-norm", ("allowed", "secrecy"))]
    same_layer = """
        layers law > hospital
        agent hospital
        action hospital.tell_family
        norm allowed @hospital overrides quiet hospital may tell_family
        norm quiet @hospital hospital must not tell_family
    """
    assert kinds(run(same_layer)) == [("overridden", ("quiet", "allowed")),
                                      ("shadowed-norm", ("quiet", "allowed"))]


def test_protected_applies_to_permissions_only():
    loaded = normlang.load_text(textwrap.dedent("""
        layers law > hospital
        agent hospital
        action hospital.tell_family
        norm n @law protected hospital must tell_family
    """), "spec.norm")
    [error] = [f for f in loaded.findings if f.severity.value == "error"]
    assert error.kind == "type-error"
    assert error.message.startswith("`protected` applies to `may` norms only")
    assert (error.span.line, error.span.col) == (5, 13)
