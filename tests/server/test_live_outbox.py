"""A live socket whose device does not read delays nobody else (REV-SRV F1).

Every socket has a bounded outbox drained by a sender task of its own, each send under a
timeout (server/live.py LiveSocket): a socket whose outbox overflows, whose send times
out, or that leaves the server's ping unanswered (an unsolicited pong does not count) is
aborted, and its device would reconnect and sync. Requests that publish notices, and the
PostgreSQL delivery task, never wait on a socket: every push is answered and other
accounts' notices arrive while one socket is stuck."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from socket import SO_SNDBUF, SOL_SOCKET
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from client_sdk import wire
from server import live
from server.routes import LIVE_PATH, SERVICE
from server.storage.postgres import PostgresStorage
from tests.conftest import RunningServer
from tests.server.conftest import Serve
from tests.server.live_peers import keep_alive, stuck_live_socket
from tests.server.raw import RawClient, signed_signup

ANSWER_S = 10.0  # a request or notice slower than this is taken as never coming


async def account(raw: RawClient, name: str) -> tuple[str, bytes]:
    answer = await raw.call("/v1/auth/signup", signed_signup(name))
    assert answer.status == 200, answer.value()
    value = answer.value()
    return value["token"], value["account_id"]


async def new_journal(raw: RawClient, token: str) -> bytes:
    journal = os.urandom(16)
    request = wire.JournalCreateRequest(
        journal, wire.KeyEnvelope(0, bytes(40)), bytes(40), [bytes(40)]
    )
    answer = await raw.call("/v1/journals/create", request, token=token)
    assert answer.status == 200, answer.value()
    return journal


async def push(raw: RawClient, token: str, journal: bytes, count: int = 1, size: int = 40) -> None:
    """Push `count` records of `size` bytes; the answer must come within ANSWER_S."""
    records = [
        {"record_id": os.urandom(16), "epoch": 0, "ciphertext": os.urandom(size)}
        for _ in range(count)
    ]
    body = {"journal_id": journal, "records": records}
    answer = await asyncio.wait_for(raw.call("/v1/records/push", body, token=token), ANSWER_S)
    assert answer.status == 200, answer.value()


Messages = asyncio.Queue[aiohttp.WSMessage]


@asynccontextmanager
async def watching(server: RunningServer, token: str) -> AsyncIterator[Messages]:
    """A well-behaved live socket, past its hello: it reads all the time (aiohttp answers
    the server's pings while it reads, as the SDK's channel does) and queues every message,
    its end included."""
    headers = {"Authorization": f"Bearer {token}"}
    messages: Messages = asyncio.Queue()

    async def read(ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            message = await ws.receive()
            messages.put_nowait(message)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):  # fmt: skip
                return

    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.url + LIVE_PATH, headers=headers) as ws,
    ):
        reader = asyncio.create_task(read(ws))
        try:
            hello = await notice(messages)
            assert hello.kind == wire.LIVE_HELLO
            yield messages
        finally:
            reader.cancel()


async def notice(messages: Messages) -> wire.LiveNotice:
    message = await asyncio.wait_for(messages.get(), ANSWER_S)
    assert message.type == aiohttp.WSMsgType.BINARY, message
    return wire.decode(wire.LiveNotice, message.data)


def connected(server: RunningServer, account_id: bytes) -> bool:
    return server.server.app[SERVICE].live.connected(account_id)


def queued_events(server: RunningServer) -> int:
    """Events the PostgreSQL listener heard and has not delivered yet (0 on SQLite)."""
    storage = server.server.app[SERVICE].storage
    return storage._listener._events.qsize() if isinstance(storage, PostgresStorage) else 0


SERVER_SNDBUF = 4096
"""The kernel's send buffer for a slow peer's connection in these tests (Linux doubles it;
loopback would otherwise take megabytes a slow link never would)."""
SERVER_WRITE_BUFFER = 1024
"""The most the server's transport holds for a slow peer before a send waits (asyncio's
high-water mark; 64 KiB by default), and the output after which aiohttp's writer checks it
(`writer_limit`: 256 KiB by default)."""


def small_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every live socket the server opens from now on gets small buffers on the server's
    side (SERVER_SNDBUF, SERVER_WRITE_BUFFER), as a slow link fills its own: a peer that
    does not read then holds up the socket's sender after a few kilobytes, whatever the
    size of its notices (a plain notice is some 50 bytes: with the default buffers it
    takes thousands of them). What the server does when a send waits (its outbox bound,
    its send timeout) is not touched."""
    response_init = web.WebSocketResponse.__init__
    socket_init = live.LiveSocket.__init__

    def response(self: web.WebSocketResponse, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("writer_limit", SERVER_WRITE_BUFFER)
        response_init(self, *args, **kwargs)

    def socket(
        self: live.LiveSocket,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        *args: Any,
    ) -> None:
        assert transport is not None
        transport.get_extra_info("socket").setsockopt(SOL_SOCKET, SO_SNDBUF, SERVER_SNDBUF)
        transport.set_write_buffer_limits(high=SERVER_WRITE_BUFFER)
        socket_init(self, ws, transport, *args)

    monkeypatch.setattr(web.WebSocketResponse, "__init__", response)
    monkeypatch.setattr(live.LiveSocket, "__init__", socket)


@pytest.mark.parametrize(
    ("limits", "why"),
    [
        ({"live_outbox": 2, "live_send_timeout_ms": 60_000}, "its outbox is full"),
        ({"live_outbox": 10_000, "live_send_timeout_ms": 300}, "a bytes frame was not taken in"),
    ],
    ids=["outbox", "send-timeout"],
)
async def test_a_live_socket_that_never_reads_is_dropped_and_every_push_is_answered(
    serve: Serve,
    raw_session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
    limits: dict[str, int],
    why: str,
) -> None:
    """The reviewer's attack: a socket that asked for records in notices and never reads,
    kept "alive" with unsolicited pongs. Its own pushes' notices filled the socket's
    buffers; one push in about 35 then never answered, though committed. Now every push is
    answered, the socket is aborted once its outbox is full or a send takes longer than the
    timeout, and another account's notices still come. The connection's buffers are small
    (`small_buffers`; the stuck client's receive buffer is 2 KiB), so its notices fill them
    within 400 pushes of one record, on either backend, whether they carry records or are
    the plain notice of some 50 bytes."""
    small_buffers(monkeypatch)
    async with serve(**limits) as server:
        raw = RawClient(raw_session, server.url)
        token, mallory = await account(raw, "mallory")
        journal = await new_journal(raw, token)
        stuck = await stuck_live_socket(server.url, token)
        alive = keep_alive(stuck, 0.1)
        try:
            pushes = 0
            while connected(server, mallory):
                assert pushes < 400, "the socket that never reads was never dropped"
                await push(raw, token, journal)
                pushes += 1
            stored = await server.rows("SELECT count(*) FROM records WHERE journal_id = ?", journal)
            assert stored == [(pushes,)]
            victim, _ = await account(raw, "victim")
            own = await new_journal(raw, victim)
            async with watching(server, victim) as ws:
                await push(raw, victim, own)
                told = await notice(ws)
                assert (told.kind, told.journal_id) == (wire.LIVE_JOURNAL, own)
        finally:
            alive.cancel()
            stuck.close()
    log = server.log_file.read_text(errors="replace")
    assert "live: socket aborted: " + why in log, log[-2000:]
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


async def test_a_socket_whose_sends_hang_delays_no_request_and_no_other_notice(
    serve: Serve, raw_session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL one task delivers every notice of the process: a send that never
    completed stopped live notices for every account, and its event queue grew without
    bound (the reviewer needed 45,000 pushes to fill loopback's buffers; here a send to
    mallory's socket simply never completes). On SQLite the request that published waited.
    Now mallory's notices wait in her socket's outbox alone: her pushes are answered, the
    victim's notices arrive, nothing piles up in the delivery queue, and once her outbox
    overflows her socket is dropped."""
    hang = asyncio.Event()  # never set
    stuck: set[web.WebSocketResponse] = set()
    send_bytes = web.WebSocketResponse.send_bytes

    async def never_taken(
        self: web.WebSocketResponse, data: bytes, compress: int | None = None
    ) -> None:
        if self in stuck:
            await hang.wait()
        await send_bytes(self, data, compress)

    monkeypatch.setattr(web.WebSocketResponse, "send_bytes", never_taken)
    async with serve(live_outbox=8, live_send_timeout_ms=60_000) as server:
        raw = RawClient(raw_session, server.url)
        token, mallory = await account(raw, "mallory")
        victim, _ = await account(raw, "victim")
        journal, own = await new_journal(raw, token), await new_journal(raw, victim)
        async with watching(server, token) as mallory_ws, watching(server, victim) as ws:
            hub = server.server.app[SERVICE].live
            stuck.update(s.socket for d in hub._sockets[mallory].values() for s in d)
            assert len(stuck) == 1
            for _ in range(5):  # her outbox holds them: she is not dropped yet
                await push(raw, token, journal)
            await push(raw, victim, own)
            told = await notice(ws)
            assert (told.kind, told.journal_id) == (wire.LIVE_JOURNAL, own)
            assert connected(server, mallory)
            assert queued_events(server) == 0
            for _ in range(5):  # past her outbox of 8
                await push(raw, token, journal)
            while (ended := await asyncio.wait_for(mallory_ws.get(), ANSWER_S)).type == aiohttp.WSMsgType.BINARY:  # fmt: skip
                pass  # what was sent before her sends hung
            assert ended.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR), ended
            await push(raw, victim, own)
            told = await notice(ws)
            assert (told.kind, told.journal_id) == (wire.LIVE_JOURNAL, own)
    log = server.log_file.read_text(errors="replace")
    assert "live: socket aborted: its outbox is full" in log
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


async def test_unsolicited_pongs_do_not_keep_a_socket_that_never_reads(
    serve: Serve, raw_session: aiohttp.ClientSession
) -> None:
    """aiohttp's heartbeat counted any frame received as liveness, so a client that never
    read (never saw a ping) but sent a pong every few seconds kept its socket for good. The
    server's ping now carries a random payload that only a pong read from it can return:
    that socket is dropped within a heartbeat and a half, while a client that reads (and
    answers pings) keeps its socket. (Heartbeat 0.4 s here, `live_heartbeat_ms`; 25 s by
    default.)"""
    async with serve(live_heartbeat_ms=400) as server:
        raw = RawClient(raw_session, server.url)
        token, mallory = await account(raw, "mallory")
        reader, _ = await account(raw, "reader")
        own = await new_journal(raw, reader)
        stuck = await stuck_live_socket(server.url, token)
        alive = keep_alive(stuck, 0.05)
        try:
            async with watching(server, reader) as ws:
                for _ in range(100):
                    if not connected(server, mallory):
                        break
                    await asyncio.sleep(0.05)
                assert not connected(server, mallory)
                await asyncio.sleep(1.0)  # more heartbeats: the reading socket stays
                await push(raw, reader, own)
                told = await notice(ws)
                assert (told.kind, told.journal_id) == (wire.LIVE_JOURNAL, own)
        finally:
            alive.cancel()
            stuck.close()
    log = server.log_file.read_text(errors="replace")
    assert "live: socket aborted: no pong to a ping" in log
    assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # one process: records ride
async def test_a_socket_with_frames_on_their_way_gets_notices_without_records(
    serve: Serve, raw_session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notice with records is up to 72 KiB: a phone on a slow link (a few KB/s) behind a
    burst of them (another device importing) could not take one within the send timeout
    and was dropped at every burst. Records now ride only on a socket with nothing on its
    way (outbox empty, no frame being sent, nothing in the connection's buffer): here a
    device that does not read (a very slow link; the server's kernel buffer for it made as
    small as such a link's) is told of 12 pushes of 60 KB each: the first notice carries
    its records, the rest are the plain notice (a sync brings the records), and the socket
    is not dropped."""
    offered: list[int] = []
    offer = live.LiveSocket.offer

    def counted(socket: live.LiveSocket, message: bytes) -> None:
        if not offered:  # its hello: the server's kernel buffer as small as a slow link's
            assert socket._transport is not None
            tcp = socket._transport.get_extra_info("socket")
            tcp.setsockopt(SOL_SOCKET, SO_SNDBUF, SERVER_SNDBUF)
        offered.append(len(message))
        offer(socket, message)

    monkeypatch.setattr(live.LiveSocket, "offer", counted)
    async with serve(live_outbox=1000, live_send_timeout_ms=60_000) as server:
        raw = RawClient(raw_session, server.url)
        token, owner = await account(raw, "ana")
        journal = await new_journal(raw, token)
        slow = await stuck_live_socket(server.url, token)  # asks for records
        try:
            for _ in range(100):
                if connected(server, owner):
                    break
                await asyncio.sleep(0.05)
            for _ in range(12):
                await push(raw, token, journal, size=60_000)
            assert connected(server, owner)  # not dropped
        finally:
            slow.close()
    notices = offered[1:]  # after the hello
    assert len(notices) == 12, offered
    assert notices[0] > 60_000, notices  # nothing on its way yet: the records ride
    assert all(size < 100 for size in notices[1:]), notices
