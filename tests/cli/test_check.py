"""`normcheck [PATH ...]`: discovery, exit codes, options, usage errors."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import Run, cli_env, drain_pty, normcheck_command, run_in, write

CONFLICT = "conflict/persona.norm"


def findings(output: str) -> list[dict[str, object]]:
    return list(json.loads(output)["findings"])


def test_clean_file_exits_zero_with_a_summary(run: Run) -> None:
    result = run("clean/ok.norm")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "no findings in 1 file\n"
    assert result.stderr == ""


def test_error_finding_exits_one(run: Run) -> None:
    result = run(CONFLICT)
    assert result.returncode == 1
    assert result.stdout.startswith("error[conflict]: norms ")
    assert result.stdout.endswith("1 error, 0 warnings in 1 file\n")


def test_default_path_is_the_current_folder_recursively(run: Run, project: Path) -> None:
    result = run("--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["summary"]["files"] == len(list(project.rglob("*.norm")))


def test_explicit_check_subcommand_is_the_default(run: Run) -> None:
    assert run("check", CONFLICT).stdout == run(CONFLICT).stdout


def test_a_path_named_like_a_subcommand(run: Run, project: Path) -> None:
    folder = project / "query"
    shutil.copytree(project / "clean", folder)
    result = run("./query")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "no findings in 1 file\n"


def test_finding_in_a_shared_import_is_reported_once(run: Run) -> None:
    result = run("shared", "--format", "json")
    found = findings(result.stdout)
    assert [f["kind"] for f in found] == ["conflict"]
    assert found[0]["file"] == "shared/base.norm"
    assert json.loads(result.stdout)["summary"]["files"] == 3


def test_findings_are_sorted_by_file_line_column(run: Run) -> None:
    found = findings(run(".", "--format", "json", "--verbose").stdout)
    keys = [(f["file"], f["line"], f["column"], f["kind"]) for f in found]
    assert keys == sorted(keys)
    assert len({f["file"] for f in found}) >= 4


def test_exit_zero_keeps_the_findings(run: Run) -> None:
    result = run(CONFLICT, "--exit-zero")
    assert result.returncode == 0
    assert "error[conflict]" in result.stdout


def test_strict_fails_on_warnings(run: Run, project: Path) -> None:
    write(project / "warn" / "dead.norm",
          "agent a\nfact p: bool\naction a.x\nnorm unreachable when p and not p a must x\n")
    assert run("warn").returncode == 0
    assert "warning[dead-norm]" in run("warn").stdout
    assert run("warn", "--strict").returncode == 1


def test_select_and_ignore(run: Run) -> None:
    everything = findings(run(".", "--format", "json").stdout)
    assert {"conflict", "name-error"} <= {f["kind"] for f in everything}
    always = {"syntax-error", "name-error", "type-error", "import-error", "solver-unknown"}
    kinds = {f["kind"] for f in everything}
    selected = findings(run(".", "--format", "json", "--select", "conflict").stdout)
    assert selected and {f["kind"] for f in selected} == {"conflict"} | (kinds & always)
    ignored = findings(run(".", "--format", "json", "--ignore", "conflict,name-error").stdout)
    assert {f["kind"] for f in ignored} == kinds - {"conflict"}  # a name-error still shows
    assert run(CONFLICT, "--ignore", "conflict").returncode == 0


def test_info_findings_are_shown_unless_configured_off(run: Run, project: Path) -> None:
    # the design: "normcheck must report: `stay_in_persona` is overridden by ..."
    write(project / "info" / "prio.norm",
          "layers law > spec\nagent a\nfact p: bool\naction a.x\n"
          "norm must_x @law when p a must x\nnorm no_x @spec when p a must not x\n")
    shown = run("info")
    assert "info[overridden]" in shown.stdout and "1 info" in shown.stdout
    assert shown.returncode == 0
    assert "overridden" in [f["kind"] for f in findings(run("info", "--format", "json").stdout)]
    assert "overridden" not in run("info", "--ignore", "overridden").stdout
    config = project / "pyproject.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[tool.normcheck]\nverbose = false\n",
                      encoding="utf-8")
    quiet = run("info")
    assert "overridden" not in quiet.stdout and quiet.returncode == 0
    assert "info[overridden]" in run("info", "--verbose").stdout
    assert "info[overridden]" in run("info", "--select", "overridden").stdout


def test_quiet_prints_only_findings(run: Run) -> None:
    assert run("clean", "--quiet").stdout == ""
    noisy = run(CONFLICT).stdout
    quiet = run(CONFLICT, "--quiet").stdout
    assert quiet and noisy.startswith(quiet.rstrip("\n"))
    assert "1 error" not in quiet


def test_malformed_spec_is_a_finding_in_every_format(run: Run) -> None:
    for fmt in ("text", "concise", "json", "sarif", "github"):
        result = run("broken", "--format", fmt)
        assert result.returncode == 1, fmt
        assert "name-error" in result.stdout, fmt
        if fmt != "concise":  # one line per finding: no room for help
            assert "user_asked_if_ai" in result.stdout, fmt  # the did-you-mean


def test_version_and_help(run: Run) -> None:
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("normcheck ")
    help_text = run("--help")
    assert help_text.returncode == 0 and "--format" in help_text.stdout
    assert max(map(len, help_text.stdout.splitlines())) == 78  # no terminal: 80 columns


def test_help_fits_the_width_in_columns(run: Run) -> None:
    lines = run("--help", env=cli_env(COLUMNS="120")).stdout.splitlines()
    assert 100 < max(map(len, lines)) <= 118


@pytest.mark.parametrize(("args", "fragment"), [
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["no/such/file.norm"], "path `no/such/file.norm` does not exist"),
    (["--select", "conflcit"], "did you mean `conflict`?"),
    (["--ignore", "nonsense-kind"], "unknown finding kind or severity `nonsense-kind`"),
    (["--format", "xml"], "invalid choice: 'xml'"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--max-conflicts", "0"], "--max-conflicts must be at least 1"),
    (["--timeout", "-1"], "--timeout must be a positive number of seconds"),
    (["--timeout", "soon"], "invalid float value"),
])
def test_usage_errors_exit_two_with_one_line(run: Run, args: list[str], fragment: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("normcheck: error: ")
    assert fragment in result.stderr


def test_exit_zero_does_not_hide_usage_errors(run: Run) -> None:
    assert run("missing.norm", "--exit-zero").returncode == 2


def test_timeout_and_jobs_flags_are_accepted(run: Run) -> None:
    result = run(CONFLICT, "--timeout", "10", "--jobs", "1", "--no-cache")
    assert result.returncode == 1
    assert "error[conflict]" in result.stdout


def test_unreadable_import_is_a_finding_not_a_crash(run: Run, project: Path) -> None:
    write(project / "imp" / "main.norm", 'import "nowhere.norm"\nagent a\n')
    result = run("imp")
    assert result.returncode == 1
    assert "error[import-error]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_non_utf8_file_is_a_finding(run: Run, project: Path) -> None:
    (project / "bytes").mkdir()
    (project / "bytes" / "bad.norm").write_bytes(b"agent a\n\xff\xfe\n")
    result = run("bytes")
    assert result.returncode == 1
    assert "syntax-error" in result.stdout
    assert "Traceback" not in result.stderr


def test_progress_is_silent_when_stderr_is_not_a_terminal(run: Run) -> None:
    result = run(".", "--no-cache")
    assert result.stderr == ""


def test_a_fifo_is_refused_not_read(run: Run, project: Path) -> None:
    os.mkfifo(project / "pipe.norm")
    result = run("pipe.norm")
    assert result.returncode == 1
    assert "is not a regular file" in result.stdout


def test_progress_on_a_terminal_goes_to_stderr(project: Path) -> None:
    primary, secondary = pty.openpty()
    try:
        process = subprocess.run([*normcheck_command(), "conflict", "gap", "--no-cache",
                                  "--jobs", "1"], cwd=project, env=cli_env(),
                                 stdout=subprocess.PIPE, stderr=secondary, text=True,
                                 timeout=300)
        os.close(secondary)
        progress = drain_pty(primary)
    finally:
        os.close(primary)
    assert "normcheck: [1/3] conflict/persona.norm" in progress
    assert "normcheck: [2/3] gap/model_spec.norm" in progress
    assert "conflicts (" in progress  # the engine's check groups
    assert "normcheck:" not in process.stdout


def test_an_internal_error_is_an_error_finding_not_a_traceback(project: Path) -> None:
    script = (
        "import sys\n"
        "import normlang.api\n"
        "def boom(*args, **kwargs):\n"
        "    raise RuntimeError('simulated engine bug')\n"
        "normlang.api.check = boom\n"
        "from normlang.cli.main import main\n"
        "sys.exit(main(['clean', '--no-cache', '--jobs', '1']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=project, env=cli_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "error[solver-unknown]: internal error while checking this file: RuntimeError: " \
           "simulated engine bug" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("args", [["--no-cache", "clean"], ["--no-cache", "--format", "json", "."],
                                  ["graph", "clean/ok.norm"], ["--version"], ["--help"],
                                  ["query", "--help"]])
def test_output_that_cannot_be_written_is_a_usage_error(project: Path, args: list[str]) -> None:
    """A full disk under stdout (here /dev/full): one line on stderr and exit 2, through the
    real console script, whose own final flush must not fail with a traceback either."""
    with open("/dev/full", "w") as full:
        result = subprocess.run([*normcheck_command(), *args], cwd=project, env=cli_env(),
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=300,
                                check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("normcheck: error: cannot write the output: "
                                     "No space left on device")


def test_a_closed_stdout_is_like_dev_null(project: Path) -> None:
    """Started with stdout closed (`normcheck ... >&-`, as some hook runners do): the exit
    code still says how the check went, and nothing fails."""
    result = subprocess.run([*normcheck_command(), "--no-cache", "conflict"], cwd=project,
                            env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, timeout=300, check=False,
                            preexec_fn=lambda: os.close(1))
    assert result.returncode == 1
    assert result.stderr == ""


def _group_is_gone(group: int, within: float) -> bool:
    """Whether no process of `group` is still alive (running or sleeping) within the time
    given. A dead one that nobody has reaped yet (a zombie: an orphan waits for init, which
    in some containers never reaps) counts as gone."""
    import time

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive_in_group(group):
            return True
        time.sleep(0.01)
    return False


def _alive_in_group(group: int) -> list[int]:
    if not Path("/proc/self/stat").exists():  # no procfs: ask the kernel, zombies and all
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return []
        return [group]
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == group and state not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


@pytest.mark.skipif(os.name != "posix", reason="signals to a process group")
def test_ctrl_c_ends_the_run_at_once_and_leaves_no_worker(tmp_path: Path) -> None:
    import signal
    import time

    # two roots of several seconds each, one per process: a worker that ignored the
    # interrupt would still be busy with its root well after its parent left
    lines = ["agent bot", "fact p: bool"]
    for i in range(400):
        lines += [f"action bot.a{i}", f"norm n{i} when p bot must a{i}",
                  f"norm m{i} bot must not a{i}"]
    for name in ("one", "two"):
        write(tmp_path / f"{name}.norm", "\n".join(lines) + "\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'slow'\n", encoding="utf-8")
    interrupted = 0
    for delay in (0.05, 0.5, 1.0):
        # a terminal's Ctrl-C goes to the whole foreground process group
        proc = subprocess.Popen([*normcheck_command(), ".", "--no-cache", "--jobs", "2"],
                                cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        time.sleep(delay)
        sent = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
        if proc.returncode != 130 and "init_import_site" in err:
            # on a loaded machine the interrupt can land while Python itself starts, before
            # any of normcheck's code runs: Python's own report, not normcheck's
            continue
        if proc.returncode != 130:
            assert proc.returncode == 1 and not err, err  # it had finished already
            continue
        interrupted += 1
        assert err == "normcheck: interrupted\n"
        assert time.monotonic() - sent < 3
        assert _group_is_gone(proc.pid, within=1), "a worker outlived the interrupted run"
    assert interrupted


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_roots_are_weighed_without_reading_what_the_check_would_refuse(project: Path) -> None:
    # the heaviest roots go first; weighing them must not read a FIFO (it would block),
    # a file over the size limit, or a file outside the project root
    os.mkfifo(project / "pipe.norm")
    write(project / "a.norm", 'import "pipe.norm"\nagent ai\n')
    write(project / "b.norm", 'import "../outside.norm"\nagent ai\n')
    write(project.parent / "outside.norm", "agent ai\n")
    write(project / "c.norm", 'import "big.norm"\nagent ai\n')
    write(project / "big.norm", "# padding\n" * 5000)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write("[tool.normcheck]\nmax-file-bytes = 1000\n")
    result = subprocess.run([*normcheck_command(), "a.norm", "b.norm", "c.norm", "--no-cache",
                             "--jobs", "2", "--format", "concise"],
                            cwd=project, env=cli_env(), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 1
    assert "is not a regular file" in result.stdout
    assert "leaves the project root" in result.stdout
    assert "over the limit of 1000" in result.stdout


def test_priority_cycles_come_out_the_same_whatever_the_hash_seed(tmp_path):
    # networkx finds cycles in an order that follows string hashing: the CLI tests fix the
    # seed, users' runs do not
    write(tmp_path / "cycles.norm", """\
layers high > low
agent a
action a.x
action a.y
action a.z
fact p: bool
fact q: bool
norm n1 @high overrides n2 (when p) a must x
norm n2 @high overrides n1 (when p) a must not x
norm n3 @high overrides n4 (when q) a must y
norm n4 @high overrides n3 (when q) a must not y
norm n5 @low overrides n6 (when p and q) a must z
norm n6 @high a must not z
""")
    outputs = {run_in(tmp_path, "--no-cache", "--format", "json", "cycles.norm",
                      env=cli_env(PYTHONHASHSEED=str(seed))).stdout for seed in range(6)}
    assert len(outputs) == 1
    assert outputs.pop().count('"kind": "priority-cycle"') == 3


def test_select_and_ignore_never_hide_a_malformed_spec_or_a_give_up(tmp_path):
    # with them hidden, a run that decided nothing would read as a pass
    (tmp_path / ".git").mkdir()
    write(tmp_path / "bad.norm", "agent a\nnorm n a must zz\n")
    for flags in (["--select", "conflict"], ["--ignore", "name-error"]):
        done = run_in(tmp_path, "--no-cache", *flags, "bad.norm")
        assert done.returncode == 1 and "error[name-error]" in done.stdout, done.stdout
    write(tmp_path / "slow.norm", "agent a\naction a.x\nfact p: bool\n"
          + "".join(f"norm n{i} when p a must x\n" for i in range(3)))
    done = run_in(tmp_path, "--no-cache", "--select", "conflict", "--run-timeout", "1e-9",
                  "slow.norm")
    assert done.returncode == 1 and "error[solver-unknown]" in done.stdout, done.stdout


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_a_timeout_that_is_no_number_of_seconds_is_a_usage_error(tmp_path, value):
    write(tmp_path / "a.norm", "agent a\n")
    for flag in ("--timeout", "--run-timeout"):
        done = run_in(tmp_path, "--no-cache", flag, value, "a.norm")
        assert done.returncode == 2, done.stderr
        assert done.stderr == f"normcheck: error: {flag} must be a positive number of seconds\n"


def test_a_norm_file_linking_outside_its_project_is_not_read(tmp_path):
    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / ".git").mkdir(parents=True)
    write(outside / "secret.txt", "SECRET_TOKEN=hunter2\n")
    write(project / "sub" / "ok.norm", "agent a\n")
    (project / "sub" / "evil.norm").symlink_to(outside / "secret.txt")
    for target in ("sub", "sub/evil.norm", "."):
        done = run_in(project, "--no-cache", "--format", "json", target)
        assert done.returncode == 2, done.stdout
        assert "SECRET" not in done.stdout + done.stderr and "outside" not in done.stdout
        assert "`sub/evil.norm` leads to a file outside its project root" in done.stderr
    (project / "sub" / "evil.norm").unlink()
    (project / "sub" / "alias.norm").symlink_to(project / "sub" / "ok.norm")  # inside: fine
    assert run_in(project, "--no-cache", "sub").returncode == 0


def test_a_broken_link_in_a_folder_is_a_usage_error(tmp_path):
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    write(project / "ok.norm", "agent a\n")
    (project / "loop").mkdir()
    (project / "loop" / "a.norm").symlink_to("b.norm")
    (project / "loop" / "b.norm").symlink_to("a.norm")
    (project / "gone").mkdir()
    (project / "gone" / "mine.norm").symlink_to("target_gone.norm")
    for folder in ("loop", "gone"):
        done = run_in(project, "--no-cache", "--exit-zero", "--format", "json", folder)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "is a broken link: it leads to no file" in done.stderr


def test_a_folder_that_cannot_be_listed_is_an_error(tmp_path, monkeypatch):
    # as root, permission bits do not stop os.walk: the failure it reports is simulated
    from normlang.cli import discover as cli
    from normlang.cli.common import UsageError

    def walk(top, onerror=None):
        onerror(PermissionError(13, "Permission denied", str(top)))
        return iter(())

    (tmp_path / "locked").mkdir()
    monkeypatch.setattr(cli.os, "walk", walk)
    with pytest.raises(UsageError, match=r"cannot read `.*locked`: Permission denied"):
        cli.discover([tmp_path / "locked"], [], tmp_path)
