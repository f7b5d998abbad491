"""Fixtures for raw-HTTP tests against the live server of tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from client_sdk import Client
from tests.conftest import BACKENDS, ClientFactory, RunningServer
from tests.server.raw import RawClient
from tests.server.servers import serving

Serve = Callable[..., AbstractAsyncContextManager[RunningServer]]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Every server test runs against SQLite and against PostgreSQL."""
    return str(request.param)


@pytest.fixture
async def raw(live_server: RunningServer) -> AsyncIterator[RawClient]:
    # One connection per request: a refused request never leaves a half-read connection
    # behind for the next one.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield RawClient(session, live_server.url)


@pytest.fixture
async def raw_session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session for RawClient against a server a test starts itself (one
    connection per request)."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


@pytest.fixture
async def ana(signup: ClientFactory) -> Client:
    """An account with its default journal, created through the SDK."""
    return await signup("ana")


@pytest.fixture
async def ben(signup: ClientFactory) -> Client:
    return await signup("ben")


@pytest.fixture
def serve(tmp_path: Path, database_url: str | None) -> Serve:
    """serve(**settings): a server with TEST_SETTINGS changed by `settings`, on the test's
    backend (use it once per test: on PostgreSQL every server shares the test's database)."""

    def start(**settings: Any) -> AbstractAsyncContextManager[RunningServer]:
        return serving(tmp_path, database_url, **settings)

    return start
