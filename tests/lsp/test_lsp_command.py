"""`normcheck lsp` as a subcommand: pygls only on its path, a clear error without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lsp_helpers import server_command

SPEC = "agent bot\naction bot.talk\nnorm n\n  bot must talk\n"


def python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_a_plain_check_does_not_import_the_language_server(tmp_path: Path) -> None:
    (tmp_path / "spec.norm").write_text(SPEC)
    probe = ("import sys\nfrom normlang.cli.main import main\ncode = main(['--no-cache', "
             "'spec.norm'])\nprint(code, sorted(m for m in sys.modules if m.split('.')[0] in "
             "('pygls', 'lsprotocol', 'cattrs') or m.startswith('normlang.lsp')), "
             "file=sys.stderr)\n")
    done = python(probe, tmp_path)
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr


def test_without_pygls_the_subcommand_says_what_to_install(tmp_path: Path) -> None:
    probe = ("import sys\nsys.modules['pygls'] = None\nfrom normlang.cli.main import main\n"
             "print('exit', main(['lsp']))\n")
    done = python(probe, tmp_path)
    assert "exit 2" in done.stdout
    assert "pip install 'normlang[lsp]'" in done.stderr and "Traceback" not in done.stderr


def test_lsp_help_is_listed_and_a_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    shown = subprocess.run([*server_command(), "--help"], capture_output=True, text=True,
                           timeout=60)
    assert shown.returncode == 0 and "language server" in shown.stdout
    bad = subprocess.run([*server_command(), "--tcp"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unrecognized arguments: --tcp" in bad.stderr


def test_the_server_leaves_quietly_when_the_editor_closes_its_input(tmp_path: Path) -> None:
    done = subprocess.run(server_command(), input="", capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
