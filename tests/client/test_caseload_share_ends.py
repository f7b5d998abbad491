"""The caseload says a live share's owner-signed end date within days (NU43 #12), from the
verified chain: a share ending tomorrow is "share ends DATE", one in ten days is not."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_hostile_owner import rewrite_journal
from tests.conftest import ClientFactory


async def test_a_share_ending_tomorrow_is_said_one_in_ten_days_is_not(
    signup: ClientFactory,
) -> None:
    gina, farid, tom = await signup("gina"), await signup("farid"), await signup("tom")
    soon = datetime.now().astimezone() + timedelta(days=1)
    await share_with(gina, tom, expires_at=soon)
    await share_with(farid, tom, expires_at=datetime.now().astimezone() + timedelta(days=10))
    for client in (gina, farid):
        await client.entries.write("Personal", "A day.", mood=6)
        await client.sync()
    await tom.sync()
    rows = {row.client: row for row in await tom.caseload.list()}
    [ends] = [f for f in rows["gina"].flags if f.startswith("share ends ")]
    assert ends == f"share ends {soon:%Y-%m-%d %H:%M}: gina/Personal"  # not a day's end
    assert not any(f.startswith("share ends") for f in rows["farid"].flags)


async def test_the_server_cannot_make_a_share_end_soon_or_hide_that_it_does(
    hostile: HostileServer, through: Through, signup: ClientFactory
) -> None:
    """The end date comes from the owner-signed chain this device verified, never from the
    server's journal list: a server naming tomorrow for gina's share (no end signed) raises
    nothing, and one naming no end for farid's (ending tomorrow, signed) hides nothing."""
    gina, farid = await signup("gina"), await signup("farid")
    tom = await through("tom")
    tomorrow = datetime.now().astimezone() + timedelta(days=1)
    await share_with(gina, tom)
    await share_with(farid, tom, expires_at=tomorrow)
    for client in (gina, farid):
        await client.entries.write("Personal", "A day.", mood=6)
        await client.sync()
    lying_about = {await journal_id(gina, "Personal"): int(tomorrow.timestamp() * 1000)}
    lying_about[await journal_id(farid, "Personal")] = 0

    def ends_as_told(request: bytes, reply: bytes) -> bytes:
        for journal, ends in lying_about.items():
            reply = rewrite_journal(reply, journal, expires_at=ends)
        return reply

    hostile.replies["/v1/journals/list"] = ends_as_told
    await tom.sync()
    rows = {row.client: row for row in await tom.caseload.list()}
    assert not any(f.startswith("share ends") for f in rows["gina"].flags)
    assert [f for f in rows["farid"].flags if f.startswith("share ends")] == [
        f"share ends {tomorrow:%Y-%m-%d %H:%M}: farid/Personal"
    ]
