"""`Store.documents(journal_id, kinds)` filters by kind in SQL: a journal's safety plan, or
every journal's safety flags, are read without building a row for each of 10,000 entries
(`tj shares` reads each whole-journal share's plan, NU25 C1; a sync that brings a flag reads
the flags, NU24 C5). It returns exactly what filtering every document by kind returned."""

from __future__ import annotations

from pathlib import Path

from client_sdk.store import LocalJournal, Store, StoredDocument

J1 = LocalJournal(b"\x01" * 16, b"\x02" * 16, "owner", 1, "Personal", 1, 0)
J2 = LocalJournal(b"\x03" * 16, b"\x02" * 16, "owner", 1, "Work", 1, 0)
KINDS = ("entry", "safety_plan", "safety_flag", "safety_ack")


async def test_documents_of_some_kinds_are_exactly_those_of_all_documents(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    try:
        async with store.transaction() as tx:
            for journal in (J1, J2):
                await tx.put_journal(journal, counters_tag=journal.journal_id * 2)
            await tx.put_documents(
                [
                    StoredDocument(bytes([n]) * 16, j.journal_id, KINDS[n % 4], bytes([n]))
                    for n, j in enumerate([J1, J2] * 6, start=10)
                ],
                1,
            )
        everything = await store.documents()
        for journal_id in (None, J1.journal_id, J2.journal_id):
            for kinds in ((), ("safety_plan",), ("safety_flag", "safety_ack"), KINDS):
                expected = [
                    d for d in everything if d.kind in kinds and journal_id in (None, d.journal_id)
                ]
                found = await store.documents(journal_id, kinds)
                assert sorted(found, key=lambda d: d.doc_id) == sorted(
                    expected, key=lambda d: d.doc_id
                ), (journal_id, kinds)
        assert len(await store.documents(J1.journal_id)) == 6
    finally:
        await store.close()
