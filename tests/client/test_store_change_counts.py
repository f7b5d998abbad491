"""The counts of row changes a store keeps (store.COUNTS, read by `_changes`):
each COUNTED column moves by exactly one at each insert, update and delete of a row of each
table that WATCHED names for it, and at no other; `own_marks` at a journal's insert and
delete and at a change of its own marks, never of its cursor; `kind_<kind>` at a change of a
document of that kind only. The triggers are one per table and event (issue 10), whichever
columns watch the table, kept in the store's file: made once, in a store an earlier version
made (which counted in temporary triggers, at every opening) or another version changed."""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from client_sdk import store


def _counts(db: sqlite3.Connection) -> Counter[str]:
    row = db.execute(f"SELECT {', '.join(store.COUNTED)} FROM {store.COUNTS_TABLE}").fetchone()
    return Counter(dict(zip(store.COUNTED, row, strict=True)))


def _db() -> sqlite3.Connection:
    """Every watched table with the columns the triggers read, and store.COUNTS."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    tables = {table for tables in store.WATCHED.values() for table in tables}
    for table in sorted(tables - {"journals", "outbox"}):
        db.execute(f"CREATE TABLE {table} (x)")
    db.execute("CREATE TABLE outbox (position INTEGER PRIMARY KEY, x)")
    db.execute("CREATE TABLE journals (x, cursor, own_before, own_not_held)")
    db.execute("CREATE TABLE documents (x, kind)")
    store._add_counts(db)
    return db


def _moved(db: sqlite3.Connection, sql: str) -> dict[str, int]:
    before = _counts(db)
    db.execute(sql)
    after = _counts(db)
    return {
        column: after[column] - before[column]
        for column in store.COUNTED
        if after[column] != before[column]
    }


def test_each_watched_table_moves_each_of_its_columns_once_per_row_change() -> None:
    db = _db()
    tables = {table for tables in store.WATCHED.values() for table in tables} - {"journals"}
    for table in sorted(tables):
        watching = {column for column, names in store.WATCHED.items() if table in names}
        expected = {column: 1 for column in watching}
        assert _moved(db, f"INSERT INTO {table} (x) VALUES (1)") == expected, table
        assert _moved(db, f"UPDATE {table} SET x = 2") == expected, table
        assert _moved(db, f"DELETE FROM {table}") == expected, table
        db.execute(f"INSERT INTO {table} (x) VALUES (1), (2)")
        assert _moved(db, f"DELETE FROM {table}") == {c: 2 for c in watching}, table


def test_an_insert_into_the_outbox_is_counted_only_into_an_empty_outbox() -> None:
    """`waiting`, the one read of the outbox's group, reads whether it holds a row: an entry
    written while others wait moves no count (one page less in the log a write, issue 10);
    the first row does, at any position (a set-aside record goes back at its old one), in
    an INSERT of several rows too; every update and delete does."""
    db = _db()
    assert _moved(db, "INSERT INTO outbox (x) VALUES (1)") == {"waiting": 1}
    assert _moved(db, "INSERT INTO outbox (x) VALUES (2)") == {}
    assert _moved(db, "INSERT INTO outbox (position, x) VALUES (-5, 3)") == {}
    assert _moved(db, "UPDATE outbox SET x = 4 WHERE x = 2") == {"waiting": 1}
    assert _moved(db, "DELETE FROM outbox WHERE x = 1") == {"waiting": 1}
    assert _moved(db, "DELETE FROM outbox") == {"waiting": 2}
    assert _moved(db, "INSERT INTO outbox (position, x) VALUES (7, 1), (3, 2)") == {"waiting": 1}
    assert _moved(db, "DELETE FROM outbox") == {"waiting": 2}
    assert _moved(db, "INSERT INTO outbox (position, x) VALUES (2, 1)") == {"waiting": 1}


def test_journals_move_own_marks_at_insert_delete_and_own_marks_only() -> None:
    db = _db()
    assert _moved(db, "INSERT INTO journals VALUES (1, 0, 0, 0)") == {"journals": 1, "own_marks": 1}
    assert _moved(db, "UPDATE journals SET cursor = 5") == {"journals": 1}
    assert _moved(db, "UPDATE journals SET own_before = 3") == {"journals": 1, "own_marks": 1}
    assert _moved(db, "UPDATE journals SET own_not_held = 1") == {"journals": 1, "own_marks": 1}
    assert _moved(db, "DELETE FROM journals") == {"journals": 1, "own_marks": 1}


def test_documents_move_only_the_count_of_their_watched_kind() -> None:
    db = _db()
    for kind in store.WATCHED_KINDS:
        column = f"kind_{kind}"
        assert _moved(db, "INSERT INTO documents VALUES (1, 'entry')") == {}
        assert _moved(db, f"INSERT INTO documents VALUES (2, '{kind}')") == {column: 1}
        assert _moved(db, "UPDATE documents SET x = 3 WHERE x = 1") == {}
        assert _moved(db, f"UPDATE documents SET kind = '{kind}' WHERE x = 3") == {column: 1}
        assert _moved(db, "DELETE FROM documents") == {column: 2}


def test_the_triggers_are_one_per_table_and_event() -> None:
    db = _db()
    names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    tables = {table for tables in store.WATCHED.values() for table in tables}
    # three events per watched table, the journals' own marks, and the kinds' three each
    assert len(names) == 3 * len(tables) + 1 + 3 * len(store.WATCHED_KINDS)
    assert len(set(names)) == len(names)


OLD_STORE = Path(__file__).parent.parent / "fixtures" / "store_0_1_0.sql"
"""A store file version 0.1.0 made, which counted in temporary triggers (its schema, dumped)."""


def _old_home(tmp_path: Path) -> Path:
    with contextlib.closing(sqlite3.connect(tmp_path / store.STORE_FILE)) as db:
        db.executescript(OLD_STORE.read_text())
        assert not store._counts_made(db)
    return tmp_path


async def _counted(opened: store.Store) -> dict[str, tuple[int, int]]:
    return await opened._db.run(store._changes)


async def test_a_store_an_earlier_version_made_gets_its_counts_once_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    home = _old_home(tmp_path)
    opened = await store.Store.open(home, b"d" * 16, account=b"a" * 16)
    try:
        assert await opened.setting("test-kept") == "made by 0.1.0 before tj_counts"
        counted = await _counted(opened)
        assert {column: n for column, (n, _) in counted.items()} == dict.fromkeys(store.COUNTED, 0)
        version = await opened.version()
        assert await opened.setting("test-kept", as_of=version) == "made by 0.1.0 before tj_counts"
        await opened.put_setting("test-kept", "changed")  # counted: what was kept is read again
        assert (await _counted(opened))["settings"][0] == 1
        assert await opened.setting("test-kept", as_of=await opened.version()) == "changed"
    finally:
        await opened.close()
    with contextlib.closing(sqlite3.connect(home / store.STORE_FILE)) as db:
        assert not store._counts_differ(db)  # made in the file: exactly COUNTS
    again = await store.Store.open(home, b"d" * 16, account=b"a" * 16)
    try:  # opened again: nothing made, in the file or for this connection alone
        temporary = await again._db.run(
            lambda db: db.execute("SELECT name FROM sqlite_temp_master").fetchall()
        )
        assert temporary == []
        assert (await _counted(again))["settings"][0] == 1  # the count is the file's
    finally:
        await again.close()


@pytest.mark.parametrize("change", ["trigger missing", "another version's"])
async def test_counts_not_as_this_version_makes_them_are_made_again(
    tmp_path: Path, change: str
) -> None:
    """A store whose counting trigger is missing (a watched table dropped and made again),
    with one more, or whose counts another version made (another table: other statements)
    is given exactly COUNTS, every other one dropped, and counts as they do."""
    home = _old_home(tmp_path)
    await (await store.Store.open(home, b"d" * 16, account=b"a" * 16)).close()
    with contextlib.closing(sqlite3.connect(home / store.STORE_FILE)) as db:
        if change == "trigger missing":
            db.execute(f"DROP TRIGGER {store.COUNTS_TABLE}_settings_update")
            db.execute(
                "CREATE TRIGGER tj_count_problems_insert AFTER INSERT ON problems "
                f"BEGIN UPDATE {store.COUNTS_TABLE} SET settings = settings + 1; END"
            )
        else:  # its triggers follow the table's new name
            db.execute(f"ALTER TABLE {store.COUNTS_TABLE} RENAME TO tj_counts_0123456789ab")
        db.commit()
        assert store._counts_differ(db)
    opened = await store.Store.open(home, b"d" * 16, account=b"a" * 16)
    try:
        await opened.put_setting("test-kept", "changed")
        assert (await _counted(opened))["settings"][0] == 1
    finally:
        await opened.close()
    with contextlib.closing(sqlite3.connect(home / store.STORE_FILE)) as db:
        assert not store._counts_differ(db)
        assert set(store._counts_made(db)) == {s.split()[2] for s in store.COUNTS}
