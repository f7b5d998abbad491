"""NU20 C5: a note written and withdrawn before it ever left the therapist's device is sent
withdrawn and never shown (the wrong client's sync announces nothing and their device never
lists it; the server holds only sealed records), and a note withdrawn after it was sent is
told as withdrawn, never as an "updated note" the reader cannot find (real server on
loopback, real crypto). R28 F1: nothing is dropped from the outbox, since "not yet
acknowledged" is not "never sent"."""

from __future__ import annotations

from client_sdk import Client
from client_sdk.replica import stored_document
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer

WRONG = "ZEBRA-SECRET: results of your test are in, call me."


async def annotating(ana: Client, tom: Client) -> None:
    await ana.entries.write("Personal", "Long week.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()


def server_bytes(live_server: RunningServer) -> bytes:
    return b"".join(p.read_bytes() for p in live_server.data_dir.rglob("*") if p.is_file())


async def test_a_note_withdrawn_before_it_was_sent_is_sent_withdrawn_and_never_shown(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await annotating(ana, tom)
    before = await ana.sync()
    note = await tom.notes.add("ana/Personal", WRONG)  # not synced: still on tom's device
    assert await tom.store.outbox_holds(bytes.fromhex(note.id))  # the test can fail
    withdrawn = await tom.notes.withdraw(note.id[:8])
    assert withdrawn.text == WRONG
    # Nothing is dropped: the note and its withdrawal both wait to be pushed (R28 F1).
    assert await tom.store.outbox_holds(bytes.fromhex(note.id))
    assert await tom.notes.list() == []
    await tom.sync(strict=True)
    report = await ana.sync(strict=True)  # no gap in tom's counters: nothing withheld
    assert before.problems == [] and report.problems == []
    assert [str(n) for n in report.news] == []  # both records in one sync: not announced
    assert await ana.notes.list() == []
    stored = await ana.store.document(bytes.fromhex(note.id))
    assert stored is not None  # sent withdrawn: text cleared, marked deleted
    assert stored_document(stored).field("deleted") is True
    assert WRONG not in stored_document(stored).text("body")
    # A later note goes through as usual.
    await tom.notes.add("ana/Personal", "See you Thursday.")
    await tom.sync(strict=True)
    later = await ana.sync(strict=True)
    assert [str(n) for n in later.news] == ["1 new note from tom"]
    assert [n.text for n in await ana.notes.list()] == ["See you Thursday."]
    assert WRONG.encode() not in server_bytes(live_server)


async def test_a_withdrawal_is_told_as_one_and_never_as_an_updated_note(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await annotating(ana, tom)
    note = await tom.notes.add("ana/Personal", WRONG)
    await tom.sync()
    first = await ana.sync()
    assert [str(n) for n in first.news] == ["1 new note from tom"]
    await tom.notes.withdraw(note.id)
    await tom.sync()
    report = await ana.sync()
    assert [str(n) for n in report.news] == ["1 note withdrawn by tom"]
    assert [n.to_dict()["withdrawn"] for n in report.news] == [True]
    assert await ana.notes.list() == []
    # The client withdraws the therapist's next note: the therapist is told the same way.
    second = await tom.notes.add("ana/Personal", "Another wrong one.")
    await tom.sync()
    await ana.sync()
    await ana.notes.withdraw(second.id)
    await ana.sync()
    told = await tom.sync()
    assert [str(n) for n in told.news] == ["1 note withdrawn by ana"]


async def test_a_withdrawn_note_carried_again_by_a_share_made_again_is_no_news(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """NU39 #4: the phone was told "1 note withdrawn by tom"; the laptop ended the share and
    made it again (a new key: the journal's documents carried anew in the laptop's records).
    The phone's next sync told the same note as "withdrawn by laptop": told twice, and as if
    the client had withdrawn it. A note this device held withdrawn already is no news."""
    ana, tom = await signup("ana"), await signup("tom")
    await annotating(ana, tom)
    phone = await login("ana")
    await phone.sync()
    note = await tom.notes.add("ana/Personal", WRONG)
    await tom.sync()
    assert [str(n) for n in (await phone.sync()).news] == ["1 new note from tom"]
    await tom.notes.withdraw(note.id)
    await tom.sync()
    first = await phone.sync()
    assert [str(n) for n in first.news] == ["1 note withdrawn by tom"]
    await ana.sync()
    await ana.shares.revoke("Personal", "tom")
    await share_with(ana, tom, role="annotate")
    await ana.sync()
    again = await phone.sync()
    assert not [n for n in again.news if n.kind == "note"], [str(n) for n in again.news]
