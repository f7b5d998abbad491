"""Journals kept for a therapist (a field-level copy, `share --only`; the journal of items
shared one by one, `share-entry`): only the SDK's own sharing code writes in them (NU46 #4),
and a device that learns of a field-level share copies what it holds dated from the share's
start (NU46 #3)."""

from __future__ import annotations

import pytest

from cli.main import with_hint
from cli.output import shown
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
        await ana.measures.take("gad7", [1, 1, 1, 1, 1, 1, 1], journal=COPY)
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
        "'Shared with tom' holds only what you share with tom one item at a time (an entry "
        "or a measure's result), so nothing was written. Write in one of your journals, then "
        "share the entry from there"
    )
    assert shown(with_hint(refused.value)).endswith(  # the CLI's commands as printed (NU45 #4)
        "share the entry from there (`tj share-entry`; a measure's result: `tj measure share`)"
    )
    [copy] = await ana.entries.list("Shared with tom")
    with pytest.raises(InvalidInput, match="then share it again"):
        await ana.entries.edit(copy.id, mood=9)
