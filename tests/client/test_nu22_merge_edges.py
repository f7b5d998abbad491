"""NU22 C12 and C19 through the SDK, two devices of one account on a real server.

C12: an edit made on one device to an entry another device moved to the trash without
having received the edit is told once on the editing device (`SyncReport.overtaken`), whichever
device syncs first; the edit is in the trashed entry and a restore shows it. A trash made
after receiving the edit is no news. C19: appends made on two devices at once may merge past
MAX_BODY; the entry stays readable and editable (an edit that does not lengthen it is
accepted, growth is refused saying by how much it is over)."""

from __future__ import annotations

import json

import pytest

from client_sdk import Client, InvalidInput, OvertakenEdit
from client_sdk.documents import MAX_BODY
from tests.conftest import ClientFactory


async def two_devices(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client]:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    return laptop, phone


@pytest.mark.parametrize("first", ["trashing", "editing"])
async def test_an_edit_a_concurrent_trash_overtook_is_told_once_and_kept(
    signup: ClientFactory, login: ClientFactory, first: str
) -> None:
    laptop, phone = await two_devices(signup, login)
    entry = await laptop.entries.write(None, "Monday.", title="Hard day")
    await laptop.sync()
    await phone.sync()
    # apart: the laptop trashes it, the phone edits it
    await laptop.entries.delete(entry.id)
    await phone.entries.edit(entry.id, append=" Important addition from the phone.")
    if first == "trashing":
        assert (await laptop.sync()).overtaken == []
        told = (await phone.sync()).overtaken
    else:
        assert (await phone.sync()).overtaken == []  # nothing of the trash yet
        assert (await laptop.sync()).overtaken == []  # the trashing device: nothing to tell
        told = (await phone.sync()).overtaken
    [edit] = told
    assert isinstance(edit, OvertakenEdit)
    assert (edit.entry_id, edit.title, edit.deleted, edit.device) == (
        entry.id,
        "Hard day",
        False,
        "laptop",
    )
    assert edit.to_dict()["entry_id"] == entry.id
    assert (await phone.sync()).overtaken == []  # told once
    assert (await laptop.sync()).overtaken == []
    # the edit is in the trashed entry, on both devices; restoring shows it
    for device in (laptop, phone):
        [trashed] = await device.entries.trash()
        assert trashed.body == "Monday. Important addition from the phone."
    restored = await phone.entries.restore(entry.id)
    assert restored.body == "Monday. Important addition from the phone."
    await phone.sync()
    await laptop.sync()
    assert (await laptop.entries.get(entry.id)).body == restored.body


async def test_a_trash_made_after_receiving_the_edit_is_no_news(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone = await two_devices(signup, login)
    entry = await laptop.entries.write(None, "Tuesday.")
    await laptop.sync()
    await phone.sync()
    await phone.entries.edit(entry.id, append=" More.")
    await phone.sync()
    await laptop.sync()  # the laptop has the edit
    await laptop.entries.delete(entry.id)  # and puts the entry away, knowingly
    await laptop.sync()
    report = await phone.sync()
    assert report.pulled and report.overtaken == []
    assert [e.id for e in await phone.entries.trash()] == [entry.id]


async def test_a_trash_undone_before_the_sync_is_no_news(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone = await two_devices(signup, login)
    entry = await laptop.entries.write(None, "Thursday.")
    await laptop.sync()
    await phone.sync()
    await laptop.entries.delete(entry.id)
    await laptop.entries.restore(entry.id)
    await phone.entries.edit(entry.id, append=" Kept.")
    await laptop.sync()
    report = await phone.sync()
    assert report.pulled and report.overtaken == []
    assert (await phone.entries.get(entry.id)).body == "Thursday. Kept."


async def test_an_edit_overtaken_by_a_delete_for_good_is_told_as_gone(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone = await two_devices(signup, login)
    entry = await laptop.entries.write(None, "Wednesday.", title="Private")
    await laptop.sync()
    await phone.sync()
    await laptop.entries.delete(entry.id)
    assert await laptop.entries.empty_trash() == 1
    await phone.entries.edit(entry.id, title="Edited here")
    await laptop.sync()
    [edit] = (await phone.sync()).overtaken
    assert (edit.entry_id, edit.deleted, edit.title) == (entry.id, True, "")
    assert await phone.entries.trash() == []


async def test_appends_merged_past_the_body_limit_leave_the_entry_editable(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone = await two_devices(signup, login)
    entry = await laptop.entries.write(
        None, "x" * (MAX_BODY - 11) + " "
    )  # ends in white space: appends join as given (NU29 F8)
    await laptop.sync()
    await phone.sync()
    await laptop.entries.edit(entry.id, append="L" * 7)  # each within the limit
    await phone.entries.edit(entry.id, append="P" * 7)
    await laptop.sync()
    await phone.sync()
    await laptop.sync()
    merged = await laptop.entries.get(entry.id)
    # the two appends, made at one place, kept apart by a space (glued_inserts): 4 + 1 over
    assert merged.body.endswith(("LLLLLLL PPPPPPP", "PPPPPPP LLLLLLL")), merged.body[-20:]
    assert len(merged.body) == MAX_BODY + 5
    assert (await phone.entries.get(entry.id)).body == merged.body  # read whole everywhere
    # and exported whole, an export that imports again (into another account here)
    exported = json.loads(json.dumps(await laptop.archive.export_json()))
    ben = await signup("ben")
    await ben.archive.import_json(exported)
    [restored] = await ben.entries.list()
    assert restored.body == merged.body

    with pytest.raises(InvalidInput) as refused:
        await laptop.entries.edit(entry.id, append="y")
    message = str(refused.value)
    assert "holds at most 100,000 characters; this one has 100,005 (5 over" in message
    assert "shorten it first" in message
    assert (await laptop.entries.get(entry.id)).body == merged.body  # nothing changed

    # edits that do not lengthen it are accepted: other fields, the same length, shorter
    assert (await laptop.entries.edit(entry.id, mood=6, title="Long")).mood == 6
    same = merged.body[:-1] + "Z"
    assert (await laptop.entries.edit(entry.id, body=same)).body == same
    with pytest.raises(InvalidInput, match="5 over.*make it 100,006"):
        await laptop.entries.edit(entry.id, body=same + "!")
    shorter = await laptop.entries.edit(entry.id, body=merged.body[:-3])
    assert len(shorter.body) == MAX_BODY + 2
    await laptop.sync()
    await phone.sync()
    assert (await phone.entries.get(entry.id)).body == shorter.body
    under = await phone.entries.edit(entry.id, body=shorter.body[: MAX_BODY - 6])
    # appended after one space (NU29 F8): back to the limit exactly
    assert (await phone.entries.edit(entry.id, append="12345")).body == under.body + " 12345"


async def test_a_goal_why_merged_past_its_limit_may_shrink_and_not_grow(
    signup: ClientFactory, login: ClientFactory
) -> None:
    from client_sdk.goals import MAX_WHY

    laptop, phone = await two_devices(signup, login)
    goal = await laptop.goals.add("Walk", why="w" * (MAX_WHY - 2))
    await laptop.sync()
    await phone.sync()
    await laptop.goals.edit(goal.id, why="A" + "w" * (MAX_WHY - 2))
    await phone.goals.edit(goal.id, why="w" * (MAX_WHY - 2) + "BB")
    await laptop.sync()
    await phone.sync()
    await laptop.sync()
    merged = (await laptop.goals.get(goal.id)).why
    assert len(merged) == MAX_WHY + 1
    with pytest.raises(InvalidInput, match="1 over"):
        await laptop.goals.edit(goal.id, why=merged + "!")
    assert (await laptop.goals.edit(goal.id, title="Walk daily")).why == merged
    assert (await laptop.goals.edit(goal.id, why=merged[1:])).why == merged[1:]
