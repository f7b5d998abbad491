"""SQLite's writer: each write transaction is one call into one writer thread, run whole
(COMMIT) or not at all (ROLLBACK), one at a time in the order asked for. A caller cancelled
meanwhile (its client went away, the server shuts down) neither leaves a transaction open
nor makes the next write fail; a database locked by another process is StorageError (503).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from server.errors import StorageError
from server.service import writer_check
from server.storage.base import NewRecord, QuotaError, WriteLimits
from server.storage.sqlite import SQLiteStorage

NONCE = b"n" * 32
LIMITS = WriteLimits(10**9, 10**6, 10**9, 0, 60_000)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SQLiteStorage]:
    opened = await SQLiteStorage.open(tmp_path / "server.db")
    yield opened
    await opened.close()


async def in_transaction(storage: SQLiteStorage) -> bool:
    return await storage._in_worker(lambda db: db.in_transaction)


def blocker(storage: SQLiteStorage) -> tuple[threading.Event, threading.Event]:
    """(started, release): the writer's thread is held until `release` is set."""
    started, release = threading.Event(), threading.Event()

    def hold(db: sqlite3.Connection) -> None:
        started.set()
        assert release.wait(10)

    asyncio.ensure_future(storage._in_worker(hold))
    return started, release


async def test_a_write_cancelled_while_its_transaction_runs_commits_and_leaves_none_open(
    storage: SQLiteStorage,
) -> None:
    started, release = threading.Event(), threading.Event()

    def slow(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO used_challenges VALUES (?, ?)", (NONCE, 1))
        started.set()
        assert release.wait(10)

    task = asyncio.ensure_future(storage._write(slow))
    assert await asyncio.to_thread(started.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    assert not await in_transaction(storage)  # runs after `slow`, in the same thread
    assert not await storage.use_challenge(NONCE, 1)  # `slow` committed: the nonce is used
    assert await storage.use_challenge(b"m" * 32, 1)  # and the next write goes through


async def test_a_request_cancelled_while_its_write_waits_is_written_once_in_order(
    storage: SQLiteStorage,
) -> None:
    started, release = blocker(storage)
    assert await asyncio.to_thread(started.wait, 10)
    first = asyncio.ensure_future(storage.use_challenge(NONCE, 1))
    second = asyncio.ensure_future(storage.use_challenge(NONCE, 1))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second is False  # the cancelled one ran first and used the nonce
    assert not await in_transaction(storage)


async def test_a_failing_transaction_rolls_back_whole_and_the_next_write_works(
    storage: SQLiteStorage,
) -> None:
    def failing(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO used_challenges VALUES (?, ?)", (NONCE, 1))
        raise QuotaError("storage")

    with pytest.raises(QuotaError):
        await storage._write(failing)
    assert not await in_transaction(storage)
    assert await storage.use_challenge(NONCE, 1)  # the failed insert left nothing


async def test_a_database_locked_by_another_process_is_unavailable_then_works_again(
    storage: SQLiteStorage, tmp_path: Path
) -> None:
    await storage._in_worker(lambda db: db.execute("PRAGMA busy_timeout=0").close())
    other = sqlite3.connect(tmp_path / "server.db", isolation_level=None)
    with contextlib.closing(other):
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError) as refused:
            await storage.use_challenge(NONCE, 1)
        assert refused.value.status == 503
        other.execute("ROLLBACK")
    assert not await in_transaction(storage)
    assert await storage.use_challenge(NONCE, 1)


async def test_a_push_is_one_call_into_the_writer_thread(
    storage: SQLiteStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, journal, device = b"o" * 16, b"j" * 16, b"d" * 16

    def tx(db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO accounts (account_id, username, salt, opslimit, memlimit, "
            "login_public_key, recovery_login_public_key, bundle, recovery_bundle, "
            "sign_public_key, box_public_key, identity_signature, created_at) "
            "VALUES (?, 'ana', x'00', 1, 1, x'00', x'00', x'00', x'00', x'00', x'00', x'00', 0)",
            (owner,),
        )
        db.execute(
            "INSERT INTO devices (device_id, account_id, name, token_hash, created_at, "
            "last_seen_at, expires_at, revoked) VALUES (?, ?, 'laptop', x'00', 0, 0, 10, 0)",
            (device, owner),
        )
        db.execute("INSERT INTO journals VALUES (?, ?, 0, x'00', 1, 0, 0)", (journal, owner))
        db.execute("INSERT INTO members VALUES (?, ?, 'owner', 0)", (journal, owner))

    await storage._write(tx)
    calls: list[Any] = []
    submit = storage._worker.submit

    def counting(fn: Any, *args: Any) -> Any:
        calls.append(fn)
        return submit(fn, *args)

    monkeypatch.setattr(storage._worker, "submit", counting)
    records = [NewRecord(bytes([n]) * 16, 0, bytes([n]) * 100) for n in range(3)]
    check = writer_check(("owner",), [0], 1)
    accepted = await storage.append_records(journal, owner, device, records, 1, LIMITS, check)
    assert len(calls) == 1
    assert [seq for _, seq in accepted] == [1, 2, 3]
    assert [row.seq for row in await storage.records_after(journal, 0, 10, 10**6)] == [1, 2, 3]
