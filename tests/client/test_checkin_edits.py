"""Check-ins can be corrected and undone, on every device: concurrent edits of different parts
both survive, an undo racing an edit wins, and an undone check-in's words leave the document
(real server on loopback, real crypto, two devices)."""

from __future__ import annotations

import pytest

from client_sdk import Client, InvalidInput, NotFound
from client_sdk.goals import GOAL
from tests.conftest import ClientFactory


async def two_devices(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client]:
    return await signup("ana"), await login("ana")


async def test_an_edit_and_an_undo_on_one_device_reach_the_other(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone = await two_devices(signup, login)
    goal = await laptop.goals.add("Attend group", measure="6 sessions")
    await laptop.goals.checkin(goal.id, note="First group")
    goal = await laptop.goals.checkin(goal.id, progress=2, note="Double week")
    first, second = goal.checkins
    await laptop.sync()
    await phone.sync()

    edited = await phone.goals.edit_checkin(goal.id, first.id[:6], progress=2, note="Long one")
    assert edited.progress == 4
    await phone.sync()
    await laptop.sync()
    seen = await laptop.goals.get(goal.id)
    assert [(c.id, c.progress, c.note) for c in seen.checkins] == [
        (first.id, 2, "Long one"),
        (second.id, 2, "Double week"),
    ]
    assert seen.checkins[0].at == first.at and seen.checkins[0].edited_at is not None
    assert seen.checkins[1].edited_at is None

    assert (await laptop.goals.get_checkin(goal.id)).id == second.id  # the latest
    undone = await laptop.goals.undo_checkin(goal.id)
    assert ([c.id for c in undone.checkins], undone.progress) == ([first.id], 2)
    await laptop.sync()
    await phone.sync()
    assert await phone.goals.get(goal.id) == await laptop.goals.get(goal.id)
    await phone.goals.undo_checkin(goal.id, first.id)
    await phone.sync()
    await laptop.sync()
    assert (await laptop.goals.get(goal.id)).checkins == ()
    with pytest.raises(NotFound, match="no check-ins"):
        await laptop.goals.undo_checkin(goal.id)


async def test_concurrent_edits_of_different_parts_both_survive_and_an_undo_wins_over_an_edit(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone = await two_devices(signup, login)
    goal = await laptop.goals.add("Say no", measure="percent")
    await laptop.goals.checkin(goal.id, progress=20, note="Hard")
    goal = await laptop.goals.checkin(goal.id, progress=40, note="Better")
    first, second = goal.checkins
    await laptop.sync()
    await phone.sync()
    # neither syncs while both change the same check-in, then the other one
    await laptop.goals.edit_checkin(goal.id, first.id, note="Hard, but I did it")
    await phone.goals.edit_checkin(goal.id, first.id, progress=25)
    await laptop.goals.undo_checkin(goal.id, second.id)
    await phone.goals.edit_checkin(goal.id, second.id, note="Much better")
    for _ in range(2):
        await laptop.sync()
        await phone.sync()
    on_laptop, on_phone = await laptop.goals.get(goal.id), await phone.goals.get(goal.id)
    assert on_laptop == on_phone
    assert [(c.id, c.progress, c.note) for c in on_laptop.checkins] == [
        (first.id, 25, "Hard, but I did it")
    ]
    assert on_laptop.progress == 25


async def test_an_undone_check_in_leaves_no_words_in_the_document(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    goal = await ana.goals.add("Sleep earlier")
    goal = await ana.goals.checkin(goal.id, note="Secret words")
    await ana.goals.edit_checkin(goal.id, goal.checkins[0].id, note="Other secret")
    await ana.goals.undo_checkin(goal.id)
    _, document = await ana.context.document_of_kind(goal.id, GOAL)
    state = document.state()
    assert document.items("checkins") == [] and document.keyed("checkin_edits") == {}
    assert b"Secret words" not in state and b"Other secret" not in state


async def test_bad_check_in_edits_are_refused_and_change_nothing(signup: ClientFactory) -> None:
    ana = await signup("ana")
    goal = await ana.goals.add("Journal daily", measure="percent")
    goal = await ana.goals.checkin(goal.id, progress=10)
    checkin = goal.checkins[0].id
    with pytest.raises(InvalidInput, match="percentage"):
        await ana.goals.edit_checkin(goal.id, checkin, progress=150)
    with pytest.raises(InvalidInput, match="nothing to change"):
        await ana.goals.edit_checkin(goal.id, checkin)
    with pytest.raises(InvalidInput, match="2000 characters"):
        await ana.goals.edit_checkin(goal.id, checkin, note="x" * 2001)
    with pytest.raises(NotFound):
        await ana.goals.edit_checkin(goal.id, "abcdef12", note="x")
    with pytest.raises(InvalidInput, match="not a check-in id"):
        await ana.goals.undo_checkin(goal.id, "zz")
    assert (await ana.goals.get(goal.id)).checkins == goal.checkins
