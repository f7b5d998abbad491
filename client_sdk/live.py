"""The live channel on the SDK side: a WebSocket that yields notices, reconnecting with backoff.

`notices()` yields a "hello" notice after every (re)connection, so a caller that syncs on each
notice also catches up on whatever changed while it was disconnected.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import aiohttp

from client_sdk import wire
from client_sdk.errors import NOT_A_JOURNAL_SERVER, SIGNED_OUT, AuthError, TJError
from client_sdk.models import Notice
from client_sdk.transport import LiveCalls, Transport, upgrade_refusal

T = TypeVar("T")
LIVE_PATH = "/v1/live"
CLOSE_SIGNED_OUT = 4001
HEARTBEAT_S = 30.0  # a silent peer is declared gone after a missed ping
CLOSE_WAIT_S = 5.0  # on closing, how long to wait for the server's close frame before dropping
MAX_RETRY_AFTER_S = 600.0  # a refused live connection is asked again after at most this
MISSING_RETRY_AFTER_S = 30.0


@dataclass(frozen=True)
class Backoff:
    """Delays between reconnection attempts: doubling from `first` up to `cap` seconds, with
    jitter. Only a connection that stayed open `stable` seconds starts again from `first`:
    a server that closes every socket at once (overloaded, refusing) is not hammered."""

    first: float = 0.25
    cap: float = 30.0
    stable: float = 10.0

    def delays(self) -> AsyncIterator[float]:
        """Seconds to wait before each reconnection attempt, forever (jittered)."""
        return _delays(self)


async def _delays(backoff: Backoff) -> AsyncIterator[float]:
    delay = backoff.first
    while True:
        yield delay * (0.5 + random.random() / 2)
        delay = min(delay * 2, backoff.cap)


DEFAULT_BACKOFF = Backoff()


def live_url(base_url: str) -> str:
    scheme, rest = base_url.split("://", 1)
    return ("wss" if scheme == "https" else "ws") + "://" + rest + LIVE_PATH


async def notices(
    transport: Transport, backoff: Backoff = DEFAULT_BACKOFF, calls: bool = False
) -> AsyncGenerator[wire.LiveNotice | None, None]:
    """Yield notices forever; reconnect after failures; raise AuthError if signed out.
    None means the channel was lost (or could not be opened): yielded once per outage, when
    the first connection attempt fails or a connection ends, not at every retry. `calls`:
    while a socket is open, `transport` sends its `/v1/sync` requests on it
    (`Transport.live_calls`), their replies read here: only for a caller that reads the
    notices as they come, whatever it does meanwhile (an `Inbox`), or a reply would wait
    for the caller's sync that waits for it."""
    delays = backoff.delays()
    up = True  # a first attempt that fails is an outage too
    while True:
        opened = time.monotonic()
        at_least = 0.0
        try:
            # aclosing: when the caller stops, the socket closes now, not at garbage collection
            async with contextlib.aclosing(_one_connection(transport, calls)) as connection:
                async for notice in connection:
                    up = up or notice.kind == wire.LIVE_HELLO
                    if notice.kind == wire.LIVE_HELLO:
                        transport.live_not_ours = None
                    yield notice
        except _Refused as refused:
            at_least = refused.retry_after_s
        except aiohttp.WSServerHandshakeError:
            pass  # `transport.live_not_ours` said by `_one_connection` (nu83 F5)
        except (TimeoutError, aiohttp.ClientError, OSError, wire.WireError):
            transport.live_not_ours = None
        if up:
            up = False
            yield None
        if time.monotonic() - opened >= backoff.stable:
            delays = backoff.delays()
        await asyncio.sleep(max(await anext(delays), at_least))


class _Refused(Exception):
    """The server refused the live connection for now (429 `live_limit`: this device or
    account already holds the most live sockets it allows), for `retry_after_s` seconds:
    `notices` asks again after that long, never sooner, and raises nothing meanwhile (the
    caller's syncs go on)."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"refused for {retry_after_s} s")
        self.retry_after_s = retry_after_s


def _retry_after_s(error: aiohttp.WSServerHandshakeError) -> float:
    """The refusal's Retry-After in seconds (RFC 9110 delay-seconds), within 1 s to 10 min;
    a missing or unreadable one counts as MISSING_RETRY_AFTER_S."""
    value = error.headers.get("Retry-After", "") if error.headers is not None else ""
    try:
        return min(max(float(int(value)), 1.0), MAX_RETRY_AFTER_S)
    except ValueError:
        return MISSING_RETRY_AFTER_S


async def _one_connection(
    transport: Transport, calls: bool = False
) -> AsyncGenerator[wire.LiveNotice, None]:
    """The notices of one socket. A frame that breaks the protocol (a notice longer than
    wire.MAX_LIVE_NOTICE_BYTES, a frame that is not a `LiveNotice` within its fields' limits:
    more than wire.MAX_LIVE_RECORDS records, say; a reply to no call waiting) ends the
    socket, none of it yielded: `notices` says the channel was lost and reconnects, and the
    sync after the next hello pulls as usual. With `calls`, the upgrade asks for calls
    (wire.LIVE_CALLS_HEADER) and, once the server's hello says it takes them, the socket
    carries `transport`'s `/v1/sync` requests while it is open (`LiveCalls`): a reply (kind
    LIVE_REPLY, a frame within the same wire.MAX_LIVE_NOTICE_BYTES) goes to its call, never
    yielded. A server
    that does not say so (from before calls) gets every request over HTTP."""
    headers = {"Authorization": f"Bearer {transport.token}"}
    if calls:
        headers[wire.LIVE_CALLS_HEADER] = "1"
    try:
        # A 3xx is a failed connect (retried after the backoff), never followed: the token
        # goes to the server's address only (REV-S3, protocol.md 2.1).
        socket = await transport.live_session().ws_connect(
            live_url(transport.base_url) + "?" + wire.LIVE_RECORDS_QUERY,  # records ride along
            headers=headers,
            heartbeat=HEARTBEAT_S,
            timeout=aiohttp.ClientWSTimeout(ws_close=CLOSE_WAIT_S),
            # a frame past the protocol's largest is not read: the socket is dropped
            max_msg_size=wire.MAX_LIVE_NOTICE_BYTES,
        )
    except aiohttp.WSServerHandshakeError as error:
        refusal = upgrade_refusal(error, LIVE_PATH, transport.base_url)
        if error.status == 401 and signed_out(refusal):
            raise AuthError(
                "this device was signed out or its session expired; log in again",
                subject=SIGNED_OUT,
            ) from None
        if error.status == 429:
            raise _Refused(_retry_after_s(error)) from None
        not_ours = refusal.subject == NOT_A_JOURNAL_SERVER
        transport.live_not_ours = error.status if not_ours else None  # said (nu83 F5)
        raise
    carried = LiveCalls(socket) if calls else None
    try:
        async with socket:
            async for message in socket:
                if message.type == aiohttp.WSMsgType.BINARY:
                    notice = _frame(message.data, carried)
                    if notice is None:
                        continue
                    if notice.kind == wire.LIVE_HELLO and notice.calls and carried is not None:
                        transport.live_calls = carried  # the server takes calls: from now on
                    yield notice
                elif message.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                    break
    finally:
        if carried is not None:
            carried.ended()
            if transport.live_calls is carried:
                transport.live_calls = None
    if socket.close_code == CLOSE_SIGNED_OUT:
        raise AuthError("this device was signed out; log in again", subject=SIGNED_OUT)


def signed_out(refusal: TJError) -> bool:
    """Whether the upgrade's refusal (`transport.upgrade_refusal`) is this API's own 401: only
    that signs the device out. Any other answer (a portal's or a proxy's HTML 401 asking for
    its own sign-in: subject NOT_A_JOURNAL_SERVER) is a failed connect, retried after the
    backoff as for a server that cannot be reached (rev33a F7)."""
    return isinstance(refusal, AuthError) and refusal.subject != NOT_A_JOURNAL_SERVER


def _frame(data: bytes, carried: LiveCalls | None) -> wire.LiveNotice | None:
    """The notice a frame holds, or None for a reply handed to its call (`carried`).
    Raises WireError for a frame that breaks the protocol."""
    if len(data) > wire.MAX_LIVE_NOTICE_BYTES:  # aiohttp's max_msg_size refuses it first
        raise wire.WireError("too_large", "a live frame longer than the largest notice")
    notice = wire.decode(wire.LiveNotice, data)
    if notice.kind == wire.LIVE_REPLY and carried is not None:
        carried.answered(notice)
        return None
    return notice


MAX_WAITING = 16
"""The most items an `Inbox` holds unread; one more, and its `squash` makes them a few (the
notices waiting: one "sync everything"), so a server that floods notices, or a consumer that
falls behind, costs bounded memory while the socket is still read (REV-SRV2 N1)."""


class Inbox(Generic[T]):
    """The items of an async iterator (the live channel's notices), read by a task of their
    own as they arrive, whatever the consumer does: the socket is always read, so the
    server's pings are answered (aiohttp answers one only while its socket is read) even
    while the consumer works, say a long sync, and the server does not drop it (REV-SRV2
    N1). The consumer can also tell which items arrived before it started some work: `take`
    one, `drop()` those waiting that the work about to start covers (the items for which
    `covered` holds).

    Items for which `covered` holds (meta notices: "sync") collapse while waiting: one
    arriving while another waits is dropped, as the same sync brings both. When more than
    MAX_WAITING wait, `squash` makes them fewer (it is given the items waiting, oldest
    first, and returns those to keep, fewer than MAX_WAITING; `squash_notices` for the live
    channel's). An exception of the iterator (AuthError) is raised by `take` once the items
    read before it are taken; its end, as StopAsyncIteration. `put` adds an item from
    elsewhere (a write of this process: `Client.watch()`), dropped while an equal one waits.
    `close()` stops the reader (awaited), before the iterator itself is closed."""

    def __init__(
        self,
        source: AsyncIterator[T],
        covered: Callable[[T], bool],
        squash: Callable[[list[T]], list[T]],
    ) -> None:
        self._source = source
        self._covered = covered
        self._squash = squash
        self._items: collections.deque[T] = collections.deque()
        self._arrived = asyncio.Event()
        self._ended: BaseException | None = None
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        try:
            async for item in self._source:
                if self._covered(item) and any(self._covered(i) for i in self._items):
                    continue  # the same news as one already waiting
                self._items.append(item)
                if len(self._items) > MAX_WAITING:
                    self._items = collections.deque(self._squash(list(self._items)))
                self._arrived.set()
            self._ended = StopAsyncIteration()
        except Exception as error:  # raised by `take`, after what came before it
            self._ended = error
        finally:
            if self._ended is None:
                self._ended = StopAsyncIteration()
            self._arrived.set()

    def put(self, item: T) -> None:
        """Add `item` after those waiting, unless an equal one waits already (the work it
        starts covers both: a burst of local writes costs one sync once the one running
        ends). Never squashes: with equal items collapsing, the items put add one each of
        their kinds at most to the MAX_WAITING the source may fill."""
        if item in self._items:
            return
        self._items.append(item)
        self._arrived.set()

    async def take(self, timeout: float | None = None) -> T | None:
        """The next item, waiting at most `timeout` seconds (None: as long as it takes) for
        one: None when none came in time."""
        if not self._items and self._ended is None:
            self._arrived.clear()
            # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation of this task
            # that comes as an item arrives (it returns the item), and a cancelled watch()
            # would then go on forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._arrived.wait()
        if self._items:
            return self._items.popleft()
        if self._ended is not None:
            raise self._ended
        return None

    def drop(self, covered: Callable[[T], bool] | None = None) -> int:
        """Drop the waiting items `covered` (by default the one given at construction)
        holds for (work about to start brings what they announce); returns how many."""
        covers = covered or self._covered
        kept = [item for item in self._items if not covers(item)]
        dropped = len(self._items) - len(kept)
        self._items = collections.deque(kept)
        return dropped

    async def close(self) -> None:
        """Stop reading (the source is then free to be closed by its owner): the reader is
        cancelled and awaited, so no task is left behind. A cancellation of the task that
        closes, while it waits for the reader to end, is raised, not swallowed."""
        task = asyncio.current_task()
        cancelling = task.cancelling() if task is not None else 0
        self._reader.cancel()
        try:
            await self._reader
        except asyncio.CancelledError:
            if task is not None and task.cancelling() > cancelling:
                raise


EVERYTHING = Notice(False, None, 0, meta=True)
"""What the journal and meta notices waiting become past MAX_WAITING (`squash_notices`): a
meta notice, after which `watch()` runs an ordinary sync, which brings everything."""


def squash_notices(
    items: list[tuple[Notice, wire.LiveNotice | None]],
) -> list[tuple[Notice, wire.LiveNotice | None]]:
    """The live channel's notices waiting in an `Inbox` (`Client.live()`, `Client.watch()`)
    made a few, once more than MAX_WAITING wait: nothing is lost, since an ordinary sync
    started after they arrived brings everything they announce. Kept, in this order: the
    first `lost` notice if any (the consumer learns the channel was lost once, not once per
    outage), the last `connected` one if it came after the last `lost` (the channel is open
    again: sync), one `meta` notice ("sync everything", without the server's message) for
    every journal and meta notice, and this process's write (`local`) if one waits. Pure."""
    lost = next((item for item in items if item[0].lost), None)
    hello: tuple[Notice, wire.LiveNotice | None] | None = None
    for item in items:
        if item[0].lost:
            hello = None
        elif item[0].connected:
            hello = item
    news: tuple[Notice, wire.LiveNotice | None] | None = None
    if any(not (n.lost or n.connected or n.local) for n, _ in items):
        news = (EVERYTHING, None)
    local = next((item for item in items if item[0].local), None)
    return [item for item in (lost, hello, news, local) if item is not None]


@dataclass
class LocalPushes:
    """When `Client.watch()` syncs to push this process's writes: at once for a write made
    after a quiet spell (no latency added), else `gap` seconds after the last such sync
    started, one sync then for every write made meanwhile: a loop of writes costs one sync
    per `gap` at most (plus one for the writes a sync longer than `gap` did not send).
    Pure: the caller passes the time (the event loop's clock)."""

    gap: float
    started: float | None = None
    """When the last sync for this process's writes started."""
    due: float | None = None
    """When a sync is owed for writes made since (None: none is)."""

    def wrote(self, now: float) -> bool:
        """A write waits to be sent: True to sync now, else one is due at `due`."""
        if self.due is None and self.started is not None and now < self.started + self.gap:
            self.due = self.started + self.gap
        return self.due is None

    def wait(self, now: float) -> float | None:
        """Seconds until the sync owed is due (None: none is owed)."""
        return None if self.due is None else max(self.due - now, 0.0)

    def is_due(self, now: float) -> bool:
        return self.due is not None and now >= self.due

    def syncing(self, now: float, pushes: bool) -> None:
        """A sync starts: it sends every write made until now (none is owed any more);
        `pushes`: it started for this process's writes."""
        self.due = None
        if pushes:
            self.started = now
