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

The erasure first takes the account's erasure lock (an advisory lock), which a rotation
adding the account only tries: the erasure waits for the rotations under way, and every
later one is refused (404), so that an owner adding the account to one journal after another
cannot keep the erasure retrying until it gives up (a 503), as it could when the erasure read
the account's journals again after locking its row and started over when one had appeared.

Each order is made deterministic by holding the owner's usage row, where the first of the
two stops, while the second queues (and, for the owner adding again and again, the account's
row and the last journal added, read from PostgreSQL's lock table). On SQLite writers run one at a time (storage/sqlite.py
`_write`); the rotation that comes after the erasure, between the service's check that its
members exist and its write, is refused as the check would have refused it (both backends).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from client_sdk import INSECURE_TEST_COST, Client, wire
from server import routes
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.server.raw import Answer, RawClient, journal_id, push, sealed_meta, upload
from tests.server.test_push_races import chain_length, waiting_for_locks


async def add_ben(
    server: RunningServer, raw: RawClient, ana: Client, ben: Client, journal: bytes = b""
) -> Answer:
    """ana's rotation of her journal (by default "Personal") to epoch 1, adding ben. Its
    access chain entry is larger than the sealed name it replaces, so that its bytes are
    checked against ana's storage quota, under her usage row's lock, after the members
    insert."""
    journal = journal or await journal_id(ana)
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
    """The account's erasure through the SDK; the error it raised, if any. The server's
    races are the subject: the client's count of safety items its members may not have
    received, and the sync it runs first, are agreed away (`discard_undelivered=True`; that
    sync would itself run into the hooks these tests put on the server's storage)."""
    try:
        await client.delete_account(
            PASSWORD, minimum_cost=INSECURE_TEST_COST, discard_undelivered=True
        )
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
        # The rotation is refused at once (the erasure holds ben's erasure lock), or waits.
        await until(url, done_or_waiting(rotating, 2))
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


class Holder:
    """A connection of the test's own that holds row locks in an open transaction."""

    def __init__(self, connection: asyncpg.Connection, pid: int) -> None:
        self.connection = connection
        self.pid = pid
        self.held: Any = None

    @classmethod
    async def open(cls, url: str) -> Holder:
        connection = await asyncpg.connect(url)
        return cls(connection, int(await connection.fetchval("SELECT pg_backend_pid()")))

    async def hold(self, sql: str, *args: Any) -> int:
        """Run the locking `sql` in a new transaction, kept open; the number of rows."""
        self.held = self.connection.transaction()
        await self.held.start()
        return len(await self.connection.fetch(sql, *args))

    async def release(self) -> None:
        await self.held.rollback()
        self.held = None


async def until(url: str, check: Callable[[asyncpg.Connection], Awaitable[bool]]) -> None:
    """Until `check` holds (a condition on the database, polled; never a wait of its own)."""
    connection = await asyncpg.connect(url)
    try:
        async with asyncio.timeout(30):
            while not await check(connection):
                await asyncio.sleep(0.01)
    finally:
        await connection.close()


def done_or_blocked_by(task: asyncio.Future[Any], holder: Holder) -> Callable[..., Any]:
    """`task` ended, or a session waits for a lock `holder` holds (read from the lock
    table, which a release changes at once)."""

    async def check(connection: asyncpg.Connection) -> bool:
        blocked = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
            holder.pid,
        )
        return task.done() or blocked == 1

    return check


def done_or_waiting(task: asyncio.Future[Any], count: int) -> Callable[..., Any]:
    """`task` ended, or `count` sessions wait for a lock."""

    async def check(connection: asyncpg.Connection) -> bool:
        waiting = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return task.done() or waiting == count

    return check


ADDITIONS = 4
"""How many times the owner adds the account to another journal during its erasure."""


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_an_owner_adding_the_account_again_and_again_cannot_starve_its_erasure(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """ana adds ben to one new journal after another, each rotation timed to hold its lock
    on ben's row while ben's erasure waits for that row and to commit once the erasure has
    read ben's journals: an erasure that reads them again and retries when one appeared is
    kept retrying until it gives up (a 503), so that ben can never leave. The erasure must
    go through: a rotation that comes once the erasure started is refused (404), the one
    before it is seen and its journal raised.

    Each turn: ana's rotation stops at her usage row after adding ben; a lock of the test
    on ben's row (key-share, as a rotation's) keeps the erasure waiting once the rotation
    committed; a lock on that rotation's journal then stops the erasure's next read of
    ben's journals before the next rotation adds ben."""
    assert live_server.database_url is not None
    url = live_server.database_url
    journals = []
    for turn in range(ADDITIONS):
        await ana.journals.create(f"Turn {turn}")
        journals.append(await journal_id(ana, f"Turn {turn}"))
    before = [await meta_version(live_server, journal) for journal in journals]
    usage, account, journal_lock = [await Holder.open(url) for _ in range(3)]
    usage_row = "SELECT 1 FROM account_usage WHERE account_id = $1 FOR UPDATE"
    bens_row = "SELECT 1 FROM accounts WHERE account_id = $1 FOR KEY SHARE"
    a_journal = "SELECT 1 FROM journals WHERE journal_id = $1 FOR KEY SHARE"
    rotations: list[asyncio.Future[Answer]] = []
    erasure: asyncio.Future[BaseException | None] | None = None
    try:
        for journal in journals:
            assert await usage.hold(usage_row, ana.profile.account_id) == 1
            rotation = asyncio.ensure_future(add_ben(live_server, raw, ana, ben, journal))
            rotations.append(rotation)
            await until(url, done_or_blocked_by(rotation, usage))
            await account.hold(bens_row, ben.profile.account_id)
            if erasure is None:
                erasure = asyncio.ensure_future(erase(ben))
                await until(url, done_or_waiting(erasure, 2))  # it waits for the rotation
            else:
                await journal_lock.release()  # the erasure's read of ben's journals goes on
            await usage.release()
            await rotation  # it commits; the erasure still waits for the test's lock on ben
            locking = asyncio.ensure_future(journal_lock.hold(a_journal, journal))
            await until(url, done_or_waiting(locking, 2))
            await account.release()
            # The erasure ends, or reads ben's journals again and waits for this journal.
            await until(url, done_or_blocked_by(erasure, journal_lock))
            await locking
        await journal_lock.release()
        assert erasure is not None
        erased = await erasure
    finally:
        for holder in (usage, account, journal_lock):
            await holder.connection.close()
    assert erased is None, erased
    answers = [
        (answer.status, answer.value().get("code")) for answer in await asyncio.gather(*rotations)
    ]
    assert answers == [(200, None)] + [(404, "not_found")] * (ADDITIONS - 1), answers
    assert (
        await live_server.rows(
            "SELECT 1 FROM accounts WHERE account_id = ?", ben.profile.account_id
        )
        == []
    )
    for journal in journals:
        assert await members(live_server, journal) == {ana.profile.account_id}
    # The first rotation went through before the erasure: raised by both; the others
    # changed nothing.
    after = [await meta_version(live_server, journal) for journal in journals]
    assert after == [before[0] + 2, *before[1:]]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_rotation_adding_the_account_once_its_erasure_waits_is_refused_at_once(
    live_server: RunningServer, raw: RawClient, signup: ClientFactory, ana: Client, ben: Client
) -> None:
    """ana's rotation adding ben stops at ana's usage row; ben's erasure starts and waits
    for it. carl's rotation adding ben then comes: it is refused at once (404), not let in
    ahead of the waiting erasure (which would then wait for it too, and for the next one:
    one owner after another could keep the erasure waiting). Once ana's rotation commits,
    the erasure goes through and raises ana's journal."""
    assert live_server.database_url is not None
    url = live_server.database_url
    carl = await signup("carl")
    anas, carls = await journal_id(ana), await journal_id(carl)
    before = await meta_version(live_server, anas), await meta_version(live_server, carls)
    usage = await Holder.open(url)
    try:
        assert await usage.hold(
            "SELECT 1 FROM account_usage WHERE account_id = $1 FOR UPDATE", ana.profile.account_id
        )
        first = asyncio.ensure_future(add_ben(live_server, raw, ana, ben))
        await until(url, done_or_blocked_by(first, usage))
        erasure = asyncio.ensure_future(erase(ben))
        await until(url, done_or_waiting(erasure, 2))  # it waits for ana's rotation
        second = await add_ben(live_server, raw, carl, ben)
        assert not first.done() and not erasure.done()
        await usage.release()
        rotated, erased = await first, await erasure
    finally:
        await usage.connection.close()
    assert (second.status, second.value().get("code")) == (404, "not_found"), second.value()
    assert (rotated.status, erased) == (200, None), rotated.value()
    assert await members(live_server, carls) == {carl.profile.account_id}
    assert await members(live_server, anas) == {ana.profile.account_id}
    after = await meta_version(live_server, anas), await meta_version(live_server, carls)
    assert after == (before[0] + 2, before[1])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_journal_creation_of_an_account_erased_since_its_session_was_checked_is_refused(
    live_server: RunningServer, raw: RawClient, ben: Client
) -> None:
    """ben's device creates a journal; ben's erasure (from another of ben's devices)
    commits between the check of the device's session and the write: the creation is
    refused as any request of an erased account's session is (401), not as a taken journal
    id (409) or a failed foreign key (a 503 with an error logged)."""
    storage = live_server.server.app[routes.SERVICE].storage
    real = storage.create_journal
    erased: list[BaseException | None] = []
    token = ben.profile.token

    async def erased_first(*args: Any, **kwargs: Any) -> None:
        erased.append(await erase(ben))
        await real(*args, **kwargs)

    request = wire.JournalCreateRequest(
        bytes(range(16)), wire.KeyEnvelope(0, bytes(72)), sealed_meta(0), [b"c0"]
    )
    setattr(storage, "create_journal", erased_first)  # noqa: B010 (a method of one instance)
    try:
        created = await raw.call("/v1/journals/create", request, token=token)
    finally:
        delattr(storage, "create_journal")
    assert erased == [None]
    assert (created.status, created.value().get("code")) == (401, "auth_failed"), created.value()
    assert (
        await live_server.rows("SELECT 1 FROM journals WHERE journal_id = ?", bytes(range(16)))
        == []
    )
    assert "failure" not in live_server.log_file.read_text()
