"""Live notices over PostgreSQL (server/storage/pg_live.py): payloads fit NOTIFY's limit and
round-trip, and a process whose LISTEN connection dropped makes its devices reconnect and catch
up, so a notice lost meanwhile never leaves a device behind; nor does a notice a process failed
to send: every process's devices are told to resync."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from client_sdk import SyncReport
from server.live import CLOSE_GOING_AWAY
from server.routes import LIVE_PATH
from server.storage import pg_live
from server.storage.base import LiveEvent
from server.storage.pg_live import NOTIFY_MAX_CHARS, decode_event, encode_events
from tests.conftest import ClientFactory, RunningServer
from tests.e2e.test_server_restart import ServerProcess

PROMPT = 5.0


@pytest.mark.parametrize("members", [0, 1, 218, 219, 1000])
def test_an_event_for_many_accounts_splits_into_payloads_that_fit_and_round_trip(
    members: int,
) -> None:
    accounts = tuple(n.to_bytes(16, "big") for n in range(members))
    event = LiveEvent("journal", accounts, bytes(range(16)), 2**62, b"")
    payloads = encode_events(event)
    assert all(len(payload) <= NOTIFY_MAX_CHARS for payload in payloads)
    decoded = [decode_event(payload) for payload in payloads]
    assert tuple(a for d in decoded for a in d.account_ids) == accounts
    assert {(d.kind, d.journal_id, d.head) for d in decoded} == {
        ("journal", bytes(range(16)), 2**62)
    }


def test_a_meta_event_keeps_the_device_that_made_it_through_notify() -> None:
    """A "meta" event names the device whose change it announces (its sockets are skipped):
    every payload of it carries that device, whatever the number of accounts."""
    accounts = tuple(n.to_bytes(16, "big") for n in range(500))
    device = bytes(range(16, 32))
    decoded = [
        decode_event(p) for p in encode_events(LiveEvent("meta", accounts, device_id=device))
    ]
    assert len(decoded) > 1
    assert {(d.kind, d.journal_id, d.head, d.device_id) for d in decoded} == {
        ("meta", b"", 0, device)
    }
    assert tuple(a for d in decoded for a in d.account_ids) == accounts


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite has no LISTEN
async def test_a_notice_lost_while_the_listen_connection_was_down_still_reaches_the_device(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    reports: asyncio.Queue[SyncReport] = asyncio.Queue()

    async def watch() -> None:
        async for report in phone.watch():
            reports.put_nowait(report)

    watcher = asyncio.create_task(watch())
    try:
        await asyncio.wait_for(reports.get(), PROMPT)
        admin = await asyncpg.connect(live_server.database_url)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        finally:
            await admin.close()
        assert killed == 1
        entry = await laptop.entries.write(None, "Written while the server could not hear notices")
        await laptop.sync()  # its notice goes out while nobody listens
        async with asyncio.timeout(PROMPT):
            while entry.id not in {e.id for e in await phone.entries.list()}:
                await reports.get()
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def close_code(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    """Read `ws` (after its hello) until the server closes it: the close code it sent."""
    while True:
        message = await ws.receive()
        if message.type == aiohttp.WSMsgType.CLOSE:
            return int(message.data)
        if message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return ws.close_code


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite has no NOTIFY
async def test_a_notice_this_process_failed_to_send_resyncs_the_devices_of_every_process(
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rev31c F4: `pg_notify` fails for a push's notice (the database connection dropped
    right then; injected where pg_live builds the payloads, inside its `try`). The notice
    is lost for every process: the devices connected to this one are closed with 1001 at
    once, and those connected to another server process on the same database (what a
    worker is) as soon as a "resync" gets through, tried again with backoff while NOTIFY
    still fails. Before, only "live notice not sent" was logged and every socket stayed
    open and silent until the device's next timed sync."""
    laptop = await signup("ana")
    phone = await login("ana")
    other = ServerProcess(
        tmp_path / "other-data", tmp_path / "other.log", "--database", database_url
    )
    await other.start()
    real = pg_live.encode_events
    broken = [True]
    failures: list[str] = []

    def failing(event: LiveEvent) -> list[str]:
        if broken[0]:
            failures.append(event.kind)
            raise ConnectionResetError("the database connection dropped")
        return real(event)

    headers = {"Authorization": f"Bearer {laptop.profile.token}"}
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(live_server.url + LIVE_PATH, headers=headers) as here,
            session.ws_connect(other.url + LIVE_PATH, headers=headers) as there,
        ):
            for ws in (here, there):
                hello = await asyncio.wait_for(ws.receive(), PROMPT)
                assert hello.type == aiohttp.WSMsgType.BINARY
            closed_here = asyncio.create_task(close_code(here))
            closed_there = asyncio.create_task(close_code(there))
            monkeypatch.setattr(pg_live, "encode_events", failing)
            await phone.entries.write(None, "Written as the server's database connection dropped")
            await phone.sync()  # pushed through this process, whose notice is not sent
            assert failures[:1] == ["journal"]
            assert await asyncio.wait_for(closed_here, PROMPT) == CLOSE_GOING_AWAY
            async with asyncio.timeout(PROMPT):  # the "resync" for every process fails too
                while len(failures) < 3:
                    await asyncio.sleep(0.05)
            assert failures[1:3] == ["resync", "resync"]
            assert not closed_there.done(), "the other process heard of nothing yet"
            broken[0] = False  # NOTIFY works again: the next try gets through
            assert await asyncio.wait_for(closed_there, PROMPT) == CLOSE_GOING_AWAY
    finally:
        other.kill()
    assert "live notice not sent: ConnectionResetError" in live_server.log_file.read_text()
