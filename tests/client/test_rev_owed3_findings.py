"""Third hostile review of the owed grant signed again, after REV-OWED2 G1-G5's fixes:
findings, each a strict xfail until fixed. Real server on 127.0.0.1 behind the loopback
hostile proxy, real crypto."""

from __future__ import annotations

import pytest

from client_sdk import owed_shares
from client_sdk.errors import TJError
from client_sdk.models import now_ms
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_owed_grant_sent_again import drop_rotates
from tests.client.test_rev_owed2_findings import lea_role
from tests.conftest import ClientFactory


@pytest.mark.xfail(
    strict=True,
    reason="REV-OWED3 H1: `_grant_held` signs `changed` on this device's own withdrawn "
    "grant, which stays in WITHDRAWN; the next sync removes the member",
)
async def test_a_share_again_whose_own_held_grant_lands_first_is_not_undone_by_the_next_sync(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """ana shares with lea as read; the server keeps every request of that grant (the
    first and each one signed again, until it rests). ana shares with lea again, as
    annotate, on the same device: `_grant_held` withdraws the held grant and signs a new
    one; the server stores the kept read grant just ahead of it, so the retry finds lea
    current with the same keys and signs `changed(annotate)` on that very membership
    (REV-OWED2 G2's path). The share call says it is done. The next sync must leave lea a
    member with annotate: the owner never asked to end that share."""
    ana = await through("ana")
    await ana.entries.write(None, "an entry")
    await ana.sync(strict=True)
    lea = await signup("lea")
    dropped = drop_rotates(hostile, count=None)
    with pytest.raises(TJError):
        await share_with(ana, lea, role="read")
    for _ in range(owed_shares.FREE_TRIES):
        await ana.sync()
    owed = owed_shares.decode(await ana.store.setting(owed_shares.SETTING))
    assert owed_shares.resting(owed[await journal_id(ana, "Personal")], now_ms())
    dropped.count = len(dropped.kept)  # honest from now on, but for the late grant
    dropped.before_next = True  # the kept read grant stored just ahead of the new share
    await share_with(ana, lea, role="annotate")  # says done
    assert not dropped.before_next
    assert await lea_role(ana, lea) == "annotate"
    report = await ana.sync()
    role = await lea_role(ana, lea)
    assert role == "annotate", f"lea is {role}; the sync said: {report.problems!r}"
