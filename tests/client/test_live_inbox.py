"""live.Inbox, the reader watch() and live() put in front of the live channel: meta notices
waiting collapse into one, a flood of notices is read all the same (so the server's pings are
answered) and squashed past MAX_WAITING (bounded memory; live.squash_notices), the
channel's error is raised after what came before it, this process's writes put in it
collapse too, and closing ends the reader. live.LocalPushes, when watch() pushes those writes. No server: the source is a
generator; the waits yield to the event loop and end on events, never on a guessed time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from client_sdk import AuthError, Notice
from client_sdk.live import EVERYTHING, MAX_WAITING, Inbox, LocalPushes, squash_notices


def is_meta(item: str) -> bool:
    return item == "meta"


def squash(items: list[str]) -> list[str]:
    """The journal items waiting become one meta item (as live.squash_notices)."""
    return ["meta", *(item for item in items if not item.startswith(("journal", "meta")))]


async def settle() -> None:
    """Let every task that can run do so (no time passes)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_meta_items_waiting_collapse_and_drop_removes_them() -> None:
    async def source() -> AsyncIterator[str]:
        for item in ["journal-1", "meta", "meta", "journal-2", "meta"]:
            yield item
        await asyncio.Event().wait()

    inbox = Inbox(source(), is_meta, squash)
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

    inbox = Inbox(source(), is_meta, squash)
    try:
        assert await inbox.take() == "hello"
        await settle()
        assert inbox.drop() == 1  # the sync about to start brings it
        assert await inbox.take() == "journal-1"
    finally:
        await inbox.close()


async def test_a_flood_of_notices_is_read_all_and_squashed_past_max_waiting() -> None:
    """REV-SRV2 N1: the reader never stops reading the source (the socket: aiohttp answers
    the server's pings only while it is read), whatever the consumer does; what waits stays
    at most MAX_WAITING items, the notices squashed into one meta item (sync everything)."""
    yielded = 0
    flooded = asyncio.Event()

    async def source() -> AsyncIterator[str]:
        nonlocal yielded
        for n in range(10 * MAX_WAITING):
            yielded += 1
            yield f"journal-{n}"
        flooded.set()
        await asyncio.Event().wait()

    inbox = Inbox(source(), is_meta, squash)
    try:
        await asyncio.wait_for(flooded.wait(), 60)  # nothing taken meanwhile
        assert yielded == 10 * MAX_WAITING
        taken = []
        while (item := await inbox.take(0)) is not None:
            taken.append(item)
        assert len(taken) <= MAX_WAITING
        assert taken[0] == "meta"  # for the journal items squashed
        assert taken[-1] == f"journal-{10 * MAX_WAITING - 1}"  # the newest, as read
    finally:
        await inbox.close()


def journal(head: int) -> tuple[Notice, None]:
    return Notice(False, "ab" * 16, head), None


def test_notices_squash_to_the_first_outage_the_last_hello_one_sync_and_one_write() -> None:
    lost = Notice(False, None, 0, lost=True), None
    hello = Notice(True, None, 0), None
    meta = Notice(False, None, 0, meta=True), None
    local = Notice(False, None, 0, local=True), None
    items = [
        hello,
        journal(1),
        meta,
        local,
        journal(2),
        lost,
        hello,
        journal(3),
        lost,
        hello,
        journal(4),
    ]
    assert squash_notices(items) == [lost, hello, (EVERYTHING, None), local]
    assert EVERYTHING.meta and EVERYTHING.journal_id is None
    # Lost last: no hello after it (the channel is down; the sync after its hello comes).
    assert squash_notices([hello, journal(1), lost, *[journal(n) for n in range(20)]]) == [
        lost,
        (EVERYTHING, None),
    ]
    assert squash_notices([journal(n) for n in range(20)]) == [(EVERYTHING, None)]
    assert squash_notices([hello, local]) == [hello, local]


async def test_closing_ends_the_reader_and_a_cancel_of_the_closer_is_raised() -> None:
    """The reader is cancelled and awaited (no task left pending); a cancellation of the task
    that closes, while the source still cleans up (the socket's closing handshake), is
    raised in that task, not swallowed."""
    cleaning = asyncio.Event()
    cleaned: list[str] = []

    async def source() -> AsyncIterator[str]:
        try:
            yield "hello"
            await asyncio.Event().wait()
        finally:
            cleaning.set()
            try:
                await asyncio.Event().wait()  # a close handshake with a peer that is gone
            finally:
                cleaned.append("socket")

    inbox = Inbox(source(), is_meta, squash)
    assert await inbox.take() == "hello"
    closer = asyncio.ensure_future(inbox.close())
    await asyncio.wait_for(cleaning.wait(), 60)
    closer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closer
    assert cleaned == ["socket"]
    await inbox.close()  # again: the reader is done, nothing raised


async def test_the_channels_error_comes_after_what_was_read_before_it() -> None:
    async def source() -> AsyncIterator[str]:
        yield "journal-1"
        raise AuthError("signed out")

    inbox = Inbox(source(), is_meta, squash)
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

    inbox = Inbox(source(), is_meta, squash)
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

    inbox = Inbox(source(), is_meta, squash)
    try:
        waiting = asyncio.ensure_future(inbox.take())
        await settle()
        assert not waiting.done()
        inbox.put("local")
        assert await asyncio.wait_for(waiting, 60) == "local"
    finally:
        await inbox.close()


async def test_a_take_cancelled_as_an_item_arrives_is_cancelled_and_the_item_kept() -> None:
    """A watch() cancelled (closed) at the moment a notice arrives stops: asyncio.wait_for
    on Python 3.11 would return the item and swallow the cancellation, and the watch would
    go on forever."""

    async def source() -> AsyncIterator[str]:
        await asyncio.Event().wait()
        yield "never"

    inbox = Inbox(source(), is_meta, squash)
    try:
        taking = asyncio.ensure_future(inbox.take(60))
        await settle()
        inbox.put("local")  # in the same turn of the loop as the cancellation
        taking.cancel()
        with pytest.raises(asyncio.CancelledError):
            await taking
        assert await inbox.take(0) == "local"
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
