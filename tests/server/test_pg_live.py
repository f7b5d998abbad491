"""Live notices over PostgreSQL (server/storage/pg_live.py): payloads fit NOTIFY's limit and
round-trip, and a process whose LISTEN connection dropped makes its devices reconnect and catch
up, so a notice lost meanwhile never leaves a device behind."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import pytest

from client_sdk import SyncReport
from server.storage.base import LiveEvent
from server.storage.pg_live import NOTIFY_MAX_CHARS, decode_event, encode_events
from tests.conftest import ClientFactory, RunningServer

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
