"""NU41 #1: an entry shared one by one (`shares.grant_entry`, `tj share-entry`) is a copy in
the journal kept for that therapist; it used to stay as it was shared, for good: trashing
the entry, emptying the trash ("deleted for good") or correcting its mood left the
therapist reading the old copy, while the client was told it leaves their view at their next
sync. The copy now follows the entry: edits (of the fields it shows), trash, restore and
delete, like a field-level copy (`share --only`)."""

from __future__ import annotations

from client_sdk import Client
from client_sdk.replica import stored_document
from tests.conftest import ClientFactory


async def shared_copy(therapist: Client) -> list[tuple[str, str, int | None, str]]:
    await therapist.sync()
    return [
        (e.title, e.body, e.mood, e.journal)
        for e in await therapist.entries.list()
        if e.journal.endswith("/Shared with drsmith")
    ]


async def test_a_copy_shared_one_by_one_follows_edits_trash_restore_and_delete(
    signup: ClientFactory,
) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "A hard week.", title="Monday", mood=4)
    await ana.shares.grant_entry(
        entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
    )
    await ana.sync()
    assert await shared_copy(drsmith) == [("Monday", "A hard week.", 4, "ana/Shared with drsmith")]

    await ana.entries.edit(entry.id, mood=7, body="A hard week, better by Friday.")
    await ana.sync()
    assert await shared_copy(drsmith) == [
        ("Monday", "A hard week, better by Friday.", 7, "ana/Shared with drsmith")
    ]

    await ana.entries.delete(entry.id)  # to the trash: leaves their view
    await ana.sync()
    assert await shared_copy(drsmith) == []

    await ana.entries.restore(entry.id)  # back
    await ana.sync()
    assert [c[2] for c in await shared_copy(drsmith)] == [7]

    await ana.entries.delete(entry.id)
    await ana.entries.empty_trash()  # deleted for good
    await ana.sync()
    assert await shared_copy(drsmith) == []
    copies = [e for e in await drsmith.entries.list(include_deleted=True)]
    assert all(e.deleted or e.trashed_at is not None for e in copies)


async def test_a_copy_of_some_fields_follows_only_those(signup: ClientFactory) -> None:
    """Shared with `only=["mood"]`: a mood corrected later reaches the therapist (NU41 #1b);
    the words written later never do, nor a title added later."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "Nobody may read this.", mood=4)
    await ana.shares.grant_entry(
        entry.id, "drsmith", only=["mood"], fingerprint=await drsmith.shares.fingerprint()
    )
    await ana.sync()
    assert await shared_copy(drsmith) == [("", "", 4, "ana/Shared with drsmith")]
    await ana.entries.edit(entry.id, mood=9, title="Secret title", body="Still private.")
    await ana.sync()
    assert await shared_copy(drsmith) == [("", "", 9, "ana/Shared with drsmith")]


async def test_an_ended_share_of_single_items_copies_nothing_more(signup: ClientFactory) -> None:
    ana, drsmith = await signup("ana"), await signup("drsmith")
    entry = await ana.entries.write("Personal", "Shared once.", mood=4)
    await ana.shares.grant_entry(
        entry.id, "drsmith", fingerprint=await drsmith.shares.fingerprint()
    )
    await ana.sync()
    await drsmith.sync()
    await ana.shares.revoke("Shared with drsmith", "drsmith")
    await ana.entries.edit(entry.id, body="Written after the share ended.")
    await ana.sync()
    await drsmith.sync()
    bodies = {e.body for e in await drsmith.entries.list(include_deleted=True)}
    assert "Written after the share ended." not in bodies
    copies = [  # the copy on ana's own device: unchanged since the share ended
        stored_document(d).text("body")
        for d in await ana.store.documents()
        if d.kind == "entry" and d.doc_id != bytes.fromhex(entry.id)
    ]
    assert copies == ["Shared once."]
