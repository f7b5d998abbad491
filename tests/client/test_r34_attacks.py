"""Review r34: attacks on NU21 C10 (write counters kept per journal and device id).

A device id is the server's word (`SessionReply.device_id`); nothing the owner signs binds it.
A home signed in again keeps its store, so it never opens again the records it already holds,
and since C10 it numbers records from 1 under whatever id the server hands it."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, IntegrityError, wire
from client_sdk.errors import TJError
from client_sdk.store import STORE_FILE
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import server_db, share_with
from tests.client.test_withholding import drop_record, journal_seqs, personal, write_each_synced
from tests.conftest import PASSWORD, ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


async def test_a_login_again_handed_another_live_devices_id_lets_the_server_swap_records(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    tmp_path: Path,
) -> None:
    """The phone is revoked and signs in again on its home; the server hands it the laptop's
    device id. The phone already holds the laptop's records (never opened again, so it never
    sees "its own" id in them) and numbers its records 1, 2, 3 under the laptop's id: the
    laptop's counters. The server then drops the phone's first two records and serves the
    third: a reader holds counters 1..3 of that id (the laptop's 1..3 and the phone's 3), so
    no gap; and owner records that reuse a counter are not refused. Two of the phone's
    entries vanish and no device says anything (the laptop, offline, never pulls the
    phone's records that would show it its id)."""
    laptop = await signup("rzana")
    phone = await login("rzana")
    tablet = await login("rzana", "tablet")
    journal = await personal(laptop)
    await write_each_synced(laptop, ["laptop 1", "laptop 2", "laptop 3"])
    await phone.sync(strict=True)
    await tablet.sync(strict=True)
    laptop_id = laptop.profile.device_id
    await laptop.devices.revoke(phone.profile.device_id.hex())
    home = phone.home
    await phone.close()

    def hand_laptops_id(_request: bytes, reply: bytes) -> bytes:
        session = wire.decode(wire.SessionReply, reply)
        return wire.encode(dataclasses.replace(session, device_id=laptop_id))

    hostile.replies["/v1/auth/login"] = hand_laptops_id
    try:
        phone = await Client.login(
            hostile.url, "rzana", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
        )
    except IntegrityError:
        return  # the home refused an id it holds another device's records under: defended
    try:
        before = journal_seqs(live_server, journal)
        await write_each_synced(phone, ["phone 1", "phone 2", "phone 3"])
        phone_seqs = journal_seqs(live_server, journal)[len(before) :]
        assert len(phone_seqs) == 3
        drop_record(live_server, phone_seqs[0])
        drop_record(live_server, phone_seqs[1])
        phone_report = await phone.sync()
        tablet_report = await tablet.sync()
        bodies = {e.body for e in await tablet.entries.list()}
        assert "phone 3" in bodies  # the server served the third record
        assert not {"phone 1", "phone 2"} & bodies  # and hid the first two
        noticed = (
            phone_report.withheld
            or phone_report.problems
            or tablet_report.withheld
            or tablet_report.problems
        )
        assert noticed, "two of the phone's entries were withheld and no device noticed"
    finally:
        await phone.close()


async def test_an_older_stores_counters_also_stay_with_the_homes_earlier_device_ids(
    signup: ClientFactory,
    login: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
) -> None:
    """Before C10 a home counted per journal across all its device ids: signed in as A, it
    wrote 1..3 under A; signed in again as B, 4..5 under B (write_counters said 5). The
    migration gives 5 to B only, so A's counters 1..3 are free again: when the server
    hands A back at the next login (protocol.md 4.18 says they "are never taken again
    should the server hand that id back"), the home signs new records (A, 1), (A, 2), ...
    A reader holds the old ones, so the server drops the new 1 and 2 and nobody notices."""
    laptop = await signup("rzbo")
    phone = await login("rzbo")
    tablet = await login("rzbo", "tablet")
    journal = await personal(phone)
    old_id = phone.profile.device_id
    await write_each_synced(phone, ["a 1", "a 2", "a 3"])
    await laptop.devices.revoke(old_id.hex())
    await phone.close()
    phone = await login("rzbo")  # signed in again (as an SDK before C10 would): id B
    home = phone.home
    with sqlite3.connect(home / STORE_FILE) as db:  # B counted on from A's 3, as it did then
        db.execute(
            "INSERT INTO device_write_counters VALUES (?, ?, 3)", (journal, phone.profile.device_id)
        )
    db.close()
    for text in ("b 4", "b 5"):  # not strict: B's 1..3 look withheld (the old false alarm)
        await phone.entries.write(None, text)
        await phone.sync()
    await tablet.sync()  # B's 1..3 look withheld (the false alarm C10 ends): not this test's
    await laptop.devices.revoke(phone.profile.device_id.hex())
    await phone.close()
    with sqlite3.connect(home / STORE_FILE) as db:  # the store as that SDK kept it
        db.execute("DELETE FROM write_counters")
        db.execute("INSERT INTO write_counters VALUES (?, 5)", (journal,))
        db.execute("DELETE FROM device_write_counters")
    db.close()

    def hand_old_id(_request: bytes, reply: bytes) -> bytes:
        session = wire.decode(wire.SessionReply, reply)
        return wire.encode(dataclasses.replace(session, device_id=old_id))

    hostile.replies["/v1/auth/login"] = hand_old_id
    try:
        phone = await Client.login(
            hostile.url, "rzbo", PASSWORD, home=home, minimum_cost=INSECURE_TEST_COST
        )
    except IntegrityError:
        return  # the home refused an id it did not choose (as in the test above): defended
    try:
        before = journal_seqs(live_server, journal)
        for text in ("new 1", "new 2", "new 3", "new 4"):  # not strict: B's old false alarm
            await phone.entries.write(None, text)
            await phone.sync()
        new_seqs = journal_seqs(live_server, journal)[len(before) :]
        assert len(new_seqs) == 4
        drop_record(live_server, new_seqs[0])
        drop_record(live_server, new_seqs[1])
        phone_report = await phone.sync()
        tablet_report = await tablet.sync()
        bodies = {e.body for e in await tablet.entries.list()}
        assert {"new 3", "new 4"} <= bodies and not {"new 1", "new 2"} & bodies
        noticed = [
            gap for gap in phone_report.withheld + tablet_report.withheld if gap.device == old_id
        ] or (phone_report.problems + tablet_report.problems)
        assert noticed, "two entries of the home were withheld and no device noticed"
    finally:
        await phone.close()


def reply_lost(_body: bytes, _reply: bytes) -> bytes:
    """The server stored the push; the device never gets the reply: what the CLI's automatic
    sync cancelled after QUICK_SYNC_S (NU21 C9) leaves, or a dropped connection."""
    raise RuntimeError("reply lost after the server stored the records")


async def test_a_push_stored_but_unacknowledged_then_resealed_is_not_set_aside_as_undelivered(
    signup: ClientFactory,
    login: ClientFactory,
    through: Through,
    hostile: HostileServer,
) -> None:
    """The owner's entry reaches the server, the reply does not (a cancelled automatic sync).
    Before the next sync the journal's key epoch moves (a share revoked on her other device), so the outbox
    record is sealed again under the new epoch, same record id: the server answers
    `record_conflict` and the SDK sets the entry aside as refused for good ("not
    delivered", exit 4 in the CLI) and withdraws its counter, although every reader got it."""
    ana = await through("rzana2")
    tom = await signup("rztom")
    await share_with(ana, tom)
    await ana.sync(strict=True)
    await ana.entries.write("Personal", "stored, the reply lost")
    hostile.replies["/v1/records/push"] = reply_lost
    with pytest.raises(TJError):
        await ana.sync()
    del hostile.replies["/v1/records/push"]
    assert hostile.bodies("/v1/records/push")  # the real server stored it
    laptop = await login("rzana2")  # her other device ends the share: a new key epoch
    await laptop.shares.revoke("Personal", "rztom")
    report = await ana.sync()
    await laptop.sync()
    assert "stored, the reply lost" in {e.body for e in await laptop.entries.list()}
    assert report.set_aside == [] and await ana.set_aside() == [], (
        "an entry the server holds is set aside as not delivered"
    )


async def test_a_conflicting_record_the_server_serves_under_an_own_id_is_still_set_aside(
    signup: ClientFactory,
    login: ClientFactory,
    through: Through,
    hostile: HostileServer,
    live_server: RunningServer,
) -> None:
    """The F3 settlement counts an entry delivered only when what the server serves under
    its id opens to this device's own body: a server that stored the first sealing, reply
    lost, then put other bytes (here another record's ciphertext of this device, valid but
    bound to another id) in its place gets the entry set aside as before."""
    ana = await through("rzana3")
    tom = await signup("rztom3")
    await share_with(ana, tom)
    await ana.sync(strict=True)
    journal = await personal(ana)
    await ana.entries.write("Personal", "other")
    await ana.sync(strict=True)
    await ana.entries.write("Personal", "stored, the reply lost")
    hostile.replies["/v1/records/push"] = reply_lost
    with pytest.raises(TJError):
        await ana.sync()
    del hostile.replies["/v1/records/push"]
    with sqlite3.connect(server_db(live_server)) as db:
        (other, lost) = db.execute(
            "SELECT seq, ciphertext FROM records WHERE journal_id = ? ORDER BY seq DESC LIMIT 2",
            (journal,),
        ).fetchall()[::-1]
        db.execute("UPDATE records SET ciphertext = ? WHERE seq = ?", (other[1], lost[0]))
    db.close()
    laptop = await login("rzana3")
    await laptop.shares.revoke("Personal", "rztom3")
    report = await ana.sync()
    assert [s.code for s in report.set_aside] == ["record_conflict"]
    assert [s.code for s in await ana.set_aside()] == ["record_conflict"]


async def test_an_own_record_stored_with_its_reply_lost_is_never_asked_nor_taken_as_a_stub(
    signup: ClientFactory,
    login: ClientFactory,
    through: Through,
    hostile: HostileServer,
) -> None:
    """The F3 settlement needs the body served under the id, which a stub (`skip_own`,
    protocol.md "Own records as stubs") does not carry: while the entry waits in the outbox
    the SDK asks its journal without `skip_own`, and a server that sends the record as a
    stub anyway (ciphertext empty) gets the entry set aside as before, never delivered."""
    ana = await through("rzana4")
    tom = await signup("rztom4")
    await share_with(ana, tom)
    await ana.sync(strict=True)
    await ana.entries.write("Personal", "stored, the reply lost")
    hostile.replies["/v1/records/push"] = reply_lost
    with pytest.raises(TJError):
        await ana.sync()
    del hostile.replies["/v1/records/push"]
    pushed = wire.decode(wire.PushRequest, hostile.bodies("/v1/records/push")[-1])
    lost = pushed.records[0].record_id
    blanked: list[bytes] = []

    def as_a_stub(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(
                page,
                records=[
                    dataclasses.replace(r, ciphertext=b"") if r.record_id == lost else r
                    for r in page.records
                ],
            )
            for page in real.pages
        ]
        blanked.extend(r.record_id for p in real.pages for r in p.records if r.record_id == lost)
        return wire.encode(dataclasses.replace(real, pages=pages))

    asked = len(hostile.bodies("/v1/sync"))
    hostile.replies["/v1/sync"] = as_a_stub
    laptop = await login("rzana4")  # her other device ends the share: a new key epoch
    await laptop.shares.revoke("Personal", "rztom4")
    report = await ana.sync()
    requests = [wire.decode(wire.SyncRequest, body) for body in hostile.bodies("/v1/sync")[asked:]]
    assert requests and not any(request.skip_own for request in requests)
    assert blanked == [lost]
    assert [s.code for s in report.set_aside] == ["record_conflict"]
    assert [s.code for s in await ana.set_aside()] == ["record_conflict"]
