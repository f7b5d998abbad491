"""Reading a journal of many key epochs reads each envelope once (R15 finding O3): a key-cache
miss looks up the one envelope it needs, never every envelope of the account, so a journal of
E epochs read record by record costs O(E) rows of the local store, not O(E²). Counted with
the store's own SQLite connection's trace callback: statements, and the rows they read."""

from __future__ import annotations

import re

from tests.conftest import ClientFactory

EPOCHS = 12


async def test_a_journal_of_many_epochs_reads_each_key_envelope_once(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    for n in range(EPOCHS):  # one entry under each epoch, then a new epoch
        await laptop.entries.write("Personal", f"under epoch {n}")
        await laptop.sync()
        await laptop.replica.rotate(await laptop.context.local_journal("Personal"))
    await laptop.entries.write("Personal", f"under epoch {EPOCHS}")
    await laptop.sync(strict=True)

    phone = await login("ana")  # its journal list brought every envelope; none opened yet
    phone.replica._keys.clear()
    envelopes = len(await phone.store.journal_keys())
    assert envelopes >= EPOCHS + 1
    statements: list[str] = []
    connection = phone.store._db._connection
    connection.set_trace_callback(statements.append)
    try:
        report = await phone.sync(strict=True)
    finally:
        connection.set_trace_callback(None)

    assert report.problems == []
    bodies = {e.body for e in await phone.entries.list("Personal")}
    assert bodies == {f"under epoch {n}" for n in range(EPOCHS + 1)}
    reads = [s for s in statements if re.search(r"\bSELECT\b.*\bFROM journal_keys\b", s, re.S)]
    whole = [s for s in reads if "WHERE" not in s]  # every envelope of the account
    # A journal-list refresh reads them all once; the records' keys, one lookup each.
    assert len(whole) <= 1, whole
    rows_read = len(whole) * envelopes + (len(reads) - len(whole))
    assert rows_read <= envelopes + 2 * (EPOCHS + 1), (len(reads), len(whole), envelopes)
