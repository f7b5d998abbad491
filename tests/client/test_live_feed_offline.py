"""An app that follows `client.changes(live=True)` learns when its live channel goes down and
comes back: a change of kind "live lost" once the server stops answering, then one of kind
"live back" once a sync reached it again, after the changes made elsewhere meanwhile. Real
server on 127.0.0.1, stopped and started again on the same port; real crypto."""

from __future__ import annotations

import asyncio

from client_sdk import Change, ChangeStream
from client_sdk.changes import LIVE_BACK, LIVE_LOST
from client_sdk.live import Backoff
from tests.conftest import ClientFactory
from tests.test_cli import Outage, outage  # noqa: F401

HANG = 60.0  # only turns a hang into a failure; no latency claim
QUICK = Backoff(first=0.05, cap=0.2)


async def next_of(feed: ChangeStream, kind: str, seen: list[Change]) -> Change:
    """The next change of `kind` in `feed`, the ones before it kept in `seen`."""

    async def read() -> Change:
        async for change in feed:
            seen.append(change)
            if change.kind == kind:
                return change
        raise AssertionError("the feed ended")

    return await asyncio.wait_for(read(), HANG)


async def test_a_live_feed_says_when_the_server_went_away_and_when_it_is_back(
    signup: ClientFactory,
    login: ClientFactory,
    outage: Outage,  # noqa: F811
) -> None:
    laptop = await signup("ana", "laptop")
    phone = await login("ana", "phone")
    await phone.sync()
    seen: list[Change] = []
    async with phone.changes(live=True, backoff=QUICK) as feed:
        first = await laptop.entries.write(None, "Before the outage.")
        await laptop.sync()
        await asyncio.wait_for(_until_id(feed, first.id, seen), HANG)
        await outage.begin()
        lost = await next_of(feed, LIVE_LOST, seen)
        assert (lost.id, lost.journal, lost.report, lost.origin) == ("", "", None, "sync")
        await outage.end()
        back = await next_of(feed, LIVE_BACK, seen)
        assert back.report is None and back.at >= lost.at
    kinds = [c.kind for c in seen]
    assert kinds.count(LIVE_LOST) == 1 and kinds.count(LIVE_BACK) == 1, kinds  # once each


async def _until_id(feed: ChangeStream, wanted: str, seen: list[Change]) -> None:
    async for change in feed:
        seen.append(change)
        if change.id == wanted:
            return
