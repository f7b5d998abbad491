"""The SQLite storage answers the session's device and an account's journals (`heads_for`)
again without a statement while nothing was committed to its database since it read them
(its wal-index header, `SQLiteStorage._as_of_now`; issue 10): every commit, another
process's included, is seen at the next request, and an expiry that time alone reaches is
judged at each call. Real server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from client_sdk import AuthError
from server import routes
from server.app import DB_NAME
from server.storage.sqlite import SQLiteStorage
from tests.conftest import ClientFactory, RunningServer

HANG = 60.0  # bounds a hang only: no latency claim (bench/sync.py measures it)


def commit_elsewhere(server: RunningServer, sql: str, params: tuple[object, ...]) -> None:
    """Commit `sql` to the server's database from another process (its own connection and
    mapping of the `-shm` file)."""
    script = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
        f"db.execute({sql!r}, {params!r})\n"
        "db.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(server.data_dir / DB_NAME)],
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert done.returncode == 0, done.stderr


def storage_of(server: RunningServer) -> SQLiteStorage:
    storage = server.server.app[routes.SERVICE].storage
    if not isinstance(storage, SQLiteStorage):
        pytest.skip("the SQLite storage's reads")
    return storage


async def test_a_session_revoked_by_another_process_is_refused_at_the_next_request(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    await laptop.sync()
    await laptop.sync()
    storage = storage_of(live_server)
    reads: list[str] = []
    storage._reader.set_trace_callback(reads.append)
    try:
        await laptop.sync()
        assert reads == []  # answered as read: nothing committed since
        commit_elsewhere(
            live_server,
            "UPDATE devices SET revoked = 1 WHERE device_id = ?",
            (laptop.profile.device_id,),
        )
        with pytest.raises(AuthError):
            await laptop.sync()
        assert any(" FROM devices " in sql for sql in reads), reads  # read again
    finally:
        storage._reader.set_trace_callback(None)


async def test_a_journal_written_by_another_device_is_served_at_the_next_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await phone.sync()
    await phone.sync()  # its heads kept
    await laptop.entries.write(None, "written on the laptop")
    await laptop.sync()
    report = await phone.sync()
    assert report.pulled >= 1
    assert [e.body for e in await phone.entries.list()] == ["written on the laptop"]


async def test_a_membership_expired_by_time_alone_is_left_out_of_the_heads(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    await laptop.sync()
    storage = storage_of(live_server)
    account_id = laptop.profile.account_id
    ends = live_server.clock() + 60_000
    commit_elsewhere(
        live_server, "UPDATE members SET expires_at = ? WHERE account_id = ?", (ends, account_id)
    )
    before = await storage.heads_for(account_id, ends - 1)
    assert before  # its journals, read after the commit
    reads: list[str] = []
    storage._reader.set_trace_callback(reads.append)
    try:
        assert await storage.heads_for(account_id, ends - 1) == before
        assert await storage.heads_for(account_id, ends) == {}  # expired: nothing committed
        assert reads == []
    finally:
        storage._reader.set_trace_callback(None)


async def test_a_storage_closed_leaves_another_of_the_same_file_reading_its_header(
    live_server: RunningServer,
) -> None:
    storage = storage_of(live_server)
    other = await SQLiteStorage.open(live_server.data_dir / DB_NAME)
    await other.close()  # the `-shm` descriptor stays open for the storage still open
    assert storage._commits is not None and storage._commits.header() is not None
    # and the server's own connections kept their locks: a write and a read still run
    check = sqlite3.connect(str(live_server.data_dir / DB_NAME))
    try:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        check.close()


async def test_storages_opened_and_closed_leave_no_descriptor_open(tmp_path: Path) -> None:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("counts this process's descriptors in /proc")
    before = len(os.listdir("/proc/self/fd"))
    for round_ in range(5):
        storage = await SQLiteStorage.open(tmp_path / f"journal-{round_}.db")
        assert storage._commits is not None and storage._commits.header() is not None
        await storage.close()
    assert len(os.listdir("/proc/self/fd")) == before
