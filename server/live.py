"""Live channel: a WebSocket per connected device, told when one of its journals changes.

A "journal" notice carries a journal id and its new head sequence number (and, to the
owner's devices that asked, the records pushed); a "meta" notice names nothing: the account's
journal list, a journal's metadata, access chain or members changed. The device then syncs
as usual. Devices of an account are tracked so that revoking one closes its socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator

from aiohttp import WSMsgType, web

from client_sdk import wire
from server.errors import TooManyRequests
from server.storage.base import InlineRecords, LiveEvent

log = logging.getLogger("tj.server.live")
HEARTBEAT_S = 25.0
CLOSE_SIGNED_OUT = 4001
CLOSE_GOING_AWAY = 1001


RETRY_REFUSED_MS = int(HEARTBEAT_S * 1000) + 5000  # a dead peer's socket is gone by then


class LiveHub:
    """The live sockets of this server process, by account and device, and how many each
    may hold: `max_per_device` (a device needs one; a few cover a reconnect while the old
    socket is not yet known dead) and `max_per_account`. This count is the whole count on
    SQLite (one process); over PostgreSQL, Service.live_slot also counts every process's
    sockets in the database (storage.take_live_slot)."""

    def __init__(self, max_per_device: int = 4, max_per_account: int = 200) -> None:
        self._sockets: dict[bytes, dict[bytes, set[web.WebSocketResponse]]] = {}
        self.max_per_device = max_per_device
        self.max_per_account = max_per_account
        self._held: dict[bytes, dict[bytes, int]] = {}  # account -> device -> slots
        self._records: dict[bytes, set[web.WebSocketResponse]] = {}
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
        that holds its maximum."""
        if kind == "live_device":
            return TooManyRequests(
                f"this device already holds {self.max_per_device} live connections; close "
                "one, or retry once a lost one has been noticed",
                RETRY_REFUSED_MS,
                code="live_limit",
            )
        return TooManyRequests(
            f"this account already holds {self.max_per_account} live connections",
            RETRY_REFUSED_MS,
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
        socket: web.WebSocketResponse,
        records: bool = False,
    ) -> None:
        self._sockets.setdefault(account_id, {}).setdefault(device_id, set()).add(socket)
        if records:
            self._records.setdefault(account_id, set()).add(socket)

    def remove(self, account_id: bytes, device_id: bytes, socket: web.WebSocketResponse) -> None:
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
        """Act on an event published by any server process (storage.publish)."""
        if event.kind == "journal":
            await self.notify(list(event.account_ids), event.journal_id, event.head, event.inline)
        elif event.kind == "meta":
            await self.notify_meta(list(event.account_ids), event.device_id)
        elif event.kind == "device" and event.account_ids:
            await self.disconnect_device(event.account_ids[0], event.device_id)
        elif event.kind == "account" and event.account_ids:
            await self.disconnect_account(event.account_ids[0])
        elif event.kind == "resync":  # notices may have been lost: devices reconnect, catch up
            await self.close_all()

    async def notify(
        self,
        account_ids: list[bytes],
        journal_id: bytes,
        head: int,
        inline: InlineRecords | None = None,
    ) -> None:
        """Send the notice to every socket of `account_ids`; the sockets of `inline.owner_id`
        that asked for records get `inline`'s records in it too."""
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
            sent = [(socket, full if socket in asked else plain) for socket, plain in sent]
        if len(sent) == 1:  # the common case: no task to create
            await _send(*sent[0])
        else:
            await asyncio.gather(*(_send(socket, body) for socket, body in sent))

    async def notify_meta(self, account_ids: list[bytes], made_by: bytes = b"") -> None:
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
        await asyncio.gather(*(_send(socket, message) for socket in sockets))

    async def disconnect_device(
        self, account_id: bytes, device_id: bytes, code: int = CLOSE_SIGNED_OUT
    ) -> None:
        """Close a device's sockets: 4001 tells it it was signed out, 1001 that the server
        is going away (it should reconnect)."""
        message = b"device signed out" if code == CLOSE_SIGNED_OUT else b"server shutting down"
        for socket in list(self._sockets.get(account_id, {}).get(device_id, ())):
            await socket.close(code=code, message=message)

    async def disconnect_account(self, account_id: bytes, code: int = CLOSE_SIGNED_OUT) -> None:
        for device_id in list(self._sockets.get(account_id, {})):
            await self.disconnect_device(account_id, device_id, code)

    async def close_all(self) -> None:
        for account_id in list(self._sockets):
            await self.disconnect_account(account_id, CLOSE_GOING_AWAY)


async def _send(socket: web.WebSocketResponse, message: bytes) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        await socket.send_bytes(message)


SessionLeft = Callable[[], Awaitable[int]]
"""How long the socket's session still lasts, in ms (0: expired, revoked or erased)."""


async def serve(
    request: web.Request,
    hub: LiveHub,
    account_id: bytes,
    device_id: bytes,
    session_left: SessionLeft,
    check_interval_s: float,
) -> web.StreamResponse:
    """Hold one device's socket open until either side closes it or its session ends (the
    token expires, the device is revoked or logs out: close code 4001); input is ignored.
    A client that goes away during the handshake is not an error."""
    socket = web.WebSocketResponse(heartbeat=HEARTBEAT_S)
    try:
        await socket.prepare(request)
    except ConnectionError as error:
        log.info("live: client left during the handshake (%s)", type(error).__name__)
        return web.Response(status=400)  # never sent: the connection is gone
    hub.add(account_id, device_id, socket, request.query_string == wire.LIVE_RECORDS_QUERY)
    watcher = asyncio.create_task(_close_when_session_ends(socket, session_left, check_interval_s))
    try:
        await _send(socket, wire.encode(wire.LiveNotice(wire.LIVE_HELLO, b"", 0)))
        async for message in socket:
            if message.type == WSMsgType.ERROR:
                break
    finally:
        watcher.cancel()
        hub.remove(account_id, device_id, socket)
    return socket


async def _close_when_session_ends(
    socket: web.WebSocketResponse, session_left: SessionLeft, check_interval_s: float
) -> None:
    """Close the socket when its token expires (timed), or when a periodic check finds the
    session revoked (a lost notice from another process) or the account erased."""
    while not socket.closed:
        try:
            left_ms = await session_left()
        except Exception as error:  # the database is down: keep the socket, check again
            log.warning("live: session check failed (%s); retrying", type(error).__name__)
            left_ms = int(check_interval_s * 1000)
        if left_ms <= 0:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.close(code=CLOSE_SIGNED_OUT, message=b"session ended")
            return
        await asyncio.sleep(min(left_ms / 1000, check_interval_s))
