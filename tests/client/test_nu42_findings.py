"""NU42: a new user's findings in the SDK (real server on loopback, real crypto)."""

from __future__ import annotations

import pytest

from client_sdk import NotFound
from tests.client.sharing_support import share_with
from tests.client.test_nu41_entry_copies import shared_copy
from tests.conftest import ClientFactory


async def test_a_copy_trashed_by_the_sync_after_a_delete_goes_in_that_same_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """NU42 #1: ana's laptop shared an entry one by one, her phone shared it again (the
    copy's latest change is the phone's); the laptop moved the entry to the trash and
    synced ("synced": "it leaves their view at their next sync"). That sync brought the
    phone's change of the copy, and the laptop trashed the copy again only after it
    (`follow_removals`), sent at its *next* sync: drsmith kept reading it for as long as the
    laptop did not sync again. Now it goes in the same sync."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    phone = await login("ana")
    entry = await ana.entries.write("Personal", "A fresh one for sharing.", mood=4)
    fingerprint = await drsmith.shares.fingerprint()
    await ana.shares.grant_entry(entry.id, "drsmith", fingerprint=fingerprint)
    await ana.sync()
    await phone.sync()
    await phone.entries.edit(entry.id, append="Edited on phone.")
    await phone.shares.grant_entry(entry.id, "drsmith", fingerprint=fingerprint)
    await phone.sync()
    assert await shared_copy(drsmith) == [("", "A fresh one for sharing. Edited on phone.", 4)]
    await ana.entries.delete(entry.id)
    await ana.sync()
    assert await ana.store.outbox_empty()  # nothing left for a next sync
    assert await shared_copy(drsmith) == []


async def test_a_member_cannot_open_an_entry_its_owner_moved_to_the_trash(
    signup: ClientFactory,
) -> None:
    """NU42 #2: drsmith's `tj show ID` of an entry ana had moved to the trash printed it
    whole and named `tj restore` (hers alone to run), though she was told trashing takes it
    out of his view. Out of view means out of `get` too; restored, it is back."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith)
    entry = await ana.entries.write(None, "Words I took back.")
    await ana.sync()
    await drsmith.sync()
    assert (await drsmith.entries.get(entry.id)).body == "Words I took back."
    await ana.entries.delete(entry.id)
    await ana.sync()
    await drsmith.sync()
    for trashed in (False, True):
        with pytest.raises(NotFound, match="its owner moved it to the trash"):
            await drsmith.entries.get(entry.id, include_trashed=trashed)
    assert (await ana.entries.get(entry.id, include_trashed=True)).trashed_at is not None
    await ana.entries.restore(entry.id)
    await ana.sync()
    await drsmith.sync()
    assert (await drsmith.entries.get(entry.id)).body == "Words I took back."
