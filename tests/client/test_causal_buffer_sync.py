"""The causal buffer end to end (protocol.md §5, "Updates that wait for missing clocks"):
a device never compacts a document while something of it waits, so the records it waits
with stay on the server for the devices that read them, and no compaction snapshot carries
what waits (rev-wn W1)."""

from __future__ import annotations

from tests.client.sharing_support import journal_id
from tests.client.test_compaction import records_in
from tests.client.test_withheld_edit_waits import serve_again, take_record
from tests.conftest import ClientFactory, RunningServer

SECRET = "I never told anyone about the accident."


async def test_a_document_with_updates_that_wait_is_not_compacted_until_they_apply(
    signup: ClientFactory, login: ClientFactory, live_server: RunningServer
) -> None:
    laptop = await signup("ana")
    laptop.replica.compact_after = 10**6  # only the phone compacts
    entry = await laptop.entries.write("Personal", "Monday.")
    await laptop.sync()
    phone = await login("ana")
    phone.replica.compact_after = 2
    await phone.sync()
    personal = await journal_id(laptop, "Personal")

    await laptop.entries.edit(entry.id, append="Slept badly.")
    await laptop.sync()
    withheld = take_record(live_server, personal)
    await laptop.entries.edit(entry.id, append=SECRET)
    await laptop.sync()
    await laptop.entries.edit(entry.id, body="Monday. Slept badly.")  # deleted again
    await laptop.sync()
    on_server = await records_in(live_server, entry.journal_id)

    report = await phone.sync()  # the last two edits wait for the withheld one
    assert (await phone.entries.get(entry.id)).body == "Monday."
    stored = await phone.store.document(bytes.fromhex(entry.id))
    assert stored is not None and stored.waiting != b""
    assert SECRET.encode() not in stored.state
    assert report.compacted == 0  # three records of its own account: a candidate, skipped
    assert await records_in(live_server, entry.journal_id) == on_server  # none superseded

    serve_again(live_server, withheld)
    report = await phone.sync()
    assert (await phone.entries.get(entry.id)).body == "Monday. Slept badly."
    report = await phone.sync() if not report.compacted else report
    assert report.compacted == 1  # nothing waits any more: compacted
    assert await records_in(live_server, entry.journal_id) < on_server + 1  # + the one served

    desktop = await login("ana", device="desktop")  # starts from the phone's snapshot
    await desktop.sync()
    assert (await desktop.entries.get(entry.id)).body == "Monday. Slept badly."
    stored = await desktop.store.document(bytes.fromhex(entry.id))
    assert stored is not None and stored.waiting == b""
    assert SECRET.encode() not in stored.state
