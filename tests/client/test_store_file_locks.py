"""Two connections of one process on one store: closing one keeps the other's SQLite locks.

POSIX locks belong to a process and a file: closing any descriptor of a file releases every
lock the process holds on it. The SDK reads the wal-index header from the store's `-shm`
file through a descriptor of its own (database.py `index_file`); closing it while another
connection of the process is open would drop that connection's locks, and another program
would then rebuild the `-shm` under it, or checkpoint under its open read transaction. The
other program here is a real second process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from client_sdk import Client, ClientClosed, database
from client_sdk.database import Database
from client_sdk.devices import kept_own_name
from client_sdk.store import STORE_FILE
from tests.conftest import ClientFactory

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="POSIX locks, seen through /proc/locks"
)

# In another process: whether some process holds a lock on the `-shm` file's byte 128
# (SQLite's DMS lock: every process with the store open holds it shared; a process that
# can lock it exclusively believes it is the first, and rebuilds the file).
_PROBE = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
except OSError:
    print("held")
else:
    print("free")
"""

# In another process: commit to the store, then checkpoint it (TRUNCATE: waits for no reader
# and answers busy when one still reads an earlier state).
_CHECKPOINT = """
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=1)
db.executemany("INSERT INTO t VALUES (?)", [(os.urandom(500),) for _ in range(3000)])
print(db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])
db.close()
"""


def _locks(path: Path) -> list[str]:
    """This machine's POSIX locks on the file at `path` (/proc/locks), without their ids."""
    inode = f":{path.stat().st_ino} "
    with open("/proc/locks") as locks:
        return [line.split(":", 1)[1] for line in locks if inode in line]


def _other_process(script: str, path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def test_closing_a_second_client_of_a_home_keeps_the_first_ones_locks(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "one")
    shm = ana.home / f"{STORE_FILE}-shm"
    assert _other_process(_PROBE, shm) == "held"
    before = _locks(shm)
    assert before  # ana's store holds some
    other = await Client.open(ana.home)  # allowed (a second app of this process, say)
    await other.entries.list()
    await other.close()
    assert _locks(shm) == before
    assert _other_process(_PROBE, shm) == "held"  # nobody rebuilds the -shm under ana
    assert len(await ana.entries.list()) == 1
    await kept_own_name(ana.home, b"")  # opens and closes a store of its own
    assert _locks(shm) == before
    assert _other_process(_PROBE, shm) == "held"


async def test_a_checkpoint_of_another_process_waits_for_a_reader_after_a_close(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    first, second = (await _open(path), await _open(path))
    await first.execute("CREATE TABLE t (x BLOB)")
    await first.execute("INSERT INTO t VALUES (zeroblob(500))")
    assert first.log_state() is not None and second.log_state() is not None  # both read it
    await first.execute("BEGIN")  # a read transaction, open while `second` closes
    seen = await first.execute_fetchall("SELECT count(*) FROM t")
    await second.close()
    assert _other_process(_CHECKPOINT, path) == "1"  # busy: `first` still reads
    assert await first.execute_fetchall("SELECT count(*) FROM t") == seen
    assert await first.execute_fetchall("PRAGMA quick_check") == [("ok",)]
    await first.execute("COMMIT")
    assert await first.execute_fetchall("SELECT count(*) FROM t") == [(3001,)]
    await first.close()


async def _open(path: Path) -> Database:
    db = await Database.connect(str(path))
    await db.execute("PRAGMA journal_mode=WAL")
    await db.execute("PRAGMA cache_size=1")  # its pages come from the file, not a cache
    await db.checkpoint_in_background(str(path))
    return db


async def test_a_cancelled_close_keeps_the_locks_until_both_connections_are_closed(
    tmp_path: Path,
) -> None:
    """`Database.close` cancelled (`asyncio.wait_for(client.close(), t)`, a TaskGroup ending)
    while the checkpoint thread is busy: the close still runs to its end, and the `-shm`
    descriptor (whose closing drops every lock of the process on it) is closed only after the
    checkpoint connection is. An Event stands in for a long checkpoint."""
    path = tmp_path / "store.db"
    db = await _open(path)
    await db.execute("CREATE TABLE t (x)")
    await db.execute("INSERT INTO t VALUES (1)")
    assert db.log_state() is not None  # the -shm descriptor is open
    checkpointer = db._checkpointer
    assert checkpointer is not None
    checkpointer.submit(db._checkpoint_now).result()  # the checkpoint connection used it
    gate = threading.Event()
    checkpointer.submit(gate.wait)  # the checkpoint thread busy
    shm = Path(f"{path}-shm")
    assert _other_process(_PROBE, shm) == "held"
    closing = asyncio.create_task(db.close())
    try:
        await asyncio.sleep(0)
        closing.cancel()
        await asyncio.wait({closing}, timeout=0.5)  # the bug: the close gave up at once
        if db._checkpointing is not None:  # its connection still open: its locks too
            assert _other_process(_PROBE, shm) == "held"
    finally:
        gate.set()
    with contextlib.suppress(asyncio.CancelledError):
        await closing
    assert db._checkpointing is None


def _own_locks(path: Path) -> list[str]:
    """This process's POSIX locks on the file at `path` (/proc/locks)."""
    inode, pid = f":{path.stat().st_ino} ", str(os.getpid())
    with open("/proc/locks") as locks:
        return [line.split(":", 1)[1] for line in locks if inode in line and line.split()[4] == pid]


# In another process: keep the store open (its -shm stays the same file), until stdin ends.
_KEEP_OPEN = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("SELECT * FROM t").fetchall()
print("open", flush=True)
sys.stdin.read()
"""


def test_a_release_closes_the_descriptor_before_another_thread_holds_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last `release` of a file closes its `-shm` descriptor while it still holds the
    registry's lock: another thread's `hold` of the same file (then its connection, which
    takes locks on the `-shm`) waits until the descriptor is closed, so the close never
    drops that connection's locks. The hook runs the other thread at the moment of the
    close (a thread switch there); it waits for it with a timeout, since with the fix the
    other thread can go on only after the close."""
    path = tmp_path / "store.db"
    made = sqlite3.connect(path)
    made.executescript("PRAGMA journal_mode=WAL; CREATE TABLE t (x);")
    made.close()
    keeper = subprocess.Popen(
        [sys.executable, "-c", _KEEP_OPEN, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    other: list[sqlite3.Connection] = []
    keys: list[tuple[int, int] | None] = []
    try:
        assert keeper.stdout is not None and keeper.stdout.readline().strip() == "open"
        shm = Path(f"{path}-shm")
        key = database.hold(str(path))
        assert key is not None
        index = database.index_file(key, str(shm))
        real_close = os.close

        def other_user() -> None:
            keys.append(database.hold(str(path)))
            connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            connection.execute("BEGIN")
            connection.execute("SELECT * FROM t").fetchall()  # a read: -shm locks
            other.append(connection)

        thread = threading.Thread(target=other_user)

        def close(descriptor: int) -> None:
            if descriptor == index:
                thread.start()
                thread.join(timeout=1)  # the bug: it holds and connects meanwhile
            real_close(descriptor)

        monkeypatch.setattr(database.os, "close", close)
        database.release(key)
        monkeypatch.undo()
        thread.join(timeout=30)
        assert other, "the other thread never connected"
        assert _own_locks(shm), "the other connection's locks were dropped by the close"
    finally:
        for connection in other:
            connection.close()
        for held in keys:
            database.release(held)
        if keeper.stdin is not None:
            keeper.stdin.close()
        keeper.wait(timeout=30)
        if keeper.stdout is not None:
            keeper.stdout.close()


def _descriptors_on(path: Path) -> int:
    """How many of this process's descriptors are open on the file at `path`."""
    count = 0
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{name}") == str(path):
                count += 1
    return count


async def test_a_checkpoint_connection_that_cannot_be_set_up_is_closed(tmp_path: Path) -> None:
    """The checkpoint connection opened, then its set-up failed (here: the file is not a
    database): it is closed, not left holding the file (and, for a store, its locks) until
    the process ends; checkpoints stay in COMMIT and the error is kept."""
    db = await Database.connect(str(tmp_path / "store.db"))
    try:
        junk = tmp_path / "junk.db"
        junk.write_bytes(b"not a database " * 64)
        await db.checkpoint_in_background(str(junk))
        assert isinstance(db.checkpoint_error, sqlite3.Error)
        assert _descriptors_on(junk.resolve()) == 0, "the checkpoint connection was left open"
    finally:
        await db.close()


async def test_a_client_close_cancelled_during_a_checkpoint_ends_with_the_store_closed(
    signup: ClientFactory,
) -> None:
    """`Client.close()` cancelled while the store's checkpoint thread is busy (an Event
    stands in for a long checkpoint): once the checkpoint ends, the close finishes, the
    store is closed (both connections) and the task ends cancelled; it never goes on as if
    the cancellation had not come, nor hangs."""
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    db = ana.store._db
    checkpointer = db._checkpointer
    assert checkpointer is not None
    gate = threading.Event()
    checkpointer.submit(gate.wait)  # the checkpoint thread busy
    closing = asyncio.create_task(ana.close())
    try:
        for _ in range(1000):  # until the store's close began
            if db._closing is not None:
                break
            await asyncio.sleep(0)
        assert db._closing is not None
        closing.cancel()
    finally:
        gate.set()
    done, _ = await asyncio.wait({closing}, timeout=30)  # a guard against a hang only
    assert done, "the cancelled close never ended"
    assert closing.cancelled(), "the close swallowed its cancellation"
    assert db._closed and db._checkpointing is None
    with pytest.raises(ClientClosed):
        await ana.entries.list()


def test_a_deleted_shm_file_is_not_read_again_through_the_kept_descriptor(tmp_path: Path) -> None:
    """The process's descriptor of a store's `-shm` file is checked when a connection takes
    it: once that `-shm` was deleted (the store deleted and another made with the same inode
    number, by a logout and a login in another process, while an entry of the old file stayed
    counted), the current `-shm` is opened instead. Read through the deleted one, the header
    never moves, and every read the store keeps in memory (`Store._unchanged`) would go on
    answering from memory while other processes commit."""
    path = tmp_path / "store.db"
    shm = Path(f"{path}-shm")
    made = sqlite3.connect(path)
    made.execute("CREATE TABLE t (x)")
    made.close()
    shm.write_bytes(b"\0" * 136)
    key = database.hold(str(path))
    assert key is not None
    try:
        first = database.index_file(key, str(shm))
        assert os.fstat(first).st_ino == os.stat(shm).st_ino
        shm.unlink()
        shm.write_bytes(b"\0" * 136)  # the new store's own -shm (another inode)
        current = database.index_file(key, str(shm))
        assert os.fstat(current).st_ino == os.stat(shm).st_ino, "the deleted -shm is read"
        assert current != first
        assert first in database._strays  # kept open: closing it could drop a lock
        assert database.index_file(key, str(shm)) == current  # taken once, then kept
    finally:
        database.release(key)
