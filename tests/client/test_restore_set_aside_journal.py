"""`Transaction.restore_set_aside_of` (a leave sending this device's set-aside changes of
the journal once more, fix34g/fix34m) moves back only the records of the journal it is given:
never a set-aside record of another journal that bears one of those document ids (rev34e's
note: ids are unique on a device today; the journal is checked all the same)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from client_sdk.store import STORE_FILE
from tests.conftest import ClientFactory


async def test_only_the_given_journals_set_aside_records_go_back(signup: ClientFactory) -> None:
    ana = await signup("ana")
    await ana.entries.write(None, "written, then set aside")
    journal = bytes.fromhex((await ana.journals.get("Personal")).id)
    with closing(sqlite3.connect(ana.home / STORE_FILE)) as db:
        positions = [row[0] for row in db.execute("SELECT position FROM outbox")]
        docs = {bytes(row[0]) for row in db.execute("SELECT doc_id FROM outbox") if row[0]}
    assert positions and docs
    async with ana.store.transaction() as tx:
        await tx.set_aside(positions, "Personal", "forbidden", "refused for good", 1)
    assert await ana.store.set_aside_documents() == docs
    async with ana.store.transaction() as tx:  # another journal's id: nothing moves
        await tx.restore_set_aside_of(bytes(len(journal)), docs)
    assert await ana.store.set_aside_documents() == docs
    async with ana.store.transaction() as tx:
        await tx.restore_set_aside_of(journal, docs)
    assert await ana.store.set_aside_documents() == set()
    assert (await ana.sync()).pushed >= 1  # back in the outbox, sent
