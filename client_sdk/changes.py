"""The change feed: what changed on this device, for an app's UI to follow.

    async with client.changes(live=True) as feed:
        async for change in feed:
            if change.kind == "entry":
                show(await client.entries.get(change.id))

Three sources feed it: writes made on this device (`origin="local"`, as the write returns),
documents a sync merged from the server (`origin="sync"`, page by page as the sync stores
them), and, with `live=True`, syncs the feed itself runs whenever the server's live channel
announces new records (also `origin="sync"`). `client.on_change(callback)` follows the same
feed with a plain function.

A change says which document changed, not how: read the document to see it (it may be in
the trash, or deleted, by then). Each local write gives one change; a sync gives one change
per document it merged records into.

Listeners are told after the change is stored, and are kept apart from the write and from
each other: an exception a callback raises never fails the write or sync that stored the
change (it is saved; retrying it would save it twice), and every other listener is still
called. It is logged as a WARNING of the logger "client_sdk.changes" naming the callback and
the exception's type only (never its message, which may quote the user's writing): catch
and report your callback's own errors inside it.

A live feed also tells what its own syncs have to say to the user beyond the documents they
merged: a change of kind "report" (`REPORT`) carries the sync's `SyncReport` (`Change.report`)
whenever it has such news (`SyncReport.has_notices`): a share that ended or started, a field
this device changed that another device's change settled, a text merged, a safety flag
sealed late, an edit overtaken by a trash, a change set aside, records withheld. Show
`change.report.lines()`. (A `sync()` the app runs returns its report to it: no such change.)
The share changes of those syncs are also kept for `client.unseen_departures()`, as a
`sync()`'s are. It also says when it goes offline and back: a change of kind "live lost"
(`LIVE_LOST`) once its live channel is lost or cannot be opened, and one of kind "live back"
(`LIVE_BACK`) once a sync of it reached the server again (an app shows "offline" between
them; the feed keeps trying, with backoff, all along).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from client_sdk.models import json_time

if TYPE_CHECKING:
    from client_sdk.sync import SyncReport

Origin = Literal["local", "sync"]

_log = logging.getLogger(__name__)

REPORT = "report"
"""The kind of a `Change` that carries a live feed's sync report (`Change.report`)."""

LIVE_LOST = "live lost"
"""The kind of a `Change` a live feed gives, once, when its live channel is lost or cannot be
opened (the server stopped, the network went away): until a LIVE_BACK, changes made elsewhere
do not arrive and this device's writes wait on it (saved; they go out once the server
answers). The feed keeps trying with backoff meanwhile: keep reading it."""

LIVE_BACK = "live back"
"""The kind of a `Change` a live feed gives after a LIVE_LOST, once one of its syncs reached
the server again: the changes that sync merged (made elsewhere meanwhile) come before it."""

FEED_KINDS = frozenset({REPORT, LIVE_LOST, LIVE_BACK})
"""The kinds of the feed's own changes, which no document may have (a record naming one is
refused where records are applied), so that a document never poses as one."""


@dataclass(frozen=True)
class Change:
    """One document that changed on this device.

    - `kind`: the document's kind, e.g. "entry", "goal", "note", "prompt", "measure",
      "safety_flag" (protocol.md §5); read it through the matching manager
      (`client.entries.get(id)`). Or "report" (`REPORT`, only in a live feed,
      `client.changes(live=True)`): one of the feed's syncs has something to tell the user,
      in `report` (`id`, `journal_id` and `journal` are then ""). No document has this
      kind: a record naming it is refused, so a change of kind "report" always has a
      `report`. Or "live lost" / "live back" (`LIVE_LOST`, `LIVE_BACK`, only in a live
      feed): its live channel was lost (or could not be opened), or it reached the server
      again after that (`id`, `journal_id` and `journal` are "", `report` None).
    - `id`: the document's id, 32 hex digits.
    - `journal_id`: its journal's id (32 hex digits); `journal`: that journal's name as
      `client.journals` shows it ("owner/name" for a journal shared with this account).
    - `origin`: "local" for a write made on this device, "sync" for records a sync merged
      from the server (written on another device, or by another account).
    - `at`: when this device stored the change, UTC.
    - `report`: for kind "report", the `SyncReport` of that sync, to show
      (`report.lines()`: a share that ended, a settled field with the value this device
      had, a merged text, a late safety flag, ...); None for a document's change.
    """

    kind: str
    id: str
    journal_id: str
    journal: str
    origin: Origin
    at: datetime
    report: SyncReport | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape; `at` is ISO 8601 in UTC."""
        found: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "journal_id": self.journal_id,
            "journal": self.journal,
            "origin": self.origin,
            "at": json_time(self.at),
        }
        if self.report is not None:  # the report's JSON shape (SyncReport.to_dict)
            found["report"] = self.report.to_dict()
        return found


ChangeListener = Callable[[Change], None]
"""A function called with each Change, synchronously, on the event loop (keep it quick).
What it raises is logged and dropped (see the module docstring); it must not be a
coroutine function (`client.changes()` is the feed for async code)."""


class ChangeFeed:
    """Fans changes out to listeners (internal: each `Client` owns one)."""

    def __init__(self) -> None:
        self._listeners: list[ChangeListener] = []

    @property
    def listened(self) -> bool:
        """Whether any listener is subscribed (a change nobody hears is not built)."""
        return bool(self._listeners)

    def publish(self, changes: list[Change]) -> None:
        """Call every listener with every change, in order. A listener that raises is logged
        (a WARNING: its name and the exception's type, no payload) and the others are
        called all the same: the change is stored already, and its write or sync must not
        fail for an app's callback. A listener that returns a coroutine (an async function
        wrapped in a plain one) has it closed, never run, and is logged alike."""
        for change in changes:
            for listener in list(self._listeners):
                try:
                    returned: object = listener(change)
                except Exception as error:
                    _log.warning(
                        "a change listener (%s) raised %s; the change is stored, the other "
                        "listeners were called",
                        _name_of(listener),
                        type(error).__name__,
                    )
                    continue
                if inspect.iscoroutine(returned):
                    returned.close()  # never awaited: no "never awaited" warning either
                    _log.warning(
                        "a change listener (%s) returned a coroutine, which is not run: "
                        "use client.changes() from async code",
                        _name_of(listener),
                    )

    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Call `listener` with every change from now on; returns the function that stops it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe


def _name_of(listener: ChangeListener) -> str:
    """A listener's qualified name, for a log line (no payload)."""
    return str(getattr(listener, "__qualname__", None) or type(listener).__name__)


_END = object()


class ChangeStream:
    """What `client.changes()` returns: an async iterator of `Change`, subscribed from the
    moment it is created, so nothing written after that is missed. Use it as an async
    context manager, or call `aclose()`: that stops it (and closes the live channel it
    opened). `Client.close()` closes the streams still open."""

    def __init__(
        self,
        feed: ChangeFeed,
        follow: Callable[[ChangeListener], Awaitable[None]] | None,
        on_close: Callable[[ChangeStream], None],
    ) -> None:
        self._queue: asyncio.Queue[Change | BaseException | object] = asyncio.Queue()
        self._unsubscribe: Callable[[], None] | None = feed.subscribe(self._queue.put_nowait)
        self._follow = follow
        self._follower: asyncio.Task[None] | None = None
        self._on_close = on_close

    def __aiter__(self) -> ChangeStream:
        return self

    async def __anext__(self) -> Change:
        """The next change; raises what stopped the live channel (AuthError when this device
        was signed out), StopAsyncIteration once closed."""
        if self._unsubscribe is None and self._queue.empty():
            raise StopAsyncIteration
        if self._follow is not None and self._follower is None and self._unsubscribe:
            self._follower = asyncio.create_task(self._run_follower(self._follow))
        item = await self._queue.get()
        if isinstance(item, Change):
            return item
        await self.aclose()
        if isinstance(item, BaseException):
            raise item
        raise StopAsyncIteration

    async def _run_follower(self, follow: Callable[[ChangeListener], Awaitable[None]]) -> None:
        try:
            await follow(self._queue.put_nowait)  # a "report" change: this stream's alone
        except asyncio.CancelledError:
            raise
        except Exception as error:  # handed to the reader of the stream, raised there
            self._queue.put_nowait(error)
        else:
            self._queue.put_nowait(_END)

    async def aclose(self) -> None:
        """Stop: no more changes are collected and the live channel closes (idempotent)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
            self._queue.put_nowait(_END)
            self._on_close(self)
        follower, self._follower = self._follower, None
        if follower is not None and not follower.done():
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower

    async def __aenter__(self) -> ChangeStream:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
