"""A ROLLBACK that fails itself does not leave the storage refusing every write until a
restart: the write that failed is refused (its own error), nothing of it is kept, and the
next write goes through.

SQLite: the writer's one connection would stay in the failed transaction (every later
BEGIN refused, 503 for good); it is closed and opened again, with one WARNING line. Made to
fail with a wrapper on the real connection whose next ROLLBACK raises without rolling back,
as an I/O error during a rollback does. PostgreSQL: a real failure, the server process of
the connection killed inside the transaction, so the ROLLBACK meets a dead connection;
asyncpg's pool drops that connection and the next write gets a new one.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from server.errors import StorageError
from server.storage.base import QuotaError
from server.storage.postgres import PostgresStorage
from server.storage.sqlite import SQLiteStorage

FAILED = b"failed-write-nonce-000000000000!"  # 32 bytes: the write whose ROLLBACK fails
NEXT = b"next-write-nonce-00000000000000!"


class RollbackFailsOnce:
    """The writer's real connection, except that its next ROLLBACK raises and rolls nothing
    back (the connection stays in its transaction, as after an I/O error in a rollback)."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real
        self.rollbacks_failed = 0

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "ROLLBACK" and not self.rollbacks_failed:
            self.rollbacks_failed += 1
            raise sqlite3.OperationalError("disk I/O error")
        return self.real.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
async def sqlite_storage(tmp_path: Path) -> AsyncIterator[SQLiteStorage]:
    opened = await SQLiteStorage.open(tmp_path / "server.db")
    yield opened
    await opened.close()


async def test_a_failed_rollback_on_sqlite_reopens_the_writer_and_the_next_write_succeeds(
    sqlite_storage: SQLiteStorage, caplog: pytest.LogCaptureFixture
) -> None:
    storage = sqlite_storage
    wrapped = RollbackFailsOnce(storage._db)  # type: ignore[arg-type]
    storage._db = wrapped  # type: ignore[assignment]

    def failing(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO used_challenges VALUES (?, ?)", (FAILED, 1))
        raise ValueError("the write's own failure")

    with caplog.at_level(logging.INFO):
        with pytest.raises(ValueError, match="the write's own failure"):
            await storage._write(failing)  # its error, not the ROLLBACK's
        assert wrapped.rollbacks_failed == 1
        assert await storage.use_challenge(NEXT, 1)  # the next write: no 503
        assert not await storage.use_challenge(NEXT, 1)  # and it was committed
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "a ROLLBACK failed: closing the writer's connection and opening it again"
    ]
    assert all(r.exc_info is None for r in warnings)
    assert FAILED.hex() not in caplog.text and repr(FAILED) not in caplog.text
    assert storage._db is not wrapped
    kept = await storage._all("SELECT nonce FROM used_challenges ORDER BY nonce")
    assert [bytes(row[0]) for row in kept] == [NEXT]  # nothing of the failed write


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_failed_rollback_on_postgresql_drops_the_connection_and_the_next_write_succeeds(
    database_url: str,
) -> None:
    storage = await PostgresStorage.open(database_url, min_size=1, max_size=1)
    try:
        with pytest.raises(StorageError):  # 503: the client tries again
            async with storage._tx() as db:
                await db.execute("INSERT INTO used_challenges VALUES ($1, $2)", FAILED, 1)
                killer = await asyncpg.connect(database_url)
                try:
                    pid = db.get_server_pid()
                    assert await killer.fetchval("SELECT pg_terminate_backend($1)", pid)
                finally:
                    await killer.close()
                raise QuotaError("storage")  # any refusal: its ROLLBACK meets a dead connection
        assert await storage.use_challenge(NEXT, 1)  # the pool's one connection, new
        assert not await storage.use_challenge(NEXT, 1)
        kept = await storage._all("SELECT nonce FROM used_challenges ORDER BY nonce")
        assert [bytes(row[0]) for row in kept] == [NEXT]
    finally:
        await storage.close()
