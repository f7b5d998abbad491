"""A hostile server (alone, or with a member) against who owns a journal and what a new member
is given: the defences for the hostile review of issue 8 (R8-FINDINGS.md, findings 1, 2, 6,
7, 8 and 9), against a real server, through the rewriting proxy of tests/client/hostile.py
or with direct edits of the server's database. ana and ben are clients, tom a therapist.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import (
    Client,
    KeyChangedError,
    RollbackError,
    crypto,
    keys,
    records,
    wire,
)
from client_sdk.models import now_ms
from client_sdk.replica import stored_document
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import copy_of_server_db, journal_id, server_db, share_with
from tests.client.test_hostile_access import readable_by
from tests.conftest import ClientFactory, RunningServer

FORGED = "Forged by the therapist: stop taking your medication."


# --- helpers ---------------------------------------------------------------------------------


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


def rewrite_journal(reply: bytes, journal: bytes, **changes: object) -> bytes:
    """The server's journal list with `changes` made to one journal."""
    listed = wire.decode(wire.JournalList, reply)
    return wire.encode(
        wire.JournalList(
            [
                dataclasses.replace(j, **changes) if j.journal_id == journal else j  # type: ignore[arg-type]
                for j in listed.journals
            ]
        )
    )


def server_records(live_server: RunningServer, journal: bytes) -> int:
    with closing(sqlite3.connect(server_db(live_server))) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM records WHERE journal_id = ?", (journal,)
        ).fetchone()
    return int(count)


# --- FINDING 6: what a new member is given ---------------------------------------------------


async def test_an_entry_deleted_before_a_share_opens_with_no_key_the_member_holds(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """Deleted for good: left out of the share's snapshots, and its text cleared."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "An ordinary day.")
    gone = await ana.entries.write("Personal", "What happened with my brother.", title="Never tell")
    await ana.entries.delete(gone.id)
    assert await ana.entries.empty_trash() == 1
    await ana.sync()
    await share_with(ana, tom)
    await tom.sync()

    personal = await journal_id(ana, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "An ordinary day.")  # the share works
    assert readable_by(tom, stolen, personal, "my brother") == []
    assert readable_by(tom, stolen, personal, "Never tell") == []
    assert all("my brother" not in e.body for e in await tom.entries.list(include_deleted=True))


async def test_an_entry_in_the_trash_at_a_share_opens_with_no_key_the_member_holds(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "An ordinary day.")
    gone = await ana.entries.write("Personal", "What happened with my brother.", title="Never tell")
    await ana.entries.delete(gone.id)
    await ana.sync()
    await share_with(ana, tom)
    await tom.sync()

    personal = await journal_id(ana, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "An ordinary day.")
    assert readable_by(tom, stolen, personal, "my brother") == []
    assert all("my brother" not in e.body for e in await tom.entries.list(include_deleted=True))
    assert [e.body for e in await ana.entries.trash()] == ["What happened with my brother."]


async def test_a_share_of_a_journal_with_every_entry_removed_shows_no_gap_and_a_restore_reaches_the_member(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """No snapshot at all: a `void` record carries the share's boundary (no false gap); an
    entry restored from the trash afterwards reaches the member whole."""
    ana, tom = await signup("ana"), await signup("tom")
    kept = await ana.entries.write("Personal", "Later, maybe.")
    gone = await ana.entries.write("Personal", "Gone for good.")
    await ana.entries.delete(gone.id)
    await ana.entries.empty_trash()
    await ana.entries.delete(kept.id)
    await ana.entries.restore(kept.id)
    await ana.entries.delete(kept.id)
    await ana.sync()
    await share_with(ana, tom)
    report = await tom.sync()
    assert report.withheld == [] and report.problems == []
    assert [e.body for e in await tom.entries.list(include_deleted=True)] == []
    personal = await journal_id(ana, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    for text in ("Later, maybe.", "Gone for good."):
        assert readable_by(tom, stolen, personal, text) == []

    await ana.entries.write("Personal", "After the share.")  # its counter says records came before
    await ana.sync()
    report = await tom.sync()
    assert report.withheld == [] and report.problems == []
    await ana.entries.restore(kept.id)
    await ana.sync()
    report = await tom.sync()
    assert report.withheld == [] and report.problems == []
    assert sorted(e.body for e in await tom.entries.list()) == ["After the share.", "Later, maybe."]


async def test_an_entry_trashed_at_a_share_while_an_offline_device_edits_it_reaches_no_member(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The offline device's change from before the share is replaced by the removal only
    (it pulls before sealing again): neither the entry nor the edit reaches the member."""
    laptop, tom = await signup("ana"), await signup("tom")
    entry = await laptop.entries.write("Personal", "About my brother.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await phone.entries.edit(entry.id, append=" And what he did.")  # offline
    await laptop.entries.delete(entry.id)
    await laptop.sync()
    await share_with(laptop, tom)

    report = await phone.sync()
    assert report.set_aside == [] and report.problems == []
    await laptop.sync()
    report = await tom.sync()
    assert report.withheld == [] and report.problems == []
    personal = await journal_id(laptop, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "my brother") == []
    assert readable_by(tom, stolen, personal, "what he did") == []
    assert [e.body for e in await tom.entries.list()] == []
    assert [e.id for e in await laptop.entries.trash()] == [entry.id]
    assert [e.id for e in await phone.entries.trash()] == [entry.id]


# --- FINDINGS 1 and 7: the owner of a known journal is the one its verified chain names -----


async def test_a_member_and_the_server_cannot_pass_for_the_owner_of_a_known_journal(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """ben (a member holding the current key) signs an envelope for tom as if he owned ana's
    journal and edits ana's entry; the server tells tom's device that ben owns it."""
    ana, ben = await signup("ana"), await signup("ben")
    tom = await through("tom")
    entry = await ana.entries.write("Personal", "I slept well.")
    await ana.sync()
    await share_with(ana, ben, role="annotate")  # epoch 1
    await share_with(ana, tom)  # epoch 2: sealed to ben and tom
    await ben.sync()
    await tom.sync()
    await tom.shares.verify("ana", await ana.shares.fingerprint())
    personal = await journal_id(ana, "Personal")
    assert [e.body for e in await tom.entries.list()] == ["I slept well."]

    ben_local = await ben.context.local_journal("ana/Personal")
    epoch = ben_local.epoch
    key = await ben.replica.journal_key(ben_local, epoch)
    tom_secrets = tom.profile.secrets
    terms = keys.ShareTerms(
        ben.profile.account_id,
        tom.profile.account_id,
        "tom",
        tom_secrets.sign_public_key,
        tom_secrets.box_public_key,
        personal,
        "read",
        epoch,
        0,
    )
    envelope = keys.seal_share_envelope(ben.profile.secrets, terms, key)
    stored = await ben.store.document(bytes.fromhex(entry.id))
    assert stored is not None
    document = stored_document(stored)
    update = document.change(texts={"body": FORGED})
    upload = await forge(ben, "ana/Personal", document.doc_id, "entry", update, counter=1)
    await ben.transport.call(
        "/v1/records/push", wire.PushRequest(personal, [upload]), wire.PushReply
    )  # ben annotates: the server takes any push from him

    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, owner_id=ben.profile.account_id, keys=[wire.KeyEnvelope(epoch, envelope)]
    )
    tom.replica._keys.clear()  # as after a restart: the forged envelope is all it has
    await tom.replica.refresh_journals()
    report = await tom.sync()

    assert [e.body for e in await tom.entries.list()] == ["I slept well."], report
    local = await tom.context.local_journal("ana/Personal")
    assert (local.owner_id, local.owner_name) == (ana.profile.account_id, "ana")
    assert any("another owner" in r and personal.hex() in r for r in report.rollbacks)

    del hostile.replies["/v1/journals/list"]  # the truth again: the journal syncs again
    await ana.entries.write("Personal", "Written later.")
    await ana.sync()
    report = await tom.sync()
    assert report.rollbacks == [] and report.withheld == []
    assert sorted(e.body for e in await tom.entries.list()) == ["I slept well.", "Written later."]


async def test_one_lie_about_a_journals_owner_does_not_stop_the_device_syncing_for_good(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    ana, ben = await signup("ana"), await signup("ben")
    tom = await through("tom")
    await ana.entries.write("Personal", "I slept well.")
    await share_with(ana, tom)
    await share_with(ben, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, owner_id=ben.profile.account_id
    )
    await tom.replica.refresh_journals()
    del hostile.replies["/v1/journals/list"]  # the truth again
    await tom.close()

    again = await Client.open(tmp_path / "tom-via-proxy")
    try:
        await again.sync()
        await ana.entries.write("Personal", "Written later.")
        await ana.sync()
        await ben.entries.write("Personal", "ben's own.")
        await ben.sync()
        report = await again.sync()
        assert report.rollbacks == [] and report.problems == []
        assert sorted(e.body for e in await again.entries.list()) == [
            "I slept well.",
            "Written later.",
            "ben's own.",
        ]
    finally:
        await again.close()


async def test_a_stored_chain_that_does_not_read_back_is_a_problem_of_its_journal_alone(
    signup: ClientFactory, tmp_path: Path
) -> None:
    """Whatever was stored (an older version, a damaged file), replaying it never stops the
    other journals from syncing, and the journal's chain is verified again from its start."""
    ana, ben = await signup("ana"), await signup("ben")
    tom = await signup("tom")
    await ana.entries.write("Personal", "From ana.")
    await ben.entries.write("Personal", "From ben.")
    await share_with(ana, tom)
    await share_with(ben, tom)
    await tom.sync()
    ana_personal = await journal_id(ana, "Personal")
    home = tom.home
    await tom.close()
    with closing(sqlite3.connect(home / "store.db")) as db:
        db.execute(
            "UPDATE access_entries SET entry = ? WHERE journal_id = ? AND position = 0",
            (b"\x92\xc4\x01x\xc4\x01y", ana_personal),
        )
        db.commit()

    again = await Client.open(home)
    try:
        await ana.entries.write("Personal", "ana, later.")
        await ana.sync()
        await ben.entries.write("Personal", "ben, later.")
        await ben.sync()
        report = await again.sync()
        assert report.rollbacks == []
        assert sorted(e.body for e in await again.entries.list()) == [
            "From ana.",
            "From ben.",
            "ana, later.",
            "ben, later.",
        ]
    finally:
        await again.close()


# --- FINDING 2: owner names come from the owner's pinned, self-signed identity --------------


async def test_the_server_cannot_relabel_a_verified_owners_journal_as_another_clients(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The server swaps the owner names of two clients' journals: tom's note about ana would
    land in ben's journal, for ben to read."""
    ana, ben = await signup("ana"), await signup("ben")
    tom = await through("tom")
    await ana.entries.write("Personal", "Only ana writes this.")
    await share_with(ana, tom, role="annotate")
    await share_with(ben, tom, role="annotate")
    await tom.sync()
    await tom.shares.verify("ana", await ana.shares.fingerprint())
    await tom.shares.verify("ben", await ben.shares.fingerprint())
    ana_personal = await journal_id(ana, "Personal")
    ben_personal = await journal_id(ben, "Personal")

    def swap(request: bytes, reply: bytes) -> bytes:
        swapped = rewrite_journal(reply, ana_personal, owner_name="ben")
        return rewrite_journal(swapped, ben_personal, owner_name="ana")

    hostile.replies["/v1/journals/list"] = swap
    shared = await tom.shares.with_me()  # refreshes the journal list
    await tom.notes.add("ana/Personal", "ana: panic attacks since the accident.")
    await tom.sync()
    await ben.sync()
    await ana.sync()

    assert all("panic attacks" not in n.text for n in await ben.notes.list())
    assert [n.text for n in await ana.notes.list()] == ["ana: panic attacks since the accident."]
    assert {s.journal_id: (s.owner, s.owner_verified) for s in shared} == {
        ana_personal.hex(): ("ana", True),
        ben_personal.hex(): ("ben", True),
    }
    names = {j.id: (j.name, j.owner) for j in await tom.journals.list() if j.role != "owner"}
    assert names == {
        ana_personal.hex(): ("ana/Personal", "ana"),
        ben_personal.hex(): ("ben/Personal", "ben"),
    }


async def test_a_journal_listed_under_another_owner_name_keeps_its_owners_pinned_name(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """Without any verification either: the name is the owner's self-signed username."""
    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Hello.")
    await share_with(ana, tom)
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, owner_name="dr.who"
    )
    [shared] = await tom.shares.with_me()
    assert shared.owner == "ana"
    assert [e.journal for e in await tom.entries.list()] == ["ana/Personal"]


# --- FINDING 8: pins are looked up by username too -----------------------------------------


async def test_a_verified_member_replaced_by_another_account_id_is_refused(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The server answers the lookup of "tom" with a new account id and keys of its own,
    validly self-signed: no pin exists for that id, but "tom" is pinned."""
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom)  # tom's fingerprint compared and pinned
    await ana.journals.create("Sleep")
    impostor = keys.AccountSecrets.generate()
    other_id = crypto.random_bytes(16)
    forged = wire.Identity(
        other_id,
        "tom",
        impostor.sign_public_key,
        impostor.box_public_key,
        keys.sign_identity(impostor, other_id, "tom"),
    )
    hostile.replies["/v1/account/identity"] = lambda request, reply: wire.encode(forged)
    hostile.paths.clear()
    with pytest.raises(KeyChangedError, match="another account"):
        await ana.shares.grant("Sleep", "tom", trust_on_first_use=True, full=True)
    assert "/v1/journals/rotate" not in hostile.paths
    assert {p.account_id for p in await ana.store.peers()} == {tom.profile.account_id}

    # Compared in person (the user is sure): the new account replaces the old pin.
    fingerprint = keys.fingerprint(
        other_id, "tom", impostor.sign_public_key, impostor.box_public_key
    )
    await ana.shares.verify("tom", fingerprint)
    assert {p.account_id for p in await ana.store.peers()} == {other_id}


async def test_a_journal_owner_under_a_pinned_username_with_another_account_id_is_not_that_owner(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """A second account passing for "ana" (the server answers its identity with ana's name,
    self-signed with its own keys) shares a journal with tom, who verified the real ana:
    that journal is not shown as ana's, and ana's journal keeps syncing."""
    ana, fake = await signup("ana"), await signup("anna")
    tom = await through("tom")
    await ana.entries.write("Personal", "The real ana.")
    await share_with(ana, tom)
    await tom.sync()
    await tom.shares.verify("ana", await ana.shares.fingerprint())
    await fake.entries.write("Personal", "Fabricated entry.")
    await fake.shares.grant("Personal", "tom", trust_on_first_use=True, full=True)
    secrets = fake.profile.secrets
    as_ana = wire.Identity(
        fake.profile.account_id,
        "ana",
        secrets.sign_public_key,
        secrets.box_public_key,
        keys.sign_identity(secrets, fake.profile.account_id, "ana"),
    )

    def passing_for_ana(request: bytes, reply: bytes) -> bytes:
        asked = wire.decode(wire.Identity, reply)
        return wire.encode(as_ana) if asked.account_id == fake.profile.account_id else reply

    def named_ana(request: bytes, reply: bytes) -> bytes:
        fake_personal = [
            j.journal_id
            for j in wire.decode(wire.JournalList, reply).journals
            if j.owner_id == fake.profile.account_id
        ]
        for journal in fake_personal:
            reply = rewrite_journal(reply, journal, owner_name="ana")
        return reply

    hostile.replies["/v1/account/identity-by-id"] = passing_for_ana
    hostile.replies["/v1/journals/list"] = named_ana
    await ana.entries.write("Personal", "Later.")
    await ana.sync()
    report = await tom.sync()

    fake_personal = await journal_id(fake, "Personal")
    # said as a journal shared by a refused owner (NU43 #9), not as a rollback
    assert fake_personal.hex() not in " ".join(report.rollbacks)
    [refused] = [share.line() for share in report.refused_shares]
    assert refused.startswith("ana shares a journal with you that") and "another account" in refused
    assert sorted(e.body for e in await tom.entries.list()) == ["Later.", "The real ana."]
    assert {(s.owner, s.owner_verified) for s in await tom.shares.with_me()} == {("ana", True)}
    assert (await tom.context.local_journal("ana/Personal")).owner_id == ana.profile.account_id


# --- FINDING 9: a lagging owner device never seals for a member whose share ended -----------


async def test_a_lagging_owner_device_does_not_seal_for_a_member_whose_share_ended(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The phone was behind the share (epoch 0): its push gets `stale_epoch`, it learns the
    chain (tom's share, ended by now on its clock) and seals again: under a new key, never
    the one tom holds. The server never ended the share."""
    laptop, tom = await signup("ana"), await signup("tom")
    phone = await login("ana")
    await phone.sync()  # epoch 0, then offline
    await share_with(laptop, tom, expires_at=datetime.now().astimezone() + timedelta(days=1))
    await laptop.entries.write("Personal", "Shared while it lasted.")
    await laptop.sync()
    await tom.sync()
    personal = await journal_id(laptop, "Personal")
    with closing(sqlite3.connect(server_db(live_server))) as db:  # the server never ends it
        db.execute("UPDATE members SET expires_at = 0 WHERE journal_id = ?", (personal,))
        db.commit()
    later = now_ms() + 2 * 24 * 3600 * 1000
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.pushing"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)  # two days pass

    await phone.entries.write("Personal", "Written after tom's share ended.")
    report = await phone.sync()
    await tom.sync()

    assert report.problems == [] and await phone.pending() == 0
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "Shared while it lasted.")  # tom's keys open
    assert readable_by(tom, stolen, personal, "share ended") == []
    assert readable_by(phone, stolen, personal, "share ended")  # it reached the server
    await laptop.sync()
    assert sorted(e.body for e in await laptop.entries.list()) == [
        "Shared while it lasted.",
        "Written after tom's share ended.",
    ]


async def test_an_owner_device_keeps_changes_unpushed_rather_than_seal_them_for_an_ended_member(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The key cannot be rotated (the server serves a rolled-back chain, so nothing may be
    signed into it): a change sealed under the key tom holds stays on the device, and the
    sync says so, instead of being pushed after tom's share ended."""
    ana = await through("ana")
    tom = await signup("tom")
    await share_with(ana, tom, expires_at=datetime.now().astimezone() + timedelta(days=1))
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    await ana.entries.write("Personal", "Written after tom's share ended.")  # sealed before the end
    later = now_ms() + 2 * 24 * 3600 * 1000
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.pushing"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)
    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, chain_length=1
    )
    await ana.replica.refresh_journals()

    report = await ana.sync()
    assert report.rollbacks
    assert any("share ended" in p and "not pushed" in p for p in report.problems)
    assert await ana.pending() == 1
    assert readable_by(tom, copy_of_server_db(live_server, tmp_path), personal, "share ended") == []

    del hostile.replies["/v1/journals/list"]  # the truth again: rotated, then pushed
    report = await ana.sync()
    assert report.rollbacks == [] and report.problems == [] and await ana.pending() == 0
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "share ended") == []
    assert readable_by(ana, stolen, personal, "share ended")


# --- defences the review found holding (brought in so that they stay) ---------------------


async def test_a_record_relabelled_to_an_epoch_before_the_share_is_reported_as_withheld(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """A member skips records of epochs before its share without a word; a server that moves
    a record there (the epoch field is outside the ciphertext) only drops it: the gap shows."""
    ana = await signup("ana")
    tom = await through("tom")
    await share_with(ana, tom)
    await tom.sync()
    for text in ("one", "two", "three"):
        await ana.entries.write("Personal", text)
        await ana.sync()
    personal = await journal_id(ana, "Personal")
    hidden: list[bytes] = []

    def to_epoch_zero(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = []
        for page in real.pages:
            moved = list(page.records)
            if page.journal_id == personal and len(moved) == 3:
                hidden.append(moved[1].record_id)
                moved[1] = dataclasses.replace(moved[1], epoch=0)
            pages.append(dataclasses.replace(page, records=moved))
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/sync"] = to_epoch_zero
    report = await tom.sync()
    assert hidden
    assert sorted(e.body for e in await tom.entries.list()) == ["one", "three"]
    assert [(g.author, g.device) for g in report.withheld] == [
        (ana.profile.account_id, ana.profile.device_id)
    ]
    assert report.withheld[0].count() == 1


async def test_a_key_epoch_the_chain_never_started_is_refused_and_nothing_sealed(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    ana = await through("ana")
    await ana.entries.write("Personal", "Before.")
    await ana.sync()
    personal = await journal_id(ana, "Personal")
    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, epoch=7
    )
    await ana.replica.refresh_journals()
    report = await ana.sync()
    assert report.rollbacks and "never started" in report.rollbacks[0]
    with pytest.raises(RollbackError):
        await ana.entries.write("Personal", "After.")


async def test_a_members_own_device_ends_its_share_by_the_signed_end_date_whatever_the_server_lists(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The member's own end date comes from the chain on the member's device too: the server
    listing a later (or no) end does not keep the journal open there."""
    from datetime import datetime, timedelta

    ana = await signup("ana")
    tom = await through("tom")
    await ana.entries.write("Personal", "Shared.")
    await share_with(ana, tom, expires_at=datetime.now().astimezone() + timedelta(days=1))
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    hostile.replies["/v1/journals/list"] = lambda request, reply: rewrite_journal(
        reply, personal, expires_at=0
    )
    later = now_ms() + 2 * 24 * 3600 * 1000
    monkeypatch.setattr("client_sdk.replica.now_ms", lambda: later)
    await tom.replica.refresh_journals()
    assert [j.role for j in await tom.store.journals() if j.journal_id == personal] == ["revoked"]


async def test_an_entry_in_the_trash_is_never_compacted_into_a_key_a_new_member_holds(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """A change to a trashed entry reaching another owner device after a share (here the
    phone's removal, written again) must not make that device seal the whole entry, as a
    compaction snapshot, under the key the new member holds."""
    laptop, tom = await signup("ana"), await signup("tom")
    laptop.replica.compact_after = 2
    entry = await laptop.entries.write("Personal", "About my brother.")
    await laptop.entries.edit(entry.id, append=" More.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await phone.entries.edit(entry.id, append=" And what he did.")  # offline
    await laptop.entries.delete(entry.id)
    await laptop.sync()
    await share_with(laptop, tom)
    await phone.sync()
    report = await laptop.sync()
    await tom.sync()

    assert report.problems == []
    personal = await journal_id(laptop, "Personal")
    stolen = copy_of_server_db(live_server, tmp_path)
    assert readable_by(tom, stolen, personal, "my brother") == []
    assert [e.id for e in await laptop.entries.trash()] == [entry.id]


async def test_an_offline_edit_of_an_entry_trashed_at_a_share_reaches_every_device_once_restored(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The phone's edit, replaced by the removal alone at the share (so that the member gets
    nothing of the trashed entry), is not lost: once the entry is restored on the laptop, the
    phone seals its whole state again, and every device converges."""
    laptop, tom = await signup("ana"), await signup("tom")
    entry = await laptop.entries.write("Personal", "About my brother.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    await phone.entries.edit(entry.id, append=" And what he did.")  # offline
    await laptop.entries.delete(entry.id)
    await laptop.sync()
    await share_with(laptop, tom)
    await phone.sync()
    await laptop.sync()
    assert [e.body for e in await tom.entries.list()] == []

    await laptop.entries.restore(entry.id)
    await laptop.sync()
    await phone.sync()
    await phone.sync()
    await laptop.sync()
    report = await tom.sync()
    whole = "About my brother. And what he did."
    assert (await laptop.entries.get(entry.id)).body == whole
    assert (await phone.entries.get(entry.id)).body == whole
    assert [e.body for e in await tom.entries.list()] == [whole]
    assert report.withheld == [] and report.problems == []
