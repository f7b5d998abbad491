"""The live channel backs off against a server that closes every socket right after its
hello: reconnections stay few, instead of one every `Backoff.first` seconds forever."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import Backoff, wire
from client_sdk.live import notices
from client_sdk.transport import Transport


async def test_a_server_closing_every_socket_at_once_gets_fewer_and_fewer_reconnections() -> None:
    connections = 0

    async def hello_then_close(request: web.Request) -> web.WebSocketResponse:
        nonlocal connections
        connections += 1
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

    async def follow() -> None:
        nonlocal received
        async for _ in notices(transport, Backoff(first=0.05, cap=0.4, stable=10.0)):
            received += 1

    task = asyncio.create_task(follow())
    try:
        await asyncio.sleep(1.5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await transport.close()
        await server.close()
    # Waits of about 0.05, 0.1, 0.2, 0.4, 0.4 s: a handful of connections, not ~40.
    assert 3 <= connections <= 8
    assert received == connections
