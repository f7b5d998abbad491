"""Goals, check-ins and a therapist's prompts through a real server, between devices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from client_sdk import AccessError, Client, InvalidInput
from tests.conftest import BACKENDS, ClientFactory

# A representative end-to-end subset that runs on both storage backends.
pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


async def two_devices(signup: ClientFactory, login: ClientFactory) -> tuple[Client, Client]:
    laptop = await signup("ana")
    phone = await login("ana")
    return laptop, phone


async def test_a_goal_set_on_the_phone_shows_on_the_laptop_after_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone = await two_devices(signup, login)
    goal = await phone.goals.add(
        "Walk three times a week",
        why="Walks settle my mind before bed.",
        target=date(2027, 3, 1),
        measure="12 sessions",
    )
    await phone.goals.checkin(goal.id, note="Walked by the river")
    assert (await phone.sync()).pushed == 2
    await laptop.sync()
    seen = await laptop.goals.get(goal.id[:8])
    assert seen == await phone.goals.get(goal.id)
    assert (seen.title, seen.why, seen.target, str(seen.measure)) == (
        "Walk three times a week",
        "Walks settle my mind before bed.",
        date(2027, 3, 1),
        "12 sessions",
    )
    assert [(c.note, c.progress) for c in seen.checkins] == [("Walked by the river", 1)]
    assert [g.id for g in await laptop.goals.list()] == [goal.id]


async def test_concurrent_check_ins_on_two_offline_devices_both_survive(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone = await two_devices(signup, login)
    goal = await laptop.goals.add("Practise saying no", measure="percent")
    await laptop.sync()
    await phone.sync()
    # neither device syncs while both check in
    await laptop.goals.checkin(goal.id, progress=30, note="Said no to overtime")
    await phone.goals.checkin(goal.id, progress=20, note="Declined a favour, felt guilty")
    await phone.goals.complete(goal.id)
    await laptop.sync()
    await phone.sync()
    await laptop.sync()
    on_laptop, on_phone = await laptop.goals.get(goal.id), await phone.goals.get(goal.id)
    assert on_laptop == on_phone
    assert sorted(c.note for c in on_laptop.checkins) == [
        "Declined a favour, felt guilty",
        "Said no to overtime",
    ]
    assert on_laptop.done


async def test_goals_list_open_ones_first_and_can_be_filtered_by_journal(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await ana.journals.create("Therapy")
    finished = await ana.goals.add("Book a first session", journal="Therapy")
    await ana.goals.complete(finished.id)
    await ana.goals.complete(finished.id)  # a second time changes nothing
    open_goal = await ana.goals.add("Sleep by eleven")
    assert [g.title for g in await ana.goals.list()] == ["Sleep by eleven", "Book a first session"]
    assert [g.id for g in await ana.goals.list("Therapy")] == [finished.id]
    assert (await ana.goals.get(open_goal.id)).journal == "Personal"


async def test_a_goal_in_a_shared_journal_is_visible_to_the_therapist_but_not_theirs_to_change(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    therapist = await signup("drsmith")
    await ana.journals.create("Therapy")
    await ana.shares.grant(
        "Therapy", "drsmith", role="annotate", trust_on_first_use=True, full=True
    )
    goal = await ana.goals.add("Call my sister", journal="Therapy", measure="4 sessions")
    await ana.goals.checkin(goal.id, progress=2, note="Two calls this week")
    await ana.sync()
    await therapist.sync()
    [seen] = await therapist.goals.list()
    assert (seen.title, seen.journal, seen.progress, seen.fraction) == (
        "Call my sister",
        "ana/Therapy",
        2,
        0.5,
    )
    with pytest.raises(AccessError):
        await therapist.goals.checkin(goal.id)


async def test_a_therapists_prompt_is_suggested_first_and_answering_it_moves_on(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    therapist = await signup("drsmith")
    await ana.journals.create("Therapy")
    await ana.shares.grant(
        "Therapy", "drsmith", role="annotate", trust_on_first_use=True, full=True
    )
    await therapist.sync()
    note = await therapist.notes.add(
        "ana/Therapy", "What did you notice after our talk about your father?", kind="prompt"
    )
    await therapist.sync()
    await ana.sync()
    suggested = await ana.prompts.suggest()
    assert (suggested.id, suggested.from_therapist, suggested.author) == (note.id, True, "drsmith")
    assert (await ana.prompts.suggest("coping")).category == "coping"
    entry = await ana.entries.write(None, "I felt lighter, then angry.", prompt_id=note.id[:8])
    assert (entry.prompt_id, entry.journal) == (note.id, "Therapy")
    assert entry.title == "What did you notice after our talk about your father?"
    after = await ana.prompts.suggest()
    assert not after.from_therapist
    assert [p.id for p in await ana.prompts.list()][-1] == note.id


async def test_a_check_in_dated_in_the_past_syncs_with_its_time_and_the_future_is_refused(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, phone = await two_devices(signup, login)
    goal = await laptop.goals.add("Walk", measure="4 sessions")
    when = datetime(2026, 11, 2, 19, 0, tzinfo=UTC)
    await laptop.goals.checkin(goal.id, note="late", at=when)
    with pytest.raises(InvalidInput, match="future"):
        await laptop.goals.checkin(goal.id, at=datetime.now(UTC) + timedelta(hours=1))
    await laptop.sync()
    await phone.sync()
    [checkin] = (await phone.goals.get(goal.id)).checkins
    assert (checkin.at, checkin.note) == (when, "late")


@pytest.mark.parametrize("change", ["check-in", "goal edit"])
async def test_a_change_saved_during_the_sync_that_brings_the_goals_deletion_is_named(
    signup: ClientFactory, login: ClientFactory, change: str
) -> None:
    """The laptop saves a check-in (or a change of the goal) while a sync runs, after its
    push and before its pull (an app's save during a watch, a `tj checkin` in another
    process), and that pull brings the phone's deletion of the goal: the sync names the
    change that went with the goal, once, as it does for one saved before the sync (it was
    skipped as waiting to be sent, and its mark forgotten with the goal, untold)."""
    laptop, phone = await two_devices(signup, login)
    goal = await laptop.goals.add("Walk every day")
    for device in (laptop, phone, laptop):
        await device.sync()
    await phone.goals.delete(goal.id)
    await phone.sync()

    replica = laptop.replica
    pull = replica._pull
    made: list[bool] = []

    async def save_first(*args: object, **kwargs: object) -> object:
        """The laptop's own pull, with the change saved first (a timing hook only)."""
        if not made:
            made.append(True)
            if change == "check-in":
                await laptop.goals.checkin(goal.id, progress=1, note="Walked by the river")
            else:
                await laptop.goals.edit(goal.id, title="Walk twice a day")
        return await pull(*args, **kwargs)  # type: ignore[arg-type]

    replica._pull = save_first  # type: ignore[method-assign,assignment]
    try:
        first = await laptop.sync()
    finally:
        replica._pull = pull  # type: ignore[method-assign]
    assert made
    [told] = first.overtaken
    assert (told.entry_id, told.kind, told.deleted) == (goal.id, "goal", True), told
    if change == "check-in":
        [checkin] = told.checkins
        assert (checkin.progress, checkin.note) == (1, "Walked by the river"), told
        assert told.title == "Walk every day", told
    else:
        assert told.checkins == () and told.title == "Walk twice a day", told
    for _ in range(2):
        assert (await laptop.sync()).overtaken == []  # told once
