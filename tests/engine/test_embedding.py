"""normlang as a library inside a program of its own: what it must leave as it found it."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
import z3

import normlang
from normlang.runtime.query import _KEPT_RUNTIMES, _RUNTIMES, query

SPEC = """
layers law > spec
agent a
fact p: bool
action a.x
norm must_x @law when p a must x
norm no_x @spec a must not x
"""


@pytest.mark.parametrize("options, field", [
    ({"memory_mb": 1}, "memory_mb"), ({"timeout_ms": "5"}, "timeout_ms"), ({"jobs": 0}, "jobs"),
    ({"run_timeout_s": -1.0}, "run_timeout_s"), ({"max_nesting": True}, "max_nesting"),
])
def test_a_bad_option_is_a_value_error(options: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=f"CheckOptions.{field} must be"):
        normlang.CheckOptions(**options)  # type: ignore[arg-type]


def test_z3s_global_parameters_and_terms_are_the_hosts_again() -> None:
    z3.set_param("smt.random_seed", 42)
    z3.set_param("sat.random_seed", 7)
    x = z3.Int("x")
    solver = z3.Solver()
    solver.add(x > 3)
    try:
        result = normlang.check(normlang.load_text(SPEC, "spec.norm"),
                                options=normlang.CheckOptions(memory_mb=4000))
        assert [f.kind for f in result.findings] == ["overridden"]
        assert (z3.get_param("smt.random_seed"), z3.get_param("sat.random_seed"),
                z3.get_param("memory_max_size")) == ("42", "7", "0")
        assert solver.check() == z3.sat and solver.model()[x].as_long() > 3
    finally:
        z3.set_param("smt.random_seed", 0)
        z3.set_param("sat.random_seed", 0)


def test_objects_the_host_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        kept = [object() for _ in range(1000)]  # not frozen: allocated after the freeze
        frozen = gc.get_freeze_count()
        normlang.check(normlang.load_text(SPEC, "spec.norm"))
        # a frozen object that died since is no longer counted; none may have been thawed
        assert gc.get_freeze_count() > frozen - 100
        assert kept
    finally:
        gc.unfreeze()


def test_load_text_takes_a_path_like_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.norm").write_text("fact f: bool\n")
    monkeypatch.chdir(tmp_path)
    loaded = normlang.load_text('import "b.norm"\nagent a\naction a.x\nnorm n when f a must x\n',
                                Path("sub/y.norm"))
    assert loaded.root == "sub/y.norm" and sorted(loaded.files) == ["sub/b.norm", "sub/y.norm"]
    assert normlang.check(loaded).findings == []


def test_querying_many_specs_keeps_only_the_last_few_alive() -> None:
    alive = []
    for index in range(3 * _KEPT_RUNTIMES):
        spec = normlang.load_text(f"fact f{index}: bool\n", "q.norm").spec
        assert spec is not None
        query(spec, {f"f{index}": True})
        alive.append(weakref.ref(spec))
        del spec
    gc.collect()
    assert len(_RUNTIMES) == _KEPT_RUNTIMES
    assert sum(ref() is not None for ref in alive) == _KEPT_RUNTIMES


def test_findings_with_witnesses_can_be_hashed() -> None:
    findings = normlang.check(normlang.load_text(SPEC, "spec.norm")).findings
    assert findings and all(f.witness is not None for f in findings)
    again = normlang.check(normlang.load_text(SPEC, "spec.norm")).findings
    assert set(findings) == set(again) and len(set(findings + again)) == len(findings)
