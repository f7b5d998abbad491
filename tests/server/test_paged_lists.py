"""Bounded lists: every list an endpoint returns is paged and the SDK follows the pages. An
account that shares 10,001 journals with someone, or has more than 1,000 devices, breaks
nothing. The rows are made cheaply (straight into the database, as a backup restore would),
and everything is asserted through HTTP and the SDK."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp
import asyncpg

from client_sdk import Client, wire
from client_sdk.models import to_datetime
from server import routes
from tests.conftest import RunningServer
from tests.server.conftest import Serve
from tests.server.raw import RawClient
from tests.server.servers import signup

SHARED = 10_001
DEVICES = 1_100


async def insert(server: RunningServer, table: str, rows: list[tuple[object, ...]]) -> None:
    """Rows straight into a table of the server's database, in one transaction. On
    PostgreSQL as a restore does it: one COPY, then ANALYZE, as PostgreSQL's documentation
    asks after a bulk load (without it the planner keeps the empty table's statistics until
    autovacuum's next round, up to a minute later, and every page of the list is read with a
    plan for an empty table: 43 s instead of 18 for the 10,001-journal test)."""
    marks = ", ".join("?" * len(rows[0]))
    if server.database_url is None:
        with closing(sqlite3.connect(server.data_dir / "journal.db")) as db, db:
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        return
    connection = await asyncpg.connect(server.database_url)
    try:
        await connection.copy_records_to_table(table, records=rows)
        await connection.execute(f"ANALYZE {table}")
    finally:
        await connection.close()


async def share_many(server: RunningServer, owner: Client, member: Client, count: int) -> None:
    """`count` journals of `owner`, each with `member` as a reader and a key envelope for
    it (random bytes: the server never opens one)."""
    now = server.clock.now
    ids = [os.urandom(16) for _ in range(count)]
    owner_id, member_id = owner.profile.account_id, member.profile.account_id
    await insert(
        server, "journals", [(j, owner_id, 0, b"", 1, 0, now + n) for n, j in enumerate(ids)]
    )
    members = [(j, owner_id, "owner", 0) for j in ids] + [(j, member_id, "read", 0) for j in ids]
    await insert(server, "members", members)
    await insert(server, "journal_keys", [(j, member_id, 0, os.urandom(72)) for j in ids])


async def add_devices(
    server: RunningServer, account_id: bytes, names_at: list[tuple[str, int]]
) -> None:
    """Signed-in devices of `account_id` (a name and a sign-in time, ms, each), each made
    as the service makes one at login, straight into its tables: the device row and its id
    marked taken (what Storage.create_device writes, bar the sign-in log, pruned anyway)."""
    service = server.server.app[routes.SERVICE]
    devices = [service._new_device(account_id, name, at)[1] for name, at in names_at]
    await insert(
        server,
        "devices",
        [
            (d.device_id, d.account_id, d.name, d.token_hash, d.created_at, d.last_seen_at)
            + (d.expires_at, int(d.revoked))
            for d in devices
        ],
    )
    await insert(server, "used_device_ids", [(d.device_id, d.account_id) for d in devices])


async def all_pages(raw: RawClient, path: str, token: str, key: str) -> tuple[list[object], int]:
    """Every item of a paged list through raw HTTP, and how many pages it took."""
    items: list[object] = []
    after, pages = b"", 0
    while True:
        answer = await raw.call(path, {"after": after} if after else {}, token=token)
        assert answer.status == 200, answer.body[:200]
        value = answer.value()
        assert len(value[key]) <= wire.PAGE_ITEMS
        items += value[key]
        pages += 1
        after = value.get("next", b"")
        if not after:
            return items, pages


async def test_more_than_a_thousand_devices_are_listed_page_by_page(
    serve: Serve, tmp_path: Path, raw_session: aiohttp.ClientSession
) -> None:
    async with serve(max_devices=10_000) as server:
        ana = await signup(server.url, tmp_path, "ana")
        now = server.clock.now
        await add_devices(
            server, ana.profile.account_id, [(f"tablet {n}", now) for n in range(DEVICES)]
        )
        raw = RawClient(raw_session, server.url)
        devices, pages = await all_pages(raw, "/v1/devices/list", ana.profile.token, "devices")
        assert len(devices) == DEVICES + 1 and pages == 3
        assert len({d["device_id"] for d in devices}) == DEVICES + 1  # no repeats, no gaps
        listed = await ana.devices.list()
        assert len(listed) == DEVICES + 1
        assert [d.name for d in listed if d.current] == ["laptop"]
        await ana.close()


async def test_expired_devices_never_leave_a_page_of_the_list_empty(
    serve: Serve, tmp_path: Path, raw_session: aiohttp.ClientSession
) -> None:
    """Expired sessions are left out by the query, before its LIMIT: 600 of them, older than
    the one live device, used to make the first page empty with a `next` (R9B finding 12),
    which the SDK now rightly takes for a server stretching the list."""
    async with serve(max_devices=10_000) as server:
        ana = await signup(server.url, tmp_path, "ana")
        service = server.server.app[routes.SERVICE]
        long_ago = server.clock.now - service.settings.token_ttl_ms - 60_000
        old = [(f"old {n}", long_ago + n) for n in range(600)]
        await add_devices(server, ana.profile.account_id, old)
        raw = RawClient(raw_session, server.url)
        devices, pages = await all_pages(raw, "/v1/devices/list", ana.profile.token, "devices")
        assert (len(devices), pages) == (1, 1)
        assert [d.name for d in await ana.devices.list()] == ["laptop"]
        await ana.close()


async def test_a_page_cursor_that_is_not_one_is_refused(
    serve: Serve, tmp_path: Path, raw_session: aiohttp.ClientSession
) -> None:
    async with serve() as server:
        ana = await signup(server.url, tmp_path, "ana")
        raw = RawClient(raw_session, server.url)
        for path in ("/v1/devices/list", "/v1/journals/list", "/v1/shares/list"):
            answer = await raw.call(path, {"after": b"\x01\x02"}, token=ana.profile.token)
            assert answer.error() == (400, "invalid_field"), path
        # Positions of the right length whose numbers do not fit a signed 64-bit integer (R9B
        # finding 11: an OverflowError in the database driver, a 500 and an ERROR traceback).
        journal = bytes.fromhex((await ana.journals.get("Personal")).id)
        past = [b"\x80" + bytes(23), b"\xff" * 24]
        refused = [("/v1/devices/list", {"after": after}) for after in past]
        refused += [("/v1/journals/list", {"after": after}) for after in past]
        refused += [
            ("/v1/shares/audit", {"journal_id": journal, "after": after})
            for after in (b"\xff" * 32, bytes(24) + b"\x80" + bytes(7), b"\x80" + bytes(31))
        ]
        for path, body in refused:
            answer = await raw.call(path, body, token=ana.profile.token)
            assert answer.error() == (400, "invalid_field"), (path, body)
        # The largest position that fits is a position: an empty page after it.
        largest = b"\x7f" + b"\xff" * 7
        for path, body in (
            ("/v1/devices/list", {"after": largest + bytes(16)}),
            ("/v1/journals/list", {"after": largest + bytes(16)}),
            ("/v1/shares/audit", {"journal_id": journal, "after": largest + bytes(16) + largest}),
        ):
            answer = await raw.call(path, body, token=ana.profile.token)
            assert answer.status == 200, (path, answer.body[:200])
        await ana.close()
    log = server.log_file.read_text(encoding="utf-8", errors="replace")
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


async def test_ten_thousand_and_one_shared_journals_page_and_sync(
    serve: Serve, tmp_path: Path, raw_session: aiohttp.ClientSession
) -> None:
    async with serve(max_shares=100_000, max_journals=100_000) as server:
        ana = await signup(server.url, tmp_path, "ana")
        tom = await signup(server.url, tmp_path, "tom")
        # One real share, made by the SDK, among the many.
        await ana.entries.write("Personal", "A real entry tom must still get.")
        await ana.shares.grant("Personal", "tom", trust_on_first_use=True, full=True)
        await share_many(server, ana, tom, SHARED)
        raw = RawClient(raw_session, server.url)
        token = tom.profile.token
        journals, pages = await all_pages(raw, "/v1/journals/list", token, "journals")
        assert len(journals) == SHARED + 2  # + ana's real share + tom's own journal
        assert pages == -(-(SHARED + 2) // wire.PAGE_ITEMS)
        shares, _ = await all_pages(raw, "/v1/shares/list", ana.profile.token, "shares")
        assert len(shares) == SHARED + 1
        # /v1/sync answers the journals a slice at a time.
        first = await raw.call("/v1/sync", {"cursors": [], "limit": 1000}, token=token)
        value = first.value()
        assert len(value["pages"]) == wire.SYNC_JOURNALS and value["next_journal"]
        assert value["done"] is False
        # The SDK follows every page and slice, and the real share still syncs.
        report = await tom.sync()
        assert report.incomplete == []
        assert [e.body for e in await tom.entries.list("ana/Personal")] == [
            "A real entry tom must still get."
        ]
        again = await tom.sync()  # a no-op sync of 10,003 journals ends too
        assert again.incomplete == []
        for client in (ana, tom):
            await client.close()


async def test_a_long_audit_log_is_paged(
    serve: Serve, tmp_path: Path, raw_session: aiohttp.ClientSession
) -> None:
    async with serve() as server:
        ana = await signup(server.url, tmp_path, "ana")
        tom = await signup(server.url, tmp_path, "tom")
        await ana.shares.grant("Personal", "tom", trust_on_first_use=True, full=True)
        await tom.sync()
        journal = bytes.fromhex((await ana.journals.get("Personal")).id)
        # tom's device fetched, 1,201 times, in the same millisecond: the rows each fetch's
        # Storage.add_audit writes (one record each), in one transaction.
        tom_id, device = tom.profile.account_id, tom.profile.device_id
        fetches = 1_201
        rows = [(journal, tom_id, device, 1000, n + 1, 1, tom_id, "tom") for n in range(fetches)]
        await insert(server, "audit", rows)
        raw = RawClient(raw_session, server.url)
        first = await raw.call("/v1/shares/audit", {"journal_id": journal}, token=ana.profile.token)
        assert len(first.value()["entries"]) == wire.PAGE_ITEMS and first.value()["next"]
        log = await ana.shares.log("Personal")
        made = to_datetime(1000)
        assert [entry.up_to_seq for entry in log if entry.at == made] == list(range(1, fetches + 1))
        assert len(await tom.shares.log("ana/Personal")) == len(log)  # every entry is tom's
        for client in (ana, tom):
            await client.close()
