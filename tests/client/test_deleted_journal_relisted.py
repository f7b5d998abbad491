"""REV-FINAL F2: a journal this device deleted, which a server lists again (it did not carry
the deletion out), possibly at an older prefix of its chain from before a member was
removed, is not taken back: this device kept nothing of it to find the rollback against, and
took it back writable under the epoch the removed member holds. Its deletion is asked again."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from client_sdk import Client, NotFound, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, server_db, share_with
from tests.client.test_chain_versions import stored_chain
from tests.conftest import RunningServer


def deletes_faked(hostile: HostileServer) -> list[bytes]:
    """The server answers every journal deletion "done" and deletes nothing; the ids asked."""
    asked: list[bytes] = []
    forward = hostile.forward

    async def fake(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path != "/v1/journals/delete":
            return await forward(session, request)
        asked.append(wire.decode(wire.JournalRequest, await request.read()).journal_id)
        return web.Response(
            status=200, body=wire.encode(wire.Empty()), content_type="application/msgpack"
        )

    hostile.forward = fake  # type: ignore[method-assign]
    return asked


async def epoch_of(client: Client, journal: bytes) -> int:
    return next(j.epoch for j in await client.store.journals() if j.journal_id == journal)


def record_count(live_server: RunningServer, journal: bytes) -> int:
    with closing(sqlite3.connect(server_db(live_server))) as db:
        row = db.execute("SELECT count(*) FROM records WHERE journal_id = ?", (journal,)).fetchone()
    return int(row[0])


def roll_back(live_server: RunningServer, journal: bytes, length: int, epoch: int) -> None:
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        db.execute(
            "DELETE FROM access_chain WHERE journal_id = ? AND position >= ?", (journal, length)
        )
        db.execute(
            "UPDATE journals SET epoch = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
            (epoch, journal),
        )


def record_epochs(live_server: RunningServer, journal: bytes) -> list[int]:
    with closing(sqlite3.connect(server_db(live_server))) as db:
        rows = db.execute(
            "SELECT epoch FROM records WHERE journal_id = ? ORDER BY seq", (journal,)
        ).fetchall()
    return [int(row[0]) for row in rows]


async def work_shared_then_revoked(
    through: Through, live_server: RunningServer
) -> tuple[Client, bytes, int, int]:
    """ana's journal Work, shared with tom, then tom removed (a new key epoch): ana, Work's
    id, the chain's length and the epoch while tom was a member."""
    ana, tom = await through("ana"), await through("tom")
    await ana.journals.create("Work")
    await ana.entries.write("Work", "Before tom was removed.")
    await share_with(ana, tom, "Work")
    await ana.sync()
    work = await journal_id(ana, "Work")
    shared_length = len(stored_chain(live_server, work))
    epoch_shared = await epoch_of(ana, work)
    await ana.shares.revoke("Work", "tom")
    await ana.sync()
    assert await epoch_of(ana, work) > epoch_shared
    return ana, work, shared_length, epoch_shared


async def test_a_deleted_journal_listed_again_before_a_removal_is_not_taken_back(
    through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    ana, work, shared_length, epoch_shared = await work_shared_then_revoked(through, live_server)
    asked = deletes_faked(hostile)
    await ana.journals.delete("Work")
    assert asked == [work]
    with closing(sqlite3.connect(server_db(live_server))) as db, db:
        # The chain as it was while tom was a member, at the epoch he holds the key of.
        db.execute(
            "DELETE FROM access_chain WHERE journal_id = ? AND position >= ?",
            (work, shared_length),
        )
        db.execute(
            "UPDATE journals SET epoch = ?, meta_version = meta_version + 1 WHERE journal_id = ?",
            (epoch_shared, work),
        )
    records = record_count(live_server, work)

    report = await ana.sync()

    assert "Work" not in {j.name for j in await ana.journals.list()}
    assert work not in {j.journal_id for j in await ana.store.journals()}
    assert ana.replica.chains.state(work) is None  # nothing of the served chain taken
    assert [n for n in report.news if n.kind == "journal"] == []
    told = [line for line in report.problems if work.hex()[:8] in line]
    assert (
        told and "not taken back" in told[0] and "deletion was asked of the server again" in told[0]
    )
    assert asked == [work, work]  # the owner's deletion, asked of the server again
    with pytest.raises(NotFound):
        await ana.entries.write("Work", "Would be sealed under the epoch tom holds.")
    await ana.sync()
    assert record_count(live_server, work) == records  # nothing written into it


async def test_a_deleted_journal_the_server_still_lists_is_deleted_when_asked_again(
    through: Through, hostile: HostileServer, live_server: RunningServer
) -> None:
    """A server that lost the deletion (a backup restored) deletes it when asked again: the
    next sync lists nothing and says nothing."""
    ana = await through("ana")
    await ana.journals.create("Work")
    await ana.sync()
    work = await journal_id(ana, "Work")
    forward = hostile.forward
    deletes_faked(hostile)
    await ana.journals.delete("Work")
    hostile.forward = forward  # type: ignore[method-assign]

    first = await ana.sync()
    assert any("deletion was asked of the server again" in line for line in first.problems), (
        first.problems
    )
    with closing(sqlite3.connect(server_db(live_server))) as db:
        assert (
            db.execute("SELECT count(*) FROM journals WHERE journal_id = ?", (work,)).fetchone()[0]
            == 0
        )
    second = await ana.sync()
    assert not [line for line in second.problems if work.hex()[:8] in line]
    assert "Work" not in {j.name for j in await ana.journals.list()}


async def test_a_deleted_journal_rolled_back_is_not_taken_back_by_another_process(
    through: Through, hostile: HostileServer, live_server: RunningServer, tmp_path: Path
) -> None:
    """REV-FINAL F2, the variant of two processes of one profile: the app holds Work's whole
    verified chain in memory (after tom's removal) when `tj journal delete Work` runs beside
    it; the server fakes the deletion and lists Work to the app at the prefix of its chain
    from before the removal. The app reads the deletion from the store: Work is not taken
    back (no chain, no keys, nothing writable under the epoch tom holds), the sync says so,
    and it is not told as "two histories" (a fork), the label a stored chain shorter than
    the one the app verified would have got."""
    ana, work, shared_length, epoch_shared = await work_shared_then_revoked(through, live_server)
    app = await Client.open(tmp_path / "ana-via-proxy")
    try:
        await app.sync()
        held = app.replica.chains.state(work)
        assert held is not None and held.length > shared_length  # the whole chain, in memory
        asked = deletes_faked(hostile)
        await ana.journals.delete("Work")  # `tj`, another process; faked by the server
        assert asked == [work]
        roll_back(live_server, work, shared_length, epoch_shared)
        epochs = record_epochs(live_server, work)

        report = await app.sync()

        assert work not in {j.journal_id for j in await app.store.journals()}
        assert app.replica.chains.state(work) is None
        assert not [k for k in await app.store.journal_keys() if k[0] == work]
        assert work not in await app.store.access_entries()
        told = [line for line in report.problems if work.hex()[:8] in line]
        assert told and "not taken back" in told[0], report.problems
        forks = [line for line in report.problems + report.rollbacks if "does not continue" in line]
        assert forks == []
        with pytest.raises(NotFound):
            await app.entries.write("Work", "Would be sealed under the epoch tom holds.")
        await app.sync()
        assert record_epochs(live_server, work) == epochs  # nothing sealed for tom
    finally:
        await app.close()
