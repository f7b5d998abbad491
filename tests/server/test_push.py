"""Pushes are idempotent by record id: a retry never duplicates, a changed record never lands."""

from __future__ import annotations

import asyncio
from typing import Any

from client_sdk import Client, wire
from tests.conftest import RunningServer
from tests.server.raw import (
    RawClient,
    journal_id,
    push,
    sealed_meta,
    snapshot,
    stored_records,
    upload,
)


def seqs(reply: Any) -> dict[bytes, int]:
    """record id -> seq from a decoded push reply."""
    return {accepted["record_id"]: accepted["seq"] for accepted in reply["accepted"]}


async def test_pushing_the_same_batch_twice_returns_the_same_seqs_and_stores_each_record_once(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    batch = [upload(1), upload(2), upload(3)]
    first = await push(raw, ana, journal, batch)
    second = await push(raw, ana, journal, batch)
    assert first.status == second.status == 200
    assert first.value() == second.value()
    assert [a["record_id"] for a in first.value()["accepted"]] == [r["record_id"] for r in batch]
    stored = await stored_records(live_server, journal)
    assert len(stored) == 3
    assert {record_id: seq for seq, record_id, _, _ in stored} == seqs(first.value())


async def test_a_retry_with_new_records_keeps_the_old_seqs_and_appends_the_new_ones(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    first = seqs((await push(raw, ana, journal, [upload(1), upload(2)])).value())
    retry = seqs((await push(raw, ana, journal, [upload(2), upload(3), upload(1)])).value())
    assert retry[upload(1)["record_id"]] == first[upload(1)["record_id"]]
    assert retry[upload(2)["record_id"]] == first[upload(2)["record_id"]]
    assert retry[upload(3)["record_id"]] > max(first.values())
    assert len(await stored_records(live_server, journal)) == 3
    sync = await raw.call("/v1/sync", wire.SyncRequest([], 100), token=ana.profile.token)
    [page] = [p for p in sync.value()["pages"] if p["journal_id"] == journal]
    assert page["head"] == retry[upload(3)["record_id"]]
    assert [r["record_id"] for r in page["records"]] == [upload(n)["record_id"] for n in (1, 2, 3)]


async def test_a_record_id_pushed_again_with_other_ciphertext_conflicts_and_stores_nothing(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    assert (await push(raw, ana, journal, [upload(1)])).status == 200
    before = await snapshot(live_server)
    altered = {**upload(1), "ciphertext": b"\xee" * 40}
    answer = await push(raw, ana, journal, [upload(2), altered, upload(3)])
    assert answer.error() == (409, "record_conflict")
    assert await snapshot(live_server) == before
    [(_, _, _, ciphertext)] = await stored_records(live_server, journal)
    assert ciphertext == upload(1)["ciphertext"]


async def test_a_record_id_pushed_again_under_a_newer_epoch_conflicts_and_stores_nothing(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    assert (await push(raw, ana, journal, [upload(1)])).status == 200
    owner_key = wire.MemberKey(ana.profile.account_id, bytes(48), "owner", 0)
    rotation = wire.RotateRequest(journal, 1, sealed_meta(1), [owner_key], 1, [bytes(48)])
    assert (await raw.call("/v1/journals/rotate", rotation, token=ana.profile.token)).status == 200
    before = await snapshot(live_server)
    answer = await push(raw, ana, journal, [upload(2, epoch=1), upload(1, epoch=1)])
    assert answer.error() == (409, "record_conflict")
    assert await snapshot(live_server) == before


async def test_a_record_sealed_under_another_epoch_than_the_journals_is_refused(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    before = await snapshot(live_server)
    answer = await push(raw, ana, journal, [upload(1), upload(2, epoch=1)])
    assert answer.error() == (409, "stale_epoch")
    assert await snapshot(live_server) == before


async def test_concurrent_retries_of_one_batch_store_it_once(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    batch = [upload(n) for n in range(1, 11)]
    answers = await asyncio.gather(*(push(raw, ana, journal, batch) for _ in range(8)))
    assert {answer.status for answer in answers} == {200}
    assert all(answer.value() == answers[0].value() for answer in answers)
    assert len(await stored_records(live_server, journal)) == 10


async def test_concurrent_pushes_of_one_id_with_different_content_store_exactly_one(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    journal = await journal_id(ana)
    versions = [{**upload(1), "ciphertext": bytes([n]) * 40} for n in range(6)]
    answers = await asyncio.gather(*(push(raw, ana, journal, [v]) for v in versions))
    winners = [v for v, answer in zip(versions, answers, strict=True) if answer.status == 200]
    losers = [answer.error() for answer in answers if answer.status != 200]
    assert len(winners) == 1
    assert losers == [(409, "record_conflict")] * 5
    [(_, _, _, ciphertext)] = await stored_records(live_server, journal)
    assert ciphertext == winners[0]["ciphertext"]


async def test_only_an_owner_or_an_unexpired_annotating_member_pushes_with_the_current_epoch(
    live_server: RunningServer, raw: RawClient, ana: Client, ben: Client
) -> None:
    """The role, the membership's end and the journal's epoch come from one read
    (Storage.role_and_epoch); every refusal of the separate reads is still made."""
    journal = await journal_id(ana)
    [(length,)] = await live_server.rows(
        "SELECT COUNT(*) FROM access_chain WHERE journal_id = ?", journal
    )
    ends = live_server.clock.now + 60_000

    async def members(epoch: int, role: str) -> None:
        keys = [
            wire.MemberKey(ana.profile.account_id, bytes(48), "owner", 0),
            wire.MemberKey(ben.profile.account_id, bytes(48), role, ends),
        ]
        rotation = wire.RotateRequest(
            journal, epoch, sealed_meta(epoch), keys, length + epoch - 1, [b"g"]
        )
        answer = await raw.call("/v1/journals/rotate", rotation, token=ana.profile.token)
        assert answer.status == 200, answer.value()

    await members(1, "read")
    assert (await push(raw, ben, journal, [upload(1, epoch=1)])).error() == (403, "forbidden")
    await members(2, "annotate")
    assert (await push(raw, ben, journal, [upload(2, epoch=1)])).error() == (409, "stale_epoch")
    assert (await push(raw, ben, journal, [upload(3, epoch=2)])).status == 200
    snapshot_record = wire.RecordUpload(upload(4)["record_id"], 2, b"s" * 40)
    compact = wire.CompactRequest(journal, snapshot_record, [upload(3)["record_id"]])
    answer = await raw.call("/v1/records/compact", compact, token=ben.profile.token)
    assert answer.error() == (403, "forbidden")
    assert b"may not change" in answer.body
    live_server.clock.now = ends
    answer = await push(raw, ben, journal, [upload(5, epoch=2)])
    assert answer.error() == (403, "forbidden")
    assert b"not shared with this account" in answer.body
    assert (await push(raw, ana, journal, [upload(6, epoch=2)])).status == 200
    stored = await stored_records(live_server, journal)
    assert [record_id for _, record_id, _, _ in stored] == [upload(n)["record_id"] for n in (3, 6)]
