"""Every notice the server offers a live socket that stays open reaches its device, in order
(protocol.md GET /v1/live): the server coalesces nothing, so a journal notice followed by a
meta notice arrives as two frames, whatever the socket asked (`?records=1` or not) and whoever
it belongs to (the owner's device, a member's). Notices are lost only with their socket
(outbox full, send timeout, a lost PostgreSQL notice connection), after which the device
reconnects and syncs. Counted per socket: the frames the server's LiveSocket was offered, and
the frames the device read, run several times in one pytest session (a reviewer saw the
owner's socket miss the first notice in runs after the first)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest

from client_sdk import Client, wire
from client_sdk.live import live_url
from server import live
from tests.client.test_live import HANG
from tests.client.test_live_records import personal
from tests.conftest import ClientFactory

Offered = dict[live.LiveSocket, list[bytes]]


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> Offered:
    """Every frame the server's live sockets are offered, by socket, in order (the real
    `LiveSocket.offer` still runs: nothing of the server is replaced)."""
    frames: Offered = {}
    offer = live.LiveSocket.offer

    def counted(self: live.LiveSocket, message: bytes) -> None:
        frames.setdefault(self, []).append(message)
        offer(self, message)

    monkeypatch.setattr(live.LiveSocket, "offer", counted)
    return frames


@contextlib.asynccontextmanager
async def raw_socket(
    client: Client, offered: Offered, records: bool
) -> AsyncIterator[tuple[aiohttp.ClientWebSocketResponse, live.LiveSocket]]:
    """A raw live socket of `client`'s device and the server's LiveSocket for it (the one
    whose hello it read: sockets are opened one at a time)."""
    url = live_url(client.transport.base_url) + ("?" + wire.LIVE_RECORDS_QUERY if records else "")
    known = set(offered)
    headers = {"Authorization": f"Bearer {client.transport.token}"}
    async with client.transport.session().ws_connect(url, headers=headers) as socket:
        async with asyncio.timeout(HANG):
            hello = wire.decode(wire.LiveNotice, (await socket.receive()).data)
        assert hello.kind == wire.LIVE_HELLO
        (server_side,) = set(offered) - known
        yield socket, server_side


async def read_all(socket: aiohttp.ClientWebSocketResponse, offered: list[bytes]) -> list[bytes]:
    """The frames `socket` reads up to the last one of `offered` (the frames its server side
    was offered, its hello first, read already); a frame lost on the way shows in the
    frames read, since a socket's frames are sent in order. HANG bounds each wait."""
    frames: list[bytes] = []
    while not frames or frames[-1] != offered[-1]:
        async with asyncio.timeout(HANG):
            message = await socket.receive()
        assert message.type == aiohttp.WSMsgType.BINARY, (message, frames)
        frames.append(message.data)
    return frames


async def offers(frames: list[bytes], count: int) -> list[bytes]:
    """`frames` once it holds `count` frames (over PostgreSQL, notices reach the hub through
    pg_notify after the requests are answered); HANG bounds the wait."""
    async with asyncio.timeout(HANG):
        while len(frames) < count:
            await asyncio.sleep(0.01)
    return frames


def kinds(frames: list[bytes], journal: bytes) -> list[str]:
    """Each frame as "journal" (of `journal`), "other journal" or its kind."""
    named = []
    for frame in frames:
        notice = wire.decode(wire.LiveNotice, frame)
        if notice.kind == wire.LIVE_JOURNAL:
            named.append("journal" if notice.journal_id == journal else "other journal")
        else:
            named.append(notice.kind)
    return named


@pytest.mark.parametrize(
    ("backend", "run"),
    [("sqlite", 1), ("sqlite", 2), ("sqlite", 3), ("postgresql", 1), ("postgresql", 2)],
    indirect=["backend"],
)
async def test_every_notice_offered_to_an_open_socket_reaches_its_device(
    signup: ClientFactory, login: ClientFactory, offered: Offered, backend: str, run: int
) -> None:
    ana = await signup("ana")
    phone = await login("ana")
    tom, eve = await signup("tom"), await signup("eve")
    for member in (tom, eve):
        await ana.shares.grant(
            "Personal", member.username, role="annotate", trust_on_first_use=True, full=True
        )
    await ana.sync()
    for client in (phone, tom, eve):
        await client.sync()
        await client.sync()
    journal = await personal(ana)
    async with contextlib.AsyncExitStack() as stack:
        sockets = {
            name: await stack.enter_async_context(raw_socket(client, offered, records))
            for name, client, records in (
                ("phone asking records", phone, True),
                ("phone", phone, False),
                ("tom", tom, True),
                ("eve", eve, False),
            )
        }
        # A member's push, then a rotation (eve's share ends: a meta notice), the owner's
        # write, a journal made and written to in one sync, and the member's push again.
        await tom.notes.add("ana/Personal", "tom's note")
        await tom.sync()
        await ana.shares.revoke("Personal", "eve")
        await ana.sync()
        await ana.entries.write(None, "after eve's end")
        await ana.sync()
        await ana.journals.create("New")
        await ana.entries.write("New", "first in New")
        await ana.sync()
        await tom.sync()
        await tom.notes.add("ana/Personal", "tom's second note")
        await tom.sync()
        # What the protocol says each socket is told, in order: the owner's two sockets
        # alike (a meta notice goes to every device but the one that made the change).
        owner = ["journal", "meta", "journal", "meta", "other journal", "journal"]
        due = {
            "phone asking records": owner,
            "phone": owner,
            "tom": ["journal", "meta", "journal", "journal"],
            "eve": ["journal", "meta"],
        }
        for name, (socket, server_side) in sockets.items():
            # Each socket is offered its hello and the notices due, then reads every one.
            sent = await offers(offered[server_side], 1 + len(due[name]))
            assert kinds(sent[1:], journal) == due[name], (name, kinds(sent[1:], journal))
            received = await read_all(socket, sent)
            assert kinds(received, journal) == due[name], (name, kinds(received, journal))
            assert received == sent[1:], name
