"""One SQLite connection driven from asyncio: calls run on the event loop's thread.

`run(fn)` runs `fn(connection)` and returns its result: a whole transaction of several
statements is one call (the pattern of datasette's `execute_write_fn`). `execute`,
`executemany` and `execute_fetchall` mirror aiosqlite's methods of the same names.

Why not a worker thread per connection, as aiosqlite does: every call there is a hand-off
between threads, and on this project's 2-core machines a hand-off costs more than the
statements it carries (about 100 µs of CPU and a wake-up of the other thread per call, where
a write of one entry's transaction is about 100 µs of SQLite work; measured by bench.sync and
a profile for issue 10). The local store's statements are short (an index lookup, a page of
rows, one transaction of one document or one page of records), so running them on the loop
blocks it for less than the Python work around them. A write transaction that would wait for
another connection (another process using the home) holding the store's write lock does not
wait on the loop: its `BEGIN IMMEDIATE` (`begin_immediate`) fails at once there, and the call
runs again from its start in the worker thread, which waits up to WRITE_WAIT_S and then
raises StoreBusy (a TJError; nothing was written). A VACUUM waits the same way
(`take_write_lock`), and so do the changes a store of an earlier version needs when it is
opened (each one transaction of `begin_immediate`). SQLite's own checkpoint in a COMMIT
(SAFETY_CHECKPOINT_PAGES: only when the background ones fall behind) still blocks the
loop; the catch-up after a background one (`Database._catch_up`, an fsync of a few pages) runs
in the worker thread, with the call that found it due after it. `run_in_thread(fn)` keeps a
worker thread for callers that want the loop free while `fn` runs.

Calls run in the order they were made, each exactly once: a call made while a worker call is
still running waits for it and then runs in the worker too.

Cancellation never writes without telling. A caller cancelled while its call waits or runs in
the worker (a write waiting there for another process's write lock, say) waits until the
worker is done with the call, and then:
- if the call's transaction had not reached its COMMIT, nothing is written: the worker
  stops waiting for the lock (it tries in steps of WRITE_STEP_MS and looks at the caller's
  cancellation between them) or rolls the transaction back instead of committing
  (`commit`), and CancelledError propagates at once;
- if its COMMIT had begun when the cancellation came, the write is kept and the call returns
  its result: the cancellation is consumed (`Task.uncancel`), as if it had come just after
  the call returned, and is not raised again later. The caller goes on as for any write
  that landed (the store tells the outbox, a replica its change listeners, an SDK method
  returns what it wrote): `asyncio.timeout` and `asyncio.wait_for` around it see a write
  that completed (no TimeoutError: an app retrying on one would write it twice), and a
  task cancelled with `Task.cancel` then ends with the call's result, not cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import pathlib
import sqlite3
import struct
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from time import monotonic
from typing import Any, TypeVar

from client_sdk.errors import ClientClosed, StoreBusy
from client_sdk.loops import check_loop, running_loop

T = TypeVar("T")

CHECKPOINT_CHANGES = 1000
"""Rows changed on the connection (`sqlite3.Connection.total_changes`) after which a
background checkpoint starts (or CHECKPOINT_LOG_BYTES of log, whichever comes first).
Entries written one by one change five rows and about eleven pages (~45 KB of log) each, so
the log's size comes first for them: a background checkpoint, and the catch-up in the worker
thread after it (`_catch_up`, two fsyncs), every 140 or so entries."""

LOG_LIMIT_BYTES = 8 * 1024 * 1024
"""Size of the log (bytes it holds) past which the next call waits for the background
checkpoint that runs (and its catch-up) before it runs: on a busy machine the checkpoint
thread can fall behind the writes, and the log must stay bounded: about 8 MB plus one
transaction."""

CHECKPOINT_LOG_BYTES = 6 * 1024 * 1024
"""Size of the write-ahead log (bytes it holds: `_log_bytes`) at which a background
checkpoint starts, however few rows were changed: a row can be large (the state of a
100,000-character entry, rewritten at every edit, is 100 to 400 KB), and other processes'
writes grow the same log (rev-perf11 F1, F2). Three quarters of LOG_LIMIT_BYTES: the 2 MB
left (~45 entries written one by one) is the time a checkpoint has to finish before writes
wait for it. At half of it (4 MB, before perf29a) a loop of writes waited for a catch-up
every ~110 entries rather than ~140, the catch-ups took longer and the background copied
more often (issue 10, 5 runs of 5,000 writes interleaved at load ~4.8: catch-ups 39-43 ->
27-32, the loop's wait for them 0.53-0.68 s -> 0.29-0.37 s, background checkpoints 67-73
-> 47-54, the process's CPU 2.00-2.14 s -> 1.93-1.98 s); the log's file is kept at
LOG_KEPT_BYTES either way."""

LOG_READ_INTERVAL_S = 0.1
"""Seconds for which the log's size read after a call (`_log_bytes_now`) is taken as still
true while this connection changes no row: reading the wal-index header after every call
cost a sync with nothing to do ~20 µs of its ~500 (issue 10). Only other processes' writes
grow the log meanwhile; a checkpoint they make due starts at most this much later."""

LOG_KEPT_BYTES = LOG_LIMIT_BYTES
"""`PRAGMA journal_size_limit`: what is left of the log file when the log starts again. As
large as the log normally grows, so that a commit writes its pages over blocks the file
already has rather than making it longer: a file cut back to 1 MB at each start of the log
had most commits extend it, about 30% more CPU per COMMIT and ~15 µs per entry written one
by one (issue 10). The file thus stays at up to this size while the store is open (the last
connection's close removes it)."""

LOG_KEPT_UNREAD_BYTES = 1024 * 1024
"""`PRAGMA journal_size_limit` where the wal-index header cannot be read (`_log_bytes`
then reads the log file's size, which must tell the log's: a file cut back to 1 MB)."""

_WAL_INDEX_HEADER = struct.Struct("=12xBxHII")
"""The start of the wal-index header in the `-shm` file (sqlite.org/walformat.html, 2.2.1
"The WAL-Index Header"; native byte order): isInit (u8, byte 12), szPage (u16, byte 14: the
page size, 1 for 65,536), mxFrame (u32, byte 16: the frames the log holds), nPage. The header
is kept twice, the second copy 48 bytes after the first."""

_WAL_INDEX_COPY = 48
WAL_HEADER_BYTES = 32
WAL_FRAME_HEADER_BYTES = 24

SAFETY_CHECKPOINT_PAGES = 2000
"""`PRAGMA wal_autocheckpoint`: SQLite's own checkpoint, in the COMMIT of a write on the
loop's thread, once the log holds this many pages (8 MB of 4 KB pages): only when the
background ones do not keep up (or cannot run), so the log stays bounded: about 8 MB plus one
transaction."""

WRITE_WAIT_S = 5.0
"""Seconds a write waits for another connection's write transaction (another process using
the home: `tj`, an app) before it raises StoreBusy; the wait is in the worker thread, never on
the event loop (`begin_immediate`). Also how long any other statement waits for a lock
(SQLite's busy timeout)."""

_WAIT_MS = int(WRITE_WAIT_S * 1000)

WRITE_STEP_MS = 50
"""Milliseconds of one try for the write lock in the worker thread (SQLite's busy timeout
during it): between tries the worker looks whether the caller was cancelled, and then stops
waiting (nothing written)."""

_log = logging.getLogger(__name__)


def _null(value: None) -> None:
    """The adapter of None: None, bound as NULL (`register_adapter` below)."""
    return value


# Python's sqlite3 binds an int, float, str or bytearray parameter as it is, and looks for
# an adapter for any other value first (CPython Modules/_sqlite/cursor.c, `need_adapt`),
# bytes and None included: with none registered for its type, it asks the protocol type
# for `__adapt__`, which raises an AttributeError, formatted, then discarded: about 2,000
# instructions a parameter, where a write of one entry binds about twenty such (ids, a
# ciphertext, a state; ~3% of its CPU, issue 10, counted with callgrind). Registered, the
# adapter is found first and returns the value itself (`bytes.__bytes__` of a bytes object is
# that object): the same BLOB or NULL is bound. Subclasses of bytes are looked up by
# their own type: unchanged.
sqlite3.register_adapter(bytes, bytes.__bytes__)
sqlite3.register_adapter(type(None), _null)


class WriteLockBusy(Exception):
    """Internal: `begin_immediate` (or `take_write_lock`, `empty_log`), on the event loop's
    thread, found the write lock held by another connection (or its readers in the way) and
    did nothing; `Database.run` runs the call again in its worker
    thread, where it waits. Never reaches a caller of `run`."""


class CallCancelled(Exception):
    """Internal: in the worker thread, the caller of the call was cancelled before its
    transaction committed: the transaction was not begun or is rolled back (nothing
    written). Never reaches a caller of `run`: it gets CancelledError."""


class _Call:
    """A call handed to the worker thread: whether its caller was cancelled and whether its
    COMMIT began, decided under one lock so that exactly one of them wins."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self.cancelled = False
        self.committing = False

    def cancel(self) -> None:
        """The caller was cancelled: a COMMIT not begun yet will not be."""
        with self._guard:
            self.cancelled = True

    def may_commit(self) -> bool:
        """Whether the call's transaction may commit: False once its caller was cancelled;
        once True, a later cancellation no longer stops the write."""
        with self._guard:
            if self.cancelled:
                return False
            self.committing = True
            return True


_in_worker = threading.local()
"""`call`: the _Call the worker thread runs now (`begin_immediate`, `commit` read it)."""


def _current_call() -> _Call | None:
    call: _Call | None = getattr(_in_worker, "call", None)
    return call


def commit(db: sqlite3.Connection) -> None:
    """COMMIT the transaction open on `db`. In the worker thread, for a caller cancelled
    before the COMMIT began, raises CallCancelled instead (the caller rolls back: nothing
    is written); see the module docstring."""
    call = _current_call()
    if call is not None and not call.may_commit():
        raise CallCancelled()
    db.execute("COMMIT")


def is_busy(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused for a lock another connection holds ("database is locked")."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "database is locked" in str(error)


def begin_immediate(db: sqlite3.Connection) -> None:
    """`BEGIN IMMEDIATE` (take the store's write lock) on `db`, a Database's connection,
    without ever waiting for the lock on the event loop's thread: there, when another
    connection holds the write lock, it raises WriteLockBusy at once, nothing begun, and
    `Database.run` runs the whole call again in its worker thread. In the worker (no loop
    runs there) it waits up to WRITE_WAIT_S for the lock and then raises StoreBusy. It must
    be the call's first statement that changes anything: the call is run again from its
    start."""
    take_write_lock(db, "BEGIN IMMEDIATE")


def take_write_lock(db: sqlite3.Connection, statement: str) -> None:
    """Run `statement`, the first of a call to take the store's write lock (`BEGIN
    IMMEDIATE`, or a `VACUUM`, which runs outside any transaction), waiting for another
    connection's write lock as `begin_immediate` does: never
    on the event loop's thread (WriteLockBusy there, nothing done: the call runs again from
    its start in the worker thread), in the worker up to WRITE_WAIT_S in tries of
    WRITE_STEP_MS (StoreBusy after; CallCancelled, nothing done, once the caller was
    cancelled)."""
    if running_loop() is None:  # the worker thread: waiting there leaves the loop free
        _run_waiting(db, statement, _current_call())
        return
    if _busy_ms(db) != 0:
        set_busy_timeout(db, 0)
    try:
        _run_locking(db, statement, WriteLockBusy)
    finally:
        if not (isinstance(db, StoreConnection) and db.write_call):
            set_busy_timeout(db, _WAIT_MS)


class StoreConnection(sqlite3.Connection):
    """A Database's connection (`Database.connect`): its busy timeout as last set here
    (`busy_ms`), and whether the call running on it is a write transaction and nothing
    else (`write_call`: `Database.run(..., write=True)`).

    A write call on the event loop's thread leaves the busy timeout off (0) after its
    `begin_immediate` instead of setting it back at once: in a write transaction in WAL mode
    no statement waits for another connection (this one holds the write lock, and the log
    is read without a busy handler), and the call ends at its COMMIT. The next call sets it
    back (`ready_for`) unless it is a write call too, so a loop of writes runs the two
    PRAGMAs once rather than at every write (issue 10), and every other statement runs with
    WRITE_WAIT_S as before."""

    busy_ms: int = _WAIT_MS
    write_call: bool = False

    def ready_for(self, write: bool) -> None:
        """Before a call: the busy timeout set back to WRITE_WAIT_S unless the call is a write
        call on the loop's thread (`write`) and may keep it off; `write_call` set."""
        if self.busy_ms != _WAIT_MS and not write:
            set_busy_timeout(self, _WAIT_MS)
        self.write_call = write


def _busy_ms(db: sqlite3.Connection) -> int | None:
    """`db`'s busy timeout as last set here (a StoreConnection's), None when not known."""
    return db.busy_ms if isinstance(db, StoreConnection) else None


def set_busy_timeout(db: sqlite3.Connection, ms: int) -> None:
    """`PRAGMA busy_timeout` on `db`, kept in `StoreConnection.busy_ms` for one."""
    db.execute(f"PRAGMA busy_timeout={ms}")
    if isinstance(db, StoreConnection):
        db.busy_ms = ms


def _run_locking(db: sqlite3.Connection, statement: str, busy: type[Exception]) -> None:
    """`statement` on `db`; `busy()` raised (from SQLite's error) when another connection
    holds the write lock past the busy timeout in force."""
    try:
        db.execute(statement).close()
    except sqlite3.OperationalError as error:
        if is_busy(error):
            raise busy() from error
        raise


def _run_waiting(db: sqlite3.Connection, statement: str, call: _Call | None) -> None:
    """`statement` in the worker thread, waiting up to WRITE_WAIT_S for the write lock (then
    StoreBusy), in tries of WRITE_STEP_MS: CallCancelled, nothing done, once the caller of
    `call` was cancelled."""
    if call is None:
        _run_locking(db, statement, StoreBusy)
        return
    deadline = monotonic() + WRITE_WAIT_S
    set_busy_timeout(db, WRITE_STEP_MS)
    try:
        while True:
            if call.cancelled:
                raise CallCancelled()
            try:
                db.execute(statement).close()
                return
            except sqlite3.OperationalError as error:
                if not is_busy(error):
                    raise
                if monotonic() >= deadline:
                    raise StoreBusy() from error
    finally:
        set_busy_timeout(db, _WAIT_MS)


def empty_log(db: sqlite3.Connection) -> bool:
    """`PRAGMA wal_checkpoint(TRUNCATE)`: copy the whole write-ahead log into the store's file
    and empty it, which waits until no other connection reads or writes an older state
    (another process's transaction). Never waits on the event loop's thread (WriteLockBusy
    there: `Database.run` runs it again in its worker thread); in the worker up to
    WRITE_WAIT_S, in tries of WRITE_STEP_MS (CallCancelled once the caller was cancelled).
    Returns whether the log was emptied (False: other connections kept it busy)."""
    if running_loop() is not None:
        set_busy_timeout(db, 0)
        try:
            if _log_emptied(db):
                return True
        finally:
            set_busy_timeout(db, _WAIT_MS)
        raise WriteLockBusy()
    call = _current_call()
    deadline = monotonic() + WRITE_WAIT_S
    set_busy_timeout(db, WRITE_STEP_MS)
    try:
        while True:
            if call is not None and call.cancelled:
                raise CallCancelled()
            if _log_emptied(db):
                return True
            if monotonic() >= deadline:
                return False
    finally:
        set_busy_timeout(db, _WAIT_MS)


def _log_emptied(db: sqlite3.Connection) -> bool:
    """One try of `empty_log`: whether the checkpoint completed (its `busy` column 0)."""
    try:
        rows = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.OperationalError as error:
        if is_busy(error):
            return False
        raise
    return bool(rows) and rows[0][0] == 0


CLOSED = (
    "this client was closed: open the account's home again (Client.open) to use it; "
    "nothing was changed"
)
LOGGED_OUT = (
    "this client was logged out and its local data deleted: log in again (Client.login) "
    "to use the account on this device; nothing was changed"
)
LOGGED_OUT_ELSEWHERE = (
    "this device was logged out by another program using its home (an app, or a command, "
    "logging out) and its local data deleted: log in again (Client.login) to use the "
    "account on this device; nothing was changed"
)
"""What a write raises (ClientClosed, subject LOGGED_OUT_ELSEWHERE_SUBJECT) once another
connection logged the store's device out (`Store.end_for_logout`: its triggers refuse every
later write, with LOGGED_OUT_TRIGGER_TEXT)."""
LOGGED_OUT_ELSEWHERE_SUBJECT = "logged out elsewhere"
"""`TJError.subject` of the ClientClosed saying LOGGED_OUT_ELSEWHERE."""
LOGGED_OUT_TRIGGER_TEXT = (
    "this device was logged out by another program using its home (`tj logout`, or an app "
    "logging out) and its local data deleted: log in again (Client.login) to use the "
    "account on this device; nothing was changed"
)
"""The text a logout's triggers refuse a write with (`RAISE(ABORT, ...)` in
store.LOGGED_OUT_TRIGGERS), by which every version of the SDK recognises that refusal (by
equality): the words of LOGGED_OUT_ELSEWHERE before NU45 #4, kept byte for byte and never
shown by this version. The triggers are written into the store file at a logout and live on
in it (until the file is deleted, or a sign-in anew drops them), and the program whose
write they refuse may run another version of the SDK than the one that logged out: a text
changed here would leave its write refused (nothing is written either way) but with
SQLite's bare error instead of ClientClosed, in an older version reading a newer trigger."""


def _raise_if_logged_out(error: sqlite3.IntegrityError) -> None:
    """Raise ClientClosed for a write refused by a logout's triggers
    (LOGGED_OUT_TRIGGER_TEXT), saying LOGGED_OUT_ELSEWHERE; the caller raises any other
    error as it is."""
    if str(error) == LOGGED_OUT_TRIGGER_TEXT:
        raise ClientClosed(LOGGED_OUT_ELSEWHERE, subject=LOGGED_OUT_ELSEWHERE_SUBJECT) from None


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark the outcome of a call whose caller was cancelled as seen (no asyncio warning)."""
    if not future.cancelled():
        future.exception()


def _run_call(
    fn: Callable[[sqlite3.Connection], T], connection: sqlite3.Connection, call: _Call
) -> T:
    """In the worker thread: `fn(connection)`, `call` known to `begin_immediate` and
    `commit`."""
    _in_worker.call = call
    try:
        if isinstance(connection, StoreConnection):
            connection.ready_for(False)  # no write keeps the busy timeout off in the worker
        return fn(connection)
    finally:
        _in_worker.call = None


async def _outlast(future: asyncio.Future[Any]) -> None:
    """Wait until `future` (a worker call, shielded) is done, through any cancellation: a
    cancelled caller returns only once the worker is done with its call."""
    while not future.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait([future])


async def to_the_end(work: Coroutine[Any, Any, T], *, then_cancelled: bool = False) -> T:
    """Run `work` to its end through any cancellation of the caller and return its result (or
    raise its error): for what must not stop half done once begun (a logout's deletion of the
    local data after the commit that ended the store). A cancellation of the caller that came
    meanwhile is consumed (`Task.uncancel`), as for a write that landed (module docstring);
    with `then_cancelled`, it is raised instead once `work` is done (CancelledError: a close,
    which returns nothing an app could take for a landed write, still ends a cancelled task)."""
    task = asyncio.current_task()
    cancels = task.cancelling() if task is not None else 0
    inner = asyncio.ensure_future(work)
    await _outlast(inner)
    if task is not None and task.cancelling() > cancels:
        if then_cancelled:
            if not inner.cancelled():
                inner.exception()  # retrieved: the cancellation is what the caller gets
            raise asyncio.CancelledError()
        while task.cancelling() > cancels:
            task.uncancel()
    return inner.result()


def _caught_up_then(fn: Callable[[sqlite3.Connection], T], connection: sqlite3.Connection) -> T:
    """In the worker thread: the catch-up (`Database._catch_up`), then `fn(connection)`."""
    Database._catch_up(connection)
    return fn(connection)


class _Held:
    """A store file this process has open (`_files`): how many of this module's connections
    use it, and the descriptors this module opened on it (`index_file`, `create_private`)."""

    __slots__ = ("users", "index", "kept")

    def __init__(self) -> None:
        self.users = 0
        self.index: int | None = None  # read-only, on the `-shm` file (`index_file`)
        self.kept: list[int] = []  # others, kept until the last user is done (`create_private`)


_files: dict[tuple[int, int], _Held] = {}
"""The store files (by st_dev, st_ino) this process's connections of this module use.
POSIX locks belong to a process and a file: closing any descriptor of a file releases every
lock the process holds on it, the locks of every SQLite connection of the process included
(sqlite.org/howtocorrupt.html 2.2; SQLite works around it for its own descriptors only). So
the descriptor this module opens on a store's `-shm` file (to read the wal-index header) is
one per file for the whole process, and is closed only when the last user of that file (a
`Database`, or `holding`) has closed its SQLite connections (`release`)."""

_files_lock = threading.Lock()  # the loop's, the worker and the checkpoint threads use _files


def hold(path: str) -> tuple[int, int] | None:
    """Count one more user of the store file at `path` (before its SQLite connection opens,
    so no descriptor of this module on that file is closed while the connection may hold
    locks); its identity, for `release`, or None when there is no such file (no `-shm` is
    then read for it: `index_file`)."""
    key = _identity(path)
    if key is None:
        return None
    with _files_lock:
        _files.setdefault(key, _Held()).users += 1
    return key


def release(key: tuple[int, int] | None) -> None:
    """One user of the file `key` (from `hold`) is done, its SQLite connections closed: the
    last one closes the descriptors opened on the file's `-shm` (`index_file`), while it
    still holds `_files_lock`: a `hold` of the same file in another thread waits until they
    are closed, so its connection takes its locks only after (closing one drops them)."""
    if key is None:
        return
    with _files_lock:
        held = _files[key]
        held.users -= 1
        if held.users:
            return
        del _files[key]
        for descriptor in [*held.kept, *([] if held.index is None else [held.index])]:
            with contextlib.suppress(OSError):
                os.close(descriptor)


@contextlib.contextmanager
def holding(path: str) -> Iterator[None]:
    """`hold` for the time of the block: a SQLite connection of its own opened and closed in
    it (`Store.delete_if_logged_out`) keeps its locks while any other user of the file
    closes."""
    key = hold(path)
    try:
        yield
    finally:
        release(key)


_strays: list[int] = []
"""Descriptors `index_file` opened on a `-shm` file whose store file was no longer the one
held: never closed (closing one would drop the locks of whichever connection uses it)."""


def _identity(path: str) -> tuple[int, int] | None:
    """(st_dev, st_ino) of the file at `path`, or None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _deleted(descriptor: int) -> bool:
    """Whether the file open as `descriptor` has no name left (deleted), or cannot be
    read (then it is not trusted either)."""
    try:
        return os.fstat(descriptor).st_nlink == 0
    except OSError:
        return True


def index_file(key: tuple[int, int], shm: str) -> int:
    """A read-only descriptor of `shm`, the `-shm` file of the held store file `key`: the
    process's one for that file (opened here the first time). OSError as `os.open` raises,
    and when the store file at `shm`'s path is no longer `key` (deleted and made anew by
    another program): that `-shm` is another file's, whose descriptor is not this one's."""
    store = shm[: -len("-shm")]
    with _files_lock:
        held = _files[key]
        if held.index is not None and _deleted(held.index):
            # The `-shm` this descriptor reads was deleted: `key`'s store file was deleted
            # and another made with the same inode number (a logout and a login of another
            # process, while an entry of the old file stayed counted, `Database.connect`).
            # Its header would never move again: kept open (closing it could drop a lock of
            # a connection still using it), and the current file opened instead.
            _strays.append(held.index)
            held.index = None
        if held.index is None:
            if _identity(store) != key:
                raise OSError(f"{store} is no longer the file held")
            descriptor = os.open(shm, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            if _identity(store) != key:  # changed meanwhile: kept open, never closed
                _strays.append(descriptor)
                raise OSError(f"{store} is no longer the file held")
            held.index = descriptor
        return held.index


SHM_DMS = 128
"""The byte of a store's `-shm` file on which every connection of SQLite's unix VFS holds a
shared lock while it has the store open in WAL mode, from its first read to its close (the
"dead-man switch", UNIX_SHM_DMS of os_unix.c: 120 + 8)."""

_FLOCK = {"linux": "@hhqqi", "darwin": "@qqihh"}
"""`struct flock` of fcntl(2) by platform (its fields l_type, l_whence, l_start, l_len, l_pid in
the platform's order); padded to FLOCK_BYTES."""
_FLOCK_BYTES = 32


def others_have_open(descriptor: int) -> bool:
    """Whether a connection of another process has open the store whose `-shm` file is open as
    `descriptor`: another process's lock on its SHM_DMS byte, asked with F_GETLK, which takes
    no lock and releases none (this process's own locks are never reported). True when that
    cannot be told (a platform whose `struct flock` this does not know, Windows, an error):
    the caller then acts as if another process had it open."""
    layout = next((v for k, v in _FLOCK.items() if sys.platform.startswith(k)), None)
    try:
        import fcntl  # not on Windows
    except ImportError:
        return True
    if layout is None:
        return True
    fields = {"l_type": fcntl.F_WRLCK, "l_whence": os.SEEK_SET, "l_start": SHM_DMS, "l_len": 1}
    order = ("l_type", "l_whence", "l_start", "l_len", "l_pid")
    if layout == _FLOCK["darwin"]:
        order = ("l_start", "l_len", "l_pid", "l_type", "l_whence")
    asked = struct.pack(layout, *(fields.get(name, 0) for name in order))
    try:
        answer = fcntl.fcntl(descriptor, fcntl.F_GETLK, asked.ljust(_FLOCK_BYTES, b"\0"))
    except OSError:
        return True
    found = dict(zip(order, struct.unpack(layout, answer[: struct.calcsize(layout)]), strict=True))
    return bool(found["l_type"] != fcntl.F_UNLCK)


def create_private(path: pathlib.Path) -> None:
    """Create the empty file `path` readable by its owner only (0o600), unless it exists.
    The descriptor is closed only when no connection of this module uses the file (else it
    is kept until the last one closes, `release`): see `_files`."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    found = os.fstat(descriptor)
    with _files_lock:
        held = _files.get((found.st_dev, found.st_ino))
        if held is not None:
            held.kept.append(descriptor)
            return
    os.close(descriptor)


class Database:
    def __init__(self, connection: sqlite3.Connection, worker: ThreadPoolExecutor) -> None:
        self._connection = connection
        self._worker = worker
        self._last: Future[Any] | None = None  # the last call handed to the worker
        self._closed = False
        self.closed_because = CLOSED
        """What a call after `close` raises (ClientClosed): the owner sets it (logout)."""
        self._path: str | None = None  # set by `checkpoint_in_background`
        self._checkpointer: ThreadPoolExecutor | None = None
        self._checkpointing: sqlite3.Connection | None = None  # used in _checkpointer only
        self._checkpoint: Future[None] | None = None  # the last checkpoint started
        self._changes_at_checkpoint = 0
        self._checkpoints_paused = 0
        self._log_file: str | None = None  # the write-ahead log's file, once in background
        self._held: tuple[int, int] | None = None  # the file, as `hold` counted it (`connect`)
        self._index_file: int | None = None  # its -shm file's descriptor (`index_file`)
        self._index_failed = False  # it could not be opened: the log file's size instead
        self._log_bytes_at_checkpoint = 0  # its size when the last checkpoint started
        self._followed_up = False  # a second one started after it (`_checkpoint_if_due`)
        self._log_over_limit = False  # LOG_LIMIT_BYTES reached, as last read
        self._log_read: tuple[int, float, int] | None = None  # total_changes, when, bytes
        self._closing: asyncio.Future[None] | None = None
        self.loop = running_loop()
        """The event loop this connection was opened in: `run` refuses any other
        (`check_loop`)."""
        self.calls = 0
        """Calls `run` and `run_in_thread` took (each a statement or a whole transaction): a
        count of the work handed to SQLite, for tests (tests/client/test_pull_work.py)."""
        self.checkpoint_error: BaseException | None = None
        """The first error of a background checkpoint, if any (logged once as a warning):
        SQLite's own checkpoint (SAFETY_CHECKPOINT_PAGES) then keeps the log bounded."""

    @classmethod
    async def connect(cls, path: str) -> Database:
        """Open `path` in autocommit mode (transactions are explicit BEGIN ... COMMIT)."""
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tj-store")
        held = hold(path)  # before the connection may take any lock (`_files`)
        try:
            connection = sqlite3.connect(
                path,
                timeout=WRITE_WAIT_S,
                isolation_level=None,
                check_same_thread=False,
                factory=StoreConnection,
            )
        except BaseException:
            release(held)
            worker.shutdown(wait=False)
            raise
        database = cls(connection, worker)
        if held is not None and _identity(path) != held:
            # The file at `path` changed between `hold` and the connection (deleted and
            # made anew by another program): the one SQLite opened is held, and `held`
            # kept counted for the process's life (its descriptors are never closed).
            held = None
        database._held = held if held is not None else hold(path)  # a file SQLite made
        return database

    async def run(self, fn: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """`fn(connection)` on the loop's thread (in the worker if a worker call is still
        running, to keep the order). `write`: `fn` is one write transaction and nothing else
        (`begin_immediate` first, COMMIT last): on the loop's thread it may leave the busy
        timeout off for the next write (StoreConnection). ClientClosed once closed, and for a write refused
        because another connection logged the device out (LOGGED_OUT_ELSEWHERE), or (OTHER_LOOP)
        from another event loop than the one it was opened in."""
        if self._closed:
            raise ClientClosed(self.closed_because)
        check_loop(self.loop)
        self.calls += 1
        return await self._run(fn, write)

    async def _run(self, fn: Callable[[sqlite3.Connection], T], write: bool = False) -> T:
        """`run`, counted already (once, however often it waits for a checkpoint)."""
        if self._closed:  # closed while it waited for a checkpoint
            raise ClientClosed(self.closed_because)
        if self._last is not None and not self._last.done():
            return await self._in_worker(fn)  # after the worker's calls, in order
        if self._path is None:
            try:
                return self._run_here(fn, write)
            except WriteLockBusy:
                return await self._in_thread(fn)  # waits for the lock there
            except sqlite3.IntegrityError as error:
                _raise_if_logged_out(error)
                raise
        checkpoint = self._checkpoint
        if (
            self._log_over_limit
            and checkpoint is not None
            and not checkpoint.done()
            and not self._connection.in_transaction
        ):
            await asyncio.shield(asyncio.wrap_future(checkpoint))  # the log waits for it
            return await self._run(fn, write)  # in order: closed meanwhile, a worker call
        if self._catch_up_due():
            # Its fsync in the worker thread, then the call there after it, in order: the loop
            # is free meanwhile (issue 10: ~3 ms on the loop's thread every hundred or so
            # writes). The call's own transaction is as on the loop's thread.
            return await self._in_worker(functools.partial(_caught_up_then, fn))
        try:
            return self._run_here(fn, write)
        except WriteLockBusy:
            pass  # run again in the worker, which waits for the lock
        except sqlite3.IntegrityError as error:
            _raise_if_logged_out(error)
            raise
        finally:
            self._checkpoint_if_due()
        return await self._in_worker(fn)

    async def _in_worker(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`_in_thread`, then, when the worker has no other call left, the start of a
        background checkpoint if one is due (`_checkpoint_if_due`), as after a call on the
        loop's thread: what the call wrote counts at once, not at the next call (which may
        come much later)."""
        try:
            return await self._in_thread(fn)
        finally:
            if self._last is None or self._last.done():  # the connection is not in use
                self._checkpoint_if_due()

    def _run_here(self, fn: Callable[[sqlite3.Connection], T], write: bool = False) -> T:
        """`fn(connection)` on the loop's thread. WriteLockBusy (`begin_immediate` found the
        write lock held) only when the call changed nothing before it: it is then run again
        in the worker; else (a call breaking `begin_immediate`'s rule) StoreBusy."""
        connection = self._connection
        changes = connection.total_changes
        if isinstance(connection, StoreConnection):
            connection.ready_for(write)
        try:
            return fn(connection)
        except WriteLockBusy as busy:
            if connection.in_transaction or connection.total_changes != changes:
                raise StoreBusy() from busy.__cause__
            raise
        finally:
            if isinstance(connection, StoreConnection):
                connection.write_call = False

    def idle_connection(self) -> sqlite3.Connection | None:
        """The connection, for a read of its counters on the loop's thread (no statement),
        when it is open and no worker call is running; else None. ClientClosed (OTHER_LOOP)
        from another event loop than the one it was opened in, as `run` raises: what it
        answers without a call (Store.version) refuses as a call would."""
        if self._closed or (self._last is not None and not self._last.done()):
            return None
        check_loop(self.loop)  # as `run` would
        return self._connection

    async def run_in_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(connection)` in the worker thread, leaving the loop free meanwhile (the errors
        of `run`)."""
        if self._closed:
            raise ClientClosed(self.closed_because)
        check_loop(self.loop)
        self.calls += 1
        return await self._in_thread(fn)

    async def _in_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`run_in_thread`, counted already."""
        if self._closed:
            raise ClientClosed(self.closed_because)
        call = _Call()
        self._last = self._worker.submit(_run_call, fn, self._connection, call)
        future = asyncio.wrap_future(self._last)
        future.add_done_callback(_retrieve)
        task = asyncio.current_task()
        assert task is not None
        cancels = task.cancelling()  # requested before this call: not this call's to consume
        # Shielded: a caller cancelled while its call waits in the queue must not take the
        # call out of it (a ROLLBACK after a cancelled statement, say, must still run).
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            call.cancel()
            await _outlast(future)
            if not call.committing or future.exception() is not None:
                raise  # nothing written
            while task.cancelling() > cancels:  # the write landed: every cancellation that
                task.uncancel()  # came during it is consumed (module docstring)
            result: T = future.result()
            return result
        except sqlite3.IntegrityError as error:
            _raise_if_logged_out(error)
            raise

    async def checkpoint_in_background(self, path: str) -> None:
        """Make this connection's write-ahead log checkpoints in a thread of their own, on a
        second connection to `path` (the file this connection opened, in WAL mode), opened
        here: see the module docstring. If it cannot be opened, checkpoints stay in COMMIT
        (SQLite's own) and the error is logged once and kept in `checkpoint_error`."""
        if self._path is not None:
            return
        await self.execute(f"PRAGMA wal_autocheckpoint={SAFETY_CHECKPOINT_PAGES}")
        await self.execute(f"PRAGMA journal_size_limit={LOG_KEPT_BYTES}")
        file = pathlib.Path(path).resolve()  # wherever the working directory goes meanwhile
        try:
            checkpointing = sqlite3.connect(  # never creates a file (mode=rw)
                file.as_uri() + "?mode=rw", isolation_level=None, check_same_thread=False, uri=True
            )
        except sqlite3.Error as error:
            self._failed(error)
            return
        try:
            checkpointing.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as error:
            checkpointing.close()  # never left open, holding the file, when it cannot serve
            self._failed(error)
            return
        self._checkpointing = checkpointing
        self._checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tj-ckpt")
        self._changes_at_checkpoint = self._connection.total_changes
        self._path = str(file)
        self._log_file = f"{file}-wal"
        if self._log_frames() is None:  # the log's size is then its file's: cut it back
            await self.execute(f"PRAGMA journal_size_limit={LOG_KEPT_UNREAD_BYTES}")

    def _failed(self, error: BaseException) -> None:
        """A background checkpoint's error: kept and logged the first time (its kind and
        SQLite's words only: no path, no data)."""
        if self.checkpoint_error is None:
            self.checkpoint_error = error
            _log.warning(
                "local store: background checkpoint failed (%s: %s); SQLite's own "
                "checkpoints keep the log bounded",
                type(error).__name__,
                error,
            )

    def _checkpoints_now(self) -> bool:
        """Whether a checkpoint may start or catch up now: on, not paused, not closed, and
        outside a transaction (before a write's BEGIN or after its COMMIT, never inside)."""
        return not (
            self._closed
            or self._checkpoints_paused
            or self._checkpointer is None
            or self._connection.in_transaction
        )

    def _catch_up_due(self) -> bool:
        """Before a call: whether the background checkpoint finished, so that the catch-up
        (`_catch_up`) is to run first (the caller runs it, in the worker thread, then the
        call); its error, if any, is logged here. Made before the call, not after the commit
        that follows, so that what it copies is only what was committed while the background
        one ran: nothing (and no fsync) when no write came meanwhile, as when a sync waits on
        the server."""
        checkpoint = self._checkpoint
        if checkpoint is None or not checkpoint.done() or not self._checkpoints_now():
            return False
        self._checkpoint = None
        error = checkpoint.exception()
        if error is not None:
            self._failed(error)
        return True

    def _checkpoint_if_due(self) -> None:
        """After a call on the loop's thread (at a commit, not in the middle of a
        transaction): start a background checkpoint when CHECKPOINT_CHANGES rows were changed
        since the last one started, or the log file reached CHECKPOINT_LOG_BYTES (large rows,
        other processes' writes) and grew since, if none runs or waits for its catch-up; once
        one finished with rows changed since it started (a commit since), a second one in
        its place, once (its catch-up then has nothing to copy if no write came meanwhile)."""
        connection = self._connection
        if not self._checkpoints_now():
            return  # first: after close's call, the connection is closed
        log_bytes = self._log_bytes_now()
        self._log_over_limit = log_bytes >= LOG_LIMIT_BYTES
        assert self._checkpointer is not None  # `_checkpoints_now`
        checkpoint = self._checkpoint
        if checkpoint is not None:
            if (
                not self._followed_up
                and checkpoint.done()
                and checkpoint.exception() is None  # kept for the catch-up to log
                and connection.total_changes != self._changes_at_checkpoint
            ):
                # It finished during a call or a transaction (no catch-up is made inside
                # one): what was committed since it started is copied by a second one, in the
                # background too, not by the catch-up before the next call
                # (two fsyncs there), as when a push records a batch the server acknowledged
                # while the copy ran (issue 10). One at most: a write may follow each.
                self._followed_up = True
                self._checkpoint = self._checkpointer.submit(self._checkpoint_now)
            return
        if connection.total_changes - self._changes_at_checkpoint >= CHECKPOINT_CHANGES or (
            log_bytes >= CHECKPOINT_LOG_BYTES and log_bytes != self._log_bytes_at_checkpoint
        ):
            self._changes_at_checkpoint = connection.total_changes
            self._log_bytes_at_checkpoint = log_bytes
            self._followed_up = False
            self._checkpoint = self._checkpointer.submit(self._checkpoint_now)

    @staticmethod
    def _catch_up(connection: sqlite3.Connection) -> None:
        """The pages committed while the background checkpoint ran, checkpointed on this
        connection (a few, where the background one copied the many; none, without an fsync,
        when nothing was committed meanwhile): with the whole log in the database file, the
        next write starts the log again from its beginning. Without
        it, a log written to while every checkpoint runs would never start again and would
        grow by all that is written (SQLite restarts a log only once every page of it was
        checkpointed)."""
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
        except sqlite3.Error:
            pass  # left for the next one, as in the background (`_checkpoint_now`)

    def _log_bytes_now(self) -> int:
        """`_log_bytes`, or the value it returned last when this connection changed no row
        since (`total_changes`) and that was less than LOG_READ_INTERVAL_S ago."""
        changes, now = self._connection.total_changes, monotonic()
        read = self._log_read
        if read is not None and read[0] == changes and now - read[1] < LOG_READ_INTERVAL_S:
            return read[2]
        log_bytes = self._log_bytes()
        self._log_read = (changes, now, log_bytes)
        return log_bytes

    def _log_bytes(self) -> int:
        """The bytes the write-ahead log holds (every process's commits since it last started
        again): from its frame count in the wal-index header (`_WAL_INDEX_HEADER`), the file
        no longer telling it (LOG_KEPT_BYTES); the log file's size where that header cannot
        be read (0 when there is none). Read without a lock, as a trigger: a header changing
        meanwhile gives the larger of its two copies."""
        assert self._log_file is not None  # `_checkpoints_now`
        frames = self._log_frames()
        if frames is not None:
            return frames
        try:
            return os.stat(self._log_file).st_size
        except OSError:
            return 0

    def _log_frames(self) -> int | None:
        """`_log_bytes` from the wal-index header, None when it cannot be read."""
        header = self._index_header()
        if header is None:
            return None
        first = _WAL_INDEX_HEADER.unpack_from(header, 0)
        second = _WAL_INDEX_HEADER.unpack_from(header, _WAL_INDEX_COPY)
        if not (first[0] and second[0]):
            return None  # not initialised yet
        page = int(first[1]) if first[1] != 1 else 65536
        frames = max(int(first[2]), int(second[2]))
        return frames * (page + WAL_FRAME_HEADER_BYTES) + WAL_HEADER_BYTES

    def log_state(self) -> bytes | None:
        """The wal-index header (sqlite.org/walformat.html 2.2.1: its change counter, frame
        count, salts and checksums), read from the `-shm` file without a lock or a
        statement, when its two copies agree and it is initialised; else None (no log
        read in the background, or a header being written). Every commit, of this
        connection or another (another process's included), and every restart of the log
        changes it: an equal value means no commit came between the two reads (what
        `PRAGMA data_version` tells, without the read transaction and the shared-memory
        locks it takes: Store.version, issue 10)."""
        header = self._index_header()
        if header is None:
            return None
        first = header[:_WAL_INDEX_COPY]
        if first != header[_WAL_INDEX_COPY:] or not first[12]:
            return None
        return first

    def shared(self) -> bool:
        """Whether another process may have this store open (`others_have_open` on its
        `-shm` file); True when that cannot be told (no log file followed, no `-shm`). Any
        thread."""
        if self._log_file is None or self._held is None:
            return True
        try:
            descriptor = index_file(self._held, self._log_file[: -len("wal")] + "shm")
        except OSError:
            return True
        return others_have_open(descriptor)

    def _index_header(self) -> bytes | None:
        """Both copies of the wal-index header, None when the `-shm` file cannot be read."""
        if self._index_file is None:
            if self._index_failed or self._log_file is None or self._held is None:
                return None
            try:
                self._index_file = index_file(self._held, self._log_file[: -len("wal")] + "shm")
            except FileNotFoundError:
                return None  # not made yet: tried again at the next call
            except OSError:
                self._index_failed = True
                return None
        try:
            if hasattr(os, "pread"):
                header = os.pread(self._index_file, 2 * _WAL_INDEX_COPY, 0)
            else:  # Windows
                os.lseek(self._index_file, 0, os.SEEK_SET)
                header = os.read(self._index_file, 2 * _WAL_INDEX_COPY)
        except OSError:
            return None
        if len(header) < 2 * _WAL_INDEX_COPY:
            return None
        return header

    def _checkpoint_now(self) -> None:
        """In the checkpoint thread: a passive checkpoint (it waits for no reader or writer,
        and copies what it can). An error is left for the next one (or the last connection's
        close) to retry: the log still holds every committed page meanwhile; the first is
        logged (`_failed`, on the loop's thread)."""
        assert self._checkpointing is not None  # opened by `checkpoint_in_background`
        self._checkpointing.execute("PRAGMA wal_checkpoint(PASSIVE)").close()

    async def _checkpoint_finished(self) -> None:
        """Wait for the background checkpoint that runs, if any."""
        checkpoint = self._checkpoint
        if checkpoint is not None and not checkpoint.done():
            await asyncio.shield(asyncio.wrap_future(checkpoint))

    @contextlib.asynccontextmanager
    async def checkpoints_paused(self) -> AsyncIterator[None]:
        """No background checkpoint runs inside (one running is waited for first): for a
        checkpoint of this connection's own that must not find the log busy (`Store.scrub`)."""
        self._checkpoints_paused += 1
        try:
            await self._checkpoint_finished()
            yield
        finally:
            self._checkpoints_paused -= 1

    async def _stop_checkpoints(self) -> None:
        """Close the checkpoint connection in its thread, after the checkpoint it may be
        running (before this connection closes: the last one to close checkpoints and
        removes the log), and stop the thread."""
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is None:
            return
        closed = checkpointer.submit(self._close_checkpointing)
        checkpointer.shutdown(wait=False)
        if running_loop() is not self.loop:  # closed from another loop (NU45 #11)
            closed.result()
            return
        await asyncio.shield(asyncio.wrap_future(closed))

    def _close_checkpointing(self) -> None:
        if self._checkpointing is not None:
            self._checkpointing.close()
            self._checkpointing = None

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        await self.run(lambda db: db.execute(sql, tuple(params)).close())

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self.run(lambda db: db.executemany(sql, [tuple(r) for r in rows]).close())

    async def execute_fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return await self.run(lambda db: db.execute(sql, tuple(params)).fetchall())

    async def executescript(self, script: str) -> None:
        await self.run(lambda db: db.executescript(script).close())

    async def close(self) -> None:
        """Close the connection and stop the threads; closing again, or while a close runs,
        does nothing (waits for that close). What this connection wrote since its last
        checkpoint is checkpointed first (a passive checkpoint): SQLite checkpoints only at the
        last connection's close, and another process may keep the store open for long
        (rev-perf11 F2). Once begun, runs to its end through a cancellation of the caller,
        then raises CancelledError: the checkpoint connection is closed before this one, and
        the process's descriptor of the `-shm` file only after both."""
        if self._closing is not None:
            await asyncio.shield(self._closing)
            return
        if self._closed:
            return
        self._closing = asyncio.get_running_loop().create_future()
        wrote = self._connection.total_changes != self._changes_at_checkpoint

        def close(connection: sqlite3.Connection) -> None:
            try:
                if wrote and self._path is not None and not connection.in_transaction:
                    self._catch_up(connection)
            finally:
                connection.close()
                # Only now: the -shm's descriptor may be closed with it (`_files`).
                self._index_file = None
                held, self._held = self._held, None
                release(held)

        async def closing() -> None:
            try:
                try:
                    await self._stop_checkpoints()
                finally:
                    if running_loop() is self.loop:
                        await self.run(close)
                    else:  # a Client closed from another loop (NU45 #11): closed all the same
                        self._worker.submit(close, self._connection).result()
            finally:
                self._closed = True
                self._worker.shutdown(wait=False)
                assert self._closing is not None
                self._closing.set_result(None)

        # To its end through a cancellation of the caller, which is raised after: the `-shm`
        # descriptor is released only after the checkpoint connection closed too (its locks
        # go with the descriptor).
        await to_the_end(closing(), then_cancelled=True)
