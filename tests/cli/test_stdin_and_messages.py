"""`normcheck -` (a spec on standard input), and messages that say what is wrong."""

from __future__ import annotations

import subprocess
from pathlib import Path

from cli_helpers import cli_env, normcheck_command, run_in, write

CONFLICT = "agent a\naction a.x\nnorm n1 a must x\nnorm n2 a must not x\n"
QUERIED = ("agent a\naction a.x\nenum R { low, high }\nfact r: R\nfact p: bool\n"
           "define risky = r == high and p\nnorm n1 when risky a must x\n")


def piped(cwd: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*normcheck_command(), *args], cwd=cwd, env=cli_env(), input=text,
                          capture_output=True, text=True, timeout=120)


def test_a_spec_on_standard_input(tmp_path: Path) -> None:
    done = piped(tmp_path, CONFLICT, "-", "--format", "concise")
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[0].startswith("<stdin>:3:9: error[conflict]")
    write(tmp_path / "base.norm", "agent a\naction a.x\n")
    imported = piped(tmp_path, 'import "base.norm"\nnorm n1 a must x\n', "-")
    assert imported.returncode == 0 and imported.stdout == "no findings in 1 file\n", imported.stdout
    mixed = piped(tmp_path, CONFLICT, "-", "base.norm")
    assert mixed.returncode == 2 and "checked on its own" in mixed.stderr


def test_a_deontic_operator_inside_another_says_so(tmp_path: Path) -> None:
    done = piped(tmp_path, "agent a\naction a.x\nnorm n a must x\n"
                           "expect always obliged obliged a.x\n", "-")
    assert "`obliged` cannot be used inside another deontic operator" in done.stdout
    assert "belong in `expect`" not in done.stdout
    assert "not to another deontic operator" in done.stdout


def test_query_and_graph_on_a_folder_say_it_is_one(tmp_path: Path) -> None:
    write(tmp_path / "q.norm", QUERIED)
    for args in (["query", "."], ["graph", "."]):
        done = run_in(tmp_path, *args)
        assert done.returncode == 2
        assert "`.` is a folder; this command reads one `.norm` file" in done.stderr, args
    # diff compares folders, but a folder with a file is neither pair
    done = run_in(tmp_path, "diff", ".", "q.norm")
    assert done.returncode == 2 and "are not both files or both folders" in done.stderr


def test_query_names_a_define_and_suggests_enum_values(tmp_path: Path) -> None:
    write(tmp_path / "q.norm", QUERIED)
    done = run_in(tmp_path, "query", "q.norm", "--given", "risky=true")
    assert done.returncode == 2
    assert "`risky` is a define, not a fact: give the facts it reads (`p`, `r`)" in done.stderr
    for typo in ("hgh", "HIGH"):
        done = run_in(tmp_path, "query", "q.norm", "--given", f"r={typo}")
        assert f"`{typo}` is not a value of fact `r` (R); did you mean `high`?" in done.stderr


def test_standard_input_is_read_only_up_to_the_size_limit(tmp_path: Path) -> None:
    # `normcheck - < /dev/zero` (and `query --facts -`) read without end: 4 GB in 20 s
    write(tmp_path / "pyproject.toml", "[tool.normcheck]\nmax-file-bytes = 1000\n")
    write(tmp_path / "spec.norm", QUERIED)
    for args in (["-", "--format", "concise"], ["query", "spec.norm", "--facts", "-"]):
        with open("/dev/zero", "rb") as endless:
            done = subprocess.run([*normcheck_command(), *args], cwd=tmp_path, env=cli_env(),
                                  stdin=endless, capture_output=True, text=True, timeout=120)
        if args[0] == "-":
            assert done.returncode == 1, done.stderr
            assert done.stdout.startswith("<stdin>:1:1: error[syntax-error] `<stdin>` holds "
                                          "more than 1000 bytes, over the limit of 1000"), \
                done.stdout
        else:  # query reads no configuration: the default limit
            assert done.returncode == 2, done.stderr
            assert "--facts: `-` holds more than 8388608 bytes" in done.stderr, done.stderr
    under = piped(tmp_path, CONFLICT, "-", "--format", "concise")
    assert under.returncode == 1 and "error[conflict]" in under.stdout
