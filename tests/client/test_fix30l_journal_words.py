"""fix30l (rev30c F6, F1; nu77 F5): the words that name a journal are compared in one form at
every step (whitespace around them stripped once), and words that name a journal one way and
start the id of another name neither, however many hex digits they have: a name of 12 hex
digits of hers never goes to a journal whose id a member chose to start so, and no journal is
created or renamed to such a name. Real server on loopback (through the hostile proxy where
the server signs up the account), real crypto."""

from __future__ import annotations

import pytest

from client_sdk import Client, InvalidInput, Journal, wire
from client_sdk.context import AMBIGUOUS_ID
from client_sdk.errors import NAME_TAKEN
from client_sdk.journals import command_name
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


def flat(text: object) -> str:
    return " ".join(str(text).split())


@pytest.mark.parametrize("pad", [" {}", "{} ", "{}\n", "\t{}", " {} \n"])
async def test_an_id_start_with_spaces_around_it_names_neither_journal(
    hostile: HostileServer, through: Through, signup: ClientFactory, pad: str
) -> None:
    """The server reads Work's id off ana's request, signs up an account named after its
    first 8 hex digits and shares a journal with ana: her words with a space or a newline
    around them (a pasted id, an app's text field) are refused as without (rev30c F6)."""
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
    told: list[str] = []

    async def note(words: str, journal: Journal, readers: list[str]) -> None:
        told.append(journal.id)

    ana.journals.when_named_by_id(note)
    words = pad.format(start)
    with pytest.raises(InvalidInput) as refused:
        await ana.notes.add(words, "my private words about work")
    assert refused.value.subject == AMBIGUOUS_ID
    said = flat(refused.value)
    assert f"'{start}' names more than one journal on this device" in said, said
    assert f"for 'Work' ({start}) give 'Work' or {work.id[:12]}" in said, said
    assert told == []
    await ana.sync()
    await made.sync()
    assert await made.notes.list("Personal") == []
    # her own id's start with a newline, where no account is named so, names her journal
    alone = (await ana.journals.get("Personal")).id[:8]
    assert (await ana.journals.get(pad.format(alone))).name == "Personal"


async def test_a_12_digit_name_of_hers_and_a_members_crafted_id_name_neither(
    signup: ClientFactory,
) -> None:
    """Her journal named "202412011230"; a member creates a journal whose id starts so (a
    client picks its journal ids) and shares it: the words name neither (rev30c F1), and
    the error gives words that name each alone."""
    ana = await signup("ana")
    name = "202412011230"
    own = await ana.journals.create(name)
    await ana.sync()
    mallory = await signup("mallory")
    crafted = bytes.fromhex(name) + bytes(wire.ID_BYTES - 6)
    await mallory.replica.create_journal("Notes", journal_id=crafted)
    await mallory.sync()
    await share_with(mallory, ana, "Notes", role="annotate")
    await mallory.sync()
    await ana.sync()
    told: list[str] = []

    async def note(words: str, journal: Journal, readers: list[str]) -> None:
        told.append(journal.id)

    ana.journals.when_named_by_id(note)
    for words in (name, f" {name}\n"):
        with pytest.raises(InvalidInput) as refused:
            await ana.notes.add(words, "my private words")
        assert refused.value.subject == AMBIGUOUS_ID
        said = flat(refused.value)
        assert f"it names the journal '{name}', and it starts the id of 'mallory/Notes'" in said
        # 12 digits of mallory's id are her journal's name: the whole id names it alone
        assert f"give 'mallory/Notes' or {crafted.hex()} " in f"{said} ", said
        assert f"for '{name}' ({own.id[:8]}) give {own.id[:12]}" in said, said
    assert told == []
    with pytest.raises(InvalidInput) as refused:  # what destroys data: neither either
        await ana.journals.delete(name)
    assert refused.value.subject == AMBIGUOUS_ID
    await ana.sync()
    await mallory.sync()
    assert await mallory.notes.list("Notes") == []
    assert (await ana.journals.get(own.id[:12])).id == own.id
    assert (await ana.journals.get(crafted.hex())).owner == "mallory"
    # what the CLI suggests for each names it alone
    for ident in (crafted.hex(), own.id):
        assert (await ana.journals.get(await command_name(ana.journals, ident))).id == ident


async def test_a_journal_is_never_named_after_12_digits_of_an_id_here(
    signup: ClientFactory,
) -> None:
    """Creating or renaming a journal to 12 or more hex digits that start another journal's
    id here is refused plainly (nu77 F5): the name would name neither."""
    ana = await signup("ana")
    personal = await ana.journals.get("Personal")
    for name in (personal.id[:12], personal.id[:16].upper()):
        with pytest.raises(InvalidInput) as refused:
            await ana.journals.create(name)
        assert refused.value.subject == NAME_TAKEN
        said = flat(refused.value)
        assert f"'{name}' starts the id of 'Personal' (id {personal.id[:12]})" in said, said
        assert "choose another name" in said
    assert [j.name for j in await ana.journals.list()] == ["Personal"]
    work = await ana.journals.create("Work")
    with pytest.raises(InvalidInput) as refused:
        await ana.journals.rename("Work", personal.id[:12])
    assert refused.value.subject == NAME_TAKEN
    assert (await ana.journals.get(work.id)).name == "Work"
    # a journal's own id's start, and a hex name that starts no id here, stay allowed (a
    # shorter start of another's id is refused too: tests/client/test_fix31d_names.py)
    assert (await ana.journals.rename("Work", work.id[:12])).name == work.id[:12]
    held = (personal.id, work.id)
    free = next(w for w in ("cafe", "beef", "2024") if not any(i.startswith(w) for i in held))
    assert (await ana.journals.create(free)).name == free
