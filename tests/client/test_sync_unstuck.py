"""Sync never gets stuck: after an erasure deleted the last records of a journal, a pull still
ends in a couple of requests, on new and old devices; and a server that keeps answering "not
done" without sending anything is asked only a few times before the sync stops and says so.

Requests are counted through a loopback proxy in front of the real server."""

from __future__ import annotations

from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, wire
from client_sdk.replica import STALLED_ROUNDS
from tests.client.recording_proxy import recording_proxy
from tests.conftest import PASSWORD, ClientFactory, RunningServer

THERAPIST = "dr.erased"


async def therapist_note_then_erasure(signup: ClientFactory) -> tuple[Client, str]:
    """ana shares her journal with an annotating therapist, who adds a note (the last record
    of the journal) and then erases their account, which deletes that note on the server."""
    ana = await signup("ana")
    therapist = await signup(THERAPIST)
    await ana.entries.write("Personal", "Before the session.", mood=5)
    await ana.shares.grant(
        "Personal", THERAPIST, role="annotate", trust_on_first_use=True, full=True
    )
    await ana.sync()
    await therapist.sync()
    await therapist.notes.add("ana/Personal", "Try the breathing exercise.")
    await therapist.sync()
    await ana.sync()
    assert [note.text for note in await ana.notes.list()] == ["Try the breathing exercise."]
    await therapist.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    return ana, "Before the session."


async def login_through(url: str, home: Path) -> Client:
    return await Client.login(
        url, "ana", PASSWORD, home=home, device_name="new phone", minimum_cost=INSECURE_TEST_COST
    )


async def test_a_new_device_pulls_to_the_end_after_an_erasure_deleted_the_last_record(
    live_server: RunningServer, signup: ClientFactory, tmp_path: Path
) -> None:
    _, body = await therapist_note_then_erasure(signup)
    async with recording_proxy(live_server.url) as proxy:
        phone = await login_through(proxy.url, tmp_path / "ana-new-phone")
        try:
            report = await phone.sync()
            assert [entry.body for entry in await phone.entries.list()] == [body]
            assert report.incomplete == []
            # One page with the records, at most one more to step past the deleted note.
            assert proxy.paths().count("/v1/sync") <= 2
            before = len(proxy.requests)
            again = await phone.sync()
            assert (again.pulled, again.incomplete) == (0, [])
            assert proxy.paths()[before:].count("/v1/sync") == 1
        finally:
            await phone.close()


async def test_every_device_keeps_syncing_a_journal_after_an_annotator_erased_their_account(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    ana, body = await therapist_note_then_erasure(signup)
    phone = await login("ana")
    assert (await phone.sync()).incomplete == []
    after = await ana.entries.write("Personal", "After the erasure.")
    report = await ana.sync()
    assert (report.pushed, report.incomplete, report.problems) == (1, [], [])
    pulled = await phone.sync()
    assert (pulled.pulled, pulled.incomplete) == (1, [])
    assert (await phone.entries.get(after.id)).body == "After the erasure."
    assert sorted(e.body for e in await phone.entries.list()) == sorted(
        [body, "After the erasure."]
    )
    # The old device keeps the note it already had; the new one never receives it.
    assert [note.text for note in await ana.notes.list()] == ["Try the breathing exercise."]
    assert await phone.notes.list() == []


async def test_a_server_that_never_finishes_a_pull_is_asked_only_a_few_times(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    await ana.entries.write("Personal", "Kept on the device.")
    journal_id = bytes.fromhex((await ana.journals.get()).id)
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url = proxy.url
        await ana.sync()
        cursor = [j.cursor for j in await ana.store.journals()][0]
        never_done = wire.SyncReply(
            [wire.JournalPage(journal_id, [], cursor, cursor + 10, 1)], False
        )
        proxy.replies["/v1/sync"] = (200, wire.encode(never_done))
        before = len(proxy.requests)
        report = await ana.sync()
        asked = proxy.paths()[before:].count("/v1/sync")
    assert asked == STALLED_ROUNDS
    [stopped] = report.incomplete
    assert "'Personal'" in stopped and f"up to {cursor + 10}" in stopped
    assert [entry.body for entry in await ana.entries.list()] == ["Kept on the device."]
