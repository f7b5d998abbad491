"""Calls on the live channel on a slow link, abandoned, from another loop, and the frame
limit of every socket (protocol.md GET /v1/live, "Calls on the live channel")."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from client_sdk import INSECURE_TEST_COST, Client, ClientClosed, wire
from client_sdk.transport import AnswerWait, answer_wait
from tests.client.test_live_calls import HANG, Live, live_proxy, phone_live
from tests.conftest import PASSWORD, ClientFactory, RunningServer

RATE = 128 * 1024  # bytes a second, server to device: a slow mobile link (1 Mbit/s)


@contextlib.asynccontextmanager
async def slow_link(upstream: str, rate: int = RATE) -> AsyncIterator[str]:
    """A TCP relay whose server-to-device direction carries `rate` bytes a second."""
    host, port = upstream.removeprefix("http://").split(":")

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, slow: bool) -> None:
        try:
            while chunk := await reader.read(8192):
                writer.write(chunk)
                await writer.drain()
                if slow:
                    await asyncio.sleep(len(chunk) / rate)
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        for args in ((reader, up_writer, False), (up_reader, writer, True)):
            task = asyncio.create_task(pipe(*args))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    relay_port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{relay_port}"
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()


async def pushed_notice(live: Live, live_server: RunningServer) -> None:
    """Wait until `live` has read the notice naming the server's newest record (the last
    push's): the notices of that push, with their records, have all arrived."""
    [(newest,)] = await live_server.rows("SELECT MAX(seq) FROM records")
    async with asyncio.timeout(HANG):
        while not any(notice.head >= newest for notice in live.notices):
            await asyncio.sleep(0.05)


async def phone(url: str, home: Path) -> Client:
    return await Client.login(
        url, "ana", PASSWORD, home=home, device_name="phone", minimum_cost=INSECURE_TEST_COST
    )


async def test_a_large_sync_on_a_slow_link_goes_over_http_and_keeps_the_socket(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """A reply larger than wire.MAX_LIVE_REPLY_BYTES is not sent on the socket (status
    LIVE_OVER_HTTP): the device sends the sync over HTTP at once, where `no_answer_s` bounds
    the silence between bytes, not the transfer, so a slow link finishes it; the live
    channel is not dropped."""
    laptop = await signup("ana")
    async with slow_link(live_server.url) as url:
        with_live = await phone(url, tmp_path / "phone-live")
        live = Live(with_live)
        try:
            await live.open()
            for n in range(12):  # ~600 KB of ciphertext: ~2.5 s at RATE
                await laptop.entries.write(None, os.urandom(25_000).hex() + str(n))
            await laptop.sync()
            await pushed_notice(live, live_server)  # the push's notices arrive first
            assert with_live.transport.live_calls is not None
            before = len(live.notices)
            # No byte missing for 1.5 s, but the whole reply takes longer (24 entries and 3 s
            # before: the same proportion in half the time).
            with answer_wait(AnswerWait(no_answer_s=1.5)):
                report = await with_live.sync()
            assert report.pulled >= 12, report
            assert not any(notice.lost for notice in live.notices[before:])
            assert with_live.transport.live_calls is not None  # the socket still carries calls
        finally:
            await live.stop()
            await with_live.close()


async def test_a_cancelled_sync_does_not_drop_the_live_channel(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """An app that gives up on a sync (asyncio.wait_for, a cancelled task) loses nothing but
    that sync, as over HTTP: the reply that comes later on the socket names an abandoned call
    and is discarded, the live channel kept (no `lost` notice, no reconnect)."""
    laptop = await signup("ana")
    async with slow_link(live_server.url, rate=32 * 1024) as url:
        with_live = await phone(url, tmp_path / "phone-live")
        live = Live(with_live)
        try:
            await live.open()
            for n in range(2):  # a reply under wire.MAX_LIVE_REPLY_BYTES: ~1 s on this link
                await laptop.entries.write(None, os.urandom(8_000).hex() + str(n))
            await laptop.sync()
            await pushed_notice(live, live_server)  # the push's notices (its records) first
            before = len(live.notices)
            assert with_live.transport.live_calls is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(with_live.sync(), 0.3)
            calls = with_live.transport.live_calls
            assert calls is not None
            assert calls._abandoned, "the sync ended before it was given up: nothing abandoned"
            async with asyncio.timeout(HANG):  # its reply comes on the socket: discarded
                while calls._abandoned:
                    await asyncio.sleep(0.05)
            await with_live.sync()  # a later sync, on the same socket (no reconnect)
            assert with_live.transport.live_calls is calls
            after = live.notices[before:]
            assert not any(notice.lost for notice in after), after
        finally:
            await live.stop()
            await with_live.close()


async def test_a_sync_from_another_loop_is_refused_while_live_is_open(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """A sync from another event loop (another thread's asyncio.run) is refused with
    ClientClosed, as an HTTP request is, and sends no call on the socket of the transport's
    own loop (whose reader would resolve a future of the other loop)."""
    await signup("ana")
    async with live_proxy(live_server) as proxy, phone_live(proxy, tmp_path) as (phone, _):
        asked = len(proxy.calls)
        outcome: list[BaseException | None] = []

        def other() -> None:
            try:
                request = wire.SyncRequest([], 10)
                asyncio.run(phone.transport.call("/v1/sync", request, wire.SyncReply))
                outcome.append(None)
            except Exception as error:
                outcome.append(error)

        thread = threading.Thread(target=other)
        thread.start()
        await asyncio.to_thread(thread.join)
        assert isinstance(outcome[0], ClientClosed), outcome
        assert len(proxy.calls) == asked


async def test_no_socket_reads_a_frame_past_the_largest_notice() -> None:
    """A socket whose upgrade asked for calls reads no frame past wire.MAX_LIVE_NOTICE_BYTES
    (a reply is at most that long too): a 10 MiB frame is refused at its header, never read
    (here from a server whose hello grants no calls)."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    import client_sdk.live as live_module
    from client_sdk.transport import Transport

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_bytes(wire.encode(wire.LiveNotice(wire.LIVE_HELLO, b"", 0)))
        with contextlib.suppress(Exception):
            await ws.send_bytes(b"\x00" * (10 * 1024 * 1024))
        await asyncio.sleep(1)
        return ws

    app = web.Application()
    app.router.add_get("/v1/live", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    sizes: list[int] = []
    original = live_module._frame

    def frame(data: bytes, carried: object) -> object:
        sizes.append(len(data))
        return original(data, carried)  # type: ignore[arg-type]

    live_module._frame = frame  # type: ignore[assignment]
    transport = Transport(str(server.make_url("")).rstrip("/"), token="t" * 43)
    try:
        notices = live_module._one_connection(transport, calls=True)
        hello = await notices.__anext__()
        assert hello.kind == wire.LIVE_HELLO and not hello.calls
        with contextlib.suppress(Exception):
            await asyncio.wait_for(notices.__anext__(), 5)
        await notices.aclose()
    finally:
        live_module._frame = original  # type: ignore[assignment]
        await transport.close()
        await server.close()
    assert max(sizes) <= wire.MAX_LIVE_NOTICE_BYTES, sizes


def test_the_largest_reply_fits_the_largest_notice() -> None:
    """A reply frame with a body of wire.MAX_LIVE_REPLY_BYTES and every field at its largest
    is within wire.MAX_LIVE_NOTICE_BYTES, the one frame limit of every socket."""
    reply = wire.LiveNotice(
        wire.LIVE_REPLY, b"", 0, call=2**63 - 1, status=599, body=b"x" * wire.MAX_LIVE_REPLY_BYTES
    )
    assert len(wire.encode(reply)) <= wire.MAX_LIVE_NOTICE_BYTES
