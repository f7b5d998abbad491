"""Issue 10: a device's pull gets the records it pushed itself as stubs (`skip_own`, no
ciphertext), so an upload is not downloaded again; every other record comes whole, and every
withholding check holds as before (protocol.md /v1/sync, 4.18 "Own records").

Real server on loopback, real crypto; the hostile server is a loopback proxy that rewrites
replies as a compromised server would."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, NetworkError, wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401  (fixture)
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.client.test_withholding import gap_of, personal, without_claimant
from tests.conftest import PASSWORD, ClientFactory, RunningServer

# Replies are lost or requests failed here to test what the retry does, not how long it
# waits: every client retries with QUICK_RETRY (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("quick_retries")


async def via(proxy: HostileServer, tmp_path: Path, device: str) -> Client:
    """A new login of "ana" whose every request passes the proxy."""
    return await Client.login(
        proxy.url,
        "ana",
        PASSWORD,
        home=tmp_path / f"ana-{device}-via-proxy",
        device_name=device,
        minimum_cost=INSECURE_TEST_COST,
    )


def served(proxy: HostileServer) -> list[wire.StoredRecord]:
    """Every record the real server put in a sync reply that passed the proxy."""
    return [
        record
        for reply in proxy.replies_to("/v1/sync")
        for page in wire.decode(wire.SyncReply, reply).pages
        for record in page.records
    ]


def pushed_devices(live_server: RunningServer, journal_id: bytes) -> list[bytes | None]:
    return [
        None if device is None else bytes(device)
        for (device,) in rows(
            server_db(live_server),
            "SELECT pushed_device FROM records WHERE journal_id = ? ORDER BY seq",
            journal_id,
        )
    ]


async def test_own_records_come_back_as_stubs_and_whole_to_the_accounts_other_device(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    await signup("ana")
    phone = await via(hostile, tmp_path, "phone")
    try:
        journal = await personal(phone)
        for text in ("one", "two", "three"):
            await phone.entries.write(None, text)
        report = await phone.sync(strict=True)
        assert report.pushed == 3 and report.withheld == []
        assert all(
            wire.decode(wire.SyncRequest, body).skip_own for body in hostile.bodies("/v1/sync")
        )
        own = served(hostile)
        assert len(own) == 3  # its own three came back, by id, and only as stubs
        assert all(r.ciphertext == b"" for r in own)
        assert pushed_devices(live_server, journal) == [phone.profile.device_id] * 3
        assert (await phone.sync(strict=True)).withheld == []

        # A second device of the same account is another device: it gets them whole.
        tablet = await via(hostile, tmp_path, "tablet")
        try:
            hostile.exchanges.clear()
            tablet_report = await tablet.sync(strict=True)
            assert tablet_report.withheld == []
            whole = served(hostile)
            assert len(whole) == 3 and all(r.ciphertext for r in whole)
            assert sorted(e.body for e in await tablet.entries.list()) == ["one", "three", "two"]

            # The tablet's record reaches the phone whole; the phone's stay stubs.
            await tablet.entries.write(None, "from the tablet")
            await tablet.sync(strict=True)
            hostile.exchanges.clear()
            assert (await phone.sync(strict=True)).pulled == 1
            assert [bool(r.ciphertext) for r in served(hostile)] == [True]
            bodies = sorted(e.body for e in await phone.entries.list())
            assert bodies == ["from the tablet", "one", "three", "two"]
        finally:
            await tablet.close()
    finally:
        await phone.close()


async def test_a_new_login_on_the_same_machine_gets_every_record_whole(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Re-installed (or logged in again): a new device id, so nothing is a stub for it."""
    laptop = await signup("ana")
    for text in ("before", "the reinstall"):
        await laptop.entries.write(None, text)
    await laptop.sync(strict=True)
    await laptop.close()
    again = await via(hostile, tmp_path, "laptop")
    try:
        assert again.profile.device_id != laptop.profile.device_id
        report = await again.sync(strict=True)
        assert report.withheld == []
        assert all(r.ciphertext for r in served(hostile)) and len(served(hostile)) == 2
        assert sorted(e.body for e in await again.entries.list()) == ["before", "the reinstall"]
    finally:
        await again.close()


async def test_an_own_record_whose_push_reply_was_lost_is_pushed_again_and_no_alarm(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    login: ClientFactory,
    tmp_path: Path,
) -> None:
    """The server stored the batch but the reply never arrived: the record stays in the
    outbox, its stub comes back by id (the device wrote it), the retry is acknowledged with
    the same seq, and neither device reports a gap."""
    await signup("ana")
    phone = await via(hostile, tmp_path, "phone")
    try:
        lost = {"armed": True}

        def lose_the_reply(request: bytes, reply: bytes) -> bytes:
            if lost["armed"]:
                raise ConnectionResetError("the reply is lost on the way")
            return reply

        hostile.replies["/v1/records/push"] = lose_the_reply
        await phone.entries.write(None, "stored, reply lost")
        with contextlib.suppress(NetworkError):
            await phone.sync()
        assert hostile.bodies("/v1/records/push")  # the server stored it
        assert await phone.pending() == 1  # not acknowledged: still in the outbox
        lost["armed"] = False
        second = await phone.sync(strict=True)
        assert second.pushed == 1 and second.withheld == []
        assert (await phone.sync(strict=True)).withheld == []
        stubs = served(hostile)
        assert stubs and all(r.ciphertext == b"" for r in stubs)
        other = await login("ana", device="desktop")
        assert (await other.sync(strict=True)).withheld == []
        assert [e.body for e in await other.entries.list()] == ["stored, reply lost"]
    finally:
        await phone.close()


async def test_a_server_that_omits_another_devices_record_along_with_the_stubs_is_caught(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """`skip_own` only changes how this device's own records come: a server that also leaves
    out (or blanks) a record of another device is caught exactly as without it."""
    laptop = await signup("ana")
    journal = await personal(laptop)
    for text in ("one", "two"):
        await laptop.entries.write(None, text)
        await laptop.sync(strict=True)
    laptop_seqs = [
        seq
        for (seq,) in rows(
            server_db(live_server),
            "SELECT seq FROM records WHERE journal_id = ? ORDER BY seq",
            journal,
        )
    ]
    phone = await via(hostile, tmp_path, "phone")
    try:
        await phone.entries.write(None, "the phone's own")

        def omit_the_laptops_first(request: bytes, reply: bytes) -> bytes:
            real = wire.decode(wire.SyncReply, reply)
            pages = [
                dataclasses.replace(
                    page, records=[r for r in page.records if r.seq != laptop_seqs[0]]
                )
                for page in real.pages
            ]
            return wire.encode(dataclasses.replace(real, pages=pages))

        hostile.replies["/v1/sync"] = omit_the_laptops_first
        report = await phone.sync()
        assert report.pushed == 1
        assert without_claimant(report.withheld) == [gap_of(laptop, journal, ((1, 1),))]

        # Blanking it (a stub of a record this device never wrote) is no better: refused.
        blanked = await via(hostile, tmp_path, "desktop")
        try:

            def blank_the_laptops_first(request: bytes, reply: bytes) -> bytes:
                real = wire.decode(wire.SyncReply, reply)
                pages = [
                    dataclasses.replace(
                        page,
                        records=[
                            dataclasses.replace(r, ciphertext=b"") if r.seq == laptop_seqs[0] else r
                            for r in page.records
                        ],
                    )
                    for page in real.pages
                ]
                return wire.encode(dataclasses.replace(real, pages=pages))

            hostile.replies["/v1/sync"] = blank_the_laptops_first
            report = await blanked.sync()
            assert report.refused == 1
            assert without_claimant(report.withheld) == [gap_of(laptop, journal, ((1, 1),))]
        finally:
            await blanked.close()
    finally:
        await phone.close()


async def test_a_compacting_device_gets_its_snapshot_whole_and_no_alarm_anywhere(
    signup: ClientFactory,
    login: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Snapshots are stored without a pushing device (a lost compaction reply leaves the
    snapshot unmarked here, so it must come back whole); pushed updates come as stubs."""
    await signup("ana")
    phone = await via(hostile, tmp_path, "phone")
    try:
        phone.replica.compact_after = 3
        entry = await phone.entries.write(None, "first")
        for word in ("second", "third"):
            await phone.entries.edit(entry.id, append=f" {word}")
        report = await phone.sync(strict=True)
        assert report.compacted == 1 and report.withheld == []
        await phone.entries.edit(entry.id, append=" fourth")
        hostile.exchanges.clear()
        assert (await phone.sync(strict=True)).withheld == []
        assert [bool(r.ciphertext) for r in served(hostile)] == [True, False]  # snapshot, update
        other = await login("ana", device="desktop")
        assert (await other.sync(strict=True)).withheld == []
        assert (await other.entries.get(entry.id)).body == "first second third fourth"
    finally:
        await phone.close()


async def test_a_therapist_whose_forgotten_copy_is_shared_again_gets_its_own_old_notes_whole(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The therapist's device discarded the copy and the journal was shared again: its old
    note is still on the server under its device. A member's journal at cursor 0 is asked
    without `skip_own` (client_sdk/sync.py own_records_as_stubs), so nothing there comes as
    a stub: no refused record, no false alarm. (With stubs forced on, this scenario also
    raised no alarm on this code: the rule is a precaution for a device that holds no trace
    of its old records.)"""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "first session")
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    await tom.notes.add("ana/Personal", "Try the breathing exercise")
    await tom.sync(strict=True)
    journal = await journal_id(ana, "Personal")
    assert tom.profile.device_id in pushed_devices(live_server, journal)
    await ana.sync(strict=True)
    await ana.shares.revoke("Personal", tom.username)
    await tom.sync()
    assert await tom.shares.forget("ana/Personal", unlisted=True) is True
    await ana.shares.grant("Personal", "tom", full=True, trust_on_first_use=True)
    await ana.sync()
    report = await tom.sync()
    assert report.problems == [] and report.refused == 0 and report.withheld == []
    assert (await tom.sync(strict=True)).withheld == []
