"""A hostile server (alone, or with a therapist) against the owner-signed access chain.

Each test is one attack a server can try on who may read a journal, with which role, until
when, under which key epoch, with which disclosure settings, or on the history a member is
given; each must fail closed. They run against a real server, through the loopback proxy of
tests/client/hostile.py or with direct edits of the server's database between steps, as a
compromised server can make them. ana is the client, tom and ben therapists.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import Client, IntegrityError, RollbackError, keys, wire
from client_sdk.documents import Document
from client_sdk.journal_meta import encode_meta
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import (
    copy_of_server_db,
    forged_record,
    journal_id,
    plaintexts_openable_with,
    server_db,
    share_with,
    stolen_records,
    therapist_keys,
)
from tests.conftest import ClientFactory, RunningServer

SECRET = "Written after the share ended"
DELETED = "the name of my first therapist"
DAY_MS = 24 * 3600 * 1000


def edit_server_db(live_server: RunningServer, sql: str, *params: object) -> None:
    """Change the server's database behind its back, as whoever runs it can."""
    with closing(sqlite3.connect(server_db(live_server))) as db:
        db.execute(sql, params)
        db.commit()


def readable_by(member: Client, stolen: Path, journal: bytes, text: str) -> list[int]:
    """Seqs of the journal's stored records that a key the member ever held opens to
    plaintext containing `text`."""
    held = therapist_keys(member)
    assert held, "the member holds no key: an empty answer would prove nothing"
    return [
        record.seq
        for record in stolen_records(stolen)
        if record.journal_id == journal
        and any(text.encode() in p for p in plaintexts_openable_with(record, held))
    ]


def rotations(hostile: HostileServer) -> list[wire.RotateRequest]:
    return [wire.decode(wire.RotateRequest, body) for body in hostile.bodies("/v1/journals/rotate")]


# --- 1. a revoke answered with success while the member is kept --------------------------------


async def test_a_member_the_server_keeps_after_a_revoke_gets_no_key_at_the_next_rotation(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    ana = await through("ana")
    tom, ben = await signup("tom"), await signup("ben")
    await share_with(ana, tom)
    await share_with(ana, ben)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    await ana.shares.revoke("Personal", "tom")

    # The server puts tom back, in its tables and in what it tells ana's device.
    edit_server_db(
        live_server,
        "INSERT INTO members VALUES (?, ?, 'read', 0)",
        personal,
        tom.profile.account_id,
    )

    def keep_tom(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.ShareList, reply)
        fake = wire.Share(personal, tom.profile.account_id, "tom", "read", 0, False, 0, b"")
        return wire.encode(wire.ShareList([*listed.shares, fake]))

    hostile.replies["/v1/shares/list"] = keep_tom
    await ana.shares.revoke("Personal", "ben")  # the next rotation
    await ana.entries.write("Personal", SECRET)
    await ana.sync()

    last = rotations(hostile)[-1]
    assert [k.account_id for k in last.keys] == [ana.profile.account_id]
    assert [s.member for s in await ana.shares.list()] == []
    state = ana.replica.chains.current(personal)
    assert state.members == {} and not state.may_read(tom.profile.account_id, state.epoch)
    assert readable_by(tom, copy_of_server_db(live_server, tmp_path), personal, SECRET) == []


# --- 2. an end date erased or pushed back ------------------------------------------------------


async def test_an_end_date_the_server_erases_still_ends_the_share_on_the_owners_clock(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, expires_at=datetime.now().astimezone() + timedelta(days=1))
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    edit_server_db(
        live_server,
        "UPDATE members SET expires_at = 0 WHERE journal_id = ? AND account_id = ?",
        personal,
        tom.profile.account_id,
    )  # erased: the server would serve tom forever

    def never_ends(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.ShareList, reply)
        shares = [dataclasses.replace(s, expires_at=0, expired=False) for s in listed.shares]
        return wire.encode(wire.ShareList(shares))

    hostile.replies["/v1/shares/list"] = never_ends
    later = live_server.clock.now + 2 * DAY_MS
    for module in ("client_sdk.replica", "client_sdk.sharing"):  # two days pass for ana
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    await ana.entries.write("Personal", SECRET)
    await ana.sync()

    state = ana.replica.chains.current(personal)
    assert state.epoch == 2 and state.members == {}
    assert [k.account_id for k in rotations(hostile)[-1].keys] == [ana.profile.account_id]
    assert readable_by(tom, copy_of_server_db(live_server, tmp_path), personal, SECRET) == []


# --- 3. an old journal list: an older key epoch, from before a revocation ----------------------


@pytest.mark.parametrize("stale", ["epoch", "chain"])
async def test_an_old_journal_list_is_a_rollback_and_nothing_is_sealed_with_the_old_key(
    stale: str,
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom)
    await ana.entries.write("Personal", "Written while shared.")
    await ana.sync()
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    # tom's keys open this journal's records: "nothing opens" below is a real check.
    assert readable_by(tom, copy_of_server_db(live_server, tmp_path), personal, "while shared")
    before = hostile.replies_to("/v1/journals/list")[-1]  # from before the revocation
    await ana.shares.revoke("Personal", "tom")

    def replay(request: bytes, reply: bytes) -> bytes:
        old = {j.journal_id: j for j in wire.decode(wire.JournalList, before).journals}
        current = wire.decode(wire.JournalList, reply).journals
        served = [
            dataclasses.replace(j, epoch=old[j.journal_id].epoch)
            if stale == "epoch" and j.journal_id == personal
            else old.get(j.journal_id, j)
            if stale == "chain"
            else j
            for j in current
        ]
        return wire.encode(wire.JournalList(served))

    def bump(request: bytes, reply: bytes) -> bytes:
        """A new meta version in the sync pages: the device fetches the (replayed) list."""
        real = wire.decode(wire.SyncReply, reply)
        pages = [dataclasses.replace(p, meta_version=p.meta_version + 100) for p in real.pages]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/journals/list"] = replay
    hostile.replies["/v1/sync"] = bump
    report = await ana.sync()
    assert report.rollbacks and personal.hex() in report.rollbacks[0]
    with pytest.raises(RollbackError):
        await ana.entries.write("Personal", SECRET)
    assert await ana.pending() == 0
    assert (await ana.context.local_journal("Personal")).epoch == 2  # the verified state stays
    assert readable_by(tom, copy_of_server_db(live_server, tmp_path), personal, SECRET) == []

    del hostile.replies["/v1/journals/list"], hostile.replies["/v1/sync"]  # the truth again
    assert (await ana.sync()).rollbacks == []
    await ana.entries.write("Personal", SECRET)
    await ana.sync()
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(ana, stolen, personal, SECRET)  # on the server, under the new key
    assert readable_by(tom, stolen, personal, SECRET) == []


async def test_a_member_shown_a_shorter_access_chain_reports_a_rollback(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    await share_with(ana, tom, role="read")  # now read-only: two more chain entries
    await tom.sync()

    def shorter(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply).journals
        return wire.encode(
            wire.JournalList(
                [
                    dataclasses.replace(j, chain_length=j.chain_length - 2)
                    if j.journal_id == personal
                    else j
                    for j in listed
                ]
            )
        )

    hostile.replies["/v1/journals/list"] = shorter
    await tom.replica.refresh_journals()
    report = await tom.sync()
    assert report.rollbacks and "fewer than" in report.rollbacks[0]
    assert (
        await tom.context.local_journal("ana/Personal")
    ).role == "read"  # not the older "annotate"
    with pytest.raises(RollbackError):
        await tom.journals.verify_head("ana/Personal")


# --- 4. a disclosure journal re-sealed by the therapist and the server ------------------------


async def test_disclosure_settings_resealed_by_a_therapist_and_the_server_change_nothing(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.journals.create("Private")
    shared = await share_with(ana, tom, "Personal", only=["mood"])
    await tom.sync()
    disclosure = bytes.fromhex(shared.journal_id)
    private = await journal_id(ana, "Private")

    # tom holds the disclosure journal's key: he seals new settings (mirror Private, every
    # field, since ever); the server stores them as the journal's metadata.
    local = await tom.context.local_journal(f"ana/{shared.journal}")
    key = await tom.replica.journal_key(local, local.epoch)
    forged = encode_meta(
        shared.journal,
        disclosure_for=tom.profile.account_id.hex(),
        mirror_of=private.hex(),
        fields=["title", "body", "mood", "tags", "emotions"],
        since=0,
    )
    edit_server_db(
        live_server,
        "UPDATE journals SET meta = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
        keys.seal_journal_meta(key, disclosure, local.epoch, forged),
        disclosure,
    )
    await ana.sync()
    await ana.entries.write("Private", SECRET, mood=2)
    await ana.entries.write("Personal", "Shared mood only.", mood=6)
    await ana.sync()
    await tom.sync()

    assert [(e.body, e.mood) for e in await tom.entries.list()] == [("", 6)]
    assert readable_by(tom, copy_of_server_db(live_server, tmp_path), disclosure, SECRET) == []


async def test_a_therapist_cannot_rename_the_journal_it_reads_into_the_one_its_client_writes_in(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    shared = await share_with(ana, tom, "Personal", only=["mood"])
    await tom.sync()
    disclosure = bytes.fromhex(shared.journal_id)
    local = await tom.context.local_journal(f"ana/{shared.journal}")
    key = await tom.replica.journal_key(local, local.epoch)
    forged = encode_meta("Personal")  # so that `tj write Personal` might land there
    verified = {j.id: j.name for j in await ana.journals.list()}[disclosure.hex()]
    edit_server_db(
        live_server,
        "UPDATE journals SET meta = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
        keys.seal_journal_meta(key, disclosure, local.epoch, forged),
        disclosure,
    )
    report = await ana.sync()
    names = {j.id: j.name for j in await ana.journals.list()}
    # The forged name does not verify: ana's device keeps the name it verified (before W7 of
    # rev-wn it showed "(unverified name ...)"), and the sync says what the server serves.
    assert names[disclosure.hex()] == verified != "Personal"
    assert any("cannot open or verify" in problem for problem in report.problems)
    await ana.entries.write("Personal", SECRET, mood=3)
    await ana.sync()
    await tom.sync()
    assert all(SECRET not in e.body for e in await tom.entries.list())
    assert readable_by(tom, copy_of_server_db(live_server, tmp_path), disclosure, SECRET) == []


# --- 5. a read-only member listed as "annotate" ------------------------------------------------


async def test_a_reader_the_server_lists_as_annotator_has_no_note_accepted_nor_role_resigned(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
) -> None:
    ana = await through("ana")
    tom, ben = await signup("tom"), await signup("ben")
    await share_with(ana, tom)  # read-only
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    edit_server_db(
        live_server,
        "UPDATE members SET role = 'annotate' WHERE journal_id = ? AND account_id = ?",
        personal,
        tom.profile.account_id,
    )

    def annotate(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.ShareList, reply)
        return wire.encode(
            wire.ShareList([dataclasses.replace(s, role="annotate") for s in listed.shares])
        )

    hostile.replies["/v1/shares/list"] = annotate
    note = Document(b"\x07" * 16, "note")
    update = note.change(fields={"created_at": 1}, texts={"body": "Stop journaling."})
    upload = await forged_record(tom, "ana/Personal", note, "note", update)
    await tom.transport.call(
        "/v1/records/push", wire.PushRequest(personal, [upload]), wire.PushReply
    )  # the server accepts it: it believes its own table

    report = await ana.sync()
    assert [upload.record_id.hex() in p for p in report.problems] == [True]
    assert await ana.notes.list() == []
    await share_with(ana, ben)  # the next rotation
    last = rotations(hostile)[-1]
    assert {k.account_id: k.role for k in last.keys}[tom.profile.account_id] == "read"
    [share] = [s for s in await ana.shares.list() if s.member == "tom"]
    assert share.role == "read"


# --- 6. an invented owner -----------------------------------------------------------------------


async def test_a_journal_from_an_owner_whose_fingerprint_was_never_compared_is_marked(
    signup: ClientFactory,
) -> None:
    tom = await signup("tom")
    fake = await signup("ana.invented")  # an account the server made up, keys and all
    await fake.entries.write("Personal", "Fabricated entry.")
    await fake.sync()
    await fake.shares.grant("Personal", "tom", trust_on_first_use=True, full=True)
    await tom.sync()

    [journal] = [j for j in await tom.journals.list() if j.role != "owner"]
    assert journal.owner_verified is False
    [shared] = await tom.shares.with_me()
    assert shared.owner_verified is False
    await tom.shares.verify("ana.invented", await fake.shares.fingerprint())
    assert [j.owner_verified for j in await tom.journals.list() if j.role != "owner"] == [True]
    assert [s.owner_verified for s in await tom.shares.with_me()] == [True]


async def test_an_access_chain_signed_by_another_key_than_the_pinned_owners_is_refused(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Genuine.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    impostor = keys.AccountSecrets.generate()

    def resign(request: bytes, reply: bytes) -> bytes:
        """The server re-signs every entry with a key of its own."""
        import msgpack

        answer = wire.decode(wire.AccessReply, reply)
        chains = []
        for chain in answer.chains:
            entries = []
            for raw in chain.entries:
                body, _ = msgpack.unpackb(raw)
                from client_sdk import access

                entries.append(access.sign_entry(impostor.signing_key, body))
            chains.append(dataclasses.replace(chain, entries=entries))
        return wire.encode(wire.AccessReply(chains))

    hostile.replies["/v1/journals/access"] = resign
    await share_with(ana, tom, role="annotate")
    report = await tom.sync()
    assert report.rollbacks and "invalid signature" in report.rollbacks[0]
    assert (await tom.context.local_journal("ana/Personal")).role == "read"  # the verified role
    assert personal in tom.replica.chains.problems()


# --- 8. a share carries no history ------------------------------------------------------------


async def test_text_deleted_before_a_share_opens_with_no_key_the_member_ever_held(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    entry = await ana.entries.write("Personal", f"Today I wrote {DELETED} down.", title=DELETED)
    await ana.sync()
    await ana.entries.edit(entry.id, body="Today I wrote it all down.", title="A day")
    await ana.sync()
    await share_with(ana, tom)
    await tom.sync()

    personal = await journal_id(ana, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    assert [e.body for e in await tom.entries.list()] == ["Today I wrote it all down."]
    assert readable_by(tom, stolen, personal, "Today I wrote ")  # the share works
    assert readable_by(ana, stolen, personal, DELETED)  # the old records still hold it
    assert readable_by(tom, stolen, personal, DELETED) == []
    assert readable_by(tom, stolen, personal, "first therapist") == []
    with closing(sqlite3.connect(stolen)) as db:
        epochs = db.execute(
            "SELECT epoch FROM journal_keys WHERE journal_id = ? AND account_id = ?",
            (personal, tom.profile.account_id),
        ).fetchall()
        [(meta,)] = db.execute("SELECT meta FROM journals WHERE journal_id = ?", (personal,))
    assert epochs == [(1,)]  # keys from the share's epoch on only
    names = []
    for key in therapist_keys(tom):
        with contextlib.suppress(IntegrityError):
            names.append(keys.open_journal_meta(key, personal, bytes(meta)))
    assert names  # some key opens the name: the current one, without the deleted text
    assert not any(DELETED.encode() in name for name in names)


async def test_writes_from_before_a_share_waiting_on_an_offline_device_reach_the_member_as_a_snapshot(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    laptop, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await phone.sync()
    draft = await phone.entries.write("Personal", f"Offline: {DELETED}.")  # sealed at epoch 0
    await phone.entries.edit(draft.id, body="Offline: it is settled.")
    assert [r.epoch for r in await phone.store.outbox()] == [0, 0]

    await share_with(laptop, tom)  # epoch 1 starts while the phone is offline
    await phone.sync()  # its epoch-0 updates come back: replaced by one fresh snapshot
    await tom.sync()

    personal = await journal_id(laptop, "Personal")
    assert [e.body for e in await tom.entries.list()] == ["Offline: it is settled."]
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "Offline: ")
    assert readable_by(tom, stolen, personal, DELETED) == []


# --- forks: the verify-head code ---------------------------------------------------------------


async def test_verify_head_codes_match_when_both_were_shown_the_same_history_even_after_compaction(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    ana.replica.compact_after = 3
    entry = await ana.entries.write("Personal", "One.")
    await ana.sync()
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    for text in ("Two.", "Three.", "Four.", "Five."):
        await ana.entries.edit(entry.id, append=f" {text}")
        await ana.sync()
        await tom.sync()  # tom pulls each update before ana compacts them
    await tom.notes.add("ana/Personal", "See you Tuesday.")
    await tom.sync()
    await ana.sync()
    await tom.sync()
    code = await ana.journals.verify_head("Personal")
    assert code == await tom.journals.verify_head("ana/Personal")
    assert len(code.split()) == 5 and all(len(g) == 5 and g.isdigit() for g in code.split())


async def test_verify_head_codes_differ_when_the_server_showed_the_therapist_another_history(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Shown to both.")
    await share_with(ana, tom)
    await tom.sync()
    assert await ana.journals.verify_head("Personal") == await tom.journals.verify_head(
        "ana/Personal"
    )
    personal = await journal_id(ana, "Personal")

    def hide_latest(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=page.records[:-1])
            if page.journal_id == personal and page.records
            else page
            for page in real.pages
        ]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/sync"] = hide_latest
    await ana.entries.write("Personal", "Only ana's device sees this.")
    await ana.sync()
    await tom.sync()
    assert await ana.journals.verify_head("Personal") != await tom.journals.verify_head(
        "ana/Personal"
    )
