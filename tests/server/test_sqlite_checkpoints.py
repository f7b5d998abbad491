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

from client_sdk import INSECURE_TEST_COST, Client
from server import routes
from server.storage import sqlite as storage_module
from server.storage.sqlite import CHECKPOINT_WRITES, SAFETY_CHECKPOINT_PAGES, SQLiteStorage
from tests.conftest import PASSWORD, RunningServer
from tests.server.servers import serving, signup


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


NOT_EMPTIED = "an account erasure could not empty the write-ahead log"


def server_files(server: RunningServer) -> bytes:
    """Every file of the server's data directory (the database, its log, its index), joined."""
    return b"".join(p.read_bytes() for p in sorted(server.data_dir.rglob("*")) if p.is_file())


async def erasable(server: RunningServer, tmp_path: Path) -> tuple[Client, list[bytes]]:
    """zoe, with entries on the server, and 32 bytes of each record's ciphertext she pushed:
    each one in the server's files now."""
    zoe = await signup(server.url, tmp_path, "zoe")
    for n in range(5):
        await zoe.entries.write("Personal", f"Entry {n}")
    await zoe.sync()
    rows = await server.rows(
        "SELECT ciphertext FROM records WHERE pushed_by = ?", zoe.profile.account_id
    )
    needles = [bytes(ciphertext)[:32] for (ciphertext,) in rows]
    assert len(needles) >= 5
    files = server_files(server)
    assert all(needle in files for needle in needles)
    return zoe, needles


def hold_a_snapshot(server: RunningServer) -> sqlite3.Connection:
    """Another connection to the server's database file, in a read transaction begun now
    (before the erasure): a reader of an earlier snapshot, as a backup tool or a long read."""
    reader = sqlite3.connect(server.data_dir / "journal.db", isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM records").fetchone()[0] > 0
    return reader


def erased_everywhere(server: RunningServer, needles: list[bytes]) -> bool:
    files = server_files(server)
    emptied = (server.data_dir / "journal.db-wal").stat().st_size == 0
    return emptied and not any(needle in files for needle in needles)


async def test_an_erasure_waits_for_a_reader_of_an_earlier_snapshot_then_empties_the_log(
    tmp_path: Path,
) -> None:
    """A reader that ends within the writer's busy timeout: the erasure's TRUNCATE checkpoint
    waits for it, then empties the log; nothing of the account is left in any server file."""
    async with serving(tmp_path) as server:
        zoe, needles = await erasable(server, tmp_path)
        reader = hold_a_snapshot(server)
        released: list[bool] = []

        def release() -> None:
            reader.execute("COMMIT")
            released.append(True)

        asyncio.get_running_loop().call_later(0.5, release)
        try:
            await zoe.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
        finally:
            reader.close()
        assert released  # the erasure answered only once the reader was gone
        assert erased_everywhere(server, needles)
        assert NOT_EMPTIED not in server.log_file.read_text()


async def test_an_erasure_a_reader_holds_back_warns_and_a_later_checkpoint_empties_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that outlasts the writer's busy timeout (300 ms here): the erasure stands,
    with one warning (no id), while the erased bytes are still in the server's files; the
    background checkpoint after each later write tries again (in vain while the reader
    holds on) and the first after it ended empties the log: then no server file holds them
    (rev-pull, low: TRUNCATE's busy result was ignored, and the bytes stayed silently)."""
    monkeypatch.setattr(storage_module, "BUSY_TIMEOUT_MS", 300)
    async with serving(tmp_path) as server:
        storage = server.server.app[routes.SERVICE].storage
        assert isinstance(storage, SQLiteStorage)
        waits = await storage._in_worker(lambda db: db.execute("PRAGMA busy_timeout").fetchone())
        assert waits[0] == 300  # the writer's, set when the server opened its database
        zoe, needles = await erasable(server, tmp_path)
        account_id = zoe.profile.account_id
        reader = hold_a_snapshot(server)
        try:
            await zoe.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
            log = server.log_file.read_text()
            assert log.count(NOT_EMPTIED) == 1
            assert account_id.hex() not in log and "zoe" not in log.split(NOT_EMPTIED)[1]
            assert await server.rows("SELECT * FROM records WHERE pushed_by = ?", account_id) == []
            files = server_files(server)
            assert all(needle in files for needle in needles)  # held back by the reader
            # A write while the reader holds on: its checkpoint cannot empty the log either.
            assert await storage.use_challenge(b"1" * 32, 1)
            await asyncio.wrap_future(storage._checkpointer.idle())
            assert storage._checkpointer._owed
            assert not erased_everywhere(server, needles)
        finally:
            reader.close()
        assert await storage.use_challenge(b"2" * 32, 1)
        await asyncio.wrap_future(storage._checkpointer.idle())
        assert not storage._checkpointer._owed
        assert erased_everywhere(server, needles)
        assert server.log_file.read_text().count(NOT_EMPTIED) == 1
