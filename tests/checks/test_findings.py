"""Hand-written cases for every finding kind; expectations worked out from language.md."""

from __future__ import annotations

from fractions import Fraction

import pytest
from engine_helpers import kinds, run


def of_kind(findings, kind):
    return [f for f in findings if f.kind == kind]


def test_three_norm_conflict_that_no_pair_explains():
    findings = run("""
        agent bot
        action bot.a
        action bot.b
        norm do_a  bot must a
        norm do_b  bot must b
        norm not_both bot must not (a and b)
    """)
    conflicts = of_kind(findings, "conflict")
    assert [f.norms for f in conflicts] == [("do_a", "do_b", "not_both")]
    assert not of_kind(findings, "overridden")


def test_disjunctive_target_conflicts_only_with_both_prohibitions():
    findings = run("""
        agent bot
        fact p: bool
        action bot.a
        action bot.b
        norm either bot must (a or b)
        norm no_a bot must not a
        norm no_b when p bot must not b
    """)
    conflicts = of_kind(findings, "conflict")
    assert [f.norms for f in conflicts] == [("either", "no_a", "no_b")]
    assert conflicts[0].witness.situation == {"p": True}


def test_defeat_chain_across_three_layers():
    text = """
        layers top > middle > bottom
        agent bot
        fact p: bool
        action bot.a
        norm t @top when p bot must not a
        norm m @middle bot must a
        norm b @bottom bot must not a
    """
    findings = run(text)
    assert not of_kind(findings, "conflict")
    overridden = sorted(f.norms for f in of_kind(findings, "overridden"))
    # where p holds, `t` defeats `m`, so `b` is active again; elsewhere `m` defeats `b`
    assert overridden == [("b", "m"), ("m", "t")]
    from normlang.runtime.query import query

    loaded = __import__("normlang").load_text(text, "spec.norm")
    with_p = query(loaded.spec, {"p": True})
    assert with_p.active == ("b", "t") and with_p.defeated == ("m",)
    assert with_p.statuses == {"bot.a": "forbidden"}
    without_p = query(loaded.spec, {"p": False})
    assert without_p.active == ("m",) and without_p.defeated == ("b",)
    assert without_p.statuses == {"bot.a": "obliged"}


def test_int_condition_dead_only_because_the_fact_is_an_integer():
    dead_int = run("""
        agent bot
        fact x: int
        action bot.a
        norm between when x > 1 and x < 2 bot must a
    """)
    assert kinds(of_kind(dead_int, "dead-norm")) == [("dead-norm", ("between",))]
    live_real = run("""
        agent bot
        fact x: real
        action bot.a
        norm between when x > 1 and x < 2 bot must a
    """)
    assert not of_kind(live_real, "dead-norm")


def test_a_dead_norm_names_the_type_range_that_takes_part():
    findings = of_kind(run("""
        agent bot
        fact age: int in 0..130
        enum Colour { red, green }
        fact colour: Colour
        action bot.a
        norm too_old when age > 130 bot must a
        norm no_colour when colour != red and colour != green bot must a
        norm no_age when age > 60 and age < 40 bot must a
    """), "dead-norm")
    helps = {f.norms[0]: f.help for f in findings}
    assert helps == {
        "too_old": ("the conditions that contradict: its `when` condition, the range of `age` "
                    "(0..130)",),
        "no_colour": ("the conditions that contradict: its `when` condition, the values of "
                      "`colour` (red, green)",),
        "no_age": ("the conditions that contradict: its `when` condition",),
    }


def test_arithmetic_condition_live_only_for_reals():
    live = run("""
        agent bot
        fact r: real
        action bot.a
        action bot.b
        norm half when 2 * r == 1 bot must a
        norm no_a bot must not a
    """)
    conflict = of_kind(live, "conflict")
    assert [f.norms for f in conflict] == [("half", "no_a")]
    assert conflict[0].witness.situation == {"r": Fraction(1, 2)}
    dead = run("""
        agent bot
        fact r: int
        action bot.a
        norm half when 2 * r == 1 bot must a
    """)
    assert [f.norms for f in of_kind(dead, "dead-norm")] == [("half",)]


def test_dead_norm_from_an_assume():
    findings = run("""
        agent bot
        fact age: int in 0..130
        action bot.a
        assume age >= 18
        norm minors when age < 18 bot must a
    """)
    dead = of_kind(findings, "dead-norm")
    assert [f.norms for f in dead] == [("minors",)]
    assert any("assume" in line for line in dead[0].help)


# an `assume` that reads no fact, written three ways: each admits no situation
FACT_FREE_FALSE_ASSUMES = ["assume false", "assume 1 > 2", "define hot = false\nassume hot"]


@pytest.mark.parametrize("assume", FACT_FREE_FALSE_ASSUMES)
def test_an_assume_that_reads_no_fact_still_restricts_every_situation(assume):
    # such an assume links to no fact, and the situations of a check restricted to some facts
    # once kept only the assumes reading one of them: `assume false` was dropped, and n1, n2
    # were reported in conflict at p = true (and `never obliged` failed), or nothing at all
    findings = run("""
        agent ai
        action ai.log
        fact p: bool
        ASSUME
        norm n1 ai must log
        norm n2 when p ai must not log
        expect never obliged ai.log
        expect possible p
    """.replace("ASSUME", assume.replace("\n", "\n        ")))
    assert kinds(findings) == [("dead-norm", ("n1",)), ("dead-norm", ("n2",)),
                               ("expectation-failed", ())]
    [failed] = of_kind(findings, "expectation-failed")
    assert failed.message == "expectation `possible p` does not hold"
    for dead in of_kind(findings, "dead-norm"):
        assert "this assumption excludes it" in [label.message for label in dead.labels]
        assert dead.help == ("the conditions that contradict: an `assume`",)


def test_an_assume_that_reads_no_fact_and_holds_changes_nothing():
    findings = run("""
        agent ai
        action ai.log
        fact p: bool
        assume 2 > 1
        norm n1 ai must log
        norm n2 when p ai must not log
    """)
    assert kinds(findings) == [("conflict", ("n1", "n2"))]
    assert findings[0].witness.situation == {"p": True}


def test_a_witness_that_breaks_an_assume_is_never_reported(monkeypatch):
    # every witness is re-evaluated against the `assume`s before it is shown: were the solver's
    # situations ever to drop one again, the finding is an internal error, never a wrong answer
    from normlang.engine.conflict_search import Engine
    from normlang.engine.evaluate import names_in

    def drops_fact_free_assumes(self, facts=None):
        if facts is None:
            return self.enc.domain(self.spec.facts) + [self.enc.term(a.expr)
                                                       for a in self.spec.assumes]
        closed = self._closure(facts)
        return self.enc.domain(sorted(closed)) + [
            self.enc.term(a.expr) for a in self.spec.assumes if names_in(a.expr)[0] & closed]

    monkeypatch.setattr(Engine, "base_situation", drops_fact_free_assumes)
    findings = run("""
        agent ai
        action ai.log
        fact p: bool
        assume false
        norm n1 ai must log
        norm n2 when p ai must not log
        expect never obliged ai.log
    """)
    unknown = of_kind(findings, "solver-unknown")
    assert not of_kind(findings, "conflict") and not of_kind(findings, "expectation-failed")
    assert len(unknown) == 2
    assert all("the witness situation breaks an `assume`" in f.message for f in unknown)


@pytest.mark.parametrize("comment", ["# whether asked or not", "# the user cannot tell",
                                     "# not sure"])
def test_a_comment_after_must_leaves_the_norm_a_must(comment):
    # `not` in the comment's text ended the `must not` token: the norm became `must not`
    # (the expectation failed), or the rest of the comment was read as the target
    findings = run(f"""
        agent assistant
        action assistant.disclose_ai_identity
        norm disclose
          assistant must   {comment}
            disclose_ai_identity
        expect always obliged assistant.disclose_ai_identity
    """)
    assert findings == []


def test_shadowed_norm_names_its_defeater():
    findings = run("""
        layers law > policy
        agent bot
        fact p: bool
        action bot.a
        norm law_says @law bot must a
        norm policy_says @policy when p bot must not a
    """)
    shadowed = of_kind(findings, "shadowed-norm")
    assert [f.norms for f in shadowed] == [("policy_says", "law_says")]
    assert not of_kind(findings, "conflict")


def test_undermined_permission_and_its_blocker():
    findings = run("""
        agent user
        fact p: bool
        action user.share
        norm may_share user may share
        norm no_share when p user must not share
    """)
    undermined = of_kind(findings, "undermined-permission")
    assert [f.norms for f in undermined] == [("may_share", "no_share")]
    assert undermined[0].witness.situation == {"p": True}


def test_protected_higher_permission_defeats_lower_prohibition():
    # an unprotected one does not (tests/engine/test_protected_and_compliance.py)
    findings = run("""
        layers platform > user
        agent bot
        action bot.a
        norm allowed @platform protected bot may a
        norm banned @user bot must not a
    """)
    assert kinds(findings) == [("overridden", ("banned", "allowed")),
                               ("shadowed-norm", ("banned", "allowed"))]


def test_redundant_norm_and_a_non_redundant_one():
    findings = run("""
        agent bot
        fact p: bool
        action bot.a
        norm always_a bot must a
        norm a_when_p when p bot must a
    """)
    assert [f.norms for f in of_kind(findings, "redundant-norm")] == [("a_when_p", "always_a")]


def test_redundancy_is_judged_within_a_layer():
    findings = run("""
        layers high > low
        agent bot
        action bot.a
        norm high_a @high bot must a
        norm low_a @low bot must a
    """)
    # each changes its own layer's conducts: a layer may restate a higher one's duty
    assert of_kind(findings, "redundant-norm") == []


def test_expectations_hold_and_fail():
    findings = run("""
        agent bot
        fact asked: bool
        action bot.disclose
        norm honest when asked bot must disclose
        expect consistent
        expect always asked -> obliged bot.disclose
        expect always obliged bot.disclose
        expect possible permitted bot.disclose
        expect never obliged bot.disclose and forbidden bot.disclose
    """)
    failed = of_kind(findings, "expectation-failed")
    assert [f.message for f in failed] == ["expectation `always obliged bot.disclose` does not hold"]
    assert failed[0].witness.situation == {"asked": False}


def test_expect_possible_fails_without_witness():
    findings = run("""
        agent bot
        action bot.a
        norm never_a bot must not a
        expect possible permitted bot.a
    """)
    failed = of_kind(findings, "expectation-failed")
    assert len(failed) == 1 and failed[0].witness is None


def test_conflict_atom_and_consistency():
    findings = run("""
        agent bot
        fact p: bool
        action bot.a
        norm yes when p bot must a
        norm no bot must not a
        expect consistent
        expect always p -> conflict
        expect never conflict
    """)
    failed = sorted(f.message for f in of_kind(findings, "expectation-failed"))
    assert failed == ["expectation `consistent` does not hold",
                      "expectation `never conflict` does not hold"]


def test_compliance_gap_by_default_judges_the_lower_layers_agents():
    findings = run("""
        layers regulation > model_spec
        agent provider
        agent assistant
        fact persona: bool
        fact person: bool
        action assistant.disclose
        action provider.evaluate
        norm art50 @regulation when person assistant must disclose
        norm evals @regulation provider must evaluate
        norm stay @model_spec when persona assistant must not disclose
        expect model_spec complies with regulation
    """)
    gaps = of_kind(findings, "compliance-gap")
    assert [f.norms for f in gaps] == [("art50",)]
    witness = gaps[0].witness
    assert witness.situation["person"] is True
    assert witness.conduct["assistant.disclose"] is False


def test_compliance_holds_when_the_spec_defers():
    findings = run("""
        layers regulation > model_spec
        agent assistant
        fact persona: bool
        fact person: bool
        action assistant.disclose
        norm art50 @regulation when person assistant must disclose
        norm stay @model_spec when persona unless person assistant must not disclose
        norm tell_people @model_spec when person assistant must disclose
        expect model_spec complies with regulation
    """)
    assert not of_kind(findings, "compliance-gap")


def test_a_silent_layer_does_not_comply():
    # every conduct complies with a layer that says nothing, including breaking the law
    findings = run("""
        layers regulation > model_spec
        agent assistant
        fact person: bool
        action assistant.disclose
        action assistant.greet
        norm art50 @regulation when person assistant must disclose
        norm greet @model_spec assistant must greet
        expect model_spec complies with regulation
    """)
    assert [f.norms for f in of_kind(findings, "compliance-gap")] == [("art50",)]


def test_scenario_fails_with_free_facts_named():
    findings = run("""
        agent bot
        fact p: bool
        fact q: bool
        action bot.a
        norm a_if_q when q bot must a
        scenario only_p
          given p
          expect obliged bot.a
        scenario both
          given p, q
          expect obliged bot.a
    """)
    failed = of_kind(findings, "scenario-failed")
    assert len(failed) == 1
    assert failed[0].message.startswith("scenario `only_p`")
    assert failed[0].witness.situation == {"p": True, "q": False}


def test_static_priority_cycle_stops_checking():
    findings = run("""
        layers high > low
        agent bot
        action bot.a
        norm h @high bot must a
        norm l @low overrides h bot must not a
    """)
    assert kinds(findings) == [("priority-cycle", ("h", "l"))]


def test_enum_and_ordered_enum_conditions():
    findings = run("""
        agent bot
        enum Risk { low < medium < high }
        enum Color { red, green }
        fact risk: Risk
        fact color: Color
        action bot.a
        norm careful when risk >= medium and color == red bot must not a
        norm eager when risk > high bot must a
    """)
    assert [f.norms for f in of_kind(findings, "dead-norm")] == [("eager",)]


def test_constraints_with_facts_make_conflicts_situational():
    findings = run("""
        agent bot
        fact busy: bool
        action bot.a
        action bot.b
        constraint busy -> not (a and b)
        norm do_a bot must a
        norm do_b bot must b
    """)
    conflicts = of_kind(findings, "conflict")
    assert [f.norms for f in conflicts] == [("do_a", "do_b")]
    assert conflicts[0].witness.situation == {"busy": True}


def test_solver_unknown_is_never_a_pass():
    text = """
        agent bot
        fact x: int
        fact y: int
        fact z: int
        action bot.a
        norm odd when x * 3 + y * 7 - z * 11 == 1 and x > 1000 and y > 1000 bot must a
        norm other when x + y > 5 bot must not a
        expect always not (x > 1 and obliged bot.a)
    """
    for timeout in (1, 5000):
        findings = run(text, timeout_ms=timeout)
        unknown = " ".join(f.message for f in of_kind(findings, "solver-unknown"))
        # each check either proves its finding or says it could not decide: never a pass
        assert of_kind(findings, "conflict") or "conflicts" in unknown
        assert of_kind(findings, "expectation-failed") or "expectation" in unknown
    assert not unknown, "with a 5 s limit the solver decides everything here"


def test_a_file_of_declarations_only_has_no_findings_and_needs_no_solver(monkeypatch):
    import z3

    made = []

    class CountedContext(z3.Context):
        def __init__(self, *args, **kwargs):
            made.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(z3, "Context", CountedContext)
    text = """
        agent bot
        enum mood { calm, angry }
        fact m: mood
        fact p: bool
        action bot.a
        define loud = m == angry and p
        assume p and not p
    """
    # only the declarations nothing reads (the action, the define): no solver
    assert [(f.kind, f.message) for f in run(text)] == [
        ("unused-declaration", "action `bot.a` is declared but nothing reads it"),
        ("unused-declaration", "define `loud` is declared but nothing reads it")]
    assert made == []
    assert of_kind(run(text + "constraint bot.a\n"), "conflict") == [] and made


def test_constraints_alone_can_conflict():
    findings = run("""
        agent bot
        fact p: bool
        action bot.a
        constraint p -> (bot.a and not bot.a)
    """)
    assert [f.kind for f in findings] == ["conflict"]


def test_rechecking_a_conflict_evaluates_its_own_group_only(monkeypatch):
    # with N groups that all conflict, evaluating every group for each conflict's recheck
    # took N² component evaluations; a conflict in one group needs that group alone
    from normlang.engine.concrete import Runtime

    calls = []
    original = Runtime._compliance_component

    def counted(self, seed, musts):
        calls.append(seed)
        return original(self, seed, musts)

    monkeypatch.setattr(Runtime, "_compliance_component", counted)
    pairs = 30
    lines = ["agent bot", "fact p: bool"]
    for i in range(pairs):
        lines += [f"action bot.a{i}", f"norm n{i} when p bot must a{i}",
                  f"norm m{i} bot must not a{i}"]
    findings = run("\n".join(lines) + "\n")
    assert len(of_kind(findings, "conflict")) == pairs
    assert len(calls) < 5 * pairs, len(calls)


def test_a_norm_whose_deadness_is_undecided_is_not_called_redundant(monkeypatch):
    # redundant-norm is never reported for a dead norm; when the solver gives up on whether
    # a norm can apply, it may be dead, so its redundancy is not asked (the unknown is said)
    from normlang.checks import norms
    from normlang.engine.solver import SolverGaveUp

    text = """
        agent bot
        fact p: bool
        action bot.a
        norm impossible when p and not p bot must a
        norm plain bot must a
    """
    assert kinds(run(text)) == [("dead-norm", ("impossible",))]
    original = norms.dead

    def gives_up_on_impossible(ctx, norm):
        if norm.name == "impossible":
            raise SolverGaveUp("timeout")
        return original(ctx, norm)

    monkeypatch.setattr(norms, "dead", gives_up_on_impossible)
    findings = run(text)
    assert kinds(findings) == [("solver-unknown", ())]
    assert "whether it can apply for norm `impossible`" in findings[0].message


def test_a_priority_cycle_in_some_situations_stops_the_other_checks():
    # where the cycle holds, which norms are defeated is undefined; checking the others in
    # the remaining situations only hid n1/n2's conflict (it needs p) and called every norm
    # redundant (each applies only where p holds)
    findings = run("""
        agent a
        action a.x
        action a.y
        fact p: bool
        norm n1 when p a must x
        norm n2 when p a must not x
        norm n3 overrides n4 (when p) a must y
        norm n4 overrides n3 (when p) a must y
    """)
    assert kinds(findings) == [("priority-cycle", ("n3", "n4"))]
    assert findings[0].witness is not None and findings[0].witness.situation == {"p": True}
    assert any("nothing else is checked" in line for line in findings[0].help)


def test_a_witness_value_too_long_to_read_is_solver_unknown():
    # literals stop at 1000 digits, but linear arithmetic can still reach values Python will
    # not read (more than 4300 digits): said as undecided, not as an internal error
    findings = run("""
        fact x: int
        fact y: int
        fact z: int
        fact w: int
        fact v: int
        assume x > 1e999
        assume y == 1e999 * x
        assume z == 1e999 * y
        assume w == 1e999 * z
        assume v == 1e999 * w
        expect never x > 0
    """)
    assert kinds(findings) == [("solver-unknown", ())]
    assert findings[0].message.endswith("a value of the witness has too many digits to read")


def test_a_conditional_cycle_whose_condition_always_holds_says_every_situation():
    findings = run("""
        agent a
        action a.y
        fact p: bool
        norm n1 overrides n2 (when p or not p) a must y
        norm n2 overrides n1 a must not y
    """)
    assert kinds(findings) == [("priority-cycle", ("n1", "n2"))]
    assert findings[0].message.endswith("forms a cycle in every situation")
    assert findings[0].witness is not None


def test_a_compliance_gap_names_the_norms_active_in_each_layer_alone():
    # the witness lists the whole spec's active norms (b1 defeats a_hi there), but the gap
    # is about layer A alone, where a_hi beats a_lo: the help lines say which norms those are
    findings = run("""
        layers B > A
        agent a
        fact p: bool
        action a.x
        norm b1 @B a must x
        norm a_lo @A a must x
        norm a_hi @A overrides a_lo (when p) a must not x
        expect A complies with B
    """)
    # (where p is false, a_lo and a_hi leave layer A no complying conduct: a gap of its own)
    [gap] = [f for f in of_kind(findings, "compliance-gap") if "breaks" in f.message]
    assert gap.witness is not None and gap.witness.situation == {"p": True}
    assert gap.witness.conduct == {"a.x": False}
    assert gap.witness.active == ("a_lo", "b1")
    assert gap.help[1:] == ("`A` judged alone has active there: `a_hi`",
                            "`B` judged alone has active there: `b1`")


def test_a_run_past_its_time_limit_is_undecided_once_not_per_check():
    # every check left used to become its own solver-unknown: one line per norm
    lines = ["agent bot", "fact p: bool"]
    for i in range(40):
        lines += [f"action bot.a{i}", f"norm n{i} when p bot must a{i}",
                  f"norm m{i} bot must not a{i}"]
    findings = run("\n".join(lines) + "\n", run_timeout_s=1e-9)
    assert kinds(findings) == [("solver-unknown", ())]
    assert findings[0].message == ("could not analyse the spec: the run's time limit "
                                   "(`run-timeout`) was reached")


def test_an_expectation_witness_satisfies_the_assumes_after_another_expectation():
    # the first expectation's deontic target reads `adult`; a later query's solver, built for
    # `asked` only, was left giving `adult` a value without its `assume` (adult = false)
    findings = run("""
        agent bot
        fact adult: bool
        fact asked: bool
        action bot.answer
        assume adult
        norm serve when asked bot may answer
        expect possible permitted (adult and bot.answer)
        expect always asked -> obliged bot.answer
    """)
    [failed] = of_kind(findings, "expectation-failed")
    assert failed.witness.situation == {"adult": True, "asked": True}
    # the same cause once made an internal witness check fail (solver-unknown)
    findings = run("""
        agent x
        fact p0: bool
        action x.a
        assume p0
        constraint p0
        expect possible permitted p0
        expect always obliged (x.a and not x.a)
    """)
    assert kinds(findings) == [("expectation-failed", ())]
    assert findings[0].witness.situation == {"p0": True}
