"""REV-DEL7: hostile review of 17f48807 (copies shared one by one following their entry's
trash, restore and delete). /work/REV-DEL7-FINDINGS.md has the analysis. Both tests fail on
17f48807, on every run so far; honest server in A, a client process killed in B. Fixed since: the entry is read again after the share's own sync and not shared when
removed meanwhile (A); what a pulled page brings for copies to follow is noted with the page
(`replica.COPIES_TO_FOLLOW`), so neither a crash after it nor a sync run inside a share loses
it (B, and A's wider part)."""

from __future__ import annotations

import pytest

from client_sdk import Client, NotFound
from client_sdk.documents import entry_view
from client_sdk.replica import stored_document
from tests.client.test_merge_writes_crash import sync_killed_after_page
from tests.client.test_nu41_entry_copies import shared_copy as drsmith_sees
from tests.client.test_rev_del5_findings import copy_of
from tests.conftest import ClientFactory


async def test_sharing_an_entry_another_device_deleted_for_good_sends_its_text_and_keeps_it(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """DEL7-A (honest server): the phone deletes an entry for good and syncs. The laptop,
    not synced since, shares that entry with drsmith for the first time (`tj share-entry`).
    `share_entry` reads the entry, then `items_journal` -> `_grant` -> `_grant_held` runs a
    whole `replica.sync()` that pulls the delete; the copy is then written from the entry
    read before (`copy_entry(document)`: its text), and the arrivals of that nested sync are
    thrown away (`keep_told` keeps only `finished_shares`), so `Client._follow_removals`
    never sees the delete. Every later sync of the laptop has nothing arrived: drsmith
    reads the text of an entry Ana deleted for good, for as long as the phone does not
    sync again (its next sync gets the copy as new and deletes it)."""
    phone, drsmith = await signup("ana", "phone"), await signup("drsmith")
    fingerprint = await drsmith.shares.fingerprint()
    entry = await phone.entries.write("Personal", "What I told nobody.", mood=2)
    await phone.sync()
    laptop = await login("ana", "laptop")
    await laptop.sync()

    await phone.entries.delete(entry.id)
    assert await phone.entries.empty_trash() == 1
    await phone.sync()  # then put away

    # Fixed: the entry is read again once the journal kept for drsmith was made (that
    # synced): removed meanwhile, it is not shared.
    with pytest.raises(NotFound, match="deleted on another of your devices meanwhile"):
        await laptop.shares.grant_entry(entry.id, "drsmith", fingerprint=fingerprint)
    stored = await laptop.store.document(bytes.fromhex(entry.id))
    assert stored is not None and entry_view(stored_document(stored)).deleted  # pulled
    for _ in range(3):
        report = await laptop.sync()
    assert await drsmith_sees(drsmith) == [], (
        "drsmith reads the copy of an entry Ana deleted for good, written after the laptop "
        f"had pulled the delete; three later syncs said nothing (problems: {report.problems})"
    )


async def test_a_sync_killed_after_the_entrys_delete_leaves_its_copy_readable_for_good(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """DEL7-B: `follow_removals` is edge-triggered on the sync's in-memory `arrivals` and
    runs after `Replica.sync` returns, not with the page. A sync whose process is killed
    (Ctrl-C at the wrong moment, a crash, a laptop lid) right after the page bringing the
    entry's delete for good has committed loses that edge: the next sync finds nothing
    arrived, and the copy of the deleted entry stays in drsmith's view on every later sync
    of this device, nothing withheld and no problem said. test_merge_writes_crash holds the
    pull's other writes to exactly that standard ("written with the page, never after it").

    drsmith already reads "Shared with drsmith" (no nested sync in `share_entry`). The
    phone deletes entry 2 for good and syncs; the laptop, not synced since, shares it (the
    copy waits in its outbox), then syncs: the push sends the copy, the pull brings the
    delete, and the process dies right after that page. The phone is put away."""
    phone, drsmith = await signup("ana", "phone"), await signup("drsmith")
    fingerprint = await drsmith.shares.fingerprint()
    first = await phone.entries.write("Personal", "Shared already.", mood=3)
    entry = await phone.entries.write("Personal", "What I told nobody.", mood=2)
    await phone.sync()
    laptop = await login("ana", "laptop")
    await laptop.sync()
    await laptop.shares.grant_entry(first.id, "drsmith", fingerprint=fingerprint)
    await laptop.sync()
    await phone.sync()
    assert await drsmith_sees(drsmith) == [("", "Shared already.", 3)]

    await phone.entries.delete(entry.id)
    assert await phone.entries.empty_trash() == 1
    await phone.sync()  # then put away

    await laptop.shares.grant_entry(entry.id, "drsmith", fingerprint=fingerprint)
    home = laptop.home
    await laptop.close()
    await sync_killed_after_page(home)
    reopened = await Client.open(home)
    try:
        stored = await reopened.store.document(bytes.fromhex(entry.id))
        assert stored is not None and entry_view(stored_document(stored)).deleted
        for _ in range(3):
            report = await reopened.sync()
        copy = await copy_of(reopened, entry.id)
        assert copy is not None
        assert await drsmith_sees(drsmith) == [("", "Shared already.", 3)], (
            "drsmith reads the copy of an entry Ana deleted for good after one sync killed "
            f"after its page; three later syncs said nothing (problems: {report.problems}), "
            f"copy deleted={entry_view(copy).deleted}"
        )
    finally:
        await reopened.close()
