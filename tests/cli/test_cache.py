"""The result cache: warm runs do no solving, corrupt entries are recomputed, concurrent runs
are safe; output is identical across the cache, `--jobs` and the order of paths."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import Run, cli_env, heavy_modules, normcheck_command, write

DEBUG = cli_env(NORMCHECK_DEBUG_IMPORTS="1")


def entries(project: Path) -> list[Path]:
    """The root entries (one per checked root file and options)."""
    return sorted((project / ".normcheck_cache").glob("*.json"))


def run_entries(project: Path) -> list[Path]:
    """The run entries (one per command, replayed by a warm run)."""
    return sorted((project / ".normcheck_cache" / "runs").glob("*.json"))


def tamper(entry: Path, field: str, value: object) -> None:
    data = json.loads(entry.read_text(encoding="utf-8"))
    data[field] = value  # the checksum no longer matches
    entry.write_text(json.dumps(data), encoding="utf-8")


def test_cache_folder_is_created_at_the_project_root_and_ignored_by_git(
        run: Run, project: Path) -> None:
    assert run("persona.norm", cwd=project / "conflict").returncode == 1
    folder = project / ".normcheck_cache"
    assert (folder / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert len(entries(project)) == 1
    assert not (project / "conflict" / ".normcheck_cache").exists()


def test_warm_run_is_identical_and_imports_no_solver(run: Run, project: Path) -> None:
    cold = run(".", env=DEBUG)
    assert "z3" in heavy_modules(cold.stderr)
    warm = run(".", env=DEBUG)
    assert warm.stdout == cold.stdout
    assert warm.returncode == cold.returncode == 1
    assert heavy_modules(warm.stderr) == []
    for fmt in ("json", "sarif", "github", "concise"):
        assert run(".", "--format", fmt).stdout == run(".", "--format", fmt, "--no-cache").stdout


def test_a_warm_run_imports_no_front_end_or_engine_module(run: Run, project: Path) -> None:
    # the confinement of found files once imported model.imports, and with it the AST's 57
    # dataclasses, on the warm path: +14 ms that the heavy-module report did not see
    run(".")
    warm = run(".", env=cli_env(PYTHONPROFILEIMPORTTIME="1"))
    imported = {line.rsplit("|", 1)[1].strip() for line in warm.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "normlang.cli.main" in imported, warm.stderr[-2000:]  # the report was read
    stages = {name.split(".")[1] for name in imported
              if name.startswith("normlang.") and name.count(".") >= 2}
    assert stages <= {"core", "cli", "model", "report"}, sorted(stages)
    assert {n for n in imported if n.startswith(("normlang.model.", "normlang.report."))} <= {
        "normlang.model.projects", "normlang.report.model"}, sorted(imported)


def test_parser_tables_are_kept_per_user_and_lark_is_loaded_only_to_build_them(
        run: Run, project: Path, tmp_path: Path) -> None:
    env = {**DEBUG, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    first = run(".", "--no-cache", env=env)
    assert {"z3", "lark"} <= set(heavy_modules(first.stderr))
    [tables] = (tmp_path / "xdg" / "normlang").glob("tables-*.marshal")
    second = run(".", "--no-cache", env=env)
    assert heavy_modules(second.stderr) == ["z3"]
    assert second.stdout == first.stdout and second.returncode == first.returncode == 1
    tables.write_bytes(b"\xfa not what normcheck wrote")  # read as a miss, then rebuilt
    assert run(".", "--no-cache", env=env).stdout == first.stdout
    assert tables.read_bytes()[:1] != b"\xfa"
    unusable = tmp_path / "a-file"
    unusable.write_text("", encoding="utf-8")  # no cache folder can be made under a file
    assert run(".", "--no-cache", env={**env, "XDG_CACHE_HOME": str(unusable)}).stdout == (
        first.stdout)


def test_version_imports_nothing_heavy(run: Run) -> None:
    result = run("--version", env=DEBUG)
    assert result.returncode == 0
    assert heavy_modules(result.stderr) == []


def test_no_cache_neither_reads_nor_writes(run: Run, project: Path) -> None:
    result = run(".", "--no-cache", env=DEBUG)
    assert "z3" in heavy_modules(result.stderr)
    assert not (project / ".normcheck_cache").exists()


def test_cache_dir_flag(run: Run, project: Path, tmp_path: Path) -> None:
    run("conflict", "--cache-dir", str(tmp_path / "elsewhere"))
    assert list((tmp_path / "elsewhere").glob("*.json"))
    assert not (project / ".normcheck_cache").exists()


def test_a_cache_dir_holding_other_files_is_left_alone(run: Run, project: Path) -> None:
    before = sorted(p.name for p in (project / "conflict").iterdir())
    result = run("conflict", "--cache-dir", "conflict")
    assert result.returncode == 1 and "error[conflict]" in result.stdout
    assert "holds files that normcheck did not make; nothing is cached there" in result.stderr
    assert sorted(p.name for p in (project / "conflict").iterdir()) == before  # no .gitignore
    run("conflict", "--cache-dir", "fresh")
    assert (project / "fresh" / ".gitignore").is_file()
    again = run("conflict", "--cache-dir", "fresh")  # its own folder: used, no warning
    assert again.stderr == "" and again.stdout == result.stdout


def test_a_change_to_an_imported_file_invalidates_its_importers(run: Run, project: Path) -> None:
    first = run("shared")
    assert "error[conflict]" in first.stdout
    base = project / "shared" / "base.norm"
    base.write_text(base.read_text(encoding="utf-8").replace("must not answer", "may answer"),
                    encoding="utf-8")
    second = run("shared", env=DEBUG)
    assert "error[conflict]" not in second.stdout
    assert second.returncode == 0
    assert "z3" in heavy_modules(second.stderr)


def test_a_change_to_an_imported_moral_graph_invalidates_its_importers(
        run: Run, project: Path) -> None:
    graph = write(project / "valued" / "values.json",
                  '{"values": [{"id": 1, "title": "X one"}, {"id": 2, "title": "Y two"}]}')
    write(project / "valued" / "a.norm", 'import values "values.json"\nagent a\naction a.x\n'
                                        "norm n1 serves x_one a must x\n"
                                        "norm n2 serves y_two a must not x\n")
    assert "error[conflict]" in run("valued").stdout
    graph.write_text(graph.read_text(encoding="utf-8")[:-1]
                     + ', "edges": [{"sourceValueId": 2, "wiserValueId": 1}]}', encoding="utf-8")
    for _ in range(2):  # the first run after the change, and the one that replays it
        second = run("valued")
        assert "error[conflict]" not in second.stdout and "info[overridden]" in second.stdout
        assert second.returncode == 0


def test_a_new_project_root_between_a_file_and_its_imports_invalidates_it(
        run: Run, project: Path) -> None:
    write(project / "up" / "b.norm", "fact f: bool\n")
    write(project / "up" / "sub" / "a.norm", 'import "../b.norm"\nexpect always f\n')
    assert "error[expectation-failed]" in run("up/sub/a.norm").stdout
    write(project / "up" / "sub" / "pyproject.toml", "")  # sub/ is now a project of its own
    for _ in range(2):
        again = run("up/sub/a.norm")
        assert "import `../b.norm` leaves the project root" in again.stdout, again.stdout


def test_an_import_through_a_link_pointed_elsewhere_is_recomputed(
        run: Run, project: Path) -> None:
    write(project / "linked" / "parts" / "b1.norm", "fact f: bool\n")
    write(project / "linked" / "parts" / "e1.norm", "fact g: bool\n")
    (project / "linked" / "parts" / "link.norm").symlink_to("b1.norm")
    write(project / "linked" / "a.norm", 'import "parts/link.norm"\nexpect always f\n')
    assert "error[expectation-failed]" in run("linked").stdout
    (project / "linked" / "parts" / "link.norm").unlink()
    (project / "linked" / "parts" / "link.norm").symlink_to("e1.norm")
    for _ in range(2):
        again = run("linked/a.norm")
        assert "unknown name `f`" in again.stdout, again.stdout


def test_a_tampered_entry_is_recomputed(run: Run, project: Path) -> None:
    cold = run("conflict")
    [entry], [recorded] = entries(project), run_entries(project)
    tamper(entry, "findings", [])  # a clean verdict
    tamper(recorded, "stdout", "")
    warm = run("conflict", env=DEBUG)
    assert (warm.stdout, warm.returncode) == (cold.stdout, cold.returncode)
    assert "z3" in heavy_modules(warm.stderr)
    assert json.loads(entry.read_text(encoding="utf-8"))["findings"]
    assert json.loads(recorded.read_text(encoding="utf-8"))["stdout"] == cold.stdout


def test_a_tampered_run_entry_falls_back_to_the_root_entries(run: Run, project: Path) -> None:
    cold = run("conflict")
    [recorded] = run_entries(project)
    tamper(recorded, "exit", 0)
    warm = run("conflict", env=DEBUG)
    assert (warm.stdout, warm.returncode) == (cold.stdout, 1)
    assert heavy_modules(warm.stderr) == []
    assert json.loads(recorded.read_text(encoding="utf-8"))["exit"] == 1


def test_truncated_and_foreign_entries_are_ignored(run: Run, project: Path) -> None:
    cold = run("conflict")
    [entry], [recorded] = entries(project), run_entries(project)
    for garbage in (entry.read_text(encoding="utf-8")[:40], "[1, 2, 3]", "\x00\xff",
                    json.dumps({"format": "someone-else", "key": entry.stem}),
                    "[" * 3000 + "]" * 3000):  # deeper than json's recursion limit
        entry.write_text(garbage, encoding="utf-8")
        recorded.write_text(garbage.replace(entry.stem, recorded.stem), encoding="utf-8")
        result = run("conflict", env=DEBUG)
        assert (result.stdout, result.returncode) == (cold.stdout, cold.returncode)
        assert "Traceback" not in result.stderr
        assert "z3" in heavy_modules(result.stderr)


def test_a_missing_import_is_not_cached(run: Run, project: Path) -> None:
    write(project / "late" / "main.norm",
          'import "later.norm"\nnorm n when p a must x\n')
    assert "import-error" in run("late").stdout
    write(project / "late" / "later.norm", "agent a\nfact p: bool\naction a.x\n")
    result = run("late")
    assert result.returncode == 0, result.stdout
    assert "import-error" not in result.stdout


def test_an_unreadable_imported_file_is_not_cached(run: Run, project: Path) -> None:
    (project / "enc").mkdir()
    (project / "enc" / "bad.norm").write_bytes(b"agent a\n\xff\n")
    write(project / "enc" / "main.norm", 'import "bad.norm"\n')
    assert "not UTF-8" in run("enc/main.norm").stdout
    (project / "enc" / "bad.norm").write_bytes(b"agent a\n")
    assert run("enc/main.norm").returncode == 0


def test_concurrent_runs_never_corrupt_the_cache(project: Path) -> None:
    command = [*normcheck_command(), ".", "--format", "json", "--jobs", "1"]
    reference = subprocess.run([*command, "--no-cache"], cwd=project, env=cli_env(),
                               capture_output=True, text=True, timeout=300).stdout
    for _round in range(2):
        processes = [subprocess.Popen(command, cwd=project, env=cli_env(), text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for _ in range(4)]
        outputs = [process.communicate(timeout=300) for process in processes]
        assert all(out == reference and err == "" for out, err in outputs)
    for entry in entries(project):
        json.loads(entry.read_text(encoding="utf-8"))
    assert not list((project / ".normcheck_cache").glob(".tmp-*"))
    warm = subprocess.run(command, cwd=project, env=cli_env(NORMCHECK_DEBUG_IMPORTS="1"),
                          capture_output=True, text=True, timeout=300)
    assert warm.stdout == reference
    assert heavy_modules(warm.stderr) == []


def test_output_is_identical_across_jobs_and_path_order(run: Run) -> None:
    paths = ["shared", "conflict", "gap", "expect", "broken", "clean"]
    reference = run(*paths, "--jobs", "1", "--no-cache", "--verbose").stdout
    assert run(*paths, "--jobs", "2", "--no-cache", "--verbose").stdout == reference
    assert run(*reversed(paths), "--jobs", "2", "--no-cache", "--verbose").stdout == reference
    assert run(*reversed(paths), "--jobs", "1", "--verbose").stdout == reference
    assert run(*paths, "--jobs", "2", "--verbose").stdout == reference


def test_options_are_part_of_the_key(run: Run, project: Path) -> None:
    run("conflict")
    run("conflict", "--timeout", "7")
    assert len(entries(project)) == 2


def test_the_cache_never_changes_a_verdict_on_the_examples(tmp_path: Path) -> None:
    from cli_helpers import REPO, run_in

    examples = tmp_path / "repo" / "examples"
    shutil.copytree(REPO / "examples", examples)
    (tmp_path / "repo" / "pyproject.toml").write_text("[project]\nname = 'x'\n", "utf-8")
    where = tmp_path / "repo"
    for fmt in ("json", "text"):
        uncached = run_in(where, "examples", "--verbose", "--format", fmt, "--no-cache")
        cold = run_in(where, "examples", "--verbose", "--format", fmt)
        warm = run_in(where, "examples", "--verbose", "--format", fmt,
                      env=cli_env(NORMCHECK_DEBUG_IMPORTS="1"))
        assert uncached.stdout == cold.stdout == warm.stdout, fmt
        assert uncached.returncode == cold.returncode == warm.returncode, fmt
        assert heavy_modules(warm.stderr) == []
        if fmt == "json":
            assert json.loads(warm.stdout)["summary"]["files"] >= 20


def test_a_warm_run_replays_the_output_without_building_findings(project: Path) -> None:
    probe = ("import sys\nfrom normlang.cli.main import main\ncode = main(['.'])\n"
             "print(sorted(m for m in ('normlang.core.findings', 'normlang.api', 'dataclasses', "
             "'tomllib', 'typing', 'hashlib', 'shutil') if m in sys.modules), code, "
             "file=sys.stderr)\n")
    command = [sys.executable, "-c", probe]
    cold, warm = (subprocess.run(command, cwd=project, env=cli_env(), capture_output=True,
                                 text=True, timeout=300, check=False) for _ in range(2))
    assert "normlang.core.findings" in cold.stderr
    assert warm.stdout == cold.stdout
    assert warm.stderr.strip() == "[] 1"


def test_a_run_entry_is_only_replayed_for_the_same_request_and_files(
        run: Run, project: Path) -> None:
    cold = run("conflict", "clean")
    assert cold.returncode == 1
    assert run("conflict", "clean", "--exit-zero").returncode == 0
    assert run("conflict", "clean", "--ignore", "conflict").returncode == 0
    assert run("conflict", "clean", "-q").stdout != cold.stdout
    assert run("conflict", "clean", "--format", "concise").stdout.startswith("conflict/")
    assert run("conflict", "clean", "--select", "conflcit").returncode == 2
    write(project / "clean" / "another.norm", "agent a\nfact p: bool\naction a.x\n"
          "norm one when p a must x\nnorm two when p a must not x\n")
    added = run("conflict", "clean")
    assert added.stdout.count("error[conflict]") == cold.stdout.count("error[conflict]") + 1
    (project / "clean" / "another.norm").unlink()
    assert run("conflict", "clean").stdout == cold.stdout
    assert len(run_entries(project)) == 6  # one per distinct command that did not fail


def test_a_result_that_cannot_be_cached_is_not_replayed(run: Run, project: Path) -> None:
    write(project / "late" / "main.norm", 'import "later.norm"\nnorm n when p a must x\n')
    assert "import-error" in run("late").stdout
    assert run_entries(project) == []


def test_a_change_to_normlang_itself_invalidates_every_entry(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from normlang.cli import cache

    code = write(tmp_path / "code" / "checks.py", "CHECKS = ()\n").parent
    write(code / "__pycache__" / "checks.pyc", "compiled")
    before = cache.files_fingerprint((code,))
    write(code / "__pycache__" / "checks.pyc", "compiled again")
    assert cache.files_fingerprint((code,)) == before
    write(code / "checks.py", "CHECKS = (check_conflicts,)\n")
    assert cache.files_fingerprint((code,)) != before

    monkeypatch.chdir(project)
    store = cache.Cache(project / ".normcheck_cache")
    root = Path("conflict/persona.norm")
    keys = (store.key(root, "options"), store.run_key([root], "request"))
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another build of normlang")
    assert store.key(root, "options") not in keys
    assert store.run_key([root], "request") not in keys


def test_the_code_fingerprint_covers_every_module_and_the_grammar() -> None:
    """A changed module anywhere in normlang (a check, say) changes every cache key."""
    import normlang
    from normlang.cli.cache import code_folders

    package = Path(normlang.__file__).resolve().parent
    folders = code_folders()
    for module in package.rglob("*.py"):
        assert any(module.is_relative_to(folder) for folder in folders), module
    grammar = [folder / "norm.lark" for folder in folders] + [folders[0] / "grammar" / "norm.lark"]
    assert any(path.exists() for path in grammar)


def test_a_run_without_the_cache_does_not_load_it(tmp_path: Path) -> None:
    """`--no-cache` pays nothing for the cache: its module (json, sha256) is not imported."""
    write(tmp_path / "a.norm", "agent a\naction a.x\nnorm n a must x\n")
    probe = ("import sys\nfrom normlang.cli.main import main\n"
             "code = main(['--no-cache', 'a.norm'])\n"
             "print(code, 'normlang.cli.cache' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=cli_env(),
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split()[-2:] == ["0", "False"]
