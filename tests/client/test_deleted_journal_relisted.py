"""REV-FINAL F2: a journal this device deleted, which a server lists again (it did not carry
the deletion out), possibly at an older prefix of its chain from before a member was
removed, is not taken back: this device kept nothing of it to find the rollback against, and
took it back writable under the epoch the removed member holds. Its deletion is asked again."""

from __future__ import annotations

import sqlite3
from contextlib import closing

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
