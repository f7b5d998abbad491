"""NU47 #1: a journal whose download this device itself stopped at the bound on unverified
owners (hold_back.py) is no proof of withholding. A client who shares a year of small
entries: the share's fresh snapshots come after the history they cover, one each, so the cut
falls among them and leaves counters below the highest one received uncovered. Before the
fix, an honest server was reported "withholding records" at every sync (`tj sync` exit 3)
until the owner was verified. A journal the device did not hold back is checked as before.

Real server on 127.0.0.1, real crypto; the therapist goes through the hostile proxy, which
only watches in the honest tests."""

from __future__ import annotations

import nacl.utils
import pytest

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, Through
from tests.client.sharing_support import journal_id
from tests.conftest import ClientFactory

pytestmark = pytest.mark.usefixtures("uncompressed_records")  # records as large as their text

ENTRIES = 160
"""Entries of each client: their history (about 230 KB) fits in the 512 KiB budget, history
and fresh snapshots together do not, so the first client's cut falls among the snapshots."""


def small_text() -> str:
    return nacl.utils.random(600).hex()  # 1.2 KB, an ordinary entry


async def sharing_client(signup: ClientFactory, name: str, therapist: str) -> Client:
    """`name` writes ENTRIES entries, then shares Personal with `therapist` as `tj share`
    does (a new member: the whole journal), trusting the therapist on first use."""
    client = await signup(name)
    for n in range(ENTRIES):
        await client.entries.write("Personal", small_text(), title=f"day {n}")
    await client.sync()
    await client.shares.grant("Personal", therapist, trust_on_first_use=True, full_if_new=True)
    await client.sync()
    return client


async def test_journals_held_back_at_the_budget_are_not_reported_withheld(
    signup: ClientFactory, through: Through
) -> None:
    tom = await through("tom")
    ana = await sharing_client(signup, "ana", "tom")
    ben = await sharing_client(signup, "ben", "tom")

    for _ in range(3):  # the first sync meets the budget, later ones download nothing more
        report = await tom.sync()
        assert sorted({held.owner for held in report.held_back}) == ["ana", "ben"]
        assert report.withheld == [], f"an honest server reported withholding: {report.withheld}"
        assert report.incomplete == []
    await tom.sync(strict=True)  # raises WithheldRecordsError on a gap

    for client, name in ((ana, "ana"), (ben, "ben")):
        await tom.shares.verify(name, await client.shares.fingerprint())
    after = await tom.sync(strict=True)
    assert after.held_back == [] and after.withheld == [] and after.incomplete == []
    for name in ("ana", "ben"):
        assert len(await tom.entries.list(f"{name}/Personal", limit=None)) == ENTRIES


async def test_a_record_withheld_from_a_journal_not_held_back_is_still_reported(
    hostile: HostileServer, signup: ClientFactory, through: Through
) -> None:
    """tom verified cas, so cas's journal is never held back; ana's and ben's are. The server
    drops one of cas's records from every reply: the gap is reported in cas's journal, and in
    no other."""
    tom = await through("tom")
    cas = await signup("cas")
    await tom.shares.verify("cas", await cas.shares.fingerprint())
    await sharing_client(signup, "ana", "tom")
    await sharing_client(signup, "ben", "tom")
    await cas.shares.grant("Personal", "tom", fingerprint=await tom.shares.fingerprint(), full=True)
    for n in range(5):
        await cas.entries.write("Personal", f"cas, day {n}")
    await cas.sync()
    shared = await journal_id(cas, "Personal")
    dropped: list[bytes] = []

    def drop_one(request: bytes, reply: bytes) -> bytes:
        decoded = wire.decode(wire.SyncReply, reply)
        pages = []
        for page in decoded.pages:
            if page.journal_id == shared and len(page.records) > 2:
                victim = page.records[len(page.records) // 2]
                dropped.append(victim.record_id)
                page = wire.JournalPage(
                    page.journal_id,
                    [r for r in page.records if r is not victim],
                    page.cursor,
                    page.head,
                    page.meta_version,
                )
            pages.append(page)
        return wire.encode(wire.SyncReply(pages, decoded.done, decoded.next_journal))

    hostile.replies["/v1/sync"] = drop_one
    for _ in range(2):
        report = await tom.sync()
        assert sorted({held.owner for held in report.held_back}) == ["ana", "ben"]
        assert dropped, "the proxy dropped nothing of cas's journal"
        assert {gap.journal_id for gap in report.withheld} == {shared}, report.withheld
