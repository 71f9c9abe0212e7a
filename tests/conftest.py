"""Shared pytest options. Each test folder keeps its own fixtures in its own conftest.py."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=100, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "slow", max_examples=2000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("slow" if os.environ.get("NORMLANG_SLOW") else "default")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False,
                     help="run the long property-test and fuzzing budgets")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a long-running test (real tools, big budgets)")
    if config.getoption("--slow"):
        os.environ["NORMLANG_SLOW"] = "1"
        settings.load_profile("slow")
