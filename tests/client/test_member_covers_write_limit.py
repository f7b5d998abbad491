"""A member cannot raise, in advance, the write limit the owner signs when its right to write
ends (protocol.md 4.18 "Covers", 4.19 "Write limits").

A member's record may cover counters of its own account (withdrawals). Before the fix no
reader bounded them: a `void` covering the member's own device's counters above its own was
accepted, the owner's device counted the covered counters as received, and signed their top
as the member's write limit at the revocation. With the server's help the member then added
notes after the revocation that every owner device accepted. Now a reader refuses a member's
record covering its own device's counters at or above its own, and the limit the owner signs
comes from the verified records it holds, never from covers (a cover of another device id of
the member's account, which no reader can bound, gives that id no limit).

Real server on 127.0.0.1, real crypto; the colluding server is played by writing its
database.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from client_sdk import Client, crypto, keys, records, wire
from client_sdk.documents import Document
from client_sdk.models import now_ms
from client_sdk.withholding import Cover
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer

LATER = "Written after ana ended the share."


async def sealed(
    author: Client, journal: str, epoch: int, body: records.RecordBody
) -> wire.RecordUpload:
    """`body` signed by `author` and sealed under `epoch`'s key, as its device would."""
    local = await author.context.local_journal(journal)
    key = await author.replica.journal_key(local, epoch)
    record_id = crypto.random_bytes(wire.ID_BYTES)
    ciphertext = records.seal_record(
        key, local.journal_id, record_id, epoch, body, author.profile.secrets.signing_key
    )
    return wire.RecordUpload(record_id, epoch, ciphertext)


def insert_record(
    live_server: RunningServer, journal: bytes, upload: wire.RecordUpload, by: bytes
) -> None:
    """What a compromised server does: store a record its own rules would refuse."""
    with closing(sqlite3.connect(server_db(live_server))) as db:
        db.execute(
            "INSERT INTO records (journal_id, record_id, epoch, ciphertext, pushed_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (journal, upload.record_id, upload.epoch, upload.ciphertext, by, now_ms()),
        )
        db.execute(
            "UPDATE journals SET head = (SELECT max(seq) FROM records WHERE journal_id = ?) "
            "WHERE journal_id = ?",
            (journal, journal),
        )
        db.commit()


@pytest.mark.parametrize("other_device", [False, True], ids=["own-device", "other-device-id"])
async def test_a_member_cannot_raise_the_write_limit_signed_at_its_revocation(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    other_device: bool,
) -> None:
    """tom (annotating) pushes, while the share is on, a `void` (his counter 2) covering
    counters 3..1000 of his own device, or 1..1000 of a device id he never wrote with. After
    ana revokes him he writes a note with counter 500 (from that device) under the epoch he
    annotated in, and the colluding server stores it: no device of ana shows it."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before the share.", mood=3)
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")  # tom's counter 1
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    me, device = tom.profile.account_id, tom.profile.device_id
    later_device = crypto.random_bytes(16) if other_device else device
    covered = ((1, 1000),) if other_device else ((3, 1000),)

    # While the share is on: a `void` that "accounts for" counters tom may still sign.
    void = records.RecordBody(
        author=me,
        device=device,
        counter=2,
        doc_id=records.NO_DOCUMENT,
        doc_kind="",
        kind=records.VOID,
        payload=b"",
        written_at=now_ms(),
        covers=(Cover(me, later_device, covered),),
    )
    upload = await sealed(tom, "ana/Personal", old.epoch, void)
    await tom.transport.call(
        "/v1/records/push", wire.PushRequest(personal, [upload]), wire.PushReply
    )
    first = await ana.sync()
    if other_device:  # no reader can bound another device id's counters: taken
        assert not first.problems, first.problems
    else:  # covers of its own device at or above its own counter: refused
        assert any("at or above its own counter 2" in p for p in first.problems), first.problems

    await ana.shares.revoke("Personal", "tom")
    await ana.sync()
    state = ana.replica.chains.state(personal)
    [limits] = state.write_limits.values()
    # Only verified records count: the void (counter 2, when taken) at most, never a cover.
    assert limits == ({device: 2} if other_device else {device: 1}), limits

    # After the revocation: a new note, counter 500, under the epoch tom annotated in.
    note = Document(keys.new_doc_id(me), "note")
    update = note.change(fields={"created_at": now_ms()}, texts={"body": LATER})
    body = records.RecordBody(
        author=me,
        device=later_device,
        counter=500,
        doc_id=note.doc_id,
        doc_kind="note",
        kind=records.UPDATE,
        payload=update,
        written_at=now_ms(),
    )
    late = await sealed(tom, "ana/Personal", old.epoch, body)
    insert_record(live_server, personal, late, me)

    phone = await login("ana")  # a device of ana that never saw any of it happen
    for owner_device in (ana, phone):
        report = await owner_device.sync()
        texts = [n.text for n in await owner_device.notes.list()]
        assert texts == ["See you Tuesday."], (texts, report.problems)
        assert any(late.record_id.hex() in p for p in report.problems), report.problems


async def test_a_member_cannot_fill_a_gap_it_withdrew_after_its_revocation(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The other way to pre-raise the limit: tom jumps his counter while the share is on (a
    `void` at counter 1000 covering his counters 2..999 as withdrawn, which a reader takes:
    below its own). The limit signed at his revocation is then 1000, a record he did sign;
    a note he writes afterwards under counter 500, stored by the colluding server, is refused
    all the same: his own account said that counter would never be delivered."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before the share.", mood=3)
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")  # tom's counter 1
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    me, device = tom.profile.account_id, tom.profile.device_id
    void = records.RecordBody(
        author=me,
        device=device,
        counter=1000,
        doc_id=records.NO_DOCUMENT,
        doc_kind="",
        kind=records.VOID,
        payload=b"",
        written_at=now_ms(),
        covers=(Cover(me, device, ((2, 999),)),),
    )
    upload = await sealed(tom, "ana/Personal", old.epoch, void)
    await tom.transport.call(
        "/v1/records/push", wire.PushRequest(personal, [upload]), wire.PushReply
    )
    first = await ana.sync()
    assert not first.problems and not first.withheld, first

    await ana.shares.revoke("Personal", "tom")
    await ana.sync()
    state = ana.replica.chains.state(personal)
    assert list(state.write_limits.values()) == [{device: 1000}]

    note = Document(keys.new_doc_id(me), "note")
    update = note.change(fields={"created_at": now_ms()}, texts={"body": LATER})
    body = records.RecordBody(
        author=me,
        device=device,
        counter=500,
        doc_id=note.doc_id,
        doc_kind="note",
        kind=records.UPDATE,
        payload=update,
        written_at=now_ms(),
    )
    late = await sealed(tom, "ana/Personal", old.epoch, body)
    insert_record(live_server, personal, late, me)

    phone = await login("ana")  # pulls in the server's order: the void first
    for owner_device in (ana, phone):
        report = await owner_device.sync()
        texts = [n.text for n in await owner_device.notes.list()]
        assert texts == ["See you Tuesday."], (texts, report.problems)
        assert any(late.record_id.hex() in p and "never delivered" in p for p in report.problems), (
            report.problems
        )
        assert not report.withheld, report.withheld


def _note(me: bytes, device: bytes, counter: int, text: str) -> records.RecordBody:
    note = Document(keys.new_doc_id(me), "note")
    update = note.change(fields={"created_at": now_ms()}, texts={"body": text})
    return records.RecordBody(
        author=me,
        device=device,
        counter=counter,
        doc_id=note.doc_id,
        doc_kind="note",
        kind=records.UPDATE,
        payload=update,
        written_at=now_ms(),
    )


@pytest.mark.parametrize(
    "close, reader",
    [("revoke", "same"), ("revoke", "new"), ("read", "member")],
    ids=["revoked-same-owner-device", "revoked-new-owner-device", "read-members-other-device"],
)
async def test_a_member_cannot_fill_a_plain_gap_after_its_right_to_write_ended(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    close: str,
    reader: str,
) -> None:
    """tom jumps his counter with no cover at all while the share is on (an ordinary note at
    counter 1000, nothing below it but his counter 1): ana's devices take the note and report
    2..999 withheld. When his right to write ends (revoked, or narrowed to `read`) the owner's
    device signs, with his limit 1000, the counters below it it never received (2..999).
    A note he writes afterwards under counter 500, stored by the colluding server, is refused
    on the owner's device that signed, on a new one, and on tom's own other device; the gap
    stays reported withheld (never filled), and his earlier notes are alike everywhere."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "Before the share.", mood=3)
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")  # tom's counter 1
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    me, device = tom.profile.account_id, tom.profile.device_id

    jump = await sealed(tom, "ana/Personal", old.epoch, _note(me, device, 1000, "Jump."))
    await tom.transport.call("/v1/records/push", wire.PushRequest(personal, [jump]), wire.PushReply)
    first = await ana.sync()
    assert not first.problems, first.problems
    assert [g.missing for g in first.withheld] == [((2, 999),)], first.withheld

    if close == "revoke":
        await ana.shares.revoke("Personal", "tom")
    else:
        await share_with(ana, tom, role="read")
    await ana.sync()
    state = ana.replica.chains.state(personal)
    assert list(state.write_limits.values()) == [{device: 1000}]
    assert list(state.write_gaps.values()) == [{device: [(2, 999)]}]

    late = await sealed(tom, "ana/Personal", old.epoch, _note(me, device, 500, LATER))
    insert_record(live_server, personal, late, me)

    if reader == "same":
        readers = [ana]
    elif reader == "new":
        readers = [await login("ana")]
    else:  # the owner's devices, and tom's other device, which verifies his `changed`
        readers = [ana, await login("ana"), await login("tom")]
    for seen_by in readers:
        report = await seen_by.sync()
        texts = sorted(n.text for n in await seen_by.notes.list())
        assert texts == ["Jump.", "See you Tuesday."], (texts, report.problems)
        assert any(late.record_id.hex() in p for p in report.problems), report.problems
        assert [g.missing for g in report.withheld] == [((2, 999),)], report.withheld
