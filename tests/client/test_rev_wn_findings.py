"""rev-wn: a hostile review of fix-f4 (updates that wait for missing clocks, 30bab2b..c83c504)
and fix-name (owner-signed `named_at`, f885c26..f3798f7). Each xfail test is a finding of
REV-WN-FINDINGS.md, failing at the assertion that shows it; real server on loopback, real
crypto, the hostile server played by direct edits of its database."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any

import pytest

from client_sdk import Client, RenamedElsewhere, keys
from client_sdk.documents import Document, state_clocks
from client_sdk.models import now_ms
from client_sdk.yjs_binary import varuint
from client_sdk.yjs_updates import refusal, walk
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_deep_updates import member_pushes, pull_elsewhere
from tests.client.test_hostile_sync import forge, push
from tests.client.test_withheld_edit_waits import COLUMNS, serve_again, take_record
from tests.conftest import ClientFactory, RunningServer

SECRET = "I never told anyone about the accident."


async def test_text_the_owner_deleted_never_reaches_a_new_member_through_what_waits(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()
    personal = await journal_id(laptop, "Personal")

    await laptop.entries.edit(entry.id, append="Slept badly.")
    await laptop.sync()
    take_record(live_server, personal)  # withheld from the phone for good
    await laptop.entries.edit(entry.id, append=SECRET)
    await laptop.sync()
    await laptop.entries.edit(entry.id, body="Monday. Slept badly.")  # deleted again
    await laptop.sync()
    assert (await laptop.entries.get(entry.id)).body == "Monday. Slept badly."

    await phone.sync()  # the last two edits wait for the withheld one
    assert (await phone.entries.get(entry.id)).body == "Monday."
    tom = await signup("tom")
    await share_with(phone, tom)  # a new therapist; the phone seals its snapshots
    await tom.sync()
    assert SECRET not in (await tom.entries.get(entry.id)).body  # tom's app does not show it
    stored = await tom.store.document(bytes.fromhex(entry.id))
    assert stored is not None
    # ... but the bytes the owner's phone sealed for tom carry the text the owner deleted.
    assert SECRET.encode() not in stored.state + stored.waiting


def take_record_id(live_server: RunningServer, record_id: bytes) -> tuple[Any, ...]:
    """A hostile server withholds this record (kept by the test, `serve_again`)."""
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        seq, *row = db.execute(
            f"SELECT seq, {COLUMNS} FROM records WHERE record_id = ?", (record_id,)
        ).fetchone()
        assert db.execute("DELETE FROM records WHERE seq = ?", (seq,)).rowcount == 1
    return tuple(row)


def delete_set(client: int, ranges: list[tuple[int, int]]) -> bytes:
    """An update of no struct and one client's deleted ranges (clock, length), as given."""
    out = b"\x00" + varuint(1) + varuint(client) + varuint(len(ranges))
    return out + b"".join(varuint(start) + varuint(length) for start, length in ranges)


async def test_unsorted_deleted_ranges_of_a_member_do_not_make_the_owners_devices_diverge(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop, tom = await signup("ana"), await signup("tom")
    await laptop.entries.write("Personal", "A private thought.")
    await laptop.sync()
    await share_with(laptop, tom, role="annotate")
    await tom.sync()
    phone = await login("ana")
    await phone.sync()
    personal = await journal_id(laptop, "Personal")

    doc_id = keys.new_doc_id(tom.profile.account_id)
    note = Document(doc_id, "note", client_id=7)
    first = note.change(fields={"created_at": now_ms()}, texts={"body": "An honest note."})
    k = state_clocks(note.state_vector())[7]
    second = note.change(texts={"body": "An honest note. A second thought."})
    m = state_clocks(note.state_vector())[7]
    # The second thought (clocks k..m) and the first note's last "." (k - 1): sorted, as
    # Yjs writes them, one range (k - 1, m - k + 1); the member writes them in two, unsorted.
    unsorted = delete_set(7, [(k, m - k), (k - 1, 1)])
    assert walk(unsorted)[1].deleted == {7: m}  # accepted, read as reaching m (its furthest)
    uploads = [
        await forge(tom, "ana/Personal", doc_id, "note", update, counter=counter)
        for counter, update in ((1_000, first), (1_001, second), (1_002, unsorted))
    ]
    await push(tom, personal, uploads[0], uploads[1])
    await laptop.sync()
    withheld = take_record_id(live_server, uploads[1].record_id)
    await push(tom, personal, uploads[2])
    await laptop.sync()
    on_laptop = [n.text for n in await laptop.notes.list("Personal")]
    assert "An honest note" in on_laptop  # the second thought and the "." deleted

    await phone.sync()  # the second thought withheld: the delete waits for it
    home = phone.home
    await phone.close()
    serve_again(live_server, withheld)
    async with await Client.open(home) as reopened:
        await reopened.sync()
        on_phone = [n.text for n in await reopened.notes.list("Personal")]
    assert sorted(on_phone) == sorted(on_laptop)


async def test_two_owner_devices_renaming_one_after_the_other_agree_on_the_name(
    signup: ClientFactory, login: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from client_sdk import replica

    laptop = await signup("ana")
    await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    phone = await login("ana")
    await phone.sync()

    await laptop.journals.rename("Personal", "Work")
    with monkeypatch.context() as behind:
        behind.setattr(replica, "now_ms", lambda: now_ms() - 60_000)  # the phone's clock
        with pytest.raises(RenamedElsewhere):  # the phone had not seen Work (nu82 F10)
            await phone.journals.rename("Personal", "Home")
        await phone.journals.rename("Work", "Home")  # sent after the laptop's rename
    for _ in range(2):
        await laptop.sync()
        await phone.sync()
    on_laptop = sorted(j.name for j in await laptop.journals.list())
    on_phone = sorted(j.name for j in await phone.journals.list())
    newcomer = await login("ana", "newcomer")  # a device of the owner that syncs only now
    await newcomer.sync()
    on_newcomer = sorted(j.name for j in await newcomer.journals.list())
    assert on_phone == on_newcomer == ["Home"]  # the server holds the phone's, the last sent
    assert on_laptop == on_phone  # the laptop keeps "Work", for ever


# Three updates of a member's note whose origins go round in a cycle (the item 7@2 has its
# right origin 9@4, whose origin is 7@2; 9@6's origin 7@6 is held by nobody): each passes
# `refusal` (which skips origins), all wait (pending in Yrs), and Yrs, applying the third,
# dies of SIGSEGV, in this order and two others, with or without the waiting store.
CYCLE = [
    "02020908010104626f6479028407020161020801040104626f64790364656688090a017d0001090205020b03",
    "010109048107020301070205030b03",
    "02010702410904010109068407060364656601090201020a01",
]


async def test_a_members_updates_whose_origins_make_a_cycle_do_not_crash_the_owners_pull(
    signup: ClientFactory, login: ClientFactory
) -> None:
    first, *more = [bytes.fromhex(update) for update in CYCLE]
    assert all(refusal(update) is None for update in (first, *more))
    pushed = await member_pushes(signup, first)
    uploads = [
        await forge(pushed.tom, "ana/Personal", pushed.doc_id, "note", update, counter=counter)
        for counter, update in zip((1_001, 1_002), more, strict=True)
    ]
    await push(pushed.tom, pushed.journal, *uploads)
    phone = await login("ana")
    home = phone.home
    await phone.close()
    read = await pull_elsewhere(home)  # asserts the process ended well: -11 (SIGSEGV)
    assert read["entries"] == ["A private thought."]


async def test_a_rotation_never_signs_a_placeholder_name(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    laptop, tom = await signup("ana"), await signup("tom")
    await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    personal = await journal_id(laptop, "Personal")
    with contextlib.closing(sqlite3.connect(server_db(live_server))) as db, db:
        [(meta,)] = db.execute("SELECT meta FROM journals WHERE journal_id = ?", (personal,))
        broken = bytes(meta[:-1]) + bytes([meta[-1] ^ 1])  # the AEAD tag no longer checks
        db.execute(
            "UPDATE journals SET meta = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
            (broken, personal),
        )
    report = await laptop.sync()
    [held] = [j.name for j in await laptop.journals.list()]
    # Before the fix the laptop held the placeholder "(unreadable journal ...)"; now it keeps
    # the name it verified last, and the sync says what the server serves.
    assert held == "Personal"
    assert any("cannot open or verify" in problem for problem in report.problems)
    await share_with(laptop, tom, personal.hex())  # a rotation seals and signs the name again
    await tom.sync()
    [shared] = [j for j in await tom.store.journals() if j.journal_id == personal]
    signed = json.loads(shared.meta)
    assert "name_signature" in signed  # verified on tom's device: signed by ana's laptop
    assert signed["name"] == "Personal"
