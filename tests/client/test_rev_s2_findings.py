"""REV-S2 findings (scope: e0f8a8e..d43fa4e): the owed share boundary, the size check sealed
in a rolled-back transaction, compaction order, the seen vector's byte budget. Real server
on 127.0.0.1 (behind the loopback hostile proxy where the server misbehaves), real crypto.
Each finding's test asserts the intended behaviour (fixed: the owed note names the signed
grant's handle and chain position, and is dropped only when another entry took that
position)."""

from __future__ import annotations

import dataclasses

import pytest

from client_sdk import owed_shares, wire
from client_sdk.errors import TJError
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.conftest import ClientFactory


class LostReply(Exception):
    """The proxy drops the real server's answer (aiohttp answers 500)."""


async def test_s2_f1_a_server_hiding_the_grant_for_one_sync_makes_the_owed_boundary_forgotten(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """ana's device pushes lea's grant; the server stores it but loses the reply, so the
    share raises before its boundary is sealed (the note `owing_share` wrote stays: the
    case REV-S1 F1's fix is for). At ana's next sync the server lists the journal as it was
    before the grant (a chain ana's device verified: no rollback to see), so `due` is
    false and the note is dropped as 'a grant that never reached the chain'. Then the
    server serves the grant: lea is a member on the owner-signed chain, ana's devices list
    her, and she reads none of the journal; no sync of ana's seals it or says so."""
    ana = await through("ana")
    written = [await ana.entries.write(None, f"entry {n}") for n in range(3)]
    await ana.sync(strict=True)
    personal = await journal_id(ana, "Personal")
    await ana.replica.refresh_journals()
    before = {
        j.journal_id: j
        for j in wire.decode(wire.JournalList, hostile.replies_to("/v1/journals/list")[-1]).journals
    }[personal]
    lea = await signup("lea")

    def lose(request: bytes, reply: bytes) -> bytes:
        raise LostReply

    hostile.replies["/v1/journals/rotate"] = lose
    with pytest.raises(TJError):
        await share_with(ana, lea)
    del hostile.replies["/v1/journals/rotate"]
    assert await ana.store.setting(owed_shares.SETTING) is not None  # owed, as designed

    def pre_grant(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        served = [before if j.journal_id == personal else j for j in real.journals]
        return wire.encode(dataclasses.replace(real, journals=served))

    hostile.replies["/v1/journals/list"] = pre_grant
    await ana.replica.refresh_journals()
    first = await ana.sync()
    assert first.rollbacks == []  # nothing to see: the device never verified the grant
    assert any("share with lea is not confirmed" in p for p in first.problems)  # told
    del hostile.replies["/v1/journals/list"]  # the truth again

    report = await ana.sync()
    await ana.sync()
    state = ana.replica.chains.state(personal)
    assert state is not None
    assert any(m.who is not None and m.who.username == "lea" for m in state.members.values())
    await lea.shares.verify("ana", await ana.shares.fingerprint())
    await lea.sync()
    # Intended: the boundary is still owed and sealed once the grant shows, and lea reads
    # the journal (or at least ana's device says the share is not complete).
    assert sorted(e.id for e in await lea.entries.list("ana/Personal")) == sorted(
        e.id for e in written
    )
    assert report.finished_shares == [owed_shares.finished("lea", "Personal")]


async def test_s2_control_a_lost_grant_reply_alone_is_finished_by_the_next_sync(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """Control for F1: the same lost reply, with the server honest afterwards, is repaired
    by the next sync (the owed note works as designed)."""
    ana = await through("ana")
    written = [await ana.entries.write(None, f"entry {n}") for n in range(2)]
    await ana.sync(strict=True)
    lea = await signup("lea")

    def lose(request: bytes, reply: bytes) -> bytes:
        raise LostReply

    hostile.replies["/v1/journals/rotate"] = lose
    with pytest.raises(TJError):
        await share_with(ana, lea)
    del hostile.replies["/v1/journals/rotate"]
    report = await ana.sync()
    assert report.finished_shares == [owed_shares.finished("lea", "Personal")]
    await lea.shares.verify("ana", await ana.shares.fingerprint())
    await lea.sync(strict=True)
    assert sorted(e.id for e in await lea.entries.list("ana/Personal")) == sorted(
        e.id for e in written
    )


async def test_s2_f2_a_sync_of_another_process_drops_the_note_of_a_share_under_way(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """ana's app shares with lea while `tj sync` (another process: another Client on the
    same home) runs. The note is written, then the grant's request is on its way (held by
    the network); the other process's sync finds the note not due (the grant not on the
    chain yet) and drops it. The grant then reaches the server but its reply is lost (the
    app stops, the connection drops): the boundary was never sealed and nothing is owed any
    more. lea is a member and reads nothing; no sync repairs it."""
    import asyncio

    from client_sdk import Client

    ana = await through("ana")
    written = [await ana.entries.write(None, f"entry {n}") for n in range(2)]
    await ana.sync(strict=True)
    lea = await signup("lea")
    other = await Client.open(ana.home)  # `tj sync` in another process, same profile
    try:
        reached, go = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            reached.set()
            await go.wait()

        def lose(request: bytes, reply: bytes) -> bytes:
            raise LostReply

        hostile.holds["/v1/journals/rotate"] = hold
        hostile.replies["/v1/journals/rotate"] = lose
        sharing = asyncio.ensure_future(share_with(ana, lea))
        await asyncio.wait_for(reached.wait(), 30)
        assert await other.store.setting(owed_shares.SETTING) is not None  # noted
        meanwhile = await other.sync()
        assert any("share with lea is not confirmed" in p for p in meanwhile.problems)
        go.set()
        with pytest.raises(TJError):
            await sharing
        del hostile.holds["/v1/journals/rotate"], hostile.replies["/v1/journals/rotate"]
        await ana.sync()
        await other.sync()
    finally:
        await other.close()
    await lea.shares.verify("ana", await ana.shares.fingerprint())
    await lea.sync()
    assert sorted(e.id for e in await lea.entries.list("ana/Personal")) == sorted(
        e.id for e in written
    )
