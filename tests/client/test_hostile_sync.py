"""A hostile server lies about the sync itself: it never says a pull is done, moves cursors
far ahead, reorders records so that a member's record comes first, or (with a revoked member)
stores records the member sealed after its share ended. From the hostile review of issue 8
(R8-FINDINGS.md, FINDINGS 3, 4, 5 and 10); each test is named after the defence.
ana is the client; tom is a therapist."""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from client_sdk import Client, WithheldRecordsError, crypto, keys, records, wire
from client_sdk.documents import Document
from client_sdk.models import now_ms
from client_sdk.replica import stored_document
from tests.client.hostile import HostileServer, ReplyRewrite, Through, login_through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.conftest import ClientFactory, RunningServer


def never_done(request: bytes, reply: bytes) -> bytes:
    """The server's real pages, always with `done` = false."""
    real = wire.decode(wire.SyncReply, reply)
    return wire.encode(wire.SyncReply(real.pages, False))


# --- a pull the server never finishes (FINDING 4) ---------------------------------------------


async def test_a_gap_below_a_received_counter_is_reported_even_if_the_server_never_says_done(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    for text in ("one", "two", "three"):
        await laptop.entries.write(None, text)
        await laptop.sync(strict=True)
    personal = await journal_id(laptop, "Personal")
    with closing(sqlite3.connect(server_db(live_server))) as db:
        seqs = [
            s for (s,) in db.execute("SELECT seq FROM records WHERE journal_id = ?", (personal,))
        ]
        db.execute("DELETE FROM records WHERE seq = ?", (sorted(seqs)[1],))
        db.commit()

    hostile.replies["/v1/sync"] = never_done
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        with pytest.raises(WithheldRecordsError):
            await phone.sync(strict=True)
        assert sorted(e.body for e in await phone.entries.list()) == ["one", "three"]
        report = await phone.sync()
        assert [(g.device, g.missing) for g in report.withheld] == [
            (laptop.profile.device_id, ((2, 2),))
        ]
    finally:
        await phone.close()


# --- a lying cursor (FINDING 10) ----------------------------------------------------------------


def far_ahead(journal: bytes, cursor: int, head: int) -> ReplyRewrite:
    """A /v1/sync rewrite that moves `journal`'s page cursor and head to these numbers."""

    def rewrite(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, cursor=cursor, head=head) if p.journal_id == journal else p
            for p in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    return rewrite


async def test_one_lying_cursor_is_reported_and_the_journal_syncs_again_from_what_was_received(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Before.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")

    hostile.replies["/v1/sync"] = far_ahead(personal, 10**12, 10**12)
    await tom.sync()
    del hostile.replies["/v1/sync"]  # the truth again
    await ana.entries.write("Personal", "After.")
    await ana.sync()
    report = await tom.sync()
    assert any("went back" in p for p in report.problems), report.problems  # told, once
    assert sorted(e.body for e in await tom.entries.list()) == ["After.", "Before."]
    assert (await tom.sync()).problems == []


async def test_a_cursor_past_the_pages_own_head_is_refused(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Before.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    cursor = (await tom.context.local_journal("ana/Personal")).cursor

    hostile.replies["/v1/sync"] = far_ahead(personal, 10**12, cursor)
    report = await tom.sync()
    assert any("past its head" in p for p in report.problems), report.problems
    assert (await tom.context.local_journal("ana/Personal")).cursor == cursor
    del hostile.replies["/v1/sync"]
    await ana.entries.write("Personal", "After.")
    await ana.sync()
    await tom.sync()
    assert sorted(e.body for e in await tom.entries.list()) == ["After.", "Before."]


def behind_the_request(journal: bytes) -> ReplyRewrite:
    """A /v1/sync rewrite that puts `journal`'s page cursor at 0, below the `after` asked
    (its records and head as the real server sent them)."""

    def rewrite(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, cursor=0) if p.journal_id == journal else p for p in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    return rewrite


async def test_a_cursor_behind_the_request_is_refused_and_the_cursor_kept(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """A page whose cursor is below the `after` the device asked would move its cursor back
    (an honest server's never is): the device would download again what it holds, every
    sync the server likes. The page is refused and reported; the device keeps its cursor and
    every record, and the next honest reply goes on from there."""
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Before.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    cursor = (await tom.context.local_journal("ana/Personal")).cursor
    assert cursor > 0
    await ana.entries.write("Personal", "After.")
    await ana.sync()

    hostile.replies["/v1/sync"] = behind_the_request(personal)
    start = len(hostile.exchanges)
    report = await tom.sync()
    assert [p for p in report.problems if f"below the position {cursor}" in p], report.problems
    assert (await tom.context.local_journal("ana/Personal")).cursor == cursor
    asked = [
        c.after
        for path, body, _ in hostile.exchanges[start:]
        if path == "/v1/sync"
        for c in wire.decode(wire.SyncRequest, body).cursors
        if c.journal_id == personal
    ]
    assert asked and min(asked) == cursor  # never asked again from where it stood before
    assert [e.body for e in await tom.entries.list()] == ["Before."]  # nothing lost

    del hostile.replies["/v1/sync"]  # the truth again
    report = await tom.sync(strict=True)
    assert report.problems == [] and report.incomplete == []
    assert sorted(e.body for e in await tom.entries.list()) == ["After.", "Before."]


# --- a member's record served first, to take over a document (FINDING 3) -----------------------

FORGED = "Forged by the therapist: stop taking your medication."


async def forge(
    author: Client,
    journal_name: str,
    doc_id: bytes,
    doc_kind: str,
    payload: bytes,
    *,
    counter: int,
    epoch: int | None = None,
) -> wire.RecordUpload:
    """A record sealed with a journal key `author` holds, signed by `author`."""
    local = await author.context.local_journal(journal_name)
    epoch = local.epoch if epoch is None else epoch
    key = await author.replica.journal_key(local, epoch)
    body = records.RecordBody(
        author=author.profile.account_id,
        device=author.profile.device_id,
        counter=counter,
        doc_id=doc_id,
        doc_kind=doc_kind,
        kind=records.UPDATE,
        payload=payload,
        written_at=now_ms(),
    )
    record_id = crypto.random_bytes(wire.ID_BYTES)
    ciphertext = records.seal_record(
        key, local.journal_id, record_id, epoch, body, author.profile.secrets.signing_key
    )
    return wire.RecordUpload(record_id, epoch, ciphertext)


async def push(author: Client, journal: bytes, *uploads: wire.RecordUpload) -> None:
    """What an annotating member may do: the server takes any push from it."""
    await author.transport.call(
        "/v1/records/push", wire.PushRequest(journal, list(uploads)), wire.PushReply
    )


def served_first(record_ids: list[bytes]) -> ReplyRewrite:
    """A /v1/sync rewrite that puts these records first in their page."""

    def rewrite(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = []
        for page in real.pages:
            ordered = sorted(page.records, key=lambda r: r.record_id not in record_ids)
            pages.append(dataclasses.replace(page, records=ordered))
        return wire.encode(wire.SyncReply(pages, real.done))

    return rewrite


async def test_a_members_note_under_the_owners_entry_id_is_refused_in_any_order(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The review's FINDING 3: served first to a new device, the member's record named the
    document's creator. A document id now names its creator (keys.created_by)."""
    ana, tom = await signup("ana"), await signup("tom")
    entry = await ana.entries.write("Personal", "A private thought.")
    await ana.sync()
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    doc_id = bytes.fromhex(entry.id)
    note = Document(doc_id, "note")
    update = note.change(fields={"created_at": 1}, texts={"body": FORGED})
    upload = await forge(tom, "ana/Personal", doc_id, "note", update, counter=1)
    await push(tom, personal, upload)
    report = await ana.sync()
    assert any(upload.record_id.hex() in p for p in report.problems)  # refused on the laptop

    hostile.replies["/v1/sync"] = served_first([upload.record_id])
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        report = await phone.sync()
        assert any(upload.record_id.hex() in p for p in report.problems)
        assert [e.body for e in await phone.entries.list()] == ["A private thought."]
        assert [n.text for n in await phone.notes.list()] == []
    finally:
        await phone.close()


async def test_a_therapist_cannot_take_over_another_therapists_note_in_any_order(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    ana, tom, ben = await signup("ana"), await signup("tom"), await signup("ben")
    await share_with(ana, ben, role="annotate")
    await share_with(ana, tom, role="annotate")
    await ben.sync()
    await ben.notes.add("ana/Personal", "Call me if the panic comes back.")
    await ben.sync()
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    [bens] = await ben.notes.list()
    doc_id = bytes.fromhex(bens.id)
    stored = await ben.store.document(doc_id)  # what tom could get from the server's log
    assert stored is not None
    update = stored_document(stored).change(texts={"body": FORGED})
    upload = await forge(tom, "ana/Personal", doc_id, "note", update, counter=50)
    await push(tom, personal, upload)

    hostile.replies["/v1/sync"] = served_first([upload.record_id])
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        report = await phone.sync()
        assert any(upload.record_id.hex() in p for p in report.problems)
        assert [n.text for n in await phone.notes.list()] == ["Call me if the panic comes back."]
    finally:
        await phone.close()


async def test_a_document_changing_kind_within_one_page_is_refused(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The kind is checked on every merge, also against a document the same page created."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    doc_id = keys.new_doc_id(tom.profile.account_id)
    note = Document(doc_id, "note")
    created = await forge(
        tom, "ana/Personal", doc_id, "note", note.change(texts={"body": "A note."}), counter=1
    )
    prompt = Document(doc_id, "prompt")
    other = await forge(
        tom, "ana/Personal", doc_id, "prompt", prompt.change(texts={"body": FORGED}), counter=2
    )
    await push(tom, personal, created, other)

    phone = await login("ana")
    report = await phone.sync()
    assert [p for p in report.problems if other.record_id.hex() in p]
    assert not [p for p in report.problems if created.record_id.hex() in p]


# --- a member whose right to write ended keeps writing with an old key (FINDING 5) -------------


async def stored_note(author: Client, journal: str, epoch: int, counter: int) -> wire.RecordUpload:
    note = Document(keys.new_doc_id(author.profile.account_id), "note")
    update = note.change(fields={"created_at": now_ms()}, texts={"body": FORGED})
    return await forge(author, journal, note.doc_id, "note", update, counter=counter, epoch=epoch)


def insert_record(
    live_server: RunningServer, journal: bytes, upload: wire.RecordUpload, pushed_by: bytes
) -> None:
    """What a compromised server does: store a record its own rules would refuse."""
    with closing(sqlite3.connect(server_db(live_server))) as db:
        db.execute(
            "INSERT INTO records (journal_id, record_id, epoch, ciphertext, pushed_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (journal, upload.record_id, upload.epoch, upload.ciphertext, pushed_by, now_ms()),
        )
        db.execute(
            "UPDATE journals SET head = (SELECT max(seq) FROM records WHERE journal_id = ?) "
            "WHERE journal_id = ?",
            (journal, journal),
        )
        db.commit()


async def test_a_revoked_annotator_cannot_add_notes_after_the_revocation(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The review's FINDING 5: tom keeps the key of the epoch he annotated in. The removal
    now carries his devices' last counters, signed by the owner; every device (the owner's
    phone too, which never saw the removal happen) refuses his records beyond them."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")
    await tom.sync()
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    await ana.shares.revoke("Personal", "tom")
    await ana.sync()
    assert [n.text for n in await ana.notes.list()] == ["See you Tuesday."]

    upload = await stored_note(tom, "ana/Personal", old.epoch, counter=2)
    insert_record(live_server, personal, upload, tom.profile.account_id)  # the server takes it
    report = await ana.sync()
    assert any(upload.record_id.hex() in p for p in report.problems)
    assert [n.text for n in await ana.notes.list()] == ["See you Tuesday."]
    phone = await login("ana")
    await phone.sync()
    assert [n.text for n in await phone.notes.list()] == ["See you Tuesday."]


async def test_a_note_withheld_from_the_owner_while_it_narrows_a_share_is_reported_not_kept(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """NU14 finding 1, with a hostile server: narrowing (`grant(only=...)`) ends the full
    share through unshare's path, which pulls tom's notes first (his first note is kept). A
    note the server withheld from that pull and delivers afterwards lies beyond the counters
    ana's device signed: every device of ana refuses it and reports it by its record id,
    never silently (the owner's side; see protocol.md's write limits for the member's)."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "Kept: written before the narrowing.")
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    narrowed = await share_with(ana, tom, role="annotate", only=["mood"])  # ana had not synced
    assert narrowed.ended == ("Personal",)

    upload = await stored_note(tom, "ana/Personal", old.epoch, counter=2)
    insert_record(live_server, personal, upload, tom.profile.account_id)  # withheld until now
    phone = await login("ana")
    for device in (ana, phone):
        report = await device.sync()
        assert any(upload.record_id.hex() in p for p in report.problems)
        notes = [n.text for n in await device.notes.list()]
        assert notes == ["Kept: written before the narrowing."]


async def test_notes_a_revoked_annotator_wrote_before_the_revocation_still_count(
    signup: ClientFactory,
) -> None:
    """No false refusal: what the owner's device held when it revoked stays accepted."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "One.")
    await tom.notes.add("ana/Personal", "Two.")
    await tom.sync()
    await ana.shares.revoke("Personal", "tom")  # takes in tom's notes before signing their bound
    report = await ana.sync()
    assert report.problems == []
    assert sorted(n.text for n in await ana.notes.list()) == ["One.", "Two."]


async def test_an_annotator_changed_to_reader_cannot_add_notes_with_the_older_key(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")
    await tom.sync()
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    await share_with(ana, tom, role="read")  # a `changed` entry, and a new epoch
    await tom.sync()
    assert (await tom.context.local_journal("ana/Personal")).role == "read"

    upload = await stored_note(tom, "ana/Personal", old.epoch, counter=2)
    insert_record(live_server, personal, upload, tom.profile.account_id)
    report = await ana.sync()
    assert any(upload.record_id.hex() in p for p in report.problems)
    assert [n.text for n in await ana.notes.list()] == ["See you Tuesday."]


async def test_a_revoked_annotator_cannot_replace_a_note_by_reusing_its_counter(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """Within its write limit a member could still sign a new record under a counter it used
    before: a device that holds the first record refuses the second (one counter, one record)."""
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "See you Tuesday.")
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    old = await tom.context.local_journal("ana/Personal")
    await ana.shares.revoke("Personal", "tom")

    upload = await stored_note(tom, "ana/Personal", old.epoch, counter=1)
    insert_record(live_server, personal, upload, tom.profile.account_id)
    phone = await login("ana")
    for device in (ana, phone):
        report = await device.sync()
        assert any(upload.record_id.hex() in p and "reuses counter" in p for p in report.problems)
        assert [n.text for n in await device.notes.list()] == ["See you Tuesday."]


async def test_a_journal_left_out_of_a_done_reply_is_an_incomplete_pull(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """The server answers `done` but never sends the journal's page: the device cannot know
    what it missed, so the pull is reported incomplete (strict mode raises)."""
    laptop = await signup("ana")
    await laptop.entries.write(None, "one")
    await laptop.sync()
    personal = await journal_id(laptop, "Personal")

    def without_personal(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        return wire.encode(
            wire.SyncReply([p for p in real.pages if p.journal_id != personal], real.done)
        )

    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        await phone.sync(strict=True)
        await laptop.entries.write(None, "two")
        await laptop.sync()
        hostile.replies["/v1/sync"] = without_personal
        report = await phone.sync()
        assert any("'Personal'" in i and "sent nothing" in i for i in report.incomplete)
        with pytest.raises(WithheldRecordsError):
            await phone.sync(strict=True)
        del hostile.replies["/v1/sync"]
        assert (await phone.sync(strict=True)).incomplete == []
        assert sorted(e.body for e in await phone.entries.list()) == ["one", "two"]
    finally:
        await phone.close()


async def test_a_done_reply_whose_page_stops_before_its_head_is_an_incomplete_pull(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "one")
    await laptop.sync()
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        await phone.sync(strict=True)
        await laptop.entries.write(None, "two")
        await laptop.sync()

        def nothing_new(request: bytes, reply: bytes) -> bytes:
            asked = {c.journal_id: c.after for c in wire.decode(wire.SyncRequest, request).cursors}
            real = wire.decode(wire.SyncReply, reply)
            pages = [
                dataclasses.replace(p, records=[], cursor=asked.get(p.journal_id, 0))
                for p in real.pages
            ]
            return wire.encode(wire.SyncReply(pages, True))

        hostile.replies["/v1/sync"] = nothing_new
        report = await phone.sync()
        assert any("'Personal'" in i for i in report.incomplete), report
        with pytest.raises(WithheldRecordsError):
            await phone.sync(strict=True)
    finally:
        await phone.close()


# --- a lie after syncs that found nothing (issue 10) -------------------------------------------


async def no_op_syncs(client: Client) -> None:
    """Syncs until the device keeps the reply of a pull that found nothing (`_CleanPull`):
    a next pull whose reply is that same one ends without going through it again."""
    for _ in range(3):
        report = await client.sync()
        assert (report.pulled, report.problems, report.incomplete) == (0, [], [])
    assert client.replica._clean_pull is not None


@pytest.mark.parametrize(
    "lie",
    ["past its head", "behind the request", "never done", "head lowered"],
)
async def test_a_lie_after_syncs_that_found_nothing_is_checked_as_any_reply(
    hostile: HostileServer, through: Through, signup: ClientFactory, lie: str
) -> None:
    """A device that synced with nothing new, many times, takes the same reply to the same
    request as nothing new again without going through its pages; any other reply (a lie
    about a cursor or a head, a pull never done) is checked in full, as on a first sync."""
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Before.")
    await ana.entries.write("Personal", "Also before.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    cursor = (await tom.context.local_journal("ana/Personal")).cursor
    assert cursor > 1
    await no_op_syncs(tom)

    rewrites: dict[str, ReplyRewrite] = {
        "past its head": far_ahead(personal, 10**12, cursor),
        "behind the request": behind_the_request(personal),
        "never done": never_done,
        "head lowered": far_ahead(personal, cursor - 1, cursor - 1),
    }
    hostile.replies["/v1/sync"] = rewrites[lie]
    report = await tom.sync()
    expected = {
        "past its head": "past its head",
        "behind the request": f"below the position {cursor}",
        "head lowered": f"ends at record {cursor - 1}, before what this device already holds",
    }
    if lie == "never done":
        assert report.incomplete, report
    else:
        assert any(expected[lie] in p for p in report.problems), report.problems
    assert tom.replica._clean_pull is None  # a reply that found something is not kept
    held = (await tom.context.local_journal("ana/Personal")).cursor
    assert held == (cursor - 1 if lie == "head lowered" else cursor)  # pulls again from there
    del hostile.replies["/v1/sync"]  # the truth again
    await ana.entries.write("Personal", "After.")
    await ana.sync()
    await tom.sync()
    assert sorted(e.body for e in await tom.entries.list()) == ["After.", "Also before.", "Before."]
