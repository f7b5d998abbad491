"""Review r38 (hostile, fresh eyes) of D3, the fixes of r36's findings: every test here
fails on the branch it was written against. Real server on 127.0.0.1, real crypto; the
store file is read as anyone holding the device's disk (or a backup of it) reads it,
without the account's keys."""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from pathlib import Path

from client_sdk import Client, crypto
from client_sdk.store import STORE_FILE
from tests.client.sharing_support import share_with
from tests.client.test_withholding import personal, write_each_synced
from tests.conftest import ClientFactory


def _rows_naming(home: Path, journal_id: bytes) -> list[tuple[str, tuple[object, ...]]]:
    """Every row of the store that holds a value computable from the journal id alone: the
    id itself, or an unkeyed hash of it (anyone who knows the id, the server or a member,
    can compute it), in any framing the SDK uses."""
    framed = [
        journal_id,
        crypto.hash32(crypto.frame(b"tj kept write counters", journal_id)),
        crypto.hash32(crypto.frame(b"tj forgotten journal", journal_id)),
    ]
    needles = [*framed, *(n.hex() for n in framed)]
    found: list[tuple[str, tuple[object, ...]]] = []
    with contextlib.closing(sqlite3.connect(home / STORE_FILE)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):  # noqa: S608
                for value in row:
                    if isinstance(value, bytes) and value in framed:
                        found.append((table, row))
                    elif isinstance(value, str) and any(
                        isinstance(n, str) and n in value for n in needles
                    ):
                        found.append((table, row))
    return found


async def test_a_journal_deleted_on_a_device_leaves_its_id_nowhere_in_its_store(
    signup: ClientFactory,
) -> None:
    """The part of R38 G1 fixed: `remove_journal` deletes the journal's write counters kept
    under its id (`write_counters`, `device_write_counters`) once they are kept under the
    tag, so the id itself is in no row of the store."""
    ana = await signup("r38ann")
    created = await ana.journals.create("Secret diary")
    diary = bytes.fromhex(created.id)
    for text in ("one", "two", "three"):
        await ana.entries.write("Secret diary", text)
    await ana.sync(strict=True)
    await ana.journals.delete("Secret diary")
    await ana.sync(strict=True)
    assert [row for row in _rows_naming(ana.home, diary) if diary in row[1]] == []


async def test_a_journal_deleted_on_a_device_leaves_nothing_in_its_store_that_names_it(
    signup: ClientFactory,
) -> None:
    """D3's F5 fix keeps a deleted journal's write counters for good
    (`kept_write_counters`), under `counters_tag` = BLAKE2b of the journal id, unkeyed, with
    the device id and the counter in clear. Before D3 a deleted journal left nothing in the
    store. Now anyone who holds the device's disk or a backup of it, and knows or guesses the
    journal's id (the server knows every id; so does every member it was shared with),
    learns from the store file alone, without the account's keys, that this home had that
    journal, that it deleted it, and how many records it wrote there (3 here). The row is
    never removed (only a listing again takes it back), so one is left per deleted journal
    and writing id, for good. Worse: `remove_journal` no longer deletes the journal's
    `device_write_counters` rows at all (D3 took the table out of its list instead of only
    copying it first), so the journal's id itself stays in the store, in clear, next to the
    counter: "a search of the store for the journal's id finds nothing" no longer holds.
    Fixed: the id's rows go and the counters are kept under a tag keyed with the account's
    secrets (keys.kept_counters_tag)."""
    ana = await signup("r38ana")
    created = await ana.journals.create("Secret diary")
    diary = bytes.fromhex(created.id)
    for text in ("one", "two", "three"):
        await ana.entries.write("Secret diary", text)
    await ana.sync(strict=True)
    await ana.journals.delete("Secret diary")
    await ana.sync(strict=True)
    assert "Secret diary" not in {j.name for j in await ana.journals.list()}
    found = _rows_naming(ana.home, diary)
    assert found == [], (
        "a deleted journal is named in the store by an unkeyed hash of its id, with how "
        f"many records this home wrote there: {found}"
    )


async def test_a_forgotten_copy_leaves_no_count_of_the_members_notes_in_its_store(
    signup: ClientFactory,
) -> None:
    """`tj forget` must leave no trace of the copy readable without the account's keys
    beyond forgotten.py's tag (needed to refuse a replayed listing). D3's F4 fix adds, under
    `counters_tag` (an unkeyed hash of the journal id, computable by the server or the
    client who shared it), the therapist's device id and how many notes that device wrote
    in the client's journal, in clear, for good: a stolen laptop or an old backup of it
    tells how many notes the therapist wrote about the client whose journal id is known.
    Fixed: the counters are kept under a tag keyed with the account's secrets
    (keys.kept_counters_tag)."""
    ana, tom = await signup("r38bea"), await signup("r38tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync(strict=True)
    journal = bytes.fromhex((await ana.journals.get("Personal")).id)
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    await tom.sync(strict=True)
    for text in ("note 1", "note 2", "note 3", "note 4"):
        await tom.notes.add("r38bea/Personal", text)
    await tom.sync(strict=True)
    await ana.shares.revoke("Personal", "r38tom")
    await tom.sync()
    assert await tom.shares.forget("r38bea/Personal", unlisted=True) is True
    counters_tag = crypto.hash32(crypto.frame(b"tj kept write counters", journal))
    with contextlib.closing(sqlite3.connect(tom.home / STORE_FILE)) as db:
        rows = db.execute(
            "SELECT device, counter FROM kept_write_counters WHERE tag = ?", (counters_tag,)
        ).fetchall()
    assert rows == [], (
        "the forgotten copy's store tells, by an unkeyed hash of the journal id, how many "
        f"notes the therapist's device wrote in it: {rows}"
    )


async def test_a_members_record_naming_the_new_id_does_not_give_it_an_older_stores_counter(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """D3's F7 fix gives an older store's per-journal counter to the profile's id only where
    the store shows that id wrote (ADOPT_LEGACY_COUNTERS). But it looks for the id in
    `seen_records.device` (and `device_counters.device`) of *any* author: a member chooses the
    device field of the bodies it signs, and readers key by (author, device), so a member
    (told the new id by the server, or by anyone) signs a note under this home's new id B.
    The store then "shows B wrote" in that journal, B takes the old id's counter 3, its first
    record is counter 4, and every reader reports B's 1..3 as withheld: R36 F7's false alarm,
    now on a member's say. (The phone's store is made an older store's afterwards, as R36's
    F7 test does.)"""
    laptop = await signup("r38hal")
    tom = await signup("r38tam")
    await share_with(laptop, tom, role="annotate")
    phone = await login("r38hal")
    journal = await personal(phone)
    await write_each_synced(phone, ["a 1", "a 2", "a 3"])
    await laptop.sync(strict=True)
    await laptop.devices.revoke(phone.profile.device_id.hex())
    await phone.close()
    phone = await login("r38hal")  # signed in again: id B, nothing written under it
    home, new_id = phone.home, phone.profile.device_id
    await tom.sync(strict=True)
    # The member signs a note whose body names the phone's new id as its device.
    tom.replica.profile = dataclasses.replace(tom.profile, device_id=new_id)
    await tom.notes.add("r38hal/Personal", "a note under the phone's id")
    await tom.sync()
    await phone.sync()
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
