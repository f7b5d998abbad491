"""A hostile server withholds records: it drops one, drops the newest of a device, freezes
one device's view, or lets a member forge coverage. Every case is reported by the SDK
(SyncReport.withheld, WithheldRecordsError with strict=True), against a real server whose
database the test edits between steps, or through a loopback proxy that rewrites sync replies.
And no false alarm: compaction, a device that joins late, sharing with a therapist."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from client_sdk import (
    INSECURE_TEST_COST,
    Client,
    WithheldRecordsError,
    crypto,
    departures,
    records,
    wire,
)
from client_sdk import sync as sync_plan
from client_sdk.withholding import Cover, Gap
from tests.client.hostile import HostileServer, serving
from tests.client.sharing_support import rows, server_db, share_with
from tests.client.stubbed_drops import StubbedDrops
from tests.conftest import PASSWORD, ClientFactory, RunningServer

GONE: set[bytes] = set()
"""Accounts the hostile server claims do not exist (404 from identity-by-id)."""


@pytest.fixture
async def hostile(live_server: RunningServer) -> AsyncIterator[HostileServer]:
    GONE.clear()
    async with serving(HostileServer(live_server.url), GONE) as proxy:
        yield proxy


def journal_seqs(live_server: RunningServer, journal_id: bytes) -> list[int]:
    return [
        seq
        for (seq,) in rows(
            server_db(live_server),
            "SELECT seq FROM records WHERE journal_id = ? ORDER BY seq",
            journal_id,
        )
    ]


def drop_record(live_server: RunningServer, seq: int) -> None:
    """What a hostile server (or one restored from a bad backup) does: one record vanishes."""
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        assert db.execute("DELETE FROM records WHERE seq = ?", (seq,)).rowcount == 1


async def personal(client: Client) -> bytes:
    return bytes.fromhex((await client.journals.get("Personal")).id)


async def write_each_synced(client: Client, texts: list[str]) -> None:
    """One entry per text, synced one by one, so that server order is counter order."""
    for text in texts:
        await client.entries.write(None, text)
        await client.sync(strict=True)


def gap_of(client: Client, journal_id: bytes, missing: tuple[tuple[int, int], ...]) -> Gap:
    return Gap(
        journal_id,
        client.profile.account_id,
        client.profile.device_id,
        missing,
        b"",
    )


def without_claimant(gaps: list[Gap]) -> list[Gap]:
    return [dataclasses.replace(gap, claimed_by=b"") for gap in gaps]


# --- dropping records ------------------------------------------------------------------------


async def test_a_dropped_record_is_reported_with_its_journal_device_and_counter(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    await write_each_synced(laptop, ["one", "two", "three"])
    journal = await personal(laptop)
    drop_record(live_server, journal_seqs(live_server, journal)[1])

    phone = await login("ana")
    report = await phone.sync()
    assert report.withheld == [gap_of(laptop, journal, ((2, 2),))]
    assert report.to_dict()["withheld"] == [
        {
            "journal_id": journal.hex(),
            "author": laptop.profile.account_id.hex(),
            "device": laptop.profile.device_id.hex(),
            "missing": [[2, 2]],
            "claimed_by": "",
        }
    ]
    with pytest.raises(WithheldRecordsError, match="1 record") as raised:
        await phone.sync(strict=True)
    assert raised.value.report.withheld == report.withheld  # type: ignore[attr-defined]
    assert (await laptop.sync()).withheld == []  # the writer holds its records: no alarm there


async def test_a_record_dropped_after_clean_syncs_is_reported_by_the_next_sync(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The check is skipped while the store is unchanged since a clean one (issue 10): what
    the server sends next changes the store, so a gap it opens is still seen."""
    laptop = await signup("ana")
    phone = await login("ana")
    await write_each_synced(laptop, ["one"])
    for _ in range(3):
        assert (await phone.sync()).withheld == []
    await write_each_synced(laptop, ["two", "three"])
    journal = await personal(laptop)
    drop_record(live_server, journal_seqs(live_server, journal)[1])
    report = await phone.sync()
    assert report.pulled == 1
    assert report.withheld == [gap_of(laptop, journal, ((2, 2),))]
    assert (await phone.sync()).withheld == report.withheld  # reported again, not cached away


async def test_dropping_the_newest_record_of_a_device_is_reported_from_another_devices_claim(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    await write_each_synced(laptop, ["one", "two"])
    phone = await login("ana")
    await phone.sync(strict=True)
    await phone.entries.write(None, "written after seeing both")  # its seen vector: laptop 2
    await phone.sync(strict=True)
    journal = await personal(laptop)
    laptop_seqs = journal_seqs(live_server, journal)[:2]
    drop_record(live_server, laptop_seqs[1])  # nothing of the laptop's comes after it

    desktop = await login("ana", device="desktop")
    report = await desktop.sync()
    assert without_claimant(report.withheld) == [gap_of(laptop, journal, ((2, 2),))]
    assert report.withheld[0].claimed_by == phone.profile.account_id + phone.profile.device_id


async def test_a_record_dropped_right_after_its_push_is_noticed_by_its_own_writer(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    await signup("ana")
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        journal = await personal(phone)

        dropped: set[int] = set()

        def drop_after_acknowledging(request: bytes, reply: bytes) -> bytes:
            dropped.update(a.seq for a in wire.decode(wire.PushReply, reply).accepted)
            return reply

        def serve_without_dropped(request: bytes, reply: bytes) -> bytes:
            real = wire.decode(wire.SyncReply, reply)
            pages = [
                dataclasses.replace(page, records=[r for r in page.records if r.seq not in dropped])
                for page in real.pages
            ]
            return wire.encode(dataclasses.replace(real, pages=pages))

        hostile.replies["/v1/records/push"] = drop_after_acknowledging
        hostile.replies["/v1/sync"] = serve_without_dropped
        await phone.entries.write(None, "acknowledged, then dropped")
        report = await phone.sync()
        assert report.pushed == 1
        assert without_claimant(report.withheld) == [gap_of(phone, journal, ((1, 1),))]
    finally:
        await phone.close()


# --- a frozen view ---------------------------------------------------------------------------


def freeze(heads: dict[bytes, int], done: bool = True) -> object:
    """A /v1/sync rewrite that shows the journals in `heads` as they were at that head
    (and says the pull is `done`, or never does)."""

    def rewrite(request: bytes, reply: bytes) -> bytes:
        asked = {c.journal_id: c.after for c in wire.decode(wire.SyncRequest, request).cursors}
        real = wire.decode(wire.SyncReply, reply)
        pages = []
        for page in real.pages:
            head = heads.get(page.journal_id)
            if head is None:
                pages.append(page)
                continue
            kept = [r for r in page.records if r.seq <= head]
            cursor = kept[-1].seq if kept else asked.get(page.journal_id, 0)
            pages.append(
                dataclasses.replace(page, records=kept, cursor=cursor, head=min(head, page.head))
            )
        return wire.encode(dataclasses.replace(real, pages=pages, done=done))

    return rewrite


@pytest.mark.parametrize("done", [True, False], ids=["says done", "never says done"])
async def test_a_frozen_view_is_reported_once_the_frozen_device_writes(
    done: bool,
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    tmp_path: Path,
) -> None:
    laptop = await signup("ana")
    await write_each_synced(laptop, ["before the freeze"])
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        assert (await phone.sync(strict=True)).pulled == 1
        journal = await personal(phone)
        hostile.replies["/v1/sync"] = freeze(  # type: ignore[assignment]
            {journal: journal_seqs(live_server, journal)[-1]}, done
        )
        await write_each_synced(laptop, ["the phone never sees this"])
        quiet = await phone.sync()
        assert quiet.pulled == 0 and quiet.withheld == []  # a reader alone cannot tell

        await phone.entries.write(None, "the phone writes")
        report = await phone.sync()
        assert without_claimant(report.withheld) == [gap_of(phone, journal, ((1, 1),))]
        assert report.withheld[0].claimed_by == phone.profile.account_id + phone.profile.device_id
        with pytest.raises(WithheldRecordsError):
            await phone.sync(strict=True)
    finally:
        await phone.close()


@pytest.mark.xfail(
    strict=True,
    reason="known limit (protocol.md 4.18 'What it cannot detect', rev32a F3 (2)): a one-way "
    "freeze that keeps echoing the device its own records is a fork no counter shows",
)
async def test_a_view_frozen_but_for_the_devices_own_records_is_not_detected(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """As the frozen view above, but the server keeps serving the phone its own records (the
    stubs its pulls ask for, `skip_own`) and leaves out only the laptop's later ones: the
    phone writes, its records come back, and nothing says its view is frozen."""
    laptop = await signup("ana")
    await write_each_synced(laptop, ["before the freeze"])
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await phone.sync(strict=True)
        journal = await personal(phone)
        frozen = journal_seqs(live_server, journal)[-1]

        def freeze_but_own(request: bytes, reply: bytes) -> bytes:
            real = wire.decode(wire.SyncReply, reply)
            pages = [
                dataclasses.replace(
                    page,
                    records=[r for r in page.records if r.seq <= frozen or not r.ciphertext],
                )
                if page.journal_id == journal
                else page
                for page in real.pages
            ]
            return wire.encode(dataclasses.replace(real, pages=pages))

        hostile.replies["/v1/sync"] = freeze_but_own
        await write_each_synced(laptop, ["the phone never sees this"])
        await phone.entries.write(None, "the phone writes")
        report = await phone.sync()
        again = await phone.sync()
        assert report.withheld or again.withheld, "the freeze is noticed"
    finally:
        await phone.close()


async def phone_through(hostile: HostileServer, tmp_path: Path) -> Client:
    return await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )


def drop_pushes_with_stubs(hostile: HostileServer, live_server: RunningServer) -> StubbedDrops:
    """Every record the device pushes from now on is acknowledged, then dropped, and served to
    it as a stub in its place."""
    drops = StubbedDrops(live_server)

    def drop_after_acknowledging(request: bytes, reply: bytes) -> bytes:
        drops.drop(r.record_id for r in wire.decode(wire.PushRequest, request).records)
        return reply

    hostile.replies["/v1/records/push"] = drop_after_acknowledging
    hostile.replies["/v1/sync"] = drops.reply
    return drops


async def test_a_deletion_dropped_and_stubbed_to_its_writer_is_noticed_there(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """The phone deletes an entry; the server acknowledges the record, drops it and serves the
    phone a stub in its place (rev32a F3 (1)): the laptop would keep the words the client
    deleted, and nothing there says a record of the phone exists. A record that removes its
    document comes back to its writer only as its bytes: the phone's next pull asks its
    journal whole, and reports its own record withheld."""
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "I want this gone.")
    await laptop.sync(strict=True)
    phone = await phone_through(hostile, tmp_path)
    try:
        await phone.sync(strict=True)
        journal = await personal(phone)
        drops = drop_pushes_with_stubs(hostile, live_server)
        await phone.entries.delete(entry.id)
        before = len(hostile.bodies("/v1/sync"))
        report = await phone.sync()
        assert report.pushed == 1 and drops.dropped
        assert without_claimant(report.withheld) == [gap_of(phone, journal, ((1, 1),))]
        middle = len(hostile.bodies("/v1/sync"))
        with pytest.raises(WithheldRecordsError):
            await phone.sync(strict=True)
        asked = [wire.decode(wire.SyncRequest, b).skip_own for b in hostile.bodies("/v1/sync")]
        # Asked whole at every sync until its bytes come back: a pull that passed it (a stub
        # of it) never drops it from the list (rev32c F1).
        assert asked[before:middle] == [False] and asked[middle:] == [False]
        assert await phone.store.own_removals() != {}
    finally:
        await phone.close()


async def test_a_deletion_served_back_whole_is_no_alarm(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "I want this gone.")
    await laptop.sync(strict=True)
    await laptop.entries.delete(entry.id)
    assert await laptop.store.own_removals() != {}
    assert (await laptop.sync(strict=True)).withheld == []
    assert await laptop.store.own_removals() == {}
    phone = await login("ana")
    await phone.sync(strict=True)
    assert await phone.entries.list(None) == []


async def test_a_record_dropped_and_stubbed_to_its_writer_is_noticed_only_at_its_next_record(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """The phone writes an entry; the server acknowledges the record, drops it and serves the
    phone a stub in its place (rev32a F3). A stub is the server's word: the phone cannot
    tell (protocol.md 4.18 "What it cannot detect"), and the laptop sees nothing missing
    until the phone signs a later record in the journal: then it reports the phone's dropped
    counter withheld."""
    laptop = await signup("ana")
    await laptop.sync(strict=True)
    phone = await phone_through(hostile, tmp_path)
    try:
        await phone.sync(strict=True)
        journal = await personal(phone)
        drops = drop_pushes_with_stubs(hostile, live_server)
        await phone.entries.write(None, "acknowledged, dropped, stubbed")
        assert (await phone.sync()).pushed == 1
        assert drops.dropped
        assert (await laptop.sync(strict=True)).withheld == []  # nothing says it exists yet

        del hostile.replies["/v1/records/push"]
        await phone.entries.write(None, "a later record of the phone")
        await phone.sync()
        report = await laptop.sync()
        assert without_claimant(report.withheld) == [gap_of(phone, journal, ((1, 1),))]
    finally:
        await phone.close()


async def test_one_record_hidden_from_one_device_is_reported_there(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    await write_each_synced(laptop, ["one", "two", "three"])
    journal = await personal(laptop)
    hidden = journal_seqs(live_server, journal)[1]

    def hide(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq != hidden])
            for page in real.pages
        ]
        return wire.encode(dataclasses.replace(real, pages=pages))

    hostile.replies["/v1/sync"] = hide
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        report = await phone.sync()
        assert report.withheld == [gap_of(laptop, journal, ((2, 2),))]
    finally:
        await phone.close()


# --- snapshots and their coverage ------------------------------------------------------------


async def test_records_a_snapshot_covers_are_no_alarm_but_a_dropped_snapshot_is(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    laptop.replica.compact_after = 3
    entry = await laptop.entries.write(None, "first")
    for word in ("second", "third"):
        await laptop.entries.edit(entry.id, append=f" {word}")
    report = await laptop.sync(strict=True)
    assert report.compacted == 1
    journal = await personal(laptop)
    assert len(journal_seqs(live_server, journal)) == 1  # only the snapshot is left
    await laptop.entries.edit(entry.id, append=" fourth")
    await laptop.sync(strict=True)

    phone = await login("ana")
    assert (await phone.sync(strict=True)).withheld == []  # 1-3 covered by the snapshot (4)
    assert (await phone.entries.get(entry.id)).body == "first second third fourth"

    drop_record(live_server, journal_seqs(live_server, journal)[0])  # the snapshot
    desktop = await login("ana", device="desktop")
    report = await desktop.sync()
    assert report.withheld == [gap_of(laptop, journal, ((1, 4),))]


async def test_a_snapshot_dropped_after_compaction_and_stubbed_to_its_writer_is_noticed_there(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    tmp_path: Path,
) -> None:
    """The server stores the snapshot, deletes the updates it supersedes, then drops the
    snapshot too and serves the laptop a stub in its place, as it serves its own records to a
    pull that asks `skip_own` (rev32a F3): an honest server never sends a snapshot stored by
    compaction as a stub, so the laptop counts it as come back only from its bytes, and reports
    its own snapshot withheld at its next sync; without a later record of the laptop, no other
    device can (a new device sees an empty journal)."""
    await signup("ana")
    laptop = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "laptop-via-proxy",
        device_name="laptop",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        laptop.replica.compact_after = 3
        journal = await personal(laptop)
        drops = StubbedDrops(live_server)

        def drop_snapshot(request: bytes, reply: bytes) -> bytes:
            drops.drop([wire.decode(wire.CompactRequest, request).snapshot.record_id])
            return reply

        hostile.replies["/v1/records/compact"] = drop_snapshot
        hostile.replies["/v1/sync"] = drops.reply
        entry = await laptop.entries.write(None, "first")
        for word in ("second", "third"):
            await laptop.entries.edit(entry.id, append=f" {word}")
        assert (await laptop.sync()).compacted == 1
        assert journal_seqs(live_server, journal) == [], "the updates and the snapshot are gone"

        report = await laptop.sync()
        assert without_claimant(report.withheld) == [gap_of(laptop, journal, ((4, 4),))]
        with pytest.raises(WithheldRecordsError):
            await laptop.sync(strict=True)
        # Still listed: a pull that passed it (a stub of it) never drops it (rev32c F1).
        assert await laptop.store.setting(sync_plan.OWN_SNAPSHOTS) is not None
    finally:
        await laptop.close()


async def test_a_snapshot_served_back_whole_is_no_alarm_and_asked_for_once(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    laptop.replica.compact_after = 3
    entry = await laptop.entries.write(None, "first")
    for word in ("second", "third"):
        await laptop.entries.edit(entry.id, append=f" {word}")
    assert (await laptop.sync(strict=True)).compacted == 1
    assert await laptop.store.setting(sync_plan.OWN_SNAPSHOTS) is not None
    assert (await laptop.sync(strict=True)).withheld == []
    assert await laptop.store.setting(sync_plan.OWN_SNAPSHOTS) is None
    assert (await laptop.entries.get(entry.id)).body == "first second third"


async def test_coverage_forged_by_a_member_is_refused_and_the_hidden_record_reported(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    tom = await signup("tom")
    await write_each_synced(laptop, ["one", "two", "three"])
    await share_with(laptop, tom, role="annotate")
    await tom.sync(strict=True)
    journal = await personal(laptop)
    # Written after the share (what came before it, its snapshots account for).
    await write_each_synced(laptop, ["four", "five"])
    hidden_seq = journal_seqs(live_server, journal)[-2]  # "four"
    [(hidden_id, hidden_epoch, hidden_ciphertext)] = rows(
        server_db(live_server),
        "SELECT record_id, epoch, ciphertext FROM records WHERE seq = ?",
        hidden_seq,
    )
    own = await laptop.context.local_journal("Personal")
    hidden = records.open_record(
        await laptop.replica.journal_key(own, hidden_epoch),
        journal,
        bytes(hidden_id),
        hidden_epoch,
        bytes(hidden_ciphertext),
        lambda _: laptop.profile.secrets.sign_public_key,
    )
    local = await tom.context.local_journal(journal.hex())
    key = await tom.replica.journal_key(local, local.epoch)
    forged = records.RecordBody(
        author=tom.profile.account_id,
        device=tom.profile.device_id,
        counter=1,
        doc_id=crypto.random_bytes(16),
        doc_kind="note",
        kind=records.UPDATE,
        payload=b"",
        written_at=1,
        covers=(
            Cover(
                laptop.profile.account_id,
                laptop.profile.device_id,
                ((hidden.counter, hidden.counter),),
            ),
        ),
    )
    record_id = crypto.random_bytes(16)
    ciphertext = records.seal_record(
        key, journal, record_id, local.epoch, forged, tom.profile.secrets.signing_key
    )
    upload = wire.RecordUpload(record_id, local.epoch, ciphertext)
    await tom.transport.call(
        "/v1/records/push", wire.PushRequest(journal, [upload]), wire.PushReply
    )
    drop_record(live_server, hidden_seq)

    phone = await login("ana")
    report = await phone.sync()
    assert any(record_id.hex() in p and "forged coverage" in p for p in report.problems)
    assert report.withheld == [gap_of(laptop, journal, ((hidden.counter, hidden.counter),))]


# --- no false alarms -------------------------------------------------------------------------


async def test_sharing_with_a_therapist_who_annotates_raises_no_alarm(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    tom = await signup("tom")
    await write_each_synced(laptop, ["before the share"])
    await share_with(laptop, tom, role="annotate")
    await tom.sync(strict=True)
    journal = (await laptop.journals.get("Personal")).id
    await tom.notes.add(journal, "Try the breathing exercise")
    await tom.sync(strict=True)
    await laptop.sync(strict=True)
    await write_each_synced(laptop, ["after the note"])
    await tom.sync(strict=True)
    await tom.notes.add(journal, "Well done")
    await tom.sync(strict=True)
    await laptop.shares.revoke("Personal", "tom")
    await write_each_synced(laptop, ["after the share ended"])
    phone = await login("ana")
    await phone.sync(strict=True)
    await phone.entries.write(None, "from the phone")
    await phone.sync(strict=True)
    assert (await laptop.sync(strict=True)).withheld == []
    assert len(await phone.notes.list()) == 2


async def test_a_record_set_aside_for_good_is_voided_so_no_device_reports_it(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    for n in range(3):
        await laptop.entries.write(None, f"Entry {n}.")
    [_, clash, _] = await laptop.store.outbox()
    squatter = wire.RecordUpload(clash.record_id, clash.epoch, bytes(64))  # refused for good
    await laptop.transport.call(
        "/v1/records/push", wire.PushRequest(clash.journal_id, [squatter]), wire.PushReply
    )
    report = await laptop.sync(strict=True)
    assert [r.code for r in report.set_aside] == ["record_conflict"]
    assert report.pushed == 2  # the void record that says counter 2 is withdrawn is not a change
    assert len(journal_seqs(live_server, clash.journal_id)) == 4  # squatter, 1, 3, void (4)

    phone = await login("ana")
    seen = await phone.sync(strict=True)  # counter 2 is covered by the void record: no alarm
    assert len(seen.problems) == 1  # the squatter's garbage, reported as such
    await laptop.entries.write(None, "Later.")
    await laptop.sync(strict=True)
    assert (await phone.sync(strict=True)).withheld == []
    assert len(await phone.entries.list()) == 3


# --- erased authors --------------------------------------------------------------------------


async def annotated_then_claimed(signup: ClientFactory) -> tuple[Client, Client, bytes]:
    """tom (annotate) writes two notes in ana's journal; ana's laptop, having seen them,
    writes again (its seen vector names tom's device)."""
    laptop = await signup("ana")
    tom = await signup("tom")
    await share_with(laptop, tom, role="annotate")
    await tom.sync(strict=True)
    journal = (await laptop.journals.get("Personal")).id
    await tom.notes.add(journal, "Try the breathing exercise")
    await tom.notes.add(journal, "Sleep diary this week")
    await tom.sync(strict=True)
    await laptop.sync(strict=True)
    await write_each_synced(laptop, ["after the notes"])
    return laptop, tom, bytes.fromhex(journal)


async def test_notes_of_an_erased_therapist_are_reported_once_as_erased_not_withheld(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop, tom, journal = await annotated_then_claimed(signup)
    tom_key = (tom.profile.account_id, tom.profile.device_id)
    await tom.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    phone = await login("ana")
    report = await phone.sync(strict=True)  # not raised: the account is gone, not withheld
    assert [(g.journal_id, g.author, g.device, g.missing) for g in report.erased] == [
        (journal, *tom_key, ((1, 2),))
    ]
    again = await phone.sync(strict=True)
    assert (again.erased, again.withheld) == ([], [])  # reported once
    assert (await laptop.sync(strict=True)).erased == []  # the laptop holds the notes


async def test_an_erased_members_notes_are_excused_after_it_is_off_the_chain_and_kept_apart(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """An honest erasure of a current member (rev-complete F5): the owner's device first
    takes the member the server no longer serves off the chain (a signed removal, told once
    as a departure), then excuses the gaps, told once as erased; the excused counters are
    kept apart from what the device received (never signed by it afterwards)."""
    laptop, tom, journal = await annotated_then_claimed(signup)
    tom_key = (tom.profile.account_id, tom.profile.device_id)
    await tom.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)

    phone = await login("ana")
    report = await phone.sync(strict=True)
    assert [(g.journal_id, g.author, g.device, g.missing) for g in report.erased] == [
        (journal, *tom_key, ((1, 2),))
    ]
    assert [(d.member, d.reason) for d in report.departures] == [("tom", departures.ERASED)]
    state = phone.replica.chains.state(journal)
    assert state is not None and state.member_by_account(tom.profile.account_id) is None
    again = await phone.sync(strict=True)
    assert (again.erased, again.withheld, again.departures) == ([], [], [])  # told once
    received = (await phone.store.device_counters())[journal]
    assert tom_key not in received or received[tom_key].received == []  # kept apart
    assert (await phone.store.excused_counters())[journal] == {tom_key: [(1, 2)]}


async def test_a_faked_erasure_is_reported_not_silent(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    laptop, tom, journal = await annotated_then_claimed(signup)
    tom_id = tom.profile.account_id
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute("DELETE FROM records WHERE pushed_by = ?", (tom_id,))  # tom still exists

    GONE.add(tom_id)
    phone = await Client.login(
        hostile.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        report = await phone.sync()
        # tom is a current member by the owner-signed chain (and the server still serves his
        # share): its "no such account" excuses nothing, the notes are withheld (rev-complete
        # F5; before, the lie was believed and told once as an erasure)
        assert report.erased == [] and [g.author for g in report.withheld] == [tom_id]
        assert report.withheld[0].missing == ((1, 2),)
    finally:
        await phone.close()
    desktop = await Client.login(
        live_server.url,
        "ana",
        PASSWORD,
        home=tmp_path / "desktop",
        device_name="desktop",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        honest = await desktop.sync()  # the real server knows tom: his notes are withheld
        assert [(g.author, g.missing) for g in honest.withheld] == [(tom_id, ((1, 2),))]
    finally:
        await desktop.close()


async def test_a_record_under_this_devices_id_that_it_did_not_write_is_refused(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A server handing two devices one id would let it pass one device's record for the
    other's and hide either; the device whose id is reused notices."""
    laptop = await signup("ana")
    phone = await login("ana")
    journal = await personal(laptop)
    local = await laptop.context.local_journal(journal.hex())
    key = await laptop.replica.journal_key(local, local.epoch)
    body = records.RecordBody(
        author=laptop.profile.account_id,
        device=phone.profile.device_id,  # as if the laptop had been given the phone's id
        counter=1,
        doc_id=crypto.random_bytes(16),
        doc_kind="entry",
        kind=records.UPDATE,
        payload=b"",
        written_at=1,
    )
    record_id = crypto.random_bytes(16)
    sealed = records.seal_record(
        key, journal, record_id, local.epoch, body, laptop.profile.secrets.signing_key
    )
    await laptop.transport.call(
        "/v1/records/push",
        wire.PushRequest(journal, [wire.RecordUpload(record_id, local.epoch, sealed)]),
        wire.PushReply,
    )
    report = await phone.sync()
    assert any(record_id.hex() in p and "same id" in p for p in report.problems)
