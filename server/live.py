"""Live channel: a WebSocket per connected device, told when one of its journals changes.

A "journal" notice carries a journal id and its new head sequence number (and, to the
owner's devices that asked, the records pushed); a "meta" notice names nothing: the account's
journal list, a journal's metadata, access chain or members changed. The device then syncs
as usual. Devices of an account are tracked so that revoking one closes its socket.

Nothing that publishes waits for a peer (REV-SRV F1): every socket has a bounded outbox
(`LiveSocket`) drained by a sender task of its own, each send under a timeout. A socket
whose outbox is full, whose send times out, or that leaves a ping of ours unanswered is
aborted: its device reconnects and catches up with a sync (notices are hints, the sync is
the truth). So a device that never reads its socket delays nobody's request or notice,
and the PostgreSQL delivery task (storage/pg_live.py) never waits on a socket either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import WSMsgType, web

from client_sdk import wire
from server.errors import TooManyRequests
from server.storage.base import InlineRecords, LiveEvent

log = logging.getLogger("tj.server.live")
CLOSE_SIGNED_OUT = 4001
CLOSE_GOING_AWAY = 1001
# What a client may send: control frames (pings, pongs, close) and, on a socket that asked
# for them, calls (wire.LiveCall), each answered on the socket; any other data frame is
# ignored. A data frame past MAX_INCOMING_BYTES (MAX_IGNORED_BYTES on a socket that did not
# ask for calls) closes the socket (1009); none is ever inflated (no compression).
MAX_INCOMING_BYTES = wire.MAX_LIVE_CALL_BYTES
MAX_IGNORED_BYTES = 1024
RETRY_AFTER_HEARTBEAT_MS = 5000
"""A refused upgrade's Retry-After: a heartbeat and this much (a dead peer's socket is gone
by then)."""


class LiveSocket:
    """One device's socket and its outbox: at most `outbox` frames waiting, sent in order by
    a task of its own, each within `send_timeout_s`. `offer` and `close_soon` never wait.
    The socket is aborted (its TCP connection reset, nothing flushed) when the outbox is
    full, a send or close times out, or a ping of ours is not answered by its pong (same
    random payload) within half a heartbeat: a frame the client sends proves nothing, since
    a client that never reads can still send. A lost notice costs the device latency only.
    A ping is sent `heartbeat_s` after the last one, once the outbox is empty."""

    def __init__(
        self,
        socket: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        outbox: int,
        send_timeout_s: float,
        heartbeat_s: float,
    ) -> None:
        self.socket = socket
        self._transport = transport
        self._send_timeout_s = send_timeout_s
        self._heartbeat_s = heartbeat_s
        self._outbox: asyncio.Queue[tuple[str, bytes, int, float]] = asyncio.Queue(outbox)
        self._closing = False
        self._sending_close = False  # the sender is sending the close frame
        self._ping: bytes | None = None  # the payload of our ping not answered yet
        self._sending = False  # the sender is waiting for a frame to be taken
        self.aborted = False
        self.reply_sent = asyncio.Event()
        """Set while no reply of ours waits to be sent (`offer_reply`): a call that comes
        before is refused (wire.LIVE_OVER_HTTP), so a client that sends calls and never reads
        holds one reply at most (and fills its outbox with refusals: the socket is aborted)."""
        self.reply_sent.set()
        self._sender = asyncio.create_task(self._run())

    def offer(self, message: bytes) -> None:
        """Queue a binary frame; past the outbox's bound, abort the socket instead."""
        self._queue("bytes", message)

    def offer_reply(self, message: bytes, send_timeout_s: float) -> None:
        """Queue a reply frame, to be taken within `send_timeout_s` (the deadline of an HTTP
        answer of its size); `reply_sent` is clear until it is sent or the socket is gone."""
        if self._closing or self.aborted:
            return
        self.reply_sent.clear()
        self._queue("reply", message, 0, send_timeout_s)

    def idle(self) -> bool:
        """Nothing of ours is on its way to the client: the outbox is empty, no frame is
        being sent, and the connection's write buffer is empty (the kernel took it all)."""
        buffered = self._transport.get_write_buffer_size() if self._transport is not None else 0
        return self._outbox.empty() and not self._sending and not buffered

    def close_soon(self, code: int, message: bytes) -> None:
        """Close the socket with `code` once what is queued is sent (abort it if the outbox
        is full or the close frame cannot be sent in time)."""
        if not self._closing:
            self._queue("close", message, code)
            self._closing = True

    def answered(self, kind: WSMsgType, data: bytes) -> None:
        """What a control frame from the client means: a ping gets its pong (queued like any
        frame), a pong with our ping's payload answers it; anything else is ignored."""
        if kind == WSMsgType.PING:
            self._queue("pong", data)
        elif kind == WSMsgType.PONG and data == self._ping:
            self._ping = None

    def _queue(self, kind: str, data: bytes, code: int = 0, timeout_s: float = 0.0) -> None:
        if self._closing or self.aborted:
            return
        try:
            self._outbox.put_nowait((kind, data, code, timeout_s or self._send_timeout_s))
        except asyncio.QueueFull:
            self.abort("its outbox is full")

    def abort(self, why: str) -> None:
        """Drop the connection at once, unflushed: every wait on it ends."""
        if self.aborted:
            return
        self.aborted = True
        self.reply_sent.set()
        log.info("live: socket aborted: %s", why, extra={"client_fault": True})
        if self._transport is not None:
            self._transport.abort()

    async def stop(self) -> None:
        """End the sender once the socket is gone: cancel it, unless it is sending the close
        frame (let that end: it is bounded by the send timeout)."""
        if not self._sending_close:
            self._sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._sender

    async def finished(self) -> None:
        """Wait for the sender to end (after `close_soon`), at most its send timeout."""
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._sender), self._send_timeout_s + 1)

    async def _run(self) -> None:
        try:
            await self._send_all()
        finally:
            self.reply_sent.set()  # nothing more is sent: no call waits for it
            # Whatever ended the sender (a close sent, the peer gone, a stop), the connection
            # is dropped for good `send_timeout_s` later if it is still open then: aiohttp
            # closes it with transport.close(), which waits for a peer that never reads.
            if self._transport is not None:
                asyncio.get_running_loop().call_later(self._send_timeout_s, self._transport.abort)

    async def _send_all(self) -> None:
        loop = asyncio.get_running_loop()
        next_ping = loop.time() + self._heartbeat_s
        pong_due = 0.0
        while not self.aborted and not self.socket.closed:
            try:
                async with asyncio.timeout_at(pong_due if self._ping is not None else next_ping):
                    kind, data, close_code, timeout_s = await self._outbox.get()
            except TimeoutError:
                if self._ping is not None:
                    self.abort("no pong to a ping")
                    return
                self._ping = data = os.urandom(8)
                kind, close_code, timeout_s = "ping", 0, self._send_timeout_s
                next_ping = loop.time() + self._heartbeat_s
            self._sending = True
            try:
                async with asyncio.timeout(timeout_s):
                    if kind == "close":
                        self._sending_close = True
                        await self.socket.close(code=close_code, message=data)
                        return
                    if kind == "ping":
                        await self.socket.ping(data)
                        pong_due = loop.time() + self._heartbeat_s / 2  # once it is sent
                    elif kind == "pong":
                        await self.socket.pong(data)
                    else:
                        await self.socket.send_bytes(data)
                        if kind == "reply":
                            self.reply_sent.set()
            except TimeoutError:
                self.abort(f"a {kind} frame was not taken in {timeout_s:g} s")
                return
            except (ConnectionError, RuntimeError):
                return  # the connection is gone
            finally:
                self._sending = False


class LiveHub:
    """The live sockets of this server process, by account and device, and how many each
    may hold: `max_per_device` (a device needs one; a few cover a reconnect while the old
    socket is not yet known dead) and `max_per_account`. This count is the whole count on
    SQLite (one process); over PostgreSQL, Service.live_slot also counts every process's
    sockets in the database (storage.take_live_slot). Every value comes from the server's
    Settings (service.Settings: their defaults are the one place they are written)."""

    def __init__(
        self,
        max_per_device: int,
        max_per_account: int,
        outbox: int,
        send_timeout_s: float,
        heartbeat_s: float,
    ) -> None:
        self._sockets: dict[bytes, dict[bytes, set[LiveSocket]]] = {}
        self.max_per_device = max_per_device
        self.max_per_account = max_per_account
        self.outbox = outbox
        """Frames one socket may have waiting (LiveSocket); past it, the socket is aborted."""
        self.send_timeout_s = send_timeout_s
        """How long one frame may take to be sent (LiveSocket); past it, the same."""
        self.heartbeat_s = heartbeat_s
        """Seconds from one ping of ours to the next (LiveSocket); its pong is due within half."""
        self._held: dict[bytes, dict[bytes, int]] = {}  # account -> device -> slots
        self._records: dict[bytes, set[LiveSocket]] = {}
        """By account, its sockets that asked for records in notices (`/v1/live?records=1`)."""

    @contextlib.contextmanager
    def slot(self, account_id: bytes, device_id: bytes) -> Iterator[None]:
        """Hold one of the device's and the account's live slots while the block runs;
        taken before the handshake (no await between check and count), so parallel
        upgrades cannot slip past. Raises TooManyRequests `live_limit` when none is free."""
        devices = self._held.setdefault(account_id, {})
        if devices.get(device_id, 0) >= self.max_per_device:
            self._forget(account_id, device_id)
            raise self.refused("live_device")
        if sum(devices.values()) >= self.max_per_account:
            self._forget(account_id, device_id)
            raise self.refused("live_account")
        devices[device_id] = devices.get(device_id, 0) + 1
        try:
            yield
        finally:
            devices[device_id] -= 1
            self._forget(account_id, device_id)

    def refused(self, kind: str) -> TooManyRequests:
        """The 429 `live_limit` for a device ("live_device") or an account ("live_account")
        that holds its maximum, with a Retry-After of a heartbeat and
        RETRY_AFTER_HEARTBEAT_MS."""
        retry_after_ms = int(self.heartbeat_s * 1000) + RETRY_AFTER_HEARTBEAT_MS
        if kind == "live_device":
            return TooManyRequests(
                f"this device already holds {self.max_per_device} live connections; close "
                "one, or retry once a lost one has been noticed",
                retry_after_ms,
                code="live_limit",
            )
        return TooManyRequests(
            f"this account already holds {self.max_per_account} live connections",
            retry_after_ms,
            code="live_limit",
        )

    def _forget(self, account_id: bytes, device_id: bytes) -> None:
        devices = self._held.get(account_id, {})
        if not devices.get(device_id):
            devices.pop(device_id, None)
        if not devices:
            self._held.pop(account_id, None)

    def connected(self, account_id: bytes) -> bool:
        return bool(self._sockets.get(account_id))

    def wants_records(self, account_id: bytes) -> bool:
        """Whether a socket of this account here asked for records in notices."""
        return bool(self._records.get(account_id))

    def add(
        self,
        account_id: bytes,
        device_id: bytes,
        socket: LiveSocket,
        records: bool = False,
    ) -> None:
        self._sockets.setdefault(account_id, {}).setdefault(device_id, set()).add(socket)
        if records:
            self._records.setdefault(account_id, set()).add(socket)

    def remove(self, account_id: bytes, device_id: bytes, socket: LiveSocket) -> None:
        asked = self._records.get(account_id, set())
        asked.discard(socket)
        if not asked:
            self._records.pop(account_id, None)
        devices = self._sockets.get(account_id, {})
        devices.get(device_id, set()).discard(socket)
        if not devices.get(device_id):
            devices.pop(device_id, None)
        if not devices:
            self._sockets.pop(account_id, None)

    async def deliver(self, event: LiveEvent) -> None:
        """Act on an event published by any server process (storage.publish). Never waits
        for a peer: frames go to the sockets' outboxes."""
        if event.kind == "journal":
            self.notify(list(event.account_ids), event.journal_id, event.head, event.inline)
        elif event.kind == "meta":
            self.notify_meta(list(event.account_ids), event.device_id)
        elif event.kind == "device" and event.account_ids:
            self.disconnect_device(event.account_ids[0], event.device_id)
        elif event.kind == "account" and event.account_ids:
            self.disconnect_account(event.account_ids[0])
        elif event.kind == "resync":  # notices may have been lost: devices reconnect, catch up
            self.close_all()

    def notify(
        self,
        account_ids: list[bytes],
        journal_id: bytes,
        head: int,
        inline: InlineRecords | None = None,
    ) -> None:
        """Send the notice to every socket of `account_ids`; the sockets of `inline.owner_id`
        that asked for records get `inline`'s records in it too, each only while it is idle
        (LiveSocket.idle): a notice with records is up to 72 KiB, which a device on a slow
        link (a few KB/s) takes longer than the send timeout to read behind other frames,
        so a socket with anything on its way gets the plain notice (a few dozen bytes) and
        pulls the records with its sync, instead of being dropped."""
        message = wire.encode(wire.LiveNotice(wire.LIVE_JOURNAL, journal_id, head))
        sent = [
            (socket, message)
            for account_id in account_ids
            for device_sockets in self._sockets.get(account_id, {}).values()
            for socket in device_sockets
        ]
        asked = self._records.get(inline.owner_id, set()) if inline is not None else set()
        if inline is not None and asked:
            full = wire.encode(
                wire.LiveNotice(
                    wire.LIVE_JOURNAL,
                    journal_id,
                    head,
                    inline.after,
                    inline.meta_version,
                    [wire.StoredRecord(*row) for row in inline.records],
                )
            )
            sent = [
                (socket, full if socket in asked and socket.idle() else plain)
                for socket, plain in sent
            ]
        for socket, body in sent:
            socket.offer(body)

    def notify_meta(self, account_ids: list[bytes], made_by: bytes = b"") -> None:
        """Send a "meta" notice to every socket of `account_ids` but those of the device
        `made_by` (the one whose request made the change: it knows). The notice names no
        journal, head or record, so an account told of a journal it just lost (a member
        removed) learns only that something changed, which its next sync shows anyway."""
        message = wire.encode(wire.LiveNotice(wire.LIVE_META, b"", 0))
        sockets = [
            socket
            for account_id in dict.fromkeys(account_ids)
            for device_id, device_sockets in self._sockets.get(account_id, {}).items()
            if device_id != made_by
            for socket in device_sockets
        ]
        for socket in sockets:
            socket.offer(message)

    def disconnect_device(
        self, account_id: bytes, device_id: bytes, code: int = CLOSE_SIGNED_OUT
    ) -> None:
        """Close a device's sockets: 4001 tells it it was signed out, 1001 that the server
        is going away (it should reconnect)."""
        message = b"device signed out" if code == CLOSE_SIGNED_OUT else b"server shutting down"
        for socket in list(self._sockets.get(account_id, {}).get(device_id, ())):
            socket.close_soon(code, message)

    def disconnect_account(self, account_id: bytes, code: int = CLOSE_SIGNED_OUT) -> None:
        for device_id in list(self._sockets.get(account_id, {})):
            self.disconnect_device(account_id, device_id, code)

    def close_all(self) -> None:
        """Close every socket with 1001 (going away), each once its outbox is sent."""
        for account_id in list(self._sockets):
            self.disconnect_account(account_id, CLOSE_GOING_AWAY)

    async def shut_down(self) -> None:
        """`close_all`, then wait until each socket's close is sent (or it was aborted)."""
        sockets = [
            socket
            for devices in self._sockets.values()
            for device_sockets in devices.values()
            for socket in device_sockets
        ]
        self.close_all()
        await asyncio.gather(*(socket.finished() for socket in sockets))


SessionLeft = Callable[[], Awaitable[int]]
"""How long the socket's session still lasts, in ms (0: expired, revoked or erased)."""
Answer = Callable[[wire.LiveCall], Awaitable[tuple[int, bytes, float]]]
"""The answer to a call on the socket: (HTTP status, body, seconds its frame may take to be
sent); its session, checked again for each call, and every check of the same HTTP request."""


async def serve(
    request: web.Request,
    hub: LiveHub,
    account_id: bytes,
    device_id: bytes,
    session_left: SessionLeft,
    check_interval_s: float,
    answer: Answer | None = None,
) -> web.StreamResponse:
    """Hold one device's socket open until either side closes it or its session ends (the
    token expires, the device is revoked or logs out: close code 4001). With `answer` (the
    upgrade asked for calls), the hello says calls are taken, and a data frame that is a
    `wire.LiveCall` is answered by `answer` in a task while the socket is still read, with a
    `LiveNotice` of kind LIVE_REPLY naming it; a 401 answer then closes the socket with 4001.
    One call at a time: a call that comes while another is answered or its reply not yet
    sent gets status wire.LIVE_OVER_HTTP at once, as does one whose reply would pass
    wire.MAX_LIVE_REPLY_BYTES. Other input is ignored (no compression; a data frame
    past MAX_INCOMING_BYTES, or MAX_IGNORED_BYTES without `answer`, closes the socket with
    1009). The socket's frames go through its
    outbox (LiveSocket), ours and its pings' pongs alike. A client that goes away during the
    handshake is not an error."""
    largest = MAX_INCOMING_BYTES if answer is not None else MAX_IGNORED_BYTES
    socket = web.WebSocketResponse(autoping=False, compress=False, max_msg_size=largest)
    try:
        await socket.prepare(request)
    except ConnectionError as error:
        log.info("live: client left during the handshake (%s)", type(error).__name__)
        return web.Response(status=400)  # never sent: the connection is gone
    live = LiveSocket(socket, request.transport, hub.outbox, hub.send_timeout_s, hub.heartbeat_s)
    hello = wire.LiveNotice(wire.LIVE_HELLO, b"", 0, calls=answer is not None)
    live.offer(wire.encode(hello))
    hub.add(account_id, device_id, live, request.query_string == wire.LIVE_RECORDS_QUERY)
    watcher = asyncio.create_task(_close_when_session_ends(live, session_left, check_interval_s))
    answering: asyncio.Task[None] | None = None
    try:
        async for message in socket:
            if message.type == WSMsgType.ERROR:
                break
            if message.type in (WSMsgType.PING, WSMsgType.PONG):
                live.answered(message.type, message.data)
            elif message.type == WSMsgType.BINARY and answer is not None:
                try:
                    call = wire.decode(wire.LiveCall, message.data)
                except wire.WireError:
                    continue  # no call: ignored, as before calls existed
                if (answering is not None and not answering.done()) or not live.reply_sent.is_set():
                    # one call at a time: another is sent over HTTP (a client that sends
                    # calls and never reads fills its outbox: the socket is aborted)
                    _refuse_call(live, call)
                else:
                    answering = asyncio.create_task(_answer_call(live, answer, call))
    finally:
        watcher.cancel()
        if answering is not None:  # the socket is gone: its answer is not sent
            answering.cancel()
            await asyncio.wait([answering])
        hub.remove(account_id, device_id, live)
        await live.stop()
    return socket


def _refuse_call(live: LiveSocket, call: wire.LiveCall) -> None:
    """Reply LIVE_OVER_HTTP to `call`: the device sends it over HTTP."""
    reply = wire.LiveNotice(wire.LIVE_REPLY, b"", 0, call=call.call, status=wire.LIVE_OVER_HTTP)
    live.offer(wire.encode(reply))


async def _answer_call(live: LiveSocket, answer: Answer, call: wire.LiveCall) -> None:
    """Answer one call on the socket, in a task of its own while the socket is still read
    (pings, pongs, a close). A reply body past wire.MAX_LIVE_REPLY_BYTES is not sent here:
    the reply says LIVE_OVER_HTTP and the device sends the request over HTTP."""
    status, body, send_timeout_s = await answer(call)
    if live.aborted or live.socket.closed:
        return
    if len(body) > wire.MAX_LIVE_REPLY_BYTES:
        status, body = wire.LIVE_OVER_HTTP, b""
    reply = wire.LiveNotice(wire.LIVE_REPLY, b"", 0, call=call.call, status=status, body=body)
    live.offer_reply(wire.encode(reply), send_timeout_s)
    if status == 401:  # the session ended: no further call, as no further notice
        live.close_soon(CLOSE_SIGNED_OUT, b"session ended")


async def _close_when_session_ends(
    socket: LiveSocket, session_left: SessionLeft, check_interval_s: float
) -> None:
    """Close the socket when its token expires (timed), or when a periodic check finds the
    session revoked (a lost notice from another process) or the account erased."""
    while not socket.socket.closed and not socket.aborted:
        try:
            left_ms = await session_left()
        except Exception as error:  # the database is down: keep the socket, check again
            log.warning("live: session check failed (%s); retrying", type(error).__name__)
            left_ms = int(check_interval_s * 1000)
        if left_ms <= 0:
            socket.close_soon(CLOSE_SIGNED_OUT, b"session ended")
            return
        await asyncio.sleep(min(left_ms / 1000, check_interval_s))
