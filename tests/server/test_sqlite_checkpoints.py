"""SQLite's write-ahead log is checkpointed in a thread of its own (`_Checkpointer`), never in
the COMMIT of a push (SQLite's own checkpoint made one push in about 125 wait for a copy and an
fsync: the tail of live propagation, issue 10); the log still starts again, so it stays small,
and erasure still empties it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.storage import sqlite as storage_module
from server.storage.sqlite import CHECKPOINT_WRITES, SAFETY_CHECKPOINT_PAGES, SQLiteStorage


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[SQLiteStorage]:
    opened = await SQLiteStorage.open(tmp_path / "server.db")
    yield opened
    await opened.close()


async def write(storage: SQLiteStorage, count: int, start: int) -> None:
    for n in range(start, start + count):
        assert await storage.use_challenge(n.to_bytes(32, "big"), 1)


def log_pages(path: Path) -> int:
    """Pages the write-ahead log holds now (its frames since it last started)."""
    with sqlite3.connect(path) as db:
        _, pages, _ = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(pages)


async def test_writes_leave_checkpoints_to_the_background_and_the_log_starts_again(
    storage: SQLiteStorage, tmp_path: Path
) -> None:
    """The writer's own checkpoint is only a safety far above what the background ones let
    the log reach; after many writes the log holds only those since it last started."""
    safety = await storage._in_worker(
        lambda db: db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    )
    assert safety == SAFETY_CHECKPOINT_PAGES
    writes = 5 * CHECKPOINT_WRITES
    for batch in range(5):
        await write(storage, CHECKPOINT_WRITES, batch * CHECKPOINT_WRITES)
        await asyncio.wrap_future(storage._checkpointer.idle())
    # Each write adds at least one page: without checkpoints, the log would hold them all.
    assert 0 < log_pages(tmp_path / "server.db") < writes


async def test_without_background_checkpoints_the_log_keeps_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: with checkpoints never due, the log holds every write."""
    monkeypatch.setattr(storage_module, "CHECKPOINT_WRITES", 10**9)
    storage = await SQLiteStorage.open(tmp_path / "server.db")
    try:
        await write(storage, 5 * CHECKPOINT_WRITES, 0)
        await asyncio.wrap_future(storage._checkpointer.idle())
        assert log_pages(tmp_path / "server.db") >= 5 * CHECKPOINT_WRITES
    finally:
        await storage.close()


async def test_erasure_empties_the_log_after_the_background_checkpoint_that_runs(
    storage: SQLiteStorage, tmp_path: Path
) -> None:
    """An erasure's TRUNCATE checkpoint waits for a background checkpoint still running (one
    running would make it copy nothing and leave erased pages in the log), then empties it."""
    await write(storage, 10, 0)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:  # what a running background checkpoint holds
        with storage._checkpointer.lock:
            held.set()
            assert release.wait(10)

    holder = asyncio.ensure_future(asyncio.to_thread(hold))
    assert await asyncio.to_thread(held.wait, 10)
    erasing = asyncio.ensure_future(storage.delete_account(b"a" * 16, "ana"))
    await asyncio.sleep(0.2)
    assert not erasing.done()  # waits for the checkpoint
    release.set()
    await erasing
    await holder
    assert (tmp_path / "server.db-wal").stat().st_size == 0


async def test_closing_checkpoints_the_whole_log_into_the_database_file(
    storage: SQLiteStorage, tmp_path: Path
) -> None:
    """The checkpoint connection closes before the writer's, which is then the last one and
    moves the whole log into the database file (bench.sync measures the file so)."""
    await write(storage, CHECKPOINT_WRITES + 3, 0)
    await storage.close()
    assert not (tmp_path / "server.db-wal").exists()
    with sqlite3.connect(tmp_path / "server.db") as db:
        assert db.execute("SELECT count(*) FROM used_challenges").fetchone()[0] == (
            CHECKPOINT_WRITES + 3
        )


async def test_a_relative_path_is_the_file_of_the_directory_it_was_opened_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storage opened with a relative path keeps using that file after the working directory
    changes: its background checkpoints (whose connection opened at the first one, resolving
    the path then: rev-pull, low) and the writer's connection opened again after a discard.
    No database appears in the new working directory."""
    opened_in, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    opened_in.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(opened_in)
    storage = await SQLiteStorage.open(Path("server.db"))
    try:
        monkeypatch.chdir(elsewhere)
        await write(storage, CHECKPOINT_WRITES, 0)
        await asyncio.wrap_future(storage._checkpointer.idle())
        checkpointer = storage._checkpointer
        assert not checkpointer._failed
        assert checkpointer._connection is not None  # a checkpoint ran, on this file:
        (_, _, checkpointed), *_ = checkpointer._connection.execute("PRAGMA database_list")
        assert Path(checkpointed) == opened_in / "server.db"
        # The writer's connection, discarded (as after a failed ROLLBACK) and opened again.
        await storage._in_worker(storage._discard_writer)
        await write(storage, 1, CHECKPOINT_WRITES)
        assert list(elsewhere.iterdir()) == []
    finally:
        await storage.close()
    with sqlite3.connect(opened_in / "server.db") as db:
        assert db.execute("SELECT count(*) FROM used_challenges").fetchone()[0] == (
            CHECKPOINT_WRITES + 1
        )
