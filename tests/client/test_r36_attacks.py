"""Review r36: attacks on D1 (device ids chosen by the device, `used_device_ids`) and on its
R34 F3 settlement (a `record_conflict` on an own resealed record counts as delivered when the
pull serves this device's own signed body under its id).

Each test states what a hostile server (the loopback proxy of tests/client/hostile.py, plus
direct edits of the real server's database) does and what no device may then believe."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import sqlite3
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, wire
from client_sdk.errors import NotFound, TJError
from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import share_with
from tests.client.test_r34_attacks import reply_lost
from tests.client.test_withholding import drop_record, journal_seqs, personal, write_each_synced
from tests.conftest import PASSWORD, ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")

PUSH = "/v1/records/push"


@pytest.mark.xfail(
    strict=True,
    reason="R36 F1 (known limit, protocol.md 4.18 'What it cannot detect'): a home restored "
    "from a backup or copied keeps its device id and counts on from the backup's counters; "
    "telling the two apart needs a protocol change (a per-device signed hash chain), not done",
)
async def test_a_restored_backup_of_a_home_lets_the_server_swap_records_under_its_one_id(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """protocol.md 2.3 and 4.18 (as D1 wrote them): "no `(device, counter)` is ever signed
    twice by the owner's devices", and readers rely on it (`_refuse_reused_counters` skips
    the owner). A home restored from a backup (a disk restore, a copied home directory)
    keeps its profile, so its id, and counts on from the counters the backup held: it signs
    counters its id already signed after the backup. The server hides from the restored
    home the records its id signed after the backup (so it never sees its id in a record it
    did not write), hides from the laptop the restored home's new records under the reused
    counters, and serves the next one: every device holds an unbroken run of counters, and
    two entries of the restored home are gone from the laptop with no device saying a
    thing."""
    laptop = await signup("rxana")
    phone = await login("rxana")
    journal = await personal(phone)
    await write_each_synced(phone, ["p1", "p2", "p3"])
    await laptop.sync(strict=True)
    home = phone.home
    await phone.close()
    backup = tmp_path / "phone-backup"
    shutil.copytree(home, backup)  # the user's nightly backup of the phone's home

    phone = await Client.open(home)
    before = journal_seqs(live_server, journal)
    await write_each_synced(phone, ["p4", "p5"])
    originals = journal_seqs(live_server, journal)[len(before) :]
    await laptop.sync(strict=True)  # the laptop holds the phone's counters 1..5
    await phone.close()
    shutil.rmtree(home)
    shutil.copytree(backup, home)  # the phone's disk is restored from that backup
    for seq in originals:  # never shown to the restored home
        drop_record(live_server, seq)

    phone = await Client.open(home)
    try:
        before = journal_seqs(live_server, journal)
        await write_each_synced(phone, ["restored 4", "restored 5"])  # counters 4, 5 again
        reused = journal_seqs(live_server, journal)[len(before) :]
        assert len(reused) == 2
        for seq in reused:  # acknowledged and echoed to their writer; then hidden
            drop_record(live_server, seq)
        await phone.entries.write(None, "restored 6")
        phone_report = await phone.sync()
        laptop_report = await laptop.sync()
        bodies = {e.body for e in await laptop.entries.list()}
        assert "restored 6" in bodies and not {"restored 4", "restored 5"} & bodies
        noticed = (
            phone_report.withheld
            or phone_report.problems
            or laptop_report.withheld
            or laptop_report.problems
        )
        assert noticed, "two entries of the restored home vanished and no device noticed"
    finally:
        await phone.close()


async def test_a_change_held_behind_a_conflict_settled_as_delivered_raises_no_false_alarm(
    signup: ClientFactory,
    login: ClientFactory,
    through: Through,
    hostile: HostileServer,
) -> None:
    """The F3 settlement holds the later changes of a document whose change got
    `record_conflict` in the outbox, unpushed, until the pull settles it. When the pull
    shows it delivered, those later changes stay in the outbox until the next sync, while the
    records written after them (other documents) were pushed: the writer itself (its own
    acknowledged counter c+2 is above the missing c+1) and every reader that syncs
    meanwhile hold counters c and c+2 of the device but not c+1, and report the server
    withholding a record that no server withheld (nothing says it is waiting; the writer
    may stay offline for days). Before D1 the conflict set both changes aside and voided
    their counters in the same sync: no alarm. The writer learns the new epoch before
    its sync (here from a share listing; a live notice of the chain does the same), so
    it seals its outbox again before pushing, and the push, not the pull, meets the
    server's copy."""
    ana = await through("rxbea")
    tom = await signup("rxtom")
    await share_with(ana, tom)
    await ana.sync(strict=True)
    laptop = await login("rxbea")
    await laptop.sync(strict=True)
    entry = await ana.entries.write("Personal", "stored, the reply lost")
    hostile.replies[PUSH] = reply_lost
    with pytest.raises(TJError):
        await ana.sync()
    del hostile.replies[PUSH]
    await ana.entries.edit(entry.id, append="an edit made offline")  # counter c + 1
    await ana.entries.write("Personal", "another entry")  # counter c + 2
    await laptop.shares.revoke("Personal", "rxtom")  # a new key epoch: the outbox is resealed
    await ana.shares.list()  # ana learns of it (a journal refresh, no records pulled), so
    # her next sync seals the outbox again before pushing: the push gets `record_conflict`
    pushes = len(hostile.bodies(PUSH))
    report = await ana.sync()
    assert len(hostile.bodies(PUSH)) > pushes  # resealed and pushed: the conflict path ran
    assert report.set_aside == []  # the F3 settlement: delivered, nothing set aside
    laptop_report = await laptop.sync()
    assert "another entry" in {e.body for e in await laptop.entries.list()}
    assert (report.withheld, laptop_report.withheld) == ([], []), (
        "a change the writer merely has not pushed yet is reported as withheld by the "
        "server, by the writer itself and by the laptop"
    )


async def test_a_push_stored_with_its_reply_lost_before_a_login_again_is_not_set_aside(
    signup: ClientFactory,
    login: ClientFactory,
    through: Through,
    hostile: HostileServer,
) -> None:
    """R34 F3 as D1 settles it, when the session ends between the lost reply and the next
    sync: the phone's entry reached the server (reply lost), then the phone was signed out
    from the laptop (which also ended a share: a new key epoch) and signed in again on the
    same home, under a new id of its own. The outbox record is the home's own, signed under
    its earlier id; sealed again, its push gets `record_conflict`, and the pull serves
    exactly its body, but the settlement accepts only the current id: the entry is set
    aside as "not delivered" and its counter withdrawn, although every reader has it."""
    ana = await through("rxcia")
    tom = await signup("rxtim")
    await share_with(ana, tom)
    await ana.sync(strict=True)
    laptop = await login("rxcia")
    await laptop.sync(strict=True)
    await ana.entries.write("Personal", "stored, the reply lost, then signed out")
    hostile.replies[PUSH] = reply_lost
    with pytest.raises(TJError):
        await ana.sync()
    del hostile.replies[PUSH]
    await laptop.devices.revoke(ana.profile.device_id.hex())
    await laptop.shares.revoke("Personal", "rxtim")
    home = ana.home
    await ana.close()
    ana = await Client.login(
        hostile.url, "rxcia", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
    )
    try:
        report = await ana.sync()
        await laptop.sync()
        assert "stored, the reply lost, then signed out" in {
            e.body for e in await laptop.entries.list()
        }
        assert report.set_aside == [] and await ana.set_aside() == [], (
            "an entry every reader has is set aside as not delivered"
        )
    finally:
        await ana.close()


async def test_a_therapist_who_forgot_a_copy_and_is_shared_again_never_reuses_a_counter(
    signup: ClientFactory,
) -> None:
    """Counters are per (journal, device id) and "no `(device, counter)` is ever signed
    twice" (protocol.md 4.18). `tj forget` (Replica.forget_copy) deletes every row of the
    journal, `device_write_counters` too, yet keeps the device and its id: when the client
    shares the journal again, the therapist's device numbers its notes there from 1 again,
    counters it already signed in the first share. The client's devices hold those and
    refuse the new notes as reused counters: the therapist's note never reaches the
    client, and a problem is reported on every sync of hers. (A server that chooses which
    of the two records under one counter a reader sees first decides which note is kept.)"""
    ana, tom = await signup("rxdana"), await signup("rxdtom")
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    await tom.notes.add("rxdana/Personal", "first share's note")
    await tom.sync(strict=True)
    await ana.sync(strict=True)
    await ana.shares.revoke("Personal", "rxdtom")
    await tom.sync()
    assert await tom.shares.forget("rxdana/Personal", unlisted=True) is True
    await ana.shares.grant(
        "Personal", "rxdtom", role="annotate", full=True, trust_on_first_use=True
    )
    await ana.sync(strict=True)
    await tom.sync()
    await tom.notes.add("rxdana/Personal", "second share's note")
    await tom.sync()
    report = await ana.sync()
    texts = {n.text for n in await ana.notes.list("Personal")}
    assert report.problems == [] and "second share's note" in texts, (
        f"the therapist's note after a share again is refused: {report.problems}"
    )


async def test_a_journal_deleted_on_a_device_and_listed_again_makes_it_reuse_its_counters(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    tmp_path: Path,
) -> None:
    """D1 says a server still cannot make counters reused. The phone deletes its journal Diary;
    the server answers the delete but keeps the journal (here it deletes a decoy journal of
    the account instead) and lists Diary again, whose chain the owner did sign. The phone
    deleted every row of Diary, `device_write_counters` too: had it taken Diary back, it
    would have numbered records there from 1 again (R36 F5 then kept its counters by tag),
    and a server hiding its earlier records could swap records under counters it signs
    twice. Since REV-FINAL F2 a journal deleted on a device is never taken back by it,
    whatever the server lists: nothing is signed in it again, and the deletion is asked
    again."""
    laptop = await signup("rxeva")
    phone = await Client.login(
        hostile.url, "rxeva", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        diary = bytes.fromhex((await phone.journals.create("Diary")).id)
        decoy = bytes.fromhex((await phone.journals.create("Decoy")).id)
        before = journal_seqs(live_server, diary)
        for text in ("d1", "d2", "d3"):
            await phone.entries.write("Diary", text)
            await phone.sync(strict=True)
        old = journal_seqs(live_server, diary)[len(before) :]
        assert len(old) == 3
        await laptop.sync(strict=True)  # the laptop holds the phone's Diary counters 1..3

        def delete_the_decoy(_body: bytes) -> bytes:
            return wire.encode(wire.JournalRequest(decoy))

        hostile.requests["/v1/journals/delete"] = delete_the_decoy
        await phone.journals.delete("Diary")
        del hostile.requests["/v1/journals/delete"]
        for seq in old:  # never shown to the phone again
            drop_record(live_server, seq)
        report = await phone.sync()  # Diary is listed again, signed by the owner
        assert "Diary" not in {j.name for j in await phone.journals.list()}  # not taken back
        told = [line for line in report.problems if "not taken back" in line]
        assert told and "deletion was asked of the server again" in told[0], report.problems
        with pytest.raises(NotFound):
            await phone.entries.write("Diary", "again 1")
        assert journal_seqs(live_server, diary) == []  # deleted on the server when asked again
        await laptop.sync()  # the laptop keeps what it held, as a copy no longer listed
        assert {e.body for e in await laptop.entries.list("Diary")} == {"d1", "d2", "d3"}
    finally:
        await phone.close()


async def test_the_writers_own_record_replaced_by_other_bytes_under_its_id_is_noticed(
    signup: ClientFactory, live_server: RunningServer, hostile: HostileServer, tmp_path: Path
) -> None:
    """The attack table: "acknowledge a push, then never serve the record: the writer's own
    acknowledged counter must come back". A record this device wrote that
    comes back is an echo: counted as received by its id alone, never opened
    (`Replica._apply_page`). So the server acknowledges the phone's newest entry, serves
    other bytes under its id to the phone, and serves nothing of it to anyone else: the
    phone believes its record came back, the laptop has no later counter or claim to miss
    it by, and the entry is gone with no device saying a thing (until the phone writes
    again in that journal, if it ever does). D1's settlement opens such an echo when the
    record is still in the outbox (`_own_stored_unacknowledged`); an acknowledged one is
    not."""
    laptop = await signup("rxgia")
    phone = await Client.login(
        hostile.url,
        "rxgia",
        PASSWORD,
        home=tmp_path / "phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    try:
        await write_each_synced(phone, ["one"])
        journal = await personal(phone)
        acknowledged: set[bytes] = set()

        def note_acknowledged(request: bytes, reply: bytes) -> bytes:
            acknowledged.update(r.record_id for r in wire.decode(wire.PushRequest, request).records)
            return reply

        def other_bytes_under_its_id(request: bytes, reply: bytes) -> bytes:
            real = wire.decode(wire.SyncReply, reply)
            pages = [
                dataclasses.replace(
                    page,
                    records=[
                        dataclasses.replace(r, ciphertext=b"not the record")
                        if r.record_id in acknowledged
                        else r
                        for r in page.records
                    ],
                )
                for page in real.pages
            ]
            return wire.encode(dataclasses.replace(real, pages=pages))

        hostile.replies[PUSH] = note_acknowledged
        hostile.replies["/v1/sync"] = other_bytes_under_its_id
        before = journal_seqs(live_server, journal)
        await phone.entries.write(None, "the last entry before the session")
        phone_report = await phone.sync()
        assert phone_report.pushed == 1 and len(acknowledged) == 1
        for seq in journal_seqs(live_server, journal)[len(before) :]:
            drop_record(live_server, seq)  # and served to no one else
        laptop_report = await laptop.sync()
        bodies = {e.body for e in await laptop.entries.list()}
        assert "one" in bodies and "the last entry before the session" not in bodies
        noticed = (
            phone_report.withheld
            or phone_report.problems
            or laptop_report.withheld
            or laptop_report.problems
        )
        assert noticed, "the phone's newest entry vanished and no device noticed"
    finally:
        await phone.close()


async def test_an_older_store_signed_in_again_before_the_upgrade_counts_its_new_id_from_1(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The migration to counters per device id (`_adopt_legacy_counters`) gives an older
    store's per-journal counter to the profile's id "the id that last wrote there"
    (protocol.md 4.18). But the profile's id need not have written at all: the phone wrote
    1..3 under id A, was revoked, signed in again with the older SDK (id B, nothing written
    yet), and is then upgraded. B is given A's 3, so B's first record is counter 4, and every
    reader reports B's 1..3 as withheld by the server: the false alarm C10 and D1 say they
    end ("a home that logs in again numbers its writes from 1 under a new id")."""
    laptop = await signup("rxhal")
    phone = await login("rxhal")
    journal = await personal(phone)
    await write_each_synced(phone, ["a 1", "a 2", "a 3"])
    await laptop.sync(strict=True)
    await laptop.devices.revoke(phone.profile.device_id.hex())
    await phone.close()
    phone = await login("rxhal")  # signed in again: id B, nothing written under it
    home, new_id = phone.home, phone.profile.device_id
    await phone.close()
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db, db:
        # The store as the SDK before counters per device kept it: one counter per journal.
        db.execute("DELETE FROM device_write_counters")
        db.execute("INSERT INTO write_counters VALUES (?, 3)", (journal,))
    phone = await Client.open(home)  # the upgraded SDK opens it
    try:
        assert phone.profile.device_id == new_id
        await phone.entries.write(None, "b 1")
        await phone.sync()
        report = await laptop.sync()
        assert "b 1" in {e.body for e in await laptop.entries.list()}
        assert report.withheld == [], "a new id's counters 1..3, never written, look withheld"
    finally:
        await phone.close()
