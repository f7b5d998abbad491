"""SQLite storage: WAL mode, synchronous=FULL, one writer thread.

Every write is one transaction run whole in one dedicated worker thread over a plain
`sqlite3` connection: `_write(fn)` runs `fn(connection)` between `BEGIN IMMEDIATE` and
`COMMIT` (ROLLBACK on any exception), the pattern of datasette's `execute_write_fn` (and of
client_sdk/database.py for the client's store). A request either applies whole or not at
all, and an acknowledged write is on disk (FULL sync in WAL mode survives a process crash
and a power loss). Transactions run one at a time, in the order they were asked for.

Why one hand-off per transaction: every hand-off between the event loop and another thread
costs about 100 µs of CPU and a wake-up of each thread on a 2-core machine, as much as the
statements it carries; a push of one record handed off each of its ten statements in turn
(aiosqlite, before issue 10). The write stays off the loop's thread because its COMMIT waits
for an fsync, and `BEGIN IMMEDIATE` may wait up to `busy_timeout` for another process.

A ROLLBACK that fails itself (an I/O error) would leave the connection in its failed
transaction and every later write refused: the connection is then closed (which rolls the
transaction back) and opened again for the next write, with one WARNING line.

Reads run on the loop's thread over a second, read-only connection (`_all`).

Checkpoints (copying the write-ahead log into the database file, with an fsync of that file)
run in a thread of their own over a third connection (`_Checkpointer`), started by the writer
every CHECKPOINT_WRITES transactions: SQLite's own, in the COMMIT of the write that fills the
log to 1,000 pages, made one push in about 125 wait for a copy and a second fsync before its
answer and its live notice (issue 10: the tail of live propagation). SQLite's own stays as a
safety, at SAFETY_CHECKPOINT_PAGES, for a log the background ones cannot empty.

An account's erasure empties the log at once (`_truncate_log`), so that the erased rows leave
the server's files; one that a reader keeps from it leaves that to the background
checkpoints (`_Checkpointer.owe_truncate`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import nacl.utils

from server.errors import StorageError
from server.storage import migrations
from server.storage.base import (
    AUDIT_COLUMNS,
    AUDIT_HIGH,
    AUDIT_LOG,
    CHAIN_LENGTHS,
    LISTED_KEY_BYTES,
    LISTED_KEYS,
    OWNED_EXTRA_BYTES,
    SIGN_INS_AFTER,
    SIGN_INS_KEPT,
    SIGN_INS_KEPT_MS,
    AccountGoneError,
    AccountRow,
    AuditRow,
    ChainConflictError,
    CredentialsChanged,
    DeviceRow,
    DuplicateError,
    Fetch,
    JournalRow,
    KeyRow,
    LiveEvent,
    LiveHandler,
    LoginWait,
    MemberRow,
    MetaChangedError,
    NewRecord,
    QuotaError,
    RecordConflictError,
    RecordRow,
    ShareRow,
    SignInRow,
    WriteLimits,
    WriterCheck,
    WriterState,
    inherited_account,
    sign_in_rows,
    write_subject,
)

T = TypeVar("T")
log = logging.getLogger("tj.server.sqlite")
Connection = sqlite3.Connection


def _null(value: None) -> None:
    """The adapter of None: None, bound as NULL (`register_adapter` below)."""
    return value


# Python's sqlite3 binds an int, float, str or bytearray parameter as it is and looks for an
# adapter for any other value first (CPython Modules/_sqlite/cursor.c, `need_adapt`), bytes
# and None included: with none registered for its type it asks the protocol type for
# `__adapt__`, which raises an AttributeError, formatted, then discarded (about 2,000
# instructions a parameter; a push binds several a record: ids, ciphertext, digest).
# Registered, the adapter is found first and returns the value itself: the same BLOB or
# NULL is bound (client_sdk/database.py does the same for the device's store; issue 10).
sqlite3.register_adapter(bytes, bytes.__bytes__)
sqlite3.register_adapter(type(None), _null)

PAGE_BYTES = 16384
ACTIVE = "(m.expires_at = 0 OR m.expires_at > ?)"  # a membership that has not expired
ACCOUNT_COLUMNS = (
    "account_id, username, salt, opslimit, memlimit, login_public_key, "
    "recovery_login_public_key, bundle, recovery_bundle, sign_public_key, box_public_key, "
    "identity_signature, created_at"
)
DEVICE_COLUMNS = (
    "device_id, account_id, name, token_hash, created_at, last_seen_at, expires_at, revoked"
)
UNAVAILABLE = "the database is unavailable; try again"
BUSY_TIMEOUT_MS = 5000
"""How long a write waits for another process holding the database's write lock, and an
erasure's checkpoint for readers to let go of the log (`_truncate_log`)."""

CHECKPOINT_WRITES = 128
"""Write transactions after which the writer starts a background checkpoint (`_Checkpointer`),
if none runs: a push of one record adds about eight 16 KiB pages to the log, so about 1,000
pages, as often as SQLite's own default did (more often adds fsyncs of the database file that
compete with the pushes' own)."""
CHECKPOINT_CHANGES = 1000
"""Rows changed after which one starts sooner (a large push: thousands of records at once)."""
CHECKPOINT_PASSES = 3
"""Passive checkpoints one background checkpoint makes at most, while writes committed during
the last one left pages to copy: once every page is copied, the next write starts the log
again from its beginning (SQLite restarts a log only then), so it stays small."""
SAFETY_CHECKPOINT_PAGES = 4000
"""`PRAGMA wal_autocheckpoint` of the writer: SQLite's own checkpoint, in a COMMIT, only once
the log holds this many pages (64 MiB), when background checkpoints fail or cannot keep up."""
OWED_TRUNCATE_WAIT_MS = 100
"""How long a background checkpoint that empties the log for an erasure
(`_Checkpointer.owe_truncate`) waits for the write lock and for readers of an earlier snapshot
before it leaves that to the next one: the writer may wait as long for it (a TRUNCATE
checkpoint holds the write lock while it waits), far below its own BUSY_TIMEOUT_MS."""


def migrate(connection: Connection) -> list[int]:
    """Apply the pending schema migrations (storage/migrations.py) in one transaction, under
    SQLite's write lock so two processes never apply one twice; returns the versions applied.
    `connection` is in autocommit mode (isolation_level None)."""
    # 16 KiB pages hold nine ~1.6 KB records where 4 KiB pages hold two and waste a fifth of
    # the file (bench.sync). Only a new, empty file takes it: an existing one keeps its size.
    connection.execute(f"PRAGMA page_size={PAGE_BYTES}")
    connection.execute(migrations.VERSION_TABLE_SQLITE)

    def apply(db: Connection) -> list[int]:
        rows = db.execute("SELECT version, name FROM schema_migrations").fetchall()
        todo = migrations.pending({int(row[0]): str(row[1]) for row in rows})
        for migration in todo:
            for statement in migration.sqlite.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                (migration.version, migration.name, int(time.time() * 1000)),
            )
        return [migration.version for migration in todo]

    return _transaction(apply, connection)


def connect_writer(path: Path) -> Connection:
    """The writer's connection to `path`, migrated: autocommit mode (transactions are explicit),
    PAGE_BYTES pages for a new file, WAL, synchronous=FULL, foreign keys, a 5 s busy timeout
    and secure_delete. Usable from the thread that runs the writes (`check_same_thread` off:
    it is opened in that thread or before it starts)."""
    connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        # Before WAL: switching a new file to WAL writes its header, which fixes the page size
        # (SQLite's 4 KiB default, had `migrate` set it only after).
        connection.execute(f"PRAGMA page_size={PAGE_BYTES}")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Deleted rows are overwritten with zeros, so an erased account or a compacted record
        # does not linger in free pages of the file.
        connection.execute("PRAGMA secure_delete=ON")
        # Checkpoints run in the background (`_Checkpointer`); this one is the safety.
        connection.execute(f"PRAGMA wal_autocheckpoint={SAFETY_CHECKPOINT_PAGES}")
        migrate(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _transaction(fn: Callable[[Connection], T], db: Connection) -> T:
    """`fn(db)` between BEGIN IMMEDIATE and COMMIT; ROLLBACK on any exception (a COMMIT that
    fails included), so no transaction is ever left open. A BEGIN that fails (the file is
    locked by another process past the busy timeout, the disk is gone) is StorageError; other
    sqlite3 errors pass as they are (the HTTP layer answers them 503 too)."""
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        raise StorageError(UNAVAILABLE) from error
    try:
        result = fn(db)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise
    return result


def _stuck(db: Connection) -> bool:
    """Whether the connection is still in a transaction after `_transaction` returned or
    raised: only when its ROLLBACK failed."""
    try:
        return db.in_transaction
    except sqlite3.Error:  # closed meanwhile (the storage is closing)
        return False


def _truncate_log(db: Connection) -> bool:
    """Copy the whole write-ahead log into the database file and truncate the log to 0 bytes
    (`PRAGMA wal_checkpoint(TRUNCATE)`, in the writer's thread, on its connection): whether it
    did (SQLite's `busy` result 0).

    The checkpoint must wait for every other reader of an earlier snapshot, and then of the
    log, to end: SQLite's busy handler waits for them up to the connection's busy timeout
    (BUSY_TIMEOUT_MS), then copies what it can and answers busy. One answered busy
    at once (a checkpoint of another connection runs) is asked again until BUSY_TIMEOUT_MS
    have passed since the first. So it gives up after about BUSY_TIMEOUT_MS of a reader
    held, at most twice that."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark the outcome of a write whose caller was cancelled as seen (no asyncio warning)."""
    if not future.cancelled():
        future.exception()


class _Checkpointer:
    """Write-ahead log checkpoints in a thread of their own, over a connection of their own
    (opened there at first use), so that no write waits for one in its COMMIT. The writer
    calls `after_write` after each transaction; a passive checkpoint never blocks the writer
    nor a reader, and copies what it can. A failure is logged once (SQLite's words only) and
    left for the next one, or for SQLite's own checkpoint (SAFETY_CHECKPOINT_PAGES).

    `lock` is held while a checkpoint runs: a checkpoint of the writer's own that must not find
    another one running (erasure's TRUNCATE, which then copies nothing) takes it first.

    An erasure whose TRUNCATE could not empty the log (`owe_truncate`) makes every background
    checkpoint a TRUNCATE one, started after each write, until one empties the log; each waits
    at most OWED_TRUNCATE_WAIT_MS for readers."""

    def __init__(self, path: Path) -> None:
        # Resolved now: a relative path read at the first checkpoint would be taken from the
        # working directory then, which the application may have changed since (rev-pull).
        self._path = path.resolve()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tj-sqlite-ckpt")
        self._connection: Connection | None = None  # used in `_thread` only
        self._running: Future[None] | None = None  # the writer's thread only
        self._writes = 0  # write transactions since the last checkpoint started
        self._changes = 0  # the writer connection's total_changes when it started
        self._failed = False
        self._stopped = False
        self._owed = False  # an erasure left the log to empty: set and cleared holding `lock`
        self.lock = threading.Lock()

    def owe_truncate(self) -> None:
        """In the writer's thread, holding `lock`: an erasure's TRUNCATE checkpoint could not
        empty the log (`_truncate_log`). The checkpoint started after each later write, from
        the next one on, empties it instead of a passive one, until one does."""
        self._owed = True

    def after_write(self, db: Connection) -> None:
        """In the writer's thread, after a write transaction on `db`: start a checkpoint once
        CHECKPOINT_WRITES transactions or CHECKPOINT_CHANGES rows were written since the last
        one started, or after any while the log is owed emptied (`owe_truncate`), unless one
        still runs."""
        self._writes += 1
        if db.total_changes < self._changes:  # the writer's connection was opened again
            self._changes = 0
        due = (
            self._writes >= CHECKPOINT_WRITES
            or db.total_changes - self._changes >= CHECKPOINT_CHANGES
            or self._owed
        )
        if not due or self._stopped or (self._running is not None and not self._running.done()):
            return
        self._writes, self._changes = 0, db.total_changes
        try:
            self._running = self._thread.submit(self._checkpoint)
        except RuntimeError:  # stopped meanwhile: the writer's close checkpoints
            pass

    def _checkpoint(self) -> None:
        try:
            if self._connection is None:
                self._connection = sqlite3.connect(  # never creates a file (mode=rw)
                    self._path.as_uri() + "?mode=rw",
                    isolation_level=None,
                    check_same_thread=False,
                    uri=True,
                )
                self._connection.execute("PRAGMA synchronous=FULL")
            with self.lock:
                if self._owed:
                    self._owed = not self._truncate(self._connection)
                    return
                for _ in range(CHECKPOINT_PASSES):
                    busy, pages, copied = self._connection.execute(
                        "PRAGMA wal_checkpoint(PASSIVE)"
                    ).fetchone()
                    if busy or pages == copied:
                        break
        except sqlite3.Error as error:
            if not self._failed:
                self._failed = True
                log.warning(
                    "background checkpoint failed (%s: %s); SQLite's own checkpoints keep the "
                    "log bounded",
                    type(error).__name__,
                    error,
                )

    def _truncate(self, connection: Connection) -> bool:
        """A TRUNCATE checkpoint owed to an erasure, waiting at most OWED_TRUNCATE_WAIT_MS;
        whether it emptied the log (else it copied what it could, as a passive one)."""
        (waits,) = connection.execute("PRAGMA busy_timeout").fetchone()
        connection.execute(f"PRAGMA busy_timeout={OWED_TRUNCATE_WAIT_MS}")
        try:
            busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            connection.execute(f"PRAGMA busy_timeout={int(waits)}")
        if not busy:
            log.info("the write-ahead log an erasure left is emptied")
        return not busy

    def idle(self) -> Future[None]:
        """Done once the checkpoint asked for so far, if any, has run (for tests)."""
        return self._thread.submit(lambda: None)

    def stop(self) -> Future[None]:
        """Start no more; done once the running one ended and the connection is closed (before
        the writer's: the last connection to close checkpoints the whole log)."""
        self._stopped = True
        closed = self._thread.submit(self._close)
        self._thread.shutdown(wait=False)
        return closed

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


WAL_INDEX_COPY = 48
"""Bytes of one copy of the wal-index header, at the start of a database's `-shm` file, the
second copy right after it (sqlite.org/walformat.html 2.2.1: its change counter, frame count,
salts and checksums, byte 12 set once it is initialised)."""
CACHED_ROWS = 1024
"""Rows of each kind `SQLiteStorage` keeps as read (`_Commits`): sessions' devices, and
accounts' memberships counted one row each; past it, the kept ones are dropped (a server that
serves more reads the others as before)."""

_index_lock = threading.Lock()


class _Shm:
    """A read-only descriptor of a database's `-shm` file (`descriptor`, -1 once closed) and
    the open `SQLiteStorage`s of this process reading it (`readers`)."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.readers = 0


_index_files: dict[tuple[int, int], _Shm] = {}
"""(st_dev, st_ino) of a database file -> its `-shm` file's `_Shm`. One per file and process,
closed only once the last storage reading it has closed its connections: closing any
descriptor of a file drops every POSIX lock this process holds on it, those SQLite's
connections hold on the `-shm` included. A descriptor whose file is no longer the `-shm`
(SQLite removed it when the last connection closed, while the close of the storage that held
it was cut short: rev33c F1) is closed and replaced at the next opening: its locks are on the
removed file, which no connection uses."""


class _Commits:
    """Whether anything was committed to a database since a read, from its wal-index header
    (read from the `-shm` file without a lock or a statement): every commit, by any
    connection of any process, and every restart of the log change it. Two copies that
    differ (a header being written) or one not initialised are no answer (None), as for
    SQLite's own readers. 1 µs where `PRAGMA data_version` takes a read transaction (7.5 µs,
    as much as an index lookup): issue 10, the session's device read at every request."""

    def __init__(self, key: tuple[int, int], shm: _Shm) -> None:
        self._key = key
        self._shm: _Shm | None = shm

    @classmethod
    def open(cls, path: Path) -> _Commits | None:
        """The header of database `path` in WAL mode, opened by this process's connections
        (its `-shm` file exists); None when it cannot be read (or read without moving a file
        offset: no `os.pread`, as on Windows)."""
        if not hasattr(os, "pread"):
            return None
        try:
            found = os.stat(path)
            now = os.stat(f"{path}-shm")
        except OSError:
            return None
        key = (found.st_dev, found.st_ino)
        with _index_lock:
            held = _index_files.get(key)
            if held is not None:
                try:
                    read = os.fstat(held.descriptor)
                except OSError:
                    return None
                if (read.st_dev, read.st_ino) != (now.st_dev, now.st_ino):
                    os.close(held.descriptor)  # on a removed file: drops no lock in use
                    held.descriptor = -1
                    del _index_files[key]
                    held = None
            if held is None:
                try:
                    descriptor = os.open(f"{path}-shm", os.O_RDONLY)
                except OSError:
                    return None
                held = _index_files[key] = _Shm(descriptor)
            held.readers += 1
            return cls(key, held)

    def header(self) -> bytes | None:
        """The header now, None when it cannot be read or is being written."""
        if self._shm is None or self._shm.descriptor < 0:
            return None
        try:
            both = os.pread(self._shm.descriptor, 2 * WAL_INDEX_COPY, 0)
        except OSError:
            return None
        first = both[:WAL_INDEX_COPY]
        if len(both) < 2 * WAL_INDEX_COPY or first != both[WAL_INDEX_COPY:] or not first[12]:
            return None
        return first

    def close(self) -> None:
        """Called once the storage's connections are closed: the descriptor is closed with
        the last storage of this process reading the file (never one replaced meanwhile)."""
        shm, self._shm = self._shm, None
        if shm is None:
            return
        with _index_lock:
            shm.readers -= 1
            if shm.readers == 0 and _index_files.get(self._key) is shm:
                del _index_files[self._key]
                os.close(shm.descriptor)
                shm.descriptor = -1


class SQLiteStorage:
    def __init__(
        self,
        writer: Connection,
        reader: Connection,
        worker: ThreadPoolExecutor,
        path: Path,
    ) -> None:
        self._db: Connection | None = writer  # used in `_worker`'s thread only
        self._path = path  # to open the writer's connection again (`_discard_writer`)
        self._worker = worker
        self._reader = reader
        self._handlers: list[LiveHandler] = []
        self._closed = False
        self._checkpointer = _Checkpointer(path)
        # The session's device by its token's hash, and each account's memberships (with
        # their expiry, judged at each call), as read while the database held what its
        # header `_cached_at` says: answered again without a statement while it is the
        # header still (`_as_of_now`), so that a request's authentication and a sync's heads
        # are what the database says now (issue 10).
        self._commits: _Commits | None = None
        self._cached_at: bytes | None = None
        self._devices: dict[bytes, DeviceRow] = {}
        self._heads: dict[bytes, list[tuple[bytes, int, int, str, int]]] = {}
        self._kept_rows: dict[int, int] = {}  # rows kept, by id() of `_devices` or `_heads`

    @classmethod
    async def open(cls, path: Path) -> SQLiteStorage:
        """The storage of the database file `path` (created with its directory if missing). A
        relative `path` is taken from the working directory now: the writer's connection
        opened again later (`_discard_writer`) and the checkpoints' use the same file."""
        path = path.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tj-sqlite-writer")
        try:
            # In the writer's thread: migrating can wait for another process's write lock.
            writer = await asyncio.wrap_future(worker.submit(connect_writer, path))
        except BaseException:
            worker.shutdown(wait=False)
            raise
        # Reads: a second connection, used on the loop's thread (see `_all`).
        reader = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        reader.execute("PRAGMA query_only=ON")
        reader.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        storage = cls(writer, reader, worker, path)
        if str(reader.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            storage._commits = _Commits.open(path)
        return storage

    async def close(self) -> None:
        """Close both connections once the writes already asked for have run; closing again
        does nothing."""
        if self._closed:
            return
        self._closed = True
        self._reader.close()
        try:
            await asyncio.shield(asyncio.wrap_future(self._checkpointer.stop()))
            await self._submit(self._close_writer)
        finally:
            self._worker.shutdown(wait=False)
        # Only once every connection closed (see `_index_files`): a close that failed above
        # leaves the descriptor open rather than drop a lock a connection still holds.
        if self._commits is not None:
            self._commits.close()

    async def publish(self, event: LiveEvent) -> None:
        # One process serves a SQLite database (tj-server refuses --workers on SQLite), so
        # its own subscribers are everyone.
        for handler in self._handlers:
            await handler(event)

    async def subscribe(self, handler: LiveHandler) -> None:
        self._handlers.append(handler)

    async def _write(self, fn: Callable[[Connection], T]) -> T:
        """`fn(connection)` as one transaction in the writer's thread (`_transaction`): one
        hand-off, whatever the number of statements. `fn` must do no I/O but the database's
        and touch no state of the loop's."""
        return await self._in_worker(self._recovering(fn))

    def _recovering(self, fn: Callable[[Connection], T]) -> Callable[[Connection], T]:
        """`_transaction(fn, db)`, after which the connection is never left in a transaction:
        when even the ROLLBACK failed (an I/O error, a full disk), the connection still
        holds the failed transaction and every later BEGIN would fail (503 until a restart);
        it is closed, which rolls that transaction back, and opened again."""

        def run(db: Connection) -> T:
            try:
                return _transaction(fn, db)
            finally:
                if _stuck(db):
                    self._discard_writer(db)
                else:
                    self._checkpointer.after_write(db)

        return run

    def _discard_writer(self, db: Connection) -> None:
        """Close the writer's connection (in the writer's thread); the next call opens a new
        one (`_writer`)."""
        log.warning("a ROLLBACK failed: closing the writer's connection and opening it again")
        self._db = None
        with contextlib.suppress(sqlite3.Error):
            db.close()

    def _writer(self) -> Connection:
        """The writer's connection (in the writer's thread), opened again after a discard; a
        failure to open is StorageError (503), and the next call tries again."""
        if self._db is None:
            try:
                self._db = connect_writer(self._path)
            except sqlite3.Error as error:
                raise StorageError(UNAVAILABLE) from error
        return self._db

    def _close_writer(self) -> None:
        if self._db is not None:
            self._db.close()

    async def _in_worker(self, fn: Callable[[Connection], T]) -> T:
        """`fn(writer connection)` in the writer's thread, after the calls asked for before it
        (the connection is looked up there: one discarded by an earlier call is replaced)."""
        return await self._submit(lambda: fn(self._writer()))

    async def _submit(self, fn: Callable[[], T]) -> T:
        """`fn()` in the writer's thread, after the calls asked for before it.

        The thread's future is shielded: a caller cancelled meanwhile (its client went away,
        the server shuts down) does not take the call back, so the transaction completes or
        rolls back in the thread either way and the next write finds no transaction open."""
        try:
            future = asyncio.wrap_future(self._worker.submit(fn))
        except RuntimeError as error:  # the storage is closed
            raise StorageError(UNAVAILABLE) from error
        future.add_done_callback(_retrieve)
        return await asyncio.shield(future)

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """A read outside any write transaction, on the loop's thread over the read-only
        connection: in WAL mode it sees the last committed state and never waits for a write
        (nor for its fsync). A read is an index lookup or one page of records; a hand-off to
        another thread cost more CPU than the read itself (bench.sync, issue 10)."""
        try:
            return self._reader.execute(sql, tuple(params)).fetchall()
        except sqlite3.OperationalError as error:
            raise StorageError(UNAVAILABLE) from error

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    def _as_of_now(self) -> bytes | None:
        """The database's wal-index header now (`_Commits`), read before the statement whose
        rows are kept under it: the rows kept are dropped when it moved since they were read,
        so that what is kept is what a statement would read now. None (nothing kept) when it
        cannot be read."""
        header = self._commits.header() if self._commits is not None else None
        if header is None or header != self._cached_at:
            self._devices.clear()
            self._heads.clear()
            self._kept_rows.clear()
            self._cached_at = header
        return header

    def _keep(
        self, kept: dict[bytes, T], key: bytes, value: T, header: bytes | None, rows: int = 1
    ) -> None:
        """Keep `value` (`rows` rows), read after the header was `header` (`_as_of_now`),
        unless another read saw the header move meanwhile. Past CACHED_ROWS rows of a kind the
        kept ones are dropped; a value of more rows than that is not kept (rev33c F3: an
        account's memberships count one row each)."""
        if header is None or header != self._cached_at or rows > CACHED_ROWS:
            return
        held = self._kept_rows.get(id(kept), 0)
        if held + rows > CACHED_ROWS:
            kept.clear()
            held = 0
        kept[key] = value
        self._kept_rows[id(kept)] = held + rows

    # --- server -----------------------------------------------------------------------------

    async def server_secrets(self) -> tuple[bytes, bytes]:
        def tx(db: Connection) -> tuple[bytes, bytes]:
            values = {}
            for name, size in (("server_id", 16), ("prelogin_secret", 32)):
                value = _value(db, "SELECT value FROM server_meta WHERE name = ?", (name,))
                if value is None:
                    value = nacl.utils.random(size)
                    db.execute("INSERT INTO server_meta VALUES (?, ?)", (name, value))
                values[name] = bytes(value)
            return values["server_id"], values["prelogin_secret"]

        return await self._write(tx)

    # --- accounts ---------------------------------------------------------------------------

    async def create_account(self, account: AccountRow, device: DeviceRow) -> None:
        def tx(db: Connection) -> None:
            _refuse_taken_id(db, device.device_id)
            db.execute(
                f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES ({_marks(13)})",
                _account_values(account),
            )
            db.execute(
                f"INSERT INTO devices ({DEVICE_COLUMNS}) VALUES ({_marks(8)})",
                _device_values(device),
            )
            _take_id(db, device)
            _log_sign_in(db, device, False)

        try:
            await self._write(tx)
        except sqlite3.IntegrityError:
            raise DuplicateError("account") from None

    async def account_by_username(self, username: str) -> AccountRow | None:
        row = await self._one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = ?", (username,)
        )
        return _account(row) if row else None

    async def account_by_id(self, account_id: bytes) -> AccountRow | None:
        row = await self._one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE account_id = ?", (account_id,)
        )
        return _account(row) if row else None

    async def existing_accounts(self, account_ids: list[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        for start in range(0, len(account_ids), 500):
            chunk = account_ids[start : start + 500]
            rows = await self._all(
                f"SELECT account_id FROM accounts WHERE account_id IN ({_marks(len(chunk))})",
                chunk,
            )
            found.update(bytes(row[0]) for row in rows)
        return found

    async def update_credentials(
        self,
        account_id: bytes,
        salt: bytes,
        opslimit: int,
        memlimit: int,
        login_public_key: bytes,
        bundle: bytes,
        recovery: tuple[bytes, bytes] | None = None,
        device_id: bytes = b"",
        now: int = 0,
    ) -> list[bytes]:
        def tx(db: Connection) -> list[bytes]:
            db.execute(
                "UPDATE accounts SET salt = ?, opslimit = ?, memlimit = ?, login_public_key = ?, "
                "bundle = ?, password_changed_at = MAX(password_changed_at, ?) "
                "WHERE account_id = ?",
                (salt, opslimit, memlimit, login_public_key, bundle, now, account_id),
            )
            db.execute("DELETE FROM recovery_sessions WHERE device_id = ?", (device_id,))
            if recovery is None:
                return []
            return _set_recovery(db, account_id, *recovery, now)

        return await self._write(tx)

    async def update_recovery(
        self,
        account_id: bytes,
        recovery_login_public_key: bytes,
        recovery_bundle: bytes,
        device_id: bytes = b"",
        now: int = 0,
    ) -> list[bytes]:
        def tx(db: Connection) -> list[bytes]:
            db.execute("DELETE FROM recovery_sessions WHERE device_id = ?", (device_id,))
            return _set_recovery(db, account_id, recovery_login_public_key, recovery_bundle, now)

        return await self._write(tx)

    async def delete_account(self, account_id: bytes, username: str) -> None:
        """Delete every row of the account (protocol.md, /v1/account/delete) in one
        transaction, secure_delete overwriting them in the pages that held them.

        What leaves the server's files, and when: the write-ahead log, which still holds the
        erased rows' earlier page versions (and the new ones, not yet in the database file),
        is then copied into the database file and truncated to 0 bytes before this returns
        (`_truncate_log`), unless a reader holds an earlier snapshot or the log for
        BUSY_TIMEOUT_MS (a long read, another process reading the file). Then one WARNING is
        logged (no id), the erasure stands (its rows are deleted for every reader), and the
        erased bytes stay in the database file and the log until a background checkpoint
        empties the log: one is tried after every later write (`_Checkpointer.owe_truncate`)
        until one finds no such reader; failing that (no write, a reader never ending, a
        background checkpoint that cannot open the file), the server's last connection
        empties it when the storage closes, if no other process has the file open then."""
        owned = "SELECT journal_id FROM journals WHERE owner_id = ?"

        def tx(db: Connection) -> None:
            # The journals of other owners it was a member of: their meta_version moves, as
            # at a leave, so that the owner's next sync asks who the server still serves
            # and tells the owner the member is gone (protocol.md, "How the owner is told").
            db.execute(
                "UPDATE journals SET meta_version = meta_version + 1 WHERE owner_id != ? AND "
                "journal_id IN (SELECT journal_id FROM members WHERE account_id = ? "
                "AND role != 'owner')",
                (account_id, account_id),
            )
            # Records other accounts pushed into its journals go too: free their bytes.
            freed = db.execute(
                "SELECT pushed_by, SUM(length(ciphertext)) FROM records WHERE journal_id IN "
                f"({owned}) AND pushed_by != ? GROUP BY pushed_by",
                (account_id, account_id),
            ).fetchall()
            _free_bytes(db, [(bytes(r[0]), int(r[1])) for r in freed])
            db.execute("DELETE FROM account_usage WHERE account_id = ?", (account_id,))
            # Its audit rows in other owners' journals stay, its account_id set NULL by the
            # foreign key: those owners' record of what it read (protocol.md, erasure).
            db.execute(f"DELETE FROM audit WHERE journal_id IN ({owned})", (account_id,))
            for table, column in (
                ("records", "pushed_by"),
                ("journal_keys", "account_id"),
                ("members", "account_id"),
                ("access_chain", None),
            ):
                if column is None:
                    db.execute(f"DELETE FROM {table} WHERE journal_id IN ({owned})", (account_id,))
                    continue
                db.execute(
                    f"DELETE FROM {table} WHERE journal_id IN ({owned}) OR {column} = ?",
                    (account_id, account_id),
                )
            db.execute("DELETE FROM journals WHERE owner_id = ?", (account_id,))
            db.execute("DELETE FROM devices WHERE account_id = ?", (account_id,))
            db.execute("DELETE FROM sign_ins WHERE account_id = ?", (account_id,))
            db.execute("DELETE FROM accounts WHERE account_id = ?", (account_id,))

        def erase(db: Connection) -> None:
            self._recovering(tx)(db)
            # Move the erasure into the database file and empty the write-ahead log, which
            # still holds earlier versions of the erased pages: after the background
            # checkpoint that may run (one running makes TRUNCATE do nothing).
            with self._checkpointer.lock:
                if _truncate_log(db):
                    return
                self._checkpointer.owe_truncate()
            log.warning(
                "an account erasure could not empty the write-ahead log (a reader held it for "
                "%d ms): background checkpoints empty it after the next writes",
                BUSY_TIMEOUT_MS,
            )

        await self._in_worker(erase)

    async def use_challenge(self, nonce: bytes, keep_until: int) -> bool:
        def tx(db: Connection) -> bool:
            cursor = db.execute(
                "INSERT INTO used_challenges VALUES (?, ?) ON CONFLICT DO NOTHING",
                (nonce, keep_until),
            )
            return cursor.rowcount == 1

        return await self._write(tx)

    async def purge(self, now: int, forget_before: int) -> None:
        def tx(db: Connection) -> None:
            db.execute("DELETE FROM used_challenges WHERE keep_until < ?", (now,))
            db.execute("DELETE FROM login_failures WHERE last_failure_at < ?", (forget_before,))
            db.execute("DELETE FROM rate_windows WHERE window_start < ?", (forget_before,))
            db.execute("DELETE FROM devices WHERE expires_at < ?", (forget_before,))

        await self._write(tx)

    # --- live slots -------------------------------------------------------------------------

    async def take_live_slot(
        self, account_id: bytes, device_id: bytes, per_device: int, per_account: int
    ) -> bytes:
        # One process owns a SQLite database (server.lock): the live hub's own count of its
        # sockets (server/live.py) is the whole count, so nothing is stored here.
        return b""

    async def release_live_slot(self, slot: bytes) -> None:
        return None

    # --- throttling and rates ---------------------------------------------------------------

    async def reserve_login_attempt(
        self, subjects: list[str], now: int, forget_before: int, wait: LoginWait
    ) -> int:
        def tx(db: Connection) -> int:
            rows = db.execute(
                "SELECT subject, failures, last_failure_at FROM login_failures "
                f"WHERE subject IN ({_marks(len(subjects))}) AND last_failure_at >= ?",
                (*subjects, forget_before),
            ).fetchall()
            wait_ms = wait({str(r[0]): (int(r[1]), int(r[2])) for r in rows})
            if wait_ms > 0:
                return wait_ms
            db.executemany(
                "INSERT INTO login_failures VALUES (?, 1, ?) ON CONFLICT (subject) DO UPDATE "
                "SET failures = CASE WHEN login_failures.last_failure_at < ? THEN 1 "
                "ELSE login_failures.failures + 1 END, last_failure_at = excluded.last_failure_at",
                [(subject, now, forget_before) for subject in subjects],
            )
            return 0

        return await self._write(tx)

    async def forgive_login_attempt(self, cleared: str, taken_back: list[str]) -> None:
        def tx(db: Connection) -> None:
            db.execute("DELETE FROM login_failures WHERE subject = ?", (cleared,))
            for subject in taken_back:
                db.execute(
                    "DELETE FROM login_failures WHERE subject = ? AND failures <= 1", (subject,)
                )
                db.execute(
                    "UPDATE login_failures SET failures = failures - 1 WHERE subject = ? "
                    "AND failures > 0",
                    (subject,),
                )

        await self._write(tx)

    async def count_request(
        self, limits: list[tuple[str, int]], window_start: int, count: int = 1
    ) -> bool:
        try:
            await self._write(lambda db: _count_all(db, limits, window_start, count))
        except _Refused:
            return False
        return True

    # --- devices ----------------------------------------------------------------------------

    async def create_device(
        self,
        device: DeviceRow,
        max_devices: int,
        by_recovery_key: bool = False,
        checked_key: bytes | None = None,
        proof: bytes = b"",
    ) -> None:
        def tx(db: Connection) -> None:
            if checked_key is not None:  # in the write transaction: no change can slip in
                column = "recovery_login_public_key" if by_recovery_key else "login_public_key"
                held = _value(
                    db, f"SELECT {column} FROM accounts WHERE account_id = ?", (device.account_id,)
                )
                if held is None or bytes(held) != checked_key:
                    raise CredentialsChanged("login key")
            active = _value(
                db,
                "SELECT COUNT(*) FROM devices WHERE account_id = ? AND revoked = 0 "
                "AND expires_at >= ?",
                (device.account_id, device.created_at),
            )
            if int(active or 0) >= max_devices:
                raise QuotaError("devices")
            _refuse_taken_id(db, device.device_id)
            # Signed-out rows (revoked or expired): only the newest `max_devices` are kept, so
            # that a login/logout loop cannot pile up rows (R9 finding 8).
            db.execute(
                "DELETE FROM devices WHERE account_id = ? AND (revoked = 1 OR expires_at < ?) "
                "AND device_id NOT IN (SELECT device_id FROM devices WHERE account_id = ? "
                "AND (revoked = 1 OR expires_at < ?) ORDER BY created_at DESC LIMIT ?)",
                (device.account_id, device.created_at) * 2 + (max_devices,),
            )
            db.execute(
                f"INSERT INTO devices ({DEVICE_COLUMNS}) VALUES ({_marks(8)})",
                _device_values(device),
            )
            _take_id(db, device)
            if by_recovery_key:
                db.execute(
                    "INSERT INTO recovery_sessions (device_id, account_id) VALUES (?, ?)",
                    (device.device_id, device.account_id),
                )
            _log_sign_in(db, device, by_recovery_key, proof)

        await self._write(tx)

    async def device_by_token_hash(self, token_hash: bytes) -> DeviceRow | None:
        header = self._as_of_now()
        device = self._devices.get(token_hash)
        if device is not None:  # read while the database held what it holds now
            return device
        row = await self._one(
            f"SELECT {DEVICE_COLUMNS} FROM devices WHERE token_hash = ?", (token_hash,)
        )
        if not row:
            return None
        device = _device(row)
        self._keep(self._devices, token_hash, device, header)
        return device

    async def touch_device(self, device_id: bytes, now: int) -> None:
        await self._write(
            lambda db: db.execute(
                "UPDATE devices SET last_seen_at = ? WHERE device_id = ?", (now, device_id)
            ).close()
        )

    async def list_devices(
        self, account_id: bytes, after: tuple[int, bytes] | None, limit: int, now: int
    ) -> list[DeviceRow]:
        start = after or (-1, b"")
        rows = await self._all(
            f"SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = ? AND revoked = 0 "
            "AND expires_at >= ? AND (created_at, device_id) > (?, ?) "
            "ORDER BY created_at, device_id LIMIT ?",
            (account_id, now, *start, limit),
        )
        return [_device(row) for row in rows]

    async def sign_ins(
        self, account_id: bytes, after: int, limit: int, now: int
    ) -> list[SignInRow]:
        rows = await self._all(SIGN_INS_AFTER.format("?"), (now, account_id, after, limit))
        return sign_in_rows(rows)

    async def credential_changes(self, account_id: bytes) -> tuple[int, int]:
        rows = await self._all(
            "SELECT password_changed_at, recovery_key_changed_at FROM accounts "
            "WHERE account_id = ?",
            (account_id,),
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)

    async def revoke_device(self, account_id: bytes, device_id: bytes) -> bool:
        def tx(db: Connection) -> bool:
            cursor = db.execute(
                "UPDATE devices SET revoked = 1 WHERE account_id = ? AND device_id = ? "
                "AND revoked = 0",
                (account_id, device_id),
            )
            return cursor.rowcount == 1

        return await self._write(tx)

    async def delete_journal(self, journal_id: bytes) -> None:
        def tx(db: Connection) -> None:
            freed = db.execute(
                "SELECT pushed_by, SUM(length(ciphertext)) FROM records WHERE journal_id = ? "
                "GROUP BY pushed_by",
                (journal_id,),
            ).fetchall()
            _free_bytes(db, [(bytes(r[0]), int(r[1])) for r in freed])
            for table in (
                "records",
                "audit",
                "journal_keys",
                "members",
                "access_chain",
                "journals",
            ):
                db.execute(f"DELETE FROM {table} WHERE journal_id = ?", (journal_id,))

        await self._write(tx)

    async def rename_device(self, account_id: bytes, device_id: bytes, name: str) -> bool:
        def tx(db: Connection) -> bool:
            cursor = db.execute(
                "UPDATE devices SET name = ? WHERE account_id = ? AND device_id = ? "
                "AND revoked = 0",
                (name, account_id, device_id),
            )
            return cursor.rowcount == 1

        return await self._write(tx)

    # --- journals ---------------------------------------------------------------------------

    async def create_journal(
        self,
        journal_id: bytes,
        owner_id: bytes,
        key: KeyRow,
        meta: bytes,
        chain: list[bytes],
        now: int,
        max_journals: int,
        max_stored_bytes: int | None = None,
    ) -> None:
        def tx(db: Connection) -> None:
            if not _count(db, "accounts", "account_id", owner_id):
                raise AccountGoneError()  # erased since the request's session was checked
            if _count(db, "journals", "journal_id", journal_id):
                raise DuplicateError("journal")
            if _count(db, "journals", "owner_id", owner_id) >= max_journals:
                raise QuotaError("journals")
            db.execute(
                "INSERT INTO journals VALUES (?, ?, ?, ?, 1, 0, ?)",
                (journal_id, owner_id, key.epoch, meta, now),
            )
            db.execute("INSERT INTO members VALUES (?, ?, 'owner', 0)", (journal_id, owner_id))
            db.execute(
                "INSERT INTO journal_keys VALUES (?, ?, ?, ?)",
                (journal_id, owner_id, key.epoch, key.envelope),
            )
            _append_chain(db, journal_id, 0, chain)
            if max_stored_bytes is not None:
                _check_owner_bytes(db, owner_id, max_stored_bytes)

        try:
            await self._write(tx)
        except sqlite3.IntegrityError:
            raise DuplicateError("journal") from None

    async def chain_entries(
        self, journal_id: bytes, after: int, limit: int
    ) -> tuple[int, list[bytes]]:
        length = await self._one(
            "SELECT COALESCE(max(position) + 1, 0) FROM access_chain WHERE journal_id = ?",
            (journal_id,),
        )
        rows = await self._all(
            "SELECT entry FROM access_chain WHERE journal_id = ? AND position >= ? "
            "ORDER BY position LIMIT ?",
            (journal_id, after, limit),
        )
        return int(length[0]), [bytes(row[0]) for row in rows]

    async def chain_lengths(self, journal_ids: list[bytes]) -> dict[bytes, int]:
        lengths: dict[bytes, int] = {}
        for start in range(0, len(journal_ids), 500):
            chunk = journal_ids[start : start + 500]
            rows = await self._all(
                f"{CHAIN_LENGTHS} WHERE j.journal_id IN ({_marks(len(chunk))})", chunk
            )
            lengths.update((bytes(row[0]), int(row[1])) for row in rows)
        return lengths

    async def journals_for(
        self,
        account_id: bytes,
        now: int,
        after: tuple[int, bytes] | None = None,
        limit: int | None = None,
        key_bytes: int = LISTED_KEY_BYTES,
    ) -> list[JournalRow]:
        start = after or (-1, b"")
        rows = await self._all(
            "SELECT j.journal_id, j.owner_id, m.role, j.epoch, j.meta, j.meta_version, j.head, "
            "a.username, m.expires_at, "
            "(SELECT COALESCE(max(c.position) + 1, 0) FROM access_chain c "
            "WHERE c.journal_id = j.journal_id), "
            "j.created_at FROM members m JOIN journals j ON j.journal_id = m.journal_id "
            "JOIN accounts a ON a.account_id = j.owner_id "
            f"WHERE m.account_id = ? AND {ACTIVE} AND (j.created_at, j.journal_id) > (?, ?) "
            "ORDER BY j.created_at, j.journal_id LIMIT ?",
            (account_id, now, *start, -1 if limit is None else limit),
        )
        listed = [bytes(row[0]) for row in rows]
        key_rows = await self._all(
            LISTED_KEYS.format(
                cap=int(key_bytes),
                length="length",
                account="?",
                listed=f"IN ({_marks(len(listed))})",
            ),
            (account_id, *listed),
        )
        keys: dict[bytes, list[KeyRow]] = {}
        cut: set[bytes] = set()
        for journal_id, epoch, envelope in key_rows:
            if envelope is None:
                cut.add(bytes(journal_id))
            else:
                keys.setdefault(bytes(journal_id), []).append(KeyRow(epoch, bytes(envelope)))
        return [
            JournalRow(
                journal_id=bytes(row[0]),
                owner_id=bytes(row[1]),
                role=row[2],
                epoch=row[3],
                meta=bytes(row[4]),
                meta_version=row[5],
                head=row[6],
                keys=tuple(keys.get(bytes(row[0]), ())),
                owner_name=row[7],
                expires_at=row[8],
                chain_length=row[9],
                created_at=row[10],
                keys_complete=bytes(row[0]) not in cut,
            )
            for row in rows
        ]

    async def key_page(
        self, journal_id: bytes, account_id: bytes, from_epoch: int, to_epoch: int, limit: int
    ) -> list[KeyRow]:
        rows = await self._all(
            "SELECT epoch, envelope FROM journal_keys WHERE journal_id = ? AND account_id = ? "
            "AND epoch BETWEEN ? AND ? ORDER BY epoch LIMIT ?",
            (journal_id, account_id, from_epoch, to_epoch, limit),
        )
        return [KeyRow(row[0], bytes(row[1])) for row in rows]

    async def heads_for(self, account_id: bytes, now: int) -> dict[bytes, tuple[int, int, str]]:
        header = self._as_of_now()
        kept = self._heads.get(account_id)
        if kept is None:
            # Every membership with its expiry, judged below as ACTIVE judges it: kept as read,
            # they answer for any `now` while nothing was committed.
            rows = await self._all(
                "SELECT j.journal_id, j.head, j.meta_version, m.role, m.expires_at FROM members m "
                "JOIN journals j ON j.journal_id = m.journal_id WHERE m.account_id = ?",
                (account_id,),
            )
            kept = [(bytes(row[0]), row[1], row[2], row[3], row[4]) for row in rows]
            self._keep(self._heads, account_id, kept, header, rows=max(1, len(kept)))
        return {
            journal_id: (head, meta_version, role)
            for journal_id, head, meta_version, role, expires_at in kept
            if expires_at == 0 or expires_at > now
        }

    async def role_in(self, journal_id: bytes, account_id: bytes, now: int) -> str | None:
        row = await self._one(
            f"SELECT m.role FROM members m WHERE m.journal_id = ? AND m.account_id = ? AND {ACTIVE}",
            (journal_id, account_id, now),
        )
        return str(row[0]) if row else None

    async def journal_epoch(self, journal_id: bytes) -> int | None:
        row = await self._one("SELECT epoch FROM journals WHERE journal_id = ?", (journal_id,))
        return int(row[0]) if row else None

    async def meta_version(self, journal_id: bytes) -> int | None:
        row = await self._one(
            "SELECT meta_version FROM journals WHERE journal_id = ?", (journal_id,)
        )
        return int(row[0]) if row else None

    # --- sharing ----------------------------------------------------------------------------

    async def leave_journal(
        self, journal_id: bytes, account_id: bytes, max_inherited: int | None = None
    ) -> bool:
        def tx(db: Connection) -> bool:
            cursor = db.execute(
                "DELETE FROM members WHERE journal_id = ? AND account_id = ? AND role != 'owner'",
                (journal_id, account_id),
            )
            if cursor.rowcount != 1:
                return False
            _recharge_to_owner(db, journal_id, [account_id], max_inherited)
            db.execute(
                "DELETE FROM journal_keys WHERE journal_id = ? AND account_id = ?",
                (journal_id, account_id),
            )
            db.execute(
                "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?",
                (journal_id,),
            )
            return True

        return await self._write(tx)

    async def shares_of(
        self, owner_id: bytes, after: tuple[bytes, bytes] | None = None, limit: int | None = None
    ) -> list[ShareRow]:
        rows = await self._all(
            "SELECT m.journal_id, m.account_id, a.username, m.role, m.expires_at, j.epoch, "
            "k.envelope FROM members m "
            "JOIN journals j ON j.journal_id = m.journal_id "
            "JOIN accounts a ON a.account_id = m.account_id "
            "LEFT JOIN journal_keys k ON k.journal_id = m.journal_id "
            "AND k.account_id = m.account_id AND k.epoch = j.epoch "
            "WHERE j.owner_id = ? AND m.role != 'owner' AND (m.journal_id, m.account_id) > (?, ?) "
            "ORDER BY m.journal_id, m.account_id LIMIT ?",
            (owner_id, *(after or (b"", b"")), -1 if limit is None else limit),
        )
        return [
            ShareRow(bytes(r[0]), bytes(r[1]), r[2], r[3], r[4], r[5], bytes(r[6] or b""))
            for r in rows
        ]

    async def rotate(
        self,
        journal_id: bytes,
        epoch: int,
        meta: bytes,
        members: list[MemberRow],
        chain_after: int,
        chain: list[bytes],
        max_shares: int,
        max_stored_bytes: int | None = None,
    ) -> None:
        def tx(db: Connection) -> None:
            owner = _owner_of(db, journal_id)
            # A member erased since the service's check (writers run one at a time: the
            # erasure committed before this began) is a client's error, not a failed
            # foreign key; as storage/postgres.py.
            listed = sorted({m.account_id for m in members})
            found = _value(
                db,
                f"SELECT COUNT(*) FROM accounts WHERE account_id IN ({_marks(len(listed))})",
                tuple(listed),
            )
            if int(found or 0) != len(listed):
                raise AccountGoneError()
            extra_before = _owner_extra_bytes(db, owner)
            _append_chain(db, journal_id, chain_after, chain)
            before = _shares_granted(db, journal_id)
            listed = [m.account_id for m in members]
            rows = db.execute(
                "SELECT account_id FROM members WHERE journal_id = ?", (journal_id,)
            ).fetchall()
            current = {bytes(row[0]) for row in rows}
            removed = sorted(current - set(listed))
            only_removes = bool(removed) and set(listed) <= current
            _recharge_to_owner(db, journal_id, removed, max_stored_bytes)
            for table in ("journal_keys", "members"):
                db.execute(
                    f"DELETE FROM {table} WHERE journal_id = ? AND account_id NOT IN "
                    f"({_marks(len(listed))})",
                    (journal_id, *listed),
                )
            db.executemany(
                "INSERT INTO members VALUES (?, ?, ?, ?) ON CONFLICT(journal_id, account_id) "
                "DO UPDATE SET role = excluded.role, expires_at = excluded.expires_at",
                [(journal_id, m.account_id, m.role, m.expires_at) for m in members],
            )
            db.executemany(
                "INSERT OR REPLACE INTO journal_keys VALUES (?, ?, ?, ?)",
                [(journal_id, m.account_id, epoch, m.envelope) for m in members],
            )
            db.execute(
                "UPDATE journals SET epoch = ?, meta = ?, meta_version = meta_version + 1 "
                "WHERE journal_id = ?",
                (epoch, meta, journal_id),
            )
            after = _shares_granted(db, journal_id)
            if after > before and after > max_shares:
                raise QuotaError("shares")  # the transaction rolls back: nothing changes
            if max_stored_bytes is not None and not only_removes:
                if _owner_extra_bytes(db, owner) > extra_before:
                    _check_owner_bytes(db, owner, max_stored_bytes)

        await self._write(tx)

    async def add_audit(
        self, account_id: bytes, device_id: bytes, at: int, fetches: list[Fetch]
    ) -> set[bytes]:
        # A replayed sync adds nothing and should not take the write lock: ask the reader
        # first, then decide again inside the transaction (another reply may have logged).
        fresh = []
        for fetch in fetches:
            high = await self._one(
                AUDIT_HIGH.format("?"), (fetch.journal_id, account_id, device_id)
            )
            if fetch.seqs and high is not None and fetch.seqs[-1] > int(high[0]):
                fresh.append(fetch)
        if not fresh:
            return set()

        def tx(db: Connection) -> set[bytes]:
            # A journal gone since the sync read it gets no audit row (its deletion would
            # have deleted it), never a failed foreign key; a journal the account is no
            # longer a member of gets none either, and is named to the caller, which sends
            # none of its records (Storage.add_audit). An account erased since the read
            # gets no row and no record: every journal is named (its erasure keeps the
            # audit rows of its reads, so a read must not escape them by racing it).
            left: set[bytes] = set()
            name = _value(db, "SELECT username FROM accounts WHERE account_id = ?", (account_id,))
            if name is None:
                return {fetch.journal_id for fetch in fetches}
            for fetch in fresh:
                if (
                    _value(db, "SELECT 1 FROM journals WHERE journal_id = ?", (fetch.journal_id,))
                    is None
                ):
                    continue
                if (
                    _value(
                        db,
                        "SELECT 1 FROM members m WHERE m.journal_id = ? AND m.account_id = ? "
                        f"AND {ACTIVE}",
                        (fetch.journal_id, account_id, at),
                    )
                    is None
                ):
                    left.add(fetch.journal_id)
                    continue
                high = _value(db, AUDIT_HIGH.format("?"), (fetch.journal_id, account_id, device_id))
                previous = int(high or 0)
                if fetch.seqs[-1] > previous:
                    db.execute(
                        f"INSERT INTO audit ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            fetch.journal_id,
                            account_id,
                            device_id,
                            at,
                            fetch.seqs[-1],
                            sum(1 for seq in fetch.seqs if seq > previous),
                            account_id,
                            name,
                        ),
                    )
            return left

        return await self._write(tx)

    async def audit_log(
        self,
        journal_id: bytes,
        account_id: bytes | None,
        after: tuple[int, bytes, int] | None = None,
        limit: int | None = None,
    ) -> list[AuditRow]:
        sql = f"{AUDIT_LOG} WHERE u.journal_id = ? AND (u.at, u.device_id, u.up_to_seq) > (?, ?, ?)"
        params: tuple[Any, ...] = (journal_id, *(after or (-1, b"", -1)))
        if account_id is not None:
            sql += " AND u.account_id = ?"
            params += (account_id,)
        sql += " ORDER BY u.at, u.device_id, u.up_to_seq LIMIT ?"
        rows = await self._all(sql, (*params, -1 if limit is None else limit))
        return [
            AuditRow(bytes(r[0]), r[1], bytes(r[2]), r[3], r[4], r[5], bool(r[6])) for r in rows
        ]

    async def update_meta(
        self,
        journal_id: bytes,
        account_id: bytes,
        device_id: bytes,
        meta: bytes,
        now: int,
        check: WriterCheck,
        meta_version: int = 0,
    ) -> None:
        def tx(db: Connection) -> None:
            _check_writer(db, journal_id, account_id, device_id, now, check)
            cursor = db.execute(
                "UPDATE journals SET meta = ?, meta_version = meta_version + 1 "
                "WHERE journal_id = ? AND (? = 0 OR meta_version = ?)",
                (meta, journal_id, meta_version, meta_version),
            )
            changed = cursor.rowcount
            cursor.close()
            if changed == 0:
                raise MetaChangedError

        await self._write(tx)

    # --- records ----------------------------------------------------------------------------

    async def append_records(
        self,
        journal_id: bytes,
        pushed_by: bytes,
        device_id: bytes,
        records: list[NewRecord],
        now: int,
        limits: WriteLimits,
        check: WriterCheck,
    ) -> list[tuple[bytes, int]]:
        def tx(db: Connection) -> list[tuple[bytes, int]]:
            _check_writer(db, journal_id, pushed_by, device_id, now, check)
            ids = [record.record_id for record in records]
            stored = _stored_records(db, journal_id, ids)
            fresh = [record for record in records if record.record_id not in stored]
            _check_resent(db, journal_id, records, stored)
            _charge(db, pushed_by, [len(r.ciphertext) for r in fresh], now, limits)
            seqs = {record_id: row[0] for record_id, row in stored.items()}
            insert = (
                "INSERT INTO records (journal_id, record_id, epoch, ciphertext, pushed_by, "
                "created_at, pushed_device) VALUES (?, ?, ?, ?, ?, ?, ?)"
            )
            for r in fresh:
                # One writer: the rowid an INSERT takes is the record's seq.
                cursor = db.execute(
                    insert,
                    (journal_id, r.record_id, r.epoch, r.ciphertext, pushed_by, now, device_id),
                )
                assert cursor.lastrowid is not None
                seqs[r.record_id] = cursor.lastrowid
            accepted = [(record_id, seqs[record_id]) for record_id in ids]
            _raise_head(db, journal_id, max(seq for _, seq in accepted))
            return accepted

        return await self._write(tx)

    async def compact(
        self,
        journal_id: bytes,
        pushed_by: bytes,
        device_id: bytes,
        snapshot: NewRecord,
        supersedes: list[bytes],
        now: int,
        limits: WriteLimits,
        check: WriterCheck,
    ) -> tuple[int, int]:
        def tx(db: Connection) -> tuple[int, int]:
            _check_writer(db, journal_id, pushed_by, device_id, now, check)
            if not _stored_records(db, journal_id, [snapshot.record_id]):
                # What the snapshot replaces is credited first: compacting near the quota
                # must stay possible, since it is how an account shrinks.
                credit = _value(
                    db,
                    "SELECT COALESCE(SUM(length(ciphertext)), 0) FROM records WHERE "
                    f"journal_id = ? AND pushed_by = ? AND record_id IN ({_marks(len(supersedes))})",
                    (journal_id, pushed_by, *supersedes),
                )
                _charge(db, pushed_by, [len(snapshot.ciphertext)], now, limits, int(credit or 0))
            _, seq = _insert_record(db, journal_id, pushed_by, snapshot, now)
            freed = db.execute(
                "SELECT pushed_by, SUM(length(ciphertext)) FROM records WHERE journal_id = ? "
                f"AND seq < ? AND record_id IN ({_marks(len(supersedes))}) GROUP BY pushed_by",
                (journal_id, seq, *supersedes),
            ).fetchall()
            _free_bytes(db, [(bytes(r[0]), int(r[1])) for r in freed])
            cursor = db.execute(
                f"DELETE FROM records WHERE journal_id = ? AND seq < ? AND record_id IN "
                f"({_marks(len(supersedes))})",
                (journal_id, seq, *supersedes),
            )
            removed = cursor.rowcount
            _raise_head(db, journal_id, seq)
            return seq, removed

        return await self._write(tx)

    async def members_of(self, journal_id: bytes, now: int) -> list[tuple[bytes, str]]:
        rows = await self._all(
            f"SELECT m.account_id, m.role FROM members m WHERE m.journal_id = ? AND {ACTIVE}",
            (journal_id, now),
        )
        return [(bytes(row[0]), str(row[1])) for row in rows]

    async def seq_before(self, journal_id: bytes, seq: int) -> int | None:
        # One writer and AUTOINCREMENT: a record stored later takes a seq above every one
        # committed before (seqs are in commit order).
        row = await self._one(
            "SELECT COALESCE(MAX(seq), 0) FROM records WHERE journal_id = ? AND seq < ?",
            (journal_id, seq),
        )
        return int(row[0]) if row is not None else 0

    async def records_after(
        self,
        journal_id: bytes,
        after: int,
        limit: int,
        max_bytes: int,
        stub_device: bytes | None = None,
    ) -> list[RecordRow]:
        # Rows are read one at a time and the reading stops at the byte budget: a page reads
        # what it sends plus one record, not `limit` records (R9 finding 17). A record
        # `stub_device` pushed comes without its ciphertext (NULL never equals it).
        page: list[RecordRow] = []
        size = 0
        try:
            rows = self._reader.execute(
                "SELECT seq, record_id, epoch, CASE WHEN pushed_device = ? THEN x'' "
                "ELSE ciphertext END FROM records "
                "WHERE journal_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (stub_device, journal_id, after, limit),
            )
            try:
                for seq, record_id, epoch, ciphertext in rows:
                    size += len(ciphertext)
                    if page and size > max_bytes:
                        break
                    page.append(RecordRow(seq, bytes(record_id), epoch, bytes(ciphertext)))
            finally:
                rows.close()
        except sqlite3.OperationalError as error:
            raise StorageError("the database is unavailable; try again") from error
        return page


# --- the writer's helpers: plain functions of the transaction's connection ---------------


def _value(db: Connection, sql: str, params: tuple[Any, ...]) -> Any:
    """The first column of the first row, or None."""
    rows = db.execute(sql, params).fetchall()
    return rows[0][0] if rows else None


def _check_writer(
    db: Connection,
    journal_id: bytes,
    account_id: bytes,
    device_id: bytes,
    now: int,
    check: WriterCheck,
) -> None:
    """`check(state)` as this transaction reads it (storage/base.py WriterCheck): the one
    writer thread runs nothing else until it commits, so no revocation, rotation or sign-out
    can come between this read and the write. One statement."""
    row = db.execute(
        "SELECT d.revoked, d.expires_at, (SELECT m.role FROM members m WHERE m.journal_id = ? "
        f"AND m.account_id = d.account_id AND {ACTIVE}), "
        "(SELECT j.epoch FROM journals j WHERE j.journal_id = ?) "
        "FROM devices d WHERE d.device_id = ? AND d.account_id = ?",
        (journal_id, now, journal_id, device_id, account_id),
    ).fetchone()
    if row is None:
        check(WriterState(None, None, None))
    else:
        revoked, expires_at, role, epoch = row
        check(WriterState((bool(revoked), int(expires_at)), role, epoch))


def _stored_records(
    db: Connection, journal_id: bytes, record_ids: list[bytes]
) -> dict[bytes, tuple[int, int, int]]:
    """record id -> (seq, epoch, ciphertext length) for the ids already stored in the journal
    (the ciphertexts are not read: R9 finding 18)."""
    found: dict[bytes, tuple[int, int, int]] = {}
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        rows = db.execute(
            "SELECT record_id, seq, epoch, length(ciphertext) FROM records WHERE journal_id = ? "
            f"AND record_id IN ({_marks(len(chunk))})",
            (journal_id, *chunk),
        ).fetchall()
        for record_id, seq, epoch, size in rows:
            found[bytes(record_id)] = (int(seq), int(epoch), int(size))
    return found


def _check_resent(
    db: Connection,
    journal_id: bytes,
    records: list[NewRecord],
    stored: dict[bytes, tuple[int, int, int]],
) -> None:
    """RecordConflictError unless every record of `records` already stored is stored with the
    same epoch and ciphertext (an idempotent resend). Epoch and length are compared first;
    the database compares the bytes, so a small push naming large records reads nothing."""
    for record in records:
        if record.record_id not in stored:
            continue
        _, epoch, size = stored[record.record_id]
        if (epoch, size) != (record.epoch, len(record.ciphertext)):
            raise RecordConflictError(record.record_id.hex())
        same = _value(
            db,
            "SELECT 1 FROM records WHERE journal_id = ? AND record_id = ? AND ciphertext = ?",
            (journal_id, record.record_id, record.ciphertext),
        )
        if same is None:
            raise RecordConflictError(record.record_id.hex())


def _insert_record(
    db: Connection, journal_id: bytes, pushed_by: bytes, record: NewRecord, now: int
) -> tuple[bytes, int]:
    """Insert a record unless its id is stored; the same id with other content conflicts."""
    stored = _stored_records(db, journal_id, [record.record_id])
    if record.record_id in stored:
        _check_resent(db, journal_id, [record], stored)
        return record.record_id, stored[record.record_id][0]
    cursor = db.execute(
        "INSERT INTO records (journal_id, record_id, epoch, ciphertext, pushed_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (journal_id, record.record_id, record.epoch, record.ciphertext, pushed_by, now),
    )
    seq = cursor.lastrowid
    assert seq is not None
    return record.record_id, seq


def _count(db: Connection, table: str, column: str, value: Any) -> int:
    return int(_value(db, f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (value,)) or 0)


def _stored_bytes(db: Connection, account_id: bytes) -> int:
    """The account's stored record bytes; the counter is created from the records the first
    time (a database from before the counter existed)."""
    used = _value(db, "SELECT stored_bytes FROM account_usage WHERE account_id = ?", (account_id,))
    if used is not None:
        return int(used)
    total = _value(
        db,
        "SELECT COALESCE(SUM(length(ciphertext)), 0) FROM records WHERE pushed_by = ?",
        (account_id,),
    )
    used = int(total or 0)
    db.execute("INSERT INTO account_usage VALUES (?, ?)", (account_id, used))
    return used


def _free_bytes(db: Connection, freed: list[tuple[bytes, int]]) -> None:
    db.executemany(
        "UPDATE account_usage SET stored_bytes = stored_bytes - ? WHERE account_id = ?",
        [(size, account_id) for account_id, size in freed],
    )


class _Refused(Exception):
    """A request limit refused the request: its transaction rolls back (nothing counted)."""


def _count_all(
    db: Connection, limits: list[tuple[str, int]], window_start: int, count: int = 1
) -> None:
    """Count `count` requests of every (subject, limit) in its window, or raise _Refused
    (the caller's transaction then rolls back) if any subject would have more than `limit`
    requests in it. Subjects in sorted order, so that concurrent transactions lock their
    rows alike."""
    ordered = sorted(dict(limits).items())
    for subject, limit in ordered:
        rows = db.execute(
            "SELECT window_start, requests FROM rate_windows WHERE subject = ?", (subject,)
        ).fetchall()
        used = int(rows[0][1]) if rows and int(rows[0][0]) == window_start else 0
        if used + count > limit:
            raise _Refused(subject)  # refused before any write: a flood costs no write
    for subject, limit in ordered:
        used, _ = _window(db, subject, window_start)
        if used + count > limit:
            raise _Refused(subject)
        _add_to_window(db, subject, count, 0)


def _window(db: Connection, subject: str, window_start: int) -> tuple[int, int]:
    """(requests, bytes) counted for `subject` in the window starting at `window_start`,
    after resetting a counter left from an earlier window."""
    rows = db.execute(
        "INSERT INTO rate_windows VALUES (?, ?, 0, 0) ON CONFLICT (subject) DO UPDATE "
        "SET requests = CASE WHEN rate_windows.window_start = excluded.window_start "
        "THEN rate_windows.requests ELSE 0 END, "
        "bytes = CASE WHEN rate_windows.window_start = excluded.window_start "
        "THEN rate_windows.bytes ELSE 0 END, window_start = excluded.window_start "
        "RETURNING requests, bytes",
        (subject, window_start),
    ).fetchall()
    return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)


def _add_to_window(db: Connection, subject: str, requests: int, size: int) -> None:
    db.execute(
        "UPDATE rate_windows SET requests = requests + ?, bytes = bytes + ? WHERE subject = ?",
        (requests, size, subject),
    )


def _charge(
    db: Connection,
    account_id: bytes,
    sizes: list[int],
    now: int,
    limits: WriteLimits,
    credit: int = 0,
) -> None:
    """Count new records against the account's storage quota (less `credit`, bytes the same
    transaction deletes) and write rate, or raise QuotaError (the caller's transaction then
    rolls back: nothing is stored)."""
    if not sizes:
        return
    total = sum(sizes)
    if _stored_bytes(db, account_id) + total - credit > limits.max_stored_bytes:
        raise QuotaError("storage")
    subject = write_subject(account_id)
    records, size = _window(db, subject, limits.window_start)
    if records + len(sizes) > limits.records_per_window or size + total > limits.bytes_per_window:
        raise QuotaError("write_rate", limits.window_start + limits.window_ms - now)
    _add_to_window(db, subject, len(sizes), total)
    db.execute(
        "UPDATE account_usage SET stored_bytes = stored_bytes + ? WHERE account_id = ?",
        (total, account_id),
    )


def _recharge_to_owner(
    db: Connection, journal_id: bytes, members: list[bytes], max_inherited: int | None
) -> None:
    """The records `members` pushed into the journal become the owner's inherited records
    (`inherited_account`), no longer charged to them: they leave it and can no longer read
    or delete them (R9 finding 12). Each member's records move whole, and only while the
    owner's inherited bytes stay within `max_inherited`; a member's that do not fit stay
    charged to it, so a departure never fills the owner's own quota (R9B finding 5). In the
    transaction that removes them."""
    owner = _owner_of(db, journal_id)
    members = [m for m in members if m != owner]
    if not members or not owner:
        return
    rows = db.execute(
        "SELECT pushed_by, SUM(length(ciphertext)) FROM records WHERE journal_id = ? "
        f"AND pushed_by IN ({_marks(len(members))}) GROUP BY pushed_by ORDER BY pushed_by",
        (journal_id, *members),
    ).fetchall()
    found = [(bytes(r[0]), int(r[1])) for r in rows]
    if not found:
        return
    heir = inherited_account(owner)
    room = None
    if max_inherited is not None:
        inherited = _value(
            db,
            "SELECT COALESCE(SUM(length(ciphertext)), 0) FROM records WHERE pushed_by = ?",
            (heir,),
        )
        room = max_inherited - int(inherited or 0)
    moved = []
    for member, size in found:
        if room is None or size <= room:
            moved.append((member, size))
            room = None if room is None else room - size
    if not moved:
        return
    for account, _ in moved:
        _stored_bytes(db, account)  # the counters exist before the records move
    _free_bytes(db, moved)
    db.execute(
        f"UPDATE records SET pushed_by = ? WHERE journal_id = ? AND pushed_by IN "
        f"({_marks(len(moved))})",
        (heir, journal_id, *[member for member, _ in moved]),
    )


def _owner_of(db: Connection, journal_id: bytes) -> bytes:
    owner = _value(db, "SELECT owner_id FROM journals WHERE journal_id = ?", (journal_id,))
    return bytes(owner) if owner is not None else b""


def _owner_extra_bytes(db: Connection, owner_id: bytes) -> int:
    return int(_value(db, OWNED_EXTRA_BYTES.format("?"), (owner_id,) * 3) or 0)


def _check_owner_bytes(db: Connection, owner_id: bytes, limit: int) -> None:
    """QuotaError("storage") if the owner's records and OWNED_EXTRA_BYTES pass `limit`."""
    if _stored_bytes(db, owner_id) + _owner_extra_bytes(db, owner_id) > limit:
        raise QuotaError("storage")


def _shares_granted(db: Connection, journal_id: bytes) -> int:
    """Memberships (other than its own) granted by the owner of `journal_id`, over all the
    journals it owns."""
    granted = _value(
        db,
        "SELECT COUNT(*) FROM members m JOIN journals j ON j.journal_id = m.journal_id "
        "WHERE j.owner_id = (SELECT owner_id FROM journals WHERE journal_id = ?) "
        "AND m.role != 'owner'",
        (journal_id,),
    )
    return int(granted or 0)


def _append_chain(db: Connection, journal_id: bytes, after: int, entries: list[bytes]) -> None:
    """Append access chain entries at position `after`, which must be the chain's length."""
    length = _value(
        db,
        "SELECT COALESCE(max(position) + 1, 0) FROM access_chain WHERE journal_id = ?",
        (journal_id,),
    )
    if length is None or int(length) != after:
        raise ChainConflictError(journal_id.hex())
    db.executemany(
        "INSERT INTO access_chain VALUES (?, ?, ?)",
        [(journal_id, after + i, entry) for i, entry in enumerate(entries)],
    )


def _raise_head(db: Connection, journal_id: bytes, head: int) -> None:
    db.execute("UPDATE journals SET head = max(head, ?) WHERE journal_id = ?", (head, journal_id))


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _account_values(a: AccountRow) -> tuple[Any, ...]:
    return (
        a.account_id,
        a.username,
        a.salt,
        a.opslimit,
        a.memlimit,
        a.login_public_key,
        a.recovery_login_public_key,
        a.bundle,
        a.recovery_bundle,
        a.sign_public_key,
        a.box_public_key,
        a.identity_signature,
        a.created_at,
    )


def _account(row: Any) -> AccountRow:
    values: list[Any] = [bytes(v) if isinstance(v, (bytes, memoryview)) else v for v in row]
    return AccountRow(*values)


def _device_values(d: DeviceRow) -> tuple[Any, ...]:
    return (
        d.device_id,
        d.account_id,
        d.name,
        d.token_hash,
        d.created_at,
        d.last_seen_at,
        d.expires_at,
        int(d.revoked),
    )


def _device(row: Any) -> DeviceRow:
    return DeviceRow(
        bytes(row[0]), bytes(row[1]), row[2], bytes(row[3]), row[4], row[5], row[6], bool(row[7])
    )


def _log_sign_in(
    db: Connection, device: DeviceRow, by_recovery_key: bool, proof: bytes = b""
) -> None:
    """Append the sign-in of `device` (with its device `proof`, `SignInRow.proof`) to its
    account's log (numbered after the newest row),
    then drop rows older than SIGN_INS_KEPT_MS and beyond the newest SIGN_INS_KEPT, never
    the newest (`SignInRow`)."""
    db.execute(
        "INSERT INTO sign_ins (account_id, seq, device_id, name, at, by_recovery_key, proof) "
        "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ? FROM sign_ins WHERE account_id = ?",
        (
            device.account_id,
            device.device_id,
            device.name,
            device.created_at,
            int(by_recovery_key),
            proof,
            device.account_id,
        ),
    )
    db.execute(
        "DELETE FROM sign_ins WHERE account_id = ? AND seq < (SELECT MAX(seq) FROM sign_ins "
        "WHERE account_id = ?) AND (at < ? OR seq <= (SELECT MAX(seq) FROM sign_ins "
        "WHERE account_id = ?) - ?)",
        (
            device.account_id,
            device.account_id,
            device.created_at - SIGN_INS_KEPT_MS,
            device.account_id,
            SIGN_INS_KEPT,
        ),
    )


def _set_recovery(
    db: Connection,
    account_id: bytes,
    recovery_login_public_key: bytes,
    recovery_bundle: bytes,
    now: int = 0,
) -> list[bytes]:
    """Put the new recovery key in place (changed at `now`, ms) and sign out the sessions
    the old one opened (the asking device's row is already gone); returns their device ids."""
    db.execute(
        "UPDATE accounts SET recovery_login_public_key = ?, recovery_bundle = ?, "
        "recovery_key_changed_at = MAX(recovery_key_changed_at, ?) WHERE account_id = ?",
        (recovery_login_public_key, recovery_bundle, now, account_id),
    )
    ended = [
        bytes(row[0])
        for row in db.execute(
            "SELECT device_id FROM recovery_sessions WHERE account_id = ?", (account_id,)
        ).fetchall()
    ]
    db.execute("DELETE FROM recovery_sessions WHERE account_id = ?", (account_id,))
    db.executemany(
        "UPDATE devices SET revoked = 1 WHERE account_id = ? AND device_id = ?",
        [(account_id, device) for device in ended],
    )
    return ended


def _refuse_taken_id(db: Connection, device_id: bytes) -> None:
    """Raise DuplicateError("device") if a device row kept holds `device_id` (its row in
    `used_device_ids` goes with it: protocol.md 2.3)."""
    if _value(db, "SELECT 1 FROM used_device_ids WHERE device_id = ?", (device_id,)):
        raise DuplicateError("device")


def _take_id(db: Connection, device: DeviceRow) -> None:
    """Mark the id of `device`, just inserted, as taken while its row is kept."""
    db.execute(
        "INSERT INTO used_device_ids (device_id, account_id) VALUES (?, ?)",
        (device.device_id, device.account_id),
    )
