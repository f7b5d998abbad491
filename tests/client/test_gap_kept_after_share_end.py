"""A record a member's device was owed during a share, proven missing there by a later record
of the same device, stays reported withheld after the share ends: the kept copy is never
pulled again, so the record is missing for good, and a copy that reads as complete would
hide the very entry that mattered (rev32a F1). Real server on loopback, real crypto; the
hostile proxy hides one record from the member's pulls."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from client_sdk import Client, wire
from client_sdk.sync import describe_gap
from tests.client.flag_judging import shift_clock
from tests.client.hostile import HostileServer, ReplyRewrite, Through
from tests.client.sharing_support import journal_id, rows, server_db, share_with
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 86_400_000


def seqs(live_server: RunningServer, journal: bytes) -> set[int]:
    query = "SELECT seq FROM records WHERE journal_id = ?"
    return {s for (s,) in rows(server_db(live_server), query, journal)}


def hide(hidden: set[int]) -> ReplyRewrite:
    """Sync replies without the records of server `seq`s `hidden`."""

    def rewrite(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(page, records=[r for r in page.records if r.seq not in hidden])
            for page in real.pages
        ]
        return wire.encode(dataclasses.replace(real, pages=pages))

    return rewrite


async def shared_until_tomorrow(ana: Client, drsmith: Client) -> bytes:
    """ana writes an entry, shares Personal with drsmith (read) until tomorrow: its id."""
    await ana.entries.write("Personal", "Before the share.", mood=4)
    await share_with(
        ana, drsmith, role="read", expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    await ana.sync()
    return await journal_id(ana, "Personal")


async def test_a_gap_proven_during_the_share_stays_told_after_its_end(
    signup: ClientFactory,
    live_server: RunningServer,
    hostile: HostileServer,
    through: Through,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proxy hides ana's entry E1 from drsmith's pulls, then serves E2: the gap is told
    during the share, and still at the sync that tells the share's end and every sync after."""
    ana, drsmith = await signup("ana"), await through("drsmith")
    personal = await shared_until_tomorrow(ana, drsmith)
    before = seqs(live_server, personal)
    await ana.entries.write("Personal", "I thought about ending it all last night.", mood=1)
    await ana.sync()
    first = seqs(live_server, personal) - before
    await ana.entries.write("Personal", "Slept a bit.", mood=3)
    await ana.sync()
    hostile.replies["/v1/sync"] = hide(first)

    during = await drsmith.sync()
    [gap] = during.withheld
    assert (gap.journal_id, gap.author, gap.count()) == (personal, ana.profile.account_id, 1)

    live_server.clock.now += 3 * DAY_MS  # past the signed end date
    shift_clock(monkeypatch, 3 * DAY_MS)
    ended = await drsmith.sync()
    assert [d.reason for d in ended.departures] == ["end date"]
    assert ended.withheld == [gap]
    assert f"Warning: the server is withholding records: {describe_gap(gap)}" in ended.lines()
    again = await drsmith.sync()
    assert again.withheld == [gap]
    texts = sorted(e.body for e in await drsmith.entries.list("ana/Personal"))
    assert texts == ["Before the share.", "Slept a bit."]  # kept, the gap still told


async def test_an_ended_copy_without_a_gap_tells_nothing_of_records_after_the_end(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Honest server: drsmith received every record of the share; ana writes on after its
    end (records drsmith was never owed): his syncs after the end report nothing withheld."""
    ana, drsmith = await signup("ana"), await signup("drsmith")
    await shared_until_tomorrow(ana, drsmith)
    await ana.entries.write("Personal", "Slept a bit.", mood=3)
    await ana.sync()
    assert (await drsmith.sync()).withheld == []

    live_server.clock.now += 3 * DAY_MS
    shift_clock(monkeypatch, 3 * DAY_MS)
    await ana.sync()
    await ana.entries.write("Personal", "After the share.", mood=3)
    await ana.sync()
    ended = await drsmith.sync()
    assert [d.reason for d in ended.departures] == ["end date"]
    assert (ended.withheld, ended.incomplete) == ([], [])
    assert ((await drsmith.sync()).withheld) == []
