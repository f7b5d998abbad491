"""NU20 C5: a note written and withdrawn before it ever left the therapist's device is never
sent (the wrong client's sync announces nothing, and nothing of it reaches their device or
the server), and a note withdrawn after it was sent is told as withdrawn, never as an
"updated note" the reader cannot find (real server on loopback, real crypto)."""

from __future__ import annotations

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer

WRONG = "ZEBRA-SECRET: results of your test are in, call me."


async def annotating(ana: Client, tom: Client) -> None:
    await ana.entries.write("Personal", "Long week.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()


def server_bytes(live_server: RunningServer) -> bytes:
    return b"".join(p.read_bytes() for p in live_server.data_dir.rglob("*") if p.is_file())


async def test_a_note_withdrawn_before_it_was_sent_is_never_sent(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await annotating(ana, tom)
    before = await ana.sync()
    note = await tom.notes.add("ana/Personal", WRONG)  # not synced: still on tom's device
    assert await tom.store.outbox_holds(bytes.fromhex(note.id))  # the test can fail
    withdrawn = await tom.notes.withdraw(note.id[:8])
    assert withdrawn.text == WRONG
    assert not await tom.store.outbox_holds(bytes.fromhex(note.id))
    assert await tom.store.document(bytes.fromhex(note.id)) is None
    assert await tom.notes.list() == []
    await tom.sync(strict=True)
    report = await ana.sync(strict=True)  # no gap in tom's counters: nothing withheld
    assert before.problems == [] and report.problems == []
    assert [str(n) for n in report.news] == []
    assert await ana.notes.list() == []
    assert await ana.store.document(bytes.fromhex(note.id)) is None
    # A later note goes through as usual (the dropped counter was accounted for).
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
