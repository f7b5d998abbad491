"""NU41 #2, end to end: ben answers PHQ-9 item 9 above 0, shares his journal's moods and tags
only (not the result) and a brief that says so: drsmith's caseload ranks him first, tier 1,
the flag naming the brief."""

from __future__ import annotations

from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

ITEM_9_ABOVE_0 = [3, 3, 2, 2, 2, 2, 2, 1, 1]


async def test_a_brief_that_says_item_9_above_0_ranks_its_client_first(
    signup: ClientFactory,
) -> None:
    drsmith = await signup("drsmith")
    ben, ana = await signup("ben"), await signup("ana")
    for client in (ben, ana):
        await client.entries.write("Personal", "A week.", mood=5)
        await share_with(client, drsmith, only=["mood", "tags"])
    await ben.measures.take("phq9", ITEM_9_ABOVE_0)
    fingerprint = await drsmith.shares.fingerprint()
    await ben.briefs.share(
        await ben.briefs.prepare(journals=["Personal"]), "drsmith", fingerprint=fingerprint
    )
    for client in (ben, ana, drsmith):
        await client.sync()
    assert await drsmith.measures.list() == []  # the result itself is not shared
    rows = await drsmith.caseload.list()
    assert [r.client for r in rows] == ["ben", "ana"]
    assert rows[0].tier == 1, rows[0].flags
    assert any("PHQ-9 item 9 answered above 0" in f and "(in the brief of" in f
               for f in rows[0].flags), rows[0].flags  # fmt: skip
    assert rows[1].tier == 3  # "no shared entries yet": written before the share
