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
blocks it for less than the Python work around them. What can block longer, a write
transaction waiting for another process that holds the store's write lock (`timeout`,
5 seconds by default) or a WAL checkpoint's fsync, blocks the loop too. `run_in_thread(fn)`
keeps a worker thread for callers that want the loop free while `fn` runs.

Calls run in the order they were made, each exactly once: a call made while a worker call is
still running waits for it and then runs in the worker too, and a caller cancelled while its
call runs in the worker does not stop it (as with aiosqlite).
"""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from client_sdk.errors import ClientClosed

T = TypeVar("T")

CHECKPOINT_CHANGES = 1000
"""Rows changed on the connection (`sqlite3.Connection.total_changes`) after which a
background checkpoint starts. Entries written one by one change a few rows and about eleven
pages each: the log then holds about 12 MB at most (SQLite's automatic checkpoint: 1,000
pages, 4 MB), and the catch-up on the loop's thread (`_catch_up`, two fsyncs of a few pages)
comes once every two hundred or so entries."""


CLOSED = (
    "this client was closed: open the account's home again (Client.open) to use it; "
    "nothing was changed"
)
LOGGED_OUT = (
    "this client was logged out and its local data deleted: log in again (Client.login) "
    "to use the account on this device; nothing was changed"
)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark the outcome of a call whose caller was cancelled as seen (no asyncio warning)."""
    if not future.cancelled():
        future.exception()


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

    @classmethod
    async def connect(cls, path: str) -> Database:
        """Open `path` in autocommit mode (transactions are explicit BEGIN ... COMMIT)."""
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tj-store")
        try:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except BaseException:
            worker.shutdown(wait=False)
            raise
        return cls(connection, worker)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(connection)` on the loop's thread (in the worker if a worker call is still
        running, to keep the order). ClientClosed once closed."""
        if self._closed:
            raise ClientClosed(self.closed_because)
        if self._last is not None and not self._last.done():
            return await self.run_in_thread(fn)  # after the worker's calls, in order
        if self._path is None:
            return fn(self._connection)
        self._catch_up_if_due()
        try:
            return fn(self._connection)
        finally:
            self._checkpoint_if_due()

    async def run_in_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(connection)` in the worker thread, leaving the loop free meanwhile."""
        if self._closed:
            raise ClientClosed(self.closed_because)
        self._last = self._worker.submit(fn, self._connection)
        future = asyncio.wrap_future(self._last)
        future.add_done_callback(_retrieve)
        # Shielded: a caller cancelled while its call waits in the queue must not take the
        # call out of it (a ROLLBACK after a cancelled statement, say, must still run).
        return await asyncio.shield(future)

    async def checkpoint_in_background(self, path: str) -> None:
        """Make this connection's write-ahead log checkpoints in a thread of their own, on a
        second connection to `path` (the file this connection opened, in WAL mode): see the
        module docstring."""
        if self._path is not None:
            return
        await self.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tj-ckpt")
        self._changes_at_checkpoint = self._connection.total_changes
        # The file itself, wherever the process's working directory goes meanwhile.
        self._path = pathlib.Path(path).resolve().as_uri() + "?mode=rw"

    def _checkpoints_now(self) -> bool:
        """Whether a checkpoint may start or catch up now: on, not paused, not closed, and
        outside a transaction (before a write's BEGIN or after its COMMIT, never inside)."""
        return not (
            self._closed
            or self._checkpoints_paused
            or self._checkpointer is None
            or self._connection.in_transaction
        )

    def _catch_up_if_due(self) -> None:
        """Before a call on the loop's thread: once the background checkpoint finished, the
        catch-up (`_catch_up`). Made before the call, not after the commit that follows, so
        that what it copies is only what was committed while the background one ran: nothing
        (and no fsync) when no write came meanwhile, as when a sync waits on the server."""
        checkpoint = self._checkpoint
        if checkpoint is not None and checkpoint.done() and self._checkpoints_now():
            self._checkpoint = None
            self._catch_up(self._connection)

    def _checkpoint_if_due(self) -> None:
        """After a call on the loop's thread (at a commit, not in the middle of a
        transaction): start a background checkpoint when CHECKPOINT_CHANGES rows were changed
        since the last one started, if none runs or waits for its catch-up."""
        connection = self._connection
        if (
            self._checkpoint is None
            and self._checkpoints_now()  # first: after close's call, the connection is closed
            and connection.total_changes - self._changes_at_checkpoint >= CHECKPOINT_CHANGES
        ):
            self._changes_at_checkpoint = connection.total_changes
            assert self._checkpointer is not None  # `_checkpoints_now`
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

    def _checkpoint_now(self) -> None:
        """In the checkpoint thread: a passive checkpoint (it waits for no reader or writer,
        and copies what it can). An error is left for the next one (or the last connection's
        close) to retry: the log still holds every committed page meanwhile."""
        try:
            if self._checkpointing is None:
                assert self._path is not None
                self._checkpointing = sqlite3.connect(  # never creates a file (mode=rw)
                    self._path, isolation_level=None, check_same_thread=False, uri=True
                )
                self._checkpointing.execute("PRAGMA synchronous=NORMAL")
            self._checkpointing.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
        except sqlite3.Error:
            pass

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
        """Close the connection and stop the thread; closing again does nothing."""
        if self._closed:
            return
        try:
            try:
                await self._stop_checkpoints()
            finally:
                await self.run(lambda db: db.close())
        finally:
            self._closed = True
            self._worker.shutdown(wait=False)
