"""rev32d F3: an own snapshot (stored by compaction) or an own deletion that another device
compacted over before this device pulled it back is deleted by an honest server: its bytes
never come back. The later snapshot's signed covers say so (never the server's word): the
record leaves its list (OWN_SNAPSHOTS, the own removals), and the journal of a deletion is
asked with `skip_own` again. A server that drops the record without such a snapshot is still
reported (tests/client/test_withholding.py, tests/client/test_own_stub_moved.py)."""

from __future__ import annotations

from client_sdk import sync as sync_plan
from tests.conftest import ClientFactory


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
