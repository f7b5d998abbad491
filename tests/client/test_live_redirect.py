"""The live channel follows no redirect (REV-S3, as the posts since F1): a hostile front on
loopback answers the WebSocket upgrade with a 3xx to another address, and the device never
connects there, its token least of all; the 3xx is a failed connect, retried after the usual
backoff, and the channel opens once the front lets the upgrade through to the real server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import Backoff, wire
from client_sdk.live import LIVE_PATH, notices
from client_sdk.transport import Transport
from tests.conftest import ClientFactory, RunningServer

REDIRECTS = 3  # upgrades the front answers with a redirect before it lets one through
HANG = 60.0  # only turns a hang into a failure
ELSEWHERE = "/v1/elsewhere"


@contextlib.asynccontextmanager
async def other_listener(reached: list[bytes]) -> AsyncIterator[str]:
    """A plain TCP listener on loopback that keeps what every connection sends (its request
    head: the token, were it sent) and answers 503; yields its base URL."""

    async def take(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        reached.append(await reader.read(65536))
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(take, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        listener.close()
        await listener.wait_closed()


@pytest.mark.parametrize(
    ("where", "status"),
    [("another listener", 307), ("the same origin, another path", 308)],
)
async def test_a_redirected_live_upgrade_is_a_failed_connect_never_followed(
    live_server: RunningServer, signup: ClientFactory, where: str, status: int
) -> None:
    ana = await signup("ana")
    token = ana.transport.token
    assert token is not None
    reached: list[bytes] = []  # connections the other listener took
    asked: list[tuple[str, str]] = []  # (path, Authorization) of every upgrade the front saw

    async with other_listener(reached) as other, aiohttp.ClientSession() as upstream:

        async def live(request: web.Request) -> web.StreamResponse:
            asked.append((request.path, request.headers.get("Authorization", "")))
            if request.path == ELSEWHERE:  # only a followed same-origin redirect comes here
                raise web.HTTPServiceUnavailable()
            if len(asked) <= REDIRECTS:
                target = other if where == "another listener" else front_url
                path = LIVE_PATH if where == "another listener" else ELSEWHERE
                location = target + path + "?" + request.query_string
                raise (
                    web.HTTPTemporaryRedirect(location)
                    if status == 307
                    else (web.HTTPPermanentRedirect(location))
                )
            # Then the upgrade goes through to the real server: its hello is passed on.
            headers = {"Authorization": request.headers["Authorization"]}
            async with upstream.ws_connect(
                live_server.url + request.path_qs, headers=headers
            ) as real:
                down = web.WebSocketResponse()
                await down.prepare(request)
                hello = await real.receive(timeout=HANG)
                await down.send_bytes(hello.data)
                async for _ in down:  # until the device closes
                    pass
                return down

        app = web.Application()
        app.router.add_get(LIVE_PATH, live)
        app.router.add_get(ELSEWHERE, live)
        front = TestServer(app, host="127.0.0.1")
        await front.start_server()
        front_url = str(front.make_url("")).rstrip("/")
        transport = Transport(front_url, token=token)
        seen: list[wire.LiveNotice | None] = []
        channel = notices(transport, Backoff(first=0.05, cap=0.2))
        try:
            async with asyncio.timeout(HANG):
                async for notice in channel:
                    seen.append(notice)
                    if notice is not None:
                        break
        finally:
            await channel.aclose()
            await transport.close()
            await front.close()

    assert reached == []  # the other address never got a connection, nor the token
    assert [path for path, _ in asked] == [LIVE_PATH] * (REDIRECTS + 1)  # none followed
    assert all(authorization == f"Bearer {token}" for _, authorization in asked)
    # The redirects were one outage (told once), retried with the backoff; then the real
    # server's hello came through the front.
    assert seen[:-1] == [None]
    last = seen[-1]
    assert last is not None and last.kind == wire.LIVE_HELLO
