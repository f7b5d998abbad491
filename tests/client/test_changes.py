"""The change feed (`client.changes()`, `client.on_change`): local writes, syncs and the live
channel all feed it, end to end against a real server with two devices of one account."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from client_sdk import AuthError, Change, ChangeStream
from tests.conftest import ClientFactory

HANG = 60.0  # only turns a hang into a failure; no latency claim


async def next_change(feed: ChangeStream) -> Change:
    return await asyncio.wait_for(anext(feed), HANG)


async def test_local_writes_feed_the_stream_and_callbacks_in_order(signup: ClientFactory) -> None:
    ana = await signup("ana")
    called: list[Change] = []
    stop = ana.on_change(called.append)
    async with ana.changes() as feed:
        entry = await ana.entries.write(None, "Written here", mood=5)
        goal = await ana.goals.add("Walk daily")
        await ana.entries.edit(entry.id, mood=6)
        seen = [await next_change(feed) for _ in range(3)]
    stop()
    await ana.entries.write(None, "After the callback stopped")
    assert [(c.kind, c.id, c.origin) for c in seen] == [
        ("entry", entry.id, "local"),
        ("goal", goal.id, "local"),
        ("entry", entry.id, "local"),
    ]
    personal = await ana.journals.get("Personal")
    assert {(c.journal, c.journal_id) for c in seen} == {("Personal", personal.id)}
    assert called == seen
    assert all(c.at.utcoffset() is not None and c.at.utcoffset().total_seconds() == 0 for c in seen)


async def test_a_sync_feeds_what_it_merged_from_another_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    async with phone.changes() as feed:
        entry = await laptop.entries.write(None, "From the laptop")
        await laptop.sync()
        await phone.sync()
        change = await next_change(feed)
        await phone.sync()  # nothing new: nothing more in the feed
        mine = await phone.entries.write(None, "Marker")
        assert (await next_change(feed)).id == mine.id
    assert (change.kind, change.id, change.origin, change.journal) == (
        "entry",
        entry.id,
        "sync",
        "Personal",
    )
    assert (await phone.entries.get(change.id)).body == "From the laptop"


async def test_a_change_on_another_device_arrives_through_the_live_channel(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    async with phone.changes(live=True) as feed:
        # The first change may come from the sync that follows connecting; once it is in,
        # the live channel is open, so the second can only come through a live notice.
        first = await laptop.entries.write(None, "Warm-up")
        await laptop.sync()
        assert (await next_change(feed)).id == first.id
        second = await laptop.entries.write(None, "Through the live channel", mood=8)
        await laptop.sync()
        change = await next_change(feed)
    assert (change.kind, change.id, change.origin) == ("entry", second.id, "sync")
    assert (await phone.entries.get(second.id)).mood == 8


async def test_a_signed_out_device_s_live_feed_raises_auth_error(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    feed = phone.changes(live=True)
    try:
        reader = asyncio.ensure_future(anext(feed))
        await laptop.devices.revoke(phone.profile.device_id.hex())
        with pytest.raises(AuthError):
            await asyncio.wait_for(reader, HANG)
        with pytest.raises(StopAsyncIteration):
            await anext(feed)  # closed by the error
    finally:
        await feed.aclose()


async def test_closing_the_client_ends_its_open_streams(signup: ClientFactory) -> None:
    ana = await signup("ana")
    feed = ana.changes(live=True)

    async def read_all() -> list[Change]:
        return [change async for change in feed]

    reader = asyncio.ensure_future(read_all())
    await ana.entries.write(None, "Before closing")
    await asyncio.sleep(0)
    await ana.close()
    try:
        found = await asyncio.wait_for(reader, HANG)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    assert [c.origin for c in found] == ["local"]
