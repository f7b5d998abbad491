from __future__ import annotations

import pytest

from tests.conftest import BACKENDS, ClientFactory

# A representative end-to-end subset that runs on both storage backends.
pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


async def test_entry_written_on_laptop_appears_on_phone(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write(
        "Personal", "First session went well.", title="Session 1", mood=7, tags=["therapy"]
    )
    assert (await laptop.sync()).pushed == 1
    phone = await login("ana")
    report = await phone.sync()
    assert report.pulled == 1
    [seen] = await phone.entries.list()
    assert (seen.id, seen.title, seen.body, seen.mood, seen.tags) == (
        entry.id,
        "Session 1",
        "First session went well.",
        7,
        ("therapy",),
    )


async def test_edits_and_deletes_follow_to_the_other_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "Draft")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await phone.entries.edit(entry.id, append=" and more", mood=4)
    await phone.sync()
    await laptop.sync()
    edited = await laptop.entries.get(entry.id)
    assert (edited.body, edited.mood) == ("Draft and more", 4)
    await laptop.entries.delete(entry.id)
    await laptop.sync()
    await phone.sync()
    assert await phone.entries.list() == []


async def test_body_edits_at_two_places_on_two_devices_both_keep_their_place(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "Mon: calm 😌. Tue: tired. Wed: hopeful.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    # Offline on both devices, each replaces the whole body: the laptop edits Monday and
    # Wednesday, the phone edits Tuesday, in between (a body replaced from the first to the
    # last change would re-insert Tuesday and move the phone's words out of it).
    await laptop.entries.edit(entry.id, body="Mon: very calm 😌. Tue: tired. Wed: hopeful 🌈.")
    await phone.entries.edit(entry.id, body="Mon: calm 😌. Tue: tired, slept 5 h. Wed: hopeful.")
    await laptop.sync()
    await phone.sync()
    await laptop.sync()
    merged = "Mon: very calm 😌. Tue: tired, slept 5 h. Wed: hopeful 🌈."
    assert (await laptop.entries.get(entry.id)).body == merged
    assert (await phone.entries.get(entry.id)).body == merged
