"""A write whose caller is cancelled while it waits for another process's write lock (in the
store's worker thread) never writes without telling: cancelled before its COMMIT began,
nothing is written and CancelledError is raised; cancelled once it began, the write is kept,
published (change listeners, outbox) and returned, the cancellation consumed: a plain
`Task.cancel`, `asyncio.timeout` and `asyncio.wait_for` all see a write that completed, and no
stray cancellation reaches the caller's next await. Real server on 127.0.0.1, real SQLite;
another process's transaction is a second connection holding the lock; a timing hook holds the
COMMIT until the cancellation came."""

from __future__ import annotations

import asyncio
import threading

import pytest

from client_sdk import Change, ClientClosed, database
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


class CommitHeld:
    """A timing hook on the worker's COMMIT: once a write's COMMIT is granted (`granted`), it
    waits there until `proceed` is set, so that a cancellation comes while it runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.granted = threading.Event()
        self.proceed = threading.Event()
        may_commit = database._Call.may_commit

        def hooked(call: database._Call) -> bool:
            allowed = may_commit(call)
            if allowed:
                self.granted.set()
                self.proceed.wait(10)
            return allowed

        monkeypatch.setattr(database._Call, "may_commit", hooked)

    async def wait_granted(self) -> None:
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, self.granted.wait, 10)


async def cancelled(task: asyncio.Task[object]) -> None:
    """Wait (on the loop) until a cancellation was requested of `task`."""
    while not task.cancelling():
        await asyncio.sleep(0.01)


async def test_a_write_cancelled_once_its_commit_began_is_kept_told_and_returned(
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
    hook = CommitHeld(monkeypatch)
    held = HeldStore(ana.home)
    try:
        write = asyncio.create_task(ana.entries.write(None, "kept write"))
        await asyncio.sleep(0.2)
        assert not write.done()
    finally:
        held.release()
    await hook.wait_granted()
    write.cancel()
    hook.proceed.set()
    entry = await write  # the write landed: its result, not CancelledError
    assert not write.cancelled()
    assert entry.body == "kept write"
    monkeypatch.undo()
    ana.store.on_outbox = real_outbox
    bodies = {e.body: e.id for e in await ana.entries.list()}
    assert set(bodies) == {"first", "kept write"}
    assert bodies["kept write"] == entry.id
    assert [(c.id, c.origin) for c in seen] == [(entry.id, "local")]
    assert told == [1]
    assert not asyncio.current_task().cancelling()  # type: ignore[union-attr]


async def test_a_write_landed_as_its_timeout_expired_is_returned_without_a_stray_cancel(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    hook = CommitHeld(monkeypatch)
    me = asyncio.current_task()
    assert me is not None
    held = HeldStore(ana.home)

    async def expire(timeout: asyncio.Timeout) -> None:
        await asyncio.sleep(0.2)  # the write waits for the lock in the worker
        held.release()
        await hook.wait_granted()
        timeout.reschedule(asyncio.get_running_loop().time())  # expires in the COMMIT
        await cancelled(me)
        hook.proceed.set()

    try:
        async with asyncio.timeout(None) as timeout:
            expiring = asyncio.create_task(expire(timeout))
            entry = await ana.entries.write(None, "landed")
    finally:
        held.release()
    await expiring
    assert timeout.expired()  # it did expire, and the block still ended with the write
    assert entry.body == "landed"
    assert me.cancelling() == 0
    await asyncio.sleep(0)  # no cancellation left for the next await
    await asyncio.sleep(0.05)
    monkeypatch.undo()
    assert sorted(e.body for e in await ana.entries.list()) == ["first", "landed"]


async def test_a_write_landed_as_wait_for_timed_out_is_returned_not_a_timeout(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    hook = CommitHeld(monkeypatch)
    inner: list[asyncio.Task[object]] = []

    async def write() -> str:
        task = asyncio.current_task()
        assert task is not None
        inner.append(task)  # wait_for's task (Python 3.11) that its timeout cancels
        return (await ana.entries.write(None, "landed")).id

    async def time_out_in_commit() -> None:
        await asyncio.sleep(0.2)
        held.release()
        await hook.wait_granted()
        await cancelled(inner[0])  # wait_for's timeout came while the COMMIT ran
        hook.proceed.set()

    held = HeldStore(ana.home)
    try:
        helper = asyncio.create_task(time_out_in_commit())
        entry_id = await asyncio.wait_for(write(), 2)  # a TimeoutError would be retried
    finally:
        held.release()
    await helper
    monkeypatch.undo()
    entries = {e.body: e.id for e in await ana.entries.list()}
    assert entries == {"first": entries["first"], "landed": entry_id}
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


async def test_a_logout_cancelled_in_its_commit_finishes_and_deletes_the_local_data(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    await ana.sync()
    hook = CommitHeld(monkeypatch)
    held = HeldStore(ana.home)  # the logout's transaction waits in the worker
    try:
        logout = asyncio.create_task(ana.logout())
        await asyncio.sleep(0.2)
        assert not logout.done()
    finally:
        held.release()
    await hook.wait_granted()
    logout.cancel()  # Ctrl-C of `tj logout` as its COMMIT runs
    hook.proceed.set()
    done = await logout
    assert not logout.cancelled()
    assert done.discarded == 0
    monkeypatch.undo()
    assert not (ana.home / "profile").exists()
    assert not any(p.name.startswith("store.db") for p in ana.home.iterdir())
    with pytest.raises(ClientClosed, match="logged out and its local data deleted"):
        await ana.entries.list()


async def test_a_logout_cancelled_while_it_deletes_finishes_the_deletion(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "first")
    await ana.sync()
    closing = asyncio.Event()
    go_on = asyncio.Event()
    real_close = ana.transport.close

    async def slow_close() -> None:  # a timing hook: the cancel comes in the deletion's awaits
        closing.set()
        await go_on.wait()
        await real_close()

    monkeypatch.setattr(ana.transport, "close", slow_close)
    logout = asyncio.create_task(ana.logout())
    await closing.wait()  # the store was ended for every writer; the files not deleted yet
    logout.cancel()
    await asyncio.sleep(0.05)
    logout.cancel()  # twice: Ctrl-C pressed again
    go_on.set()
    done = await logout
    assert not logout.cancelled()
    assert done.server_told
    assert not (ana.home / "profile").exists()
    assert not any(p.name.startswith("store.db") for p in ana.home.iterdir())
    assert not asyncio.current_task().cancelling()  # type: ignore[union-attr]


async def test_a_cancellation_that_lands_in_close_still_ends_the_task(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task that closes its client and then waits (a periodic sync loop), cancelled while
    the close runs (an app shutting down): the close runs to its end (the store's file locks
    are given back only after both its connections closed), then the cancellation ends the
    task, as `task.cancel(); await task` expects. It was consumed, and the task went on."""
    client = await signup("ana")
    await client.entries.write(None, "something for the close's checkpoint")
    went_on: list[bool] = []
    began = asyncio.Event()
    real = database.Database.close

    async def noted(self: database.Database) -> None:  # only to know the close began
        began.set()
        await real(self)

    monkeypatch.setattr(database.Database, "close", noted)

    async def app() -> None:
        await client.close()
        went_on.append(True)
        await asyncio.sleep(3600)

    task = asyncio.create_task(app())
    await began.wait()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=10)
    if not done:
        task.cancel()
    assert done and task.cancelled(), "the cancellation that landed in close() was consumed"
    assert went_on == []
    with pytest.raises(ClientClosed):
        await client.entries.list()  # closed all the same
