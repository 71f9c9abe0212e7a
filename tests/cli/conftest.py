"""CLI tests run the real `normcheck` console script in a subprocess, in a copy of
`fixtures/` made for each test (so display paths, the config and the cache are the test's own).

Golden text outputs live in `golden/`; they are rewritten only with `--update-golden`
(or `NORMCHECK_UPDATE_GOLDEN=1` when this conftest is not loaded early enough for the option).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, Run, run_in


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    # tests/syntax's conftest defines the same flag. Two conftests that both define it
    # clash when both are loaded, so this one defines it only when loaded before the
    # command line is parsed (`pytest tests/cli ...`): loaded later, during collection of a
    # larger run, the flag could not have been given to it anyway.
    config = pluginmanager.get_plugin("pytestconfig")
    if config is not None and (getattr(config, "args", None) or not _only_cli_tests(config)):
        return
    with contextlib.suppress(ValueError):  # already defined by a conftest loaded earlier
        parser.addoption("--update-golden", action="store_true", default=False,
                         help="rewrite golden outputs (tests/cli/golden/*.out and others)")


def _only_cli_tests(config: pytest.Config) -> bool:
    """Whether every path on the command line is inside tests/cli (so no other folder's
    conftest can define `--update-golden` in this run)."""
    here = Path(__file__).parent.resolve()
    params = config.invocation_params
    paths = [Path(params.dir, arg.split("::")[0]).resolve() for arg in params.args
             if not arg.startswith("-") and Path(params.dir, arg.split("::")[0]).exists()]
    return bool(paths) and all(path == here or here in path.parents for path in paths)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the fixture specs, with a `pyproject.toml` marking the project root."""
    root = tmp_path / "proj"
    shutil.copytree(FIXTURES, root)
    (root / "pyproject.toml").write_text("[project]\nname = 'fixture'\n", encoding="utf-8")
    return root


@pytest.fixture
def run(project: Path) -> Run:
    """Run `normcheck ARGS` in the project copy."""
    def runner(*args: str, cwd: Path | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_in(cwd or project, *args, env=env)
    return runner


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden", default=False)
                or os.environ.get("NORMCHECK_UPDATE_GOLDEN"))
