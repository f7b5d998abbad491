"""Waiting out a server's write-rate limit during a sync, within bounds (pure bookkeeping).

A server limits how many records (and bytes) one account may write per minute (protocol.md
2.7: 429 `write_rate_exceeded`, with `Retry-After` the seconds left in its one-minute
window). A device with more changes waiting than that (a long offline stretch, a large
import) pushes what the server accepts, then either waits as the server asks or stops and
says so; its outbox stays on the device and the next sync goes on where this one stopped.

Every wait is bounded three ways, so that no server, honest or lying, can keep a device
waiting for ever:

- one wait is believed up to MAX_ONE_WAIT_S (twice the server's one-minute window): a longer
  `Retry-After` is not waited for, and the report says the server asked for more
  (`UploadLimit.capped`);
- the waits of one sync add up to at most the budget its caller gave (`Client.sync`'s
  `max_upload_wait`);
- a wait after which the server still accepts nothing counts as idle: after MAX_IDLE_WAITS
  of them in a row the sync stops, whatever the budget (a server that keeps answering 429
  with `Retry-After: 0` or 1 costs at most a few calls).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from client_sdk.models import json_time

MAX_ONE_WAIT_S = 120.0
"""The longest single wait believed, in seconds: twice the one-minute window of protocol.md
2.7, so an honest server's Retry-After (at most 60 s) always fits."""
MIN_ONE_WAIT_S = 1.0
"""The shortest wait, in seconds: a Retry-After of 0 is waited for as 1 s (RFC 9110 allows
0; protocol.md 2.4 says a server sends at least 1)."""
MAX_IDLE_WAITS = 3
"""Waits in a row after which the server accepted nothing, before a sync stops waiting."""
DEFAULT_WAIT_S = 30.0
"""`Client.sync`'s default budget of waits, in seconds: what the SDK waits for any transient
failure (transport.RetryPolicy.longest_wait). `tj sync` passes a longer one."""


@dataclass(frozen=True)
class UploadLimit:
    """In `SyncReport.upload_limit`: the server's write-rate limit stopped this sync's push.

    `waiting` changes are still in the outbox, kept on this device; the next sync pushes them
    (the server says it accepts more from `retry_at`, UTC). `asked_s` is the wait the server
    asked for, in seconds; `capped` is True when that was more than MAX_ONE_WAIT_S, too long
    to believe: then `retry_at` is MAX_ONE_WAIT_S from now. `waited_s` is how long this sync
    waited before stopping; `code` the server's error code (`write_rate_exceeded`).
    """

    waiting: int
    retry_at: datetime
    asked_s: float
    capped: bool
    waited_s: float
    code: str

    def describe(self) -> str:
        """The plain-words sentence `tj sync` prints (times in UTC; `tj` shows local time)."""
        return describe(self, f"{self.retry_at:%H:%M} UTC")

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC."""
        return {
            "waiting": self.waiting,
            "retry_at": json_time(self.retry_at),
            "asked_s": self.asked_s,
            "capped": self.capped,
            "waited_s": round(self.waited_s, 3),
            "code": self.code,
        }


def describe(limit: UploadLimit, at: str) -> str:
    """`limit` in words, with `at` standing for `limit.retry_at` as the reader's clock shows
    it (e.g. "14:05")."""
    changes = f"{limit.waiting:,} change{'s' if limit.waiting != 1 else ''}"
    text = (
        "the server limits how fast one account can upload; "
        f"{changes} {'are' if limit.waiting != 1 else 'is'} waiting on this device and will "
        f"upload at the next sync from {at}"
    )
    if limit.capped:
        text += (
            f" (the server asked this device to wait {_duration(limit.asked_s)}, longer than "
            f"the {_duration(MAX_ONE_WAIT_S)} a device believes; it tries again then)"
        )
    return text


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 86400:,.0f} days"


Sleep = Callable[[float], Awaitable[None]]
Now = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class UploadWaits:
    """The waits of one sync's push for the server's write-rate limit.

    `next_wait(asked)` after each 429: the seconds to wait before pushing the same batch
    again, or None to stop pushing (then `stop(...)` builds the report). `accepted()` after
    every batch the server acknowledges.
    """

    def __init__(self, budget_s: float, now: Now = utc_now) -> None:
        self.budget_s = max(budget_s, 0.0)
        self.waited_s = 0.0
        self._idle = 0
        self._now = now
        self._asked = 0.0

    def accepted(self) -> None:
        self._idle = 0

    def next_wait(self, asked: float | None) -> float | None:
        """Seconds to wait for a 429 that asked for `asked` seconds (None: no Retry-After,
        read as a whole window, 60 s), or None when this sync stops waiting: the wait is
        above MAX_ONE_WAIT_S, beyond what is left of the budget, or MAX_IDLE_WAITS waits in
        a row brought nothing."""
        self._asked = 60.0 if asked is None else max(asked, 0.0)
        wait = max(self._asked, MIN_ONE_WAIT_S)
        if wait > MAX_ONE_WAIT_S or self.waited_s + wait > self.budget_s:
            return None
        if self._idle >= MAX_IDLE_WAITS:
            return None
        self._idle += 1
        self.waited_s += wait
        return wait

    def stop(self, waiting: int, code: str) -> UploadLimit:
        """The report of a push that stopped with `waiting` changes left in the outbox."""
        capped = self._asked > MAX_ONE_WAIT_S
        wait = MAX_ONE_WAIT_S if capped else max(self._asked, MIN_ONE_WAIT_S)
        return UploadLimit(
            waiting,
            self._now() + timedelta(seconds=wait),
            self._asked,
            capped,
            self.waited_s,
            code,
        )
