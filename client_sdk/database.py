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
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from client_sdk.errors import ClientClosed

T = TypeVar("T")


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
        return fn(self._connection)

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
            await self.run(lambda db: db.close())
        finally:
            self._closed = True
            self._worker.shutdown(wait=False)
