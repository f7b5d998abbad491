"""A real server process killed (SIGKILL) in the middle of a sync and started again on the
same data: nothing is lost, nothing is stored or shown twice, and live channels reconnect."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Backoff, Client, NetworkError, SyncProgress
from tests.conftest import PASSWORD

ENTRIES = 1500
START_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """`python -m server` on a fixed loopback port and data directory, restartable."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with open(self._log_path, "ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server",
                    "--data",
                    str(self.data_dir),
                    "--port",
                    str(self.port),
                    "--insecure-test-kdf",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        await self._wait_until_listening()

    async def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise AssertionError(f"the server exited: {self._log_path.read_text()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise AssertionError(f"the server did not start: {self._log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, like a power cut of the process."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    async def restart(self) -> None:
        self.kill()
        await self.start()

    def records(self, journal_id: str) -> list[bytes]:
        with contextlib.closing(sqlite3.connect(self.data_dir / "journal.db")) as db:
            rows = db.execute(
                "SELECT record_id FROM records WHERE journal_id = ?", (bytes.fromhex(journal_id),)
            ).fetchall()
        return [bytes(row[0]) for row in rows]


ClientOpener = Callable[[str], Awaitable[Client]]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "server-data", tmp_path / "server.log")
    try:
        await process.start()
        yield process
    finally:
        process.kill()


@pytest.fixture
async def devices(
    server: ServerProcess, tmp_path: Path
) -> AsyncIterator[tuple[Client, ClientOpener]]:
    """The first device of a fresh account, and a way to log in more devices."""
    opened: list[Client] = []

    async def login(name: str) -> Client:
        client = await Client.login(
            server.url,
            "ana",
            PASSWORD,
            home=tmp_path / name,
            device_name=name,
            minimum_cost=INSECURE_TEST_COST,
        )
        opened.append(client)
        return client

    first = await Client.signup(
        server.url,
        "ana",
        PASSWORD,
        home=tmp_path / "laptop",
        device_name="laptop",
        kdf_cost=INSECURE_TEST_COST,
    )
    opened.append(first)
    try:
        yield first, login
    finally:
        for client in opened:
            await client.close()


async def write_entries(client: Client, count: int) -> set[str]:
    return {(await client.write(None, f"Entry number {n}.")).id for n in range(count)}


async def sync_until_done(client: Client) -> None:
    """Sync, retrying while the restarted server is still settling."""
    for _ in range(20):
        try:
            await client.sync()
            return
        except NetworkError:
            await asyncio.sleep(0.1)
    await client.sync()


async def entry_ids(client: Client) -> list[str]:
    return [entry.id for entry in await client.entries(include_deleted=True)]


async def test_a_push_cut_by_a_server_kill_stores_every_entry_exactly_once_after_restart(
    server: ServerProcess, devices: tuple[Client, ClientOpener]
) -> None:
    laptop, login = devices
    written = await write_entries(laptop, ENTRIES)
    journal_id = (await laptop.journal()).id

    sync = asyncio.create_task(laptop.sync())
    await asyncio.sleep(random.uniform(0.1, 0.3))
    server.kill()
    with contextlib.suppress(NetworkError):
        await sync  # cut mid-flight, or finished just before the kill
    await server.start()
    await sync_until_done(laptop)

    stored = server.records(journal_id)
    assert len(stored) == ENTRIES
    assert len(set(stored)) == ENTRIES
    assert await laptop.pending() == 0
    phone = await login("phone")
    await phone.sync()
    shown = await entry_ids(phone)
    assert len(shown) == ENTRIES
    assert set(shown) == written


async def test_a_kill_right_after_the_first_push_batch_loses_and_duplicates_nothing(
    server: ServerProcess, devices: tuple[Client, ClientOpener]
) -> None:
    laptop, login = devices
    written = await write_entries(laptop, ENTRIES)
    journal_id = (await laptop.journal()).id

    def kill_after_first_batch(progress: SyncProgress) -> None:
        if progress.pushed > 0:
            server.kill()

    with pytest.raises(NetworkError):
        await laptop.sync(kill_after_first_batch)
    assert 0 < await laptop.pending() < ENTRIES
    await server.start()
    await sync_until_done(laptop)

    stored = server.records(journal_id)
    assert (len(stored), len(set(stored))) == (ENTRIES, ENTRIES)
    phone = await login("phone")
    await phone.sync()
    assert sorted(await entry_ids(phone)) == sorted(written)


async def test_a_pull_cut_by_a_server_kill_ends_with_every_entry_exactly_once(
    server: ServerProcess, devices: tuple[Client, ClientOpener]
) -> None:
    laptop, login = devices
    written = await write_entries(laptop, ENTRIES)
    await laptop.sync()
    phone = await login("phone")

    def kill_after_first_page(progress: SyncProgress) -> None:
        if progress.pull_fraction > 0:
            server.kill()

    with pytest.raises(NetworkError):
        await phone.sync(kill_after_first_page)
    assert 0 < len(await entry_ids(phone)) < ENTRIES
    await server.start()
    await sync_until_done(phone)

    shown = await entry_ids(phone)
    assert len(shown) == ENTRIES
    assert set(shown) == written
    assert (await phone.sync()).pulled == 0


async def test_a_watching_device_reconnects_after_a_restart_and_gets_the_next_change(
    server: ServerProcess, devices: tuple[Client, ClientOpener]
) -> None:
    laptop, login = devices
    phone = await login("phone")
    reports: asyncio.Queue[object] = asyncio.Queue()

    async def watch() -> None:
        async for report in phone.watch(backoff=Backoff(first=0.05, cap=0.5)):
            reports.put_nowait(report)

    watcher = asyncio.create_task(watch())
    try:
        await asyncio.wait_for(reports.get(), 5)
        await server.restart()
        entry = await laptop.write(None, "After the restart")
        await sync_until_done(laptop)
        async with asyncio.timeout(5):
            while entry.id not in await entry_ids(phone):
                await reports.get()
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
