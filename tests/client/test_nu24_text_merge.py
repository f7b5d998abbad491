"""NU24 C1 through the SDK: two devices of one account, a therapist, a real server.

A text replaced on two devices before either synced (`entries.edit(body=...)` offline) used to
merge character by character into gibberish ("PhLaptone vep vession..."): each device's edit was
a raw character diff, many tiny inserts and deletes around letters the old and new text happened
to share. A replacement is now a semantic diff (diff-match-patch's `diff_cleanupSemantic`), so a
rewritten sentence is one delete and one insert and both devices' wording is kept whole; small
edits in different places still merge in place."""

from __future__ import annotations

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def three(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client, Client]:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    therapist = await signup("tom", "laptop")
    return laptop, phone, therapist


async def settle(*devices: Client) -> None:
    """Two rounds, so every device has pulled what every other pushed."""
    for _ in range(2):
        for device in devices:
            await device.sync()


async def replaced_on_both(
    signup: ClientFactory, login: ClientFactory, old: str, on_laptop: str, on_phone: str
) -> list[str]:
    """The body each of laptop, phone and therapist reads after both devices replaced `old`."""
    laptop, phone, therapist = await three(signup, login)
    entry = await laptop.entries.write("Personal", old, mood=4)
    await share_with(laptop, therapist)
    await settle(laptop, phone, therapist)
    assert (await phone.entries.get(entry.id)).body == old
    # apart: neither device has the other's edit when it makes its own
    await laptop.entries.edit(entry.id, body=on_laptop, mood=5)
    await phone.entries.edit(entry.id, body=on_phone, mood=3)
    await settle(laptop, phone, therapist)
    bodies = [(await device.entries.get(entry.id)).body for device in (laptop, phone)]
    [shared] = await therapist.entries.list("ana/Personal")
    return [*bodies, shared.body]


def assert_both_whole(bodies: list[str], *sentences: str) -> None:
    assert len(set(bodies)) == 1, bodies  # every device and the therapist agree
    for sentence in sentences:
        assert sentence in bodies[0], (sentence, bodies[0])


async def test_a_body_replaced_on_two_devices_keeps_both_sentences_whole(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop_text = "Laptop version: work is fine now."
    phone_text = "Phone version: work still worries me."
    bodies = await replaced_on_both(
        signup, login, "Work was hard today, I worry.", laptop_text, phone_text
    )
    assert_both_whole(bodies, laptop_text, phone_text)
    # nothing else: the old text is gone and no letter is lost or added, but the one space
    # an owner's device writes between the two (their inserts are at one place, and would
    # read "...now.Phone version...": glued_inserts)
    assert bodies[0] in (f"{laptop_text} {phone_text}", f"{phone_text} {laptop_text}")


async def test_replacements_sharing_letters_and_a_short_word_are_not_interleaved(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop_text = "At the office I felt calm and rested."
    phone_text = "Still tense: I think the deadline scares me."
    bodies = await replaced_on_both(
        signup, login, "Work was hard today, I worry.", laptop_text, phone_text
    )
    assert_both_whole(bodies, laptop_text, phone_text)


async def test_non_ascii_replacements_are_kept_whole(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop_text = "Café with Zoé 😀 — été calme."
    phone_text = "Pas de café 😞, réunion tendue 👩‍⚕️."
    bodies = await replaced_on_both(signup, login, "Déjà vu 🙂 au café.", laptop_text, phone_text)
    assert_both_whole(bodies, laptop_text, phone_text)


async def test_edits_in_different_paragraphs_both_stay_in_place(
    signup: ClientFactory, login: ClientFactory
) -> None:
    first = "Monday I went to work early and the commute was calm, which helped a lot."
    second = "In the evening I called my sister and we talked about our parents for an hour."
    third = "Before bed I wrote down three things that went well, as we agreed in session."
    old = "\n\n".join([first, second, third])
    on_laptop = old.replace("commute was calm", "commute was calm and sunny")
    on_phone = old.replace("for an hour", "for almost two hours")
    bodies = await replaced_on_both(signup, login, old, on_laptop, on_phone)
    expected = "\n\n".join(
        [
            first.replace("commute was calm", "commute was calm and sunny"),
            second.replace("for an hour", "for almost two hours"),
            third,
        ]
    )
    assert bodies == [expected] * 3


async def test_a_typo_fix_and_an_append_on_two_devices_are_both_kept(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone, therapist = await three(signup, login)
    old = "Teh day was long, but I went for a walk with Zoé 🙂 after lunch."
    entry = await laptop.entries.write("Personal", old)
    await share_with(laptop, therapist)
    await settle(laptop, phone, therapist)
    await laptop.entries.edit(entry.id, body=old.replace("Teh", "The"))
    await phone.entries.edit(entry.id, append=" Slept well after.")
    await settle(laptop, phone, therapist)
    expected = "The day was long, but I went for a walk with Zoé 🙂 after lunch. Slept well after."
    assert (await laptop.entries.get(entry.id)).body == expected
    assert (await phone.entries.get(entry.id)).body == expected
    [shared] = await therapist.entries.list("ana/Personal")
    assert shared.body == expected


async def test_a_goal_why_replaced_on_two_devices_keeps_both_whole(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Walk daily", why="To feel better.")
    await settle(laptop, phone)
    laptop_why = "So that I sleep better at night."
    phone_why = "Because my doctor asked me to move more."
    await laptop.goals.edit(goal.id, why=laptop_why)
    await phone.goals.edit(goal.id, why=phone_why)
    await settle(laptop, phone)
    whys = [(await device.goals.get(goal.id)).why for device in (laptop, phone)]
    assert_both_whole(whys, laptop_why, phone_why)


async def test_both_devices_are_told_once_that_their_texts_were_merged(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Work was hard today.", title="Work")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, body="Laptop version: work is fine now.")
    await phone.entries.edit(entry.id, body="Phone version: work still worries me.")
    assert (await laptop.sync()).merged_texts == []  # nothing of the phone's yet
    [told] = (await phone.sync()).merged_texts
    assert (told.entry_id, told.title) == (entry.id, "Work")
    assert told.to_dict()["entry_id"] == entry.id
    [told] = (await laptop.sync()).merged_texts
    assert told.entry_id == entry.id
    assert (await laptop.sync()).merged_texts == (await phone.sync()).merged_texts == []
    # the marks are not history: no text in it
    assert all(w.field != "~body" for w in await laptop.entries.history(entry.id))
    assert all(not w.field.startswith("~") for w in await laptop.entries.history(entry.id))
    # each device keeps that its text was merged, with when it had changed it
    for device in (laptop, phone):
        [kept] = await device.entries.merges(entry.id[:8])
        assert (kept.doc_id, kept.kind, kept.title) == (entry.id, "entry", "Work")
        assert kept.merged_at is not None and kept.merged_at >= kept.at


async def test_a_text_change_received_before_editing_is_no_merge(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Monday.")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, append=" Calm.")
    await laptop.sync()
    await phone.sync()  # the phone has the laptop's text, then changes it
    await phone.entries.edit(entry.id, append=" Slept well.")
    assert (await phone.sync()).merged_texts == []
    # the laptop wrote its text and synced it: the phone's later change is a change of the
    # text the laptop wrote, which a device cannot tell from a concurrent one (settling.py)
    report = await laptop.sync()
    assert [m.entry_id for m in report.merged_texts] == [entry.id]
    assert (await laptop.entries.get(entry.id)).body == "Monday. Calm. Slept well."


async def test_an_edit_that_left_the_text_as_it_was_is_no_merge(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Monday.")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, mood=4, body="Monday.")  # the same text
    await phone.entries.edit(entry.id, body="Monday, written on the phone.")
    await phone.sync()
    report = await laptop.sync()
    assert report.pulled and report.merged_texts == []
    assert (await laptop.entries.get(entry.id)).body == "Monday, written on the phone."
    assert await laptop.entries.merges(entry.id) == []


async def test_a_goal_why_merged_is_told_once_on_both_devices_naming_the_goal(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """NU24 C1 follow-up: a goal's why merges like a body, and was merged silently."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Sleep", why="To feel rested.")
    await settle(laptop, phone)
    await laptop.goals.edit(goal.id, why="So that I sleep better at night.")
    await phone.goals.edit(goal.id, why="Because my doctor asked me to.")
    assert (await laptop.sync()).merged_texts == []  # nothing of the phone's yet
    [told] = (await phone.sync()).merged_texts
    assert (told.kind, told.doc_id, told.title, told.journal) == (
        "goal",
        goal.id,
        "Sleep",
        "Personal",
    )
    assert told.entry_id == ""  # not an entry
    assert told.to_dict()["kind"] == "goal" and told.to_dict()["id"] == goal.id
    [told] = (await laptop.sync()).merged_texts
    assert (told.kind, told.doc_id) == ("goal", goal.id)
    assert (await laptop.sync()).merged_texts == (await phone.sync()).merged_texts == []
    whys = {(await device.goals.get(goal.id)).why for device in (laptop, phone)}
    assert len(whys) == 1


async def test_a_goal_edit_leaving_the_why_as_it_was_is_no_merge(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Sleep", why="To feel rested.")
    await settle(laptop, phone)
    await laptop.goals.edit(goal.id, title="Sleep well")  # the why untouched
    await phone.goals.edit(goal.id, why="Because my doctor asked me to.")
    await phone.sync()
    report = await laptop.sync()
    assert report.pulled and report.merged_texts == []


async def test_a_safety_plan_merged_is_told_once_on_both_devices(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    await laptop.safety.set_plan(plan="Call Sam.")
    await settle(laptop, phone)
    await laptop.safety.set_plan(plan="Call Sam, then walk to the park.")
    await phone.safety.set_plan(plan="Breathe; call my sister Lea.")
    assert (await laptop.sync()).merged_texts == []
    [told] = (await phone.sync()).merged_texts
    assert (told.kind, told.title, told.journal, told.entry_id) == (
        "safety_plan", "", "Personal", "",
    )  # fmt: skip
    [again] = (await laptop.sync()).merged_texts
    assert (again.kind, again.doc_id) == ("safety_plan", told.doc_id)
    assert (await laptop.sync()).merged_texts == (await phone.sync()).merged_texts == []
    plans = {(await device.safety.plan()).plan for device in (laptop, phone)}
    assert len(plans) == 1
    [plan] = plans
    assert "walk to the park" in plan and "my sister Lea" in plan


async def test_a_goal_deleted_on_another_device_is_no_merge_and_forgets_the_mark(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    goal = await laptop.goals.add("Sleep", why="To feel rested.")
    await settle(laptop, phone)
    await laptop.goals.edit(goal.id, why="So that I sleep better.")
    await phone.goals.delete(goal.id)
    await phone.sync()
    assert (await laptop.sync()).merged_texts == []
    assert await laptop.store.unsynced_field_writes() == {}
