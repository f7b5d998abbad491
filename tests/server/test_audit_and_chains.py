"""The audit log and the access chain endpoint cost what they say, on both backends (R9
findings 9 and 13; the reviewer's attacks are in tests/e2e/test_review_defences.py).

Audit: a row says when a member's device first fetched a journal's records up to where; a
re-fetch of what it already fetched adds nothing, ever; one /v1/sync reply writes its rows in
one transaction. Access chains: a request reads every length in one query and entries only
for the journals behind their cursor, while its budget lasts.
"""

from __future__ import annotations

from typing import Any

from client_sdk import Client, wire
from server import routes
from server.storage.sqlite import SQLiteStorage
from tests.conftest import RunningServer
from tests.server.raw import RawClient, journal_id, sealed_meta

HOUR_MS = 3600 * 1000


async def audit_rows(server: RunningServer, journal: bytes) -> list[tuple[Any, ...]]:
    rows = await server.rows(
        "SELECT device_id, at, up_to_seq, records FROM audit WHERE journal_id = ? "
        "ORDER BY at, up_to_seq",
        journal,
    )
    return [(bytes(device), at, up_to, records) for device, at, up_to, records in rows]


async def shared(ana: Client, ben: Client, journal: str = "Personal") -> bytes:
    await ana.shares.grant(journal, "ben", trust_on_first_use=True, full=True)
    return await journal_id(ana, journal)


async def fetch(raw: RawClient, client: Client, journal: bytes, after: int, limit: int) -> Any:
    request = wire.SyncRequest([wire.Cursor(journal, after)], limit)
    answer = await raw.call("/v1/sync", request, token=client.profile.token)
    assert answer.status == 200, answer.value()
    [page] = [page for page in answer.value()["pages"] if page["journal_id"] == journal]
    return page


async def test_a_refetch_adds_no_audit_row_even_hours_later_and_new_records_count_alone(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    journal = await shared(ana, ben)
    for text in ("One.", "Two.", "Three."):
        await ana.entries.write("Personal", text)
    await ana.sync()
    device = ben.profile.device_id
    first = await fetch(raw, ben, journal, 0, 1000)
    seqs = [record["seq"] for record in first["records"]]
    start = live_server.clock.now
    assert await audit_rows(live_server, journal) == [(device, start, seqs[-1], len(seqs))]
    for hours in (0, 2, 30):  # the same fetch, again and again, then days later
        live_server.clock.now = start + hours * HOUR_MS
        assert (await fetch(raw, ben, journal, 0, 1000))["records"] == first["records"]
        await fetch(raw, ben, journal, 0, 1)
    assert len(await audit_rows(live_server, journal)) == 1
    await ana.entries.write("Personal", "Four.")
    await ana.sync()
    later = live_server.clock.now
    again = await fetch(raw, ben, journal, 0, 1000)  # from the start: old records and the new
    newest = again["records"][-1]["seq"]
    new = len([r for r in again["records"] if r["seq"] > seqs[-1]])
    assert new >= 1
    assert await audit_rows(live_server, journal) == [
        (device, start, seqs[-1], len(seqs)),
        (device, later, newest, new),
    ]
    # The owner's log (SDK) says who first fetched which entries, and when.
    log = await ana.shares.log("Personal")
    assert [(e.member, e.up_to_seq, e.records) for e in log] == [
        ("ben", seqs[-1], len(seqs)),
        ("ben", newest, new),
    ]
    assert [len(e.entry_ids) for e in log] == [3, 1]
    assert not set(log[0].entry_ids) & set(log[1].entry_ids)


async def test_one_sync_reply_writes_its_audit_rows_in_one_transaction(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    names = ["Personal", "Sleep", "Work"]
    for name in names[1:]:
        await ana.journals.create(name)
    journals = [await shared(ana, ben, name) for name in names]
    for name in names:
        await ana.entries.write(name, f"In {name}.")
    await ana.sync()
    begins: list[str] = []
    storage = live_server.server.app[routes.SERVICE].storage
    if isinstance(storage, SQLiteStorage):
        # The writer's connection, whose statements run in the writer's thread.
        storage._db.set_trace_callback(
            lambda sql: begins.append(sql) if sql.startswith("BEGIN") else None
        )
    request = wire.SyncRequest([wire.Cursor(journal, 0) for journal in journals], 1000)
    answer = await raw.call("/v1/sync", request, token=ben.profile.token)
    assert answer.status == 200
    if isinstance(storage, SQLiteStorage):
        storage._db.set_trace_callback(None)
        assert len(begins) == 1, begins
    else:  # PostgreSQL: rows written by one transaction carry its id
        rows = await live_server.rows(
            "SELECT DISTINCT xmin::text FROM audit WHERE account_id = ?", ben.profile.account_id
        )
        assert len(rows) == 1, rows
    for journal in journals:
        assert len(await audit_rows(live_server, journal)) == 1


async def rotate(raw: RawClient, owner: Client, journal: bytes, epoch: int, after: int) -> None:
    key = wire.MemberKey(owner.profile.account_id, bytes(40), "owner", 0)
    chain = [bytes(40)] * wire.MAX_CHAIN_APPEND
    request = wire.RotateRequest(journal, epoch, sealed_meta(epoch), [key], after, chain)
    answer = await raw.call("/v1/journals/rotate", request, token=owner.profile.token)
    assert answer.status == 200, answer.value()


async def test_an_access_request_reads_entries_only_for_journals_behind_while_its_budget_lasts(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    for name in ("Sleep", "Work", "Moods"):
        await ana.journals.create(name)
    await ana.sync()
    journals = [await journal_id(ana, name) for name in ("Personal", "Sleep", "Work", "Moods")]
    long = journals[0]
    chain = await raw.call(
        "/v1/journals/access", wire.AccessRequest([wire.Cursor(long, 0)]), token=ana.profile.token
    )
    length = chain.value()["chains"][0]["length"]
    epoch = 0
    while length <= wire.MAX_CHAIN_PAGE:  # a chain longer than one reply's budget
        epoch += 1
        await rotate(raw, ana, long, epoch, length)
        length += wire.MAX_CHAIN_APPEND
    up_to_date = await raw.call(
        "/v1/journals/access",
        wire.AccessRequest([wire.Cursor(j, 0) for j in journals[1:]]),
        token=ana.profile.token,
    )
    lengths = {c["journal_id"]: c["length"] for c in up_to_date.value()["chains"]}
    statements: list[str] = []
    storage = live_server.server.app[routes.SERVICE].storage
    if isinstance(storage, SQLiteStorage):
        storage._reader.set_trace_callback(statements.append)
    cursors = [wire.Cursor(long, 0)] + [wire.Cursor(j, lengths[j]) for j in journals[2:]]
    cursors.append(wire.Cursor(journals[1], 0))  # behind, but met after the budget is spent
    answer = await raw.call(
        "/v1/journals/access", wire.AccessRequest(cursors), token=ana.profile.token
    )
    if isinstance(storage, SQLiteStorage):
        storage._reader.set_trace_callback(None)
        chain_reads = [sql for sql in statements if "access_chain" in sql]
        # the lengths, then the long chain's page (its length and entries): nothing else
        assert len(chain_reads) == 3, chain_reads
    assert answer.status == 200, answer.value()
    got = {c["journal_id"]: (c["length"], len(c["entries"])) for c in answer.value()["chains"]}
    assert got == {
        long: (length, wire.MAX_CHAIN_PAGE),
        journals[1]: (lengths[journals[1]], 0),
        **{j: (lengths[j], 0) for j in journals[2:]},
    }
    twice = wire.AccessRequest([wire.Cursor(long, 0), wire.Cursor(long, 5)])
    refused = await raw.call("/v1/journals/access", twice, token=ana.profile.token)
    assert refused.error() == (400, "invalid_field")
    assert b"twice" in refused.body
