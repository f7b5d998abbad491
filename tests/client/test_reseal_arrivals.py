"""A snapshot is an arrival when it brings a device anything it did not hold (a share's
re-seal of another device's waiting change), and only then: a compaction of what a device
already held is told as nothing (R45 F4). Two devices of one account (and a therapist), a
real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def settle(*devices: Client) -> None:
    for _ in range(2):
        for device in devices:
            await device.sync()


async def test_a_mood_changed_on_both_devices_and_resealed_is_told_where_it_lost(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """Each device sets another mood offline; the phone then shares the journal, so the
    laptop's waiting moods reach the phone in re-seal snapshots. Which value wins depends
    on the Yjs client ids (random), so four entries: the phone's value loses in at least
    one of them but one time in 16. Whichever device's value lost is told, through
    `SyncReport.settled`, with both values; the device whose value was kept is told
    nothing."""
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    entries = [await laptop.entries.write(None, f"Tired {n}.", mood=5) for n in range(4)]
    await settle(laptop, phone)
    for entry in entries:
        await laptop.entries.edit(entry.id, mood=3)
        await phone.entries.edit(entry.id, mood=8)
    tom = await signup("tom")
    await share_with(phone, tom, role="annotate")
    told: dict[str, list[tuple[str, str, object, object]]] = {"laptop": [], "phone": []}
    for _ in range(2):
        for name, device in (("laptop", laptop), ("phone", phone)):
            told[name] += [
                (s.entry_id, s.field, s.mine, s.kept) for s in (await device.sync()).settled
            ]
    expected: dict[str, list[tuple[str, str, object, object]]] = {"laptop": [], "phone": []}
    for entry in entries:
        kept = (await laptop.entries.get(entry.id)).mood
        assert kept == (await phone.entries.get(entry.id)).mood
        assert kept in (3, 8)
        if kept == 3:
            expected["phone"].append((entry.id, "mood", 8, 3))
        else:
            expected["laptop"].append((entry.id, "mood", 3, 8))
    assert {name: sorted(found) for name, found in told.items()} == {
        name: sorted(found) for name, found in expected.items()
    }


async def test_a_compaction_of_what_a_device_held_is_no_arrival(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The laptop compacts an entry's history after pulling the phone's last change: the
    snapshot holds nothing the phone did not hold, so the phone's next sync tells nothing
    (no "changed entry", no merge, no settled field)."""
    laptop = await signup("ana", "laptop")
    laptop.replica.compact_after = 5
    phone = await login("ana", "phone")
    entry = await laptop.entries.write(None, "start", mood=4)
    for word in ("one", "two", "three"):
        await laptop.entries.edit(entry.id, append=f" {word}")
        assert (await laptop.sync()).compacted == 0
    await phone.sync()
    await phone.entries.edit(entry.id, body="start one two three four", mood=6)
    await phone.sync()
    assert (await laptop.sync()).compacted == 1, "no compaction: the test would prove nothing"
    report = await phone.sync()
    assert report.pulled == 1  # the snapshot
    assert report.arrivals == {}
    assert report.news == []
    assert report.settled == [] and report.merged_texts == []
    assert (await phone.entries.get(entry.id)).body == "start one two three four"
