"""What /v1/sync pages and /v1/records/push conflict checks return, on both backends, now that
neither reads more than it needs (R9 findings 17 and 18; the memory side is checked in
tests/e2e/test_review_defences.py): a page stops at its byte budget and the rest follows;
a resend is accepted only when it is byte for byte what is stored."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from client_sdk import Client, wire
from server.service import PAGE_BYTES
from server.storage.postgres import PostgresStorage
from tests.conftest import ClientFactory, RunningServer
from tests.server.raw import RawClient, journal_id, push, snapshot, stored_records, upload

BIG = wire.MAX_RECORD_BYTES


async def create(raw: RawClient, client: Client, number: int) -> bytes:
    """A journal of `client` whose id sorts before any random one (sync slices go by id)."""
    journal = number.to_bytes(wire.ID_BYTES, "big")
    request = wire.JournalCreateRequest(
        journal, wire.KeyEnvelope(0, bytes(40)), bytes(40), [bytes(40)]
    )
    answer = await raw.call("/v1/journals/create", request, token=client.profile.token)
    assert answer.status == 200, answer.value()
    return journal


async def sync(raw: RawClient, client: Client, cursors: list[wire.Cursor], limit: int) -> Any:
    answer = await raw.call(
        "/v1/sync", wire.SyncRequest(cursors, limit), token=client.profile.token
    )
    assert answer.status == 200, answer.value()
    return answer.value()


def page_of(reply: Any, journal: bytes) -> Any:
    [page] = [page for page in reply["pages"] if page["journal_id"] == journal]
    return page


async def test_a_page_stops_at_its_byte_budget_and_the_next_page_carries_the_rest(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await create(raw, ana, 1)
    pushed = [upload(n, size=BIG) for n in range(1, 19)]  # 18 x 256 KiB = 4.5 MiB
    assert (await push(raw, ana, journal, pushed)).status == 200
    assert PAGE_BYTES == 16 * BIG
    first = page_of(await sync(raw, ana, [], wire.MAX_RECORDS_PER_PAGE), journal)
    assert [r["record_id"] for r in first["records"]] == [r["record_id"] for r in pushed[:16]]
    assert first["cursor"] == first["records"][-1]["seq"] < first["head"]
    rest = page_of(await sync(raw, ana, [wire.Cursor(journal, first["cursor"])], 1000), journal)
    assert [r["record_id"] for r in rest["records"]] == [r["record_id"] for r in pushed[16:]]
    assert [r["ciphertext"] for r in first["records"] + rest["records"]] == [
        r["ciphertext"] for r in pushed
    ]
    assert rest["cursor"] == rest["head"]
    limited = page_of(await sync(raw, ana, [], 5), journal)
    assert [r["record_id"] for r in limited["records"]] == [r["record_id"] for r in pushed[:5]]


async def test_the_first_record_of_a_journal_is_sent_even_past_what_is_left_of_the_budget(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    """The contract of Storage.records_after (storage/base.py): the first record is returned
    whatever its size, so a journal met with a few bytes of budget left still moves on."""
    nearly_full, next_one = await create(raw, ana, 1), await create(raw, ana, 2)
    filler = [upload(n, size=BIG - 1) for n in range(1, 17)]  # 16 bytes short of 4 MiB
    assert (await push(raw, ana, nearly_full, filler)).status == 200
    assert (await push(raw, ana, next_one, [upload(n, size=BIG) for n in (17, 18)])).status == 200
    reply = await sync(raw, ana, [], wire.MAX_RECORDS_PER_PAGE)
    assert len(page_of(reply, nearly_full)["records"]) == 16
    second = page_of(reply, next_one)
    assert [r["record_id"] for r in second["records"]] == [upload(17)["record_id"]]
    assert second["cursor"] == second["records"][0]["seq"] < second["head"]
    assert reply["done"] is False


async def test_a_resend_conflicts_unless_it_is_byte_for_byte_what_is_stored(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    stored = upload(1, size=BIG)
    accepted = await push(raw, ana, journal, [stored])
    assert accepted.status == 200
    assert (await push(raw, ana, journal, [stored])).value() == accepted.value()
    before = await snapshot(live_server)
    shorter = {**stored, "ciphertext": stored["ciphertext"][:-1]}
    last_byte = {**stored, "ciphertext": stored["ciphertext"][:-1] + b"\x00"}
    for altered in (shorter, last_byte, {**stored, "ciphertext": b"\x01" * 40}):
        answer = await push(raw, ana, journal, [upload(2), altered])
        assert answer.error() == (409, "record_conflict")
    assert await snapshot(live_server) == before


async def test_a_compaction_sent_again_keeps_its_seq_and_a_changed_snapshot_conflicts(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    assert (await push(raw, ana, journal, [upload(1), upload(2)])).status == 200
    snapshot_record = wire.RecordUpload(upload(3)["record_id"], 0, b"\x03" * 100)
    superseded = [upload(1)["record_id"], upload(2)["record_id"]]
    request = wire.CompactRequest(journal, snapshot_record, superseded)
    first = await raw.call("/v1/records/compact", request, token=ana.profile.token)
    assert first.status == 200, first.value()
    again = await raw.call("/v1/records/compact", request, token=ana.profile.token)
    assert again.status == 200
    assert again.value()["seq"] == first.value()["seq"]
    for ciphertext in (b"\x04" * 100, b"\x03" * 99):
        changed = wire.CompactRequest(
            journal, wire.RecordUpload(upload(3)["record_id"], 0, ciphertext), superseded
        )
        answer = await raw.call("/v1/records/compact", changed, token=ana.profile.token)
        assert answer.error() == (409, "record_conflict")
    assert [ct for _, _, _, ct in await stored_records(live_server, journal)] == [b"\x03" * 100]


class WriteBetweenTheReads(PostgresStorage):
    """PostgreSQL storage where another connection deletes the first records of the journal
    (as a compaction or an account erasure does), and commits, right after a page's sizes
    were read and before its records are: the moment the two reads of a page could disagree."""

    async def _page_length(
        self,
        db: asyncpg.Connection,
        journal_id: bytes,
        after: int,
        limit: int,
        max_bytes: int,
        stub_device: bytes | None,
    ) -> int:
        count = await super()._page_length(db, journal_id, after, limit, max_bytes, stub_device)
        async with self._pool.acquire() as other:
            deleted = await other.execute(
                "DELETE FROM records WHERE seq IN (SELECT seq FROM records WHERE journal_id = $1 "
                "AND seq > $2 ORDER BY seq LIMIT $3)",
                journal_id,
                after,
                count,
            )
        assert deleted == f"DELETE {count}"  # committed while the page's snapshot is open
        return count


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # SQLite reads rows once
async def test_a_page_is_read_from_one_snapshot_even_when_records_are_deleted_meanwhile(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    """A page's cut is found from the records' sizes, then the records that fit are read.
    Read in two transactions, a deletion committed between them made the second read return
    the next, larger records (here 30,000 bytes against a budget of 300). In one REPEATABLE
    READ snapshot the page is the records as they were at its first read."""
    journal = await create(raw, ana, 1)
    small = [upload(n, size=100) for n in range(1, 4)]
    large = [upload(n, size=10_000) for n in range(4, 7)]
    assert (await push(raw, ana, journal, small + large)).status == 200
    assert live_server.database_url is not None
    storage = await WriteBetweenTheReads.open(live_server.database_url)
    try:
        page = await storage.records_after(journal, 0, wire.MAX_RECORDS_PER_PAGE, 300)
    finally:
        await storage.close()
    assert [row.record_id for row in page] == [r["record_id"] for r in small]
    assert [row.ciphertext for row in page] == [r["ciphertext"] for r in small]
    # The deletion did commit: only the large records are left.
    left = await stored_records(live_server, journal)
    assert [record_id for _seq, record_id, _epoch, _ct in left] == [r["record_id"] for r in large]


async def test_skip_own_serves_the_devices_own_records_as_stubs_within_a_correct_page(
    live_server: RunningServer, raw: RawClient, ana: Client, login: ClientFactory
) -> None:
    """Issue 10, on both backends: with `skip_own` the records this device pushed come with
    an empty ciphertext, count 0 bytes of the page's budget (18 x 256 KiB fit in one page,
    which then provably reaches its head), and another device of the same account (or this
    one without the flag, or in a journal its request does not name) gets them whole, paged
    at the byte budget as before."""
    journal = await create(raw, ana, 1)
    pushed = [upload(n, size=BIG) for n in range(1, 19)]  # 4.5 MiB: over one page whole
    assert (await push(raw, ana, journal, pushed)).status == 200

    async def page(client: Client, skip_own: bool, after: int = 0) -> Any:
        request = wire.SyncRequest([wire.Cursor(journal, after)], 1000, skip_own=skip_own)
        answer = await raw.call("/v1/sync", request, token=client.profile.token)
        assert answer.status == 200, answer.value()
        return page_of(answer.value(), journal)

    stubs = await page(ana, True)
    assert [r["record_id"] for r in stubs["records"]] == [r["record_id"] for r in pushed]
    assert [r["seq"] for r in stubs["records"]] == sorted(r["seq"] for r in stubs["records"])
    assert all(r["ciphertext"] == b"" for r in stubs["records"])
    assert stubs["cursor"] == stubs["head"]
    few = page_of(
        (
            await raw.call(
                "/v1/sync",
                wire.SyncRequest([wire.Cursor(journal, 0)], 5, skip_own=True),
                token=ana.profile.token,
            )
        ).value(),
        journal,
    )
    assert len(few["records"]) == 5 and few["cursor"] == few["records"][-1]["seq"] < few["head"]

    unnamed = await raw.call(  # a journal the request does not name is new to the device
        "/v1/sync", wire.SyncRequest([], 1000, skip_own=True), token=ana.profile.token
    )
    assert all(r["ciphertext"] for r in page_of(unnamed.value(), journal)["records"])
    whole = await page(ana, False)
    assert [r["ciphertext"] for r in whole["records"]] == [r["ciphertext"] for r in pushed[:16]]
    assert whole["cursor"] < whole["head"]

    tablet = await login("ana", device="tablet")
    first = await page(tablet, True)
    assert [r["ciphertext"] for r in first["records"]] == [r["ciphertext"] for r in pushed[:16]]
    rest = await page(tablet, True, first["cursor"])
    assert [r["ciphertext"] for r in rest["records"]] == [r["ciphertext"] for r in pushed[16:]]
    assert rest["cursor"] == rest["head"]
