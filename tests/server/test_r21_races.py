"""R21 hostile review of integ4 (13cab27): the in-transaction writer check (ed5bc45) against
the write paths it does not cover.

protocol.md (push, "Checked where it is stored") now says the server never stores records of
a member after its removal. On PostgreSQL the check reads `members` in a fresh snapshot after
the journal's row lock; only the removals that take that lock (rotation, departure, journal
deletion) are serialised with it. The erasure of a *member's* account locks only the
journals it owns, so a push of that member into someone else's journal runs beside the
erasure, reads the membership the erasure is deleting (uncommitted), and commits records the
erasure will never see. Made deterministic by holding a row the erasure deletes (one of the
member's key envelopes) so that it stops after its record deletions, as a slow disk would.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from client_sdk import INSECURE_TEST_COST, Client
from server import routes
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.server.raw import RawClient, journal_id, push, stored_records, upload
from tests.server.test_push_races import ben_annotates_at_epoch_1, rotate, waiting_for_locks


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_push_racing_the_erasure_of_its_account_leaves_no_record(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """R21 F3. As R21 wrote it, the push was awaited while the erasure was held, which only
    a push that does not wait for the erasure can finish: the fix serialises the two (the
    erasure deletes ben's devices first, the push's in-transaction check reads its device
    row FOR SHARE), so the push now waits for the erasure and is started as a task; the
    assertion (no record of the erased account left behind) is unchanged."""
    assert live_server.database_url is not None
    url = live_server.database_url
    journal = await ben_annotates_at_epoch_1(live_server, raw, ana, ben)
    ben_id = ben.profile.account_id
    # An account with no usage row yet: every account of a database from before the
    # defences migration (its rows are "created from its records on first use").
    holder = await asyncpg.connect(url)
    try:
        await holder.execute("DELETE FROM account_usage WHERE account_id = $1", ben_id)
        hold = holder.transaction()
        await hold.start()
        await holder.execute("SELECT 1 FROM journal_keys WHERE account_id = $1 FOR UPDATE", ben_id)
        # the count before the erasure agreed away: its sync would refuse the erasure over
        # the chain this test's raw pushes leave (a sync cut short); the race is the subject
        erasure = asyncio.ensure_future(
            ben.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_undelivered=True)
        )
        await waiting_for_locks(url, 1)  # the erasure deleted ben's records, then waits
        pushing = asyncio.ensure_future(push(raw, ben, journal, [upload(7, epoch=1)]))
        await waiting_for_locks(url, 2)  # the push waits for the erasure: serialised
        await hold.rollback()
        await erasure
        pushed = await pushing
    finally:
        await holder.close()
    assert await live_server.rows("SELECT 1 FROM accounts WHERE account_id = ?", ben_id) == []
    stored = await stored_records(live_server, journal)
    left = [row for row in stored if row[1] == upload(7)["record_id"]]
    # Either the push committed before the erasure began its deletions (and went with
    # them), or it was refused: never a record of the erased account left behind.
    assert left == [], f"the push was answered {pushed.status} and its record outlived the erasure"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_rotation_and_the_owners_push_do_not_deadlock(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """The push queues on the journal's row first, the rotation takes the owner's account
    row (`_lock_account`) and queues behind it. The push then makes the owner's usage row
    (none yet: a database from before the defences migration), whose foreign key needs a
    share lock on the account row the rotation holds: a cycle PostgreSQL breaks by failing
    one transaction (DeadlockDetected, a 503 for the push or for the revocation)."""
    assert live_server.database_url is not None
    url = live_server.database_url
    journal = await ben_annotates_at_epoch_1(live_server, raw, ana, ben)
    holder = await asyncpg.connect(url)
    try:
        await holder.execute(
            "DELETE FROM account_usage WHERE account_id = $1", ana.profile.account_id
        )
        hold = holder.transaction()
        await hold.start()
        await holder.execute("SELECT 1 FROM journals WHERE journal_id = $1 FOR UPDATE", journal)
        pushing = asyncio.ensure_future(push(raw, ana, journal, [upload(1, epoch=1)]))
        await waiting_for_locks(url, 1)
        rotating = asyncio.ensure_future(rotate(live_server, raw, ana, ben, 2, keep_ben=True))
        await waiting_for_locks(url, 2)
        await hold.rollback()
        pushed, rotated = await asyncio.gather(pushing, rotating)
    finally:
        await holder.close()
    assert (pushed.status, rotated.status) == (200, 200), (pushed.value(), rotated.value())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_push_from_a_device_signed_out_meanwhile_is_refused(
    live_server: RunningServer, raw: RawClient, ana: Client, login: ClientFactory
) -> None:
    """ana's phone is stolen; her laptop signs it out while a push of the phone is on its
    way to the storage (authenticated, not yet inserted): the order test_push_races uses
    for a revocation. The sign-out is answered 200 ("its session token stops working at
    once"), and the push is stored after it."""
    phone = await login("ana", device="phone")
    journal = await journal_id(ana)
    storage = live_server.server.app[routes.SERVICE].storage
    real = storage.append_records
    signed_out: list[None] = []

    async def signed_out_first(*args: Any, **kwargs: Any) -> list[tuple[bytes, int]]:
        await ana.devices.revoke(phone.profile.device_id.hex())
        signed_out.append(None)
        return await real(*args, **kwargs)

    setattr(storage, "append_records", signed_out_first)  # noqa: B010 (one instance)
    try:
        answer = await push(raw, phone, journal, [upload(3, epoch=0)])
    finally:
        delattr(storage, "append_records")
    assert signed_out == [None]
    stored = [
        r for r in await stored_records(live_server, journal) if r[1] == upload(3)["record_id"]
    ]
    assert (answer.status, stored) == (401, [])
