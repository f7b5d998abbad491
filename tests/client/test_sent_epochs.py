"""`Store.sent_epochs` (R46 F1/F4: what `shares.recipients` says "not sent" from) finds the
offered marks of one document through the primary key of `offered` (journal, document,
epoch): `tj trash empty` asks it for each entry in the trash, and a scan read every mark
(one per document and epoch ever pushed) each time."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from client_sdk.store import STORE_FILE, SeenRecord, Store
from client_sdk.sync import OutboxRecord

J1, J2 = b"\x01" * 16, b"\x02" * 16
DOC, OTHER = b"\x0d" * 16, b"\x0e" * 16


async def test_sent_epochs_are_the_stored_and_offered_ones_read_by_the_primary_key(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path)
    try:
        await store.mark_offered(
            [
                OutboxRecord(1, J1, b"r1", 3, b"s", DOC),
                OutboxRecord(2, J1, b"r2", 4, b"s", OTHER),
                OutboxRecord(3, J2, b"r3", 5, b"s", OTHER),
            ]
        )
        async with store.transaction() as tx:
            await tx.mark_seen(
                [
                    SeenRecord(J1, b"r0", 7, DOC, epoch=1),
                    SeenRecord(J1, b"r9", None, DOC, epoch=2),  # never stored by the server
                    SeenRecord(J1, b"r8", 8, DOC),  # stored, its epoch not kept here
                ]
            )
        assert await store.sent_epochs(J1, DOC) == {1, 3, None}
        assert await store.sent_epochs(J1, OTHER) == {4}
    finally:
        await store.close()
    plans: list[str] = []
    original = Store._all
    db = sqlite3.connect(str(tmp_path / STORE_FILE))

    async def recording(self: Store, sql: str, params: tuple[object, ...] = ()) -> list[object]:
        plans.extend(str(row[-1]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        return await original(self, sql, params)

    store = await Store.open(tmp_path)
    Store._all = recording  # type: ignore[method-assign]
    try:
        assert await store.sent_epochs(J1, DOC) == {1, 3, None}
    finally:
        Store._all = original  # type: ignore[method-assign]
        db.close()
        await store.close()
    assert not [plan for plan in plans if plan.startswith("SCAN")], plans
