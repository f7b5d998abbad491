"""Shared fixtures: a real server on 127.0.0.1 (aiohttp TestServer, real SQLite, real crypto)
and SDK clients with the low Argon2id cost that tests must ask for explicitly."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client
from server import create_app
from server.service import Settings

# The server refuses weak Argon2id parameters by default; tests lower the floor explicitly.
TEST_SETTINGS = Settings(
    min_opslimit=INSECURE_TEST_COST.opslimit, min_memlimit=INSECURE_TEST_COST.memlimit
)
PASSWORD = "correct horse battery"


class Clock:
    """A settable clock (milliseconds) injected into the server for expiry tests."""

    def __init__(self) -> None:
        import time

        self.now = int(time.time() * 1000)

    def __call__(self) -> int:
        return self.now


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    log_file: Path
    clock: Clock
    server: TestServer


@pytest.fixture
async def live_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    """A real server on loopback; every log record of the process goes to `log_file`."""
    data_dir = tmp_path / "server-data"
    log_file = tmp_path / "server.log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # aiosqlite DEBUG echoes SQL parameters
    clock = Clock()
    server = TestServer(create_app(data_dir, settings=TEST_SETTINGS, clock=clock), host="127.0.0.1")
    await server.start_server()
    try:
        yield RunningServer(str(server.make_url("")).rstrip("/"), data_dir, log_file, clock, server)
    finally:
        await server.close()
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()


ClientFactory = Callable[..., Awaitable[Client]]


@pytest.fixture
async def signup(live_server: RunningServer, tmp_path: Path) -> AsyncIterator[ClientFactory]:
    """signup(username, device="laptop") -> Client, closed at teardown."""
    clients: list[Client] = []

    async def make(username: str, device: str = "laptop", password: str = PASSWORD) -> Client:
        client = await Client.signup(
            live_server.url,
            username,
            password,
            home=tmp_path / f"{username}-{device}",
            device_name=device,
            kdf_cost=INSECURE_TEST_COST,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def login(live_server: RunningServer, tmp_path: Path) -> AsyncIterator[ClientFactory]:
    """login(username, device="phone", password=PASSWORD) -> Client, closed at teardown."""
    clients: list[Client] = []

    async def make(username: str, device: str = "phone", password: str = PASSWORD) -> Client:
        client = await Client.login(
            live_server.url,
            username,
            password,
            home=tmp_path / f"{username}-{device}",
            device_name=device,
            minimum_cost=INSECURE_TEST_COST,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
