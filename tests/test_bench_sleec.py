"""bench/sleec_compare.py reads N-Check's answers and the names of a SLEEC file's rules."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from sleec_compare import NCheck, names_by_block, read_nchek

RULES = """def_start
    event A
    event B
def_end
rule_start
    R1 when A then B   // first
    // R0 when A then B   (a comment, not a rule)
    R2 when B then not A
        unless true then A
rule_end
concern_start
    c1 when A then not B
    c2 exists B
concern_end
purpose_start
    p1 exists A
purpose_end
"""


def test_names_by_block_in_the_files_order() -> None:
    assert names_by_block(RULES) == {"rule": ["R1", "R2"], "concern": ["c1", "c2"],
                                     "purpose": ["p1"]}


def test_answers_are_read_per_check_and_named() -> None:
    names = names_by_block(RULES)
    found = NCheck()
    read_nchek("red", "check rule_1\nNot Redundant\ncheck rule_2\nunsat\n"
                      "Conflict detected, start backward checking\n", names, found)
    read_nchek("c", "check rule_1\nNot Conflicting\ncheck rule_2\nNot Conflicting\n",
               names, found)
    read_nchek("sc", "checking when B\nSituational conflict under situation :\n"
                     "at time 0: B()\n\nFor rule:\nR2 when B then not A\n-----\n"
                     "Because of the following SLEEC rule:\n-----\nR1 when A then B\n-----\n"
                     "checking when A then B\n", names, found)
    read_nchek("con", "check concern_1\nconcern not raised\ncheck concern_2\n"
                      "Concern is raised\n", names, found)
    read_nchek("pur", "check rule_1\nfind trace\nNot Blocking\n", names, found)
    assert found.redundant == ["R2"]
    assert found.conflicting == []
    assert found.situational == ["R2<-R1"]
    assert found.concerns == ["c2"]
    assert found.purposes == []
