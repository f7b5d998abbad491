"""A sync with more changes than the server's write-rate limit takes in a minute (a long time
offline, a large import): nothing is lost, the sync pushes what the server accepts, then waits
as the server asks within bounds or stops and says so, and the next sync goes on. Against a
real server with the smallest write rate it allows (500 records a minute); the server's clock
is the test's, moved on by the waits instead of sleeping."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from client_sdk import Client, Notice, RateLimited, SyncProgress
from client_sdk.transport import LONGEST_RETRY_AFTER_S, parse_retry_after
from client_sdk.upload_limit import MAX_IDLE_WAITS, MAX_ONE_WAIT_S, UploadWaits
from server.service import Settings
from tests.client.recording_proxy import recording_proxy
from tests.client.sharing_support import share_with
from tests.client.test_retries import failure
from tests.conftest import RunningServer
from tests.server.servers import login, serving, signup

RATE = 500  # records a minute: the least a server accepts (one full push)
MINUTE_MS = 60_000
PUSH = "/v1/records/push"


async def write(client: Client, count: int) -> None:
    for n in range(count):
        await client.entries.write("Personal", f"Offline entry {n}.")


def at_second(server: RunningServer, second: int) -> None:
    """Move the server's clock forward to `second` seconds into a fresh minute window."""
    now = server.clock.now
    server.clock.now = now - now % MINUTE_MS + MINUTE_MS + second * 1000


def waits_moving(server: RunningServer, waits: list[float]) -> object:
    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        server.clock.now += int(seconds * 1000)

    return sleep


async def bodies(client: Client) -> set[str]:
    return {entry.body for entry in await client.entries.list("Personal")}


async def test_a_sync_over_the_write_rate_waits_as_asked_and_pushes_everything(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, max_records_per_minute=RATE) as server:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.sync()
        await write(ana, 2 * RATE + 100)
        at_second(server, 0)  # a whole window: the server asks for 60 s after each 500
        waits: list[float] = []
        ana.replica.sleep = waits_moving(server, waits)  # type: ignore[assignment]
        seen: list[SyncProgress] = []
        async with recording_proxy(server.url) as proxy:
            ana.transport.base_url = proxy.url
            report = await ana.sync(seen.append, max_upload_wait=600)
        assert waits == [60.0, 60.0]
        assert proxy.paths().count(PUSH) == 5  # 500, 429, 500, 429, 100: no retry in between
        assert report.pushed == 2 * RATE + 100
        assert report.upload_limit is None and report.set_aside == []
        assert await ana.pending() == 0
        waiting = [state for state in seen if state.waiting_until is not None]
        assert [state.pushed for state in waiting] == [RATE, 2 * RATE]
        phone = await login(server.url, tmp_path, "ana")
        await phone.sync()
        assert await bodies(phone) == {f"Offline entry {n}." for n in range(2 * RATE + 100)}
        for client in (ana, phone):
            await client.close()


async def test_a_wait_longer_than_the_budget_stops_the_push_the_pull_goes_on_and_the_next_sync_continues(  # noqa: E501
    tmp_path: Path,
) -> None:
    async with serving(tmp_path, max_records_per_minute=RATE) as server:
        ana = await signup(server.url, tmp_path, "ana")
        phone = await login(server.url, tmp_path, "ana")
        await phone.entries.write("Personal", "From the phone.")
        await phone.sync()
        await write(ana, RATE + 120)
        at_second(server, 5)  # the server will ask for 55 s, above the default 30 s budget
        waits: list[float] = []
        ana.replica.sleep = waits_moving(server, waits)  # type: ignore[assignment]
        started = datetime.now(UTC)
        report = await ana.sync()
        assert waits == []
        assert report.pushed == RATE
        assert "From the phone." in await bodies(ana)  # the pull went on
        limit = report.upload_limit
        assert limit is not None
        assert (limit.waiting, limit.asked_s, limit.capped, limit.waited_s, limit.code) == (
            120,
            55.0,
            False,
            0.0,
            "write_rate_exceeded",
        )
        assert started + timedelta(seconds=55) <= limit.retry_at
        assert limit.retry_at <= datetime.now(UTC) + timedelta(seconds=55)
        assert await ana.pending() == 120
        assert "120 changes are waiting on this device" in limit.describe()
        assert report.to_dict()["upload_limit"] == limit.to_dict()
        # Too soon: the server still refuses, nothing is lost, and it is said again.
        again = await ana.sync()
        assert again.pushed == 0 and again.upload_limit is not None
        assert again.upload_limit.waiting == 120
        server.clock.now += 55_000
        last = await ana.sync()
        assert last.pushed == 120 and last.upload_limit is None
        await phone.sync()
        assert len(await bodies(phone)) == RATE + 120 + 1
        for client in (ana, phone):
            await client.close()


async def test_a_huge_retry_after_is_capped_and_said_and_never_waited_for(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await signup(live_server.url, tmp_path, "ana")
    await write(ana, 3)
    waits: list[float] = []
    ana.replica.sleep = waits_moving(live_server, waits)  # type: ignore[assignment]
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url = proxy.url
        lie = failure(429, "write_rate_exceeded", {"Retry-After": "9" * 40})
        proxy.queued[PUSH] = [lie]
        started = time.monotonic()
        report = await ana.sync(max_upload_wait=10**9)
        took = time.monotonic() - started
    assert waits == [] and took < 10
    assert proxy.paths().count(PUSH) == 1
    limit = report.upload_limit
    assert limit is not None and limit.capped
    assert limit.asked_s == LONGEST_RETRY_AFTER_S
    assert limit.retry_at <= datetime.now(UTC) + timedelta(seconds=MAX_ONE_WAIT_S)
    assert "the server asked this device to wait 366 days" in limit.describe()
    assert await ana.pending() == 3
    ana.transport.base_url = live_server.url
    assert (await ana.sync()).pushed == 3  # the next sync goes on
    await ana.close()


async def test_a_server_that_keeps_answering_429_with_no_wait_costs_a_few_calls(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await signup(live_server.url, tmp_path, "ana")
    await write(ana, 2)
    waits: list[float] = []
    ana.replica.sleep = waits_moving(live_server, waits)  # type: ignore[assignment]
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url = proxy.url
        proxy.queued[PUSH] = [failure(429, "write_rate_exceeded", {"Retry-After": "0"})] * 50
        report = await ana.sync(max_upload_wait=10**9)
    assert waits == [1.0] * MAX_IDLE_WAITS  # a 0 is waited as 1 s, and only so often
    assert proxy.paths().count(PUSH) == MAX_IDLE_WAITS + 1
    assert report.upload_limit is not None and await ana.pending() == 2
    await ana.close()


def test_upload_waits_are_bounded_by_the_budget_one_wait_and_idle_waits() -> None:
    waits = UploadWaits(100)
    assert waits.next_wait(60) == 60
    waits.accepted()
    assert waits.next_wait(41) is None  # 60 + 41 > 100
    assert waits.next_wait(None) is None  # no Retry-After: a whole window, 60 s
    assert UploadWaits(10**6).next_wait(MAX_ONE_WAIT_S + 1) is None
    idle = UploadWaits(10**6)
    assert [idle.next_wait(1) for _ in range(MAX_IDLE_WAITS + 1)] == [1, 1, 1, None]
    assert UploadWaits(0).next_wait(1) is None


def test_a_retry_after_is_read_at_most_as_a_year_and_never_overflows() -> None:
    assert parse_retry_after("9" * 400) == LONGEST_RETRY_AFTER_S
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT") == LONGEST_RETRY_AFTER_S
    assert parse_retry_after("55") == 55.0


async def test_an_import_writes_one_record_per_entry_so_10000_stay_under_the_default_rate(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The benchmark's 10,000-entry import is never throttled by default: one record per
    entry, at most half the default rate (measured at full size too: 20 pushes, no 429)."""
    old = await signup(live_server.url, tmp_path, "old")
    await write(old, 50)
    export = await old.archive.export_json()
    ana = await signup(live_server.url, tmp_path, "ana")
    await ana.sync()
    await ana.archive.import_json(export)
    assert await ana.pending() == 50
    report = await ana.sync(max_upload_wait=0)
    assert report.pushed == 50 and report.upload_limit is None
    assert 2 * 10_000 <= Settings().max_records_per_minute
    for client in (old, ana):
        await client.close()


async def test_a_watching_device_uploads_the_rest_once_the_server_takes_more(
    tmp_path: Path,
) -> None:
    """`watch()` (and so `changes(live=True)`) syncs again at `retry_at` on its own: the
    rest of a throttled upload does not wait for someone else's change."""
    async with serving(tmp_path, max_records_per_minute=RATE) as server:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.sync()
        await write(ana, RATE + 20)
        at_second(server, 59)  # 500 fit, then the server asks for 1 s

        async def no_time_passes(seconds: float) -> None:
            pass  # the server's clock stays: every wait brings nothing

        ana.replica.sleep = no_time_passes
        reports = ana.watch()
        first = await asyncio.wait_for(anext(reports), 60)
        assert first.pushed == RATE and first.upload_limit is not None
        server.clock.now += 60_000
        second = await asyncio.wait_for(anext(reports), 60)
        await reports.aclose()
        assert second.trigger == Notice(False, None, 0)
        assert second.pushed == 20 and second.upload_limit is None
        assert await ana.pending() == 0
        await ana.close()


async def test_a_share_over_the_write_rate_raises_rate_limited_and_loses_nothing(
    tmp_path: Path,
) -> None:
    """A new share seals a fresh snapshot of every document for the new epoch and pushes
    them at once (Replica.push_outbox): past the write rate, longer than the 30 s it may
    wait, `grant` raises the typed RateLimited with the server's code and when to retry.
    The share itself is made (its rotation is one write of the minute's allowance, R9B
    finding 8, so the test leaves room for it); the snapshots wait in the outbox and the next
    sync, once the server takes more, pushes them: the member reads every entry."""
    async with serving(tmp_path, max_records_per_minute=RATE) as server:
        ana = await signup(server.url, tmp_path, "ana")
        tom = await signup(server.url, tmp_path, "tom")
        try:
            at_second(server, 0)
            entries = RATE - 1  # the rotation of the share takes the minute's last unit
            await write(ana, entries)
            assert (await ana.sync()).pushed == entries
            waits: list[float] = []
            ana.replica.sleep = waits_moving(server, waits)  # type: ignore[assignment]
            started = datetime.now(UTC)
            try:
                await share_with(ana, tom)
            except RateLimited as error:
                refused = error
            else:
                raise AssertionError("the share's snapshots were pushed past the write rate")
            assert waits == [], "60 s asked, above the 30 s a share waits: not waited for"
            assert refused.code == "write_rate_exceeded"
            assert refused.retry_after == 60.0
            assert started + timedelta(seconds=60) <= refused.retry_at
            assert refused.retry_at <= datetime.now(UTC) + timedelta(seconds=60)
            # the share's cut (protocol.md 4.18, "Cuts") and a snapshot of every entry
            assert await ana.pending() == entries + 1, "the share's records wait on the device"
            assert [s.member for s in await ana.shares.list()] == ["tom"]

            server.clock.now += 60_000
            report = await ana.sync()
            assert report.pushed == entries + 1 and report.upload_limit is None
            assert await ana.pending() == 0
            # tom compares ana's fingerprint, as a therapist does, so that the whole journal
            # downloads (an unverified owner's is held back past 512 KiB: R9B finding 6)
            await tom.shares.verify("ana", await ana.shares.fingerprint())
            await tom.sync()
            shared = {entry.body for entry in await tom.entries.list("ana/Personal")}
            assert shared == {f"Offline entry {n}." for n in range(entries)}
        finally:
            for client in (ana, tom):
                await client.close()
