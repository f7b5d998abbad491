"""Transient failures (5xx, 429, a server that is down) are retried a bounded number of times
with backoff, honouring Retry-After; refusals and calls that are not safe to repeat are not
retried. Requests are counted through a loopback proxy in front of the real server."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tenacity import RetryCallState

from client_sdk import NetworkError, TJError, wire
from client_sdk.transport import (
    DEFAULT_RETRY,
    RetryPolicy,
    Transport,
    WaitBudget,
    parse_retry_after,
)
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


@dataclass(frozen=True)
class CountedWaits(RetryPolicy):
    """The default policy, keeping each wait it asks for between two attempts."""

    asked: list[float] = field(default_factory=list, compare=False)

    def wait(self, state: RetryCallState) -> float:
        seconds = super().wait(state)
        self.asked.append(seconds)
        return seconds


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on: a connection to it is refused at once. Its socket
    stays bound (never listening) for the test's duration, so no other program can take the
    port meanwhile."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield int(probe.getsockname()[1])


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of each request the transport makes (each attempt), made as usual."""
    made: list[str] = []
    real = Transport._call_once

    async def counted(self: Transport, path: str, *args: Any, **kwargs: Any) -> Any:
        made.append(path)
        return await real(self, path, *args, **kwargs)

    monkeypatch.setattr(Transport, "_call_once", counted)
    return made


async def test_a_refused_connection_is_tried_once_more_after_a_short_wait_not_backed_off(
    signup: ClientFactory, attempts: list[str], closed_port: int
) -> None:
    """A server that is down (the connection refused at once) made a sync try 4 times with
    0.25 s to 4 s of backoff between tries: `tj sync` took seconds to say it cannot reach the
    server. A refusal is a definite answer: one more try, 0.1 s later, then the error."""
    ana = await signup("ana")
    await ana.entries.write("Personal", "Written while the server is down.")
    policy = CountedWaits()
    ana.transport.base_url, ana.transport.retry = f"http://127.0.0.1:{closed_port}", policy
    attempts.clear()
    with pytest.raises(NetworkError) as down:
        await ana.sync()
    assert "nothing answers at that address" in str(down.value)
    assert down.value.unsent
    # a sync with something to send reads the journal list first (rev30a F2)
    assert attempts == ["/v1/journals/list"] * DEFAULT_RETRY.refused_attempts
    assert DEFAULT_RETRY.refused_attempts == 2
    assert policy.asked == [DEFAULT_RETRY.refused_wait] == [0.1]
    assert await ana.pending() == 1


async def test_a_refused_lookup_within_a_sync_s_wait_budget_is_tried_twice_too(
    signup: ClientFactory, attempts: list[str], closed_port: int
) -> None:
    ana = await signup("ana")
    ana.transport.base_url = f"http://127.0.0.1:{closed_port}"
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    budget = WaitBudget(30.0, sleep=sleep)
    attempts.clear()
    with pytest.raises(NetworkError):
        await ana.transport.call(
            "/v1/account/identity-by-id",
            wire.AccountRequest(bytes(16)),
            wire.Identity,
            budget=budget,
        )
    assert attempts == ["/v1/account/identity-by-id"] * 2
    assert waited == [0.1] and budget.waits == 1


async def test_a_connection_broken_off_mid_request_is_still_retried_with_backoff(
    signup: ClientFactory,
) -> None:
    """Only a refusal is cut short: a server that takes the request and closes the connection
    without an answer (a reset mid-request) is retried as before, the policy's 4 attempts
    with its backoff."""
    ana = await signup("ana")
    accepted = 0

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        await reader.readuntil(b"\r\n\r\n")  # the request's head, then no answer
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    policy = CountedWaits(first=0.01, cap=0.05)
    ana.transport.base_url, ana.transport.retry = f"http://127.0.0.1:{port}", policy
    try:
        with pytest.raises(NetworkError) as broken:
            await ana.replica.refresh_journals()
    finally:
        server.close()
        await server.wait_closed()
    assert "the connection broke off" in str(broken.value)
    assert accepted == policy.attempts == 4
    between = policy.asked[:3]  # tenacity also draws the wait after the last attempt, unused
    assert len(between) == 3 and all(wait >= policy.first for wait in between)
