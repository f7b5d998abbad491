"""A tiny loopback HTTP proxy that records every request the SDK sends to the server.

It forwards each request to the real server unchanged and keeps its path, headers and body,
so tests can assert what left the device. `replies` overrides the answer to a path, which
turns the proxy into a hostile server for that endpoint (nothing is forwarded then);
`queued` answers the next requests to a path, one queued reply each (status, body, headers),
and forwards again once the queue is empty (a server that fails a few times, then recovers).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

FORWARDED_HEADERS = ("Content-Type", "Authorization")


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def raw(self) -> bytes:
        """Everything the request carried, as bytes: path, every header, body."""
        lines = [self.path] + [f"{name}: {value}" for name, value in self.headers]
        return "\n".join(lines).encode() + b"\n\n" + self.body


@dataclass
class RecordingProxy:
    upstream: str
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    replies: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    queued: dict[str, list[tuple[int, bytes, dict[str, str]]]] = field(default_factory=dict)

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]


@asynccontextmanager
async def recording_proxy(upstream: str) -> AsyncIterator[RecordingProxy]:
    proxy = RecordingProxy(upstream)
    session = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        proxy.requests.append(Recorded(request.path, tuple(request.headers.items()), body))
        if proxy.queued.get(request.path):
            status, reply, extra = proxy.queued[request.path].pop(0)
            return web.Response(
                status=status, body=reply, headers=extra, content_type="application/msgpack"
            )
        if request.path in proxy.replies:
            status, reply = proxy.replies[request.path]
            return web.Response(status=status, body=reply, content_type="application/msgpack")
        headers = {
            name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers
        }
        async with session.request(
            request.method, upstream + request.path_qs, data=body, headers=headers
        ) as answer:
            return web.Response(
                status=answer.status,
                body=await answer.read(),
                content_type=answer.content_type,
            )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    proxy.url = str(server.make_url("")).rstrip("/")
    try:
        yield proxy
    finally:
        await server.close()
        await session.close()
