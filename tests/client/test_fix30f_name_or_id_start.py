"""fix30f (rev30b F3): words that name a journal one way (its name, its owner's username)
and start the id of another journal held on this device name neither. An account may take a
username that is the start of one of this account's journal ids (a hostile server can sign
one up: it knows every journal id) and share a journal with it; the user naming her own
journal by its id's start, as the app prints it, must never write into theirs. Real server on
loopback (through the hostile proxy where the server makes the account), real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client, InvalidInput, Journal, wire
from client_sdk.context import AMBIGUOUS_ID
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


def flat(text: object) -> str:
    return " ".join(str(text).split())


async def test_a_username_that_starts_an_id_names_neither_journal(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    work = await ana.journals.create("Work")
    await ana.sync()
    start = work.id[:4]
    member = await signup(start)  # any account may pick this username and share with ana
    await share_with(member, ana, role="annotate")
    await member.sync()
    await ana.sync()
    [theirs] = [j for j in await ana.journals.list() if j.owner == start]
    named: list[tuple[str, str]] = []

    async def note(words: str, journal: Journal, readers: list[str]) -> None:
        named.append((words, journal.id))

    ana.journals.when_named_by_id(note)
    for words, attempt in (
        (start, ana.journals.get(start)),
        (start, ana.notes.add(start, "my private words about work")),
        (start.upper(), ana.journals.get(start.upper())),
    ):
        with pytest.raises(InvalidInput) as refused:
            await attempt
        assert refused.value.subject == AMBIGUOUS_ID
        said = flat(refused.value)
        assert f"'{words}' names more than one journal on this device" in said, said
        assert f"the journal {start} shares with you, '{start}/Personal'" in said, said
        # each by name and 8 hex digits, and the words that name it alone
        assert f"for 'Work' ({work.id[:8]}) give 'Work' or {work.id[:12]}" in said, said
        assert (
            f"for '{start}/Personal' ({theirs.id[:8]}) give '{start}/Personal' or "
            f"{theirs.id[:12]}" in said
        ), said
    assert named == []
    await ana.sync()
    await member.sync()
    assert await member.notes.list("Personal") == []  # nothing reached the member

    # named as the error says, each call names its journal; an id's start says so
    assert (await ana.journals.get("Work")).id == work.id
    assert (await ana.journals.get(work.id[:12])).id == work.id
    assert named == [(work.id[:12], work.id)]
    assert (await ana.journals.get(f"{start}/Personal")).id == theirs.id
    assert (await ana.journals.get(theirs.id[:12])).id == theirs.id


async def test_a_journal_name_that_starts_another_id_names_neither(
    signup: ClientFactory,
) -> None:
    """Her own journal named with hex digits ("cafe"), another journal's id starting so: the
    name no longer takes it silently, and the id's start no longer goes to the named one.
    (`journals.create` refuses such a name now, fix31d; an older app's journal, or one named
    before the other id came, bears it: made here below the check.)"""
    ana = await signup("ana")
    work = await ana.journals.create("Work")
    start = work.id[:6]
    named = ana.context.journal(await ana.replica.create_journal(start))
    with pytest.raises(InvalidInput) as refused:
        await ana.entries.write(start, "a line")
    assert refused.value.subject == AMBIGUOUS_ID
    said = flat(refused.value)
    assert f"it names the journal '{start}', and it starts the id of 'Work'" in said, said
    assert f"for '{start}' ({named.id[:8]}) give {named.id[:12]}" in said, said  # not its name
    assert f"for 'Work' ({work.id[:8]}) give 'Work' or {work.id[:12]}" in said, said
    assert (await ana.journals.get(named.id[:12])).id == named.id


async def test_a_member_cannot_name_their_journal_after_one_of_her_ids(
    signup: ClientFactory,
) -> None:
    """A journal another account shares is named "owner/name" here: a name of theirs made of
    her id's start never takes the words, which name her journal (with the note)."""
    ana = await signup("ana")
    work = await ana.journals.create("Work")
    await ana.sync()
    start = work.id[:8]
    mallory = await signup("mallory")
    await mallory.journals.create(start)
    await share_with(mallory, ana, start, role="annotate")
    await mallory.sync()
    await ana.sync()
    seen: list[str] = []

    async def note(words: str, journal: Journal, readers: list[str]) -> None:
        seen.append(journal.id)

    ana.journals.when_named_by_id(note)
    made = await ana.notes.add(start, "about work")
    assert made.journal_id == work.id and seen == [work.id]
    assert (await ana.journals.get(f"mallory/{start}")).owner == "mallory"


async def test_a_therapists_note_never_reaches_an_account_named_after_a_clients_id(
    signup: ClientFactory,
) -> None:
    drsmith = await signup("drsmith")
    carl = await signup("carl")
    await share_with(carl, drsmith, role="annotate")
    await carl.sync()
    await drsmith.sync()
    [carls] = [j for j in await drsmith.journals.list() if j.owner == "carl"]
    start = carls.id[:8]
    mallory = await signup(start)
    await share_with(mallory, drsmith, role="annotate")
    await mallory.sync()
    await drsmith.sync()
    with pytest.raises(InvalidInput) as refused:
        await drsmith.notes.add(start, "Carl: discussed the relapse, plan for next week")
    assert refused.value.subject == AMBIGUOUS_ID
    assert f"for 'carl/Personal' ({start}) give 'carl/Personal' or {carls.id[:12]}" in flat(
        refused.value
    )
    await drsmith.sync()
    await mallory.sync()
    assert await mallory.notes.list("Personal") == []


async def test_an_account_the_server_makes_after_an_id_it_relays_takes_nothing(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The server reads a journal id off ana's request creating it (every id is the server's to see), signs
    up an account named after its first 8 hex digits and shares a journal of it with ana:
    nothing asks ana to accept it first, and her words for Work go nowhere."""
    ana: Client = await through("ana")
    work = await ana.journals.create("Work")
    await ana.sync()
    relayed = {
        wire.decode(wire.JournalCreateRequest, body).journal_id.hex()
        for body in hostile.bodies("/v1/journals/create")
    }
    assert work.id in relayed
    start = work.id[:8]
    made = await signup(start)  # the server's own account
    await share_with(made, ana, role="annotate")
    await made.sync()
    await ana.sync()
    assert [j.id for j in await ana.journals.list() if j.owner == start]
    with pytest.raises(InvalidInput) as refused:
        await ana.notes.add(start, "Private thought about Work")
    assert refused.value.subject == AMBIGUOUS_ID
    await ana.sync()
    await made.sync()
    assert await made.notes.list("Personal") == []


async def test_a_username_sharing_several_journals_and_starting_an_id_names_none(
    signup: ClientFactory,
) -> None:
    """The username of an account sharing two journals with her, and the start of her Work's
    id: refused as ambiguous, naming Work as well as theirs (not only "shares several")."""
    ana = await signup("ana")
    work = await ana.journals.create("Work")
    await ana.sync()
    start = work.id[:8]
    member = await signup(start)
    await member.journals.create("Other")
    await share_with(member, ana, role="annotate")
    await share_with(member, ana, "Other", role="annotate")
    await member.sync()
    await ana.sync()
    with pytest.raises(InvalidInput) as refused:
        await ana.notes.add(start, "about work")
    assert refused.value.subject == AMBIGUOUS_ID
    said = flat(refused.value)
    assert f"{start} shares several journals with you" in said, said
    assert f"it starts the id of 'Work' ({start})" in said, said
    assert f"for 'Work' ({start}) give 'Work' or {work.id[:12]}" in said, said
