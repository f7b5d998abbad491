"""What a client sends on the live channel costs the server no more than its bytes
(REV-SRV F3): no compression is negotiated, and a data frame past the largest call (512 KiB)
closes the socket.

The server reads nothing from a client but control frames and calls (protocol.md GET
/v1/live, "Calls on the live channel"); a data frame that is no call is ignored. It
used aiohttp's defaults: permessage-deflate accepted and 4 MiB messages, so a signed-in
client's 4 KB frames each inflated to just under 4 MiB, only to be ignored: about 1,000
times its upload in server CPU, on the loop that serves everyone."""

from __future__ import annotations

import asyncio
import base64
import os
import zlib
from urllib.parse import urlsplit

from client_sdk import wire
from server.live import MAX_IGNORED_BYTES, MAX_INCOMING_BYTES
from tests.conftest import RunningServer
from tests.server.raw import RawClient, signed_signup

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def frame(payload: bytes, opcode: int = 0x2, compressed: bool = False) -> bytes:
    """A masked client frame (FIN set; RSV1 when `compressed`)."""
    mask = os.urandom(4)
    header = bytes([0x80 | (0x40 if compressed else 0) | opcode])
    length = len(payload)
    if length < 126:
        header += bytes([0x80 | length])
    elif length < 65536:
        header += bytes([0x80 | 126]) + length.to_bytes(2, "big")
    else:
        header += bytes([0x80 | 127]) + length.to_bytes(8, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def deflated(size: int) -> bytes:
    """`size` zero bytes as a permessage-deflate payload (a few KB for 4 MiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return (compressor.compress(bytes(size)) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


async def upgrade(
    server: RunningServer, token: str, calls: bool = False
) -> tuple[Connection, bytes]:
    """A live socket that offers permessage-deflate (and asks for calls, with `calls`): the
    connection and the 101's headers."""
    parts = urlsplit(server.url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            "GET /v1/live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            f"Authorization: Bearer {token}\r\n"
            + (f"{wire.LIVE_CALLS_HEADER}: 1\r\n" if calls else "")
            + "\r\n"
        ).encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 101"), head
    return (reader, writer), head


async def server_frames(
    reader: asyncio.StreamReader, wait_s: float, most: int | None = None
) -> list[tuple[int, bytes]]:
    """The frames the server sends until it closes the connection, `wait_s` of silence or
    `most` frames: (opcode, payload) each."""
    frames: list[tuple[int, bytes]] = []
    try:
        while most is None or len(frames) < most:
            first, second = await asyncio.wait_for(reader.readexactly(2), wait_s)
            length = second & 0x7F
            if length == 126:
                length = int.from_bytes(await reader.readexactly(2), "big")
            elif length == 127:
                length = int.from_bytes(await reader.readexactly(8), "big")
            frames.append((first & 0x0F, await reader.readexactly(length)))
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        pass
    return frames


async def read_hello(reader: asyncio.StreamReader) -> None:
    """The hello notice a new socket gets first (one binary frame), read and checked, and no
    further: what the server sends next is read by the next `server_frames`."""
    assert [opcode for opcode, _ in await server_frames(reader, 5, most=1)] == [0x2]


def close_code(frames: list[tuple[int, bytes]]) -> int | None:
    closes = [payload for opcode, payload in frames if opcode == 0x8]
    return int.from_bytes(closes[0][:2], "big") if closes else None


async def test_the_live_channel_inflates_nothing_and_takes_small_frames_only(
    live_server: RunningServer, raw: RawClient
) -> None:
    token = (await raw.call("/v1/auth/signup", signed_signup("mallory"))).value()["token"]

    # No compression is negotiated; a frame that claims it (RSV1) breaks the protocol.
    (reader, writer), head = await upgrade(live_server, token)
    assert b"permessage-deflate" not in head.lower(), head
    hello = await server_frames(reader, 0.5)
    assert [opcode for opcode, _ in hello] == [0x2]  # the hello notice, binary
    writer.write(frame(deflated(4 * 1024 * 1024 - 1024), compressed=True))
    await writer.drain()
    assert close_code(await server_frames(reader, 5)) == 1002  # protocol error
    writer.close()

    # A data frame past 1 KiB closes the socket (1009, message too big), before it is read;
    # on a socket that asked for calls, past the largest call (512 KiB): its header alone
    # does (the whole frame, unread by the server, would have the connection reset under the
    # close frame).
    for calls, largest in ((False, MAX_IGNORED_BYTES), (True, MAX_INCOMING_BYTES)):
        (reader, writer), _ = await upgrade(live_server, token, calls)
        await read_hello(reader)
        writer.write(frame(bytes(largest + 1))[:14])  # 2 + 8 length bytes + the mask
        await writer.drain()
        assert close_code(await server_frames(reader, 5)) == 1009
        writer.close()

    # A small one is ignored, as before: the socket stays, and still answers a ping.
    (reader, writer), _ = await upgrade(live_server, token)
    await read_hello(reader)
    writer.write(frame(bytes(100)) + frame(b"hi", opcode=0x9))
    await writer.drain()
    assert await server_frames(reader, 0.5) == [(0xA, b"hi")]  # the pong, nothing else
    writer.close()

    log = live_server.log_file.read_text(errors="replace")
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]
