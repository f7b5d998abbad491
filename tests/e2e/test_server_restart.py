"""A real server process killed (SIGKILL) in the middle of a sync and started again on the
same data: nothing is lost, nothing is stored or shown twice, and live channels reconnect.

Every kill is placed by an event (a proxy holding a reply, a progress callback), never by a
sleep, and each test asserts that the kill landed where it claims. Timeouts only bound hangs.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import (
    INSECURE_TEST_COST,
    Backoff,
    Client,
    NetworkError,
    SyncProgress,
    SyncReport,
    replica,
)
from client_sdk.wire import MAX_RECORDS_PER_PUSH
from tests.conftest import PASSWORD

ENTRIES = 1500  # three push batches of MAX_RECORDS_PER_PUSH
START_TIMEOUT = 60.0
HANG = 60.0  # turns a hang into a failure; no step is expected to take nearly this long
PUSH_PATH = "/v1/records/push"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """`python -m server` on a fixed loopback port and data directory, restartable."""

    def __init__(self, data_dir: Path, log_path: Path, *flags: str) -> None:
        """`flags`: more `tj-server` options, e.g. "--log-level", "DEBUG"."""
        self.data_dir = data_dir
        self.flags = flags
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
                    *self.flags,
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
    return {(await client.entries.write(None, f"Entry number {n}.")).id for n in range(count)}


async def sync_until_done(client: Client) -> None:
    """Sync, retrying while the restarted server is still settling (the deadline only
    bounds a hang: a busy machine may take long to start a server)."""
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        try:
            await client.sync()
            return
        except NetworkError:
            await asyncio.sleep(0.1)
    await client.sync()


async def entry_ids(client: Client) -> list[str]:
    return [entry.id for entry in await client.entries.list(include_deleted=True)]


class ReplyHoldingProxy:
    """A loopback proxy in front of the server. Once armed with `hold_push(n)`, it forwards
    the n-th push that follows, lets the server store it, and holds the server's reply until
    `cut()`, which closes the device's connection instead of answering: a reply lost because
    the server died after committing. A request the server cannot take is cut the same way."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.url = ""
        self.holding = asyncio.Event()
        self._cut = asyncio.Event()
        self._hold_at: int | None = None
        self._pushes = 0
        self._session: aiohttp.ClientSession | None = None

    def hold_push(self, nth: int) -> None:
        self._pushes, self._hold_at = 0, nth

    def cut(self) -> None:
        self._cut.set()

    async def forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        body = await request.read()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name in ("Content-Type", "Authorization")
        }
        try:
            async with self._session.post(
                self.upstream + request.path, data=body, headers=headers
            ) as answer:
                reply, status = await answer.read(), answer.status
        except aiohttp.ClientError:
            return self._close(request)
        if request.path == PUSH_PATH and self._hold_at is not None:
            self._pushes += 1
            if self._pushes == self._hold_at:
                self.holding.set()
                await self._cut.wait()
                return self._close(request)
        return web.Response(status=status, body=reply, content_type="application/msgpack")

    @staticmethod
    def _close(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.Response(status=502)  # never reaches the device: its connection is closed


@pytest.fixture
async def proxy(server: ServerProcess) -> AsyncIterator[ReplyHoldingProxy]:
    holder = ReplyHoldingProxy(server.url)
    app = web.Application()
    app.router.add_post("/{tail:.*}", holder.forward)
    front = TestServer(app, host="127.0.0.1")
    await front.start_server()
    holder.url = str(front.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as session:
        holder._session = session
        try:
            yield holder
        finally:
            holder.cut()
            await front.close()


async def test_a_server_killed_while_its_push_reply_is_on_the_way_stores_every_entry_once(
    server: ServerProcess, proxy: ReplyHoldingProxy, tmp_path: Path
) -> None:
    laptop = await Client.signup(
        proxy.url, "ana", PASSWORD, home=tmp_path / "laptop", kdf_cost=INSECURE_TEST_COST
    )
    try:
        written = await write_entries(laptop, ENTRIES)
        journal_id = (await laptop.journals.get()).id
        stored_before, pending_before = len(server.records(journal_id)), await laptop.pending()
        assert pending_before >= ENTRIES

        proxy.hold_push(2)
        sync = asyncio.create_task(laptop.sync())
        await asyncio.wait_for(proxy.holding.wait(), HANG)
        server.kill()
        stored_at_kill = len(server.records(journal_id))
        proxy.cut()
        with pytest.raises(NetworkError):
            await asyncio.wait_for(sync, HANG)
        # The kill landed inside the push: the server had committed two batches, while the
        # device had an answer for the first one only.
        assert stored_at_kill - stored_before == 2 * MAX_RECORDS_PER_PUSH
        assert await laptop.pending() == pending_before - MAX_RECORDS_PER_PUSH

        await server.start()
        await sync_until_done(laptop)
        stored = server.records(journal_id)
        assert len(stored) == len(set(stored)) == stored_before + pending_before
        assert await laptop.pending() == 0
    finally:
        await laptop.close()
    phone = await Client.login(
        server.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        await phone.sync()
        shown = await entry_ids(phone)
        assert len(shown) == ENTRIES
        assert set(shown) == written
    finally:
        await phone.close()


async def test_a_kill_right_after_the_first_push_batch_loses_and_duplicates_nothing(
    server: ServerProcess, devices: tuple[Client, ClientOpener]
) -> None:
    laptop, login = devices
    written = await write_entries(laptop, ENTRIES)
    journal_id = (await laptop.journals.get()).id

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
    server: ServerProcess, devices: tuple[Client, ClientOpener], monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, login = devices
    written = await write_entries(laptop, ENTRIES)
    await laptop.sync()
    phone = await login("phone")
    # Pages of 100: a bulk pull asks up to two pages ahead (issue 10), so with pages of 1,000
    # the whole pull could be in hand before the kill; with 15 pages most come after it.
    monkeypatch.setattr(replica, "PULL_PAGE", 100)

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


async def test_a_watching_device_reconnects_after_a_restart_and_its_new_channel_brings_a_notice(
    server: ServerProcess, devices: tuple[Client, ClientOpener]
) -> None:
    laptop, login = devices
    phone = await login("phone")
    reports: asyncio.Queue[SyncReport] = asyncio.Queue()

    async def watch() -> None:
        async for report in phone.watch(backoff=Backoff(first=0.05, cap=0.5)):
            reports.put_nowait(report)

    async def next_report() -> SyncReport:
        report = await asyncio.wait_for(reports.get(), HANG)
        assert report.trigger is not None
        return report

    watcher = asyncio.create_task(watch())
    try:
        assert (await next_report()).trigger.connected  # type: ignore[union-attr]
        await server.restart()
        # The catch-up sync that follows reconnecting: from here on, the entry written below
        # can only come through a notice on the reconnected channel.
        while not (await next_report()).trigger.connected:  # type: ignore[union-attr]
            pass
        entry = await laptop.entries.write(None, "After the restart")
        await sync_until_done(laptop)
        # Only the laptop writes now, so the first report that pulled anything brought it.
        while not (report := await next_report()).pulled:
            pass
        assert report.trigger is not None and not report.trigger.connected
        assert report.trigger.journal_id == (await laptop.journals.get()).id
        assert entry.id in await entry_ids(phone)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
