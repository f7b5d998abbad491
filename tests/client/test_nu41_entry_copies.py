"""NU41 #1: an entry shared one by one (`shares.grant_entry`, `tj share-entry`) is a copy in
the journal kept for that therapist; it used to stay there for good: trashing the entry or
emptying the trash ("deleted for good") left the therapist reading it, while the client was
told it leaves their view at their next sync. The copy now follows the entry's trash,
restore and delete; it stays a snapshot of what was shared (an edit is not copied: share the
entry again to send it; REV-DEL2)."""

from __future__ import annotations

from typing import Any

import pytest

from client_sdk import Client, Entry
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def shared_copy(therapist: Client) -> list[tuple[str, str, int | None]]:
    await therapist.sync()
    return [
        (e.title, e.body, e.mood)
        for e in await therapist.entries.list()
        if e.journal.endswith("/Shared with drsmith")
    ]


async def shared_on_both(
    signup: ClientFactory, login: ClientFactory, text: str
) -> tuple[Client, Client, Client, Entry]:
    """ana (the laptop) writes `text` (mood 4) and shares it one by one with drsmith; her
    phone syncs after: both devices hold the entry and its copy."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    phone = await login("ana")
    entry = await ana.entries.write("Personal", text, mood=4)
    await ana.shares.grant_entry(
        entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
    )
    await ana.sync()
    await phone.sync()
    return ana, drsmith, phone, entry


async def shared_after_the_phone_synced(
    signup: ClientFactory, login: ClientFactory
) -> tuple[Client, Client, Client, Entry]:
    """ana's entry "Shared, then regretted." (mood 4) reaches her phone, then the laptop
    shares it one by one with drsmith (not synced yet): the phone holds no copy."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "Shared, then regretted.", mood=4)
    await ana.sync()
    phone = await login("ana")
    await phone.sync()
    await ana.shares.grant_entry(
        entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
    )
    return ana, drsmith, phone, entry


async def test_a_copy_shared_one_by_one_follows_trash_restore_and_delete(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "A hard week.", title="Monday", mood=4)
    fingerprint = await drsmith.shares.fingerprint()
    await ana.shares.grant_entry(entry.id, "drsmith", fingerprint=fingerprint)
    await ana.sync()
    assert await shared_copy(drsmith) == [("Monday", "A hard week.", 4)]

    await ana.entries.delete(entry.id)  # to the trash: leaves their view
    await ana.sync()
    assert await shared_copy(drsmith) == []

    await ana.entries.restore(entry.id)  # back, as it was shared
    await ana.sync()
    assert await shared_copy(drsmith) == [("Monday", "A hard week.", 4)]

    await ana.entries.delete(entry.id)
    assert await ana.entries.empty_trash() == 1  # deleted for good
    await ana.sync()
    assert await shared_copy(drsmith) == []
    held = await drsmith.entries.list(include_deleted=True)
    assert held and all(e.deleted for e in held), held  # and nothing of it kept
    assert all((e.body, e.title, e.mood) == ("", "", None) for e in held)


async def test_a_copy_is_a_snapshot_an_edit_is_not_copied(signup: ClientFactory) -> None:
    """An edit of the entry never reaches the copy (REV-DEL2 A, C: following edits could
    widen what was shared); sharing it again sends it (the message and README say so)."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "First words.", mood=4)
    fingerprint = await drsmith.shares.fingerprint()
    await ana.shares.grant_entry(entry.id, "drsmith", only=["mood"], fingerprint=fingerprint)
    await ana.sync()
    assert await shared_copy(drsmith) == [("", "", 4)]
    await ana.entries.edit(entry.id, mood=9, title="Secret title", body="Still private.")
    await ana.sync()
    assert await shared_copy(drsmith) == [("", "", 4)]
    await ana.shares.grant_entry(entry.id, "drsmith", only=["mood"], fingerprint=fingerprint)
    await ana.sync()
    assert await shared_copy(drsmith) == [("", "", 9)]


async def test_a_restore_brings_back_only_the_copies_its_trash_put_away(
    signup: ClientFactory,
) -> None:
    """A copy the client trashed herself (out of the therapist's view, as SharedAgain advises)
    stays in the trash when the entry, trashed later, is restored."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "Shared by mistake.", mood=4)
    await ana.shares.grant_entry(
        entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
    )
    await ana.sync()
    [copy] = [e for e in await ana.entries.list("Shared with drsmith")]
    await ana.entries.delete(copy.id)  # the copy alone
    await ana.entries.delete(entry.id)
    await ana.entries.restore(entry.id)
    await ana.sync()
    assert await shared_copy(drsmith) == []


async def test_copies_of_a_field_level_share_are_not_noted_to_follow(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REV-DEL8 (low): the copies a field-level share keeps (`share --only`) were noted for
    `follow_removals` too, a scan of every entry id that finds nothing; only copies shared
    one by one are."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await share_with(ana, drsmith, only=["mood"])
    phone = await login("ana")
    await phone.sync()
    await ana.entries.write("Personal", "Copied field by field.", mood=5)
    await ana.sync()
    handed: list[tuple[list[bytes], list[bytes]]] = []
    follow = phone.entries._follow_removals

    async def recorded(doc_ids: Any, arrived_copies: Any = ()) -> list[str]:
        handed.append((list(doc_ids), list(arrived_copies)))
        return await follow(doc_ids, arrived_copies)

    monkeypatch.setattr(phone.entries, "_follow_removals", recorded)
    report = await phone.sync()
    assert report.pulled >= 2  # the entry and its field-level copy
    assert handed == []  # nothing noted: no copy shared one by one came
