"""Offered marks (`Store.mark_offered`, R46 F4) go with the document they name: a document
removed from this device (a set-aside change dropped, `drop_set_aside_documents`; a journal
removed or forgotten) leaves no mark behind, in the same transaction, so the table does
not grow with every purge and the store keeps no id of a purged document there (R38 G1).
An account erased deletes the whole store file (`Client.delete_account`)."""

from __future__ import annotations

from pathlib import Path

from client_sdk.store import SeenRecord, Store, StoredDocument
from client_sdk.sync import OutboxRecord

J1, J2 = b"\x01" * 16, b"\x02" * 16
LOCAL, DELIVERED, OTHER = b"\x0a" * 16, b"\x0b" * 16, b"\x0c" * 16


async def offered_rows(store: Store) -> list[tuple[bytes, bytes, int]]:
    rows = await store._all("SELECT journal_id, doc_id, epoch FROM offered ORDER BY doc_id")
    return [(bytes(r[0]), bytes(r[1]), int(r[2])) for r in rows]


async def holding(tmp_path: Path) -> Store:
    """LOCAL (J1): its one record offered, then set aside (nothing acknowledged);
    DELIVERED (J1): offered and stored by the server; OTHER (J2): offered."""
    store = await Store.open(tmp_path)
    async with store.transaction() as tx:
        await tx.put_documents(
            [
                StoredDocument(LOCAL, J1, "entry", b"state"),
                StoredDocument(DELIVERED, J1, "entry", b"state"),
                StoredDocument(OTHER, J2, "entry", b"state"),
            ],
            1,
        )
        await tx.add_outbox(J1, b"r-local", 3, b"sealed", LOCAL)
        await tx.mark_seen([SeenRecord(J1, b"r-delivered", 7, DELIVERED, epoch=3)])
    outbox = await store.outbox()
    await store.mark_offered(
        [
            *outbox,
            OutboxRecord(0, J1, b"r-local-2", 4, b"sealed", LOCAL),
            OutboxRecord(0, J1, b"r-delivered", 3, b"sealed", DELIVERED),
            OutboxRecord(0, J2, b"r-other", 3, b"sealed", OTHER),
        ]
    )
    async with store.transaction() as tx:
        await tx.set_aside([r.position for r in outbox], "Personal", "over_quota", "full", 5)
    return store


async def test_a_document_dropped_with_its_set_aside_change_leaves_no_offered_mark(
    tmp_path: Path,
) -> None:
    store = await holding(tmp_path)
    try:
        assert await store.sent_epochs(J1, LOCAL) == {3, 4}
        async with store.transaction() as tx:
            removed = await tx.drop_set_aside_documents([LOCAL, DELIVERED])
        assert removed == [LOCAL]
        assert await store.document(LOCAL) is None
        assert await store.sent_epochs(J1, LOCAL) == set()
        assert await offered_rows(store) == [(J1, DELIVERED, 3), (J2, OTHER, 3)], (
            "the removed document's marks are gone, every other document's kept"
        )
    finally:
        await store.close()


async def test_a_rolled_back_drop_keeps_the_offered_marks(tmp_path: Path) -> None:
    """The marks go in the transaction that removes the document, not before it."""
    store = await holding(tmp_path)
    try:
        try:
            async with store.transaction() as tx:
                assert await tx.drop_set_aside_documents([LOCAL]) == [LOCAL]
                raise RuntimeError("cut")
        except RuntimeError:
            pass
        assert await store.document(LOCAL) is not None
        assert await store.sent_epochs(J1, LOCAL) == {3, 4}
    finally:
        await store.close()


async def test_a_journal_removed_or_forgotten_leaves_no_offered_mark(tmp_path: Path) -> None:
    store = await holding(tmp_path)
    try:
        async with store.transaction() as tx:
            await tx.remove_journal(J1, counters_tag=b"t" * 32, account=b"a" * 16)
        assert await offered_rows(store) == [(J2, OTHER, 3)]
        async with store.transaction() as tx:
            await tx.forget_journal(J2, counters_tag=b"u" * 32, account=b"a" * 16)
        assert await offered_rows(store) == []
    finally:
        await store.close()
