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


def _gaps(findings):
    return [(f.message.split(": ", 1)[1], f.norms) for f in findings if f.kind == "compliance-gap"]


def test_a_layer_that_contradicts_itself_does_not_comply_vacuously():
    # issue 17, example 5: no conduct complies with the vendor layer, so every conduct that
    # complies with it "complies with the law" -- vacuously; now that is a gap
    text = """
        layers law > vendor
        agent bot
        agent provider
        fact f: bool
        action bot.x
        action provider.y
        norm L1 @law provider must y
        norm V1 @vendor when f bot must x
        norm V2 @vendor when f bot must not x
        expect vendor complies with law
    """
    findings = run(text)
    gaps = [f for f in findings if f.kind == "compliance-gap"]
    assert _gaps(findings) == [
        ("it cannot be followed where `law` can (`V1` and `V2` leave no complying conduct)",
         ("V1", "V2"))]
    assert gaps[0].witness.situation == {"f": True}
    assert gaps[0].witness.conduct == {}


def test_every_broken_norm_of_the_higher_layer_is_its_own_finding():
    findings = run("""
        layers law > vendor
        agent bot
        fact f: bool
        action bot.x
        action bot.y
        norm L1 @law when f bot must x
        norm L2 @law bot must y
        norm V1 @vendor bot must not x
        norm V2 @vendor bot must not y
        expect vendor complies with law
    """)
    assert _gaps(findings) == [("conduct that follows `vendor` breaks `L1`", ("L1",)),
                               ("conduct that follows `vendor` breaks `L2`", ("L2",))]
    gaps = [f for f in findings if f.kind == "compliance-gap"]
    assert gaps[0].witness.situation == {"f": True} and gaps[0].witness.conduct["bot.x"] is False
    assert gaps[1].witness.conduct["bot.y"] is False


GDPR = """
    layers gdpr > operator
    agent data_subject
    agent scorer
    fact automated_decision: bool
    action data_subject.request_human_review
    action scorer.route_to_reviewer
    constraint data_subject.request_human_review -> scorer.route_to_reviewer
    norm art22_3 @gdpr {protected} "GDPR Art. 22(3)"
      when automated_decision
      data_subject may request_human_review
    norm fully_automated @operator "Operator policy 2.1"
      scorer must not route_to_reviewer
    expect operator complies with gdpr
"""


def test_taking_away_a_protected_permission_is_a_compliance_gap():
    findings = run(GDPR.format(protected="protected"))
    assert _gaps(findings) == [("it takes away the protected permission `art22_3`",
                                ("art22_3", "fully_automated"))]
    [gap] = [f for f in findings if f.kind == "compliance-gap"]
    assert gap.witness.situation == {"automated_decision": True}


def test_an_unprotected_permission_may_be_taken_away():
    assert _gaps(run(GDPR.format(protected=""))) == []


def test_both_layers_are_judged_on_the_judged_agents_duties_only():
    # a conflict among the lower layer's duties of another agent is not this check's business
    # (it is a `conflict`); before, it made every `complies with ... for bot` fail
    text = """
        layers law > spec
        agent bot
        agent other
        fact f: bool
        action bot.x
        action other.y
        norm L1 @law when f bot must x
        norm S1 @spec when f bot must x
        norm S2 @spec other must y
        norm S3 @spec other must not y
        expect spec complies with law for bot
        expect spec complies with law
    """
    findings = run(text)
    gaps = [(f.span.line, f.norms) for f in findings if f.kind == "compliance-gap"]
    assert gaps == [(13, ("S2", "S3"))]
