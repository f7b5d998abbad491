"""The values an entry was given when it was written here open its history
(`entries.history`), kept on the entry's own row of the local store (store.CREATED_VALUES),
not as rows of `field_writes` (issue 10: a write giving a title and a mood dirtied three
pages more): they outlive a later edit here, another device's edit the sync stores over the
entry's state, the store closed and opened again; an older store, which kept them in
`field_writes`, shows the same history once opened; a delete for good here or on another
device forgets them. Real server on 127.0.0.1, real SQLite and crypto."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from client_sdk import Client
from client_sdk.settling import encode
from client_sdk.store import CREATED_VALUES, STORE_FILE
from tests.conftest import ClientFactory


def created_column(home: Path, entry_id: str) -> str | None:
    """The entry's CREATED_VALUES as the store file holds it (None: none, or no row)."""
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db:
        row = db.execute(
            f"SELECT {CREATED_VALUES} FROM documents WHERE doc_id = ?", (bytes.fromhex(entry_id),)
        ).fetchone()
    return None if row is None else row[0]


def field_write_rows(home: Path, entry_id: str) -> list[tuple[str, str, int, int]]:
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db:
        return db.execute(
            "SELECT field, value, at, unsynced FROM field_writes WHERE doc_id = ? ORDER BY rowid",
            (bytes.fromhex(entry_id),),
        ).fetchall()


async def lines(client: Client, entry_id: str) -> list[tuple[str, object]]:
    return [(h.field, h.value) for h in await client.entries.history(entry_id)]


async def test_creation_values_outlive_edits_here_and_elsewhere_and_a_reopened_store(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "body", title="Monday", mood=6)
    given = [("title", "Monday"), ("mood", 6)]
    assert await lines(laptop, entry.id) == given
    assert field_write_rows(laptop.home, entry.id) == []  # on the entry's row instead
    assert created_column(laptop.home, entry.id) is not None
    # (a) an edit here: its value follows the values given
    await laptop.entries.edit(entry.id, mood=7)
    assert await lines(laptop, entry.id) == [*given, ("mood", 7)]
    # (b) the phone's edit, pulled: the entry's state is stored over, the history stays,
    # and no sync compares the values given (nobody else held the entry then)
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    assert await lines(phone, entry.id) == []  # another device's values are not its history
    assert created_column(phone.home, entry.id) is None  # never set from pulled data
    await phone.entries.edit(entry.id, title="Monday, rainy")
    await phone.sync(strict=True)
    report = await laptop.sync(strict=True)
    assert report.settled == []
    assert (await laptop.entries.get(entry.id)).title == "Monday, rainy"
    assert await lines(laptop, entry.id) == [*given, ("mood", 7)]
    await laptop.entries.edit(entry.id, title="Monday again")
    before = await laptop.entries.history(entry.id)
    assert [(h.field, h.value) for h in before] == [*given, ("mood", 7), ("title", "Monday again")]
    # (c) closed and opened again
    home = laptop.home
    await laptop.close()
    async with await Client.open(home) as reopened:
        assert await reopened.entries.history(entry.id) == before


async def test_an_older_stores_creation_rows_in_field_writes_show_as_before(
    signup: ClientFactory,
) -> None:
    """(d) A store of the version that kept the values given at creation as rows of
    `field_writes` (marked synced), before the column: made here by moving them there and
    dropping the column. Opened, it gets the column (empty) and shows the same history:
    no line lost, none doubled; an entry written then keeps its values on its row."""
    laptop = await signup("ana", "laptop")
    entry = await laptop.entries.write(None, "body", title="Monday", mood=6, tags=["sleep"])
    await laptop.entries.edit(entry.id, mood=7)
    before = await laptop.entries.history(entry.id)
    assert [(h.field, h.value) for h in before] == [
        ("title", "Monday"),
        ("mood", 6),
        ("tags", ["sleep"]),
        ("mood", 7),
    ]
    home = laptop.home
    await laptop.close()
    doc_id = bytes.fromhex(entry.id)
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db, db:
        [(created,)] = db.execute(
            f"SELECT {CREATED_VALUES} FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchall()
        at, pairs = json.loads(created)
        edits = db.execute(
            "SELECT field, value, at, unsynced FROM field_writes WHERE doc_id = ? ORDER BY rowid",
            (doc_id,),
        ).fetchall()
        db.execute("DELETE FROM field_writes WHERE doc_id = ?", (doc_id,))
        db.executemany(  # as that version wrote them: first, encoded apart, marked synced
            "INSERT INTO field_writes VALUES (?, ?, ?, ?, 0)",
            [(doc_id, name, encode(value), at) for name, value in pairs],
        )
        db.executemany(
            "INSERT INTO field_writes VALUES (?, ?, ?, ?, ?)", [(doc_id, *row) for row in edits]
        )
        db.execute(f"ALTER TABLE documents DROP COLUMN {CREATED_VALUES}")
    async with await Client.open(home) as reopened:
        assert await reopened.entries.history(entry.id) == before
        assert created_column(home, entry.id) is None  # the column added, empty
        later = await reopened.entries.write(None, "later", title="Tuesday")
        assert await lines(reopened, later.id) == [("title", "Tuesday")]
        assert field_write_rows(home, later.id) == []
        await reopened.entries.edit(entry.id, mood=8)
        *kept, edit = await reopened.entries.history(entry.id)
        assert (kept, edit.field, edit.value) == (before, "mood", 8)


async def test_an_entry_deleted_for_good_here_or_elsewhere_forgets_its_creation_values(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    here = await laptop.entries.write(None, "deleted here", title="private here", mood=3)
    there = await laptop.entries.write(None, "deleted there", title="private there", mood=2)
    assert created_column(laptop.home, here.id) is not None
    assert created_column(laptop.home, there.id) is not None
    await laptop.entries.delete(here.id)
    assert await lines(laptop, here.id) == [("title", "private here"), ("mood", 3)]  # trash
    await laptop.entries.empty_trash()
    assert created_column(laptop.home, here.id) is None
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    await phone.entries.delete(there.id)
    await phone.entries.empty_trash()
    await phone.sync(strict=True)
    await laptop.sync(strict=True)
    assert created_column(laptop.home, there.id) is None
    assert field_write_rows(laptop.home, there.id) == []
