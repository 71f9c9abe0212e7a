"""The language-server tests' client: `normcheck lsp` started over stdio by pytest-lsp."""

from __future__ import annotations

import pytest_lsp
from lsp_helpers import server_command
from pytest_lsp import ClientServerConfig, LanguageClient


@pytest_lsp.fixture(config=ClientServerConfig(server_command=server_command()))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    yield
    await lsp_client.shutdown_session()
