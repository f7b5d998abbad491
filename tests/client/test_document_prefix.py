"""Finding documents by a prefix of their id (`entries.get("3fa2")`, `tj show 3fa2`) reads a
range of the primary key, not every row (issue 10: 5-7 ms a lookup at 10,000 entries, on the
way to each entry the live benchmark's follower reads), and finds exactly the ids with that
prefix, 0x00 and 0xff bytes at the edges included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from client_sdk.store import STORE_FILE, LocalJournal, Store, StoredDocument

JOURNAL = LocalJournal(b"\x01" * 16, b"\x02" * 16, "owner", 1, "Personal", 1, 0)
IDS = [
    bytes.fromhex(text)
    for text in (
        "00000000000000000000000000000000",
        "00000000000000000000000000000001",
        "3fa20000000000000000000000000000",
        "3fa2ffffffffffffffffffffffffffff",
        "3fa30000000000000000000000000000",
        "3fffffffffffffffffffffffffffffff",
        "40000000000000000000000000000000",
        "ffffffffffffffffffffffffffffff00",
        "ffffffffffffffffffffffffffffffff",
    )
]


async def stored(tmp_path: Path) -> Store:
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_journal(JOURNAL, counters_tag=b"\x07" * 32)
        await tx.put_documents(
            [StoredDocument(i, JOURNAL.journal_id, "entry", b"state") for i in IDS], 1
        )
    return store


async def test_a_prefix_finds_exactly_the_ids_that_start_with_it(tmp_path: Path) -> None:
    store = await stored(tmp_path)
    for prefix in (
        b"",
        b"\x00",
        bytes.fromhex("0000000000000000000000000000000000"[:32]),
        bytes.fromhex("3f"),
        bytes.fromhex("3fa2"),
        bytes.fromhex("3fa2ff"),
        bytes.fromhex("3fff"),
        bytes.fromhex("40"),
        bytes.fromhex("41"),
        b"\xff",
        b"\xff" * 15,
        b"\xff" * 16,
        IDS[3],
    ):
        expected = sorted(i for i in IDS if i.startswith(prefix))
        assert sorted(await store.document_ids_with_prefix(prefix)) == expected, prefix.hex()
    await store.close()


async def test_a_prefix_lookup_searches_the_primary_key_instead_of_reading_every_row(
    tmp_path: Path,
) -> None:
    store = await stored(tmp_path)
    await store.close()
    plans: list[str] = []
    db = sqlite3.connect(str(tmp_path / STORE_FILE))
    db.set_trace_callback(None)
    original = Store._all

    async def recording(self: Store, sql: str, params: tuple[object, ...] = ()) -> list[object]:
        plans.extend(str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        return await original(self, sql, params)

    store = await Store.open(tmp_path)
    Store._all = recording  # type: ignore[method-assign]
    try:
        assert await store.document_ids_with_prefix(bytes.fromhex("3fa2")) == IDS[2:4]
    finally:
        Store._all = original  # type: ignore[method-assign]
        db.close()
        await store.close()
    assert plans and all(plan.startswith("SEARCH") for plan in plans), plans
