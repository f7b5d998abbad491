"""A device's clock set ahead of the wall clock (`Replica.clock`), for tests of signed end
dates: a sync then judges an end date passed without the test waiting for it in real time."""

from __future__ import annotations

from datetime import datetime

from client_sdk.models import now_ms

PAST_MS = 500
"""How far past the moment `AheadClock.past` is given the clock reads, at least."""


class AheadClock:
    """The wall clock (ms, UTC) plus `ahead_ms`, which only ever grows: as the wall clock
    would read later, never set back."""

    def __init__(self) -> None:
        self.ahead_ms = 0

    def __call__(self) -> int:
        return now_ms() + self.ahead_ms

    def past(self, moment: datetime) -> None:
        """From now on, read at least PAST_MS past `moment` (an aware datetime)."""
        wanted = int(moment.timestamp() * 1000) + PAST_MS - now_ms()
        self.ahead_ms = max(self.ahead_ms, wanted)
