"""R41: NU22 C12 (an edit a concurrent trash overtook is told once) under attack.

Two devices of one account on a real server, real crypto. Every test here fails on integ4 at
the merge of u11-nu22 (see /work/R41-FINDINGS.md)."""

from __future__ import annotations

from client_sdk import Client
from tests.conftest import ClientFactory


async def two_devices(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client]:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    return laptop, phone


async def test_r41_f1_overtaken_edit_is_told_even_after_another_device_touched_the_entry(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F1: the edit's mark is forgotten as soon as any record of another device about the
    entry arrives after the edit was pushed (`done` in settle_after_sync), as if that device
    had received the edit. It had not: its later trash, concurrent with the edit by its own
    signed seen vector, is then never told, and the edit sits silently in the trash until
    the trash is emptied (TRASH_DAYS)."""
    laptop, phone = await two_devices(signup, login)
    entry = await laptop.entries.write(None, "Monday.", title="Hard day")
    await laptop.sync()
    await phone.sync()
    # The laptop changes the mood and syncs, before the phone's edit reaches the server.
    await laptop.entries.edit(entry.id, mood=4)
    await laptop.sync()
    # The phone edits the text (offline), then syncs: its edit goes up, the laptop's mood
    # change comes down (another device's record of the entry: the edit's mark is dropped).
    await phone.entries.edit(entry.id, append=" Important addition from the phone.")
    report = await phone.sync()
    assert report.overtaken == []
    # The laptop, not having synced since, puts the entry in the trash: it never saw the edit.
    await laptop.entries.delete(entry.id)
    await laptop.sync()  # pushes the trash (its seen vector lacks the phone's edit)
    told = (await phone.sync()).overtaken
    [trashed] = await phone.entries.trash()
    assert trashed.body == "Monday. Important addition from the phone."
    # The phone's edit was overtaken by a trash made without it: the user must be told.
    assert [o.entry_id for o in told] == [entry.id]


async def test_r41_f7_a_trash_waiting_from_before_a_share_reaches_every_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F7 (pre-existing at a480503, found attacking C12): a trash waiting in a device's
    outbox from before a share made on another device is dropped by `_reseal_outbox` and
    written again (`removal_update`); the record goes up, but the entry stays live on the
    other device and at the new therapist, forever: the devices disagree, the therapist reads
    an entry the client put in the trash, and C12's notice (the edit is in the trashed
    entry, restore it) never comes, since no trash ever arrives."""
    from tests.client.sharing_support import share_with

    laptop, phone = await two_devices(signup, login)
    entry = await laptop.entries.write(None, "Monday.", title="Hard day")
    await laptop.sync()
    await phone.sync()
    await laptop.entries.delete(entry.id)  # offline: the laptop has not seen any edit
    await phone.entries.edit(entry.id, append=" Important addition from the phone.")
    await phone.sync()
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")  # a share: the laptop's trash is stale
    await laptop.sync()
    told = (await phone.sync()).overtaken
    await laptop.sync()
    await phone.sync()
    await tom.sync()
    assert [e.id for e in await laptop.entries.trash()] == [entry.id]
    assert [e.id for e in await phone.entries.trash()] == [entry.id]  # [] on integ4
    assert await tom.entries.list() == []  # tom reads the trashed entry on integ4
    assert [o.entry_id for o in told] == [entry.id]
