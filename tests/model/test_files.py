"""Files and imports: confinement, cycles, odd files, limits, caching and display paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from frontend_helpers import HERE, kinds, load, messages

from normlang.api import CheckOptions, Loaded
from normlang.model.loader import Loader, load_path


def project(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """A project folder (it holds pyproject.toml) with `files` in it."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text("")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run(root: Path, name: str, monkeypatch: pytest.MonkeyPatch, **options: int) -> Loaded:
    monkeypatch.chdir(root)
    return load_path(Path(name), CheckOptions(**options))  # type: ignore[arg-type]


def test_imports_merge_declarations_and_files(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {
        "main.norm": 'import "lib/law.norm"\nnorm spec_rule @spec a must not x\n',
        "lib/law.norm": 'import "../common.norm"\nlayers law > spec\nnorm law_rule @law a must x\n',
        "common.norm": "agent a\naction a.x\n",
    })
    loaded = run(root, "main.norm", monkeypatch)
    assert loaded.spec is not None, messages(loaded)
    assert sorted(loaded.files) == ["common.norm", "lib/law.norm", "main.norm"]
    assert sorted(n.name for n in loaded.spec.norms) == ["law_rule", "spec_rule"]
    assert {n.name: n.rank for n in loaded.spec.norms} == {"spec_rule": 1, "law_rule": 0}
    assert loaded.spec.norm("law_rule").span.path == "lib/law.norm"


def test_display_paths_outside_the_working_directory_are_absolute(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"main.norm": 'import "b.norm"\n', "b.norm": "agent a\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded = load_path(root / "main.norm", CheckOptions())
    assert set(loaded.files) == {str(root / "main.norm"), str((root / "b.norm").resolve())}


def test_import_cycle_names_the_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"a.norm": 'import "b.norm"\n', "b.norm": 'import "a.norm"\n'})
    loaded = run(root, "a.norm", monkeypatch)
    assert loaded.spec is None
    assert messages(loaded) == ["import-error: import cycle: a.norm -> b.norm -> a.norm"] or \
        messages(loaded) == ["import-error: import cycle: b.norm -> a.norm -> b.norm"]


def test_self_import_is_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"a.norm": 'import "a.norm"\n'})
    assert messages(run(root, "a.norm", monkeypatch)) == [
        "import-error: import cycle: a.norm -> a.norm"]


def test_cycle_detection_before_networkx() -> None:
    from normlang.core.source import Span
    from normlang.model.loader import _has_cycle

    def graph(*pairs: str) -> list[tuple[Path, Path, Span]]:
        return [(Path(a), Path(b), Span("x", 0, 0, 1, 1, 1, 1))
                for a, b in (pair.split() for pair in pairs)]

    assert not _has_cycle(graph())
    assert not _has_cycle(graph("t l", "t r", "l b", "r b", "t b"))
    assert _has_cycle(graph("a a"))
    assert _has_cycle(graph("t l", "l b", "b c", "c l"))
    assert _has_cycle(graph("t l", "l t", "x y"))


def test_acyclic_imports_do_not_import_networkx(tmp_path: Path) -> None:
    root = project(tmp_path, {"top.norm": 'import "l.norm"\nimport "r.norm"\n',
                              "l.norm": 'import "b.norm"\n', "r.norm": 'import "b.norm"\n',
                              "b.norm": "agent a\n"})
    code = ("import sys, normlang; loaded = normlang.load(sys.argv[1]); "
            "print(loaded.spec is not None, 'networkx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(root / "top.norm")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_diamond_imports_are_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {
        "top.norm": 'import "l.norm"\nimport "r.norm"\n', "l.norm": 'import "base.norm"\n',
        "r.norm": 'import "base.norm"\n', "base.norm": "agent a\n"})
    loaded = run(root, "top.norm", monkeypatch)
    assert loaded.spec is not None and loaded.spec.agents == ("a",)


def test_a_symlink_leaving_the_root_is_refused_and_not_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.norm"
    secret.write_text("agent TOP_SECRET\n")
    root = project(tmp_path, {"main.norm": 'import "link.norm"\nimport "../secret.norm"\n'})
    (root / "link.norm").symlink_to(secret)
    loaded = run(root, "main.norm", monkeypatch)
    assert kinds(loaded) == ["import-error", "import-error"]
    assert all("leaves the project root" in f.message for f in loaded.findings)
    assert list(loaded.files) == ["main.norm"]
    assert "TOP_SECRET" not in repr(loaded)


def test_missing_folder_and_fifo_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {
        "main.norm": 'import "missing.norm"\nimport "sub"\nimport "pipe.norm"\n',
        "sub/x.norm": ""})
    os.mkfifo(root / "pipe.norm")
    found = messages(run(root, "main.norm", monkeypatch))
    assert found == ["import-error: file `missing.norm` does not exist",
                     "import-error: `sub` is a folder, not a file",
                     "import-error: `pipe.norm` is not a regular file"]


def test_root_file_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {})
    loaded = run(root, "nothing.norm", monkeypatch)
    assert loaded.spec is None and kinds(loaded) == ["import-error"]


def test_layers_in_several_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {
        "same.norm": 'import "a.norm"\nlayers x > y\n', "a.norm": "layers x > y\n",
        "differ.norm": 'import "b.norm"\nlayers x > y\n', "b.norm": "layers y > x\n"})
    assert run(root, "same.norm", monkeypatch).spec is not None
    loaded = run(root, "differ.norm", monkeypatch)
    (finding,) = loaded.findings
    assert finding.kind == "name-error"
    assert {label.span.path for label in finding.labels} == {"a.norm", "b.norm"} or \
        {label.span.path for label in finding.labels} == {"differ.norm", "b.norm"}


def test_duplicates_across_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"m.norm": 'import "o.norm"\nfact p: bool\n', "o.norm": "fact p: int\n"})
    (finding,) = run(root, "m.norm", monkeypatch).findings
    assert finding.message == "fact `p` is declared twice"
    assert {label.span.path for label in finding.labels} == {"m.norm", "o.norm"}


def test_loader_parses_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {
        "one.norm": 'import "shared.norm"\n', "two.norm": 'import "shared.norm"\n',
        "shared.norm": "agent a\n"})
    import normlang.syntax.parser as parser_module

    calls: list[str] = []
    real, real_ast = parser_module.parse, parser_module.parse_ast
    monkeypatch.setattr(parser_module, "parse", lambda s: calls.append(s.path) or real(s))
    monkeypatch.setattr(parser_module, "parse_ast",
                        lambda s, depth: calls.append(s.path) or real_ast(s, depth))
    monkeypatch.chdir(root)
    loader = Loader(CheckOptions())
    assert loader.load(Path("one.norm")).spec is not None
    assert loader.load(Path("two.norm")).spec is not None
    assert sorted(calls) == ["one.norm", "shared.norm", "two.norm"]


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfeagent a", "the file is not UTF-8 text"),
    (b"agent a\x00\x01", "the file is binary (it holds a NUL byte)"),
    (bytes(range(256)), "the file is binary (it holds a NUL byte)"),
], ids=["latin1", "nul", "all-bytes"])
def test_binary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes,
                      message: str) -> None:
    root = project(tmp_path, {"bad.norm": content})
    loaded = run(root, "bad.norm", monkeypatch)
    assert loaded.spec is None and messages(loaded) == [f"syntax-error: {message}"]


def test_empty_bom_crlf_and_tabs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {
        "empty.norm": "", "bom.norm": b"\xef\xbb\xbfagent a\r\n",
        "crlf.norm": b"agent a\r\naction a.x\r\nnorm n\r\n\ta must\r\n\tnot x\r\n"})
    assert run(root, "empty.norm", monkeypatch).spec is not None
    assert run(root, "bom.norm", monkeypatch).spec is not None
    crlf = run(root, "crlf.norm", monkeypatch)
    assert crlf.spec is not None and crlf.spec.norms[0].modality == "must not"


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"big.norm": "# " + "x" * 2000 + "\n"})
    loaded = run(root, "big.norm", monkeypatch, max_file_bytes=1000)
    assert messages(loaded) == ["syntax-error: `big.norm` is 2003 bytes, over the limit of 1000"]
    assert messages(load("#" * 2000, max_file_bytes=1000)) == [
        "syntax-error: `t.norm` is 2000 bytes, over the limit of 1000"]


def test_a_one_megabyte_file() -> None:
    described = " ".join(["a long description of what this value protects"] * 4)
    lines = [f'value v{i} "{described}"  # {"-" * 40}' for i in range(4200)]
    text = "\n".join(lines) + "\n"
    assert len(text) > 1_000_000
    loaded = load(text)
    assert loaded.spec is not None and len(loaded.spec.values) == 4200


def test_a_one_megabyte_file_of_norms() -> None:
    lines = ["agent a"] + [f"fact f{i}: bool\naction a.x{i}\nnorm n{i} when f{i} a must x{i}"
                           for i in range(16000)]
    text = "\n".join(lines) + "\n"
    assert len(text) > 1_000_000
    loaded = load(text)
    assert loaded.spec is not None and len(loaded.spec.norms) == 16000


def test_a_one_megabyte_file_full_of_errors() -> None:
    text = "fact p bool\n" * 90000
    loaded = load(text)
    assert loaded.spec is None and 1 <= len(loaded.findings) <= 100


@pytest.mark.parametrize("text", [
    "fact p: bool\nassume " + "(" * 10000 + "p" + ")" * 10000,
    "fact p: bool\nassume " + "not " * 10000 + "p",
    "fact p: bool\nassume " + "(" * 10000,
    "fact x: int\nassume " + "-" * 10000 + "x > 0",
    "fact p: bool\nassume " + "p -> " * 10000 + "p",
])
def test_deep_nesting_is_a_finding(text: str) -> None:
    loaded = load(text)
    assert loaded.spec is None
    (finding,) = loaded.findings
    assert finding.kind == "syntax-error"
    assert "nesting too deep" in finding.message or "unexpected" in finding.message
    assert finding.span.line == 2


def test_long_flat_chains_are_not_nesting() -> None:
    loaded = load("fact p: bool\nfact q: bool\nassume p" + " and q or p" * 3000)
    assert loaded.spec is not None, messages(loaded)[:3]
    loaded = load("fact x: int\nassume x" + " + x" * 300 + " > 0")
    assert loaded.spec is not None, messages(loaded)[:3]


def test_nesting_limit_follows_the_option() -> None:
    text = "fact p: bool\nassume " + "(" * 30 + "p" + ")" * 30
    assert load(text).spec is not None
    assert messages(load(text, max_nesting=20)) == [
        "syntax-error: nesting too deep (more than 20 levels)"]


def test_define_blowup_is_bounded() -> None:
    lines = ["fact p: bool"] + [f"define d{i} = d{i + 1} and d{i + 1}" for i in range(60)]
    loaded = load("\n".join([*lines, "define d60 = p", "assume d0"]))
    assert loaded.spec is None
    assert any("too large once" in f.message for f in loaded.findings)


def test_import_normlang_does_not_import_lark() -> None:
    code = "import sys, normlang; print('lark' in sys.modules, 'networkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_loading_without_imports_does_not_need_networkx() -> None:
    code = ("import sys, normlang; normlang.load_text('agent a'); "
            "print('networkx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False"]


def test_an_unwritable_cache_folder_is_silent(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    code = "import normlang; print(normlang.load_text('agent a').spec is not None)"
    env = {**os.environ, "XDG_CACHE_HOME": str(blocked)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert (out.stdout, out.stderr) == ("True\n", "")


def test_golden_fixture_folder_exists() -> None:
    assert (HERE / "fixtures").is_dir()


def test_load_source_imports_next_to_its_path_inside_the_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"lib/base.norm": "agent a\naction a.x\n"})
    monkeypatch.chdir(root)
    loaded = load('import "base.norm"\nnorm n a must x\n', path="lib/new.norm")
    assert loaded.spec is not None, messages(loaded)
    assert sorted(loaded.files) == ["lib/base.norm", "lib/new.norm"]
    outside = load('import "../../secret.norm"\n', path="lib/new.norm")
    assert messages(outside) == ["import-error: import `../../secret.norm` leaves the project root"]


def test_a_moral_graph_edge_from_a_value_to_itself_is_a_priority_cycle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # as `prefer A over A` in a .norm file, whether or not a norm serves the value
    root = project(tmp_path, {
        "g.json": '{"values": [{"id": 1, "title": "X one"}], '
                  '"edges": [{"sourceValueId": 1, "wiserValueId": 1}]}',
        "a.norm": 'import values "g.json"\nagent a\naction a.x\nnorm n1 a must x\n',
    })
    loaded = run(root, "a.norm", monkeypatch)
    assert messages(loaded) == ["priority-cycle: an edge of `g.json` prefers value `x_one` over "
                                "itself: a priority cycle"]
