"""The library façade: CheckOptions like the CLI's, render, Kind, JSON-ready witnesses."""

from __future__ import annotations

import json
from fractions import Fraction
from importlib import resources

import jsonschema
import pytest

import normlang
from normlang import CheckOptions, Kind
from normlang.core.findings import KINDS, Witness

SPEC = """agent bot
action bot.answer
action bot.log
fact night: bool
fact load: real
norm quiet bot must not answer
norm loud when night and load > 0.5 bot must answer
norm nothing when night and not night bot must log
"""


def check(**options: object) -> normlang.CheckResult:
    return normlang.check(normlang.load_text(SPEC, "s.norm"), options=CheckOptions(**options))  # type: ignore[arg-type]


def test_kind_is_a_string_valued_enum_of_every_kind() -> None:
    assert {k.value for k in Kind} == set(KINDS)
    assert Kind.CONFLICT == "conflict" and str(Kind.CONFLICT) == "conflict"
    assert f"{Kind.DEAD_NORM}" == "dead-norm" and json.dumps(Kind.DEAD_NORM) == '"dead-norm"'
    assert Kind.DEAD_NORM.severity.value == "warning"
    assert [f.kind for f in check().findings if f.kind == Kind.CONFLICT] == ["conflict"]


def test_check_options_select_ignore_and_strict_like_the_cli() -> None:
    assert [f.kind for f in check().findings] == ["conflict", "dead-norm"]
    assert [f.kind for f in check(ignore="error").findings] == ["dead-norm"]
    assert [f.kind for f in check(select=[Kind.CONFLICT]).findings] == ["conflict"]
    assert [f.kind for f in check(select="warning", ignore=["dead-norm"]).findings] == []
    warnings_only = check(ignore={"conflict"})
    assert warnings_only.ok and not check(ignore={"conflict"}, strict=True).ok
    with pytest.raises(ValueError, match="unknown finding kind or severity `conflcit`; did you "
                                         "mean `conflict`"):
        CheckOptions(ignore="conflcit")


def test_check_options_timeout_in_seconds() -> None:
    assert CheckOptions(timeout=2.5).timeout_ms == 2500
    assert CheckOptions().timeout_ms == 5000
    for bad in (0, -1, float("nan"), True, "5"):
        with pytest.raises(ValueError, match="positive number of seconds"):
            CheckOptions(timeout=bad)  # type: ignore[arg-type]


def test_render_gives_every_format() -> None:
    result = check()
    text = normlang.render(result)
    assert text.startswith("error[conflict]:") and text.endswith("1 error, 1 warning in 1 file\n")
    assert normlang.render(result, "concise").splitlines()[0].startswith("s.norm:6:")
    document = json.loads(normlang.render(result, "json"))
    assert [f["kind"] for f in document["findings"]] == ["conflict", "dead-norm"]
    assert json.loads(normlang.render(result, "sarif"))["version"] == "2.1.0"
    assert normlang.render(result, "github").startswith("::error ")
    assert json.loads(normlang.render([result, result], "json"))["summary"]["files"] == 2
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        normlang.render(result, "xml")


def test_witness_values_are_json_ready() -> None:
    (conflict,) = [f for f in check().findings if f.kind == "conflict"]
    assert conflict.witness is not None
    ready = conflict.witness.to_json()
    assert json.loads(json.dumps(ready)) == ready
    assert Fraction(str(ready["situation"]["load"])) > Fraction(1, 2)  # type: ignore[index]
    witness = Witness({"third": Fraction(1, 3), "whole": Fraction(4), "n": 2, "on": True,
                       "level": "high"})
    assert witness.to_json()["situation"] == {"third": "1/3", "whole": "4", "n": 2, "on": True,
                                               "level": "high"}
    schema = json.loads(resources.files("normlang").joinpath("data", "findings.schema.json")
                        .read_text("utf-8"))
    jsonschema.validate(witness.to_json(), {"$defs": schema["$defs"], "$ref": "#/$defs/witness"})
