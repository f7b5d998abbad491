"""Calls on the live channel, on the device's side (protocol.md GET /v1/live, "Calls on the
live channel"): while the live channel is open and read (`Client.live()`, `Client.watch()`),
a sync's /v1/sync goes on the socket, its reply matched to it by its call id and checked as
the POST's; a reply naming no call waiting breaks the protocol (the socket is dropped) and a
socket lost before its reply came sends the request over HTTP instead: no sync is lost, none
counted twice, and nothing is ever answered from the device's own belief.

The hostile server is a loopback proxy in front of the real one (tests/client/hostile.py),
here relaying the live socket too, frame by frame, so that it can rewrite or drop replies."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client, Notice, wire
from client_sdk.live import live_url
from tests.client.hostile import HostileServer
from tests.conftest import PASSWORD, ClientFactory, RunningServer

HANG = 20.0
Rewrite = Callable[[wire.LiveNotice], wire.LiveNotice | None]
"""A reply from the real server as the proxy sends it on (None: not sent, the socket closed)."""


@dataclass
class LiveProxy:
    """Forwards POSTs (`posts`, a HostileServer: its `paths` are the HTTP requests) and the
    live socket; `rewrite` changes the real server's replies to calls."""

    posts: HostileServer
    url: str = ""
    rewrite: Rewrite | None = None
    calls: list[wire.LiveCall] = field(default_factory=list)
    old_server: bool = False
    """Relay the upgrade without its LIVE_CALLS_HEADER: the real server then acts as one from
    before calls (a hello that says nothing of them; data frames ignored)."""

    async def relay(self, request: web.Request) -> web.WebSocketResponse:
        mine = web.WebSocketResponse(autoping=True)
        await mine.prepare(request)
        url = live_url(self.posts.upstream) + (
            "?" + request.query_string if request.query_string else ""
        )
        headers = {"Authorization": request.headers["Authorization"]}
        if wire.LIVE_CALLS_HEADER in request.headers and not self.old_server:
            headers[wire.LIVE_CALLS_HEADER] = request.headers[wire.LIVE_CALLS_HEADER]
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(url, headers=headers, max_msg_size=0) as real,
        ):

            async def down() -> None:
                async for message in real:
                    if message.type != aiohttp.WSMsgType.BINARY:
                        break
                    notice = wire.decode(wire.LiveNotice, message.data)
                    if notice.kind == wire.LIVE_REPLY and self.rewrite is not None:
                        changed = self.rewrite(notice)
                        if changed is None:
                            await mine.close()
                            return
                        await mine.send_bytes(wire.encode(changed))
                    else:
                        await mine.send_bytes(message.data)
                await mine.close()

            relay_down = asyncio.create_task(down())
            try:
                async for message in mine:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        self.calls.append(wire.decode(wire.LiveCall, message.data))
                        await real.send_bytes(message.data)
            finally:
                relay_down.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay_down
        return mine


@contextlib.asynccontextmanager
async def live_proxy(live_server: RunningServer) -> AsyncIterator[LiveProxy]:
    proxy = LiveProxy(HostileServer(live_server.url))
    async with aiohttp.ClientSession() as session:

        async def post(request: web.Request) -> web.Response:
            return await proxy.posts.forward(session, request)

        app = web.Application()
        app.router.add_get("/v1/live", proxy.relay)
        app.router.add_post("/{tail:.*}", post)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        proxy.url = str(server.make_url("")).rstrip("/")
        try:
            yield proxy
        finally:
            await server.close()


class Live:
    """`client.live()` read by a task (as an app does), its notices kept."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.notices: list[Notice] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for notice in self.client.live():
            self.notices.append(notice)

    async def open(self) -> None:
        """Wait until the socket carries calls."""
        async with asyncio.timeout(HANG):
            while self.client.transport.live_calls is None:
                await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@contextlib.asynccontextmanager
async def phone_live(proxy: LiveProxy, tmp_path: Path) -> AsyncIterator[tuple[Client, Live]]:
    """Ana's phone, every request of it through `proxy`, its live channel open."""
    phone = await Client.login(
        proxy.url,
        "ana",
        PASSWORD,
        home=tmp_path / "phone-via-proxy",
        device_name="phone",
        minimum_cost=INSECURE_TEST_COST,
    )
    await phone.sync()
    live = Live(phone)
    try:
        await live.open()
        yield phone, live
    finally:
        await live.stop()
        await phone.close()


async def bodies(client: Client) -> set[str]:
    return {entry.body for entry in await client.entries.list()}


async def test_a_sync_while_the_live_channel_is_open_goes_on_the_socket(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    async with live_proxy(live_server) as proxy, phone_live(proxy, tmp_path) as (phone, _):
        await laptop.entries.write(None, "A good day")
        await laptop.sync()
        proxy.posts.paths.clear()
        report = await phone.sync()
        assert report.pulled == 1 and await bodies(phone) == {"A good day"}
        assert "/v1/sync" not in proxy.posts.paths, "no POST: the socket carried it"
        assert [call.path for call in proxy.calls][-1] == "/v1/sync"
        # A no-op sync is still a round trip to the server, never the device's own belief.
        asked = len(proxy.calls)
        assert (await phone.sync()).pulled == 0 and len(proxy.calls) == asked + 1


async def test_a_reply_naming_another_call_drops_the_socket_and_the_sync_goes_over_http(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await signup("ana")
    async with live_proxy(live_server) as proxy, phone_live(proxy, tmp_path) as (phone, live):
        await laptop.entries.write(None, "A good day")
        await laptop.sync()
        proxy.rewrite = lambda reply: wire.LiveNotice(
            reply.kind, b"", 0, call=reply.call + 1, status=reply.status, body=reply.body
        )
        proxy.posts.paths.clear()
        report = await phone.sync()
        assert report.pulled == 1 and await bodies(phone) == {"A good day"}
        assert proxy.posts.paths.count("/v1/sync") == 1, "sent again over HTTP, once"
        async with asyncio.timeout(HANG):
            while not any(notice.lost for notice in live.notices):
                await asyncio.sleep(0.01)


async def test_a_reply_lost_with_its_socket_is_asked_again_over_http_and_counted_once(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """The call reached the server (a read: safe to repeat), its reply never came: the sync
    asks again over HTTP, and what it pulls is applied and counted once."""
    laptop = await signup("ana")
    async with live_proxy(live_server) as proxy, phone_live(proxy, tmp_path) as (phone, _):
        await laptop.entries.write(None, "A good day")
        await laptop.sync()
        proxy.rewrite = lambda reply: None  # the socket closes instead
        proxy.posts.paths.clear()
        asked = len(proxy.calls)
        report = await phone.sync()
        assert len(proxy.calls) == asked + 1, "sent on the socket first"
        assert proxy.posts.paths.count("/v1/sync") == 1
        assert report.pulled == 1 and await bodies(phone) == {"A good day"}
        assert (await phone.sync()).pulled == 0


async def test_a_reply_of_another_accounts_sync_is_checked_as_any_reply(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """A reply matched to its call is checked as the POST's reply: one made for another
    account (a server answering a call on ana's socket with ben's pages) brings ana nothing
    of ben's, and the pull is reported incomplete (her journal's page is missing)."""
    laptop = await signup("ana")
    ben = await signup("ben")
    await ben.entries.write(None, "Ben's secret")
    await ben.sync()
    headers = {
        "Authorization": f"Bearer {ben.transport.token}",
        "Content-Type": "application/msgpack",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            live_server.url + "/v1/sync",
            data=wire.encode(wire.SyncRequest([], 1000)),
            headers=headers,
        ) as answered,
    ):
        bens = await answered.read()
    assert wire.decode(wire.SyncReply, bens).pages[0].records
    async with live_proxy(live_server) as proxy, phone_live(proxy, tmp_path) as (phone, _):
        await laptop.entries.write(None, "A good day")
        await laptop.sync()
        proxy.rewrite = lambda reply: wire.LiveNotice(
            reply.kind, b"", 0, call=reply.call, status=200, body=bens
        )
        report = await phone.sync()
        assert report.pulled == 0 and report.incomplete, "ana's own journal was not served"
        assert "Ben's secret" not in await bodies(phone)
        assert {j.name for j in await phone.journals.list()} == {"Personal"}


async def test_a_server_that_does_not_take_calls_gets_every_sync_over_http(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """A server from before calls (its hello says nothing of them) is never sent one: the
    device's syncs go as POSTs, at once, never waiting for a reply that would not come."""
    laptop = await signup("ana")
    async with live_proxy(live_server) as proxy:
        proxy.old_server = True
        phone = await Client.login(
            proxy.url,
            "ana",
            PASSWORD,
            home=tmp_path / "phone-via-proxy",
            device_name="phone",
            minimum_cost=INSECURE_TEST_COST,
        )
        live = Live(phone)
        try:
            async with asyncio.timeout(HANG):
                while not any(notice.connected for notice in live.notices):
                    await asyncio.sleep(0.01)
            assert phone.transport.live_calls is None
            await laptop.entries.write(None, "A good day")
            await laptop.sync()
            proxy.posts.paths.clear()
            async with asyncio.timeout(5):
                assert (await phone.sync()).pulled == 1
            assert proxy.posts.paths.count("/v1/sync") == 1 and proxy.calls == []
        finally:
            await live.stop()
            await phone.close()
