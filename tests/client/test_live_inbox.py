"""live.Inbox, the reader watch() puts in front of the live channel: meta notices waiting
collapse into one, a flood of notices waits at MAX_WAITING unread (bounded memory), the
channel's error is raised after what came before it, and this process's writes put in it
collapse too. live.LocalPushes, when watch() pushes those writes. No server: the source is a
generator; the waits yield to the event loop and end on events, never on a guessed time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from client_sdk import AuthError
from client_sdk.live import MAX_WAITING, Inbox, LocalPushes


def is_meta(item: str) -> bool:
    return item == "meta"


async def settle() -> None:
    """Let every task that can run do so (no time passes)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_meta_items_waiting_collapse_and_drop_removes_them() -> None:
    async def source() -> AsyncIterator[str]:
        for item in ["journal-1", "meta", "meta", "journal-2", "meta"]:
            yield item
        await asyncio.Event().wait()

    inbox = Inbox(source(), is_meta)
    try:
        assert await inbox.take() == "journal-1"
        await settle()
        assert await inbox.take() == "meta"  # the three collapsed while waiting
        assert await inbox.take() == "journal-2"
        assert await inbox.take(0) is None  # nothing else came
    finally:
        await inbox.close()


async def test_drop_removes_the_meta_items_read_so_far_and_keeps_the_others() -> None:
    async def source() -> AsyncIterator[str]:
        for item in ["hello", "meta", "journal-1"]:
            yield item
        await asyncio.Event().wait()

    inbox = Inbox(source(), is_meta)
    try:
        assert await inbox.take() == "hello"
        await settle()
        assert inbox.drop() == 1  # the sync about to start brings it
        assert await inbox.take() == "journal-1"
    finally:
        await inbox.close()


async def test_a_flood_of_notices_waits_unread_past_max_waiting() -> None:
    yielded = 0
    blocked = asyncio.Event()

    async def source() -> AsyncIterator[str]:
        nonlocal yielded
        for n in range(10 * MAX_WAITING):
            yielded += 1
            if yielded == MAX_WAITING + 1:
                blocked.set()  # the reader holds this one until there is room
            yield f"journal-{n}"

    inbox = Inbox(source(), is_meta)
    try:
        await asyncio.wait_for(blocked.wait(), 60)
        await settle()
        assert yielded == MAX_WAITING + 1
        assert await inbox.take() == "journal-0"
        await settle()
        assert yielded == MAX_WAITING + 2
    finally:
        await inbox.close()


async def test_the_channels_error_comes_after_what_was_read_before_it() -> None:
    async def source() -> AsyncIterator[str]:
        yield "journal-1"
        raise AuthError("signed out")

    inbox = Inbox(source(), is_meta)
    try:
        assert await inbox.take() == "journal-1"
        with pytest.raises(AuthError):
            await inbox.take()
    finally:
        await inbox.close()


async def test_items_put_wait_after_those_read_and_collapse_while_one_waits() -> None:
    async def source() -> AsyncIterator[str]:
        yield "journal-1"
        await asyncio.Event().wait()

    inbox = Inbox(source(), is_meta)
    try:
        await settle()
        for _ in range(1000):  # a loop of writes while the watch syncs
            inbox.put("local")
        assert await inbox.take() == "journal-1"
        assert await inbox.take() == "local"
        assert await inbox.take(0) is None  # one for all of them
        inbox.put("local")  # a write after the sync that took it: one more
        assert await inbox.take(0) == "local"
    finally:
        await inbox.close()


async def test_an_item_put_wakes_a_take_waiting_for_the_source() -> None:
    async def source() -> AsyncIterator[str]:
        await asyncio.Event().wait()
        yield "never"

    inbox = Inbox(source(), is_meta)
    try:
        waiting = asyncio.ensure_future(inbox.take())
        await settle()
        assert not waiting.done()
        inbox.put("local")
        assert await asyncio.wait_for(waiting, 60) == "local"
    finally:
        await inbox.close()


def test_a_write_after_a_quiet_spell_is_pushed_at_once_and_a_burst_once_per_gap() -> None:
    pushes = LocalPushes(gap=0.1)
    assert pushes.wrote(10.0)  # the first write: at once
    pushes.syncing(10.0, pushes=True)
    assert not pushes.wrote(10.03)  # a write 30 ms later: with the others, at 10.1
    assert not pushes.wrote(10.05)
    assert pushes.due == 10.1
    assert pushes.wait(10.05) == pytest.approx(0.05)
    assert not pushes.is_due(10.09) and pushes.is_due(10.1)
    pushes.syncing(10.1, pushes=True)
    assert pushes.due is None and pushes.wait(10.1) is None
    assert pushes.wrote(10.5)  # quiet since: at once again


def test_any_sync_sends_what_waits_and_only_a_push_starts_the_gap() -> None:
    pushes = LocalPushes(gap=0.1)
    pushes.syncing(5.0, pushes=True)
    assert not pushes.wrote(5.02)
    pushes.syncing(5.04, pushes=False)  # a notice's sync: it sent that write too
    assert pushes.due is None
    assert not pushes.wrote(5.06)  # still within the gap of the last push
    pushes.syncing(5.1, pushes=True)
    pushes.syncing(5.3, pushes=False)
    assert pushes.wrote(5.31)  # the gap counts from pushes only
