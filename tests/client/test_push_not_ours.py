"""rev32c F2: a push answered by something that is not a Therapy Journal server (an HTML 403
of a web filter, a 400, 401 or 409 page of another web server behind the same address) is no
refusal of the changes: they stay in the outbox, the sync fails as it does for a network
error, saying so whatever the page's status (rev33a F6), and the next sync with the real
server pushes them: the other device gets them."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client, TJError
from client_sdk.errors import NOT_A_JOURNAL_SERVER
from tests.conftest import PASSWORD, ClientFactory, RunningServer

PAGE = b"<html><body><h1>Forbidden</h1>Blocked by policy</body></html>"


@pytest.mark.parametrize("status", [403, 404, 400, 409, 401, 410])
async def test_a_push_answered_by_no_journal_server_keeps_its_changes(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path, status: int
) -> None:
    laptop = await signup("ana")
    await laptop.sync(strict=True)
    blocked = False
    async with aiohttp.ClientSession() as session:

        async def forward(request: web.Request) -> web.Response:
            if blocked and request.path == "/v1/records/push":
                return web.Response(status=status, body=PAGE, content_type="text/html")
            headers = {
                name: request.headers[name]
                for name in ("Content-Type", "Authorization")
                if name in request.headers
            }
            url = live_server.url + request.path
            async with session.post(url, data=await request.read(), headers=headers) as reply:
                body = await reply.read()
                kind = reply.headers.get("Content-Type", "application/msgpack")
            return web.Response(status=reply.status, body=body, headers={"Content-Type": kind})

        app = web.Application()
        app.router.add_post("/{tail:.*}", forward)
        proxy = TestServer(app, host="127.0.0.1")
        await proxy.start_server()
        url = str(proxy.make_url("")).rstrip("/")
        phone = await Client.login(
            url, "ana", PASSWORD, home=tmp_path / "phone", device_name="phone",
            minimum_cost=INSECURE_TEST_COST,
        )  # fmt: skip
        try:
            await phone.sync(strict=True)
            await phone.entries.write(None, "Written on the train.")
            blocked = True
            with pytest.raises(TJError) as raised:
                await phone.sync()
            assert raised.value.subject == NOT_A_JOURNAL_SERVER, raised.value
            assert f"the server at {url} does not answer as a Therapy Journal server" in str(
                raised.value
            )
            # whatever the page's status, the words say the change waits (rev33a F6)
            assert str(raised.value).endswith(
                "; 1 change is kept on this device and will sync later"
            ), raised.value
            assert (await phone.identity()).signed_out_at is None  # a page's 401 included
            assert await phone.set_aside() == []
            assert await phone.pending() > 0
            blocked = False
            later = await phone.sync()
            assert later.pushed >= 1 and later.set_aside == [], later
        finally:
            await phone.close()
            await proxy.close()
    await laptop.sync()
    assert [entry.body for entry in await laptop.entries.list(None)] == ["Written on the train."]
