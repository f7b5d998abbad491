"""A member's sync writing its audit rows while the member's account is erased (PostgreSQL).

The audit rows of one sync are inserted in one transaction, in journal id order. Each insert's
foreign keys take key-share locks on its journal's row and on the account's row; the erasure
locks the account's journals FOR UPDATE, then the account's row. Before the audit write took
its locks itself, journals first (storage/postgres.py `add_audit`), it could hold the
account's row (from the row of a journal the account had just been removed from, which the
erasure does not lock) and wait for a journal the erasure held, while the erasure waited for
the account's row: a deadlock, which PostgreSQL breaks by failing one of the two (a 503).

The interleaving is made deterministic by a lock of the test's own on the account's row.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from client_sdk import Client, wire
from server import routes
from tests.conftest import RunningServer
from tests.server.raw import RawClient, journal_id, push, sealed_meta, upload
from tests.server.test_erasure_racing_a_rotation import Holder, erase
from tests.server.test_push_races import chain_length, waiting_for_locks


async def share(
    server: RunningServer, raw: RawClient, ana: Client, journal: bytes, epoch: int, ben: bytes
) -> None:
    """ana's rotation of `journal` to `epoch`, with ben an annotate member if `ben`."""
    keys = [wire.MemberKey(ana.profile.account_id, bytes(48), "owner", 0)]
    if ben:
        keys.append(wire.MemberKey(ben, bytes(48), "annotate", 0))
    request = wire.RotateRequest(
        journal, epoch, sealed_meta(epoch), keys, await chain_length(server, journal), [b"e"]
    )
    answer = await raw.call("/v1/journals/rotate", request, token=ana.profile.token)
    assert answer.status == 200, answer.value()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_sync_writing_its_audit_rows_and_the_erasure_of_its_account_do_not_deadlock(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """ben reads two of ana's journals; ana removes ben from the first (by id) between the
    read and the audit write of ben's sync, so ben's erasure locks only the second. ben's
    account row is held by the test when the audit write and then the erasure reach it;
    once it is let go, both must go through (200, the erasure done), never a deadlock."""
    assert live_server.database_url is not None
    url = live_server.database_url
    await ana.journals.create("Second")
    low, high = sorted([await journal_id(ana), await journal_id(ana, "Second")])
    for journal in (low, high):
        await share(live_server, raw, ana, journal, 1, ben.profile.account_id)
        pushed = await push(raw, ana, journal, [upload(1, epoch=1)])
        assert pushed.status == 200, pushed.value()
    storage = live_server.server.app[routes.SERVICE].storage
    real = storage.add_audit

    async def removed_first(*args: Any, **kwargs: Any) -> Any:
        await share(live_server, raw, ana, low, 2, b"")  # ben is no longer a member of it
        return await real(*args, **kwargs)

    held = await Holder.open(url)
    setattr(storage, "add_audit", removed_first)  # noqa: B010 (a method of one instance)
    try:
        assert await held.hold(
            "SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE", ben.profile.account_id
        )
        request = wire.SyncRequest([], 10)
        syncing = asyncio.ensure_future(raw.call("/v1/sync", request, token=ben.profile.token))
        await waiting_for_locks(url, 1)  # the audit write, at ben's row
        erasure = asyncio.ensure_future(erase(ben))
        await waiting_for_locks(url, 2)  # the erasure too
        await held.release()
        synced = await syncing
        erased = await erasure
    finally:
        delattr(storage, "add_audit")
        await held.connection.close()
    assert erased is None, erased
    assert synced.status == 200, synced.value()
    assert "database failure" not in live_server.log_file.read_text()
    assert (
        await live_server.rows(
            "SELECT 1 FROM accounts WHERE account_id = ?", ben.profile.account_id
        )
        == []
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_syncs_audit_write_after_the_erasure_of_its_account_writes_and_sends_nothing(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """ben's erasure commits between ben's sync's read and its audit write: the sync is
    answered, writes no audit row (never a failed foreign key: a 503 with an error logged)
    and carries no record. An erasure keeps the audit rows of ben's earlier reads in ana's
    journal, so a read that raced it must not reach ben's device unlogged."""
    journal = await journal_id(ana)
    await share(live_server, raw, ana, journal, 1, ben.profile.account_id)
    pushed = await push(raw, ana, journal, [upload(1, epoch=1)])
    assert pushed.status == 200, pushed.value()
    storage = live_server.server.app[routes.SERVICE].storage
    real = storage.add_audit
    erased: list[BaseException | None] = []

    async def erased_first(*args: Any, **kwargs: Any) -> Any:
        erased.append(await erase(ben))
        return await real(*args, **kwargs)

    setattr(storage, "add_audit", erased_first)  # noqa: B010 (a method of one instance)
    try:
        synced = await raw.call("/v1/sync", wire.SyncRequest([], 10), token=ben.profile.token)
    finally:
        delattr(storage, "add_audit")
    assert erased == [None]
    assert synced.status == 200, synced.value()
    reply = wire.decode(wire.SyncReply, synced.body)
    [page] = [p for p in reply.pages if p.journal_id == journal]
    assert page.head >= 1 and page.records == [] and page.cursor == 0
    assert reply.done is False
    assert await live_server.rows("SELECT * FROM audit") == []
    assert "failure" not in live_server.log_file.read_text()
