"""Second hostile review of the owed grant signed again, after its fixes (fix-owed, REV-OWED
F1-F9): findings, each a strict xfail until fixed. Real server on 127.0.0.1 behind the
loopback hostile proxy, real crypto."""

from __future__ import annotations

from pathlib import Path

import pytest

from client_sdk import Client
from client_sdk.errors import TJError
from tests.client.hostile import HostileServer, Through, login_through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_owed_grant_sent_again import drop_rotates
from tests.conftest import ClientFactory


async def lea_role(owner: Client, lea: Client) -> str | None:
    """lea's current role on `owner`'s verified chain of Personal (None: not a member)."""
    await owner.replica.refresh_journals()
    state = owner.replica.chains.current(await journal_id(owner, "Personal"))
    member = state.member_by_account(lea.profile.account_id)
    return member.role if member is not None else None


@pytest.mark.xfail(
    strict=True,
    reason="REV-OWED2 G1: the plain rotation an unshare of a non-member signs (REV-OWED F1 "
    "fix, Sharing._take_pending_grants) is `change_access(journal, [])`, retried as a plain "
    "rotation on a chain conflict: when the server stores the other device's held grant "
    "just before it, the retry lands on top, the member stays current (every later epoch "
    "sealed to her) and the unshare says 'not shared ... can no longer take effect'",
)
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
