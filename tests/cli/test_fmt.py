"""`normcheck fmt`: --check, --diff, standard input, folders, exit codes, safe writing."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from cli_helpers import cli_env, normcheck_command, run_in, write

UGLY = "agent bot\naction bot.answer\nfact night : bool\nnorm n when night bot must   answer # why\n"
PRETTY = "agent bot\naction bot.answer\nfact night: bool\nnorm n\n  when night\n  bot must answer  # why\n"


def test_files_are_rewritten_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    ugly = write(tmp_path / "specs" / "a.norm", UGLY)
    pretty = write(tmp_path / "specs" / "deep" / "b.norm", PRETTY)
    os.chmod(ugly, 0o640)
    before = pretty.stat().st_mtime_ns
    done = run_in(tmp_path, "fmt", "specs")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "reformatted specs/a.norm" in done.stderr
    assert "1 file reformatted, 1 file left unchanged" in done.stderr
    assert ugly.read_text(encoding="utf-8") == PRETTY
    assert stat.S_IMODE(ugly.stat().st_mode) == 0o640
    assert pretty.stat().st_mtime_ns == before  # unchanged: not written at all
    assert sorted(p.name for p in ugly.parent.iterdir()) == ["a.norm", "deep"]  # no temp file
    again = run_in(tmp_path, "fmt", "specs")
    assert again.returncode == 0 and "0 files reformatted, 2 files left unchanged" in again.stderr


def test_check_lists_what_would_change_and_writes_nothing(tmp_path: Path) -> None:
    ugly = write(tmp_path / "a.norm", UGLY)
    write(tmp_path / "b.norm", PRETTY)
    checked = run_in(tmp_path, "fmt", "--check", ".")
    assert checked.returncode == 1
    assert checked.stdout == "would reformat a.norm\n"
    assert ugly.read_text(encoding="utf-8") == UGLY
    assert run_in(tmp_path, "fmt", "--check", "b.norm").returncode == 0


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    ugly = write(tmp_path / "a.norm", UGLY)
    shown = run_in(tmp_path, "fmt", "--diff", "a.norm")
    assert shown.returncode == 1
    assert shown.stdout.startswith("--- a.norm (original)\n+++ a.norm (formatted)\n@@ ")
    assert "\n-fact night : bool\n" in shown.stdout and "\n+fact night: bool\n" in shown.stdout
    assert ugly.read_text(encoding="utf-8") == UGLY
    # the diff applies: patch turns the file into the formatted one
    patched = subprocess.run(["patch", "-s", "-o", "-", "a.norm"], input=shown.stdout,
                             cwd=tmp_path, capture_output=True, text=True, check=False)
    assert patched.returncode == 0 and patched.stdout == PRETTY, patched.stderr
    assert run_in(tmp_path, "fmt", "--diff", "a.norm").stdout == shown.stdout
    write(tmp_path / "a.norm", PRETTY)
    clean = run_in(tmp_path, "fmt", "--diff", "a.norm")
    assert clean.returncode == 0 and clean.stdout == ""


def test_standard_input_goes_to_standard_output(tmp_path: Path) -> None:
    def fmt(*args: str, text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*normcheck_command(), "fmt", *args], input=text, cwd=tmp_path,
                              env=cli_env(), capture_output=True, text=True, timeout=120)

    formatted = fmt("-", text=UGLY)
    assert formatted.returncode == 0 and formatted.stdout == PRETTY
    assert fmt("--check", "-", text=UGLY).returncode == 1
    assert fmt("--check", "-", text=PRETTY).returncode == 0
    assert fmt("--diff", "-", text=UGLY).stdout.startswith("--- <stdin> (original)")
    broken = fmt("-", text="norm x\n")
    assert broken.returncode == 1 and broken.stdout == ""
    assert "error[syntax-error]: unexpected end of file" in broken.stderr
    assert "--> <stdin>:1:7" in broken.stderr
    mixed = fmt("-", "a.norm", text=UGLY)
    assert mixed.returncode == 2 and "on its own" in mixed.stderr


def test_a_file_that_does_not_parse_is_left_alone_and_reported(tmp_path: Path) -> None:
    broken = write(tmp_path / "bad.norm", "agent a\nnorm x\n")
    ugly = write(tmp_path / "a.norm", UGLY)
    done = run_in(tmp_path, "fmt", ".")
    assert done.returncode == 1
    assert broken.read_text(encoding="utf-8") == "agent a\nnorm x\n"
    assert ugly.read_text(encoding="utf-8") == PRETTY  # the others are still formatted
    assert "error[syntax-error]" in done.stderr and "--> bad.norm:2:7" in done.stderr
    assert "bad.norm: it does not parse; left as it is" in done.stderr
    assert "1 file could not be formatted" in done.stderr
    binary = write(tmp_path / "bin.norm", "agent a\n")
    binary.write_bytes(b"agent a\x00\n")
    assert run_in(tmp_path, "fmt", "bin.norm").returncode == 1
    assert binary.read_bytes() == b"agent a\x00\n"


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = run_in(tmp_path, "fmt", "nothing.norm")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert run_in(tmp_path, "fmt").returncode == 2  # a path is required
    assert run_in(tmp_path, "fmt", "--wrong", ".").returncode == 2


def test_line_endings_a_byte_order_mark_and_links_are_kept(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.norm"
    crlf.write_bytes(b"\xef\xbb\xbf" + UGLY.replace("\n", "\r\n").encode("utf-8"))
    real = write(tmp_path / "real" / "r.norm", UGLY)
    link = tmp_path / "link.norm"
    link.symlink_to(real)
    assert run_in(tmp_path, "fmt", "crlf.norm", "link.norm").returncode == 0
    assert crlf.read_bytes() == b"\xef\xbb\xbf" + PRETTY.replace("\n", "\r\n").encode("utf-8")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == PRETTY


def test_a_file_changed_while_being_formatted_is_not_overwritten(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    """The file is read again just before the temporary file replaces it."""
    from normlang.cli import fmt

    path = write(tmp_path / "a.norm", UGLY)
    formatted = fmt._formatted

    def edit_meanwhile(data: bytes, shown: str) -> bytes:
        path.write_text(UGLY + "# edited in an editor\n", encoding="utf-8")
        return formatted(data, shown)

    monkeypatch.setattr(fmt, "_formatted", edit_meanwhile)
    with pytest.raises(fmt._Left, match="changed while being formatted"):
        fmt._format_file(path, 10**6, write=True)
    assert path.read_text(encoding="utf-8") == UGLY + "# edited in an editor\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.norm"]
