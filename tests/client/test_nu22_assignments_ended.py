"""NU22 C10 through the SDK: the assignments of a share that ended are not silently dropped.
`Assignment.share_ended` (`ShareEnded`) says how and when, from the journal owner's signed
access chain as each device verified it; on the assigner's device, a journal the server
stopped serving while that chain shows no end is "no longer served" (the server's word,
without a date), never an end the owner signed. `assignments.ended()` lists them; `due()`
and `assignments()` leave them out as before."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from client_sdk import Client, ShareEnded
from client_sdk.models import to_datetime
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer

DAY_MS = 24 * 3600 * 1000


def move_clocks(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ms: int) -> None:
    """The server's clock and the devices' clocks `ms` later."""
    live_server.clock.now += ms
    later = live_server.clock.now
    for module in ("client_sdk.replica", "client_sdk.sharing", "client_sdk.care"):
        monkeypatch.setattr(f"{module}.now_ms", lambda: later)


async def assigned(signup: ClientFactory, **terms: object) -> tuple[Client, Client, int]:
    """ana shares Personal with tom (annotate) on `terms`; tom assigns a fortnightly PHQ-9;
    returns them and the share's end (ms, 0: none)."""
    ana, tom = await signup("ana"), await signup("tom")
    share = await share_with(ana, tom, role="annotate", **terms)
    await tom.sync()
    await tom.assignments.assign("ana/Personal", "measure", "phq9", every_days=14)
    await tom.sync()
    await ana.sync()
    assert [d.assignment.title for d in await ana.assignments.due()] == ["PHQ-9"]
    assert await ana.assignments.ended() == []
    end = int(share.expires_at.timestamp() * 1000) if share.expires_at else 0
    return ana, tom, end


async def test_a_passed_signed_end_date_is_said_on_both_sides(
    signup: ClientFactory, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana, tom, end = await assigned(
        signup, expires_at=datetime.now().astimezone() + timedelta(days=1)
    )
    move_clocks(live_server, monkeypatch, 2 * DAY_MS)
    await ana.sync()  # the owner's device signs `ended`
    assert await ana.assignments.due() == []
    [ended] = await ana.assignments.ended()
    assert ended.share_ended == ShareEnded("end date", to_datetime(end), "")
    assert ended.to_dict()["share_end"]["reason"] == "end date"
    assert await ana.assignments.list() == []
    assert [a.id for a in await ana.assignments.list(include_ended=True)] == [ended.id]

    await tom.sync()
    assert await tom.assignments.list() == []
    [kept] = await tom.assignments.list(include_ended=True)
    assert kept.id == ended.id
    assert kept.share_ended == ShareEnded("end date", to_datetime(end), "ana")


async def test_an_unshare_is_the_owners_signed_word_there_and_the_servers_at_the_member(
    signup: ClientFactory,
) -> None:
    ana, tom, _ = await assigned(signup)
    before = datetime.now().astimezone()
    await ana.shares.revoke("Personal", "tom")
    [ended] = await ana.assignments.ended()
    assert ended.share_ended is not None
    assert (ended.share_ended.reason, ended.share_ended.owner) == ("removed", "")
    assert ended.share_ended.at is not None and ended.share_ended.at >= before - timedelta(
        seconds=5
    )
    assert await ana.assignments.due() == []

    await tom.sync()
    # The removal is not served to a removed member: this device cannot know it was signed.
    [kept] = await tom.assignments.list(include_ended=True)
    assert kept.share_ended == ShareEnded("no longer served", None, "ana")
    assert await tom.assignments.ended("ana/Personal") == [kept]


async def test_shared_again_the_assignments_of_the_ended_share_stay_ended(
    signup: ClientFactory,
) -> None:
    """An assignment belongs to the share it was made in (NU61 F10: it used to count again,
    on the client's devices only when the therapist had discarded the old copy)."""
    ana, tom, _ = await assigned(signup)
    await ana.shares.revoke("Personal", "tom")
    [ended] = await ana.assignments.ended()
    await share_with(ana, tom, role="annotate")
    assert await ana.assignments.ended() == [ended]
    assert await ana.assignments.due() == []
