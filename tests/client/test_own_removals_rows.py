"""rev32c F4: the own removals a pull has not served back yet (sync.OWN_REMOVALS) are rows of
the store's table `own_removals`, one written a deletion: deleting N entries offline writes
O(N) bytes of that bookkeeping, where one JSON setting rewritten whole at every deletion wrote
O(N^2). A store whose earlier version kept the setting has it moved into the table at its
opening; the setting an earlier version writes while a newer one has the store open counts
from the newer one's next pull (rev33b F3)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
from pathlib import Path

from client_sdk import Client, wire
from client_sdk import sync as sync_plan
from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer
from tests.client.test_rev_l1_findings import statements
from tests.client.test_withholding import (
    drop_pushes_with_stubs,
    gap_of,
    personal,
    phone_through,
    without_claimant,
)
from tests.conftest import ClientFactory, RunningServer

DELETED = 60


async def test_deleting_many_entries_offline_writes_a_row_each(signup: ClientFactory) -> None:
    laptop = await signup("ana")
    entries = [await laptop.entries.write(None, f"entry {n}") for n in range(DELETED)]
    await laptop.sync(strict=True)
    written: list[int] = []
    for entry in entries:  # offline: no sync between them
        with statements(laptop) as traced:
            await laptop.entries.delete(entry.id)
        # The statements of the bookkeeping, their bound values written out (SQLite's trace).
        written.append(sum(len(s) for s in traced if "own_removals" in s))
    # The same few hundred bytes each (a JSON list of every earlier one grew by some 80 each).
    assert 0 < min(written) and max(written) <= 500, written
    assert sum(written) <= DELETED * 500
    assert len(await laptop.store.own_removals()) == 1
    assert sum(map(len, (await laptop.store.own_removals()).values())) == DELETED
    assert await laptop.store.setting(sync_plan.OWN_REMOVALS) is None
    assert (await laptop.sync(strict=True)).withheld == []
    assert await laptop.store.own_removals() == {}


async def test_the_setting_an_earlier_version_kept_moves_into_the_table(
    signup: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "I want this gone.")
    await laptop.sync(strict=True)
    await laptop.entries.delete(entry.id)
    removals = await laptop.store.own_removals()
    assert removals != {}
    # As an earlier version left it: the setting, no row.
    await laptop.store.put_setting(sync_plan.OWN_REMOVALS, sync_plan.encode_own_snapshots(removals))
    await laptop.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "ana-laptop" / STORE_FILE)) as db, db:
        db.execute("DROP TABLE own_removals")  # made since
    opened = await Client.open(tmp_path / "ana-laptop")
    try:
        assert await opened.store.setting(sync_plan.OWN_REMOVALS) is None
        assert await opened.store.own_removals() == removals
        before = await opened.sync(strict=True)
        assert before.withheld == [] and await opened.store.own_removals() == {}
    finally:
        await opened.close()


def as_an_earlier_version_left_it(home: Path) -> None:
    """Test-only: the store as a `tj` before the table leaves it after its deletion (its
    `_note_removal` wrote the setting, never a row), written by a connection of its own while
    the store is open in this process, as that `tj` would, running beside it."""
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db, db:
        removals: dict[bytes, dict[bytes, int]] = {}
        for journal_id, record_id in db.execute("SELECT journal_id, record_id FROM own_removals"):
            removals.setdefault(bytes(journal_id), {})[bytes(record_id)] = 0
        assert removals
        db.execute("DELETE FROM own_removals")
        db.execute(
            "INSERT OR REPLACE INTO settings VALUES (?, ?)",
            (sync_plan.OWN_REMOVALS, sync_plan.encode_own_snapshots(removals)),
        )


async def test_an_earlier_versions_deletion_under_an_open_store_dropped_is_reported(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """rev33b F3: an earlier `tj` deletes an entry in the phone's home while the phone's
    process (this version) has it open; the server acknowledges the deletion, drops it and
    serves the phone a stub in its place. The phone's next pull asks the journal whole (the
    setting counts as the table's rows) and reports its own record withheld, as for its own
    deletion (tests/client/test_withholding.py::
    test_a_deletion_dropped_and_stubbed_to_its_writer_is_noticed_there)."""
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "I want this gone.")
    await laptop.sync(strict=True)
    phone = await phone_through(hostile, tmp_path)
    try:
        await phone.sync(strict=True)
        journal = await personal(phone)
        await phone.entries.delete(entry.id)
        listed = await phone.store.own_removals()
        as_an_earlier_version_left_it(phone.home)
        drops = drop_pushes_with_stubs(hostile, live_server)
        before = len(hostile.bodies("/v1/sync"))
        reports = [await phone.sync() for _ in range(2)]
        assert drops.dropped
        asked = [wire.decode(wire.SyncRequest, b).skip_own for b in hostile.bodies("/v1/sync")]
        assert asked[before:] and not any(asked[before:])
        assert all(
            without_claimant(r.withheld) == [gap_of(phone, journal, ((1, 1),))] for r in reports
        )
        assert await phone.store.own_removals() == listed
    finally:
        await phone.close()


async def test_an_earlier_versions_deletion_under_an_open_store_served_back_leaves_it(
    signup: ClientFactory, hostile: HostileServer, tmp_path: Path
) -> None:
    """rev33b F3, an honest server: the deletion an earlier `tj` wrote under the open store is
    asked back whole at the next pull and, served back, leaves the list (the setting moved
    into the table and the row dropped), so its journal is asked with `skip_own` again; it
    stayed listed for good, its bytes passed by a pull that asked with `skip_own`."""
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "I want this gone.")
    await laptop.sync(strict=True)
    phone = await phone_through(hostile, tmp_path)
    try:
        await phone.sync(strict=True)
        await phone.entries.delete(entry.id)
        as_an_earlier_version_left_it(phone.home)
        before = len(hostile.bodies("/v1/sync"))
        assert (await phone.sync(strict=True)).withheld == []
        middle = len(hostile.bodies("/v1/sync"))
        assert await phone.store.own_removals() == {}
        assert await phone.store.setting(sync_plan.OWN_REMOVALS) is None
        await phone.sync(strict=True)
        asked = [wire.decode(wire.SyncRequest, b).skip_own for b in hostile.bodies("/v1/sync")]
        assert not any(asked[before:middle]) and asked[middle:] and all(asked[middle:])
        assert [e.id for e in await laptop.entries.list()] == [entry.id]
        await laptop.sync(strict=True)
        assert await laptop.entries.list() == []
    finally:
        await phone.close()


HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("SELECT count(*) FROM settings").fetchone()  # open: its lock on the -shm file
print("open", flush=True)
sys.stdin.read()
"""


async def test_an_opening_beside_an_earlier_version_keeps_its_setting(
    signup: ClientFactory,
) -> None:
    """The setting an earlier version wrote is moved into the table only at an opening when no
    other process has the store open: while one does (that version, syncing), its pulls read
    only the setting. This version reads both, and drops from the setting the removals served
    back, as from the table."""
    laptop = await signup("ana")
    home = laptop.home
    entries = [await laptop.entries.write(None, f"entry {n}") for n in range(2)]
    await laptop.sync(strict=True)
    for entry in entries:
        await laptop.entries.delete(entry.id)
    listed = await laptop.store.own_removals()
    as_an_earlier_version_left_it(home)
    await laptop.close()
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, str(home / STORE_FILE),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert await asyncio.wait_for(holder.stdout.readline(), 60) == b"open\n"
        opened = await Client.open(home)
        try:
            assert await opened.store.setting(sync_plan.OWN_REMOVALS) is not None
            assert await opened.store.own_removals() == listed
            assert (await opened.sync(strict=True)).withheld == []
            assert await opened.store.own_removals() == {}
            assert await opened.store.setting(sync_plan.OWN_REMOVALS) is None
        finally:
            await opened.close()
    finally:
        holder.stdin.close()
        await holder.wait()
