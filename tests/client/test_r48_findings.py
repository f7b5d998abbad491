"""R48: hostile review of R47 F1-F3 (twins as whole inserts, restore-anew markers), NU26 C1,
R46 F7 and the leave notices. Devices of one account and a therapist, a real server on
127.0.0.1, real crypto. Every `test_r48_...` test here fails on integ6 at 2eed817 (see
/work/R48-FINDINGS.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from client_sdk import Client, wire
from client_sdk.replica import stored_document
from client_sdk.twin_inserts import _touched
from client_sdk.yjs_updates import decode
from tests.client.hostile import HostileServer
from tests.client.sharing_support import rows, server_db, share_with
from tests.client.test_r43_race import race
from tests.conftest import ClientFactory, RunningServer


def delaying(record_ids: set[bytes]) -> Callable[[bytes, bytes], bytes]:
    """A /v1/sync rewrite of a server that is merely slow: each page stops before the first
    of these records, its cursor and head there (what it would have said a moment before
    they were pushed); a later sync gets them."""

    def rewrite(_: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = []
        for page in real.pages:
            kept: list[wire.StoredRecord] = []
            for record in page.records:
                if record.record_id in record_ids:
                    break
                kept.append(record)
            if len(kept) == len(page.records):
                pages.append(page)
                continue
            at = kept[-1].seq if kept else page.cursor
            pages.append(replace(page, records=kept, cursor=at, head=at))
        return wire.encode(wire.SyncReply(pages, real.done, real.next_journal))

    return rewrite


async def settle(*devices: Client) -> None:
    """Two rounds, so every device has pulled what every other pushed."""
    for _ in range(2):
        for device in devices:
            await device.sync()


async def _writer(device: Client, entry_id: str, words: str) -> tuple[int, int] | None:
    """(Yjs client, clock) of the live insert holding `words` in `device`'s copy."""
    stored = await device.store.document(bytes.fromhex(entry_id))
    assert stored is not None
    structs, deletes = decode(stored_document(stored).state())
    for item in structs:
        if item.text == words and not _touched(deletes.get(item.client, []), item.clock, 1):
            return item.client, item.clock
    return None


async def _deleted_in(device: Client, entry_id: str, at: tuple[int, int]) -> bool:
    stored = await device.store.document(bytes.fromhex(entry_id))
    assert stored is not None
    _, deletes = decode(stored_document(stored).state())
    return _touched(deletes.get(at[0], []), at[1], 1)


async def test_r48_a_twin_deleted_while_its_writer_edits_it_loses_the_edit(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F1. The laptop and the phone add the same sentence at the end of an entry before
    either has the other's (twins, kept once by design). The phone syncs (pushes its copy,
    has nothing new to pull); the laptop syncs, finds the twins and deletes the phone's
    copy (the higher Yjs client). Before its next sync the user, on the phone, rewrites the
    sentence ("calm" -> "tired"): the phone's change deletes "calm" inside its own copy and
    puts "tired" there. Merged, the phone's copy is gone whole (twin delete) and the
    laptop's copy still reads "calm": every device and the therapist read
    "Start. I felt calm.tired" - the user's rewrite is lost and the word they replaced is
    back. The twin is decided from the merged state at any later pull, never from what the
    writer of the deleted copy did with it concurrently."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    for _attempt in range(12):  # Yjs client ids are random: find a round where the
        entry = await laptop.entries.write(None, "Start.")  # phone's copy is the one deleted
        await settle(laptop, phone)
        sentence = "Start. I felt calm."
        await laptop.entries.edit(entry.id, body=sentence)
        await phone.entries.edit(entry.id, body=sentence)
        await phone.sync()
        await laptop.sync()  # both copies: the twin delete of the higher client
        phones = await _writer(phone, entry.id, " I felt calm.")
        assert phones is not None
        if await _deleted_in(laptop, entry.id, phones):
            break
    else:
        raise AssertionError("the phone's copy was never the one deleted")
    assert (await laptop.entries.get(entry.id)).body == sentence
    await phone.entries.edit(entry.id, body="Start. I felt tired.")  # before its next sync
    await settle(phone, laptop)
    bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone)]
    assert bodies[0] == bodies[1], bodies
    assert bodies[0] in ("Start. I felt tired.", "Start. I felt calm. I felt tired."), bodies


async def test_r48_an_edit_made_right_after_a_restore_is_not_undone_by_kept_words_written_anew(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F2. The laptop adds words to an entry and trashes it offline while the phone shares
    the journal: the laptop keeps the words under a restore-anew marker (R45 F6). The phone
    restores the entry and syncs; the laptop pulls the restore and writes the kept body anew
    (`restore_kept_update`: the whole body deleted, the merged text appended as fresh
    items). Before its next sync the user, on the phone, rewrites "Monday." as "Tuesday.".
    The phone's change deletes "Mon" (already deleted by the rewrite) and inserts "Tues"
    among the old, deleted items; the laptop's fresh copy still reads "Monday.": every
    device and tom read "TuesMonday. ..." - an ordinary race, no hostile party."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write("Personal", "Monday.", title="Hard day")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, append=" Words for my therapist.")  # offline
    await laptop.entries.delete(entry.id)  # offline: to the trash
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")
    await settle(laptop, phone, tom)
    await phone.entries.restore(entry.id)
    await phone.sync()
    await laptop.sync()  # the restore: the kept words written anew
    assert (await laptop.entries.get(entry.id)).body == "Monday. Words for my therapist."
    assert (await phone.entries.get(entry.id)).body == "Monday."
    await phone.entries.edit(entry.id, body="Tuesday.")  # before the phone's next sync
    await settle(phone, laptop, tom)
    bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone)]
    bodies += [e.body for e in await tom.entries.list()]
    assert bodies[0] == bodies[1] == bodies[2], bodies
    assert "Monday" not in bodies[0], bodies
    assert bodies[0] == "Tuesday. Words for my therapist.", bodies


async def test_r48_a_reshare_makes_a_later_restore_pulled_rewrite_the_body_over_an_edit(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F3. No offline work at all: tom reads an entry, ana trashes it, and later shares the
    journal with joan from the laptop. The share carries the removal again (R46 F7) and
    sets the entry's restore-anew marker to `{}` (nothing of the laptop's own is kept).
    Weeks later ana restores the entry on the phone and syncs; the laptop pulls the restore
    and, the marker set, `restore_kept_update` finds no patch (`since` empty: base = kept
    body) and rewrites the whole body anew anyway (deleted, appended as fresh items).
    The user's edit on the phone made right after the restore, before its next sync,
    then lands among deleted items beside the laptop's fresh copy: "Monday." comes back."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    tom = await signup("tom")
    joan = await signup("joan")
    entry = await laptop.entries.write("Personal", "Monday.", title="Hard day")
    await share_with(laptop, tom, role="annotate")
    await settle(laptop, phone, tom)
    await laptop.entries.delete(entry.id)
    await settle(laptop, phone, tom)
    await share_with(laptop, joan, role="annotate")
    await settle(laptop, phone, tom, joan)
    await phone.entries.restore(entry.id)
    await phone.sync()
    await laptop.sync()  # the restore pulled: the body written anew
    await phone.entries.edit(entry.id, body="Tuesday.")  # before the phone's next sync
    await settle(phone, laptop, tom, joan)
    bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone)]
    bodies += [e.body for e in await tom.entries.list()]
    assert bodies == ["Tuesday."] * 3, bodies


async def test_r48_two_devices_whose_shares_carried_a_trash_write_a_restore_anew_twice(
    hostile: HostileServer,
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    tmp_path: Path,
) -> None:
    """F4. Tom reads an entry; ana trashes it; later the laptop shares the journal with joan
    and the phone with kim: each share carries the removal again (R46 F7) and sets the
    entry's restore-anew marker `{}` on its device. The tablet restores the entry and syncs,
    then adds " More." and syncs. The laptop pulls both and writes the body anew as
    "Monday. More."; the phone pulled the restore a moment earlier (the server, or plain
    timing, gives it neither the tablet's line nor the laptop's write) and writes it anew as
    "Monday.". (The server here is only slow: the phone gets those records at its next
    sync.) Both rewrites delete the old body and insert fresh text at the same place,
    with different words, so they are not twins: every device and tom read the entry
    doubled ("Monday. More.Monday.")."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        tablet = await login("ana", "tablet")
        tom, joan, kim = await signup("tom"), await signup("joan"), await signup("kim")
        everyone = (laptop, phone, tablet, tom, joan, kim)
        entry = await laptop.entries.write("Personal", "Monday.", title="Hard day")
        await share_with(laptop, tom, role="annotate")
        await settle(*everyone)
        await laptop.entries.delete(entry.id)
        await settle(*everyone)
        await share_with(laptop, joan, role="annotate")
        await settle(*everyone)
        await share_with(phone, kim, role="annotate")
        await settle(*everyone)
        database = server_db(live_server)

        def ids() -> set[bytes]:
            return {bytes(r) for (r,) in rows(database, "SELECT record_id FROM records")}

        await tablet.entries.restore(entry.id)
        await tablet.sync()
        before = ids()
        await tablet.entries.edit(entry.id, append=" More.")
        await tablet.sync()
        line = ids() - before
        assert line
        before = ids()
        await laptop.sync()  # the restore and the line: "Monday. More." written anew
        anew = ids() - before
        assert anew
        hostile.replies["/v1/sync"] = delaying(line | anew)
        await phone.sync()  # the restore only: "Monday." written anew
        del hostile.replies["/v1/sync"]
        await settle(*everyone)
        bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone, tablet)]
        bodies += [e.body for e in await tom.entries.list()]
        assert bodies == ["Monday. More."] * 4, bodies
