"""Compaction keeps a long edit history short on the server: snapshots replace the updates
they contain, new devices start from the snapshot, and a device that was offline across a
compaction still converges without losing its offline edit."""

from __future__ import annotations

import pytest

from client_sdk import Client
from tests.conftest import BACKENDS, ClientFactory, RunningServer

# A representative end-to-end subset that runs on both storage backends.
pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

EDITS = 300
COMPACT_AFTER = 20
BOUND = 45


async def records_in(server: RunningServer, journal_id: str) -> int:
    [(count,)] = await server.rows(
        "SELECT count(*) FROM records WHERE journal_id = ?", bytes.fromhex(journal_id)
    )
    return int(count)


def words(count: int, prefix: str = "w") -> list[str]:
    return [f"{prefix}{n}x" for n in range(count)]


@pytest.mark.slow
async def test_a_long_edit_history_stays_bounded_on_the_server_and_keeps_every_word(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    laptop.replica.compact_after = COMPACT_AFTER
    entry = await laptop.entries.write(None, "start")
    journal_id = entry.journal_id
    highest = 0
    compactions = 0
    for word in words(EDITS):
        await laptop.entries.edit(entry.id, append=f" {word}")
        compactions += (await laptop.sync()).compacted
        highest = max(highest, await records_in(live_server, journal_id))

    assert compactions >= EDITS // COMPACT_AFTER - 1
    assert highest <= BOUND
    assert await records_in(live_server, journal_id) < BOUND
    body = (await laptop.entries.get(entry.id)).body
    assert body.split() == ["start", *words(EDITS)]

    desktop = await login("ana", device="desktop")
    report = await desktop.sync()
    assert report.pulled < BOUND
    assert (await desktop.entries.get(entry.id)).body == body


async def test_a_device_offline_across_a_compaction_converges_and_keeps_its_offline_edit(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    laptop.replica.compact_after = COMPACT_AFTER
    entry = await laptop.entries.write(None, "start")
    for word in words(10, "early"):
        await laptop.entries.edit(entry.id, append=f" {word}")
        await laptop.sync()
    phone = await login("ana")
    phone.replica.compact_after = COMPACT_AFTER
    await phone.sync()

    await phone.entries.edit(entry.id, append=" offline1x", mood=3)  # offline from here on
    compactions = 0
    for word in words(60, "late"):
        await laptop.entries.edit(entry.id, append=f" {word}")
        compactions += (await laptop.sync()).compacted
    assert compactions >= 2
    assert await records_in(live_server, entry.journal_id) < BOUND

    await phone.sync()
    await laptop.sync()
    on_phone, on_laptop = await phone.entries.get(entry.id), await laptop.entries.get(entry.id)
    assert on_phone.to_dict() == on_laptop.to_dict()
    assert on_laptop.mood == 3
    expected = {"start", "offline1x", *words(10, "early"), *words(60, "late")}
    assert sorted(on_laptop.body.split()) == sorted(expected)
    assert await phone.pending() == 0


async def test_a_device_reopened_after_compaction_still_edits_the_same_entry(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    laptop = await signup("ana")
    laptop.replica.compact_after = 5
    entry = await laptop.entries.write(None, "start")
    for word in words(12):
        await laptop.entries.edit(entry.id, append=f" {word}")
        await laptop.sync()
    await laptop.close()

    reopened = await Client.open(laptop.home)
    try:
        await reopened.entries.edit(entry.id, append=" after")
        await reopened.sync()
        assert (await reopened.entries.get(entry.id)).body.split() == ["start", *words(12), "after"]
    finally:
        await reopened.close()
