"""Nothing written is lost: offline writes survive failed syncs and restarts, and a push
whose reply was lost is retried without ever storing a record twice."""

from __future__ import annotations

import socket

import pytest
from aiohttp.test_utils import TestServer

from client_sdk import Client, NetworkError, sync, wire
from server import create_app
from tests.conftest import BACKENDS, TEST_SETTINGS, ClientFactory, RunningServer

# A representative end-to-end subset that runs on both storage backends.
pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def dead_url() -> str:
    """An address on loopback where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def stored_records(live_server: RunningServer, record_id: bytes | None = None) -> int:
    if record_id is None:
        [(count,)] = await live_server.rows("SELECT count(*) FROM records")
    else:
        [(count,)] = await live_server.rows(
            "SELECT count(*) FROM records WHERE record_id = ?", record_id
        )
    return int(count)


async def test_an_entry_written_offline_survives_a_restart_and_syncs_later(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    laptop.transport.base_url = dead_url()
    entry = await laptop.entries.write(
        None, "Written on the train", title="Offline", tags=["travel"]
    )
    with pytest.raises(NetworkError, match="kept on this device"):
        await laptop.sync()
    assert await laptop.pending() == 1
    await laptop.close()

    reopened = await Client.open(laptop.home)
    try:
        assert await reopened.pending() == 1
        [kept] = await reopened.entries.list()
        assert (kept.id, kept.title, kept.body) == (entry.id, "Offline", "Written on the train")
        report = await reopened.sync()
        assert report.pushed == 1
        assert await reopened.pending() == 0
    finally:
        await reopened.close()

    phone = await login("ana")
    await phone.sync()
    [seen] = await phone.entries.list()
    assert (seen.id, seen.body, seen.tags) == (entry.id, "Written on the train", ("travel",))


async def test_writes_while_the_server_is_down_are_pushed_once_it_is_back(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "Before the outage")
    await laptop.sync()
    port = live_server.server.port
    await live_server.server.close()

    during = await laptop.entries.write(None, "During the outage")
    with pytest.raises(NetworkError):
        await laptop.sync()
    assert await laptop.pending() == 1

    app = create_app(
        live_server.data_dir,
        database=live_server.database_url,
        settings=TEST_SETTINGS,
        clock=live_server.clock,
    )
    restarted = TestServer(app, host="127.0.0.1", port=port)
    await restarted.start_server()
    try:
        assert (await laptop.sync()).pushed == 1
        phone = await login("ana")
        await phone.sync()
        bodies = [entry.body for entry in await phone.entries.list()]
        assert bodies == ["During the outage", "Before the outage"]
        assert (await phone.entries.get(during.id)).body == "During the outage"
    finally:
        await restarted.close()


async def test_a_push_whose_reply_was_lost_is_stored_exactly_once(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "Sent twice, kept once")
    [batch] = sync.push_batches(await laptop.store.outbox())
    [record] = batch
    # The server stores the batch, but the device never hears back:
    await laptop.transport.call("/v1/records/push", sync.push_request(batch), wire.PushReply)
    assert await laptop.pending() == 1

    report = await laptop.sync()
    assert report.pushed == 1
    assert await laptop.pending() == 0
    assert await stored_records(live_server, record.record_id) == 1
    assert await stored_records(live_server) == 1

    phone = await login("ana")
    assert (await phone.sync()).pulled == 1
    [seen] = await phone.entries.list()
    assert (seen.id, seen.body) == (entry.id, "Sent twice, kept once")


async def test_a_sync_after_a_lost_reply_does_not_show_the_entry_twice_on_the_writer(
    signup: ClientFactory,
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "Only once")
    [batch] = sync.push_batches(await laptop.store.outbox())
    await laptop.transport.call("/v1/records/push", sync.push_request(batch), wire.PushReply)
    report = await laptop.sync()
    assert (report.pulled, report.problems) == (0, [])
    assert [entry.body for entry in await laptop.entries.list()] == ["Only once"]


async def test_creating_a_journal_again_after_a_lost_reply_does_not_make_a_second_one(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    first = await laptop.journals.create("Dreams")  # the phone never heard the reply
    again = await phone.journals.create("Dreams")
    assert again.id == first.id
    assert sorted(j.name for j in await phone.journals.list()) == ["Dreams", "Personal"]


async def test_a_journal_created_offline_is_written_to_survives_a_restart_and_syncs_later(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    laptop.transport.base_url = dead_url()
    created = await laptop.journals.create("Work")
    await laptop.entries.write("Work", "Written before the server knew the journal.", mood=5)
    assert [(j.name, j.role) for j in await laptop.journals.list()] == [
        ("Personal", "owner"),
        ("Work", "owner"),
    ]
    await laptop.close()

    reopened = await Client.open(laptop.home)  # the signed chain and the request were kept
    try:
        report = await reopened.sync()
        assert (report.pushed, report.rollbacks, report.problems) == (1, [], [])
        assert await reopened.store.pending_journals() == []
    finally:
        await reopened.close()
    [(owner,)] = await live_server.rows(
        "SELECT owner_id FROM journals WHERE journal_id = ?", bytes.fromhex(created.id)
    )
    assert bytes(owner) == laptop.profile.account_id

    phone = await login("ana")
    await phone.sync()
    [entry] = await phone.entries.list("Work")
    assert (entry.body, entry.mood) == ("Written before the server knew the journal.", 5)
    assert (await phone.journals.get("Work")).id == created.id


async def test_a_journal_creation_whose_reply_was_lost_is_sent_again_without_a_second_journal(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    laptop = await signup("ana")
    laptop.transport.base_url = dead_url()
    await laptop.journals.create("Work")
    [pending] = await laptop.store.pending_journals()
    laptop.transport.base_url = live_server.url
    await laptop.sync()
    async with laptop.store.transaction() as tx:  # as if the reply to that call was lost
        await tx.add_pending_journal(*pending)

    report = await laptop.sync()
    assert (report.rollbacks, report.problems) == ([], [])
    assert await laptop.store.pending_journals() == []
    [(count,)] = await live_server.rows(
        "SELECT count(*) FROM journals WHERE owner_id = ?", laptop.profile.account_id
    )
    assert count == 2
