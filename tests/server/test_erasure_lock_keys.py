"""Whose erasure lock an account's erasure takes (storage/postgres.py `_lock_erased`).

An erasure holds its account's erasure lock (a PostgreSQL advisory lock), and a rotation
adding an account whose lock is held is refused as if that account were gone (404). The
lock's key was the account id's first 8 bytes, and account ids are chosen by the client:
a user who saw another user's id (every member of a journal sees the others') could sign up
accounts sharing those 8 bytes and erase them again and again, so that every rotation adding
that user was refused with a 404 saying the user's account does not exist. The key is now a
number the database gives each account (migration 10), never the same for two accounts.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import asyncpg
import nacl.utils
import pytest

from client_sdk import Client, account, crypto, wire
from server.storage.migrations import MIGRATIONS
from tests.conftest import ClientFactory, RunningServer
from tests.server.raw import RawClient, journal_id
from tests.server.test_erasure_racing_a_rotation import (
    Holder,
    add_ben,
    done_or_blocked_by,
    erase,
    members,
    until,
)
from tests.server.test_migrations import ACCOUNT, _at_version, _query, tj_server


class ChosenAccountId:
    """The SDK's randomness for `account.new_account`, except that the account id (its
    second draw, after the salt) is `chosen`: a client picking its own account id, as any
    client may (protocol.md: the id is chosen by the client)."""

    def __init__(self, chosen: bytes) -> None:
        self.chosen = chosen
        self.draws = 0

    def random_bytes(self, size: int) -> bytes:
        self.draws += 1
        if self.draws == 2:
            assert size == wire.ID_BYTES
            return self.chosen
        return crypto.random_bytes(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(crypto, name)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_an_account_sharing_the_first_8_bytes_of_anothers_id_cannot_refuse_its_rotations(
    live_server: RunningServer,
    raw: RawClient,
    signup: ClientFactory,
    ana: Client,
    ben: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """mallory signs up with an account id whose first 8 bytes are ben's and erases it;
    the test's lock on mallory's account row keeps that erasure under way (holding its
    erasure lock). ana's rotation adding ben meanwhile must go through: mallory's erasure
    is not ben's. With the lock keyed by the id's first 8 bytes it was refused 404
    `not_found`, "no account has that id", for ben."""
    assert live_server.database_url is not None
    url = live_server.database_url
    look_alike = ben.profile.account_id[:8] + nacl.utils.random(8)
    monkeypatch.setattr(account, "crypto", ChosenAccountId(look_alike))
    mallory = await signup("mallory")
    monkeypatch.undo()
    assert mallory.profile.account_id == look_alike  # the server took it
    holder = await Holder.open(url)
    try:
        rows = "SELECT 1 FROM accounts WHERE account_id = $1 FOR KEY SHARE"
        assert await holder.hold(rows, mallory.profile.account_id) == 1
        erasure = asyncio.ensure_future(erase(mallory))
        # mallory's erasure holds its erasure lock and waits for mallory's row.
        await until(url, done_or_blocked_by(erasure, holder))
        assert not erasure.done()
        rotated = await add_ben(live_server, raw, ana, ben)
        assert not erasure.done()
        await holder.release()
        erased = await erasure
    finally:
        await holder.connection.close()
    assert (rotated.status, erased) == (200, None), rotated.value()
    rows_left = await live_server.rows(
        "SELECT 1 FROM accounts WHERE account_id = ?", mallory.profile.account_id
    )
    assert rows_left == []
    assert await members(live_server, await journal_id(ana)) == {
        ana.profile.account_id,
        ben.profile.account_id,
    }


async def test_a_database_at_migration_9_gives_each_account_its_own_erasure_lock(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> None:
    """A database of a release whose last migration was 9, holding two accounts whose ids
    share their first 8 bytes (as a user could make them), gets migration 10 (and the ones
    after it); on PostgreSQL each account then has its own erasure lock number, and an account
    made afterwards another one."""
    where = await _at_version(request, backend, tmp_path, 9)
    second = (b"A" * 8 + b"B" * 8, "mallory", b"s" * 16, 1, 8192, b"l", b"r", b"b", b"rb")
    second += (b"sk", b"bk", b"i", 1)
    third = (b"C" * 16, "cleo", *second[2:])
    if backend == "sqlite":
        with closing(sqlite3.connect(Path(where[1]) / "journal.db")) as db, db:
            db.execute(f"INSERT INTO accounts ({ACCOUNT}) VALUES ({', '.join('?' * 13)})", second)
    else:
        connection = await asyncpg.connect(where[1])
        try:
            marks = ", ".join(f"${i}" for i in range(1, 14))
            await connection.execute(f"INSERT INTO accounts ({ACCOUNT}) VALUES ({marks})", *second)
        finally:
            await connection.close()
    result = tj_server("migrate", *where)
    assert result.returncode == 0, result.stderr
    assert (MIGRATIONS[9].version, MIGRATIONS[9].name) == (
        10,
        "erasure lock keys given by the database",
    )
    later = ", ".join(str(m.version) for m in MIGRATIONS[9:])
    assert result.stdout.strip().endswith(f": {later}")
    assert await _query(where, "SELECT version, name FROM schema_migrations ORDER BY version") == [
        (m.version, m.name) for m in MIGRATIONS
    ]
    locks = await _query(where, "SELECT erasure_lock FROM accounts")
    if backend == "sqlite":
        assert locks == [(None,), (None,)]  # SQLite takes no such lock
        return
    connection = await asyncpg.connect(where[1])
    try:
        marks = ", ".join(f"${i}" for i in range(1, 14))
        await connection.execute(f"INSERT INTO accounts ({ACCOUNT}) VALUES ({marks})", *third)
        with pytest.raises(asyncpg.GeneratedAlwaysError):
            await connection.execute(
                "UPDATE accounts SET erasure_lock = 1 WHERE account_id = $1", third[0]
            )
    finally:
        await connection.close()
    numbers = [row[0] for row in await _query(where, "SELECT erasure_lock FROM accounts")]
    assert len(numbers) == 3
    assert all(isinstance(number, int) for number in numbers)
    assert len(set(numbers)) == 3
