"""What a sync keeps in memory between syncs (issue 10: a sync with nothing to do runs one
SQLite statement): the journals held back, the journal list with its cursors, a clean
withholding check and whether anything waits to be sent are read again after any change to
them, whoever made it: another process on the same profile (a real second process committing
SQL, `other_process`; or another `Client` of this process, as another app would write), or
this one, committed or rolled back."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

import pytest

from client_sdk import Client, hold_back
from client_sdk.default_journal import DEFAULT_SETTING
from client_sdk.store import STORE_FILE
from client_sdk.withholding import DeviceCounters
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

OTHER_DEVICE = b"\x0d" * 16
HANG = 60.0  # bounds a hang only: no latency claim (bench/sync.py measures it)


@contextlib.contextmanager
def statements(client: Client, *, every: bool = False) -> Iterator[list[str]]:
    """The SQL statements `client`'s store runs meanwhile (a statement's trigger programs and
    a pragma it reads as a table, traced again by SQLite, are left out). `every`: a statement
    run again right after itself counts again (else once)."""
    traced: list[str] = []
    connection: sqlite3.Connection = client.store._db._connection

    def trace(sql: str) -> None:
        if not sql.startswith("--") and (every or not traced or traced[-1] != sql):
            traced.append(sql)

    connection.set_trace_callback(trace)
    try:
        yield traced
    finally:
        connection.set_trace_callback(None)


async def settled(client: Client) -> None:
    """Syncs until one finds nothing to do (the second after a write)."""
    await client.sync()
    await client.sync()


def other_process(client: Client, sql: str, params: tuple[object, ...] = ()) -> None:
    """Commit `sql` with `params` (ints, strings, bytes, None) to the client's store file
    from another process: a subprocess with a SQLite connection of its own (its own mapping
    of the store's `-shm` file, where the header the store's version reads is)."""
    script = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
        f"db.execute({sql!r}, {params!r})\n"
        "db.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(client.home / STORE_FILE)],
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert done.returncode == 0, done.stderr


class Abandon(Exception):
    """Raised inside a transaction so that it rolls back."""


async def test_a_sync_with_nothing_to_do_runs_no_statement_on_the_store(
    signup: ClientFactory,
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    with statements(laptop, every=True) as ran:
        report = await laptop.sync()
    assert (report.pushed, report.pulled, report.incomplete, report.withheld) == (0, 0, [], [])
    # the store's version is the log's header, read from its file (Database.log_state): the
    # round trip to the server is the whole of it
    assert ran == [], ran


async def test_journals_held_back_are_read_again_after_another_process_or_a_rollback(
    signup: ClientFactory,
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    [journal] = await laptop.store.journals()
    announced = hold_back.encode(
        hold_back.HoldBack({journal.journal_id: 10**6})
    )  # a head no reply reaches

    with contextlib.suppress(Abandon):  # written here and rolled back: never there
        async with laptop.store.transaction() as tx:
            await tx.set_setting(hold_back.SETTING, announced)
            raise Abandon
    assert (await laptop.sync()).incomplete == []

    other_process(  # another process of the profile held the journal back
        laptop, "INSERT OR REPLACE INTO settings VALUES (?, ?)", (hold_back.SETTING, announced)
    )
    report = await laptop.sync()
    assert any("below seq 1000000 it announced" in line for line in report.incomplete)

    async with laptop.store.transaction() as tx:  # this process forgets it again
        await tx.set_setting(hold_back.SETTING, hold_back.encode(hold_back.HoldBack({})))
    assert (await laptop.sync()).incomplete == []


async def test_a_cursor_moved_by_another_process_or_a_rollback_is_what_the_next_sync_asks_from(
    signup: ClientFactory,
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    [journal] = await laptop.store.journals()
    far = journal.cursor + 5  # past the server's head: the server is said to have gone back

    with contextlib.suppress(Abandon):
        async with laptop.store.transaction() as tx:
            await tx.advance_cursor(journal.journal_id, far)
            raise Abandon
    assert (await laptop.sync()).problems == []

    other_process(laptop, "UPDATE journals SET cursor = ?", (far,))
    report = await laptop.sync()
    assert any(f"below the position {far}" in line for line in report.problems), report.problems
    assert [j.cursor for j in await laptop.store.journals()] == [journal.cursor]  # pulled again


@pytest.mark.parametrize("rolled_back_first", [False, True])
async def test_counters_another_process_stores_are_checked_for_withheld_records(
    signup: ClientFactory, rolled_back_first: bool
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    [journal] = await laptop.store.journals()
    gap = {(laptop.profile.account_id, OTHER_DEVICE): DeviceCounters([(1, 1), (3, 3)])}

    if rolled_back_first:
        with contextlib.suppress(Abandon):
            async with laptop.store.transaction() as tx:
                await tx.put_journal_counters(journal.journal_id, gap)
                raise Abandon
        assert (await laptop.sync()).withheld == []

    second = await Client.open(laptop.home)  # another Client on the same profile
    try:
        async with second.store.transaction() as tx:
            await tx.put_journal_counters(journal.journal_id, gap)
    finally:
        await second.close()
    [withheld] = (await laptop.sync()).withheld
    assert (withheld.device, withheld.missing) == (OTHER_DEVICE, ((2, 2),))


async def test_an_entry_another_process_writes_is_pushed_by_the_next_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)

    with contextlib.suppress(Abandon):  # an entry written here and rolled back: nothing to send
        async with laptop.store.transaction() as tx:
            await tx.add_outbox(b"\x01" * 16, b"\x02" * 16, 1, b"sealed", None)
            raise Abandon
    assert (await laptop.sync()).pushed == 0

    second = await Client.open(laptop.home)  # another Client on the same profile writes
    try:
        written = await second.entries.write(None, "from the other window")
    finally:
        await second.close()
    assert (await laptop.sync()).pushed == 1
    assert (await laptop.sync()).pushed == 0

    phone = await login("ana")
    await phone.sync()
    assert written.id in {e.id for e in await phone.entries.list()}


async def test_an_entry_another_process_writes_during_a_sync_is_pushed_by_the_next_one(
    signup: ClientFactory, login: ClientFactory
) -> None:
    # The end of a sync that stored something reads whether anything waits to be sent; what
    # another process wrote meanwhile must not be taken for nothing (the next sync would
    # then skip its push side).
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    phone = await login("ana")
    await phone.entries.write(None, "from the phone")
    await phone.sync()

    second = await Client.open(laptop.home)  # another Client on the same profile writes...
    try:
        written = await second.entries.write(None, "from the other window")
    finally:
        await second.close()
    [row] = await laptop.store._db.execute_fetchall("SELECT * FROM outbox")
    other_process(laptop, "DELETE FROM outbox")  # ...and its outbox row lands during the next sync
    landed: list[bool] = []

    def land(_: object) -> None:
        if not landed:
            other_process(laptop, "INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?)", tuple(row))
            landed.append(True)

    report = await laptop.sync(progress=land)
    assert landed and report.pulled == 1 and report.pushed == 0
    assert (await laptop.sync()).pushed == 1
    await phone.sync()
    assert written.id in {e.id for e in await phone.entries.list()}


async def test_a_notices_sync_sees_what_another_process_changed_before_the_notice(
    signup: ClientFactory, login: ClientFactory
) -> None:
    # The watch reads the store's version once for a notice, for its check and its sync.
    laptop = await signup("ana")
    await laptop.entries.write(None, "one entry")
    await settled(laptop)
    phone = await login("ana")
    await phone.sync()
    [journal] = await laptop.store.journals()
    reports = contextlib.aclosing(laptop.watch())
    async with reports as watch:
        first = await asyncio.wait_for(anext(watch), HANG)  # the sync after connecting
        assert first.trigger is not None and first.trigger.connected
        announced = hold_back.encode(hold_back.HoldBack({journal.journal_id: 10**6}))
        other_process(  # another process holds the journal back...
            laptop, "INSERT OR REPLACE INTO settings VALUES (?, ?)", (hold_back.SETTING, announced)
        )
        written = await phone.entries.write(None, "from the phone")
        await phone.sync()  # ...before the notice of this record arrives
        report = await asyncio.wait_for(anext(watch), HANG)
        assert report.trigger is not None and report.trigger.journal_id == journal.journal_id.hex()
        assert report.pulled == 1
        assert any("below seq 1000000 it announced" in line for line in report.incomplete)
    assert written.id in {e.id for e in await laptop.entries.list()}


async def test_a_share_from_an_owner_not_verified_costs_a_no_op_sync_no_more_statements(
    signup: ClientFactory,
) -> None:
    # The bound on unverified owners' journals sums their documents at every pull: a pull
    # with nothing new takes the sums of the last one (the store's version stood still).
    client = await signup("ana")
    therapist = await signup("tess")
    await client.entries.write(None, "shared entry")
    await share_with(client, therapist)  # the therapist has not verified ana
    await client.sync()
    await settled(therapist)
    [journal] = [
        j for j in await therapist.store.journals() if j.owner_id == client.profile.account_id
    ]
    assert not therapist.replica.owner_verified(journal)
    assert await therapist.store.journal_bytes(journal.journal_id) > 0
    with statements(therapist) as ran:
        report = await therapist.sync()
    assert (report.pulled, report.incomplete, report.held_back) == (0, [], [])
    assert ran == [], ran

    await client.entries.write(None, "another entry")
    await client.sync()
    assert (await therapist.sync()).pulled == 1  # counted again: the store moved


async def test_a_pull_that_moves_a_cursor_reads_the_default_journal_settings_no_more(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A sync that pulls a record (its cursor moves, so the journal list's version does)
    reads the default journal's settings (`Context.chosen_default`, for the safety plan's
    journal) from the store's copy kept until the settings table changes (issue 10: a
    follower read them at every round); a choice another process makes is read."""
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.entries.write(None, "one entry")
    await laptop.sync()
    await settled(phone)
    await laptop.entries.write(None, "another entry")
    await laptop.sync()
    with statements(phone, every=True) as traced:
        assert (await phone.sync()).pulled >= 1
    assert [s for s in traced if "FROM settings WHERE name IN" in s] == []
    other = await phone.journals.create("Other")
    await phone.sync()
    other_process(
        phone,
        "INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)",
        (DEFAULT_SETTING, other.id),
    )
    await laptop.entries.write(None, "a third entry")
    await laptop.sync()
    await phone.sync()
    assert await phone.context.chosen_default() == other.id
