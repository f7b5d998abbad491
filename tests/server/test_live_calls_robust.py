"""Calls on the live channel on the server's side: a slow answer keeps the socket read, one
call at a time, and a socket reset mid-call gives its slots back (protocol.md GET /v1/live,
"Calls on the live channel")."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from client_sdk import wire
from server.routes import SERVICE
from tests.server.conftest import Serve
from tests.server.servers import signup
from tests.server.test_live_calls import live_socket, personal, posted, sync_body

HEARTBEAT_MS = 500
"""The server's heartbeat in these tests (its pong due within half: 250 ms), 50 times
shorter than the default 25 s, so that a slow call spans pings: every wait below is in
proportion to it (it was 1,000 ms, with waits twice as long: the same pings in twice the
time)."""
SLOW_S = 1.5 * HEARTBEAT_MS / 1000
"""How long one sync takes on a loaded server: three times the pong's allowance of half a
heartbeat (a long one: 12.5 s at the defaults)."""


def slow_syncs(server: Any) -> None:
    """Every sync of the server takes SLOW_S more (a large database, a busy disk)."""
    storage = server.server.app[SERVICE].storage
    original = storage.heads_for

    async def heads_for(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(SLOW_S)
        return await original(*args, **kwargs)

    storage.heads_for = heads_for


async def test_a_slow_call_does_not_drop_the_socket(serve: Serve, tmp_path: Path) -> None:
    """While the server answers a call (here slower than half a heartbeat), it still reads
    the socket: the pong to its own ping is read, the reply comes, the socket stays."""
    async with serve(live_heartbeat_ms=HEARTBEAT_MS) as server:
        ana = await signup(server.url, tmp_path, "ana")
        journal = await personal(ana)
        slow_syncs(server)
        async with live_socket(server.url, ana) as socket:
            got: asyncio.Queue[aiohttp.WSMessage] = asyncio.Queue()

            async def read() -> None:  # the client reads all along (aiohttp pongs as it reads)
                while True:
                    message = await socket.socket.receive()
                    await got.put(message)
                    if message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSE):
                        return

            reader = asyncio.create_task(read())
            # Control: the same slow sync as a POST leaves the socket open.
            status, _ = await posted(server.url, ana, "/v1/sync", sync_body((journal, 0)))
            assert status == 200
            await asyncio.sleep(2 * HEARTBEAT_MS / 1000)
            assert got.empty(), got.get_nowait()
            assert not socket.socket.closed
            # The same sync as a call on the socket.
            await socket.send("/v1/sync", sync_body((journal, 0)))
            async with asyncio.timeout(10):
                message = await got.get()
            reader.cancel()
            assert message.type == aiohttp.WSMsgType.BINARY, message
            reply = wire.decode(wire.LiveNotice, message.data)
            assert reply.kind == wire.LIVE_REPLY and reply.status == 200
            await asyncio.sleep(SLOW_S)  # more pings than that: still open
            assert not socket.socket.closed
        await ana.close()


async def test_a_call_while_another_is_answered_is_sent_over_http(
    serve: Serve, tmp_path: Path
) -> None:
    """One call at a time: a call that comes while another is answered gets status
    LIVE_OVER_HTTP (no body) at once; the first still gets its reply."""
    async with serve() as server:
        ana = await signup(server.url, tmp_path, "ana")
        journal = await personal(ana)
        slow_syncs(server)
        async with live_socket(server.url, ana) as socket:
            first = await socket.send("/v1/sync", sync_body((journal, 0)))
            second = await socket.send("/v1/sync", sync_body((journal, 0)))
            refused = await socket.reply()
            assert (refused.call, refused.status, refused.body) == (
                second,
                wire.LIVE_OVER_HTTP,
                b"",
            )
            answered = await socket.reply()
            assert (answered.call, answered.status) == (first, 200)
        await ana.close()


async def test_calls_then_a_reset_release_the_sockets_slots(serve: Serve, tmp_path: Path) -> None:
    """A client sends a few calls at once and resets the connection (RST): the socket's
    handler ends (its live slot and its address's request slot given back)."""
    import socket as socketlib
    import struct

    async with serve(live_send_timeout_ms=500, live_heartbeat_ms=1000) as server:
        ana = await signup(server.url, tmp_path, "ana")
        journal = await personal(ana)
        hub = server.server.app[SERVICE].live
        for _ in range(3):
            async with live_socket(server.url, ana) as socket:
                for n in range(1, 6):
                    await socket.socket.send_bytes(
                        wire.encode(wire.LiveCall(n, "/v1/sync", sync_body((journal, 0))))
                    )
                transport = socket.socket._writer.transport  # type: ignore[attr-defined]
                raw = transport.get_extra_info("socket")
                raw.setsockopt(socketlib.SOL_SOCKET, socketlib.SO_LINGER, struct.pack("ii", 1, 0))
                transport.abort()  # RST
            # Within 3 s (heartbeat, send timeout: all long past), as soon as they are free.
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 3
            while hub._held and loop.time() < deadline:
                await asyncio.sleep(0.05)
        assert not hub._held, f"slots still held after the sockets were reset: {hub._held}"
        await ana.close()


async def test_a_slow_sync_through_the_sdk_is_made_once_and_the_socket_kept(
    serve: Serve, tmp_path: Path
) -> None:
    """A sync slower than half a heartbeat, through the SDK with its live channel open: the
    server answers it once (on the socket), and the channel is not lost."""
    from client_sdk import INSECURE_TEST_COST, Client
    from tests.client.test_live_calls import Live
    from tests.conftest import PASSWORD

    async with serve(live_heartbeat_ms=HEARTBEAT_MS) as server:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.entries.write(None, "A good day")
        await ana.sync()
        phone = await Client.login(
            server.url,
            "ana",
            PASSWORD,
            home=tmp_path / "phone",
            device_name="phone",
            minimum_cost=INSECURE_TEST_COST,
        )
        live = Live(phone)
        try:
            await live.open()
            storage = server.server.app[SERVICE].storage
            original = storage.heads_for
            served: list[float] = []

            async def heads_for(*args: Any, **kwargs: Any) -> Any:
                served.append(asyncio.get_running_loop().time())
                await asyncio.sleep(2 * SLOW_S)
                return await original(*args, **kwargs)

            storage.heads_for = heads_for
            before = len(live.notices)
            report = await phone.sync()
            await asyncio.sleep(2 * HEARTBEAT_MS / 1000)
            assert report.pulled == 1
            assert len(served) == 1, "the server answered the same sync twice"
            assert not any(notice.lost for notice in live.notices[before:])
        finally:
            await live.stop()
            await phone.close()
            await ana.close()
