"""Calls on the live channel (protocol.md GET /v1/live, "Calls on the live channel"): a
`/v1/sync` sent on a device's open socket is answered there exactly as the same POST would be,
its session checked again at each call (an expired or revoked one is refused at once and the
socket closed, even when nothing told the socket), every membership check of /v1/sync made,
and always as the socket's own device."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from client_sdk import Client, wire
from server.live import CLOSE_SIGNED_OUT
from server.routes import LIVE_PATH, SERVICE
from tests.server.conftest import Serve
from tests.server.servers import signup

HANG_S = 20.0


class Socket:
    """A raw live socket of one device, sending calls and reading their replies."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.last = 0

    async def send(self, path: str, body: bytes) -> int:
        self.last += 1
        await self.socket.send_bytes(wire.encode(wire.LiveCall(self.last, path, body)))
        return self.last

    async def reply(self) -> wire.LiveNotice:
        """The next reply (notices are skipped)."""
        async with asyncio.timeout(HANG_S):
            while True:
                message = await self.socket.receive()
                assert message.type == aiohttp.WSMsgType.BINARY, message
                notice = wire.decode(wire.LiveNotice, message.data)
                if notice.kind == wire.LIVE_REPLY:
                    return notice

    async def call(self, path: str, body: bytes) -> wire.LiveNotice:
        call = await self.send(path, body)
        reply = await self.reply()
        assert reply.call == call
        return reply

    async def close_code(self) -> int | None:
        async with asyncio.timeout(HANG_S):
            while True:
                message = await self.socket.receive()
                if message.type == aiohttp.WSMsgType.CLOSE:
                    return int(message.data)
                if message.type == aiohttp.WSMsgType.CLOSED:
                    return self.socket.close_code


@asynccontextmanager
async def live_socket(url: str, client: Client) -> AsyncIterator[Socket]:
    headers = {"Authorization": f"Bearer {client.profile.token}", wire.LIVE_CALLS_HEADER: "1"}
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url + LIVE_PATH, headers=headers) as socket,
    ):
        hello = wire.decode(wire.LiveNotice, (await socket.receive()).data)
        assert hello.kind == wire.LIVE_HELLO and hello.calls
        yield Socket(socket)


async def posted(url: str, client: Client, path: str, body: bytes) -> tuple[int, bytes]:
    """(status, body) of the same request as an HTTP POST."""
    headers = {
        "Authorization": f"Bearer {client.profile.token}",
        "Content-Type": "application/msgpack",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + path, data=body, headers=headers) as reply,
    ):
        return reply.status, await reply.read()


def sync_body(*cursors: tuple[bytes, int]) -> bytes:
    return wire.encode(wire.SyncRequest([wire.Cursor(j, after) for j, after in cursors], 100))


async def personal(client: Client) -> bytes:
    return bytes.fromhex((await client.journals.get("Personal")).id)


async def test_a_sync_on_the_socket_is_answered_as_its_post_with_every_check(
    serve: Serve, tmp_path: Path
) -> None:
    async with serve() as server:
        ana = await signup(server.url, tmp_path, "ana")
        ben = await signup(server.url, tmp_path, "ben")
        await ana.entries.write(None, "A good day")
        await ana.sync()
        journal = await personal(ana)
        async with live_socket(server.url, ana) as socket:
            body = sync_body((journal, 0))
            reply = await socket.call("/v1/sync", body)
            assert (reply.status, reply.body) == await posted(server.url, ana, "/v1/sync", body)
            page = wire.decode(wire.SyncReply, reply.body).pages[0]
            assert page.journal_id == journal and len(page.records) >= 1
            # Bad input is refused as the POST is, and the socket stays.
            reply = await socket.call("/v1/sync", b"\x93\x01")
            assert reply.status == 400
            reply = await socket.call("/v1/records/push", b"")
            assert (reply.status, wire.decode(wire.ErrorReply, reply.body).code) == (
                404,
                "not_found",
            )
            assert (await socket.call("/v1/sync", sync_body())).status == 200
        # On another account's socket, a call reads as that account alone: ana's journal is
        # refused to ben as his POST is (the socket's device, never one the call names).
        async with live_socket(server.url, ben) as socket:
            body = sync_body((journal, 0))
            reply = await socket.call("/v1/sync", body)
            assert (reply.status, reply.body) == await posted(server.url, ben, "/v1/sync", body)
            assert wire.decode(wire.ErrorReply, reply.body).code == "forbidden"
            everything = wire.decode(
                wire.SyncReply, (await socket.call("/v1/sync", sync_body())).body
            )
            assert journal not in {page.journal_id for page in everything.pages}
        for client in (ana, ben):
            await client.close()
        log = server.log_file.read_text(errors="replace")
        assert " ERROR " not in log and "Traceback" not in log, log[-2000:]


async def test_a_call_after_the_session_expired_is_refused_and_closes_the_socket(
    serve: Serve, tmp_path: Path
) -> None:
    """Checked at the call itself: the socket's own check (every hour here) has not run."""
    async with serve(live_check_interval_ms=3_600_000) as server:
        ana = await signup(server.url, tmp_path, "ana")
        async with live_socket(server.url, ana) as socket:
            assert (await socket.call("/v1/sync", sync_body())).status == 200
            server.clock.now += 31 * 24 * 3600 * 1000  # past the 30-day session
            reply = await socket.call("/v1/sync", sync_body())
            assert (reply.status, reply.body) == await posted(
                server.url, ana, "/v1/sync", sync_body()
            )
            assert reply.status == 401
            assert await socket.close_code() == CLOSE_SIGNED_OUT
        await ana.close()


async def test_a_call_after_a_revocation_the_socket_was_not_told_of_is_refused(
    serve: Serve, tmp_path: Path
) -> None:
    """A revocation whose notice never reached this process (written to the database behind
    the live hub's back, as another process's would be when its notice is lost) refuses the
    very next call, and the socket closes; nothing is served to the revoked device."""
    async with serve(live_check_interval_ms=3_600_000) as server:
        ana = await signup(server.url, tmp_path, "ana")
        await ana.entries.write(None, "A good day")
        await ana.sync()
        journal = await personal(ana)
        async with live_socket(server.url, ana) as socket:
            assert (await socket.call("/v1/sync", sync_body((journal, 0)))).status == 200
            storage = server.server.app[SERVICE].storage
            assert await storage.revoke_device(ana.profile.account_id, ana.profile.device_id)
            reply = await socket.call("/v1/sync", sync_body((journal, 0)))
            assert reply.status == 401
            assert wire.decode(wire.ErrorReply, reply.body).code == "device_revoked"
            assert await socket.close_code() == CLOSE_SIGNED_OUT
        await ana.close()


async def test_a_socket_that_did_not_ask_for_calls_gets_the_hello_of_before_and_no_reply(
    serve: Serve, tmp_path: Path
) -> None:
    """Without LIVE_CALLS_HEADER on the upgrade (a device from before calls), the hello is
    byte for byte the one before calls (its decoder refuses an unknown field) and a call is
    ignored as any data frame was."""
    async with serve() as server:
        ana = await signup(server.url, tmp_path, "ana")
        headers = {"Authorization": f"Bearer {ana.profile.token}"}
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(server.url + LIVE_PATH, headers=headers, autoping=False) as ws,
        ):
            hello = (await ws.receive()).data
            assert hello == wire.encode(wire.LiveNotice(wire.LIVE_HELLO, b"", 0))
            await ws.send_bytes(wire.encode(wire.LiveCall(1, "/v1/sync", sync_body())))
            await ws.ping(b"after")
            message = await asyncio.wait_for(ws.receive(), HANG_S)
            assert (message.type, message.data) == (aiohttp.WSMsgType.PONG, b"after")
        await ana.close()
