"""A server that misbehaves on purpose: a loopback proxy in front of the real one.

It forwards every request and may rewrite a request or a reply on the way (decoded and
re-encoded with the wire module); it keeps what passed, so tests can look at what a device
sent and what the real server answered. Tests combine it with direct reads and edits of the
real server's database, as a compromised server can.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.conftest import PASSWORD, RunningServer

FORWARDED_HEADERS = ("Content-Type", "Authorization")

Through = Callable[[str], Awaitable[Client]]
RequestRewrite = Callable[[bytes], bytes]
ReplyRewrite = Callable[[bytes, bytes], bytes]  # (request body, real reply) -> reply sent


@dataclass
class HostileServer:
    """Forwards to `upstream`; `requests` and `replies` rewrite bodies by path."""

    upstream: str
    url: str = ""
    paths: list[str] = field(default_factory=list)
    requests: dict[str, RequestRewrite] = field(default_factory=dict)
    replies: dict[str, ReplyRewrite] = field(default_factory=dict)
    exchanges: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    """(path, request body as forwarded, the real server's reply) of every 200 answer."""
    holds: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    """Awaited before a request of the path is forwarded (to hold it while a test acts)."""

    def bodies(self, path: str) -> list[bytes]:
        return [request for p, request, _ in self.exchanges if p == path]

    def replies_to(self, path: str) -> list[bytes]:
        return [reply for p, _, reply in self.exchanges if p == path]

    async def forward(self, session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        self.paths.append(request.path)
        body = await request.read()
        if request.path in self.holds:
            await self.holds[request.path]()
        if request.path in self.requests:
            body = self.requests[request.path](body)
        headers = {h: request.headers[h] for h in FORWARDED_HEADERS if h in request.headers}
        async with session.post(self.upstream + request.path, data=body, headers=headers) as real:
            status, reply = real.status, await real.read()
        if status == 200:
            self.exchanges.append((request.path, body, reply))
        if status == 200 and request.path in self.replies:
            reply = self.replies[request.path](body, reply)
        return web.Response(status=status, body=reply, content_type="application/msgpack")


@contextlib.asynccontextmanager
async def serving(
    proxy: HostileServer, gone: Collection[bytes] = ()
) -> AsyncIterator[HostileServer]:
    """`proxy` listening on loopback (its `url` set) while the block runs; it also answers
    404 `not_found` to /v1/account/identity-by-id for the accounts in `gone` (read at each
    request: a test may add to it), as a server that claims they were erased."""
    async with aiohttp.ClientSession() as session:

        async def handle(request: web.Request) -> web.Response:
            if gone and request.path == "/v1/account/identity-by-id":
                asked = wire.decode(wire.AccountRequest, await request.read())
                if asked.account_id in gone:
                    error = wire.ErrorReply("not_found", "no such account")
                    return web.Response(
                        status=404, body=wire.encode(error), content_type="application/msgpack"
                    )
            return await proxy.forward(session, request)

        app = web.Application()
        app.router.add_post("/{tail:.*}", handle)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        proxy.url = str(server.make_url("")).rstrip("/")
        try:
            yield proxy
        finally:
            await server.close()


@pytest.fixture
async def hostile(live_server: RunningServer) -> AsyncIterator[HostileServer]:
    async with serving(HostileServer(live_server.url)) as proxy:
        yield proxy


async def login_through(
    hostile: HostileServer, username: str, home: Path, *, device_name: str | None = None
) -> Client:
    """Another device of `username` (home `home`) whose every request passes the hostile
    server."""
    return await Client.login(
        hostile.url,
        username,
        PASSWORD,
        home=home,
        device_name=device_name,
        minimum_cost=INSECURE_TEST_COST,
    )


@pytest.fixture
async def through(hostile: HostileServer, tmp_path: Path) -> AsyncIterator[Through]:
    """through(username) -> a new account whose every request passes the hostile server."""
    clients: list[Client] = []

    async def make(username: str) -> Client:
        client = await Client.signup(
            hostile.url,
            username,
            PASSWORD,
            home=tmp_path / f"{username}-via-proxy",
            kdf_cost=INSECURE_TEST_COST,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def refuse_pushes(hostile: HostileServer) -> list[bool]:
    """The server answers every push 429 over the write rate while the returned flag's
    first item is true (a share's records then wait in the outbox)."""
    armed = [True]
    forward = hostile.forward

    async def over_the_rate(session: aiohttp.ClientSession, request: web.Request) -> web.Response:
        if not (armed[0] and request.path == "/v1/records/push"):
            return await forward(session, request)
        refusal = wire.encode(wire.ErrorReply("write_rate_exceeded", "slow down"))
        return web.Response(
            status=429,
            body=refusal,
            content_type="application/msgpack",
            headers={"Retry-After": "600"},
        )

    hostile.forward = over_the_rate  # type: ignore[method-assign]
    return armed
