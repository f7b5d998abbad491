"""The SQLite storage answers the session's device and an account's journals (`heads_for`)
again without a statement while nothing was committed to its database since it read them
(its wal-index header, `SQLiteStorage._as_of_now`; issue 10): every commit, another
process's included, is seen at the next request, and an expiry that time alone reaches is
judged at each call. Real server on 127.0.0.1, real crypto and SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, AuthError, Client
from server import create_app, routes
from server.app import DB_NAME
from server.storage import sqlite as sqlite_storage
from server.storage.sqlite import SQLiteStorage
from tests.conftest import PASSWORD, TEST_SETTINGS, ClientFactory, Clock, RunningServer

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


async def test_a_server_after_a_cut_short_close_of_the_same_file_sees_a_revocation(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """rev33c F1: a storage whose close was cancelled (a shutdown cut short) while a write ran
    closed its connections in their thread all the same, and SQLite removed the `-shm` file,
    but its descriptor stayed in the process's registry; a later storage of the same file in
    the process read that removed file's header, which never moved again, and served a
    revoked session from memory. The registry's descriptor is checked against the `-shm` on
    disk at each opening."""
    data = tmp_path / "server-data"
    data.mkdir()
    shutil.copyfile(sqlite_template, data / DB_NAME)
    first = await SQLiteStorage.open(data / DB_NAME)
    busy = asyncio.ensure_future(first._submit(lambda: time.sleep(0.5)))  # a write in flight
    closing = asyncio.ensure_future(first.close())
    await asyncio.sleep(0.2)  # close() waits behind the write for the writer's connection
    closing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await closing
    await busy
    for _ in range(100):  # the writer's connection closes in its thread all the same
        if not (data / f"{DB_NAME}-shm").exists():
            break
        await asyncio.sleep(0.05)
    assert not (data / f"{DB_NAME}-shm").exists()  # its last connection closed

    clock = Clock()
    server = TestServer(create_app(data, settings=TEST_SETTINGS, clock=clock), host="127.0.0.1")
    await server.start_server()
    try:
        url = str(server.make_url("")).rstrip("/")
        laptop = await Client.signup(
            url, "ana", PASSWORD, home=tmp_path / "ana", device_name="laptop",
            kdf_cost=INSECURE_TEST_COST,
        )  # fmt: skip
        try:
            await laptop.sync()
            await laptop.sync()  # the session's device is kept
            running = RunningServer(url, data, tmp_path / "log", clock, server)
            commit_elsewhere(
                running,
                "UPDATE devices SET revoked = 1 WHERE device_id = ?",
                (laptop.profile.device_id,),
            )
            with pytest.raises(AuthError):
                await laptop.sync()
        finally:
            await laptop.close()
    finally:
        await server.close()


async def test_an_accounts_memberships_count_one_kept_row_each(tmp_path: Path) -> None:
    """rev33c F3: the bound on what a storage keeps counts rows, not accounts: an account with
    more memberships than the bound is not kept, and several accounts' memberships together
    never exceed it."""
    storage = await SQLiteStorage.open(tmp_path / "journal.db")
    try:
        bound = sqlite_storage.CACHED_ROWS
        header = storage._as_of_now()
        assert header is not None
        many = [(bytes(16), 1, 1, "read", 0)] * (bound + 1)
        storage._keep(storage._heads, b"big", many, header, rows=len(many))
        assert b"big" not in storage._heads
        half = many[: bound // 2]
        for account in (b"a", b"b", b"c"):
            storage._keep(storage._heads, account, half, header, rows=len(half))
        assert sum(len(kept) for kept in storage._heads.values()) <= bound
        assert b"c" in storage._heads  # the last read is kept, earlier ones dropped
    finally:
        await storage.close()
