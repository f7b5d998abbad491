"""A share's grant the server never stored is signed again by the next sync (protocol.md 4.19
"A share's boundary owed"): the request reached the server's side (a proxy here) and was
never stored (a crash before its commit, a connection cut after it was sent, a hostile
server dropping it). The next sync of the sharing device signs the same grant (same handle)
again on its current verified chain, at the same position, at most once a sync, and seals
the boundary once it is stored; never for a share no longer wanted (ended by the owner, its
end date passed), never at a position another entry took, never on a rolled-back chain. Real
server on 127.0.0.1 behind the loopback hostile proxy, real crypto."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web

from client_sdk import Client, owed_shares, wire
from client_sdk.errors import RollbackError, TJError
from client_sdk.withholding import is_cut
from tests.client.hostile import FORWARDED_HEADERS, HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_writer_limits import signed_by
from tests.clock import AheadClock
from tests.conftest import ClientFactory, RunningServer

ROTATE = "/v1/journals/rotate"


@dataclass
class Dropped:
    """Rotate requests the proxy took and never forwarded (the connection then cut): kept,
    with their headers, to be forwarded late by the test (`late`)."""

    upstream: str
    reached: int = 0
    kept: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    count: int | None = 1
    """How many to drop (None: every one)."""
    fake_ok: bool = False
    """Answer the next rotate request not dropped with success, storing nothing (a server
    that lies that it stored it)."""
    refuse: tuple[int, str] | None = None
    """Answer the next rotate request not dropped with this (HTTP status, error code),
    storing nothing (a server that refuses it for no reason the device can check)."""
    before_next: bool = False
    """Forward the first kept request to the server just before the next rotate request
    (the original arriving late, just ahead of the one signed again)."""

    async def late(self, index: int = 0) -> tuple[int, bytes]:
        """Forward kept request `index` to the real server now: (status, reply body)."""
        body, headers = self.kept[index]
        async with aiohttp.ClientSession() as session:
            async with session.post(self.upstream + ROTATE, data=body, headers=headers) as real:
                return real.status, await real.read()


def drop_rotates(hostile: HostileServer, count: int | None = 1) -> Dropped:
    """The proxy takes the first `count` rotate requests (None: all) whole, stores nothing
    and cuts the connection (aiohttp answers 500): the device cannot tell it from a lost
    reply."""
    dropped = Dropped(hostile.upstream, count=count)
    forward = hostile.forward

    async def dropping(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path != ROTATE:
            return await forward(session, request)
        dropped.reached += 1
        if dropped.count is None or len(dropped.kept) < dropped.count:
            body = await request.read()
            headers = {h: request.headers[h] for h in FORWARDED_HEADERS if h in request.headers}
            dropped.kept.append((body, headers))
            raise ConnectionError("the connection dropped after the request was sent")
        if dropped.refuse is not None:
            (status, code), dropped.refuse = dropped.refuse, None
            await request.read()
            error = wire.encode(wire.ErrorReply(code, "refused"))
            return web.Response(status=status, body=error, content_type="application/msgpack")
        if dropped.fake_ok:
            dropped.fake_ok = False
            await request.read()
            empty = wire.encode(wire.Empty())
            return web.Response(status=200, body=empty, content_type="application/msgpack")
        if dropped.before_next:
            dropped.before_next = False
            status, _ = await dropped.late()
            assert status == 200  # the original, stored now
        return await forward(session, request)

    hostile.forward = dropping  # type: ignore[method-assign]
    return dropped


async def lea_memberships(ana: Client, lea: Client) -> int:
    """How many memberships lea's account has on ana's verified chain (current or not)."""
    state = ana.replica.chains.state(await journal_id(ana, "Personal"))
    assert state is not None
    return len(state.handles.get(lea.profile.account_id, []))


async def ended_on_chain(ana: Client, bob: Client) -> bool:
    """Whether bob's share of ana's Personal ended on her verified chain (an `ended` entry,
    no membership left): the sync judged his end date passed."""
    state = ana.replica.chains.state(await journal_id(ana, "Personal"))
    assert state is not None
    handles = state.handles.get(bob.profile.account_id, [])
    return bool(handles) and all(h in state.ended and h not in state.members for h in handles)


async def reads_all(lea: Client, ana: Client, written: list[str]) -> bool:
    await lea.shares.verify("ana", await ana.shares.fingerprint())
    await lea.sync(strict=True)
    return sorted(e.id for e in await lea.entries.list("ana/Personal")) == sorted(written)


async def noted(ana: Client) -> owed_shares.Owed:
    owed = owed_shares.decode(await ana.store.setting(owed_shares.SETTING))
    return owed[await journal_id(ana, "Personal")]


async def test_a_grant_the_server_never_stored_is_signed_again_by_the_next_sync(
    hostile: HostileServer, through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    """The proxy takes the share's rotate request and never forwards it. The next sync signs
    the same grant (same handle) again at the same position, the server stores it, the
    boundary is sealed in that sync, which says the share is complete; lea reads every
    entry, and the chain holds one membership of hers."""
    ana = await through("ana")
    written = [(await ana.entries.write(None, f"entry {n}")).id for n in range(3)]
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    first = await noted(ana)
    assert first.terms is not None and first.who is not None and first.sending == 0
    assert first.length is not None and first.signed_at > 0
    report = await ana.sync()
    assert dropped.reached == 2  # the first, and one signed again
    assert report.finished_shares == [owed_shares.finished("lea", "Personal", resent=True)]
    assert not any("not confirmed" in p for p in report.problems)
    assert await ana.store.setting(owed_shares.SETTING) is None
    assert await lea_memberships(ana, lea) == 1
    state = ana.replica.chains.state(await journal_id(ana, "Personal"))
    assert state is not None and first.handle in state.members  # the same grant
    assert await reads_all(lea, ana, written)
    assert (await ana.sync()).finished_shares == []  # told once
    bodies = await signed_by(ana, live_server, await journal_id(ana, "Personal"))
    assert bodies  # the boundary sealed (one cut: the existing owed tests check that)


async def test_the_first_request_arriving_after_the_grant_signed_again_is_refused(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The proxy holds the first request and forwards it once the grant signed again was
    stored: the server refuses it (chain conflict: the position is taken). One grant on the
    chain, lea reads, and the sync says the share is complete, nothing else."""
    ana = await through("ana")
    written = [(await ana.entries.write(None, f"entry {n}")).id for n in range(2)]
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    report = await ana.sync()
    assert report.finished_shares == [owed_shares.finished("lea", "Personal", resent=True)]
    assert report.problems == []
    status, reply = await dropped.late()
    assert status == 409
    assert wire.decode(wire.ErrorReply, reply).code in ("chain_conflict", "stale_epoch")
    after = await ana.sync()
    assert after.problems == [] and after.finished_shares == []
    assert await lea_memberships(ana, lea) == 1
    assert await reads_all(lea, ana, written)


async def test_the_first_request_arriving_just_before_the_one_signed_again_wins(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The proxy forwards the held first request just before the grant signed again: that
    one is refused (chain conflict), the verified chain then shows the first, and the same
    sync seals its boundary (told as a share completed, not as sent again). One grant, lea
    reads."""
    ana = await through("ana")
    written = [(await ana.entries.write(None, f"entry {n}")).id for n in range(2)]
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    dropped.before_next = True
    report = await ana.sync()
    assert dropped.reached == 2 and not dropped.before_next
    assert report.finished_shares == [owed_shares.finished("lea", "Personal")]
    assert report.problems == []
    assert await ana.store.setting(owed_shares.SETTING) is None
    assert await lea_memberships(ana, lea) == 1
    assert await reads_all(lea, ana, written)


async def test_a_share_the_owner_ended_meanwhile_is_not_signed_again(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The grant is dropped; before the next sync ana ends lea's share. Nothing signs the
    grant again: the note is dropped before the revoke's own sync, a rotation takes the
    grant's position, so the first request, forwarded late, is refused; lea is on no
    chain and no sync tells anything more."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    handle = (await noted(ana)).handle
    ended = await ana.shares.revoke("Personal", "lea")
    assert list(ended) == ["Personal"]
    assert dropped.reached == 2  # the first, and the rotation that takes its position
    assert await ana.store.setting(owed_shares.SETTING) is None
    assert all(handle not in body for body in hostile.bodies(ROTATE))  # never sent again
    status, reply = await dropped.late()
    assert status == 409
    assert wire.decode(wire.ErrorReply, reply).code in ("chain_conflict", "stale_epoch")
    for _ in range(2):
        report = await ana.sync()
        assert report.problems == [] and report.finished_shares == []
    assert await lea_memberships(ana, lea) == 0
    assert all(handle not in body for body in hostile.bodies(ROTATE))


async def test_a_share_whose_end_date_passed_is_not_signed_again(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The grant of a share ending in a few seconds is dropped; by the next sync its end
    date has passed: the sync drops the note and says so once, signs no grant again (a
    rotation takes its position: the first request, forwarded late, is refused), and lea
    is on no chain."""
    ana = await through("ana")
    ana.replica.clock = clock = AheadClock()
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    until = datetime.now(UTC) + timedelta(seconds=3)
    with pytest.raises(TJError):
        await share_with(ana, lea, expires_at=until)
    handle = (await noted(ana)).handle
    clock.past(until)  # as the wall clock will read in a few seconds
    report = await ana.sync()
    assert any(
        "share with lea was never confirmed and its end date has passed" in p
        for p in report.problems
    )
    assert report.finished_shares == []
    assert await ana.store.setting(owed_shares.SETTING) is None
    assert all(handle not in body for body in hostile.bodies(ROTATE))
    status, _ = await dropped.late()
    assert status == 409
    again = await ana.sync()
    assert again.problems == [] and again.finished_shares == []
    assert await lea_memberships(ana, lea) == 0


async def test_a_server_that_drops_every_grant_gets_one_signed_again_a_sync_at_one_position(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """A server that drops every rotate request: each sync signs the grant again once, at
    the same position, says the share is not confirmed and is sent again at each sync;
    the note, the outbox and the chain do not grow. Once the server stores it, the sync
    finishes the share and lea reads."""
    ana = await through("ana")
    written = [(await ana.entries.write(None, f"entry {n}")).id for n in range(2)]
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile, count=None)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    first = await noted(ana)
    setting = await ana.store.setting(owed_shares.SETTING)
    waiting = await ana.store.outbox_size()
    personal = await journal_id(ana, "Personal")
    length = ana.replica.chains.current(personal).length
    for n in range(3):
        report = await ana.sync()
        assert dropped.reached == 2 + n  # one signed again a sync, no more
        assert any(
            "share with lea is not confirmed" in p and "every sync signs it again" in p
            for p in report.problems
        )
        assert report.finished_shares == []
        now = await noted(ana)
        assert (now.handle, now.position, now.length) == (
            first.handle,
            first.position,
            first.length,
        )
        assert now.signed_at == first.signed_at and now.sending == 0
        assert len(await ana.store.setting(owed_shares.SETTING) or "") == len(setting or "")
        assert await ana.store.outbox_size() == waiting
        assert ana.replica.chains.current(personal).length == length
    # Every request signed at the same position (the chain's length signed on).
    prior = {wire.decode(wire.RotateRequest, body).chain_after for body, _ in dropped.kept}
    assert prior == {length}
    dropped.count = 0  # the server stores the next one
    report = await ana.sync()
    assert report.finished_shares == [owed_shares.finished("lea", "Personal", resent=True)]
    assert await lea_memberships(ana, lea) == 1
    assert await reads_all(lea, ana, written)


async def test_a_rolled_back_chain_signs_no_grant_again(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """After a share with bob, lea's grant is dropped; the server then serves the journal
    as it was before bob's share (a chain shorter than the one ana's device verified). The
    sync reports the rollback and signs nothing: no grant on a rolled-back state."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    personal = await journal_id(ana, "Personal")
    await ana.replica.refresh_journals()
    before = {
        j.journal_id: j
        for j in wire.decode(wire.JournalList, hostile.replies_to("/v1/journals/list")[-1]).journals
    }[personal]
    bob, lea = await signup("bob"), await signup("lea")
    await share_with(ana, bob)
    dropped = drop_rotates(hostile, count=None)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    reached = dropped.reached

    def rolled_back(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.JournalList, reply)
        served = [before if j.journal_id == personal else j for j in real.journals]
        return wire.encode(dataclasses.replace(real, journals=served))

    hostile.replies["/v1/journals/list"] = rolled_back
    with contextlib.suppress(RollbackError):
        await ana.replica.refresh_journals()
    report = await ana.sync()
    assert report.rollbacks  # seen
    assert dropped.reached == reached  # nothing signed again on it
    assert await ana.store.setting(owed_shares.SETTING) is not None  # still owed


async def test_a_grant_of_another_process_under_way_is_not_signed_again(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """While ana's app sends the grant (held by the network), `tj sync` in another process
    on the same profile finds it owed and pending: it is under way there (noted as being
    sent), so that sync signs nothing (no second grant racing the first) and says it is
    not confirmed."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    other = await Client.open(ana.home)
    try:
        reached, go = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            reached.set()
            await go.wait()

        hostile.holds[ROTATE] = hold
        sharing = asyncio.ensure_future(share_with(ana, lea))
        await asyncio.wait_for(reached.wait(), 30)
        assert (await noted(ana)).sending > 0
        meanwhile = await other.sync()
        assert any("share with lea is not confirmed" in p for p in meanwhile.problems)
        assert hostile.paths.count(ROTATE) == 1  # the other process signed nothing
        go.set()
        await sharing
        del hostile.holds[ROTATE]
        assert await lea_memberships(ana, lea) == 1
    finally:
        await other.close()


async def test_a_server_that_says_it_stored_the_grant_signed_again_and_did_not(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The server answers the grant signed again with success and stores nothing: ana's
    device then sees the journal's chain shorter than the one it verified (a rollback,
    reported), seals nothing for lea, keeps the share owed, and its syncs go on."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    dropped.fake_ok = True
    report = await ana.sync()
    assert dropped.reached == 2 and not dropped.fake_ok
    assert report.rollbacks
    assert report.finished_shares == []
    assert await ana.store.setting(owed_shares.SETTING) is not None
    again = await ana.sync()
    assert again.rollbacks and again.finished_shares == []
    assert dropped.reached == 2  # nothing signed on a chain with a problem


async def test_an_older_note_without_its_grant_is_told_and_never_signed_again(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """A note an older SDK wrote (journal -> [epoch, handle, position, member], no grant):
    each sync tells it pending as before ("share it again") and signs nothing."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    owed = await noted(ana)
    older = {owed.journal_id.hex(): [owed.epoch, owed.handle.hex(), owed.position, owed.member]}
    async with ana.store.transaction() as tx:
        await tx.set_setting(owed_shares.SETTING, json.dumps(older))
    assert (await noted(ana)).terms is None
    for _ in range(2):
        report = await ana.sync()
        assert any(
            "share with lea is not confirmed" in p and "share it again" in p
            for p in report.problems
        )
    assert dropped.reached == 1
    assert await lea_memberships(ana, lea) == 0


class LostReply(Exception):
    """The proxy drops the real server's answer (aiohttp answers 500)."""


async def test_a_share_ended_after_its_reply_was_lost_seals_nothing_for_the_member(
    hostile: HostileServer, through: Through, signup: ClientFactory, live_server: RunningServer
) -> None:
    """The server stores lea's grant and loses the reply; before the next sync ana ends
    lea's share. The revoke's own sync finds the grant on the chain (due) and leaves it:
    lea is removed, no boundary is sealed for her, nothing is owed or told after, and
    she reads none of the journal."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")

    def lose(request: bytes, reply: bytes) -> bytes:
        raise LostReply

    hostile.replies[ROTATE] = lose
    with pytest.raises(TJError):
        await share_with(ana, lea)
    del hostile.replies[ROTATE]
    ended = await ana.shares.revoke("Personal", "lea")
    assert list(ended) == ["Personal"]
    assert await ana.store.setting(owed_shares.SETTING) is None
    report = await ana.sync()
    assert report.finished_shares == [] and report.problems == []
    personal = await journal_id(ana, "Personal")
    bodies = await signed_by(ana, live_server, personal)
    assert [b for b in bodies if is_cut(b.author, b.device, b.counter, b.covers)] == []
    state = ana.replica.chains.current(personal)
    assert lea.profile.account_id in state.handles and not state.members  # granted, removed
    await lea.shares.verify("ana", await ana.shares.fingerprint())
    await lea.sync()
    assert all(j.name != "ana/Personal" for j in await lea.journals.list()) or (
        await lea.entries.list("ana/Personal") == []
    )


@pytest.mark.parametrize(("status", "code"), [(409, "journal_conflict"), (403, "forbidden")])
async def test_a_grant_signed_again_and_refused_otherwise_is_told_and_tried_again(
    hostile: HostileServer, through: Through, signup: ClientFactory, status: int, code: str
) -> None:
    """The server refuses the grant signed again otherwise than as a chain conflict: the
    sync does not fail, it tells the share pending and why; the next sync signs it again
    and, stored, completes the share."""
    ana = await through("ana")
    written = [(await ana.entries.write(None, "an entry")).id]
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    dropped.refuse = (status, code)
    report = await ana.sync()
    assert dropped.reached == 2 and dropped.refuse is None
    assert any(
        "share with lea is not confirmed" in p and "sent again at this sync and refused" in p
        for p in report.problems
    )
    assert report.finished_shares == []
    report = await ana.sync()
    assert report.finished_shares == [owed_shares.finished("lea", "Personal", resent=True)]
    assert await lea_memberships(ana, lea) == 1
    assert await reads_all(lea, ana, written)


async def test_a_grant_signed_again_keeps_a_rename_made_since(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """ana renames the journal after the grant was dropped: the grant signed again seals
    the current name (its first request, sent word for word, would have put the old one
    back): ana's devices and lea see "Diary"."""
    ana = await through("ana")
    written = [(await ana.entries.write(None, "an entry")).id]
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    await ana.journals.rename("Personal", "Diary")
    report = await ana.sync()
    assert report.finished_shares == [owed_shares.finished("lea", "Diary", resent=True)]
    assert dropped.reached == 2
    await ana.replica.refresh_journals()
    assert [j.name for j in await ana.journals.list()] == ["Diary"]
    await lea.shares.verify("ana", await ana.shares.fingerprint())
    await lea.sync(strict=True)
    assert [e.id for e in await lea.entries.list("ana/Diary")] == written


async def test_a_withdrawn_grant_is_ruled_out_by_a_later_sync_and_told_until_then(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The server keeps lea's grant request and drops the unshare's rotation and the next
    sync's too: the grant stays withdrawn (never signed again), that sync says ending the
    share is not confirmed; the sync after it takes the grant's position, and the kept
    request, sent late, is refused: lea is never a member."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile, count=3)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    with pytest.raises(TJError):
        await ana.shares.revoke("Personal", "lea")
    handle = (await ana.store.setting(owed_shares.WITHDRAWN)) or ""
    assert handle and await ana.store.setting(owed_shares.SETTING) is None
    report = await ana.sync()
    assert dropped.reached == 3
    assert any("ending the share with lea is not confirmed" in p for p in report.problems)
    kept = [body for body, _ in dropped.kept]
    signed = owed_shares.withdrawn(handle)
    assert all(h not in body for h in signed for body in kept[1:])  # never signed again
    report = await ana.sync()
    assert not any("ending the share with lea" in p for p in report.problems)
    assert await ana.store.setting(owed_shares.WITHDRAWN) is None
    status, _ = await dropped.late(0)
    assert status != 200
    await ana.sync()
    assert await lea_memberships(ana, lea) == 0


async def test_a_server_that_drops_every_grant_gets_them_spaced_after_a_few_syncs(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """REV-OWED F8: a server that drops every grant signed again and makes the device sync
    often (live notices) gets one a sync for the first few only, then at most one a minute,
    doubling: the share told pending with how often it is sent now."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile, count=None)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    for n in range(owed_shares.FREE_TRIES):
        await ana.sync()
        assert dropped.reached == 2 + n
    for _ in range(3):
        report = await ana.sync()
        assert dropped.reached == 1 + owed_shares.FREE_TRIES  # none signed now
        assert any("at most once every 1 min" in p for p in report.problems)
    # A minute later (the note's last try moved back by one), one more is signed.
    personal = await journal_id(ana, "Personal")
    value = await ana.store.setting(owed_shares.SETTING)
    owed = owed_shares.decode(value)[personal]
    earlier = dataclasses.replace(owed, tried_at=owed.tried_at - owed_shares.REST_MS - 1)
    async with ana.store.transaction() as tx:
        await tx.set_setting(owed_shares.SETTING, owed_shares.encode({personal: earlier}))
    await ana.sync()
    assert dropped.reached == 2 + owed_shares.FREE_TRIES
    report = await ana.sync()
    assert dropped.reached == 2 + owed_shares.FREE_TRIES
    assert any("at most once every 2 min" in p for p in report.problems)
