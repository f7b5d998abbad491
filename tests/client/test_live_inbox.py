"""live.Inbox, the reader watch() puts in front of the live channel: meta notices waiting
collapse into one, a flood of notices waits at MAX_WAITING unread (bounded memory), and the
channel's error is raised after what came before it. No server: the source is a generator;
the waits yield to the event loop and end on events, never on a guessed time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from client_sdk import AuthError
from client_sdk.live import MAX_WAITING, Inbox


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
