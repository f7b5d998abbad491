"""The caseload says a live share's owner-signed end date within days (NU43 #12), from the
verified chain: a share ending tomorrow is "share ends DATE", one in ten days is not."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory


async def test_a_share_ending_tomorrow_is_said_one_in_ten_days_is_not(
    signup: ClientFactory,
) -> None:
    gina, farid, tom = await signup("gina"), await signup("farid"), await signup("tom")
    soon = datetime.now().astimezone() + timedelta(days=1)
    await share_with(gina, tom, until=soon)
    await share_with(farid, tom, until=datetime.now().astimezone() + timedelta(days=10))
    for client in (gina, farid):
        await client.entries.write("Personal", "A day.", mood=6)
        await client.sync()
    await tom.sync()
    rows = {row.client: row for row in await tom.caseload.rows()}
    [ends] = [f for f in rows["gina"].flags if f.startswith("share ends ")]
    assert ends == f"share ends {soon.date().isoformat()}: gina/Personal"
    assert not any(f.startswith("share ends") for f in rows["farid"].flags)
