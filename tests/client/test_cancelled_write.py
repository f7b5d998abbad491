"""A write whose caller is cancelled while it waits for another process's write lock (in the
store's worker thread) never writes without telling: cancelled before its COMMIT began,
nothing is written; cancelled once it began, the write is kept and published (change
listeners, outbox) before the caller sees CancelledError. Real server on 127.0.0.1, real
SQLite; another process's transaction is a second connection holding the lock."""

from __future__ import annotations

import asyncio
import threading

import pytest

from client_sdk import Change, database
from tests.client.test_app_embedding_review import HeldStore
from tests.conftest import ClientFactory


async def test_a_write_cancelled_while_waiting_for_the_lock_writes_nothing(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    seen: list[Change] = []
    ana.on_change(seen.append)
    before = await ana.unsynced_changes()
    held = HeldStore(ana.home)
    try:
        write = asyncio.create_task(ana.entries.write(None, "cancelled write"))
        await asyncio.sleep(0.2)  # it waits for the lock in the worker
        assert not write.done()
        write.cancel()
        with pytest.raises(asyncio.CancelledError):
            await write
    finally:
        held.release()
    await asyncio.sleep(0.3)  # a write still queued in the worker would commit now
    assert [e.body for e in await ana.entries.list()] == ["first"]
    assert seen == []
    assert await ana.unsynced_changes() == before
    later = await ana.entries.write(None, "later")  # the store is usable, its lock free
    assert {e.body for e in await ana.entries.list()} == {"first", "later"}
    assert [c.id for c in seen] == [later.id]


async def test_a_write_cancelled_once_its_commit_began_is_kept_and_told(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    seen: list[Change] = []
    ana.on_change(seen.append)
    told: list[int] = []
    real_outbox = ana.store.on_outbox
    assert real_outbox is not None

    def on_outbox() -> None:
        told.append(1)
        real_outbox()

    ana.store.on_outbox = on_outbox
    granted = threading.Event()
    proceed = threading.Event()
    may_commit = database._Call.may_commit

    def hooked(self: database._Call) -> bool:  # a timing hook: the cancel comes in COMMIT
        allowed = may_commit(self)
        if allowed:
            granted.set()
            proceed.wait(10)
        return allowed

    monkeypatch.setattr(database._Call, "may_commit", hooked)
    held = HeldStore(ana.home)
    try:
        write = asyncio.create_task(ana.entries.write(None, "kept write"))
        await asyncio.sleep(0.2)
        assert not write.done()
    finally:
        held.release()
    assert await asyncio.get_running_loop().run_in_executor(None, granted.wait, 10)
    write.cancel()
    proceed.set()
    with pytest.raises(asyncio.CancelledError):
        await write
    monkeypatch.undo()
    ana.store.on_outbox = real_outbox
    bodies = {e.body: e.id for e in await ana.entries.list()}
    assert set(bodies) == {"first", "kept write"}
    assert [(c.id, c.origin) for c in seen] == [(bodies["kept write"], "local")]
    assert told == [1]
    assert not asyncio.current_task().cancelling()  # type: ignore[union-attr]


async def test_a_cancelled_write_inside_a_timeout_is_a_timeout(signup: ClientFactory) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    held = HeldStore(ana.home)
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await ana.entries.write(None, "timed out")
    finally:
        held.release()
    await asyncio.sleep(0.3)
    assert [e.body for e in await ana.entries.list()] == ["first"]
