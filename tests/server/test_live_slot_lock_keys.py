"""Whose live-slot lock a live connection's set-up takes (storage/postgres.py
`take_live_slot`).

On PostgreSQL, the set-up of a live connection counts the account's open sockets, over every
server process, under a transaction advisory lock of the account, so that two processes
never both see room for its last slot. The lock's key was a 32-bit hash of the account id,
and account ids are chosen by the client: two accounts whose ids hash alike (found by trying
some hundred thousand ids) made each other's set-ups wait. The key is now the number the
database gave the account (`accounts.erasure_lock`, migration 10), which no client chooses.
SQLite takes no such lock (one server process owns the database: server/live.py counts)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import asyncpg
import pytest

from client_sdk import account
from server.routes import LIVE_PATH
from server.storage.pg_live import ACCOUNT_LOCK_SPACE
from tests.conftest import ClientFactory, RunningServer
from tests.server.test_erasure_lock_keys import ChosenAccountId
from tests.server.test_erasure_racing_a_rotation import Holder, done_or_blocked_by, until

HANG_BOUND_S = 30.0  # a set-up that takes longer than this never ends

OLD_KEY = "hashtext(encode($1::bytea, 'hex'))"
"""The live-slot lock's second key before: a 32-bit hash of the client-chosen account id."""

SLOT_LOCKS = (
    "SELECT l.pid, l.granted FROM pg_locks l WHERE l.locktype = 'advisory' "
    f"AND l.classid = {ACCOUNT_LOCK_SPACE} AND l.objsubid = 2 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def colliding_ids(url: str) -> tuple[bytes, bytes]:
    """Two 16-byte account ids whose old live-slot keys are equal, as a client can find
    them: 300,000 ids hold about ten such pairs (a birthday search over 32 bits)."""
    connection = await asyncpg.connect(url)
    try:
        found = await connection.fetchval(
            "SELECT array_agg(i) FROM generate_series(1, 300000) AS i "
            "GROUP BY hashtext(encode(decode(md5('tj-live-slot-' || i), 'hex'), 'hex')) "
            "HAVING count(*) > 1 LIMIT 1"
        )
        assert found, "no pair of ids with equal hashes among 300,000"
        row = await connection.fetchrow(
            "SELECT decode(md5('tj-live-slot-' || $1::int), 'hex'), "
            "decode(md5('tj-live-slot-' || $2::int), 'hex')",
            found[0],
            found[1],
        )
        assert row is not None
        first, second = bytes(row[0]), bytes(row[1])
        keys = [await connection.fetchval(f"SELECT {OLD_KEY}", i) for i in (first, second)]
        assert keys[0] == keys[1] and first != second
        return first, second
    finally:
        await connection.close()


async def open_live(
    session: aiohttp.ClientSession, url: str, token: str
) -> aiohttp.ClientWebSocketResponse:
    """A live socket of `token`'s device, once the server's first message came (its slot is
    taken by then)."""
    socket = await session.ws_connect(url + LIVE_PATH, headers={"Authorization": f"Bearer {token}"})
    hello = await asyncio.wait_for(socket.receive(), HANG_BOUND_S)
    assert hello.type == aiohttp.WSMsgType.BINARY, hello
    return socket


def done_or_slot_lock_waited(task: asyncio.Future[object]) -> Callable[..., Awaitable[bool]]:
    """`task` ended, or a session waits for a live-slot lock (read from the lock table)."""

    async def check(connection: asyncpg.Connection) -> bool:
        waiting = [row for row in await connection.fetch(SLOT_LOCKS) if not row["granted"]]
        return task.done() or bool(waiting)

    return check


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_accounts_whose_ids_hash_alike_set_up_live_connections_without_waiting(
    live_server: RunningServer, signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ana and ben sign up with account ids whose old live-slot keys collide. The test holds
    ana's account row, so ana's live set-up stops inside its slot transaction, holding
    ana's live-slot lock. ben's live set-up meanwhile must not wait for that lock: it opens
    while ana's still waits. With the lock keyed by the hash of the id, ben's waited for
    ana's (seen in pg_locks: a live-slot lock not granted)."""
    assert live_server.database_url is not None
    url = live_server.database_url
    first, second = await colliding_ids(url)
    monkeypatch.setattr(account, "crypto", ChosenAccountId(first))
    ana = await signup("ana")
    monkeypatch.setattr(account, "crypto", ChosenAccountId(second))
    ben = await signup("ben")
    monkeypatch.undo()
    assert (ana.profile.account_id, ben.profile.account_id) == (first, second)
    holder = await Holder.open(url)
    session = aiohttp.ClientSession()
    sockets: list[aiohttp.ClientWebSocketResponse] = []
    try:
        rows = "SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE"
        assert await holder.hold(rows, first) == 1
        anas = asyncio.ensure_future(open_live(session, live_server.url, ana.profile.token))
        # ana's set-up holds its live-slot lock and waits for ana's row (its slot's insert).
        await until(url, done_or_blocked_by(anas, holder))
        assert not anas.done()
        checker = await asyncpg.connect(url)
        try:
            [(pid,)] = await checker.fetch(
                "SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                holder.pid,
            )
            held = [(row["pid"], row["granted"]) for row in await checker.fetch(SLOT_LOCKS)]
            assert held == [(pid, True)], held  # ana's set-up holds its live-slot lock
        finally:
            await checker.close()
        bens = asyncio.ensure_future(open_live(session, live_server.url, ben.profile.token))
        await until(url, done_or_slot_lock_waited(bens))
        checker = await asyncpg.connect(url)
        try:
            waiting = [row["pid"] for row in await checker.fetch(SLOT_LOCKS) if not row["granted"]]
        finally:
            await checker.close()
        assert waiting == [], "ben's live set-up waits for ana's live-slot lock"
        sockets.append(await bens)  # opened while ana's set-up still holds its lock
        assert not anas.done()
        await holder.release()
        sockets.append(await asyncio.wait_for(anas, HANG_BOUND_S))
    finally:
        if holder.held is not None:
            await holder.release()
        await holder.connection.close()
        for socket in sockets:
            await socket.close()
        await session.close()
