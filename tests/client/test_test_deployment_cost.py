"""The low test KDF cost needs both sides to opt in (protocol.md 4.4, "Test deployments"):
a server started without `--insecure-test-kdf` refuses it, one started with it accepts it and
says so in its log, and a client accepts it only with its own explicit override."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client, InvalidInput
from server import create_app
from server.__main__ import insecure_test_settings
from server.service import Settings
from tests.conftest import PASSWORD


@asynccontextmanager
async def server(data_dir: Path, settings: Settings | None) -> AsyncIterator[str]:
    data_dir.mkdir()
    running = TestServer(create_app(data_dir, settings=settings), host="127.0.0.1")
    await running.start_server()
    try:
        yield str(running.make_url("")).rstrip("/")
    finally:
        await running.close()


async def test_a_server_without_the_test_flag_refuses_the_test_cost(tmp_path: Path) -> None:
    async with server(tmp_path / "server", None) as url:
        with pytest.raises(InvalidInput):
            await Client.signup(
                url, "ana", PASSWORD, home=tmp_path / "ana", kdf_cost=INSECURE_TEST_COST
            )
        assert not (tmp_path / "ana" / "profile").exists()


async def test_the_test_cost_works_only_when_server_and_client_both_opt_in(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="tj.server"):
        settings = insecure_test_settings()
    assert "for tests only" in caplog.text
    async with server(tmp_path / "server", settings) as url:
        laptop = await Client.signup(
            url, "ana", PASSWORD, home=tmp_path / "laptop", kdf_cost=INSECURE_TEST_COST
        )
        await laptop.close()
        with pytest.raises(InvalidInput, match="below the minimum"):
            await Client.login(url, "ana", PASSWORD, home=tmp_path / "phone")
        phone = await Client.login(
            url, "ana", PASSWORD, home=tmp_path / "phone2", minimum_cost=INSECURE_TEST_COST
        )
        await phone.close()
