"""R48 F3, F4 fixed: what the fixes keep beyond the findings' own tests. Devices of one
account and therapists, a real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from tests.client.sharing_support import share_with
from tests.client.test_r48_findings import settle
from tests.conftest import ClientFactory


async def test_a_restore_on_a_device_that_did_not_share_reaches_the_member_given_the_carry(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The laptop's share with joan carries the trashed entry's removal again (every value
    deleted at joan's). A device pulling the restore no longer writes the entry anew (F3), so
    the phone, which restores it, must: it set its own restore-anew marker when it pulled the
    carried removal while holding the entry live. joan and tom read the entry whole, its
    title, body and mood, and an edit made on the phone right after its restore stays."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    tom, joan = await signup("tom"), await signup("joan")
    entry = await laptop.entries.write("Personal", "Monday.", title="Hard day", mood=3)
    await share_with(laptop, tom, role="annotate")
    await settle(laptop, phone, tom)
    await laptop.entries.delete(entry.id)
    await settle(laptop, phone, tom)
    await share_with(laptop, joan, role="annotate")
    await settle(laptop, phone, tom, joan)
    await phone.entries.restore(entry.id)
    await phone.sync()
    await laptop.sync()
    await phone.entries.edit(entry.id, body="Tuesday.")
    await settle(phone, laptop, tom, joan)
    expected = ("Tuesday.", "Hard day", 3)
    for device in (laptop, phone):
        shown = await device.entries.get(entry.id)
        assert (shown.body, shown.title, shown.mood) == expected
    for member in (tom, joan):
        assert [(e.body, e.title, e.mood) for e in await member.entries.list()] == [expected]
