"""NU45 #6: an entry's mood could not be removed once set (`edit(mood=None)` leaves it,
`mood=0` is refused). `edit(clear_mood=True)` removes it, on every device of the account and
in a therapist's field-level copy "(mood, tags)". Real server on loopback, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.documents import EMPTY_ENTRY, MOOD_AND_CLEAR
from client_sdk.errors import BAD_VALUE
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_cleared_mood_reads_as_none_on_every_device_of_the_account(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    entry = await laptop.entries.write("Personal", "A long day.", mood=6, tags=["work"])
    await laptop.sync()
    await phone.sync()
    assert (await phone.entries.get(entry.id)).mood == 6

    cleared = await laptop.entries.edit(entry.id, clear_mood=True)
    assert cleared.mood is None
    assert (cleared.body, cleared.tags) == ("A long day.", ("work",))  # the rest stays
    await laptop.sync()
    await phone.sync()
    on_phone = await phone.entries.get(entry.id)
    assert on_phone.mood is None
    assert (on_phone.body, on_phone.tags) == ("A long day.", ("work",))
    assert (await laptop.entries.get(entry.id)).mood is None


async def test_a_cleared_mood_leaves_the_therapists_field_level_copy_too(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood", "tags"])
    entry = await ana.entries.write("Personal", "Slept badly.", mood=3, tags=["sleep"])
    await ana.sync()
    await tom.sync()
    assert await moods_and_tags(tom) == [(3, ("sleep",))]

    await ana.entries.edit(entry.id, clear_mood=True)
    await ana.sync()
    await tom.sync()
    assert await moods_and_tags(tom) == [(None, ("sleep",))]


async def test_a_mood_given_and_cleared_at_once_is_refused_and_nothing_changes(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    entry = await ana.entries.write("Personal", "Fine.", mood=5)
    with pytest.raises(InvalidInput) as refused:
        await ana.entries.edit(entry.id, mood=7, clear_mood=True)
    assert str(refused.value) == MOOD_AND_CLEAR == "give a new mood, or clear it, not both"
    assert refused.value.subject == BAD_VALUE
    assert (await ana.entries.get(entry.id)).mood == 5


async def test_clearing_the_mood_of_a_mood_only_check_in_is_refused_as_an_empty_entry(
    signup: ClientFactory,
) -> None:
    """Nothing would be left (as `write` refuses an empty entry): the check-in keeps its
    mood; with anything else in it (an emotion here), the mood goes."""
    ana = await signup("ana")
    check_in = await ana.entries.write(None, "", mood=4)
    with pytest.raises(InvalidInput) as refused:
        await ana.entries.edit(check_in.id, clear_mood=True)
    assert str(refused.value) == EMPTY_ENTRY
    assert (await ana.entries.get(check_in.id)).mood == 4

    felt = await ana.entries.write(None, "", mood=4, emotions=["tired"])
    assert (await ana.entries.edit(felt.id, clear_mood=True)).mood is None
    # a mood-only check-in given a title in the same edit keeps something: its mood goes
    titled = await ana.entries.edit(check_in.id, clear_mood=True, title="Evening")
    assert (titled.mood, titled.title) == (None, "Evening")


async def moods_and_tags(client: Client) -> list[tuple[int | None, tuple[str, ...]]]:
    return [(e.mood, e.tags) for e in await client.entries.list()]
