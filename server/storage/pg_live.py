"""Live notices between server processes over PostgreSQL: `NOTIFY tj_live` / `LISTEN tj_live`.

Every process publishes its events (a journal's new head, a device signed out, an account
erased) with `pg_notify` and hears everyone's, its own included, on one dedicated connection,
so a device connected to any process hears about a change made through any other. No other
broker. A payload is base64 msgpack `[kind, [account ids], journal id, head, device id]`;
an event naming more accounts than fit PostgreSQL's 8000-byte payload is split in several.

If the listening connection drops, notices sent meanwhile are lost; once it is back, the
process delivers a "resync" event, and the live hub closes its sockets with 1001 (going away)
so every device reconnects and catches up with a normal sync: a lost notice costs latency,
never a record. A notice this process fails to send (`pg_notify` fails: the database or
the pool is unavailable) is lost for every process, so the same holds: this process delivers
a "resync" to its own devices at once, and a background task publishes a "resync" to every
process, trying again with backoff (RESYNC_RETRY_S) while the database is unavailable, so
every process closes its sockets and its devices catch up (rev31c F4). After RESYNC_TRIES
failures it gives up with an error in the log; the other processes' devices then learn of
the change at their next sync (or reconnection, if those processes lost their notice
connection too).

The same connection holds this process's **worker key**: a session advisory lock
(WORKER_LOCK_SPACE, key), a new random key at each (re)connection. The live sockets each
process counts in the `live_sockets` table (storage/postgres.py) carry its key, and a row
counts only while that key is locked: a process that dies, or loses this connection (and so
closes its sockets), loses its lock with its connection, and its rows stop counting at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import secrets

import asyncpg
import msgpack

from server.storage.base import LiveEvent, LiveHandler

log = logging.getLogger("tj.server.postgres")
CHANNEL = "tj_live"
NOTIFY_MAX_CHARS = 7000  # PostgreSQL's NOTIFY payload limit is 8000 bytes
ACCOUNTS_PER_PAYLOAD = NOTIFY_MAX_CHARS // 32  # 16-byte ids, in base64 msgpack with overhead
RECONNECT_S = 1.0
# Events heard but not yet delivered. Delivery never waits for a peer (each live socket has
# its own bounded outbox, server/live.py), so the queue only grows while the loop is starved;
# past this bound it is replaced by one "resync" (devices reconnect and catch up).
MAX_QUEUED_EVENTS = 10_000
# A "resync" for a notice this process could not send: tried at once, then again after each
# of these delays (doubling, capped), RESYNC_TRIES times in all (about 7 minutes); each try waits
# at most RESYNC_ACQUIRE_S for a connection of the pool.
RESYNC_RETRY_S = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
RESYNC_TRIES = 20
RESYNC_ACQUIRE_S = 10.0
WORKER_LOCK_SPACE = 0x746A6C76  # "tjlv": first key of the worker keys' advisory locks
ACCOUNT_LOCK_SPACE = 0x746A6C61  # "tjla": first key of the per-account live-slot lock
# The worker keys held now, by any process on this database (pg_advisory_lock(int4, int4)
# shows as classid = first key, objid = second key, objsubid = 2).
LIVE_WORKERS = (
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted "
    f"AND classid = {WORKER_LOCK_SPACE} AND objsubid = 2 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
UNAVAILABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresError,
    # A connection whose server process died between two statements: asyncpg's protocol
    # waits for a ReadyForQuery that never comes, and the next statement (a ROLLBACK
    # included) raises this instead of ConnectionDoesNotExistError. The pool drops it.
    asyncpg.InternalClientError,
)


def encode_events(event: LiveEvent) -> list[str]:
    """NOTIFY payloads for an event: several when its accounts do not fit in one."""
    accounts = list(event.account_ids)
    chunks = [accounts[i : i + ACCOUNTS_PER_PAYLOAD] for i in range(0, len(accounts), ACCOUNTS_PER_PAYLOAD)]  # fmt: skip
    payloads = []
    for chunk in chunks or [[]]:
        body = msgpack.packb(
            [event.kind, chunk, event.journal_id, event.head, event.device_id], use_bin_type=True
        )
        payloads.append(base64.b64encode(body).decode("ascii"))
    return payloads


def decode_event(payload: str) -> LiveEvent:
    kind, accounts, journal_id, head, device_id = msgpack.unpackb(base64.b64decode(payload))
    return LiveEvent(str(kind), tuple(bytes(a) for a in accounts), bytes(journal_id), int(head),
                     bytes(device_id))  # fmt: skip


async def notify(pool: asyncpg.Pool, event: LiveEvent, timeout: float | None = None) -> None:
    """NOTIFY every process of `event`; raises one of UNAVAILABLE if it may not have been."""
    async with pool.acquire(timeout=timeout) as connection:
        for payload in encode_events(event):
            await connection.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)


async def publish(pool: asyncpg.Pool, event: LiveEvent, listener: Listener) -> None:
    """Send `event` to every process; if it may not have gone, resync every process."""
    try:
        await notify(pool, event)
    except UNAVAILABLE as error:
        log.warning("live notice not sent: %s; devices told to resync", type(error).__name__)
        listener.notice_lost(pool)


class Listener:
    """One LISTEN connection; calls the handlers for every event, in arrival order."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._handlers: list[LiveHandler] = []
        self._events: asyncio.Queue[LiveEvent] = asyncio.Queue()
        self._connection: asyncpg.Connection | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._resync_wanted = False  # a "resync" to publish (notice_lost)
        self._resyncing: asyncio.Task[None] | None = None
        self.worker_key: int | None = None  # while the connection (and its lock) is up

    async def subscribe(self, handler: LiveHandler) -> None:
        self._handlers.append(handler)
        if not self._tasks:
            await self._listen()
            self._tasks.append(asyncio.create_task(self._deliver()))

    async def close(self) -> None:
        self._closing = True
        tasks = self._tasks + ([self._resyncing] if self._resyncing is not None else [])
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.close()

    async def _listen(self) -> None:
        connection = await asyncpg.connect(self._url)
        connection.add_termination_listener(self._lost)
        while True:  # a random key that no other process holds
            key = 1 + secrets.randbelow(2**31 - 1)
            if await connection.fetchval(
                "SELECT pg_try_advisory_lock($1, $2)", WORKER_LOCK_SPACE, key
            ):
                break
        await connection.add_listener(CHANNEL, self._on_notification)
        self._connection = connection
        self.worker_key = key

    def _on_notification(self, _c: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            event = decode_event(str(payload))
        except (ValueError, TypeError, msgpack.ExtraData, msgpack.FormatError):
            log.warning("ignored a malformed live notice")
            return
        self._queue(event)

    def _queue(self, event: LiveEvent) -> None:
        if self._events.qsize() >= MAX_QUEUED_EVENTS:
            log.warning("%d live notices waiting; dropped for a resync", self._events.qsize())
            while not self._events.empty():
                self._events.get_nowait()
            event = LiveEvent("resync", ())
        self._events.put_nowait(event)

    def _lost(self, _connection: object) -> None:
        self.worker_key = None
        if not self._closing:
            log.warning("live notice connection lost; reconnecting")
            self._tasks.append(asyncio.create_task(self._relisten()))

    async def _relisten(self) -> None:
        while not self._closing:
            await asyncio.sleep(RECONNECT_S)
            try:
                await self._listen()
            except UNAVAILABLE as error:
                log.warning("live notice connection failed: %s", type(error).__name__)
                continue
            self._queue(LiveEvent("resync", ()))
            return

    def notice_lost(self, pool: asyncpg.Pool) -> None:
        """A notice this process could not send: its own devices resync now, every
        process's once a "resync" goes through (`_publish_resync`)."""
        self._queue(LiveEvent("resync", ()))
        self._resync_wanted = True  # a try already under way may be older than the loss
        if self._resyncing is None or self._resyncing.done():
            self._resyncing = asyncio.create_task(self._publish_resync(pool))

    async def _publish_resync(self, pool: asyncpg.Pool) -> None:
        tries = 0
        while self._resync_wanted and not self._closing:
            self._resync_wanted = False
            try:
                await notify(pool, LiveEvent("resync", ()), RESYNC_ACQUIRE_S)
                tries = 0
                continue  # once more if another notice was lost meanwhile
            except UNAVAILABLE as error:
                self._resync_wanted = True
                tries += 1
                if tries >= RESYNC_TRIES:
                    log.error(
                        "live resync not sent after %d tries (%s): devices on other server "
                        "processes learn of the lost notice at their next sync",
                        tries, type(error).__name__,
                    )  # fmt: skip
                    self._resync_wanted = False
                    return
            await asyncio.sleep(RESYNC_RETRY_S[min(tries, len(RESYNC_RETRY_S)) - 1])

    async def _deliver(self) -> None:
        while True:
            event = await self._events.get()
            for handler in self._handlers:
                try:
                    await handler(event)
                except Exception:
                    log.exception("live notice delivery failed")
