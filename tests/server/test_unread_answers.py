"""Answers a client does not read: the server writes each answer while the request still
counts under its client address (`--max-requests-per-address`), and within a send deadline
(`--send-timeout-ms`, and as much again per further MiB); a client that does not take its
answer in time is dropped. Without both, an answer left unread (a large /v1/sync page to a
socket with a tiny receive window) held its connection, its task and the answer's bytes in
the server's buffers for as long as the client liked, uncounted. Real server on loopback,
both backends."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from client_sdk import Client, wire
from server.routes import SERVICE
from server.service import Settings
from tests.conftest import TEST_SETTINGS, RunningServer
from tests.server.raw import RawClient, journal_id, push, upload

LOOPBACK = "127.0.0.1"
HANG = 20.0  # turns a hang into a failure; no latency claim
CAP = 2
HELD = 4  # unread answers one address holds at once: twice its cap
RECORD = 200 * 1024


@pytest.fixture
def server_settings() -> Settings:
    return dataclasses.replace(TEST_SETTINGS, max_requests_per_address=CAP)


def unread_sync(url: str, token: str, journal: bytes) -> socket.socket:
    """POST /v1/sync for every record of `journal` on a socket with a tiny receive buffer,
    then never read: the ~1.6 MB answer stays in the server's buffers."""
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect((parts.hostname, parts.port))
    body = wire.encode(wire.SyncRequest([wire.Cursor(journal, 0)], wire.MAX_RECORDS_PER_PAGE))
    head = (
        f"POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/msgpack\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    return sock


def small_send_buffers(server: RunningServer) -> None:
    """Connections accepted from now on get a small kernel send buffer (Linux: inherited
    from the listening socket), so that an unread answer stays in the server's own buffers
    instead of the kernel's (loopback would take megabytes)."""
    runner = server.server.runner
    assert runner is not None
    for site in runner.sites:
        listening = getattr(site, "_server", None)
        assert listening is not None
        for sock in listening.sockets:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)


def answers_waiting(server: RunningServer) -> Iterator[int]:
    """Bytes each open connection of the server has waiting to be written."""
    runner = server.server.runner
    assert runner is not None and runner.server is not None
    for handler in runner.server.connections:
        transport = handler.transport
        if transport is not None:
            yield transport.get_write_buffer_size()


async def test_answers_a_client_does_not_read_stay_counted_under_its_address(
    live_server: RunningServer, raw: RawClient, ana: Client
) -> None:
    """ana's journal holds 8 records of 200 KiB. Her address may have CAP=2 requests in
    progress; she asks for the page on HELD=4 connections and reads none of the answers.
    While the four answers wait in the server's buffers, the address must still count them
    (the server holds a connection, a task and ~1.6 MB for each): her next request is
    refused 429 `connection_limit`. When the answer was written after the request stopped
    counting, the count was 0 and every further request was served, so one address held any
    number of such answers."""
    journal = await journal_id(ana)
    uploads = [upload(n, size=RECORD) for n in range(1, 9)]
    assert (await push(raw, ana, journal, uploads)).status == 200
    token = ana.profile.token
    assert token is not None
    small_send_buffers(live_server)
    sockets: list[socket.socket] = []
    stuck = 0
    try:
        for asked in range(1, HELD + 1):  # one after the other: each answered before the next
            sockets.append(unread_sync(live_server.url, token, journal))
            async with asyncio.timeout(HANG):  # answered: stuck in the buffers, or refused
                while True:
                    stuck = sum(1 for size in answers_waiting(live_server) if size > 64 * 1024)
                    refused = live_server.log_file.read_text().count("-> 429 connection_limit")
                    if stuck + refused >= asked:
                        break
                    await asyncio.sleep(0.05)
        counts = live_server.server.app[SERVICE].open_requests
        assert stuck <= CAP, (
            f"{stuck} unread answers of ~1.6 MB held at once for one address whose cap is "
            f"{CAP}; the address counts {counts.open(LOOPBACK)} requests in progress"
        )
    finally:
        for sock in sockets:
            sock.close()


QUICK_SEND = dataclasses.replace(TEST_SETTINGS, send_timeout_ms=100)


@pytest.mark.parametrize("server_settings", [QUICK_SEND], ids=["send_timeout_100ms"])
async def test_an_answer_not_taken_within_the_send_deadline_drops_its_connection(
    live_server: RunningServer, raw: RawClient, ana: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """With `send_timeout_ms` at 100 ms, ana asks for a ~1.6 MB page and reads none of it:
    past the deadline (100 ms and as much again per further MiB) the server drops the
    connection, says so in one INFO line without payload or token, frees the answer's
    buffers and stops counting the request; the next request is served. Without a send
    deadline the answer waited in the server's buffers for as long as the client liked."""
    journal = await journal_id(ana)
    uploads = [upload(n, size=RECORD) for n in range(1, 9)]
    assert (await push(raw, ana, journal, uploads)).status == 200
    token = ana.profile.token
    assert token is not None
    small_send_buffers(live_server)
    sock = unread_sync(live_server.url, token, journal)
    try:
        async with asyncio.timeout(HANG):
            while "not taken within" not in live_server.log_file.read_text():
                await asyncio.sleep(0.05)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        received = 0
        async with asyncio.timeout(HANG):  # what had arrived, then the end of the connection
            while True:
                try:
                    chunk = await loop.sock_recv(sock, 65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                received += len(chunk)
        assert received < len(uploads) * RECORD, "the answer was taken whole after all"
    finally:
        sock.close()
    counts = live_server.server.app[SERVICE].open_requests
    async with asyncio.timeout(HANG):
        while counts.open(LOOPBACK) or any(size > 64 * 1024 for size in answers_waiting(live_server)):  # fmt: skip
            await asyncio.sleep(0.05)
    dropped = [r for r in caplog.records if "not taken within" in r.getMessage()]
    assert [r.levelname for r in dropped] == ["INFO"]
    assert dropped[0].getMessage().startswith("POST /v1/sync -> answer of ")
    log = live_server.log_file.read_text(errors="replace")
    assert token not in log and journal.hex() not in log
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]
    assert (await raw.call("/v1/health", {})).status == 200
