"""A real server on loopback with chosen Settings (limits low enough to reach in a test)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client
from server import create_app
from tests.conftest import PASSWORD, TEST_SETTINGS, Clock, RunningServer


@asynccontextmanager
async def serving(
    tmp_path: Path, database_url: str | None = None, **settings: Any
) -> AsyncIterator[RunningServer]:
    """The server of tests/conftest.py with TEST_SETTINGS changed by `settings`, on SQLite
    (a new directory each time) or on the PostgreSQL database `database_url`."""
    data_dir = tmp_path / f"server-{len(list(tmp_path.glob('server-*')))}"
    log_file = data_dir.with_suffix(".log")
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    clock = Clock()
    chosen = dataclasses.replace(TEST_SETTINGS, **settings)
    app = create_app(data_dir, database=database_url, settings=chosen, clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url("")).rstrip("/")
        backend = "postgresql" if database_url else "sqlite"
        yield RunningServer(url, data_dir, log_file, clock, server, backend, database_url)
    finally:
        await server.close()
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()


async def signup(url: str, tmp_path: Path, username: str, password: str = PASSWORD) -> Client:
    return await Client.signup(
        url,
        username,
        password,
        home=tmp_path / f"{username}-laptop",
        device_name="laptop",
        kdf_cost=INSECURE_TEST_COST,
    )


async def login(
    url: str, tmp_path: Path, username: str, password: str = PASSWORD, device: str = "phone"
) -> Client:
    return await Client.login(
        url,
        username,
        password,
        home=tmp_path / f"{username}-{device}",
        device_name=device,
        minimum_cost=INSECURE_TEST_COST,
    )
