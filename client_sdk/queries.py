"""Choosing entries: by time range, tag and emotion, in order, up to a limit; and "on this
day" in earlier years. Pure: no I/O and no clock.

Days are the writer's local days (each entry's own UTC offset, see `insights.entry_day`):
an entry written at 23:30 in New York on 1 October belongs to 1 October, wherever it is read.

    select_entries(entries, since=date(2026, 10, 1), tag="sleep", limit=20)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo

from client_sdk.errors import InvalidInput
from client_sdk.insights import entry_day
from client_sdk.models import Entry

Moment = date | datetime


def select_entries(
    entries: Iterable[Entry],
    *,
    since: Moment | None = None,
    until: Moment | None = None,
    tag: str | None = None,
    emotion: str | None = None,
    limit: int | None = None,
    newest_first: bool = True,
    tz: tzinfo | None = None,
) -> list[Entry]:
    """The entries that match every filter given, sorted by `created_at` (newest first unless
    `newest_first` is False), at most `limit` of them.

    - `since` / `until`: inclusive bounds. A `date` is a whole day, compared with the day the
      entry was written in the writer's local time; a `datetime` (aware) is an instant,
      compared with `created_at`.
    - `tag`: entries carrying this tag, ignoring case; `emotion`: carrying this emotion.
    - `tz`: the zone for entries written before UTC offsets were recorded (None: local).

    Raises InvalidInput for a naive datetime, `since` after `until`, or `limit` below 1.
    """
    if limit is not None and limit < 1:
        raise InvalidInput("limit is at least 1")
    for bound in (since, until):
        if isinstance(bound, datetime) and bound.tzinfo is None:
            raise InvalidInput("since and until need a time zone (an aware datetime) or a date")
    if since is not None and until is not None and _key(since) > _key(until):
        raise InvalidInput("since is after until")
    wanted_tag = tag.strip().casefold() if tag is not None else None
    wanted_emotion = emotion.strip().casefold() if emotion is not None else None
    found = [
        entry
        for entry in entries
        if _within(entry, since, until, tz)
        and (wanted_tag is None or wanted_tag in {t.casefold() for t in entry.tags})
        and (wanted_emotion is None or wanted_emotion in entry.emotions)
    ]
    found.sort(key=lambda e: (e.created_at, e.id), reverse=newest_first)
    return found if limit is None else found[:limit]


def on_this_day(entries: Iterable[Entry], today: date, tz: tzinfo | None = None) -> list[Entry]:
    """Entries written on today's month and day in earlier years (writer's local day),
    newest year first. 29 February is remembered on 28 February in other years."""
    wanted = (today.month, today.day)
    found = []
    for entry in entries:
        day = entry_day(entry, tz)
        if day.year >= today.year:
            continue
        shown = (2, 28) if (day.month, day.day) == (2, 29) and not _leap(today.year) else None
        if (day.month, day.day) == wanted or shown == wanted:
            found.append(entry)
    found.sort(key=lambda e: (e.created_at, e.id), reverse=True)
    return found


def _within(entry: Entry, since: Moment | None, until: Moment | None, tz: tzinfo | None) -> bool:
    for bound, after in ((since, True), (until, False)):
        if bound is None:
            continue
        if isinstance(bound, datetime):
            value: date | datetime = entry.created_at
        else:
            value = entry_day(entry, tz)
        if (value < bound) if after else (value > bound):
            return False
    return True


def _key(moment: Moment) -> datetime:
    """A comparable instant: a date is its local midnight (only used to order the bounds)."""
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day).astimezone()


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
