"""One SQLite connection driven from asyncio through one worker thread.

Every call is one hand-off to that thread, whatever it does: `run(fn)` runs `fn(connection)`
there, so a whole transaction of several statements costs one hand-off instead of one per
statement (the pattern of datasette's `execute_write_fn`). `execute`, `executemany` and
`execute_fetchall` mirror aiosqlite's methods of the same names.

Calls run in the order they were made, each exactly once: a caller cancelled while its call
waits or runs does not stop the call (it runs in the thread before the next one starts), as
with aiosqlite.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark the outcome of a call whose caller was cancelled as seen (no asyncio warning)."""
    if not future.cancelled():
        future.exception()


class Database:
    def __init__(self, connection: sqlite3.Connection, worker: ThreadPoolExecutor) -> None:
        self._connection = connection
        self._worker = worker
        self._closed = False

    @classmethod
    async def connect(cls, path: str) -> Database:
        """Open `path` in autocommit mode (transactions are explicit BEGIN ... COMMIT)."""
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tj-store")
        loop = asyncio.get_running_loop()
        try:
            connection = await loop.run_in_executor(
                worker,
                lambda: sqlite3.connect(path, isolation_level=None, check_same_thread=False),
            )
        except BaseException:
            worker.shutdown(wait=False)
            raise
        return cls(connection, worker)

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(connection)` in the worker thread: one hand-off. ValueError once closed."""
        if self._closed:
            raise ValueError("the local store is closed")
        future = asyncio.wrap_future(self._worker.submit(fn, self._connection))
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
