"""rev-o1b F4 end to end: a server that withholds one record of a journal, then serves it,
costs no edit. The phone holds an entry; the laptop edits it twice; the server withholds
the first edit, so the second one, which builds on it, waits on the phone (pending in Yrs).
The phone stores it, is closed and opened again, and once the first edit is served it reads
the entry exactly as the laptop does. Before the fix the stored state left the waiting edit
out, and the phone read the first edit only, for good."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from client_sdk import Client
from client_sdk.replica import stored_document
from client_sdk.store import Store, StoredDocument
from tests.client.sharing_support import server_db
from tests.conftest import ClientFactory, RunningServer
from tests.core.test_documents_waiting import NOTE, in_order, writer_updates

JOURNAL = b"j" * 16

COLUMNS = "journal_id, record_id, epoch, ciphertext, pushed_by, created_at"


def take_record(live_server: RunningServer, journal_id: bytes) -> tuple[Any, ...]:
    """What a hostile server does: the journal's newest record vanishes (kept by the test)."""
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        seq, *row = db.execute(
            f"SELECT seq, {COLUMNS} FROM records WHERE journal_id = ? ORDER BY seq DESC LIMIT 1",
            (journal_id,),
        ).fetchone()
        assert db.execute("DELETE FROM records WHERE seq = ?", (seq,)).rowcount == 1
    return tuple(row)


def serve_again(live_server: RunningServer, row: tuple[Any, ...]) -> None:
    """... and comes back later, after the records served meanwhile (a new seq)."""
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        seq = db.execute(f"INSERT INTO records ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", row)
        db.execute("UPDATE journals SET head = ? WHERE journal_id = ?", (seq.lastrowid, row[0]))


async def test_an_edit_that_waits_for_a_withheld_record_is_read_once_it_is_served(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write("Personal", "Monday.", mood=3)
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    assert (await phone.entries.get(entry.id)).body == "Monday."
    journal = bytes.fromhex((await laptop.journals.get("Personal")).id)

    await laptop.entries.edit(entry.id, append="Slept badly.")
    await laptop.sync()
    withheld = take_record(live_server, journal)
    await laptop.entries.edit(entry.id, append="Walked by the river.", mood=4)
    await laptop.sync()
    expected = await laptop.entries.get(entry.id)
    assert expected.body == "Monday. Slept badly. Walked by the river."

    report = await phone.sync()
    assert report.withheld  # the gap is told
    assert (await phone.entries.get(entry.id)).body == "Monday."  # the later edit waits
    home = phone.home
    await phone.close()

    serve_again(live_server, withheld)
    async with await Client.open(home) as reopened:
        await reopened.sync()
        got = await reopened.entries.get(entry.id)
        assert (got.body, got.mood) == (expected.body, expected.mood) == (expected.body, 4)
        assert (await reopened.sync()).withheld == []


async def test_the_store_keeps_what_waits_also_in_a_store_made_before_it(tmp_path: Path) -> None:
    """A store made before the `waiting` column (dropped here) gets it when opened; what
    waits is stored beside the state and read back (`document`, `documents`,
    `documents_and_creators`), and stored again as none once nothing waits."""
    store = await Store.open(tmp_path)
    await store.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "store.db")) as db, db:
        db.execute("ALTER TABLE documents DROP COLUMN waiting")
    store = await Store.open(tmp_path)
    try:
        first, second = writer_updates((0, "abc"), (3, "def"))
        document = in_order([second])
        stored = StoredDocument(NOTE, JOURNAL, "note", document.state(), document.waiting())
        async with store.transaction() as tx:
            await tx.put_documents([stored], 1)
        [listed] = await store.documents(JOURNAL)
        both, _ = await store.documents_and_creators([NOTE])
        assert await store.document(NOTE) == listed == both[NOTE] == stored
        assert stored.waiting != b""
        again = stored_document(listed)
        again.change(fields={"title": "y"})
        async with store.transaction() as tx:
            await tx.put_documents(
                [StoredDocument(NOTE, JOURNAL, "note", again.state(), again.waiting())], 2
            )
        reread = await store.document(NOTE)
        assert reread is not None
        again = stored_document(reread)
        again.apply(first)
        assert again.text("body") == "abcdef"
        async with store.transaction() as tx:
            await tx.put_documents(
                [StoredDocument(NOTE, JOURNAL, "note", again.state(), again.waiting())], 3
            )
        reread = await store.document(NOTE)
        assert reread is not None and reread.waiting == b""
    finally:
        await store.close()
