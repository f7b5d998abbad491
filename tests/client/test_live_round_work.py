"""The work of a live round, counted (issue 10; never timed): a write on one device, its
push and the live notice the server sends for it, and another device reading that entry.
Real server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from client_sdk import Client, devices
from client_sdk.errors import InvalidInput, NotFound
from client_sdk.sync import SyncReport
from server import app as server_app
from server import routes
from server.storage.sqlite import SQLiteStorage
from tests.client.test_live import watching
from tests.client.test_live_records import notices, personal
from tests.client.test_sync_caches import settled, statements
from tests.conftest import ClientFactory, RunningServer

# What `heads_for` reads: every journal of one account (server/storage/sqlite.py).
EVERY_JOURNAL_OF = "JOIN journals j ON j.journal_id = m.journal_id WHERE m.account_id = "


async def test_a_push_announced_with_its_records_reads_its_journal_not_every_one_of_the_pusher(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    for name in ("Work", "Sleep"):  # more journals of the pusher than the one pushed to
        await laptop.journals.create(name)
    phone = await login("ana")
    await settled(laptop)
    await settled(phone)
    storage = live_server.server.app[routes.SERVICE].storage
    assert isinstance(storage, SQLiteStorage)
    reads: list[str] = []
    reader: sqlite3.Connection = storage._reader
    async with notices(phone) as live:  # a device of the owner that asks for records
        await laptop.entries.write(None, "Written on the laptop")
        reader.set_trace_callback(reads.append)
        try:
            await laptop.sync()  # the push (announced with its record), then the pull
        finally:
            reader.set_trace_callback(None)
        notice = await live.next(await personal(phone))
    assert len(notice.records) == 1, "the notice carries the record pushed"
    # One look at every journal of the account: the pull's (/v1/sync), not the push's too.
    assert sum(EVERY_JOURNAL_OF in sql for sql in reads) == 1, reads


async def test_a_push_is_announced_to_the_other_devices_before_its_answer_is_written(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other devices wait for the notice (live propagation), the pusher for its answer:
    # the server writes the notice to their sockets first, not a step of its loop after
    # the answer (server/service.py `_announce`).
    laptop = await signup("ana")
    phone = await login("ana")
    await settled(laptop)
    await settled(phone)
    written: list[str] = []
    send_answer, send_bytes = server_app.send_answer, web.WebSocketResponse.send_bytes

    async def answer(request: web.Request, *args: Any) -> None:
        written.append(request.path)
        await send_answer(request, *args)

    async def frame(socket: web.WebSocketResponse, *args: Any) -> None:
        written.append("notice")
        await send_bytes(socket, *args)

    async with notices(phone) as live:  # opened, its hello sent, before the spies
        monkeypatch.setattr(server_app, "send_answer", answer)
        monkeypatch.setattr(web.WebSocketResponse, "send_bytes", frame)
        await laptop.entries.write(None, "Written on the laptop")
        await laptop.sync()
        notice = await live.next(await personal(phone))
    assert len(notice.records) == 1
    assert written.index("notice") < written.index("/v1/records/push"), written


async def test_an_entry_read_by_its_whole_id_is_read_without_a_lookup_by_prefix(
    signup: ClientFactory,
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "one entry")
    other = await laptop.entries.write(None, "another entry")
    await settled(laptop)
    for spelled in (entry.id, f" {entry.id.upper()} "):
        with statements(laptop, every=True) as ran:
            found = await laptop.entries.get(spelled)
        assert found.body == "one entry"
        assert not [sql for sql in ran if "WHERE doc_id >= " in sql], ran
    # A prefix is still looked up, and an id of nothing is refused as before.
    assert (await laptop.entries.get(other.id[:8])).body == "another entry"
    with pytest.raises(NotFound):
        await laptop.entries.get("0" * 32)
    with pytest.raises(InvalidInput):
        await laptop.entries.get("g" * 32)


async def test_live_rounds_read_the_file_of_the_sessions_ended_here_once_not_each_round(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sessions this home ended by a logout (a file) are checked before the device list
    # (the server's word) names an arrival of this account: read once for the client, at
    # the first round that brings one, never again at the rounds after it.
    laptop = await signup("ana")
    phone = await login("ana")
    read: list[str] = []
    sessions_after_logout = devices.sessions_after_logout

    def counted(*args: object) -> dict[bytes, int | None]:
        read.append("sessions")
        return sessions_after_logout(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(devices, "sessions_after_logout", counted)
    async with watching(phone) as watcher:
        for round_ in range(3):
            entry = await laptop.entries.write(None, f"round {round_}")
            await laptop.sync()
            report = await watcher.next_report()
            while not report.arrivals:
                report = await watcher.next_report()
            assert [a.doc_id.hex() for a in report.arrivals.values()] == [entry.id]
            assert read == ["sessions"], round_


async def test_an_arrival_from_an_unlisted_device_still_reads_the_sessions_ended_here(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    read: list[str] = []
    sessions_after_logout = devices.sessions_after_logout

    def counted(*args: object) -> dict[bytes, int | None]:
        read.append("sessions")
        return sessions_after_logout(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(devices, "sessions_after_logout", counted)
    source = await _source_of(laptop)
    assert read == [], "not read before a name needs it"
    assert source(laptop.profile.account_id, bytes(16), 0) == "another device (000000000000)"
    assert read == ["sessions"]
    source(laptop.profile.account_id, bytes(16), 0)
    assert read == ["sessions"], "read once a sync"


async def _source_of(client: Client) -> Callable[[bytes, bytes, int], str]:
    return (await client._source_names(SyncReport()))[0]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_the_meta_version_a_notice_carries_is_the_one_a_sync_brings(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    # What the server's notice reads of the pushed journal alone (`meta_version`) is what
    # the pusher's /v1/sync page of it says (`heads_for`), on both backends.
    laptop = await signup("ana")
    await laptop.journals.rename("Personal", "Diary")  # a meta version past the first
    await settled(laptop)
    storage = live_server.server.app[routes.SERVICE].storage
    heads = await storage.heads_for(laptop.profile.account_id, 0)
    assert heads
    for journal_id, (_, meta_version, _) in heads.items():
        assert await storage.meta_version(journal_id) == meta_version
    assert await storage.meta_version(bytes(16)) is None
