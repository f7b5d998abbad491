"""A device that runs `watch()` (or `changes(live=True)`) pushes its own writes soon after
they are made, without the app calling `sync()` (NU45 #1: an entry written on a watching
laptop reached the phone only with the laptop's timed sync, about 60 s later).

Two devices of one account against a real server. Waits end on a report or an arrival; the
bounds only turn a hang into a failure, except ARRIVES_S, the claim under test: well before
the once-a-minute full sync (`WATCH_FULL_SYNC_S`). No latency figure is asserted: a script
measures the propagation (a few milliseconds on loopback).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

import client_sdk.client as client_module
from client_sdk import (
    INSECURE_TEST_COST,
    Backoff,
    Client,
    NetworkError,
    Notice,
    RetryPolicy,
    SyncReport,
)
from tests.client.test_live import HANG, Watcher, watching
from tests.client.test_upload_limit import RATE, at_second, write
from tests.conftest import PASSWORD, ClientFactory
from tests.e2e.test_server_restart import ServerProcess
from tests.server.servers import serving, signup

ARRIVES_S = 5.0  # a write reaches the other device well before WATCH_FULL_SYNC_S (60 s)
LOCAL = Notice(False, None, 0, local=True)
QUICK = Backoff(first=0.05, cap=0.5)  # the live channel reconnects soon after the server


async def entry_ids(client: Client) -> set[str]:
    return {entry.id for entry in await client.entries.list()}


async def until_pushed(watcher: Watcher, count: int) -> list[SyncReport]:
    """The reports of `watcher` until they pushed `count` changes in all."""
    reports: list[SyncReport] = []
    async with asyncio.timeout(HANG):
        while sum(report.pushed for report in reports) < count:
            reports.append(await watcher.reports.get())
    return reports


async def test_a_write_on_a_watching_device_reaches_the_other_watching_device_without_a_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    assert client_module.WATCH_FULL_SYNC_S == 60.0
    laptop = await signup("ana")
    phone = await login("ana")
    async with watching(phone) as on_phone, watching(laptop) as on_laptop:
        entry = await laptop.entries.write(None, "Written on the laptop, no sync called")
        await on_phone.until_shown(entry.id, timeout=ARRIVES_S)
        report = await on_laptop.next_report()
    assert report.trigger == LOCAL
    assert report.pushed == 1
    assert report.lines() == ["Sent 1 change."]
    assert await laptop.pending() == 0


async def test_a_device_following_changes_live_pushes_its_own_goal_and_entry(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """`changes(live=True)` runs `watch()`: a goal, then an entry, each reach the phone."""
    laptop = await signup("ana")
    phone = await login("ana")
    async with watching(phone) as on_phone, laptop.changes(live=True) as feed:
        hello = await phone.entries.write(None, "From the phone")
        await phone.sync()
        async with asyncio.timeout(HANG):  # the laptop's feed syncs: its watch is running
            async for change in feed:
                if (change.id, change.origin) == (hello.id, "sync"):
                    break
        goal = await laptop.goals.add("Walk three times a week")
        async with asyncio.timeout(ARRIVES_S):
            while goal.id not in {g.id for g in await phone.goals.list()}:
                await on_phone.reports.get()
        entry = await laptop.entries.write(None, "After the goal")
        await on_phone.until_shown(entry.id, timeout=ARRIVES_S)
    assert await laptop.pending() == 0


async def test_a_burst_of_writes_on_a_watching_device_costs_a_bounded_number_of_syncs(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """200 writes, each letting the event loop run (as an app's loop does): one sync at the
    first, then one per WATCH_LOCAL_GAP_S at most for the writes made meanwhile, and one
    after the last: without it, nearly one sync per write (each takes a few ms here)."""
    burst = 200
    laptop = await signup("ana")
    phone = await login("ana")
    loop = asyncio.get_running_loop()
    async with watching(phone) as on_phone, watching(laptop) as on_laptop:
        started = loop.time()
        for n in range(burst):
            await laptop.entries.write(None, f"Entry {n} of a burst")
            await asyncio.sleep(0.001)
        elapsed = loop.time() - started
        reports = await until_pushed(on_laptop, burst)
        async with asyncio.timeout(HANG):
            while len(await entry_ids(phone)) < burst:
                await on_phone.reports.get()
    assert {report.trigger for report in reports} == {LOCAL}
    assert sum(report.pushed for report in reports) == burst
    assert len(reports) <= elapsed / client_module.WATCH_LOCAL_GAP_S + 2, (len(reports), elapsed)
    assert await laptop.pending() == 0


async def test_a_write_pushed_by_the_apps_own_sync_starts_no_second_sync(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The watch finds nothing left to send when it gets to the write: the next report is
    the one the laptop's notice starts, not a sync for the phone's own write."""
    laptop = await signup("ana")
    phone = await login("ana")
    watch = phone.watch()
    next_report: asyncio.Future[SyncReport] | None = None
    try:
        await asyncio.wait_for(anext(watch), HANG)  # the sync that follows connecting
        await phone.entries.write(None, "From the phone")
        await phone.sync()  # the app pushed it itself
        next_report = asyncio.ensure_future(anext(watch))
        await laptop.entries.write(None, "From the laptop")
        await laptop.sync()
        report = await asyncio.wait_for(next_report, HANG)
        assert report.trigger is not None and report.trigger.journal_id is not None
        assert report.pulled == 1
    finally:
        if next_report is not None and not next_report.done():
            next_report.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await next_report
        await watch.aclose()


class CountedSyncs:
    """Counts the syncs of a client's replica, and those that failed with NetworkError."""

    def __init__(self, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = 0
        self.failed = 0
        self.failure = asyncio.Event()
        sync = client.replica.sync

        async def counted(*args: Any, **kwargs: Any) -> SyncReport:
            self.started += 1
            try:
                return await sync(*args, **kwargs)
            except NetworkError:
                self.failed += 1
                self.failure.set()
                raise

        monkeypatch.setattr(client.replica, "sync", counted)


@asynccontextmanager
async def watched(
    client: Client, on_lost: Callable[[], None] | None = None
) -> AsyncIterator[asyncio.Queue[SyncReport]]:
    """`client.watch(backoff=QUICK, on_lost=...)` in a task, its reports in the queue, from
    the report of the sync that follows connecting on."""
    reports: asyncio.Queue[SyncReport] = asyncio.Queue()

    async def run() -> None:
        async for report in client.watch(backoff=QUICK, on_lost=on_lost):
            reports.put_nowait(report)

    task = asyncio.create_task(run())
    try:
        await asyncio.wait_for(reports.get(), HANG)
        yield reports
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until(done: Callable[[], Awaitable[bool]], reports: asyncio.Queue[SyncReport]) -> None:
    async with asyncio.timeout(HANG):
        while not await done():
            await reports.get()


async def test_a_write_made_while_the_server_is_down_is_pushed_once_it_is_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first write tries once and fails; later writes wait without trying (no sync per
    write against a server that is down); the sync after the live channel reconnects
    pushes them all, and the phone gets them."""
    server = ServerProcess(tmp_path / "server-data", tmp_path / "server.log")
    await server.start()
    opened: list[Client] = []
    try:
        laptop = await Client.signup(
            server.url, "ana", PASSWORD, home=tmp_path / "laptop", kdf_cost=INSECURE_TEST_COST
        )
        opened.append(laptop)
        phone = await Client.login(
            server.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
        )
        opened.append(phone)
        laptop.transport.retry = RetryPolicy(attempts=1)  # a refused connection fails at once
        syncs = CountedSyncs(laptop, monkeypatch)
        lost = asyncio.Event()
        async with watched(phone) as on_phone, watched(laptop, lost.set) as on_laptop:
            server.kill()
            await asyncio.wait_for(lost.wait(), HANG)
            first = await laptop.entries.write(None, "Written offline")
            await asyncio.wait_for(syncs.failure.wait(), HANG)  # its push was tried
            rest = [await laptop.entries.write(None, f"Offline too, {n}") for n in range(3)]
            assert await laptop.pending() == 4
            await server.start()  # the same port and data
            report = await asyncio.wait_for(on_laptop.get(), HANG)
            written = {first.id, *(entry.id for entry in rest)}

            async def arrived() -> bool:
                return written <= await entry_ids(phone)

            await until(arrived, on_phone)
        assert syncs.failed == 1, syncs.failed  # the writes after the failure did not try
        assert report.trigger is not None and report.trigger.connected
        assert report.pushed == 4
        assert await laptop.pending() == 0
    finally:
        for client in opened:
            await client.close()
        server.kill()


async def test_a_write_while_the_write_rate_limit_holds_waits_for_its_retry_at(
    tmp_path: Path,
) -> None:
    """The sync at the limit's `retry_at` sends the writes made meanwhile: none starts a
    sync of its own that the server would refuse again."""
    async with serving(tmp_path, max_records_per_minute=RATE) as server:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.sync()
        await write(ana, RATE + 20)
        at_second(server, 59)  # 500 fit, then the server asks for 1 s

        async def no_time_passes(seconds: float) -> None:
            pass  # the server's clock stays: every wait brings nothing

        ana.replica.sleep = no_time_passes
        reports = ana.watch()
        try:
            first = await asyncio.wait_for(anext(reports), HANG)
            assert first.pushed == RATE and first.upload_limit is not None
            await write(ana, 3)  # while the limit holds
            server.clock.now += 60_000
            second = await asyncio.wait_for(anext(reports), HANG)
        finally:
            await reports.aclose()
        assert second.trigger == Notice(False, None, 0)  # the sync at retry_at
        assert second.pushed == 23 and second.upload_limit is None
        assert await ana.pending() == 0
        await ana.close()
