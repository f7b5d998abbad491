"""R45 F3, F6 fixed: what the fixes promise beyond the findings' own tests. Two devices of
one account and a therapist, a real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from tests.client.sharing_support import share_with
from tests.client.test_r45_findings import settle
from tests.conftest import ClientFactory


async def test_the_same_typo_fixed_on_two_devices_reads_once_at_the_therapist_and_is_not_told(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F3: the twin copy is deleted by the owner's devices, and the deletion reaches the
    member; the text is what each device wrote, so neither is told of a merge."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    tom = await signup("tom")
    entry = await laptop.entries.write("Personal", "I went to teh park today.", title="Park")
    await share_with(laptop, tom, role="annotate")
    await settle(laptop, phone, tom)
    fixed = "I went to the park today."
    await laptop.entries.edit(entry.id, body=fixed)
    await phone.entries.edit(entry.id, body=fixed)
    told = []
    for _ in range(2):
        for device in (laptop, phone, tom):
            told += (await device.sync()).merged_texts
    assert [(await d.entries.get(entry.id)).body for d in (laptop, phone)] == [fixed, fixed]
    assert [e.body for e in await tom.entries.list()] == [fixed]
    assert told == []


async def test_words_kept_and_words_written_after_another_devices_restore_are_both_kept(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F6: the phone restores the entry and adds a line before the laptop, which kept its
    offline words, pulls the restore: the laptop writes its words anew into the entry as
    merged, the phone's line kept."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write("Personal", "Monday.", title="Hard day")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, append=" Words for my therapist.")  # offline
    await laptop.entries.delete(entry.id)  # offline: to the trash
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")
    await settle(laptop, phone, tom)
    await phone.entries.restore(entry.id)
    await phone.entries.edit(entry.id, body="Monday was long.")
    await settle(phone, laptop, tom)
    bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone)]
    bodies += [e.body for e in await tom.entries.list()]
    assert bodies == ["Monday was long. Words for my therapist."] * 3, bodies
