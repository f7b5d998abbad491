"""rev32d F3: an own snapshot (stored by compaction) or an own deletion that another device
compacted over before this device pulled it back is deleted by an honest server: its bytes
never come back. The later snapshot's signed covers say so (never the server's word): the
record leaves its list (OWN_SNAPSHOTS, the own removals), and the journal of a deletion is
asked with `skip_own` again. A server that drops the record without such a snapshot is still
reported (tests/client/test_withholding.py, tests/client/test_own_stub_moved.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from client_sdk import Client, wire
from client_sdk import sync as sync_plan
from client_sdk.crypto import INSECURE_TEST_COST
from tests.client.hostile import HostileServer
from tests.conftest import PASSWORD, ClientFactory


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
