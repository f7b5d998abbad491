"""A member's account erasure racing the owner's rotation that adds that account to a journal.

On PostgreSQL the erasure reads the account's memberships in its own snapshot. A rotation
that has inserted the new membership but not committed is not seen. Before the erasure took
its account's row lock up front (storage/postgres.py `_lock_erased`), either:

- the rotation committed while the erasure waited to delete the account's row, and ON DELETE
  CASCADE dropped the new membership with no meta_version bump by the erasure: the owner's
  devices, which made that rotation, were never told the member was gone; or
- the erasure held the owner's usage counter (freed bytes of a record the owner pushed into
  the erased account's journal) while the rotation wanted it, and the rotation held the
  key-share lock on the account's row the erasure's delete wanted: a deadlock, which
  PostgreSQL breaks by failing one of them (a 503).

Each order is made deterministic by holding the owner's usage row, where the first of the
two stops, while the second queues. On SQLite writers run one at a time (storage/sqlite.py
`_write`); the rotation that comes after the erasure, between the service's check that its
members exist and its write, is refused as the check would have refused it (both backends).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from client_sdk import INSECURE_TEST_COST, Client, wire
from server import routes
from tests.conftest import PASSWORD, RunningServer
from tests.server.raw import Answer, RawClient, journal_id, push, sealed_meta, upload
from tests.server.test_push_races import chain_length, waiting_for_locks


async def add_ben(server: RunningServer, raw: RawClient, ana: Client, ben: Client) -> Answer:
    """ana's rotation of her journal to epoch 1, adding ben. Its access chain entry is
    larger than the sealed name it replaces, so that its bytes are checked against ana's
    storage quota, under her usage row's lock, after the members insert."""
    journal = await journal_id(ana)
    request = wire.RotateRequest(
        journal,
        1,
        sealed_meta(1),
        [
            wire.MemberKey(ana.profile.account_id, bytes(48), "owner", 0),
            wire.MemberKey(ben.profile.account_id, bytes(48), "annotate", 0),
        ],
        await chain_length(server, journal),
        [bytes(2000)],
    )
    return await raw.call("/v1/journals/rotate", request, token=ana.profile.token)


async def meta_version(server: RunningServer, journal: bytes) -> int:
    [(version,)] = await server.rows(
        "SELECT meta_version FROM journals WHERE journal_id = ?", journal
    )
    return int(version)


async def members(server: RunningServer, journal: bytes) -> set[bytes]:
    rows = await server.rows("SELECT account_id FROM members WHERE journal_id = ?", journal)
    return {bytes(row[0]) for row in rows}


async def erase(client: Client) -> BaseException | None:
    """The account's erasure through the SDK; the error it raised, if any."""
    try:
        await client.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    except Exception as error:  # noqa: BLE001 (the test asserts there is none)
        return error
    return None


async def hold_usage_row(holder: asyncpg.Connection, account_id: bytes) -> None:
    """Lock the account's usage counter row in `holder`'s open transaction."""
    held = await holder.fetch(
        "SELECT 1 FROM account_usage WHERE account_id = $1 FOR UPDATE", account_id
    )
    assert len(held) == 1  # the row exists: whoever needs it waits


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_an_erasure_after_a_rotation_adding_the_account_bumps_that_journal(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """ana's rotation adds ben and stops at ana's usage row, after its members insert; ben's
    erasure starts meanwhile. The rotation commits first: the erasure must see ben's new
    membership and raise that journal's meta_version, as a leave does, so that ana's
    devices ask who the server still serves."""
    assert live_server.database_url is not None
    url = live_server.database_url
    journal = await journal_id(ana)
    before = await meta_version(live_server, journal)
    holder = await asyncpg.connect(url)
    try:
        hold = holder.transaction()
        await hold.start()
        await hold_usage_row(holder, ana.profile.account_id)
        rotating = asyncio.ensure_future(add_ben(live_server, raw, ana, ben))
        await waiting_for_locks(url, 1)  # the rotation, after inserting ben's membership
        erasure = asyncio.ensure_future(erase(ben))
        await waiting_for_locks(url, 2)  # the erasure waits for the rotation
        await hold.rollback()
        rotated = await rotating
        erased = await erasure
    finally:
        await holder.close()
    assert (rotated.status, erased) == (200, None), rotated.value()
    assert (
        await live_server.rows(
            "SELECT 1 FROM accounts WHERE account_id = ?", ben.profile.account_id
        )
        == []
    )
    assert await members(live_server, journal) == {ana.profile.account_id}
    # One bump for the rotation, one for the erasure of a member: ana's devices, which know
    # of the first (they made it), are told of the second.
    assert await meta_version(live_server, journal) == before + 2


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_rotation_adding_an_account_during_its_erasure_is_refused_without_deadlock(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """ana annotates ben's journal and pushed a record into it, so ben's erasure frees
    ana's bytes: it stops at ana's usage row. ana's rotation adding ben to her own journal
    starts meanwhile. The erasure goes through; the rotation is refused as naming an
    account that does not exist (404), never a deadlock (503) or a 500."""
    assert live_server.database_url is not None
    url = live_server.database_url
    bens = await journal_id(ben)
    shared = wire.RotateRequest(
        bens,
        1,
        sealed_meta(1),
        [
            wire.MemberKey(ben.profile.account_id, bytes(48), "owner", 0),
            wire.MemberKey(ana.profile.account_id, bytes(48), "annotate", 0),
        ],
        await chain_length(live_server, bens),
        [b"b1"],
    )
    answer = await raw.call("/v1/journals/rotate", shared, token=ben.profile.token)
    assert answer.status == 200, answer.value()
    pushed = await push(raw, ana, bens, [upload(1, epoch=1)])
    assert pushed.status == 200, pushed.value()
    journal = await journal_id(ana)
    before = await meta_version(live_server, journal)
    holder = await asyncpg.connect(url)
    try:
        hold = holder.transaction()
        await hold.start()
        await hold_usage_row(holder, ana.profile.account_id)
        erasure = asyncio.ensure_future(erase(ben))
        await waiting_for_locks(url, 1)  # the erasure, freeing ana's bytes
        rotating = asyncio.ensure_future(add_ben(live_server, raw, ana, ben))
        await waiting_for_locks(url, 2)  # the rotation waits too
        await hold.rollback()
        erased = await erasure
        rotated = await rotating
    finally:
        await holder.close()
    assert erased is None, erased
    assert (rotated.status, rotated.value().get("code")) == (404, "not_found"), rotated.value()
    assert (
        await live_server.rows(
            "SELECT 1 FROM accounts WHERE account_id = ?", ben.profile.account_id
        )
        == []
    )
    assert await members(live_server, journal) == {ana.profile.account_id}
    assert await meta_version(live_server, journal) == before  # the rotation changed nothing


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_rotation_adding_an_account_erased_since_its_check_is_refused(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """The service checked that ben exists; ben's erasure commits before the rotation's
    write: the rotation is refused as the check refuses an unknown account (404), not as a
    failed foreign key (a 503 with an error logged)."""
    storage = live_server.server.app[routes.SERVICE].storage
    real = storage.rotate
    erased: list[BaseException | None] = []

    async def erased_first(*args: Any, **kwargs: Any) -> None:
        erased.append(await erase(ben))
        await real(*args, **kwargs)

    journal = await journal_id(ana)
    before = await meta_version(live_server, journal)
    setattr(storage, "rotate", erased_first)  # noqa: B010 (a method of one instance)
    try:
        rotated = await add_ben(live_server, raw, ana, ben)
    finally:
        delattr(storage, "rotate")
    assert erased == [None]
    assert (rotated.status, rotated.value().get("code")) == (404, "not_found"), rotated.value()
    assert await members(live_server, journal) == {ana.profile.account_id}
    assert await meta_version(live_server, journal) == before
