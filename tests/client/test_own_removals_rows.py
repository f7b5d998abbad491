"""rev32c F4: the own removals a pull has not served back yet (sync.OWN_REMOVALS) are rows of
the store's table `own_removals`, one written a deletion: deleting N entries offline writes
O(N) bytes of that bookkeeping, where one JSON setting rewritten whole at every deletion wrote
O(N^2). A store whose earlier version kept the setting has it moved into the table at its
opening."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from client_sdk import Client
from client_sdk import sync as sync_plan
from client_sdk.store import STORE_FILE
from tests.client.test_rev_l1_findings import statements
from tests.conftest import ClientFactory

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
