"""The live channel backs off against a server that closes every socket right after its
hello: the waits between reconnections double, instead of one every `Backoff.first` seconds
forever.

The test waits for a number of connections (an event), never for a fixed time, and checks
lower bounds on the gaps between them: a busy machine only makes gaps longer, so it cannot
make this test fail, while a missing backoff makes the gaps near zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import server.live as server_live
from client_sdk import Backoff, wire
from client_sdk.live import notices
from client_sdk.transport import Transport
from tests.server.servers import serving, signup

CONNECTIONS = 6
HANG = 60.0  # only turns a hang into a failure


async def test_a_server_closing_every_socket_at_once_gets_fewer_and_fewer_reconnections() -> None:
    connected_at: list[float] = []
    enough = asyncio.Event()

    async def hello_then_close(request: web.Request) -> web.WebSocketResponse:
        connected_at.append(time.monotonic())
        if len(connected_at) >= CONNECTIONS:
            enough.set()
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_bytes(wire.encode(wire.LiveNotice(wire.LIVE_HELLO, b"", 0)))
        await socket.close()
        return socket

    app = web.Application()
    app.router.add_get("/v1/live", hello_then_close)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    transport = Transport(str(server.make_url("")).rstrip("/"), token="t")
    received = 0
    backoff = Backoff(first=0.05, cap=0.4, stable=10.0)

    async def follow() -> None:
        nonlocal received
        async for _ in notices(transport, backoff):
            received += 1

    task = asyncio.create_task(follow())
    try:
        await asyncio.wait_for(enough.wait(), HANG)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await transport.close()
        await server.close()
    gaps = [later - earlier for earlier, later in itertools.pairwise(connected_at)]
    # The n-th wait is min(first * 2**n, cap) scaled by a jitter in [0.5, 1]; each gap holds
    # at least that wait (plus the connection itself), however loaded the machine is.
    floors = [0.5 * min(backoff.first * 2**n, backoff.cap) for n in range(len(gaps))]
    assert all(gap >= floor for gap, floor in zip(gaps, floors, strict=True)), (gaps, floors)
    assert floors[-1] == 0.5 * backoff.cap  # the waits reached the cap: they kept doubling
    assert received >= CONNECTIONS - 1  # every connection but perhaps the last said hello


async def test_a_live_channel_refused_for_its_limit_waits_retry_after_then_connects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R9 finding 6, the SDK's side: a device whose live slots are all taken (here the
    server allows 1 and another socket holds it) is refused with 429 `live_limit`. The
    channel raises nothing, asks again only after Retry-After (never every `Backoff.first`
    seconds), and connects once the slot is free. Retry-After is shortened to 2 s for the
    test (a heartbeat of 1 s, `live_heartbeat_ms`, and 1 s more; 30 s by default)."""
    monkeypatch.setattr(server_live, "RETRY_AFTER_HEARTBEAT_MS", 1000)
    async with serving(tmp_path, max_live_per_device=1, live_heartbeat_ms=1000) as server:
        ana = await signup(server.url, tmp_path, "ana")
        headers = {"Authorization": f"Bearer {ana.profile.token}"}
        received: list[wire.LiveNotice] = []
        hello = asyncio.Event()

        async def follow() -> None:
            async for notice in notices(ana.transport, Backoff(first=0.05, cap=0.1)):
                if isinstance(notice, wire.LiveNotice):  # not an outage marker
                    received.append(notice)
                    hello.set()

        async with aiohttp.ClientSession() as session:
            holder = await session.ws_connect(server.url + "/v1/live", headers=headers)
            assert (await holder.receive(timeout=HANG)).type == aiohttp.WSMsgType.BINARY
            task = asyncio.create_task(follow())
            try:
                await asyncio.sleep(1.5)  # refused once; without Retry-After: ~20 tries
                assert not task.done() and not received
                refusals = server.log_file.read_text().count("429 live_limit")
                assert 1 <= refusals <= 2, refusals
                await holder.close()
                await asyncio.wait_for(hello.wait(), HANG)  # the slot is free: connected
                assert received[0].kind == wire.LIVE_HELLO
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await ana.close()
