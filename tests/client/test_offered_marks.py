"""`Store.mark_offered` (R46 F4) notes before a push which (journal, document, epoch) may have
left this device, in one statement per 500 documents (issue 10: one SELECT per document cost
~60 µs each, +0.6 s of upload CPU at 10,000 entries), and returns exactly the rows it added,
so that `unmark_offered` undoes only those when the request never left."""

from __future__ import annotations

from pathlib import Path

from client_sdk.store import Store
from client_sdk.sync import OutboxRecord

J1, J2 = b"\x01" * 16, b"\x02" * 16


def record(journal_id: bytes, doc: int, epoch: int) -> OutboxRecord:
    doc_id = doc.to_bytes(16, "big")
    return OutboxRecord(doc, journal_id, doc_id, epoch, b"sealed", doc_id)


async def test_mark_offered_returns_exactly_the_rows_it_added(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    try:
        first = [record(J1, n, 1) for n in range(700)] + [record(J2, 5, 1)]
        added = await store.mark_offered(first)
        assert sorted(added) == sorted((r.journal_id, r.doc_id, r.epoch) for r in first)
        again = [record(J1, n, 1) for n in range(650, 1300)]  # 50 offered already
        again += [record(J1, 3, 2), record(J2, 5, 1), record(J2, 6, 1)]
        added = await store.mark_offered(again + [OutboxRecord(0, J1, b"r", 1, b"s", None)])
        expected = {(J1, n.to_bytes(16, "big"), 1) for n in range(700, 1300)}
        expected |= {(J1, (3).to_bytes(16, "big"), 2), (J2, (6).to_bytes(16, "big"), 1)}
        assert sorted(added) == sorted(expected)
        await store.unmark_offered(added)
        assert await store.mark_offered(again) == sorted(expected)  # undone: offered anew
    finally:
        await store.close()


async def test_unmark_offered_deletes_exactly_the_rows_given_in_one_transaction(
    tmp_path: Path,
) -> None:
    """`unmark_offered` deletes the rows given, of any journal and epoch, and no other (not
    another epoch of a document given, nor a document of another journal), all in one
    transaction: in the store's autocommit mode, one durable commit per row otherwise."""
    store = await Store.open(tmp_path)
    try:
        marked = [record(J1, n, 1) for n in range(700)] + [record(J1, n, 2) for n in range(5)]
        marked += [record(J2, n, 1) for n in range(5)]
        added = await store.mark_offered(marked)
        undone = [row for row in added if row[0] == J2 or int.from_bytes(row[1], "big") % 3 == 0]
        undone = [row for row in undone if row[2] == 1]
        statements: list[str] = []
        store._db._connection.set_trace_callback(statements.append)
        await store.unmark_offered(undone)
        store._db._connection.set_trace_callback(None)
        # the busy timeout set off and on around BEGIN (the lock never waited for on the
        # event loop: `database.begin_immediate`) is no statement of the transaction
        statements = [s for s in statements if not s.startswith("PRAGMA busy_timeout")]
        deletes = [i for i, s in enumerate(statements) if s.startswith("DELETE FROM offered")]
        assert len(deletes) == len(undone)
        assert statements[deletes[0] - 1] == "BEGIN IMMEDIATE"
        assert statements[deletes[-1] + 1] == "COMMIT"
        assert "COMMIT" not in statements[deletes[0] : deletes[-1]]
        rows = await store._db.execute_fetchall("SELECT journal_id, doc_id, epoch FROM offered")
        left = sorted((bytes(j), bytes(d), int(e)) for j, d, e in rows)
        assert left == sorted(set(added) - set(undone))
        await store.unmark_offered([])  # nothing to undo: nothing done
        assert await store.mark_offered(marked) == sorted(undone)  # undone: offered anew
    finally:
        await store.close()
