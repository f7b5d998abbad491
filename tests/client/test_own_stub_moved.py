"""rev32c F1: this device's own snapshot (stored by compaction) or deletion, acknowledged,
dropped and served back as a stub, is reported withheld; a server that then serves the same
stub again at a later seq (the pull past the record's seq, the head kept rising) must not make
it count as come back: it stays listed until its bytes come back with the hash acknowledged,
and is told at every sync until then."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from client_sdk import Client, wire
from client_sdk import sync as sync_plan
from client_sdk.crypto import INSECURE_TEST_COST
from tests.client.hostile import HostileServer
from tests.client.stubbed_drops import StubbedDrops
from tests.client.test_withholding import (
    drop_pushes_with_stubs,
    gap_of,
    personal,
    phone_through,
    without_claimant,
)
from tests.conftest import PASSWORD, ClientFactory, RunningServer


def head_never_back(drops: StubbedDrops) -> Callable[[bytes, bytes], bytes]:
    """`drops.reply`, each page's head never below the highest one served before (so the
    moved stub is no "head went back")."""
    top: dict[bytes, int] = {}

    def reply(request: bytes, real: bytes) -> bytes:
        served = wire.decode(wire.SyncReply, drops.reply(request, real))
        pages = []
        for page in served.pages:
            high = top[page.journal_id] = max(top.get(page.journal_id, 0), page.head)
            if page.head < high:
                cursor = high if page.cursor >= page.head else page.cursor
                page = dataclasses.replace(page, head=high, cursor=cursor)
            pages.append(page)
        return wire.encode(dataclasses.replace(served, pages=pages))

    return reply


def move_stubs(drops: StubbedDrops, by: int) -> None:
    for record_id, (journal_id, seq, epoch) in list(drops.dropped.items()):
        drops.dropped[record_id] = (journal_id, seq + by, epoch)


async def test_an_own_snapshot_stubbed_again_at_a_later_seq_stays_withheld(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    await signup("ana")
    laptop = await Client.login(
        hostile.url, "ana", PASSWORD, home=tmp_path / "laptop", device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )  # fmt: skip
    try:
        laptop.replica.compact_after = 3
        journal = await personal(laptop)
        drops = StubbedDrops(live_server)

        def drop_snapshot(request: bytes, reply: bytes) -> bytes:
            drops.drop([wire.decode(wire.CompactRequest, request).snapshot.record_id])
            return reply

        hostile.replies["/v1/records/compact"] = drop_snapshot
        hostile.replies["/v1/sync"] = head_never_back(drops)
        entry = await laptop.entries.write(None, "first")
        for word in ("second", "third"):
            await laptop.entries.edit(entry.id, append=f" {word}")
        assert (await laptop.sync()).compacted == 1
        gap = gap_of(laptop, journal, ((4, 4),))
        assert without_claimant((await laptop.sync()).withheld) == [gap]
        move_stubs(drops, 50)
        for _ in range(3):
            assert without_claimant((await laptop.sync()).withheld) == [gap]
        assert await laptop.store.setting(sync_plan.OWN_SNAPSHOTS) is not None
    finally:
        await laptop.close()


async def test_an_own_deletion_stubbed_again_at_a_later_seq_stays_withheld(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await phone_through(hostile, tmp_path)
    try:
        await phone.sync(strict=True)
        journal = await personal(phone)
        entry = await phone.entries.write(None, "I want this gone.")
        await phone.sync(strict=True)
        drops = drop_pushes_with_stubs(hostile, live_server)
        hostile.replies["/v1/sync"] = head_never_back(drops)
        await phone.entries.delete(entry.id)
        first = await phone.sync()
        assert drops.dropped
        gap = gap_of(phone, journal, ((2, 2),))
        assert without_claimant(first.withheld) == [gap]
        move_stubs(drops, 50)
        for _ in range(3):
            assert without_claimant((await phone.sync()).withheld) == [gap]
        assert await phone.store.own_removals() != {}
    finally:
        await phone.close()
