"""Requests in progress per client address: one address could open any number of requests
and live WebSockets at once (each a file descriptor, a task and buffers) until the server ran
out. Now it may hold `max_requests_per_address` (512 by default) in one server process, each
open live socket counting as one; past it 429 `connection_limit` with Retry-After, the
connection closed (real server on loopback)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket

import aiohttp
import msgpack
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from server import __main__ as server_main
from server import app as server_app
from server.routes import SERVICE
from server.service import Settings
from tests.conftest import RunningServer
from tests.server.conftest import Serve
from tests.server.live_peers import stuck_live_socket
from tests.server.raw import RawClient, signed_signup

LOOPBACK = "127.0.0.1"
HANG = 20.0  # turns a hang into a failure; no latency claim


async def signed_in(raw: RawClient, name: str) -> str:
    answer = await raw.call("/v1/auth/signup", signed_signup(name))
    assert answer.status == 200, answer.value()
    token: str = answer.value()["token"]
    return token


async def stalled_request(url: str, token: str, forwarded_for: str = "") -> asyncio.StreamWriter:
    """A signed-in request whose body stops after its first byte: it stays in progress
    (for the body timeout) until the connection is closed."""
    port = int(url.rsplit(":", 1)[1])
    _, writer = await asyncio.open_connection(LOOPBACK, port)
    forwarded = f"X-Forwarded-For: {forwarded_for}\r\n" if forwarded_for else ""
    writer.write(
        f"POST /v1/devices/list HTTP/1.1\r\nHost: x\r\nContent-Type: application/msgpack\r\n"
        f"Authorization: Bearer {token}\r\n{forwarded}Content-Length: 100\r\n\r\n\x81".encode()
    )
    await writer.drain()
    return writer


async def open_requests(server: RunningServer, client: str, count: int) -> None:
    """Wait until the server counts `count` requests of `client` in progress."""
    counts = server.server.app[SERVICE].open_requests
    async with asyncio.timeout(HANG):
        while counts.open(client) != count:
            await asyncio.sleep(0.01)


async def health(session: aiohttp.ClientSession, url: str, forwarded_for: str = "", forwarded: str = "") -> tuple[int, str, dict[str, str]]:  # fmt: skip
    headers = {"Content-Type": "application/msgpack"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    if forwarded:
        headers["Forwarded"] = forwarded
    async with session.post(url + "/v1/health", data=msgpack.packb({}), headers=headers) as got:
        body = await got.read()
        code = msgpack.unpackb(body)["code"] if got.status != 200 else ""
        return got.status, code, dict(got.headers)


async def test_one_address_holds_at_most_its_requests_and_live_sockets_at_once(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """Two live sockets that never read and one stalled body are the three an address may
    hold here: its next request and its next live upgrade are refused 429 `connection_limit`
    (Retry-After 5 s, `Connection: close`), logged at INFO without a traceback; once a
    socket closes the address is served again, and when all are gone nothing stays
    counted."""
    async with serve(max_requests_per_address=3) as server:
        raw = RawClient(raw_session, server.url)
        token = await signed_in(raw, "mallory")
        sockets: list[socket.socket] = [await stuck_live_socket(server.url, token) for _ in range(2)]  # fmt: skip
        stalled = await stalled_request(server.url, token)
        try:
            await open_requests(server, LOOPBACK, 3)
            async with aiohttp.ClientSession() as fresh:  # a new connection, like an attacker's
                status, code, headers = await health(fresh, server.url)
                assert (status, code) == (429, "connection_limit")
                assert headers["Retry-After"] == "5"
                assert headers.get("Connection", "").lower() == "close"
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await fresh.ws_connect(
                        server.url + "/v1/live", headers={"Authorization": f"Bearer {token}"}
                    )
                assert refused.value.status == 429
                sockets.pop().close()
                await open_requests(server, LOOPBACK, 2)
                assert (await health(fresh, server.url))[:2] == (200, "")
        finally:
            for sock in sockets:
                sock.close()
            stalled.close()
        await open_requests(server, LOOPBACK, 0)
    log = server.log_file.read_text(errors="replace")
    assert log.count("-> 429 connection_limit") == 2, log[-2000:]
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """Behind a declared proxy every connection comes from the proxy's address: the count is
    kept per client the proxy names (X-Forwarded-For), so one client at its limit leaves the
    others served."""
    async with serve(max_requests_per_address=1, trusted_proxies=(LOOPBACK,)) as server:
        raw = RawClient(raw_session, server.url)
        token = await signed_in(raw, "mallory")
        stalled = await stalled_request(server.url, token, forwarded_for="203.0.113.7")
        try:
            await open_requests(server, "203.0.113.7", 1)
            async with aiohttp.ClientSession() as fresh:
                busy = await health(fresh, server.url, forwarded_for="203.0.113.7")
                assert busy[:2] == (429, "connection_limit")
            async with aiohttp.ClientSession() as fresh:
                assert (await health(fresh, server.url, forwarded_for="203.0.113.8"))[0] == 200
        finally:
            stalled.close()


def forwarding_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "X-Forwarded-For" in r.getMessage()
    ]


async def test_forwarding_headers_from_a_peer_that_is_not_a_trusted_proxy_are_warned_of_once(
    serve: Serve, raw_session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Behind a reverse proxy that was not declared, every client is counted under the
    proxy's address: --max-requests-per-address becomes one limit for everyone. The server
    cannot tell a proxy from a client that writes the header itself, so it says it once: a
    WARNING at the first request that carries X-Forwarded-For or Forwarded from a peer that
    is not a --trusted-proxy, naming the flag (and loopback's address, the peer being on
    loopback), without the header's value; requests without the headers say nothing."""
    async with serve() as server:
        async with aiohttp.ClientSession() as session:
            assert (await health(session, server.url))[0] == 200
            assert forwarding_warnings(caplog) == []
            assert (await health(session, server.url, forwarded_for="203.0.113.7"))[0] == 200
            assert (await health(session, server.url, forwarded_for="203.0.113.8"))[0] == 200
            assert (await health(session, server.url, forwarded="for=203.0.113.9"))[0] == 200
    warnings = forwarding_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert "--trusted-proxy 127.0.0.1" in warnings[0]
    assert "--max-requests-per-address" in warnings[0]
    log = server.log_file.read_text(errors="replace")
    assert "203.0.113." not in log


async def test_a_trusted_proxy_is_warned_of_only_when_it_sends_forwarded_alone(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    """A declared proxy's X-Forwarded-For is read, so it gets no warning; a declared proxy
    that sends only Forwarded (which the server does not read) gets one: its clients would
    still share its address."""
    async with serve(trusted_proxies=(LOOPBACK,)) as server:
        async with aiohttp.ClientSession() as session:
            assert (await health(session, server.url, forwarded_for="203.0.113.7"))[0] == 200
            assert forwarding_warnings(caplog) == []
            assert (await health(session, server.url, forwarded="for=203.0.113.9"))[0] == 200
            assert (await health(session, server.url, forwarded="for=203.0.113.9"))[0] == 200
    warnings = forwarding_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert "make the proxy set X-Forwarded-For" in warnings[0]


def test_the_limits_of_this_review_are_tj_server_flags_and_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TJ_SERVER_MAX_REQUESTS_PER_ADDRESS", "40")
    parser = argparse.ArgumentParser()
    server_main.add_limit_options(parser)
    defaults = server_main.settings_from(parser.parse_args([]))
    assert defaults.max_requests_per_address == 40
    assert defaults.live_heartbeat_ms == Settings().live_heartbeat_ms == 25_000
    assert defaults.public_body_timeout_ms == Settings().public_body_timeout_ms == 10_000
    assert defaults.send_timeout_ms == Settings().send_timeout_ms == 60_000
    chosen = server_main.settings_from(
        parser.parse_args(
            [
                "--max-requests-per-address",
                "7",
                "--live-heartbeat-ms",
                "900",
                "--public-body-timeout-ms",
                "2000",
                "--send-timeout-ms",
                "3000",
            ]
        )  # fmt: skip
    )
    assert (chosen.max_requests_per_address, chosen.live_heartbeat_ms) == (7, 900)
    assert (chosen.public_body_timeout_ms, chosen.send_timeout_ms) == (2000, 3000)
    with pytest.raises(SystemExit):
        server_main.settings_from(parser.parse_args(["--max-requests-per-address", "0"]))


async def test_the_connection_limit_refusal_is_sent_within_its_send_deadline(
    serve: Serve, raw_session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 429 `connection_limit` refusal is written by the server's own send path (within
    `send_timeout_ms`, like every other answer), not by aiohttp after the middleware
    returned, when nothing bounded how long its write could take. The send path is watched
    (each answer it writes is noted, then written as before)."""
    sent: list[int] = []
    send = server_app.send_answer

    async def noting(request: web.Request, response: web.StreamResponse, settings: Settings) -> None:  # fmt: skip
        sent.append(response.status)
        await send(request, response, settings)

    monkeypatch.setattr(server_app, "send_answer", noting)
    async with serve(max_requests_per_address=1) as server:
        raw = RawClient(raw_session, server.url)
        token = await signed_in(raw, "mallory")
        stalled = await stalled_request(server.url, token)
        try:
            await open_requests(server, LOOPBACK, 1)
            async with aiohttp.ClientSession() as fresh:
                assert (await health(fresh, server.url))[:2] == (429, "connection_limit")
        finally:
            stalled.close()
        await open_requests(server, LOOPBACK, 0)
    assert 429 in sent, sent


async def test_an_http_exception_of_aiohttp_becomes_an_answer_the_server_sends_itself() -> None:
    """An HTTP exception aiohttp raises that is not a client error (e.g. 503) is turned into
    a `{code, message}` answer by `errors_middleware`, so `address_middleware` sends it
    inside the count and within its deadline; re-raised, aiohttp wrote it later, outside
    both."""

    async def failing(request: web.Request) -> web.StreamResponse:
        raise web.HTTPServiceUnavailable()

    request = make_mocked_request("POST", "/v1/health")
    answer = await server_app.errors_middleware(request, failing)
    assert isinstance(answer, web.Response) and answer.status == 503
    assert isinstance(answer.body, bytes)
    assert msgpack.unpackb(answer.body)["code"] == "internal_error"
