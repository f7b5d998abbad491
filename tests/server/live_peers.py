"""Live-channel peers that misbehave (REV-SRV F1): a socket that never reads, kept "alive"
with unsolicited pongs, on the test's own event loop."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from urllib.parse import urlsplit


async def stuck_live_socket(url: str, token: str, query: str = "records=1") -> socket.socket:
    """Open GET /v1/live as a WebSocket with a tiny receive buffer, read the 101 answer, and
    then never read again (what any client may do). Returns the socket (close it at the end:
    that is what unblocks the server)."""
    parts = urlsplit(url)
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.setblocking(False)
    await loop.sock_connect(sock, (parts.hostname, parts.port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /v1/live{'?' + query if query else ''} HTTP/1.1\r\n"
        f"Host: {parts.hostname}:{parts.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 1), 10)
        assert chunk, answer
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def keep_alive(sock: socket.socket, every_s: float = 5.0) -> asyncio.Task[None]:
    """Write an unsolicited, masked PONG frame every few seconds and still read nothing:
    aiohttp's own heartbeat counted any data received as liveness (REV-SRV F1); the
    server's pings now want their own payload back (server/live.py LiveSocket)."""
    loop = asyncio.get_running_loop()
    frame = bytes([0x8A, 0x80]) + os.urandom(4)  # FIN|PONG, masked, empty payload

    async def run() -> None:
        while True:
            await loop.sock_sendall(sock, frame)
            await asyncio.sleep(every_s)

    return asyncio.create_task(run())
