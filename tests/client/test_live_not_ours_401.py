"""Only the server's own 401 to the live channel's upgrade signs the device out (rev33a F7): a
portal's or a proxy's HTML 401 ("sign in to this network") is no answer of this API, told
apart by the posts' rule (transport `_error_from`): a failed connect, retried after the
backoff as for a server that cannot be reached, and the channel opens once the front lets
the upgrade through. A 401 `ErrorReply` of the server itself still ends the channel."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import AuthError, Backoff, wire
from client_sdk.errors import SIGNED_OUT
from client_sdk.live import LIVE_PATH, notices
from client_sdk.transport import Transport
from tests.conftest import ClientFactory, RunningServer

REFUSALS = 3  # upgrades the front answers with its own page before it lets one through
HANG = 60.0  # only turns a hang into a failure
PAGE = b"<html><body><h1>Sign in to this network</h1></body></html>"


async def test_a_portals_html_401_to_the_live_upgrade_is_a_lost_channel_not_a_sign_out(
    live_server: RunningServer, signup: ClientFactory
) -> None:
    ana = await signup("ana")
    token = ana.transport.token
    asked: list[str] = []  # Authorization of every upgrade the front saw

    async with aiohttp.ClientSession() as upstream:

        async def live(request: web.Request) -> web.StreamResponse:
            asked.append(request.headers.get("Authorization", ""))
            if len(asked) <= REFUSALS:
                return web.Response(status=401, body=PAGE, content_type="text/html")
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
        front = TestServer(app, host="127.0.0.1")
        await front.start_server()
        transport = Transport(str(front.make_url("")).rstrip("/"), token=token)
        seen: list[wire.LiveNotice | None] = []
        why: list[int | None] = []  # transport.live_not_ours as each notice came (nu83 F5)
        channel = notices(transport, Backoff(first=0.05, cap=0.2))
        try:
            async with asyncio.timeout(HANG):
                async for notice in channel:
                    seen.append(notice)
                    why.append(transport.live_not_ours)
                    if notice is not None:
                        break
        finally:
            await channel.aclose()
            await transport.close()
            await front.close()

    # The portal's pages were one outage (told once), retried; never a sign-out. Then the
    # real server's hello came through, with the same session.
    assert len(asked) == REFUSALS + 1
    assert seen[:-1] == [None]
    # The outage is said as what it was (an answer that is not this API's, HTTP 401), not
    # as a server that cannot be reached; the hello clears it.
    assert why == [401, None]
    last = seen[-1]
    assert last is not None and last.kind == wire.LIVE_HELLO
    assert (await ana.identity()).signed_out_at is None
    assert (await ana.sync()).pushed == 0  # the session still works


async def test_the_servers_own_401_to_the_live_upgrade_still_signs_the_device_out(
    live_server: RunningServer, signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    token = phone.transport.token
    await laptop.devices.revoke(phone.profile.device_id.hex())
    transport = Transport(live_server.url, token=token)  # the server answers 401 itself
    channel = notices(transport, Backoff(first=0.05, cap=0.2))
    try:
        with pytest.raises(AuthError) as refused:
            async with asyncio.timeout(HANG):
                async for notice in channel:
                    assert notice is None, "a revoked session opened the live channel"
    finally:
        await channel.aclose()
        await transport.close()
    assert refused.value.subject == SIGNED_OUT
    assert "signed out" in str(refused.value)
