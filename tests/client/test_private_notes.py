"""A therapist's private notes through a real server: linked to a client, read on the
therapist's other device, never readable by the client's devices, never plaintext on the
server, and never shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import InvalidInput, NotFound
from client_sdk.private_notes import JOURNAL_NAME, PRIVATE_NOTE
from tests.client.sharing_support import (
    copy_of_server_db,
    plaintexts_openable_with,
    share_with,
    stolen_records,
    therapist_keys,
)
from tests.client.test_zero_knowledge import canary, server_files, text_forms
from tests.conftest import ClientFactory, RunningServer


async def test_private_notes_reach_the_therapists_devices_and_nobody_else(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    secret = canary("private")
    note = await tom.private_notes.add("ana/Personal", f"{secret}: avoidance around her sister")
    assert (note.client, note.journal) == ("ana", "ana/Personal")
    await tom.notes.add("ana/Personal", "A note ana may read")
    await tom.sync()

    tablet = await login("tom")
    await tablet.sync()
    [seen] = await tablet.private_notes.list("ana")
    assert (seen.id, seen.text) == (note.id, note.text)
    assert await tablet.private_notes.list("ben") == []

    # the notes journal's records, as stored on the server: none opens with any key one of
    # ana's devices ever held; tom's keys open them (so the check can fail)
    notes_journal = next(j.journal_id for j in await tom.store.journals() if j.name == JOURNAL_NAME)
    phone = await login("ana")
    for device in (ana, phone):
        await device.sync()
        assert secret not in str([n.text for n in await device.notes.list()])
        assert await device.private_notes.list() == []
        held = {j.journal_id for j in await device.store.journals()}
        kinds = {d.kind for d in await device.store.documents()}
        assert PRIVATE_NOTE not in kinds

    # the notes journal's records, as stored on the server: none opens with any key one of
    # ana's devices ever held; tom's keys open them (so the check can fail)
    notes_journal = next(j.journal_id for j in await tom.store.journals() if j.name == JOURNAL_NAME)
    assert notes_journal not in held
    stolen = [r for r in stolen_records(copy_of_server_db(live_server, tmp_path))]
    mine = [r for r in stolen if r.journal_id == notes_journal]
    assert mine
    for client in (ana, phone):
        assert not any(plaintexts_openable_with(r, therapist_keys(client)) for r in mine)
    opened = [p for r in mine for p in plaintexts_openable_with(r, therapist_keys(tom))]
    assert any(secret.encode() in p for p in opened)

    # and the server's files and log never hold the text
    for name, content in server_files(live_server).items():
        for form in text_forms(secret):
            assert form not in content, name


async def test_the_private_notes_journal_is_never_shared_and_notes_need_a_clients_journal(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    with pytest.raises(InvalidInput, match="client"):
        await tom.private_notes.add("Personal", "about my own journal")
    with pytest.raises(InvalidInput):
        await tom.private_notes.add("ana/Personal", "   ")
    with pytest.raises(NotFound):
        await tom.private_notes.add("ben/Personal", "nobody")
    note = await tom.private_notes.add("ana/Personal", "Sleep worse since the move")
    with pytest.raises(InvalidInput, match="never shared"):
        await tom.shares.grant(JOURNAL_NAME, "ana", trust_on_first_use=True, full=True)
    await tom.private_notes.delete(note.id[:8])
    assert await tom.private_notes.list() == []
    with pytest.raises(NotFound):
        await tom.private_notes.delete(note.id)
