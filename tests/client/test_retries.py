"""Transient failures (5xx, 429, a server that is down) are retried a bounded number of times
with backoff, honouring Retry-After; refusals and calls that are not safe to repeat are not
retried. Requests are counted through a loopback proxy in front of the real server."""

from __future__ import annotations

import time

import pytest

from client_sdk import NetworkError, TJError, wire
from client_sdk.transport import RetryPolicy, parse_retry_after
from tests.client.recording_proxy import recording_proxy
from tests.conftest import ClientFactory, RunningServer

FAST = RetryPolicy(attempts=4, first=0.01, cap=0.05)


def failure(
    status: int, code: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    return status, wire.encode(wire.ErrorReply(code, "try later")), headers or {}


async def test_a_push_that_fails_twice_with_503_is_retried_and_lands_once(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    await ana.entries.write("Personal", "Through a flaky server.")
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url, ana.transport.retry = proxy.url, FAST
        proxy.queued["/v1/records/push"] = [failure(503, "storage_unavailable")] * 2
        report = await ana.sync()
    assert report.pushed == 1
    assert proxy.paths().count("/v1/records/push") == 3
    assert await ana.pending() == 0


async def test_retries_stop_after_the_policy_s_attempts_and_the_outbox_is_kept(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    await ana.entries.write("Personal", "Kept while the server fails.")
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url, ana.transport.retry = proxy.url, FAST
        proxy.queued["/v1/records/push"] = [failure(500, "internal_error")] * 10
        with pytest.raises(NetworkError):
            await ana.sync()
    assert proxy.paths().count("/v1/records/push") == FAST.attempts
    assert await ana.pending() == 1


async def test_a_429_is_retried_no_sooner_than_its_retry_after(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url, ana.transport.retry = proxy.url, FAST
        proxy.queued["/v1/sync"] = [failure(429, "too_many_requests", {"Retry-After": "1"})]
        started = time.monotonic()
        await ana.sync()
        waited = time.monotonic() - started
    assert proxy.paths().count("/v1/sync") == 2
    assert waited >= 1.0


async def test_a_retry_after_beyond_the_longest_wait_fails_at_once(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url, ana.transport.retry = proxy.url, FAST
        proxy.queued["/v1/sync"] = [failure(429, "too_many_requests", {"Retry-After": "3600"})]
        with pytest.raises(NetworkError) as raised:
            await ana.sync()
    assert raised.value.code == "too_many_requests"  # machine-readable, not in the words
    assert proxy.paths().count("/v1/sync") == 1


async def test_a_call_that_is_not_safe_to_repeat_is_not_retried(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url, ana.transport.retry = proxy.url, FAST
        proxy.queued["/v1/journals/create"] = [failure(503, "storage_unavailable")]
        created = await ana.journals.create("Dreams")  # offline-first: kept, sent at next sync
    assert proxy.paths().count("/v1/journals/create") == 1
    assert [j for j, _ in await ana.store.pending_journals()] == [bytes.fromhex(created.id)]


async def test_a_refusal_is_not_retried(live_server: RunningServer, signup: ClientFactory) -> None:
    ana = await signup("ana")
    async with recording_proxy(live_server.url) as proxy:
        ana.transport.base_url, ana.transport.retry = proxy.url, FAST
        proxy.queued["/v1/journals/list"] = [failure(400, "invalid_field")]
        with pytest.raises(TJError) as raised:
            await ana.replica.refresh_journals()
    assert raised.value.code == "invalid_field"
    assert proxy.paths().count("/v1/journals/list") == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 120))
    assert 100 < (parse_retry_after(later) or 0) <= 120
