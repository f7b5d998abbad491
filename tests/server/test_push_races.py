"""A push racing a revocation or a rotation: the pusher's role and the journal's epoch are
checked in the transaction that inserts (storage/base.py WriterCheck), so after both finish
either the push was refused or it committed before the revocation; never records of a
revoked member after its revocation, nor of an old epoch after the rotation.

Clients never trust the server on this (they verify records against the owner-signed access
chain, protocol.md 4.15); this is the server's own honesty, defence in depth. Each race is
made deterministic: by running the revocation at the exact point that used to slip through
(after the check outside the transaction, before the insert), and on PostgreSQL by holding
the journal's row lock while the two requests queue behind it, in either order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from client_sdk import Client, wire
from server import routes
from tests.conftest import RunningServer
from tests.server.raw import (
    Answer,
    RawClient,
    journal_id,
    push,
    sealed_meta,
    stored_records,
    upload,
)

CASES = {
    # how the race ends ben's writing at epoch 1: what the rotation keeps, what a push gets
    "revoked": ("owner only", (403, "forbidden")),
    "rotated": ("ben still annotates", (409, "stale_epoch")),
}


async def chain_length(server: RunningServer, journal: bytes) -> int:
    [(length,)] = await server.rows(
        "SELECT COUNT(*) FROM access_chain WHERE journal_id = ?", journal
    )
    return int(length)


def rotation(
    journal: bytes, epoch: int, ana: Client, ben: Client, keep_ben: bool, chain_after: int
) -> wire.RotateRequest:
    keys = [wire.MemberKey(ana.profile.account_id, bytes(48), "owner", 0)]
    if keep_ben:
        keys.append(wire.MemberKey(ben.profile.account_id, bytes(48), "annotate", 0))
    return wire.RotateRequest(
        journal, epoch, sealed_meta(epoch), keys, chain_after, [b"e%d" % epoch]
    )


async def rotate(
    server: RunningServer, raw: RawClient, ana: Client, ben: Client, epoch: int, keep_ben: bool
) -> Answer:
    journal = await journal_id(ana)
    after = await chain_length(server, journal)
    request = rotation(journal, epoch, ana, ben, keep_ben, after)
    return await raw.call("/v1/journals/rotate", request, token=ana.profile.token)


async def ben_annotates_at_epoch_1(
    server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> bytes:
    answer = await rotate(server, raw, ana, ben, 1, keep_ben=True)
    assert answer.status == 200, answer.value()
    return await journal_id(ana)


def bens_records(rows: list[tuple[int, bytes, int, bytes]], numbers: list[int]) -> list[Any]:
    ids = {upload(n)["record_id"] for n in numbers}
    return [row for row in rows if row[1] in ids]


@pytest.mark.parametrize("case", CASES)
async def test_a_revocation_between_the_old_check_and_the_insert_refuses_the_push(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client, case: str
) -> None:
    """The order that slipped through when the role and epoch were read before the push's
    transaction: the push is on its way to the storage (that read would have passed), the
    owner revokes ben (or rotates the key), then the push's transaction runs. It is refused
    and stores nothing; the revocation went through."""
    journal = await ben_annotates_at_epoch_1(live_server, raw, ana, ben)
    keep_ben = case == "rotated"
    storage = live_server.server.app[routes.SERVICE].storage
    real = storage.append_records
    revocations: list[Answer] = []

    async def revoked_first(*args: Any, **kwargs: Any) -> list[tuple[bytes, int]]:
        revocations.append(await rotate(live_server, raw, ana, ben, 2, keep_ben))
        return await real(*args, **kwargs)

    setattr(storage, "append_records", revoked_first)  # noqa: B010 (a method of one instance)
    try:
        answer = await push(raw, ben, journal, [upload(1, epoch=1)])
    finally:
        delattr(storage, "append_records")
    [revocation] = revocations
    assert revocation.status == 200, revocation.value()
    assert answer.error() == CASES[case][1]
    assert bens_records(await stored_records(live_server, journal), [1]) == []
    if keep_ben:  # still a member: writing under the new key works
        assert (await push(raw, ben, journal, [upload(2, epoch=2)])).status == 200


async def waiting_for_locks(url: str, count: int) -> None:
    """Until `count` sessions of the database wait for a lock (a condition, polled)."""
    connection = await asyncpg.connect(url)
    try:
        async with asyncio.timeout(30):
            while True:
                waiting = await connection.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
                if waiting == count:
                    return
                await asyncio.sleep(0.01)
    finally:
        await connection.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # one writer on SQLite
@pytest.mark.parametrize("push_first", [True, False], ids=["push-first", "revocation-first"])
@pytest.mark.parametrize("case", CASES)
async def test_a_push_and_a_revocation_queued_on_the_journal_commit_one_after_the_other(
    live_server: RunningServer,
    raw: RawClient,
    ana: Client,
    ben: Client,
    case: str,
    push_first: bool,
) -> None:
    """Several server processes on PostgreSQL: the test holds the journal's row lock, the
    push and the revocation (or rotation) queue behind it in the order chosen, and the lock
    is released. A push first commits (its records under the old key, before the
    revocation); a push second reads the members and epoch after the revocation committed
    (a fresh snapshot once it holds the lock) and is refused, storing nothing."""
    assert live_server.database_url is not None
    url = live_server.database_url
    journal = await ben_annotates_at_epoch_1(live_server, raw, ana, ben)
    keep_ben = case == "rotated"
    holder = await asyncpg.connect(url)
    try:
        hold = holder.transaction()
        await hold.start()
        await holder.execute("SELECT 1 FROM journals WHERE journal_id = $1 FOR UPDATE", journal)

        def pushing() -> Awaitable[Answer]:
            return push(raw, ben, journal, [upload(1, epoch=1), upload(2, epoch=1)])

        def revoking() -> Awaitable[Answer]:
            return rotate(live_server, raw, ana, ben, 2, keep_ben)

        order: list[Callable[[], Awaitable[Answer]]] = (
            [pushing, revoking] if push_first else [revoking, pushing]
        )
        tasks = []
        for number, start in enumerate(order, 1):
            tasks.append(asyncio.ensure_future(start()))
            await waiting_for_locks(url, number)
        await hold.rollback()
        answers = await asyncio.gather(*tasks)
    finally:
        await holder.close()
    pushed, revocation = answers if push_first else answers[::-1]
    assert revocation.status == 200, revocation.value()
    stored = bens_records(await stored_records(live_server, journal), [1, 2])
    if push_first:
        assert pushed.status == 200, pushed.value()
        assert [(record_id, epoch) for _, record_id, epoch, _ in stored] == [
            (upload(1)["record_id"], 1),
            (upload(2)["record_id"], 1),
        ]
    else:
        assert pushed.error() == CASES[case][1]
        assert stored == []
    [(epoch,)] = await live_server.rows("SELECT epoch FROM journals WHERE journal_id = ?", journal)
    assert epoch == 2
