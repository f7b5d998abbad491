"""A journal whose access chain has a problem (an owner entry of a newer chain version:
"update the app"; a rollback of the key epoch: tampering) has its outbox held: nothing of it
is sent, not even what was sealed before the problem was found, while the rest of the sync
goes on; the held records go once the problem is resolved. Sharing changes on it raise the
problem itself (R30 F1-F3, the whole kind). Real server; its database is changed between
steps as whoever runs the server can."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from client_sdk import Client
from client_sdk.errors import ChainUpdateNeeded, NotFound, RollbackError
from tests.client.sharing_support import journal_id, server_db
from tests.client.test_chain_versions import shared_journal, store_entry, stored_chain
from tests.client.test_r30_attacks import newer_entry, record_count
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401  (fixtures)


def move_epoch(live_server: RunningServer, journal: bytes, by: int) -> None:
    """Name another key epoch for the journal (and move its metadata version, so devices
    read the journal list again)."""
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "UPDATE journals SET epoch = epoch + ?, meta_version = meta_version + 1 "
            "WHERE journal_id = ?",
            (by, journal),
        )


def drop_entry(live_server: RunningServer, journal: bytes, position: int) -> None:
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "DELETE FROM access_chain WHERE journal_id = ? AND position = ?", (journal, position)
        )
        db.execute(
            "UPDATE journals SET meta_version = meta_version + 1 WHERE journal_id = ?", (journal,)
        )


async def test_records_sealed_before_a_rollback_are_held_and_go_once_the_server_is_honest(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """ana sealed an entry in Personal; the server then names an older key epoch (a
    rollback). The next sync sends nothing of Personal, says it is held and why, and still
    pushes her other journal; once the server names the verified epoch again, the held
    entry goes."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    await ana.journals.create("Work")
    await ana.sync()
    before = record_count(live_server, personal)
    await ana.entries.write("Personal", "Sealed before the server rolled back.")
    await ana.entries.write("Work", "Another journal goes on.")
    work = bytes.fromhex((await ana.journals.get("Work")).id)
    work_before = record_count(live_server, work)
    move_epoch(live_server, personal, -1)
    await ana.replica.refresh_journals()

    report = await ana.sync()
    assert report.rollbacks and report.update_needed == []
    assert record_count(live_server, personal) == before  # held
    assert record_count(live_server, work) == work_before + 1  # the rest goes on
    assert any("Personal" in p and "not pushed" in p for p in report.problems), report.problems
    assert await ana.pending() == 1

    move_epoch(live_server, personal, +1)  # the verified state again
    report = await ana.sync()
    assert report.rollbacks == [] and await ana.pending() == 0
    assert record_count(live_server, personal) == before + 1


async def test_records_held_for_an_update_go_once_the_chain_needs_none(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """Held while Personal's chain holds an entry of a newer version (the report says
    "update the app"); once it needs none (here: the entry is gone, as after an update that
    reads it), the held entry goes and nothing stays held."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    await ana.sync()
    before = record_count(live_server, personal)
    await ana.entries.write("Personal", "Written before the device learnt of the update.")
    chain = stored_chain(live_server, personal)
    store_entry(live_server, personal, len(chain), newer_entry(ana, personal, chain))
    await ana.replica.refresh_journals()

    report = await ana.sync()
    assert report.update_needed and report.rollbacks == []
    assert any("updated" in p and "not pushed" in p for p in report.problems), report.problems
    assert record_count(live_server, personal) == before
    with pytest.raises(ChainUpdateNeeded):
        await ana.entries.write("Personal", "Refused: update the app.")

    drop_entry(live_server, personal, len(chain))
    await ana.replica.refresh_journals()
    report = await ana.sync()
    assert report.update_needed == [] and report.rollbacks == []
    assert not ana.replica.chains.needs_update(personal)
    assert record_count(live_server, personal) == before + 1 and await ana.pending() == 0


async def test_revoking_a_share_of_a_rolled_back_journal_raises_the_rollback(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The server names an older key epoch for Personal: revoking tom there raises the
    rollback (nothing ended, nothing signed), never NotFound "not shared"."""
    ana, tom = await signup("ana"), await signup("tom")
    personal = await shared_journal(ana, tom, live_server)
    length = len(stored_chain(live_server, personal))
    move_epoch(live_server, personal, -1)
    await ana.replica.refresh_journals()
    with pytest.raises(RollbackError) as raised:
        await ana.shares.revoke("Personal", "tom")
    assert not isinstance(raised.value, NotFound)
    assert len(stored_chain(live_server, personal)) == length  # nothing signed


async def test_a_device_started_again_still_says_update_the_app_for_a_write(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    live_server: RunningServer,
) -> None:
    """ "Update needed" is kept on the device: after `tj sync` found it, a later command (a
    new process, before any refresh) refuses a write there with ChainUpdateNeeded, and `tj
    write` says "update the app", with no word of a rollback."""
    await laptop.ok("write", "Before the newer app.")
    await laptop.ok("sync")
    async with await Client.open(laptop.home) as ana:
        personal = await journal_id(ana, "Personal")
        chain = stored_chain(live_server, personal)
        newer = newer_entry(ana, personal, chain)
    store_entry(live_server, personal, len(chain), newer)
    assert (await phone.tj("sync")).exit_code == 1
    async with await Client.open(phone.home) as again:
        assert again.replica.chains.needs_update(personal)
        with pytest.raises(ChainUpdateNeeded):
            await again.entries.write("Personal", "Refused: update the app.")
    result = await phone.tj("write", "Refused too.")
    assert result.exit_code == 1, result.output
    assert "update the app" in result.output and "roll" not in result.output
