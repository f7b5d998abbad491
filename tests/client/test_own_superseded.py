"""rev32d F3: an own snapshot (stored by compaction) or an own deletion that another device
compacted over before this device pulled it back is deleted by an honest server: its bytes
never come back. The later snapshot's signed covers say so (never the server's word): the
record leaves its list (OWN_SNAPSHOTS, the own removals), and the journal of a deletion is
asked with `skip_own` again. A server that drops the record without such a snapshot is still
reported (tests/client/test_withholding.py, tests/client/test_own_stub_moved.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from client_sdk import Client, crypto, records, wire
from client_sdk import sync as sync_plan
from client_sdk.crypto import INSECURE_TEST_COST
from client_sdk.withholding import Cover
from tests.client.hostile import HostileServer
from tests.client.sharing_support import share_with
from tests.client.stubbed_drops import StubbedDrops
from tests.client.test_withholding import (
    drop_pushes_with_stubs,
    gap_of,
    personal,
    phone_through,
    without_claimant,
)
from tests.conftest import PASSWORD, ClientFactory, RunningServer


async def test_an_own_snapshot_another_device_compacted_over_leaves_the_list(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    laptop.replica.compact_after = 3
    entry = await laptop.entries.write(None, "first")
    for word in ("second", "third"):
        await laptop.entries.edit(entry.id, append=f" {word}")
    assert (await laptop.sync(strict=True)).compacted == 1
    listed = await laptop.store.setting(sync_plan.OWN_SNAPSHOTS)
    assert listed is not None
    # The phone compacts the laptop's snapshot (not yet pulled back by the laptop) away.
    phone = await login("ana")
    phone.replica.compact_after = 3
    await phone.sync(strict=True)
    for word in ("fourth", "fifth", "sixth", "seventh"):
        await phone.entries.edit(entry.id, append=f" {word}")
    assert (await phone.sync(strict=True)).compacted >= 1
    for _ in range(2):
        assert (await laptop.sync(strict=True)).withheld == []
    assert await laptop.store.setting(sync_plan.OWN_SNAPSHOTS) is None
    assert (await laptop.entries.get(entry.id)).body.endswith("sixth seventh")


async def test_an_own_deletion_another_device_compacted_over_leaves_the_list(
    signup: ClientFactory,
    hostile: HostileServer,
    tmp_path: Path,
) -> None:
    """The laptop trashes an entry; its pull is held until the phone restored the entry and
    compacted it (the trash record superseded, deleted by the server): the laptop's pull then
    finds the phone's snapshot covering it, and later syncs ask the journal with `skip_own`."""
    await signup("ana", "desk")
    laptop = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "laptop", device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    phone = await Client.login(
        hostile.upstream, "ana", PASSWORD, home=tmp_path / "phone", device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        phone.replica.compact_after = 3
        entry = await laptop.entries.write(None, "I may want this back.")
        await laptop.sync(strict=True)
        await phone.sync(strict=True)
        pushed = asyncio.Event()
        release = asyncio.Event()

        async def hold_after_push() -> None:
            if "/v1/records/push" in hostile.paths and not release.is_set():
                pushed.set()
                await release.wait()

        hostile.holds["/v1/sync"] = hold_after_push
        hostile.paths.clear()
        await laptop.entries.delete(entry.id)
        assert await laptop.store.own_removals()
        syncing = asyncio.create_task(laptop.sync(strict=True))
        await asyncio.wait_for(pushed.wait(), 30)
        await phone.sync(strict=True)
        await phone.entries.restore(entry.id)
        for word in ("back", "again", "here"):
            await phone.entries.edit(entry.id, append=f" {word}")
        assert (await phone.sync(strict=True)).compacted >= 1
        release.set()
        assert (await syncing).withheld == []
        assert await laptop.store.own_removals() == {}
        before = len(hostile.bodies("/v1/sync"))
        assert (await laptop.sync(strict=True)).withheld == []
        asked = [wire.decode(wire.SyncRequest, b) for b in hostile.bodies("/v1/sync")[before:]]
        assert asked and all(request.skip_own for request in asked)
        assert (await laptop.entries.get(entry.id)).body.endswith("back again here")
    finally:
        await laptop.close()
        await phone.close()


async def test_a_members_forged_cover_never_drops_an_own_snapshot_the_server_dropped(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """The server drops the laptop's own snapshot (stubbing it to the laptop) and a member
    (tom, annotate) pushes a record whose covers name the snapshot's counter, as if a later
    snapshot had superseded it: a member's covers name only its own counters (the record is
    refused as forged coverage), so the snapshot stays listed and is reported withheld."""
    await signup("ana", "desk")
    laptop = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "laptop", device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        laptop.replica.compact_after = 3
        tom = await signup("tom")
        await share_with(laptop, tom, role="annotate")
        await tom.sync(strict=True)
        journal = await personal(laptop)
        drops = StubbedDrops(live_server)

        def drop_snapshot(request: bytes, reply: bytes) -> bytes:
            drops.drop([wire.decode(wire.CompactRequest, request).snapshot.record_id])
            return reply

        hostile.replies["/v1/records/compact"] = drop_snapshot
        hostile.replies["/v1/sync"] = drops.reply
        entry = await laptop.entries.write(None, "first")
        for word in ("second", "third"):
            await laptop.entries.edit(entry.id, append=f" {word}")
        assert (await laptop.sync()).compacted == 1
        [snapshot] = drops.dropped
        [(counter,)] = await laptop.store._all(
            "SELECT counter FROM seen_records WHERE record_id = ?", (snapshot,)
        )
        local = await tom.context.local_journal(journal.hex())
        forged = records.RecordBody(
            author=tom.profile.account_id,
            device=tom.profile.device_id,
            counter=1,
            doc_id=crypto.random_bytes(16),
            doc_kind="note",
            kind=records.UPDATE,
            payload=b"",
            written_at=1,
            covers=(
                Cover(laptop.profile.account_id, laptop.profile.device_id, ((counter, counter),)),
            ),
        )
        record_id = crypto.random_bytes(16)
        ciphertext = records.seal_record(
            await tom.replica.journal_key(local, local.epoch), journal, record_id, local.epoch,
            forged, tom.profile.secrets.signing_key,
        )  # fmt: skip
        await tom.transport.call(
            "/v1/records/push",
            wire.PushRequest(journal, [wire.RecordUpload(record_id, local.epoch, ciphertext)]),
            wire.PushReply,
        )
        gap = gap_of(laptop, journal, ((counter, counter),))
        reports = [await laptop.sync() for _ in range(2)]
        assert [without_claimant(report.withheld) for report in reports] == [[gap], [gap]]
        assert any("forged coverage" in problem for problem in reports[0].problems)
        assert snapshot in sync_plan.decode_own_snapshots(
            await laptop.store.setting(sync_plan.OWN_SNAPSHOTS)
        ).get(journal, {})
    finally:
        await laptop.close()


async def test_an_own_deletion_withheld_stays_listed_after_this_devices_share_cut(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """rev33b F2: the phone's deletion, acknowledged, dropped and served back to it as a stub,
    then a share of the journal: the phone's cut names every counter of the journal it
    received, its deletion's included. A cut only accounts for the records before the share
    (protocol.md 4.18 "Cuts"): it supersedes nothing and an honest server deletes nothing it
    names, so the deletion stays listed and its journal is still asked whole."""
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "I want this gone.")
    await laptop.sync(strict=True)
    tom = await signup("tom")
    phone = await phone_through(hostile, tmp_path)
    try:
        await phone.sync(strict=True)
        journal = await personal(phone)
        drops = drop_pushes_with_stubs(hostile, live_server)
        await phone.entries.delete(entry.id)
        report = await phone.sync()
        assert report.pushed == 1 and drops.dropped
        assert without_claimant(report.withheld) == [gap_of(phone, journal, ((1, 1),))]
        listed = await phone.store.own_removals()
        assert list(listed) == [journal]
        del hostile.replies["/v1/records/push"]  # later pushes let through; still the stub
        await share_with(phone, tom)
        before = len(hostile.bodies("/v1/sync"))
        reports = [await phone.sync() for _ in range(2)]
        asked = [wire.decode(wire.SyncRequest, b).skip_own for b in hostile.bodies("/v1/sync")]
        assert asked[before:] and not any(asked[before:])
        assert (
            await phone.store.own_records_covered(
                journal, phone.profile.account_id, list(listed[journal])
            )
            == set()
        )
        assert await phone.store.own_removals() == listed
        assert all(gap_of(phone, journal, ((1, 1),)) in r.withheld for r in reports)
    finally:
        await phone.close()
