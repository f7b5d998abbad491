"""Choosing entries: by time range, tag and emotion, in order, up to a limit; and "on this
day" in earlier years. Choosing results and homework by time range, up to a limit. Pure: no I/O and no clock.

Days are the writer's local days (each entry's own UTC offset, see `models.entry_day`):
an entry written at 23:30 in New York on 1 October belongs to 1 October, wherever it is read.

    select_entries(entries, since=date(2026, 10, 1), tag="sleep", limit=20)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import NamedTuple, Protocol, TypeVar

from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.models import Dated, Entry, entry_day, local_day, to_datetime
from client_sdk.search import tag_key

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
    - `tag`: entries carrying this tag, ignoring case and accents as a search does
      (`search.tag_key`: "cafe" finds "Café"); `emotion`: carrying this emotion.
      Either may be several names: entries carrying any of them (an empty list: no filter).
    - `tz`: the zone for entries written before UTC offsets were recorded (None: local).

    Raises InvalidInput for a naive datetime, `since` after `until`, or `limit` below 1.
    """
    check_bounds(since, until, limit)
    wanted_tags = {tag_key(name) for name in names(tag)}
    wanted_emotions = names(emotion)
    found = [
        entry
        for entry in entries
        if _within(entry, since, until, tz)
        and (not wanted_tags or not wanted_tags.isdisjoint(tag_key(t) for t in entry.tags))
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


def names(given: str | Iterable[str] | None) -> set[str]:
    """The names a filter asks for, stripped and case-folded (empty: no filter)."""
    if given is None:
        return set()
    return {n.strip().casefold() for n in ([given] if isinstance(given, str) else given)}


def on_this_day(entries: Iterable[Entry], today: date, tz: tzinfo | None = None) -> list[Entry]:
    """Entries written on today's month and day in earlier years (writer's local day),
    newest year first. 29 February is remembered on 28 February in other years."""
    found = [entry for entry in entries if on_this_day_in_earlier_year(entry, today, tz)]
    found.sort(key=lambda e: (e.created_at, e.id), reverse=True)
    return found


def on_this_day_in_earlier_year(entry: Dated, today: date, tz: tzinfo | None = None) -> bool:
    """Whether `entry` was written on today's month and day in an earlier year (writer's
    local day; 29 February counts on 28 February of a year without one)."""
    day = entry_day(entry, tz)
    if day.year >= today.year:
        return False
    wanted = (today.month, today.day)
    shown = (2, 28) if (day.month, day.day) == (2, 29) and not _leap(today.year) else None
    return (day.month, day.day) == wanted or shown == wanted


def row_on_this_day(created_at: int, utc_offset: int | None, today: date) -> bool:
    """`on_this_day_in_earlier_year` of an entry written at `created_at` (ms) with
    `utc_offset` (local time for an entry without one)."""
    return on_this_day_in_earlier_year(_Dated(to_datetime(created_at), utc_offset), today)


def row_keeper(
    since: Moment | None, until: Moment | None, day: date | None
) -> Callable[[int, int | None], bool] | None:
    """Whether an entry written at `created_at` (ms) with `utc_offset` is within `since` /
    `until` (`row_within`) and, with `day`, written on its month and day in an earlier year
    (`row_on_this_day`); None when nothing is asked (every entry is kept)."""
    if since is None and until is None and day is None:
        return None

    def keep(created_at: int, utc_offset: int | None) -> bool:
        if day is not None and not row_on_this_day(created_at, utc_offset, day):
            return False
        return row_within(created_at, utc_offset, since, until)

    return keep


def rough_month_days(today: date) -> frozenset[str]:
    """ "MM-DD" of the UTC days (SQLite's `strftime('%m-%d', ...)`) on which an entry
    written on today's month and day in the writer's local time may fall, and more: the day
    before and after (an offset is under 24 hours), and 29 February around 28 February.
    `row_on_this_day` decides."""
    days = {today.month * 100 + today.day}
    if (today.month, today.day) == (2, 28):
        days.add(229)
    found = set()
    for day in days:
        middle = date(2000, day // 100, day % 100)  # a leap year: 29 February exists
        found |= {(middle + timedelta(days=step)).strftime("%m-%d") for step in (-1, 0, 1)}
    return frozenset(found)


def _within(entry: Dated, since: Moment | None, until: Moment | None, tz: tzinfo | None) -> bool:
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


class Disclosed(Protocol):
    """What `same_entry` compares (an `Entry`, a `documents.EntryView`)."""

    @property
    def title(self) -> str: ...

    @property
    def body(self) -> str: ...

    @property
    def mood(self) -> int | None: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def emotions(self) -> tuple[str, ...]: ...


def same_entry(copy: Disclosed, whole: Disclosed) -> bool:
    """Whether every field `copy` carries (fields it does not disclose are empty) equals
    `whole`'s."""
    return (
        (not copy.title or copy.title == whole.title)
        and (not copy.body or copy.body == whole.body)
        and (copy.mood is None or copy.mood == whole.mood)
        and (not copy.tags or copy.tags == whole.tags)
        and (not copy.emotions or copy.emotions == whole.emotions)
    )


@dataclass(frozen=True)
class EntryRow:
    """What the store's index of entries (`Store.entry_page`) keeps of an entry's view to
    choose and order entries as `Context.entries` and `select_entries` do, without reading
    its document: `created_at` (ms) and `utc_offset` (minutes) as the view has them, whether
    it is in the trash or deleted, its tags case-folded, its emotions as they are, and its
    mood (a caseload's trend reads no more of an entry)."""

    created_at: int
    utc_offset: int | None
    trashed: bool
    deleted: bool
    tags: tuple[str, ...]
    emotions: tuple[str, ...]
    mood: int | None


class _Viewed(Protocol):
    @property
    def created_at(self) -> int: ...

    @property
    def utc_offset(self) -> int | None: ...

    @property
    def trashed_at(self) -> int | None: ...

    @property
    def deleted(self) -> bool: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def emotions(self) -> tuple[str, ...]: ...

    @property
    def mood(self) -> int | None: ...


def entry_row(view: _Viewed) -> EntryRow:
    """The index row of an entry's view (`documents.EntryView`)."""
    return EntryRow(
        view.created_at,
        view.utc_offset,
        view.trashed_at is not None,
        view.deleted,
        tuple(t.casefold() for t in view.tags),
        tuple(view.emotions),
        view.mood,
    )


class _Dated(NamedTuple):
    created_at: datetime
    utc_offset: int | None


def row_within(
    created_at: int, utc_offset: int | None, since: Moment | None, until: Moment | None
) -> bool:
    """Whether an entry written at `created_at` (ms) with `utc_offset` is within `since` /
    `until` as `select_entries` takes them (local time for an entry without an offset)."""
    return _within(_Dated(to_datetime(created_at), utc_offset), since, until, None)


_ROUGH_MS = 2 * 24 * 3600 * 1000
"""How far a writer's local day may lie from the UTC day of the same date, and more (an
offset is under 24 hours)."""


def rough_range(since: Moment | None, until: Moment | None) -> tuple[int | None, int | None]:
    """Bounds (ms, inclusive; None: none) on `created_at` holding every entry that
    `select_entries` keeps for `since` / `until`, and more: `row_within` decides."""

    def ms(moment: datetime) -> int:
        return int(moment.timestamp() * 1000)

    low = high = None
    if isinstance(since, datetime):
        low = ms(since) - 1
    elif since is not None:
        low = ms(datetime(since.year, since.month, since.day, tzinfo=UTC)) - _ROUGH_MS
    if isinstance(until, datetime):
        high = ms(until) + 1
    elif until is not None and until < date.max:  # else no bound: every entry is before it
        end = datetime(until.year, until.month, until.day, tzinfo=UTC) + timedelta(days=1)
        high = ms(end) + _ROUGH_MS
    return low, high
