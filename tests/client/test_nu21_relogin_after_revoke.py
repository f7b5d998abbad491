"""NU21 C10: a device signed out with `devices.revoke`, then logged in again on its home,
must not make the account's devices report records withheld (nothing is withheld)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from client_sdk.store import STORE_FILE, Store
from client_sdk.withholding import Gap
from tests.client.test_withholding import (
    drop_record,
    journal_seqs,
    personal,
    without_claimant,
    write_each_synced,
)
from tests.conftest import ClientFactory, RunningServer


async def test_relogin_after_revoke_is_no_withholding_alarm(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("nuana")
    phone = await login("nuana")
    for text in ("p1", "p2", "p3"):
        await phone.entries.write(None, text)
    await phone.sync()
    await laptop.sync()
    phone_id = next(d.id for d in await laptop.devices.list() if not d.current)
    await laptop.devices.revoke(phone_id)
    await phone.close()

    phone = await login("nuana")  # the same home: README "log in again"
    await phone.entries.write(None, "after login again")
    await phone.sync()
    report = await laptop.sync()
    assert report.withheld == []
    assert (await phone.sync()).withheld == []
    bodies = {e.body for e in await laptop.entries.list()}
    assert {"p1", "p2", "p3", "after login again"} <= bodies


async def test_records_withheld_around_a_login_again_are_still_reported(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    """The defence stays whole across a login again: a record the server drops, of the
    revoked device id or of the home's new one, is reported by every device that checks."""
    laptop = await signup("nuben")
    phone = await login("nuben")
    journal = await personal(phone)
    before = journal_seqs(live_server, journal)
    await write_each_synced(phone, ["old 1", "old 2", "old 3"])
    old_seqs = journal_seqs(live_server, journal)[len(before) :]
    old_id = phone.profile.device_id
    await laptop.sync(strict=True)
    await laptop.devices.revoke(old_id.hex())
    await phone.close()

    phone = await login("nuben")
    assert phone.profile.device_id != old_id
    before = journal_seqs(live_server, journal)
    await write_each_synced(phone, ["new 1", "new 2", "new 3"])
    new_seqs = journal_seqs(live_server, journal)[len(before) :]
    assert len(old_seqs) == len(new_seqs) == 3
    drop_record(live_server, old_seqs[1])  # the revoked device's counter 2
    drop_record(live_server, new_seqs[1])  # the new device's counter 2

    tablet = await login("nuben", "tablet")
    missing = ((2, 2),)
    old_gap = Gap(journal, phone.profile.account_id, old_id, missing, b"")
    new_gap = Gap(journal, phone.profile.account_id, phone.profile.device_id, missing, b"")
    reported = without_claimant((await tablet.sync()).withheld)
    assert sorted(reported, key=lambda gap: gap.device) == sorted(
        [old_gap, new_gap], key=lambda gap: gap.device
    )
    # The laptop had the revoked device's records: only the new device's gap is news to it.
    assert without_claimant((await laptop.sync()).withheld) == [new_gap]


async def test_a_store_from_before_counters_per_device_keeps_counting_for_its_device(
    tmp_path: Path,
) -> None:
    """The per-journal counters of an older store go to the profile's device: no counter is
    taken twice by the device that wrote there (its record 7 is in the store; one that never
    wrote there counts from 1: R36 F7, test_r36_attacks)."""
    store = await Store.open(tmp_path)
    await store.close()
    device = b"d" * 16
    with contextlib.closing(sqlite3.connect(tmp_path / STORE_FILE)) as db, db:
        db.execute("INSERT INTO write_counters VALUES (?, ?)", (b"j" * 16, 7))
        db.execute(  # the device's own record 7, as the older SDK marked it seen at write
            "INSERT INTO seen_records (journal_id, record_id, seq, author, device, counter) "
            "VALUES (?, ?, 7, ?, ?, 7)",
            (b"j" * 16, b"r" * 16, b"a" * 16, device),
        )
    store = await Store.open(tmp_path, device)
    try:
        first = await store.write(lambda db: store.counting_state(db, b"j" * 16))
        assert first[0] == 8
    finally:
        await store.close()
    store = await Store.open(tmp_path, b"e" * 16)  # a new device id: its own counters
    try:
        assert (await store.write(lambda db: store.counting_state(db, b"j" * 16)))[0] == 1
    finally:
        await store.close()


async def test_a_store_from_before_signed_in_again_gives_its_counters_to_the_old_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A home whose store predates counters per device, first opened by this SDK at a login
    again after revoke: the counters it kept were the revoked device id's, not the new one's."""
    laptop = await signup("nucat")
    phone = await login("nucat")
    for text in ("p1", "p2", "p3"):
        await phone.entries.write(None, text)
    await phone.sync()
    await laptop.sync()
    phone_id = phone.profile.device_id
    await laptop.devices.revoke(phone_id.hex())
    await phone.close()
    with contextlib.closing(sqlite3.connect(phone.home / STORE_FILE)) as db, db:
        db.execute(  # as that store held them: per journal only
            "INSERT INTO write_counters SELECT journal_id, counter FROM device_write_counters"
        )
        db.execute("DELETE FROM device_write_counters")

    phone = await login("nucat")
    await phone.entries.write(None, "after login again")
    await phone.sync()
    assert (await laptop.sync()).withheld == []
    assert (await phone.sync()).withheld == []
