"""The SDK reads a reply in chunks and inflates it as it comes, within `wire.MAX_BODY_BYTES`
(R9B finding 2): a compressed reply is read whatever coding a proxy chose, one past the limit
(compressed or plain) is a NetworkError, and a corrupt or unknown coding is one too."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from client_sdk import NetworkError, wire
from client_sdk.transport import Transport

HEALTHY = wire.encode(wire.Empty())


@asynccontextmanager
async def answering(body: bytes, coding: str | None = None) -> AsyncIterator[Transport]:
    """A Transport against a loopback server that answers every POST with `body`, sent
    with `Content-Encoding: coding` when given."""

    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        headers = {"Content-Type": "application/msgpack"}
        if coding is not None:
            headers["Content-Encoding"] = coding
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    transport = Transport(str(server.make_url("")).rstrip("/"))
    try:
        yield transport
    finally:
        await transport.close()
        await server.close()


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        (None, HEALTHY),
        ("identity", HEALTHY),
        ("gzip", gzip.compress(HEALTHY)),
        ("deflate", zlib.compress(HEALTHY)),
        ("deflate", raw_deflate(HEALTHY)),  # what some servers send for "deflate"
    ],
    # named, not by their bytes: gzip's header holds the time, and the test processes of
    # .ci/run (pytest-xdist) must collect the same names
    ids=["none", "identity", "gzip", "deflate-zlib", "deflate-raw"],
)
async def test_a_reply_in_any_coding_a_proxy_may_use_is_read(
    coding: str | None, body: bytes
) -> None:
    async with answering(body, coding) as transport:
        assert await transport.call("/v1/health", wire.Empty(), wire.Empty) == wire.Empty()


@pytest.mark.parametrize("coding", [None, "gzip", "deflate"])
async def test_a_reply_one_byte_past_the_limit_is_refused_and_one_at_it_is_read(
    coding: str | None,
) -> None:
    pack = {None: lambda b: b, "gzip": gzip.compress, "deflate": zlib.compress}[coding]
    # a msgpack bin of exactly MAX_BODY_BYTES bytes in all: read (and refused as a reply
    # of the wrong shape, not as too large); one byte more: too large
    header = b"\xc6" + (wire.MAX_BODY_BYTES - 5).to_bytes(4, "big")
    at_limit = header + bytes(wire.MAX_BODY_BYTES - 5)
    async with answering(pack(at_limit), coding) as transport:
        with pytest.raises(NetworkError, match="malformed reply"):
            await transport.call("/v1/health", wire.Empty(), wire.Empty)
    async with answering(pack(at_limit + b"\x00"), coding) as transport:
        with pytest.raises(NetworkError, match="exceeds") as raised:
            await transport.call("/v1/health", wire.Empty(), wire.Empty)
    assert raised.value.transient is False


async def test_an_error_reply_past_the_limit_is_refused_the_same_way() -> None:
    async def handle(request: web.Request) -> web.Response:
        await request.read()
        bomb = zlib.compress(bytes(64 * 1024 * 1024), 9)
        return web.Response(status=500, body=bomb, headers={"Content-Encoding": "deflate"})

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    transport = Transport(str(server.make_url("")).rstrip("/"))
    try:
        with pytest.raises(NetworkError, match="exceeds"):
            await transport.call("/v1/health", wire.Empty(), wire.Empty)
    finally:
        await transport.close()
        await server.close()


@pytest.mark.parametrize(
    ("coding", "body", "words"),
    [
        ("gzip", b"\x1f\x8b\x08\x00not gzip at all", "corrupt"),
        ("br", HEALTHY, "does not read"),
    ],
)
async def test_a_corrupt_or_unknown_coding_is_a_network_error(
    coding: str, body: bytes, words: str
) -> None:
    async with answering(body, coding) as transport:
        with pytest.raises(NetworkError, match=words) as raised:
            await transport.call("/v1/health", wire.Empty(), wire.Empty)
    assert raised.value.transient is False
