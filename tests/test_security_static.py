"""docs/security.md: a `.norm` file cannot run code or use the network, because normlang's
own code has no way to: no call of eval/exec/compile/__import__, and no import of a module
that runs or loads code, starts processes or opens sockets. (Worker processes are forked
by `concurrent.futures`; results come back as plain data, see cli/run.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "normlang"
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "breakpoint"}
#: marshal is allowed: syntax/lalr.py keeps the parser tables with it, plain data that loading
#: never runs (unlike pickle)
FORBIDDEN_MODULES = {"pickle", "shelve", "subprocess", "socket", "ssl", "http",
                     "urllib.request", "ftplib", "smtplib", "telnetlib", "xmlrpc", "code",
                     "codeop", "pty", "webbrowser"}


#: the one exception: cli/git.py runs `git` (no shell, arguments normcheck builds) for
#: `--changed-since REV` and `diff REV`, commands a user types; nothing of a `.norm` file
#: reaches it (its docstring says how)
ALLOWED = {PACKAGE / "cli" / "git.py": {"subprocess"}}


def test_no_code_runs_and_no_socket_opens() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in FORBIDDEN_CALLS:
                problems.append(f"{path.name}:{node.lineno}: {node.func.id}()")
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [])
            for name in names:
                if name in ALLOWED.get(path, set()):
                    continue
                if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES):
                    problems.append(f"{path.name}:{node.lineno}: import {name}")
    assert problems == []


def test_every_test_named_in_the_security_table_exists() -> None:
    import re

    doc = (PACKAGE.parent / "docs" / "security.md").read_text(encoding="utf-8")
    table = doc.split("## Each promise and the test that holds it")[1].split("\n## ")[0]
    named, missing = 0, []
    for row in table.splitlines()[3:]:
        current = None
        for path, test in re.findall(r"`(tests/[^`:]+)?(?:::(\w+))?`", row):
            current = path or current
            if not current:
                continue
            file = PACKAGE.parent / current
            named += 1
            if not file.exists() or (test and f"def {test}(" not in file.read_text("utf-8")):
                missing.append(f"{current}::{test}")
    assert named > 30 and missing == []


def test_the_one_module_that_runs_a_program_runs_git_without_a_shell() -> None:
    (path,) = ALLOWED
    text = path.read_text(encoding="utf-8")
    calls = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Attribute) and node.func.attr in
             ("run", "Popen", "call", "check_call", "check_output")]
    assert len(calls) == 1 and "shell" not in {k.arg for k in calls[0].keywords}
    argv = calls[0].args[0]
    assert isinstance(argv, ast.List) and isinstance(argv.elts[0], ast.Constant) \
        and argv.elts[0].value == "git"
