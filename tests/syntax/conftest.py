"""Fixtures and options of the front-end tests (grammar, parser, lowering, resolution)."""

from __future__ import annotations

import contextlib
import os
import warnings

import pytest

# Hypothesis imports libcst when it reports a failing example, and libcst warns on
# import; under the project's `filterwarnings = error` that turns a readable test
# failure into a pytest INTERNALERROR. Importing it once here, quietly, avoids that.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/syntax/*.out from the current findings")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden files are rewritten (`--update-golden` or NORMLANG_UPDATE_GOLDEN=1)."""
    option = bool(request.config.getoption("--update-golden", default=False))
    return option or os.environ.get("NORMLANG_UPDATE_GOLDEN") == "1"

