"""`client.entries.list(limit=N)` and `list_results` choose and count entries by the store's
index of entries (store.ENTRY_ROWS) and read only the N returned: always what listing every
entry's view chooses (`list()` without a limit), through edits of the created time, the trash,
entries pulled from another device, a deleted journal, another connection (process) writing to
the same home, and a store made before the index (real server on loopback)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from client_sdk import Client, ListedEntries, database
from client_sdk import store as store_module
from client_sdk.store import STORE_FILE
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_insights import new_device

TOKYO = timezone(timedelta(hours=9))
NEW_YORK = timezone(timedelta(hours=-5))

QUERIES: list[dict[str, Any]] = [
    {},
    {"newest_first": False},
    {"journal": "Sleep"},
    {"journal": "Personal", "newest_first": False},
    {"tag": "SLEEP"},
    {"tag": ["work", "Dreams"]},
    {"emotion": "calm"},
    {"since": date(2026, 11, 3)},
    {"until": date(2026, 11, 2)},
    {"since": date(2026, 11, 2), "until": date(2026, 11, 4), "tag": "sleep"},
    {"since": datetime(2026, 11, 2, 22, 0, tzinfo=UTC), "until": datetime(2026, 11, 4, tzinfo=UTC)},
    {"include_deleted": True},
]


async def same_as_every_view(
    client: Client, monkeypatch: pytest.MonkeyPatch, **query: Any
) -> list[str]:
    """Assert that the indexed listing (limits 1, 2, 3 and 100) is what listing every
    entry's view chooses, without reading every view; the titles listed."""
    whole = await client.entries.list(**query)
    for limit in (1, 2, 3, 100):
        with monkeypatch.context() as patched:

            async def every_view(*args: Any, **kwargs: Any) -> Any:
                raise AssertionError("every entry's view was read")

            patched.setattr(client.context, "entries", every_view)
            listed = await client.entries.list_results(limit=limit, **query)
            assert await client.entries.list(limit=limit, **query) == whole[:limit]
        journal_ids = frozenset(e.journal_id for e in whole)
        assert listed == ListedEntries(whole[:limit], len(whole), journal_ids), (query, limit)
    return [e.title for e in whole]


async def write_plan(laptop: Client) -> dict[str, str]:
    await laptop.journals.create("Sleep")
    plan = [
        ("Personal", "one", datetime(2026, 11, 1, 9, 0, tzinfo=TOKYO), ["work"], ["anxious"]),
        ("Sleep", "two", datetime(2026, 11, 2, 23, 30, tzinfo=NEW_YORK), ["sleep"], []),
        ("Personal", "three", datetime(2026, 11, 3, 0, 30, tzinfo=TOKYO), ["Sleep"], ["calm"]),
        ("Personal", "four", datetime(2026, 11, 4, 12, 0, tzinfo=UTC), [], ["calm"]),
        ("Sleep", "five", datetime(2026, 11, 5, 7, 0, tzinfo=NEW_YORK), ["sleep", "dreams"], []),
        ("Personal", "six", datetime(2026, 11, 4, 12, 0, tzinfo=UTC), ["work"], []),  # same ms
    ]
    ids = {}
    for journal, title, moment, tags, emotions in plan:
        entry = await laptop.entries.write(
            journal, f"{title} body", title=title, tags=tags, emotions=emotions, created_at=moment
        )
        ids[title] = entry.id
    return ids


async def test_the_indexed_list_is_every_views_list_through_edits_trash_pulls_and_a_deleted_journal(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    ids = await write_plan(laptop)
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    for query in QUERIES:
        await same_as_every_view(phone, monkeypatch, **query)
    same_time = sorted(["four", "six"], key=lambda t: ids[t], reverse=True)  # then by id
    assert await same_as_every_view(phone, monkeypatch) == [
        "five", *same_time, "two", "three", "one"  # "two": 04:30 UTC on the 3rd
    ]  # fmt: skip

    # On the laptop: "one" dated newest, "three" to the trash, "four" loses its tag; pulled.
    await laptop.entries.edit(ids["one"], created_at=datetime(2026, 11, 6, 8, 0, tzinfo=UTC))
    await laptop.entries.delete(ids["three"])
    await laptop.entries.edit(ids["six"], tags=["Dreams"])
    await laptop.sync()
    await phone.sync()
    for query in QUERIES:
        await same_as_every_view(phone, monkeypatch, **query)
    titles = await same_as_every_view(phone, monkeypatch)
    assert titles[0] == "one" and "three" not in titles
    assert await same_as_every_view(phone, monkeypatch, tag="dreams") == ["five", "six"]

    # Restored here, edited here; then the Sleep journal deleted on the phone.
    await phone.entries.restore(ids["three"])
    await phone.entries.edit(ids["two"], created_at=datetime(2026, 10, 30, tzinfo=UTC))
    for query in QUERIES:
        await same_as_every_view(phone, monkeypatch, **query)
    await phone.journals.delete("Sleep", drop_unsent=True)  # its unsynced edits: agreed
    for query in [q for q in QUERIES if q.get("journal") != "Sleep"]:
        await same_as_every_view(phone, monkeypatch, **query)
    assert await same_as_every_view(phone, monkeypatch) == ["one", *same_time, "three"]
    await phone.sync()
    await laptop.sync()  # the laptop keeps a read-only copy of Sleep
    assert await same_as_every_view(laptop, monkeypatch, journal="Personal") == [
        "one", *same_time, "three"
    ]  # fmt: skip
    for query in QUERIES:
        await same_as_every_view(laptop, monkeypatch, **query)


async def test_a_change_another_connection_writes_to_the_same_home_is_listed(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    ids = await write_plan(laptop)
    await same_as_every_view(laptop, monkeypatch)  # the index is written
    other = await Client.open(laptop.home)  # another process's connection, as `tj` opens it
    try:
        await other.entries.edit(ids["two"], created_at=datetime(2026, 11, 7, tzinfo=UTC))
        await other.entries.delete(ids["five"])
        await other.entries.write("Sleep", "seven body", title="seven", tags=["sleep"])
        assert (await other.entries.list(limit=1))[0].title == "seven"
    finally:
        await other.close()
    titles = await same_as_every_view(laptop, monkeypatch)
    assert titles[:2] == ["seven", "two"] and "five" not in titles
    for query in QUERIES:
        await same_as_every_view(laptop, monkeypatch, **query)


async def test_an_index_row_is_never_written_from_a_state_changed_since_it_was_read(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from client_sdk.documents import entry_view
    from client_sdk.queries import entry_row
    from client_sdk.replica import stored_document

    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "first body", title="first")
    store = laptop.context.store
    assert await store.stale_entries() == []  # new: read by rowid, not marked (issue 10)
    await same_as_every_view(laptop, monkeypatch)  # its row written
    await laptop.entries.edit(entry.id, title="edited")
    [(mark, stored)] = await store.stale_entries()  # an edit marks it stale
    await laptop.entries.delete(entry.id)  # changed after it was read: marked anew
    row = entry_row(entry_view(stored_document(stored)))
    async with store.transaction() as tx:
        assert await tx.index_entries([(mark, stored, row)]) == 0
    assert [s.doc_id.hex() for _, s in await store.stale_entries()] == [entry.id]
    assert await laptop.entries.list_results(limit=5) == ListedEntries([], 0)
    assert await store.stale_entries() == []
    await same_as_every_view(laptop, monkeypatch, include_deleted=True)


async def test_an_entry_given_the_rowid_of_a_deleted_document_is_listed(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite gives a new row the rowid after the highest: once the highest documents are
    deleted, a new one may take a rowid the index has already read past. Its trigger marks
    it stale, so it is listed all the same."""
    laptop = await signup("ana")
    await laptop.entries.write(None, "kept body", title="kept")
    await laptop.journals.create("Dreams")
    await laptop.entries.write("Dreams", "dream body", title="dream")
    assert await same_as_every_view(laptop, monkeypatch) == ["dream", "kept"]
    store = laptop.context.store

    def rowids(db: sqlite3.Connection) -> tuple[int, int]:
        top = db.execute("SELECT max(rowid) FROM documents").fetchone()[0]
        return int(top), int(db.execute("SELECT last FROM entry_rows_read").fetchone()[0])

    top, read = await store._db.run(rowids)
    assert read == top
    await laptop.journals.delete("Dreams", drop_unsent=True)  # never synced: agreed
    after_delete, _ = await store._db.run(rowids)
    assert after_delete < top
    await laptop.entries.write(None, "new body", title="new")
    newest, read_now = await store._db.run(rowids)
    assert after_delete < newest <= read_now  # a rowid the index had read past
    assert await same_as_every_view(laptop, monkeypatch) == ["new", "kept"]


async def test_a_store_made_before_the_index_lists_the_same(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = await signup("ana")
    await write_plan(laptop)
    home = laptop.home
    await laptop.close()
    with sqlite3.connect(home / STORE_FILE) as db:  # as a store of an earlier version
        for trigger in ("entry_rows_on_insert", "entry_rows_on_update", "entry_rows_on_delete"):
            db.execute(f"DROP TRIGGER {trigger}")
        db.execute("DROP TABLE entry_rows")
        db.execute("DROP TABLE entry_rows_stale")
        db.execute("DROP TABLE entry_rows_read")
    again = await Client.open(home)
    try:
        for query in QUERIES:
            await same_as_every_view(again, monkeypatch, **query)
    finally:
        await again.close()


async def test_copies_shared_twice_are_counted_once_by_the_index(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    first = (await ana.ok("write", "--mood", "4", "--tag", "sleep", "Slept badly.")).stdout
    second = (await ana.ok("write", "--mood", "6", "Better day.")).stdout
    await ana.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await ana.ok("share-entry", first.strip()[:8], "drsmith", "--only", "mood")
    await ana.ok("share-entry", second.strip()[:8], "drsmith")  # every field
    await ana.ok("journal", "create", "Private")  # not shared: its entry reaches drsmith
    private = await ana.ok("write", "--journal", "Private", "--mood", "3", "Copy only.")
    await ana.ok("share-entry", private.stdout.strip()[:8], "drsmith")  # only as a copy
    every = await drsmith.json("list")  # every entry's view
    assert len(every) == 3
    listed = await drsmith.ok("list", "--limit", "2")
    assert "Showing the newest 2 of 3 entries" in listed.stderr + listed.stdout
    for entry in every[:2]:
        assert entry["id"][:12] in listed.stdout


async def test_on_this_day_by_the_index_is_every_views(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`entries.on_this_day` chooses by the index too (the writer's local day, 29 February
    on 28 February of a year without one, this year's left out), reading only what it
    returns: what `queries.on_this_day` keeps of every entry's view."""
    from client_sdk import queries

    laptop = await signup("ana")
    plan = [
        ("tokyo", datetime(2024, 12, 5, 0, 30, tzinfo=TOKYO)),  # 4 December in UTC
        ("new york", datetime(2023, 12, 5, 23, 30, tzinfo=NEW_YORK)),  # 6 December in UTC
        ("utc", datetime(2022, 12, 5, 12, 0, tzinfo=UTC)),
        ("day before", datetime(2024, 12, 4, 23, 59, tzinfo=UTC)),
        ("this year", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("leap", datetime(2024, 2, 29, 9, 0, tzinfo=UTC)),
        ("feb 28", datetime(2023, 2, 28, 9, 0, tzinfo=UTC)),
    ]
    for title, moment in plan:
        await laptop.entries.write(None, f"{title} body", title=title, created_at=moment)
    every = await laptop.entries.list()
    for today in (date(2026, 12, 5), date(2027, 2, 28), date(2028, 2, 28), date(2028, 2, 29)):
        whole = queries.on_this_day(every, today)
        with monkeypatch.context() as patched:

            async def every_view(*args: Any, **kwargs: Any) -> Any:
                raise AssertionError("every entry's view was read")

            patched.setattr(laptop.context, "entries", every_view)
            assert await laptop.entries.on_this_day(today) == whole, today
    titles = [e.title for e in await laptop.entries.on_this_day(date(2026, 12, 5))]
    assert titles == ["tokyo", "new york", "utc"]
    assert [e.title for e in await laptop.entries.on_this_day(date(2027, 2, 28))] == [
        "leap",
        "feb 28",
    ]
    assert [e.title for e in await laptop.entries.on_this_day(date(2028, 2, 29))] == ["leap"]


async def test_the_index_is_read_again_after_a_scrub(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scrub (after an erasure) rebuilds the store with VACUUM, which may give rows new
    rowids (sqlite.org/lang_vacuum.html): the index, which reads new documents by rowid, is
    read again from the first one, and lists the same."""
    laptop = await signup("ana")
    ids = await write_plan(laptop)
    await same_as_every_view(laptop, monkeypatch)
    store = laptop.context.store
    assert await store.scrub()

    def index(db: sqlite3.Connection) -> tuple[int, int]:
        rows = db.execute("SELECT count(*) FROM entry_rows").fetchone()[0]
        return int(rows), int(db.execute("SELECT last FROM entry_rows_read").fetchone()[0])

    assert await store._db.run(index) == (0, 0)
    await laptop.entries.delete(ids["one"])
    for query in QUERIES:
        await same_as_every_view(laptop, monkeypatch, **query)
    rows, last = await store._db.run(index)
    assert rows == len(ids) and last > 0


async def test_a_scrub_never_skips_the_index_reset_when_the_store_is_busy_after_its_vacuum(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REV-S10B L2: the reset of the index after a scrub's VACUUM was a transaction of its
    own, skipped when another connection held the store's write lock then (scrub returned
    False, the VACUUM done): the rows read before stayed. Here one row is made wrong before
    the scrub, and another connection takes the write lock as the VACUUM ends: the index is
    read again from the first document all the same."""
    laptop = await signup("ana")
    ids = await write_plan(laptop)
    await same_as_every_view(laptop, monkeypatch)
    store = laptop.context.store
    wrong = bytes.fromhex(ids["one"])
    read = "SELECT tags FROM entry_rows WHERE doc_id = ?"
    right = await store._db.execute_fetchall(read, (wrong,))
    await store._db.execute(
        "UPDATE entry_rows SET tags = '[\"planted\"]' WHERE doc_id = ?", (wrong,)
    )
    monkeypatch.setattr(database, "WRITE_WAIT_S", 0.2)  # the wait, shortened for the test
    other = sqlite3.connect(laptop.home / STORE_FILE, isolation_level=None, check_same_thread=False)
    take_write_lock = store_module.take_write_lock
    vacuumed = []

    def busy_after_vacuum(db: sqlite3.Connection, statement: str) -> None:
        take_write_lock(db, statement)
        if statement == "VACUUM":
            vacuumed.append(statement)
            other.execute("BEGIN IMMEDIATE")  # another process writes

    monkeypatch.setattr(store_module, "take_write_lock", busy_after_vacuum)
    try:
        assert not await store.scrub()  # busy: not finished
    finally:
        monkeypatch.setattr(store_module, "take_write_lock", take_write_lock)
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()
    assert vacuumed == ["VACUUM"]
    assert await laptop.entries.list(tag="planted", limit=5) == []
    for query in QUERIES:
        await same_as_every_view(laptop, monkeypatch, **query)
    assert await store._db.execute_fetchall(read, (wrong,)) == right


async def test_a_caseload_by_the_index_is_the_caseload_of_every_entry(
    signup: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`caseload.list()` reads a client's moods from the index of entries (time, offset and
    mood: all a row's trend reads), each entry once (a copy of an entry shared whole too is
    left out), nothing in the trash: the same rows as from every entry's view."""
    from tests.client.sharing_support import share_with

    ana, ben, drlee = await signup("ana"), await signup("ben"), await signup("drlee")
    await ana.journals.create("Other")
    now = datetime.now(UTC)
    for days, mood in ((1, 2), (3, 7), (9, 4), (20, 8), (30, 6)):  # before the shares
        moment = now - timedelta(days=days)
        await ana.entries.write("Personal", f"whole {days}", mood=mood, created_at=moment)
        await ben.entries.write(None, f"ben {days}", mood=11 - mood, created_at=moment)
    await share_with(ana, drlee, "Personal")
    await share_with(ana, drlee, "Other", only=["mood"])
    await share_with(ben, drlee, "Personal")
    for mood in (5, 6):  # after them: the same entry in both (a copy of its mood for drlee)
        moment = datetime.now(UTC)
        await ana.entries.write("Personal", f"whole {mood}", mood=mood, created_at=moment)
        await ana.entries.write("Other", f"other {mood}", mood=mood, created_at=moment)
    trashed = await ana.entries.write("Personal", "gone", mood=1)
    await ana.entries.delete(trashed.id)
    await ana.entries.write("Other", "copy only", mood=3)
    now = datetime.now(UTC)
    for client in (ana, ben, drlee, ana, drlee):
        await client.sync()
    caseload = drlee.caseload
    with monkeypatch.context() as patched:

        async def every_entry(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("every entry was read")

        patched.setattr(caseload, "_entries", every_entry)
        indexed = [row.to_dict() for row in await caseload.list(now=now)]
    patched_rows = caseload._entry_rows
    caseload._entry_rows = None  # every entry's view
    try:
        whole = [row.to_dict() for row in await caseload.list(now=now)]
    finally:
        caseload._entry_rows = patched_rows
    assert indexed == whole
    weeks = {row["client"]: row["entries_this_week"] for row in whole}
    copies = await drlee.entries.list("ana/Other (mood) for drlee")
    assert sorted(e.mood for e in copies) == [3, 5, 6]
    # ana: 2 of the week before the shares, "whole 5" and "whole 6" (their copies of the
    # same time and mood left out) and "copy only" (no entry shared whole is the same)
    assert weeks == {"ana": 5, "ben": 2}
