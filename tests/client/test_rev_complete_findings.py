"""rev-complete: a hostile server (alone) makes a device hold less than every record, silently.

Each test of a finding not fixed yet is a strict expected failure: it fails at the assertion
that shows the bug (run with `--runxfail` to see it). /work/REV-COMPLETE-FINDINGS.md has the
analysis. Fixed: F1 (told once, own counters still checked) and F5 (excused counters kept
apart from what is received, never signed; a current member's erasure not believed).

F1: a journal of this account that the server stops listing becomes, on the owner's device,
a read-only copy with no word in the sync's report (no departure, problem, incomplete pull
or withheld record; `strict` passes), and the withholding check skips it from then on: the
records the owner's other device writes there (acknowledged by the server) never arrive,
and this device's own acknowledged record, dropped, is never missed.

F2: a journal created on one owner device and never listed to another: nothing signed tells
the other device it exists.

F3: at a history-free share the boundary rides on the sharing device's first record; the
fresh snapshots after it are that device's newest records, so the server drops one and the
new member silently lacks a whole document, also after the owner writes on another device.

F4 (fixed: its two tests assert the defence, protocol.md 4.18 "Cuts"): an owner device's
record withheld from another owner device (here: a trash) was covered by the owner's own
share boundary, which every owner device accepted as "never delivered": the other device
kept the entry live for good, and the owner-only head codes still matched. The same for the
owner's withdrawal of a therapist's note, withheld from the therapist.

F5: the same boundary launders the server's word: a faked erasure of a therapist, believed
(and told once) on the sharing device, becomes at its next share an owner-signed cover that
every other device accepts, so the owner's other device and the note's own author never
miss a note the server dropped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, SyncReport, departures, wire
from client_sdk.errors import WithheldRecordsError
from tests.client.hostile import HostileServer, Through, login_through, serving
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.conftest import PASSWORD, ClientFactory, RunningServer

GONE: set[bytes] = set()
"""Accounts the `erasing` server says do not exist (404 from identity-by-id)."""


@pytest.fixture
async def erasing(live_server: RunningServer) -> AsyncIterator[HostileServer]:
    """A hostile proxy that also answers 404 `not_found` for the accounts in GONE, as
    tests/client/test_withholding.py's does."""
    GONE.clear()
    async with serving(HostileServer(live_server.url), GONE) as proxy:
        yield proxy


def record_ids(live_server: RunningServer, journal: bytes) -> list[bytes]:
    """The ids of the records the server holds in `journal`, in `seq` order."""
    found = rows(
        server_db(live_server),
        "SELECT record_id FROM records WHERE journal_id = ? ORDER BY seq",
        journal,
    )
    return [bytes(record_id) for (record_id,) in found]


async def laptop_doc_of(client: Client, journal: bytes, record_id: bytes) -> bytes | None:
    """The document of `client`'s own record `record_id` (None for a `void`, as a cut)."""
    found = await client.store._db.execute_fetchall(
        "SELECT doc_id FROM seen_records WHERE journal_id = ? AND record_id = ?",
        (journal, record_id),
    )
    assert len(found) == 1
    (doc_id,) = found[0]
    return None if doc_id is None else bytes(doc_id)


def told(report: SyncReport, departures: bool = False) -> bool:
    """Whether a sync said anything about what it did not get; `departures`: a notice of a
    journal that ended or is no longer served counts too (a new share's notice, told to a
    member or to the owner's other device, is no such word)."""
    return bool(
        report.withheld
        or report.incomplete
        or report.problems
        or report.rollbacks
        or report.erased
        or report.held_back
        or (departures and report.departures)
    )


def unlist(hostile: HostileServer, journal: bytes) -> None:
    """The server stops naming `journal` to the devices behind the proxy: left out of every
    journal list, its sync page replaced once by a new `meta_version` (so the device reads
    the list again) and then left out."""

    def journal_list(request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        kept = [j for j in listed.journals if j.journal_id != journal]
        return wire.encode(wire.JournalList(kept, listed.next))

    def sync(request: bytes, reply: bytes) -> bytes:
        asked = {c.journal_id: c.after for c in wire.decode(wire.SyncRequest, request).cursors}
        got = wire.decode(wire.SyncReply, reply)
        pages = []
        for page in got.pages:
            if page.journal_id != journal:
                pages.append(page)
            elif journal in asked:  # the device still names it: make it read the list
                after = asked[journal]
                pages.append(
                    dataclasses.replace(
                        page,
                        records=[],
                        cursor=after,
                        head=after,
                        meta_version=page.meta_version + 1,
                    )
                )
        return wire.encode(wire.SyncReply(pages, got.done, got.next_journal))

    hostile.replies["/v1/journals/list"] = journal_list
    hostile.replies["/v1/sync"] = sync


def withhold(hostile: HostileServer, hidden: set[bytes]) -> None:
    """The server leaves the records `hidden` out of every sync reply through the proxy."""

    def sync(request: bytes, reply: bytes) -> bytes:
        got = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, records=[r for r in p.records if r.record_id not in hidden])
            for p in got.pages
        ]
        return wire.encode(wire.SyncReply(pages, got.done, got.next_journal))

    hostile.replies["/v1/sync"] = sync


async def bodies(client: Client) -> list[str]:
    return sorted(entry.body for entry in await client.entries.list())


async def test_rc_f1_an_owned_journal_left_out_of_the_list_stops_syncing_without_a_word(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    phone = await login_through(
        hostile, "ana", tmp_path / "ana-phone-via-proxy", device_name="phone"
    )
    try:
        await laptop.entries.write(None, "one")
        await laptop.sync(strict=True)
        await phone.sync(strict=True)
        journal = await journal_id(laptop, "Personal")
        await laptop.entries.write(None, "two")
        await laptop.sync(strict=True)  # stored and acknowledged by the server

        unlist(hostile, journal)
        report = await phone.sync(strict=True)  # nothing of the phone's own is missing
        again = await phone.sync(strict=True)
        assert await bodies(phone) == ["one"]  # "two" never arrives
        # Fixed: the phone says so, once (the server's word: deleted on another device, or
        # withheld; not signed, so it cannot tell which).
        assert [(d.journal, d.reason, d.owner) for d in report.departures] == [
            ("Personal", departures.GONE, "")
        ]
        assert "no longer on the server" in str(report.departures[0])
        assert again.departures == []  # told once
    finally:
        await phone.close()


async def test_rc_f1_an_acknowledged_own_record_dropped_with_its_journal_unlisted_is_never_missed(
    hostile: HostileServer, signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    phone = await login_through(
        hostile, "ana", tmp_path / "ana-phone-via-proxy", device_name="phone"
    )
    try:
        await phone.sync(strict=True)
        journal = await journal_id(laptop, "Personal")
        await phone.entries.write(None, "written on the phone")
        known = set(record_ids(live_server, journal))

        def unlist_once_pushed(body: bytes) -> bytes:
            # A sync with something to send reads the journal list before it pushes (rev30a
            # F2): the server stops listing the journal once the push is on its way.
            unlist(hostile, journal)
            return body

        hostile.requests["/v1/records/push"] = unlist_once_pushed
        report = await phone.sync()  # the push is acknowledged, then unlisted
        assert report.pushed == 1
        mine = set(record_ids(live_server, journal)) - known
        assert len(mine) == 1
        # ... and the server drops what it acknowledged.
        with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
            db.execute("DELETE FROM records WHERE record_id = ?", (mine.pop(),))
        again = await phone.sync()
        assert (await laptop.sync(strict=True)).withheld == []  # nothing claims it there
        assert await bodies(laptop) == []
        # Fixed: told once that the journal is gone from the list, and, in the same report,
        # the phone's own acknowledged record that never came back, withheld.
        assert [d.reason for d in report.departures] == [departures.GONE]
        assert again.departures == []
        phone_key = (phone.profile.account_id, phone.profile.device_id)
        assert [(g.journal_id, g.author, g.device) for g in report.withheld] == [
            (journal, *phone_key)
        ]
        # rev-cut G1 changed "at every sync" to "once, with the departure": an honest
        # deletion on another owner device between this device's push and its pull looks
        # the same to it, and can never end. The counter is then excused on this device
        # alone: never received, so nothing it signs accounts for it.
        assert again.withheld == []
        counters = (await phone.store.device_counters())[journal][phone_key]
        assert counters.missing() != []  # still not received ...
        excused = (await phone.store.excused_counters())[journal][phone_key]
        assert excused == counters.missing()  # ... only excused here
        await phone.sync(strict=True)
    finally:
        await phone.close()


async def test_rc_f1_a_journal_deleted_on_another_owner_device_is_told_once(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The honest case of F1: deleted on the laptop, the journal leaves the phone's list. The
    phone cannot tell a deletion (not signed) from withholding: it says both, once, keeps a
    read-only copy, and finds nothing of its own missing (its records came back)."""
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.journals.create("Work")
    await laptop.entries.write("Work", "from the laptop")
    await laptop.sync(strict=True)
    await phone.sync(strict=True)
    await phone.entries.write("Work", "from the phone")
    await phone.sync(strict=True)
    await laptop.journals.delete("Work")

    report = await phone.sync(strict=True)
    assert [(d.journal, d.reason, d.member, d.owner) for d in report.departures] == [
        ("Work", departures.GONE, "", "")
    ]
    assert str(report.departures[0]).startswith("Work is no longer on the server (")
    assert "deleted on another of your devices, or the server is withholding it" in str(
        report.departures[0]
    )
    assert [line for line in report.lines() if "Work" in line] == [
        f"Notice: {report.departures[0].describe()}."
    ]
    again = await phone.sync(strict=True)
    assert (again.departures, again.withheld) == ([], [])  # told once
    [work] = [j for j in await phone.journals.list() if j.name == "Work"]
    assert work.read_only_copy  # the read-only copy stays


@pytest.mark.xfail(
    strict=True,
    reason="rev-complete F2: a journal created on one owner device and never listed to "
    "another is missed there for good; nothing signed says the journal exists",
)
async def test_rc_f2_a_journal_created_on_another_device_and_never_listed_is_missed_silently(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    phone = await login_through(
        hostile, "ana", tmp_path / "ana-phone-via-proxy", device_name="phone"
    )
    try:
        await phone.sync(strict=True)
        work = bytes.fromhex((await laptop.journals.create("Work")).id)
        await laptop.entries.write("Work", "in the work journal")
        await laptop.entries.write(None, "in Personal, after Work was made")
        await laptop.sync(strict=True)

        unlist(hostile, work)
        report = await phone.sync(strict=True)
        names = [j.name for j in await phone.journals.list()]
        assert await bodies(phone) == ["in Personal, after Work was made"]
        # The bug: the phone never learns that the account has a journal it lacks.
        assert "Work" in names or told(report, True), f"the phone was told nothing: {names}"
    finally:
        await phone.close()


async def test_rc_f3_a_fresh_snapshot_of_a_share_dropped_leaves_the_new_member_short(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """Fixed: the share's cut is written after its fresh snapshots (protocol.md 4.18
    "Cuts"), so its counter names each of them: the last snapshot, kept from tom, is a gap
    below the cut's counter, reported at once."""
    laptop = await signup("ana")
    phone = await login_through(
        hostile, "ana", tmp_path / "ana-phone-via-proxy", device_name="phone"
    )
    try:
        tom = await through("tom")
        for text in ["one", "two", "three"]:
            await laptop.entries.write(None, text)
        await laptop.sync(strict=True)
        await phone.sync(strict=True)
        journal = await journal_id(laptop, "Personal")
        before = set(record_ids(live_server, journal))
        await share_with(laptop, tom)
        await laptop.sync(strict=True)
        sealed = [r for r in record_ids(live_server, journal) if r not in before]
        assert len(sealed) == 4  # the cut and one fresh snapshot a document
        snapshots = [r for r in sealed if await laptop_doc_of(laptop, journal, r) is not None]
        assert len(snapshots) == 3
        withhold(hostile, {snapshots[-1]})  # the last fresh snapshot, from tom and the phone

        first = await tom.sync()
        on_phone = await phone.sync()
        await phone.entries.write(None, "four")  # the owner goes on, on the phone
        await phone.sync()
        second = await tom.sync()
        held = await bodies(tom)
        assert len(held) == 3 and "four" in held  # one of the first three is missing
        # The therapist lacks one of the client's entries: told at every sync, the laptop's
        # dropped counter named; so is the phone (an owner device owed the record too).
        ana, device = laptop.profile.account_id, laptop.profile.device_id
        for said in (first, second, on_phone):
            assert [(g.journal_id, g.author, g.device, g.count()) for g in said.withheld] == [
                (journal, ana, device, 1)
            ], f"tom holds {held} and was told {said.withheld}"
        with pytest.raises(WithheldRecordsError):
            await tom.sync(strict=True)
    finally:
        await phone.close()


async def test_rc_f4_a_trash_withheld_from_an_owner_device_is_covered_by_the_share_boundary(
    hostile: HostileServer,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """Fixed: the share's cut covers the trash for tom, who joins there, and for nobody
    else. The phone holds every epoch, so it takes none of the cut's covers: the trash,
    a laptop counter below the cut's own, is reported withheld at every sync, and the
    owner-only codes of the two devices differ. Tom is told nothing (he is owed nothing
    from before his share)."""
    laptop = await signup("ana")
    phone = await login_through(
        hostile, "ana", tmp_path / "ana-phone-via-proxy", device_name="phone"
    )
    try:
        tom = await signup("tom")
        first = await laptop.entries.write(None, "one")
        await laptop.entries.write(None, "two")
        await laptop.sync(strict=True)
        await phone.sync(strict=True)
        journal = await journal_id(laptop, "Personal")
        before = set(record_ids(live_server, journal))
        await laptop.entries.delete(first.id)  # to the trash, on the laptop
        await laptop.sync(strict=True)
        trash = set(record_ids(live_server, journal)) - before
        assert len(trash) == 1
        withhold(hostile, trash)  # from the phone, for good

        await share_with(laptop, tom)  # its cut covers every counter the laptop holds
        await laptop.sync(strict=True)
        report = await phone.sync()
        await phone.entries.write(None, "three")
        await phone.sync()
        await laptop.sync(strict=True)
        again = await phone.sync()
        assert await bodies(laptop) == ["three", "two"]
        assert await bodies(phone) == ["one", "three", "two"]  # the server keeps the trash
        ana, device = laptop.profile.account_id, laptop.profile.device_id
        for said in (report, again):  # told at every sync, the trash's counter named
            assert [(g.journal_id, g.author, g.device, g.count()) for g in said.withheld] == [
                (journal, ana, device, 1)
            ]
        with pytest.raises(WithheldRecordsError):
            await phone.sync(strict=True)
        codes = {
            await phone.journals.verify_head("Personal", owner_only=True),
            await laptop.journals.verify_head("Personal", owner_only=True),
        }
        assert len(codes) == 2  # the out-of-band check shows it too
        assert not told(await tom.sync(strict=True))
        assert sorted(e.body for e in await tom.entries.list("ana/Personal")) == [
            "three",
            "two",
        ]
    finally:
        await phone.close()


async def test_rc_f4_an_owners_withdrawal_of_a_note_withheld_from_its_author_is_covered_by_a_share(
    hostile: HostileServer,
    through: Through,
    signup: ClientFactory,
    live_server: RunningServer,
) -> None:
    """Fixed: tom's membership held the epoch before bob's share, so tom's device takes
    none of that share's cut covers: the client's withdrawal of his note, kept from him, is
    reported withheld at every sync, and the pair codes of ana and tom differ. Bob, who
    joins at the cut, is told nothing."""
    ana = await signup("ana")
    bob = await signup("bob")
    tom = await through("tom")
    await ana.entries.write(None, "one")
    await ana.sync(strict=True)
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    note = await tom.notes.add("ana/Personal", "Try the breathing exercise.")
    await tom.sync(strict=True)
    await ana.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    before = set(record_ids(live_server, journal))
    await ana.notes.withdraw(note.id)  # the owner marks the therapist's note deleted
    await ana.sync(strict=True)
    withdrawal = set(record_ids(live_server, journal)) - before
    assert len(withdrawal) == 1
    withhold(hostile, withdrawal)  # from tom, for good

    await share_with(ana, bob)  # its cut covers every counter ana's device holds
    await ana.sync(strict=True)
    report = await tom.sync()
    await ana.entries.write(None, "two")  # the client goes on writing
    await ana.sync(strict=True)
    again = await tom.sync()
    assert [n.text for n in await ana.notes.list()] == []
    assert [n.text for n in await tom.notes.list()] == ["Try the breathing exercise."]
    owner, device = ana.profile.account_id, ana.profile.device_id
    for said in (report, again):  # told at every sync, the withdrawal's counter named
        assert [(g.journal_id, g.author, g.device, g.count()) for g in said.withheld] == [
            (journal, owner, device, 1)
        ]
    with pytest.raises(WithheldRecordsError):
        await tom.sync(strict=True)
    assert await ana.journals.verify_head(
        "Personal", with_member="tom"
    ) != await tom.journals.verify_head("ana/Personal")
    assert not told(await bob.sync(strict=True))


async def tom_writes_three_notes_and_the_server_drops_the_second(
    laptop: Client, tom: Client, live_server: RunningServer
) -> None:
    """ana's laptop shares Personal with tom (annotate); tom writes notes 1, 2 and 3 (each
    acknowledged); the server deletes note 2."""
    await laptop.entries.write(None, "one")
    await laptop.sync(strict=True)
    await share_with(laptop, tom, role="annotate")
    await tom.sync(strict=True)
    journal = await journal_id(laptop, "Personal")
    await tom.notes.add("ana/Personal", "note 1")
    await tom.sync(strict=True)
    before = set(record_ids(live_server, journal))
    await tom.notes.add("ana/Personal", "note 2")
    await tom.sync(strict=True)
    dropped = set(record_ids(live_server, journal)) - before
    assert len(dropped) == 1
    await tom.notes.add("ana/Personal", "note 3")
    await tom.sync(strict=True)
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute("DELETE FROM records WHERE record_id = ?", (dropped.pop(),))


async def test_rc_f5_a_faked_erasure_is_laundered_by_the_next_share_into_a_signed_cover(
    erasing: HostileServer,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """Fixed: the server's "no such account" for tom, a current member that the laptop's
    verified chain names (and whose share the server still serves), excuses nothing: the
    laptop reports note 2 withheld, and its next share's boundary covers nothing of it, so
    the owner's phone reports it too."""
    phone = await signup("ana", "phone")  # talks to the real server: knows tom exists
    bob = await signup("bob")
    tom = await signup("tom")
    laptop = await Client.login(
        erasing.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-laptop-via-proxy",
        device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await tom_writes_three_notes_and_the_server_drops_the_second(laptop, tom, live_server)

        GONE.add(tom.profile.account_id)  # tom is a current member, whom the laptop pinned
        lied = await laptop.sync()
        assert lied.erased == []  # the lie is not believed for a current member
        assert [(g.author, g.missing) for g in lied.withheld] == [
            (tom.profile.account_id, ((2, 2),))
        ]
        assert [j.name for j in await laptop.journals.list()] == ["Personal"]
        assert await laptop.shares.list() != []  # tom was not dropped on the server's word

        await share_with(laptop, bob)  # its boundary covers nothing of tom's counter 2
        await laptop.sync()
        on_phone = await phone.sync()
        assert sorted(n.text for n in await phone.notes.list()) == ["note 1", "note 3"]
        assert [(g.author, g.missing) for g in on_phone.withheld] == [
            (tom.profile.account_id, ((2, 2),))
        ]
        assert (await laptop.sync()).withheld == lied.withheld  # at every sync, not once
    finally:
        await laptop.close()


async def test_rc_f5_a_former_members_erasure_stays_local_and_no_share_signs_it(
    erasing: HostileServer,
    signup: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """Counters excused by an erasure are this device's own business: told once, excused in
    its withholding check, never part of what it signs. tom's share ended (revoked); the
    server then says, to the laptop alone, that his account is gone: the laptop tells it
    once and excuses note 2; its next share's boundary does not cover it, so the phone (which
    gets the real answer) still reports note 2 withheld."""
    phone = await signup("ana", "phone")
    bob = await signup("bob")
    tom = await signup("tom")
    laptop = await Client.login(
        erasing.url,
        "ana",
        PASSWORD,
        home=tmp_path / "ana-laptop-via-proxy",
        device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await tom_writes_three_notes_and_the_server_drops_the_second(laptop, tom, live_server)
        await laptop.shares.revoke("Personal", "tom")  # a former member from now on

        GONE.add(tom.profile.account_id)
        lied = await laptop.sync()
        assert [(g.author, g.missing) for g in lied.erased] == [(tom.profile.account_id, ((2, 2),))]
        assert lied.withheld == []
        assert (await laptop.sync(strict=True)).erased == []  # told once

        await share_with(laptop, bob)  # its boundary: what the laptop received, not excused
        await laptop.sync(strict=True)
        assert (await laptop.sync(strict=True)).erased == []  # still excused here
        on_phone = await phone.sync()
        assert [(g.author, g.missing) for g in on_phone.withheld] == [
            (tom.profile.account_id, ((2, 2),))
        ]
    finally:
        await laptop.close()
