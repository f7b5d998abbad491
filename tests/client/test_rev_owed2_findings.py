"""Second hostile review of the owed grant signed again, after its fixes (fix-owed, REV-OWED
F1-F9): findings, each a strict xfail until fixed. Real server on 127.0.0.1 behind the
loopback hostile proxy, real crypto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import Client, owed_shares
from client_sdk.errors import TJError
from tests.client.hostile import HostileServer, Through, login_through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_owed_grant_sent_again import drop_rotates, ended_on_chain
from tests.clock import AheadClock
from tests.conftest import ClientFactory


async def lea_role(owner: Client, lea: Client) -> str | None:
    """lea's current role on `owner`'s verified chain of Personal (None: not a member)."""
    await owner.replica.refresh_journals()
    state = owner.replica.chains.current(await journal_id(owner, "Personal"))
    member = state.member_by_account(lea.profile.account_id)
    return member.role if member is not None else None


async def test_an_unshare_on_another_device_racing_the_held_grant_ends_it(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    """ana's laptop shares with lea; the server keeps the grant's request and drops the
    connection. On her phone (whose verified chain lists no lea) ana stops sharing with lea;
    the server stores the kept grant just before the phone's rotation. Whatever the phone
    then says, lea must be no member of the journal on its verified chain: the owner's
    latest decision was to end that share."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        await phone.sync()
        dropped.before_next = True  # the kept grant stored just ahead of the phone's rotation
        told = ""
        try:
            await phone.shares.revoke("Personal", "lea")
        except TJError as error:
            told = str(error)
        assert not dropped.before_next  # the phone signed a rotation, the grant went first
        await phone.sync()
        role = await lea_role(phone, lea)
        assert role is None, f"lea is a member ({role}); the phone said: {told!r}"
    finally:
        await phone.close()


async def test_a_narrower_share_on_another_device_racing_the_held_grant_keeps_its_terms(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    """ana's laptop shares with lea as annotate; the server keeps that request. On her phone
    ana shares with lea as read (the terms she wants now); the server stores the kept
    annotate grant just before the phone's grant. Whatever the phone says, lea must not
    hold annotate once it says the share with her is done."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile)
    with pytest.raises(TJError):
        await share_with(ana, lea, role="annotate")
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        await phone.sync()
        dropped.before_next = True
        told = "done"
        try:
            await share_with(phone, lea, role="read")
        except TJError as error:
            told = str(error)
        assert not dropped.before_next
        await phone.sync()
        role = await lea_role(phone, lea)
        assert role in (None, "read"), f"lea holds {role}; the phone said: {told!r}"
    finally:
        await phone.close()


async def test_a_co_members_end_date_does_not_cancel_a_resting_pending_share(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """bob's share ends in a few seconds; lea's grant is dropped, and so is each of the
    FREE_TRIES grants signed again (the grant now rests). bob's end date then passes with
    the server honest again: the sync that ends bob must not cancel lea's share (it may
    wait to sign it, but her grant's position is kept, or her grant goes with bob's end)."""
    ana = await through("ana")
    ana.replica.clock = clock = AheadClock()
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    bob, lea = await signup("bob"), await signup("lea")
    until = datetime.now(UTC) + timedelta(seconds=6)
    await share_with(ana, bob, expires_at=until)
    dropped = drop_rotates(hostile, count=None)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    for _ in range(owed_shares.FREE_TRIES):
        await ana.sync()
    owed = owed_shares.decode(await ana.store.setting(owed_shares.SETTING))
    assert owed_shares.resting(owed[await journal_id(ana, "Personal")], clock())
    dropped.count = len(dropped.kept)  # honest from now on
    clock.past(until)  # as the wall clock will read in a few seconds
    report = await ana.sync()
    told = " ".join(report.problems)
    assert "can no longer be" not in told, told
    assert await ended_on_chain(ana, bob)  # the sync ended bob's share, by its clock


async def test_a_logout_never_forgets_an_unshare_not_confirmed(
    hostile: HostileServer, through: Through, signup: ClientFactory, tmp_path: Path
) -> None:
    """ana's laptop shares with lea (the server keeps the request), then ends that share:
    the server drops every rotation, the unshare says it is not confirmed. The server then
    stores the kept grant, and ana signs the laptop out. Either logout refuses (and a sync
    then ends lea's share) or it ends it first: ana's phone must never list lea."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile, count=None)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    with pytest.raises(TJError):
        await ana.shares.revoke("Personal", "lea")
    dropped.count = len(dropped.kept)  # honest from now on
    status, _ = await dropped.late(0)
    assert status == 200  # the share's first request, stored now: lea a member
    try:
        await ana.logout()
    except TJError:
        await ana.sync()
    phone = await login_through(hostile, "ana", tmp_path / "ana-phone")
    try:
        await phone.sync()
        assert await lea_role(phone, lea) is None
    finally:
        await phone.close()


async def test_a_withdrawn_grant_the_server_keeps_refusing_to_rule_out_is_spaced(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """ana's grant for lea is dropped, and so is every rotation of the unshare that ends
    it. 12 syncs follow (a live notice each, as in `watch`): the device signs at most
    FREE_TRIES + 1 of them (REV-OWED F8's spacing), never one per sync."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile, count=None)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    with pytest.raises(TJError):
        await ana.shares.revoke("Personal", "lea")
    before = dropped.reached
    for _ in range(12):
        await ana.sync()
    assert dropped.reached - before <= owed_shares.FREE_TRIES + 1


async def test_a_logout_refuses_while_an_unshare_is_not_confirmed_and_force_tells_it(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """REV-OWED2 G4, the server dropping every rotation: the logout's sync cannot rule the
    withdrawn grant out, so logout refuses naming the share and deletes nothing; forced, it
    logs out and names the share it forgot."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    drop_rotates(hostile, count=None)
    with pytest.raises(TJError):
        await share_with(ana, lea)
    with pytest.raises(TJError):
        await ana.shares.revoke("Personal", "lea")
    with pytest.raises(TJError) as refused:
        await ana.logout()
    assert "'Personal' with lea" in str(refused.value)
    assert "Nothing was deleted" in str(refused.value)
    assert (ana.home / "store.db").exists()
    done = await ana.logout(force=True)
    assert done.unconfirmed == ("'Personal' with lea",)
    assert not (ana.home / "store.db").exists()
