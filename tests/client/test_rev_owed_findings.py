"""Hostile review of "an owed grant the server never stored is signed again" (protocol.md
4.19 "The grant signed again"): findings, each a strict xfail until fixed. Real server on
127.0.0.1 behind the loopback hostile proxy, real crypto."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web

from client_sdk import INSECURE_TEST_COST, Client, owed_shares
from client_sdk.errors import NotFound, TJError
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_owed_grant_sent_again import (
    ROTATE,
    drop_rotates,
    ended_on_chain,
    lea_memberships,
)
from tests.clock import AheadClock
from tests.conftest import PASSWORD, ClientFactory


def script_rotates(hostile: HostileServer, drops: list[bool]) -> list[int]:
    """Rotate request n (0-based) is taken and never stored (the connection cut) when
    `drops[n]` is true, else forwarded; requests past the script are forwarded. Returns a
    one-item list counting the rotate requests that reached the proxy."""
    reached = [0]
    forward = hostile.forward

    async def scripted(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path != ROTATE:
            return await forward(session, request)
        index = reached[0]
        reached[0] += 1
        if index < len(drops) and drops[index]:
            await request.read()
            raise ConnectionError("the connection dropped after the request was sent")
        return await forward(session, request)

    hostile.forward = scripted  # type: ignore[method-assign]
    return reached


async def lea_role(ana: Client, lea: Client) -> str | None:
    """lea's current role on ana's verified chain of Personal (None: not a member)."""
    state = ana.replica.chains.current(await journal_id(ana, "Personal"))
    member = state.member_by_account(lea.profile.account_id)
    return member.role if member is not None else None


async def test_an_unshare_on_another_owner_device_stops_the_grant_signed_again(
    hostile: HostileServer, through: Through, signup: ClientFactory, login: ClientFactory
) -> None:
    """ana's laptop shares with lea; the server drops the grant (the laptop is told it is
    signed again at each sync). On her phone, ana stops sharing with lea (the phone's
    verified chain lists no lea: nothing to remove, told so). The laptop's next sync must
    not make lea a member of the journal."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    phone = await login("ana")
    await phone.sync()
    with pytest.raises(NotFound):  # "not shared with lea": nothing signed, today
        await phone.shares.revoke("Personal", "lea")
    await ana.sync()
    await ana.sync()
    assert await lea_memberships(ana, lea) == 0


async def test_sharing_again_with_narrower_terms_never_signs_the_owed_wider_grant(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """ana shares with lea as annotate; the server drops the grant. ana then shares with lea
    again as read (the terms she wants now). The server stores the grant signed again in
    that call's sync and drops the rotation that narrows it. lea must never hold annotate:
    the owner's latest terms for her are read."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    reached = script_rotates(hostile, [True, False, True])
    with pytest.raises(TJError):
        await share_with(ana, lea, role="annotate")
    with contextlib.suppress(TJError):
        await share_with(ana, lea, role="read")
    assert reached[0] >= 2
    await ana.replica.refresh_journals()
    assert await lea_role(ana, lea) in (None, "read")


async def test_a_co_members_end_date_does_not_cancel_a_pending_share(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """bob's share ends in a few seconds; lea's grant is dropped. At the next sync (bob's end
    date passed) the grant is signed again in the rotation that ends bob's share, and lea's
    share completes: never a share cancelled because another member's period ended."""
    ana = await through("ana")
    assert ana.replica.clock is None  # the product's: the wall clock
    ana.replica.clock = clock = AheadClock()
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    bob, lea = await signup("bob"), await signup("lea")
    until = datetime.now(UTC) + timedelta(seconds=4)
    await share_with(ana, bob, expires_at=until)
    drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    clock.past(until)  # as the wall clock will read in a few seconds
    report = await ana.sync()
    assert not any("can no longer be" in p for p in report.problems)
    assert report.finished_shares == [owed_shares.finished("lea", "Personal", resent=True)]
    assert await lea_memberships(ana, lea) == 1
    assert await ended_on_chain(ana, bob)  # the sync ended bob's share, by its clock


async def test_a_pending_share_replaced_by_another_members_share_is_told(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """lea's grant is dropped (and its signing again in the next share's own sync too);
    ana then shares the journal with bob, stored. lea's share can no longer be: a sync
    must say so (as when another device takes the position), never go silent."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    bob, lea = await signup("bob"), await signup("lea")
    script_rotates(hostile, [True, True, True])
    with pytest.raises(TJError):
        await share_with(ana, lea)
    told = " ".join((await ana.sync()).problems)
    assert "share with lea is not confirmed" in told and "signs it again" in told
    await share_with(ana, bob)
    assert await lea_memberships(ana, lea) == 0
    later = " ".join((await ana.sync()).problems + (await ana.sync()).problems)
    assert "lea" in later


async def test_a_grant_to_an_account_whose_name_the_owner_reverified_is_not_signed_again(
    hostile: HostileServer, through: Through, signup: ClientFactory, login: ClientFactory
) -> None:
    """lea's grant is dropped. lea's account is deleted and she signs up again under the same
    name; ana compares the new fingerprint in person (`shares.verify`): the old account's pin
    is replaced. No sync of ana's may sign the grant naming the old account's keys again."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    old = await signup("lea")
    dropped = drop_rotates(hostile, count=None)
    with pytest.raises(TJError):
        await share_with(ana, old)
    handle = (await noted_personal(ana)).handle
    await old.delete_account(PASSWORD, minimum_cost=INSECURE_TEST_COST)
    new = await signup("lea", device="tablet")
    await ana.shares.verify("lea", await new.shares.fingerprint())
    reached = dropped.reached
    await ana.sync()
    await ana.sync()
    signed_again = [body for body, _ in dropped.kept[reached:] if handle in body]
    assert signed_again == []


async def test_an_unshare_racing_another_process_signing_the_grant_again_ends_it(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """ana's grant for lea is dropped. Another process on ana's profile (tj watch) syncs and
    signs it again; the server holds that request. Meanwhile `tj unshare` ends lea's share:
    the server stores the held grant just before the unshare's own rotation. Whatever the
    order, once the unshare says the share ended, lea is no member of the journal."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    drop_rotates(hostile)  # the share's request: dropped, then every rotate forwarded
    with pytest.raises(TJError):
        await share_with(ana, lea)
    dropping = hostile.forward
    held, go, stored = asyncio.Event(), asyncio.Event(), asyncio.Event()
    order = [0]

    async def racing(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if request.path != ROTATE:
            return await dropping(session, request)
        index = order[0]
        order[0] += 1
        if index == 0:  # the other process's grant signed again: held
            held.set()
            await go.wait()
            try:
                return await dropping(session, request)
            finally:
                stored.set()
        if index == 1:  # the unshare's rotation: the held grant is stored first
            go.set()
            await stored.wait()
        return await dropping(session, request)

    hostile.forward = racing  # type: ignore[method-assign]
    other = await Client.open(ana.home)
    try:
        watching = asyncio.ensure_future(other.sync())
        await asyncio.wait_for(held.wait(), 30)
        ended = await ana.shares.revoke("Personal", "lea")
        assert list(ended) == ["Personal"]
        with contextlib.suppress(TJError):
            await asyncio.wait_for(watching, 30)
        await ana.sync()
        await ana.replica.refresh_journals()
        assert await lea_role(ana, lea) is None
    finally:
        if not go.is_set():
            go.set()
        await other.close()


async def test_a_grant_superseded_by_another_devices_share_with_the_same_member_is_told_truly(
    hostile: HostileServer, through: Through, signup: ClientFactory, login: ClientFactory
) -> None:
    """ana's laptop shares with lea; the grant is dropped. ana shares with lea again on her
    phone (stored). The laptop's next sync drops its note: it must not tell ana that lea
    reads none of the journal, since the verified chain lists lea as a member."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    phone = await login("ana")
    await phone.sync()
    await share_with(phone, lea)
    report = await ana.sync()
    assert await lea_role(ana, lea) == "read"
    assert not any("lea reads none" in p for p in report.problems)


async def test_an_unshare_whose_position_taking_rotation_is_dropped_keeps_the_grant_out(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The server keeps lea's grant request and drops the unshare's rotation that takes its
    position (the call fails); ana tries the unshare again. The server then stores the
    first request: lea must not be a member, or ana's device must say the share is not
    ended."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile, count=2)  # the grant, then the position-taking rotation
    with pytest.raises(TJError):
        await share_with(ana, lea)
    with pytest.raises(TJError):
        await ana.shares.revoke("Personal", "lea")
    assert dropped.reached == 2
    assert await ana.store.setting(owed_shares.SETTING) is None  # withdrawn, position not taken
    with contextlib.suppress(TJError):  # "not shared with lea", today
        await ana.shares.revoke("Personal", "lea")
    status, _ = await dropped.late(0)
    report = await ana.sync()
    await ana.replica.refresh_journals()
    told = " ".join(report.problems)
    assert status != 200 or await lea_role(ana, lea) is None or "lea" in told


async def noted_personal(ana: Client) -> owed_shares.Owed:
    owed = owed_shares.decode(await ana.store.setting(owed_shares.SETTING))
    return owed[await journal_id(ana, "Personal")]
