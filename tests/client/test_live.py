"""The live channel: a watching device applies another device's change without polling, a
revoked device is cut off, notices about changes a device already holds cost no sync, and
edits made while the watch syncs in the background are kept."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from client_sdk import AuthError, Client, SyncReport
from tests.conftest import BACKENDS, ClientFactory

# A representative end-to-end subset that runs on both storage backends.
pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

# Waits below end on an event (a report, a notice); this bound only turns a hang into a failure.
# It is no latency claim: bench/sync.py measures how fast live changes arrive.
HANG = 60.0


class Watcher:
    """`client.watch()` running in a task; every report it yields lands in `reports`."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.reports: asyncio.Queue[SyncReport] = asyncio.Queue()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for report in self.client.watch():
            self.reports.put_nowait(report)

    async def next_report(self, timeout: float = HANG) -> SyncReport:
        return await asyncio.wait_for(self.reports.get(), timeout)

    async def until_shown(self, entry_id: str, timeout: float = HANG) -> None:
        async with asyncio.timeout(timeout):
            while entry_id not in {e.id for e in await self.client.entries.list()}:
                await self.reports.get()


@asynccontextmanager
async def watching(client: Client) -> AsyncIterator[Watcher]:
    watcher = Watcher(client)
    try:
        await watcher.next_report()  # the sync that follows connecting
        yield watcher
    finally:
        watcher.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher.task


async def test_an_entry_synced_on_one_device_appears_on_a_watching_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    async with watching(phone) as watcher:
        entry = await laptop.entries.write(None, "Written on the laptop", mood=6)
        await laptop.sync()
        await watcher.until_shown(entry.id)
    [seen] = await phone.entries.list()
    assert (seen.body, seen.mood) == ("Written on the laptop", 6)


async def test_a_revoked_device_loses_its_live_channel_and_its_watch_raises_auth_error(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    watcher = Watcher(phone)
    try:
        await watcher.next_report()
        await laptop.devices.revoke(phone.profile.device_id.hex())
        with pytest.raises(AuthError, match="signed out"):
            await asyncio.wait_for(watcher.task, HANG)
    finally:
        watcher.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, AuthError):
            await watcher.task


async def test_a_notice_for_a_change_the_device_already_holds_does_not_trigger_a_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    watch = phone.watch()
    next_report: asyncio.Future[SyncReport] | None = None
    try:
        await asyncio.wait_for(anext(watch), HANG)  # the sync that follows connecting
        # Two notices wait on the phone's socket, both for changes it already holds: its own
        # push, and a laptop change it pulled by syncing itself before reading the notice.
        await phone.entries.write(None, "From the phone")
        await phone.sync()
        from_laptop = await laptop.entries.write(None, "From the laptop")
        await laptop.sync()
        assert (await phone.sync()).pulled == 1

        # The server sends notices in order on one socket, so the watch reads both of those
        # before the notice of `later`. Had it synced for either, its next report would be
        # that sync (pulled 0), not the sync that brings `later`.
        next_report = asyncio.ensure_future(anext(watch))
        later = await laptop.entries.write(None, "Still watching")
        await laptop.sync()
        report = await asyncio.wait_for(next_report, HANG)
        assert report.pulled == 1
        assert report.trigger is not None and report.trigger.journal_id is not None
        cursors = {j.journal_id.hex(): j.cursor for j in await phone.store.journals()}
        assert report.trigger.head == cursors[report.trigger.journal_id], "an older notice"
        assert {e.id for e in await phone.entries.list()} >= {from_laptop.id, later.id}
    finally:
        if next_report is not None and not next_report.done():
            next_report.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await next_report
        await watch.aclose()


async def test_edits_made_while_the_watch_syncs_in_the_background_are_all_kept(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    entry = await laptop.entries.write(None, "start")
    await laptop.sync()
    phone = await login("ana")
    written = ["start"]
    async with watching(phone):
        for n in range(40):
            await laptop.entries.edit(entry.id, append=f" laptop{n}x")
            await laptop.sync()
            await phone.entries.edit(entry.id, append=f" phone{n}x")
            written += [f"laptop{n}x", f"phone{n}x"]
            await asyncio.sleep(0.002)
            if n % 5 == 4:
                await phone.sync()
    for _ in range(2):
        await phone.sync()
        await laptop.sync()

    on_phone, on_laptop = await phone.entries.get(entry.id), await laptop.entries.get(entry.id)
    assert on_phone.body == on_laptop.body
    assert sorted(on_phone.body.split()) == sorted(written)
