"""Journals kept for a therapist (a field-level copy, `share --only`; the journal of items
shared one by one, `share-entry`): only the SDK's own sharing code writes in them (NU46 #4),
and a device that learns of a field-level share copies what it holds dated from the share's
start (NU46 #3)."""

from __future__ import annotations

import pytest

from client_sdk import Client, InvalidInput
from client_sdk.copy_journals import COPY_JOURNAL
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

COPY = "Personal (mood, tags) for tom"


async def names_in(client: Client, journal: str) -> list[str]:
    return sorted(e.body or str(e.mood) for e in await client.entries.list(journal))


async def test_an_entry_written_straight_into_a_field_level_copy_is_refused(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood", "tags"])
    with pytest.raises(InvalidInput) as refused:
        await ana.entries.write(COPY, "the whole text", mood=3)
    assert refused.value.subject == COPY_JOURNAL
    assert str(refused.value) == (
        "'Personal (mood, tags) for tom' is the copy of 'Personal' kept for tom: it holds "
        "only the mood and tags of that journal's entries dated from the share's start, "
        "copied by the app, so nothing was written. Write in 'Personal' instead: tom reads "
        "the mood and tags of its entries"
    )
    with pytest.raises(InvalidInput, match="Write in 'Personal' instead"):
        await ana.entries.check_writable(COPY)
    # nor a goal, a result, homework, a note or a safety plan: nothing new goes there
    with pytest.raises(InvalidInput, match="is the copy of 'Personal'"):
        await ana.goals.add("Sleep by 11", journal=COPY)
    with pytest.raises(InvalidInput, match="is the copy of 'Personal'"):
        await ana.measures.take("gad7", [1, 1, 1, 1, 1, 1, 1], unscored=1, journal=COPY)
    with pytest.raises(InvalidInput, match="is the copy of 'Personal'"):
        await ana.notes.add(COPY, "a note of my own")
    await ana.sync()
    await tom.sync()
    assert await tom.entries.list() == []

    # the copy of an entry written in Personal is there, and is not edited by hand
    written = await ana.entries.write("Personal", "private words", mood=6, tags=["work"])
    [copy] = await ana.entries.list(COPY)
    assert (copy.mood, copy.tags, copy.body) == (6, ("work",), "")
    with pytest.raises(InvalidInput) as edit:
        await ana.entries.edit(copy.id, body="words the therapist would read")
    assert str(edit.value).endswith(
        "so nothing was changed. Edit the original entry in 'Personal' instead: its copy follows"
    )
    with pytest.raises(InvalidInput, match="Edit the original entry"):
        await ana.entries.check_editable(copy.id)
    await ana.sync()
    await tom.sync()
    [seen] = await tom.entries.list()
    assert (seen.mood, seen.body) == (6, "")
    # moving the copy to the trash by hand is still the client's to do (README)
    await ana.entries.delete(copy.id)
    assert [e.id for e in await ana.entries.list()] == [written.id]


async def test_an_entry_written_straight_into_the_journal_of_items_is_refused(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    await signup("tom")
    entry = await ana.entries.write("Personal", "one to share", mood=5)
    await ana.shares.grant_entry(entry.id, "tom", only=["mood"], trust_on_first_use=True)
    with pytest.raises(InvalidInput) as refused:
        await ana.entries.write("Shared with tom", "text for tom")
    assert refused.value.subject == COPY_JOURNAL
    assert str(refused.value) == (
        "'Shared with tom' holds only what you share with tom one item at a time (tj "
        "share-entry, tj measure share), so nothing was written. Write in one of your "
        "journals, then share the entry from there (tj share-entry)"
    )
    [copy] = await ana.entries.list("Shared with tom")
    with pytest.raises(InvalidInput, match="then share it again"):
        await ana.entries.edit(copy.id, mood=9)


async def test_an_entry_written_on_a_device_that_did_not_know_the_share_is_copied_at_its_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """NU46 #3: the laptop narrows the share to mood and tags; the phone, not synced since,
    writes an entry dated after the share's start. The phone's sync learns the share and
    copies the entry (mood and tags only); later syncs of both devices copy nothing twice."""
    laptop, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await phone.sync()
    await share_with(laptop, tom, only=["mood", "tags"])
    written = await phone.entries.write("Personal", "phone entry after share", mood=3, tags=["x"])
    await phone.sync()  # pushes it, learns the share: copies it, and pushes the copy
    await tom.sync()
    [seen] = await tom.entries.list()
    assert (seen.mood, seen.tags, seen.body) == (3, ("x",), "")
    for device in (laptop, phone, laptop, phone):
        await device.sync()
        [copy] = await device.entries.list(COPY)
        assert (copy.mood, copy.tags, copy.body, copy.created_at) == (
            3,
            ("x",),
            "",
            written.created_at,
        )
    await tom.sync()
    assert len(await tom.entries.list()) == 1


async def test_a_catch_up_copies_only_what_is_dated_from_the_share_and_not_removed(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """What a late device copies is what `mirror` would have: entries dated from the share's
    start (not one dated before, written after), not one in the trash; results only when
    the share carries scores."""
    laptop, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await phone.sync()
    share = await share_with(laptop, tom, only=["mood", "tags"])
    assert share.since is not None
    await phone.entries.write("Personal", "kept", mood=5)
    trashed = await phone.entries.write("Personal", "trashed", mood=2)
    await phone.entries.delete(trashed.id)
    await phone.entries.write(
        "Personal",
        "dated before",
        mood=7,
        created_at=share.since.replace(year=share.since.year - 1),
    )
    await phone.measures.take("gad7", [1, 1, 1, 1, 1, 1, 1], unscored=1)
    await phone.sync()
    await tom.sync()
    assert [e.mood for e in await tom.entries.list()] == [5]
    assert await tom.measures.results() == []


async def test_a_share_made_again_catches_up_nothing_written_while_it_was_ended(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A field-level share ended and made again later: a device learning of the new one
    copies what is dated from its signed start, never what was written in between."""
    laptop, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await share_with(laptop, tom, only=["mood", "tags"])
    await laptop.shares.revoke("Personal", "tom")
    await phone.sync()
    await phone.entries.write("Personal", "while ended", mood=2)
    await phone.sync()
    await share_with(laptop, tom, only=["mood", "tags"])
    later = await phone.entries.write("Personal", "after the new share", mood=8)
    await phone.sync()
    await laptop.sync()
    assert [e.mood for e in await laptop.entries.list(COPY)] == [later.mood]
    await tom.sync()
    assert [e.mood for e in await tom.entries.list()] == [8]
