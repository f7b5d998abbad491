"""The local store's connection: calls run in the order they were made, on the loop's thread
or after the worker's calls, each exactly once, even when their caller is cancelled."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from client_sdk.database import Database
from client_sdk.errors import ClientClosed


async def test_a_call_made_while_a_worker_call_runs_waits_for_it(tmp_path: Path) -> None:
    db = await Database.connect(str(tmp_path / "s.db"))
    order: list[str] = []
    release = threading.Event()

    def slow(connection: sqlite3.Connection) -> None:
        assert release.wait(10)
        order.append("worker")

    def quick(connection: sqlite3.Connection) -> str:
        order.append("quick")
        return threading.current_thread().name

    background = asyncio.ensure_future(db.run_in_thread(slow))
    await asyncio.sleep(0)
    pending = asyncio.ensure_future(db.run(quick))
    await asyncio.sleep(0.05)
    assert order == []  # the quick call did not overtake the worker's
    release.set()
    await background
    assert await pending != threading.main_thread().name  # queued behind it, in the worker
    assert order == ["worker", "quick"]
    assert await db.run(quick) == threading.main_thread().name  # the worker is idle again
    await db.close()


async def test_a_call_runs_even_if_its_caller_is_cancelled(tmp_path: Path) -> None:
    db = await Database.connect(str(tmp_path / "s.db"))
    await db.execute("CREATE TABLE t (x INTEGER)")

    def slow_insert(connection: sqlite3.Connection) -> None:
        time.sleep(0.1)
        connection.execute("INSERT INTO t VALUES (1)")

    task = asyncio.ensure_future(db.run_in_thread(slow_insert))
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await db.execute_fetchall("SELECT x FROM t") == [(1,)]
    await db.close()
    with pytest.raises(ClientClosed, match="closed"):
        await db.run(lambda connection: None)
