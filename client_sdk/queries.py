"""Choosing entries: by time range, tag and emotion, in order, up to a limit; and "on this
day" in earlier years. Choosing results and homework by time range, up to a limit. Pure: no I/O and no clock.

Days are the writer's local days (each entry's own UTC offset, see `models.entry_day`):
an entry written at 23:30 in New York on 1 October belongs to 1 October, wherever it is read.

    select_entries(entries, since=date(2026, 10, 1), tag="sleep", limit=20)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import TypeVar

from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.models import Entry, entry_day, local_day

Moment = date | datetime
D = TypeVar("D")


def select_entries(
    entries: Iterable[Entry],
    *,
    since: Moment | None = None,
    until: Moment | None = None,
    tag: str | Iterable[str] | None = None,
    emotion: str | Iterable[str] | None = None,
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
      Either may be several names: entries carrying any of them (an empty list: no filter).
    - `tz`: the zone for entries written before UTC offsets were recorded (None: local).

    Raises InvalidInput for a naive datetime, `since` after `until`, or `limit` below 1.
    """
    check_bounds(since, until, limit)
    wanted_tags = _names(tag)
    wanted_emotions = _names(emotion)
    found = [
        entry
        for entry in entries
        if _within(entry, since, until, tz)
        and (not wanted_tags or not wanted_tags.isdisjoint(t.casefold() for t in entry.tags))
        and (not wanted_emotions or not wanted_emotions.isdisjoint(entry.emotions))
    ]
    found.sort(key=lambda e: (e.created_at, e.id), reverse=newest_first)
    return found if limit is None else found[:limit]


def local_bound(when: Moment | None) -> Moment | None:
    """A query bound as the SDK's methods take it: a date stays a whole day; a naive
    datetime is this device's local time."""
    if isinstance(when, datetime) and when.tzinfo is None:
        return when.astimezone()
    return when


def check_bounds(since: Moment | None, until: Moment | None, limit: int | None) -> None:
    """Raises InvalidInput (subject "bad value") for a naive datetime bound, `since` after
    `until`, or `limit` below 1."""
    if limit is not None and limit < 1:
        raise InvalidInput("limit is at least 1", subject=BAD_VALUE)
    for bound in (since, until):
        if isinstance(bound, datetime) and bound.tzinfo is None:
            raise InvalidInput(
                "since and until need a time zone (an aware datetime) or a date", subject=BAD_VALUE
            )
    if since is not None and until is not None and _key(since) > _key(until):
        raise InvalidInput("since is after until", subject=BAD_VALUE)


def select_dated(
    items: Iterable[D],
    moment: Callable[[D], datetime],
    *,
    since: Moment | None = None,
    until: Moment | None = None,
    limit: int | None = None,
    tz: tzinfo | None = None,
) -> list[D]:
    """The first `limit` of `items` (in their order) whose `moment(item)` (an aware
    datetime: a result's `taken_at`, homework's `created_at`) is within the inclusive
    bounds: a `date` is a whole day in `tz` (None: this device's local time, the time these
    items are shown in: they carry no writer's offset), an aware `datetime` an instant.

    Raises InvalidInput for a naive datetime, `since` after `until`, or `limit` below 1.
    """
    check_bounds(since, until, limit)
    found = []
    for item in items:
        when = moment(item)
        for bound, after in ((since, True), (until, False)):
            if bound is None:
                continue
            value = when if isinstance(bound, datetime) else local_day(when, tz)
            if (value < bound) if after else (value > bound):
                break
        else:
            found.append(item)
            if limit is not None and len(found) == limit:
                break
    return found


def _names(given: str | Iterable[str] | None) -> set[str]:
    """The names a filter asks for, stripped and case-folded (empty: no filter)."""
    if given is None:
        return set()
    return {n.strip().casefold() for n in ([given] if isinstance(given, str) else given)}


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


def once_each(
    entries: Iterable[Entry], copy_journals: Mapping[str, str], owners: Mapping[str, str]
) -> list[Entry]:
    """`entries` with each entry of a journal someone shares with you once, in their order.

    A client who shares a whole journal with you and also shares entries field by field
    (`share --only`: a journal kept for you holding copies of some fields, or "Shared with
    NAME" holding single entries) gives you two copies of one entry. `copy_journals` maps
    the ids of such copy journals (known from their owner-signed access chains: they carry
    disclosure settings) to their owner; `owners` maps every journal id to its owner. An
    entry of a copy journal is left out when an entry of another journal of the same owner
    is the same entry: the same `created_at` (ms) and `utc_offset`, and every field the copy
    carries (a non-empty title, body, tags or emotions; a mood) equal. The whole journal's
    entry is kept (it has every field). An entry that is only in a copy stays."""
    entries = list(entries)
    full: dict[tuple[str, datetime, int | None], list[Entry]] = {}
    for entry in entries:
        if entry.journal_id not in copy_journals:
            key = (owners.get(entry.journal_id, ""), entry.created_at, entry.utc_offset)
            full.setdefault(key, []).append(entry)
    kept = []
    for entry in entries:
        if entry.journal_id in copy_journals:
            key = (copy_journals[entry.journal_id], entry.created_at, entry.utc_offset)
            if any(same_entry(entry, other) for other in full.get(key, [])):
                continue
        kept.append(entry)
    return kept


def same_entry(copy: Entry, whole: Entry) -> bool:
    """Whether every field `copy` carries (fields it does not disclose are empty) equals
    `whole`'s."""
    return (
        (not copy.title or copy.title == whole.title)
        and (not copy.body or copy.body == whole.body)
        and (copy.mood is None or copy.mood == whole.mood)
        and (not copy.tags or copy.tags == whole.tags)
        and (not copy.emotions or copy.emotions == whole.emotions)
    )
