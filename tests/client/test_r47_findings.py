"""R47: hostile review of R43 F2 (late records carried), R45 F3 (twin inserts kept once) and
R45 F6 (kept words written anew at a restore pulled). Two devices of one account, a real
server on 127.0.0.1, real crypto. Every `test_r47_...` test here fails on integ5 at 12cc7dd
(see /work/R47-FINDINGS.md)."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from tests.client.hostile import HostileServer
from tests.client.sharing_support import rows, server_db, share_with
from tests.client.test_r43_race import hiding, quiet_phone, race
from tests.conftest import ClientFactory, RunningServer


async def settle(*devices: Client) -> None:
    """Two rounds, so every device has pulled what every other pushed."""
    for _ in range(2):
        for device in devices:
            await device.sync()


async def test_r47_different_sentences_added_apart_then_edited_keep_their_words(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """F1. The laptop and the phone each add a different sentence at the end of an entry
    before they sync (" I felt calm." / " I felt tired."): two Yjs inserts with the same
    origins and different words, both kept. Later the user adds "very " inside both
    sentences. Yjs splits each insert where "very " goes: the two left pieces " I felt " now
    have the same text and the same origins (a split keeps the left piece's origins), so
    `twin_deletes` takes them for twins and the next owner device that pulls the edit
    deletes one: words the user wrote on purpose, and kept for days, vanish everywhere."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "Start.")
    await settle(laptop, phone)
    await laptop.entries.edit(entry.id, body="Start. I felt calm.")
    await phone.entries.edit(entry.id, body="Start. I felt tired.")
    await settle(laptop, phone)
    merged = (await laptop.entries.get(entry.id)).body
    assert merged == (await phone.entries.get(entry.id)).body
    assert merged.count("I felt") == 2, merged  # both sentences kept, as designed
    edited = merged.replace("calm", "very calm").replace("tired", "very tired")
    await laptop.entries.edit(entry.id, body=edited)
    await settle(laptop, phone)
    bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone)]
    assert bodies == [edited, edited], (edited, bodies)


async def test_r47_words_deleted_after_a_restore_do_not_come_back_through_a_carried_removal(
    hostile: HostileServer, signup: ClientFactory, tmp_path: Path
) -> None:
    """F2. The laptop adds words to an entry and trashes it, pushed just before the phone
    shares the journal; the phone pulls them late and carries them across the cut with the
    words deleted (R43 F2), keeping them itself under a restore-anew marker. `_carry` writes
    that marker as `True` (the marker of an earlier version: which changes were carried,
    unknown), so when the laptop restores the entry and rewrites "Monday." as "Tuesday.",
    the phone's `_restore_kept` takes as base the kept body less everything the merge
    deleted, and its patches write back "Monday.", which the user deleted on purpose after
    the restore, on every device and at tom."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        entry = await laptop.entries.write(None, "Monday.", title="Hard day")
        await laptop.sync()
        await quiet_phone(state)
        await laptop.entries.edit(entry.id, append=" About my brother.")
        await laptop.entries.delete(entry.id)
        await laptop.sync()
        state.delay()
        tom = await signup("tom")
        await share_with(phone, tom, role="annotate")
        state.deliver()
        for _ in range(2):
            for device in (laptop, phone, tom):
                await device.sync()
        assert [e.id for e in await laptop.entries.trash()] == [entry.id]
        await laptop.entries.restore(entry.id)
        body = (await laptop.entries.get(entry.id)).body
        await laptop.entries.edit(entry.id, body=body.replace("Monday.", "Tuesday."))
        for _ in range(2):
            for device in (laptop, phone, tom):
                await device.sync()
        bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone)]
        assert bodies[0] == bodies[1], bodies
        assert "Monday" not in bodies[0], bodies
        assert "Tuesday." in bodies[0], bodies


async def test_r47_a_late_removal_carried_by_two_devices_is_not_written_twice_at_a_restore(
    hostile: HostileServer,
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    tmp_path: Path,
) -> None:
    """F3. Two owner devices carry one late removal (4.19 allows it: "two devices that carry
    one at once send the same Yjs changes twice, which changes nothing"): the laptop's words
    and trash, pushed just before the phone's share, are carried by the tablet (which pulls
    them with the boundary) and by the phone (from which the server holds back the tablet's
    carry). Each keeps the words under a restore-anew marker. When the laptop restores the
    entry, each writes them anew as fresh Yjs items: the words are there twice, on every
    device and at tom."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        tablet = await login("ana", "tablet")
        entry = await laptop.entries.write(None, "Monday.", title="Hard day")
        await laptop.sync()
        await tablet.sync()
        await quiet_phone(state)
        await laptop.entries.edit(entry.id, append=" About my brother.")
        await laptop.entries.delete(entry.id)
        await laptop.sync()
        state.delay()
        tom = await signup("tom")
        await share_with(phone, tom, role="annotate")
        database = server_db(live_server)
        before = {bytes(r) for (r,) in rows(database, "SELECT record_id FROM records")}
        await tablet.sync()  # the late words and trash, and the boundary: carried
        after = {bytes(r) for (r,) in rows(database, "SELECT record_id FROM records")}
        assert after - before  # the tablet's carry
        hostile.replies["/v1/sync"] = hiding(after - before)
        await phone.sync()  # the late records, not the tablet's carry: carried again
        del hostile.replies["/v1/sync"]
        for _ in range(2):
            for device in (laptop, phone, tablet, tom):
                await device.sync()
        assert [e.id for e in await laptop.entries.trash()] == [entry.id]
        await laptop.entries.restore(entry.id)
        for _ in range(2):
            for device in (laptop, phone, tablet, tom):
                await device.sync()
        bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone, tablet)]
        assert bodies[0] == bodies[1] == bodies[2], bodies
        assert bodies[0] == "Monday. About my brother.", bodies
        assert [e.body for e in await tom.entries.list()] == [bodies[0]]


async def test_r47_kept_words_written_anew_by_two_devices_at_once_are_kept_once(
    hostile: HostileServer,
    live_server: RunningServer,
    signup: ClientFactory,
    login: ClientFactory,
    tmp_path: Path,
) -> None:
    """F3, the two writers at once: as above, but the server holds the phone's words written
    anew back from the tablet when the tablet pulls the restore (a real race gives the
    same), so both write them anew, neither having the other's: the same words at the same
    place, kept once (protocol.md 5, rule 2)."""
    async with race(hostile, signup, tmp_path) as state:
        laptop, phone = state.laptop, state.phone
        tablet = await login("ana", "tablet")
        entry = await laptop.entries.write(None, "Monday.", title="Hard day")
        await laptop.sync()
        await tablet.sync()
        await quiet_phone(state)
        await laptop.entries.edit(entry.id, append=" About my brother.")
        await laptop.entries.delete(entry.id)
        await laptop.sync()
        state.delay()
        tom = await signup("tom")
        await share_with(phone, tom, role="annotate")
        database = server_db(live_server)
        before = {bytes(r) for (r,) in rows(database, "SELECT record_id FROM records")}
        await tablet.sync()
        after = {bytes(r) for (r,) in rows(database, "SELECT record_id FROM records")}
        hostile.replies["/v1/sync"] = hiding(after - before)
        await phone.sync()
        del hostile.replies["/v1/sync"]
        for _ in range(2):
            for device in (laptop, phone, tablet, tom):
                await device.sync()
        await laptop.entries.restore(entry.id)
        await laptop.sync()
        before = {bytes(r) for (r,) in rows(database, "SELECT record_id FROM records")}
        await phone.sync()  # writes the words anew
        after = {bytes(r) for (r,) in rows(database, "SELECT record_id FROM records")}
        assert after - before
        hostile.replies["/v1/sync"] = hiding(after - before)
        await tablet.sync()  # the restore, not the phone's words: writes them anew too
        del hostile.replies["/v1/sync"]
        for _ in range(2):
            for device in (laptop, phone, tablet, tom):
                await device.sync()
        bodies = [(await d.entries.get(entry.id)).body for d in (laptop, phone, tablet)]
        bodies += [e.body for e in await tom.entries.list()]
        assert bodies == ["Monday. About my brother."] * 4, bodies
