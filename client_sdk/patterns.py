"""Patterns in a journal's moods: the trend against the previous period, the weekday pattern,
and which tags and emotions go with better or worse days. Pure: no I/O, no clock.

Days are given by the caller (`day_of`: insights passes the writer's local day, `entry_day`).
A day's mood is the average of
the moods written that day. An association compares days with a tag (or emotion) to days
without it, and is only reported with at least MIN_DAYS days on each side: fewer would be
noise presented as a finding. It is a co-occurrence, not a cause. The weekday pattern
("best Wednesdays, hardest Sundays") follows the same rule: a weekday is compared only with
moods on at least MIN_DAYS of its days (`weekday_pattern`, NU19 C24: one Wednesday and one
Sunday made a plural claim).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol, TypeVar


class MoodEntry(Protocol):
    """What patterns read of an entry (client_sdk.Entry has all of it)."""

    @property
    def mood(self) -> int | None: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def emotions(self) -> tuple[str, ...]: ...


E = TypeVar("E", bound=MoodEntry)

MIN_DAYS = 3
"""Days with, and days without, a tag or emotion before an association is shown; days of a
weekday with a mood before that weekday enters the weekday pattern. Source: a convention of
this project, not a published threshold (no clinical or statistical source sets one for
journal moods): below three, one day's mood is most or all of an average, so a difference
would be a single day presented as a pattern. Three is the least that lets no one day
decide; it is stated wherever a pattern is shown."""
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Trend:
    """The period ending today against the one of the same length just before it."""

    days: int  # length of each period
    entries: int
    entries_before: int
    mood: float | None
    mood_before: float | None

    @property
    def change(self) -> float | None:
        """Average mood now minus before (None unless both periods have moods)."""
        if self.mood is None or self.mood_before is None:
            return None
        return self.mood - self.mood_before

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: fractional values rounded to 2 decimals; `change` is
        "mood_change", as the caseload's and a brief's mean mood's (a "change" is a score's
        difference, an object, in every JSON)."""
        return {
            "days": self.days,
            "entries": self.entries,
            "entries_before": self.entries_before,
            "mood": _round(self.mood),
            "mood_before": _round(self.mood_before),
            "mood_change": _round(self.change),
        }


@dataclass(frozen=True)
class WeekdayStat:
    """One day of the week (Monday to Sunday): how many days of it had an entry, how many
    entries, and the average of those days' moods (1-10; None without a mood)."""

    weekday: str
    days: int  # distinct days of this weekday with an entry
    entries: int
    mood: float | None  # average of those days' moods
    mood_days: int = 0
    """Distinct days of this weekday with a mood: what `mood` averages."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: fractional values rounded to 2 decimals."""
        return {
            "weekday": self.weekday,
            "days": self.days,
            "entries": self.entries,
            "mood": _round(self.mood),
            "mood_days": self.mood_days,
        }


@dataclass(frozen=True)
class Association:
    """Days with `name` against days without it (both with a mood)."""

    name: str
    days_with: int
    days_without: int
    mood_with: float
    mood_without: float

    @property
    def difference(self) -> float:
        """Average mood with minus without (positive: days with it were better)."""
        return self.mood_with - self.mood_without

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: fractional values rounded to 2 decimals."""
        return {
            "name": self.name,
            "days_with": self.days_with,
            "days_without": self.days_without,
            "mood_with": _round(self.mood_with),
            "mood_without": _round(self.mood_without),
            "difference": _round(self.difference),
        }


@dataclass(frozen=True)
class DayMood:
    """One day with entries: how many, and the average of their moods (None: no mood)."""

    day: date
    entries: int
    mood: float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: days as "YYYY-MM-DD"; fractional values rounded to 2 decimals."""
        return {"day": self.day.isoformat(), "entries": self.entries, "mood": _round(self.mood)}


def day_moods(entries: Iterable[E], day_of: Callable[[E], date]) -> tuple[DayMood, ...]:
    """Each day with an entry, oldest first (the cells of a year-in-pixels view)."""
    counts: dict[date, int] = {}
    moods: dict[date, list[int]] = {}
    for entry in entries:
        day = day_of(entry)
        counts[day] = counts.get(day, 0) + 1
        if entry.mood is not None:
            moods.setdefault(day, []).append(entry.mood)
    return tuple(
        DayMood(day, count, _mean(moods.get(day, []))) for day, count in sorted(counts.items())
    )


def trend(entries: Iterable[E], day_of: Callable[[E], date], *, today: date, days: int) -> Trend:
    """Entries and average mood of the `days` days ending `today` against the `days` days
    before them."""
    start = today - timedelta(days=days - 1)
    before = start - timedelta(days=days)
    now: list[E] = []
    earlier: list[E] = []
    for entry in entries:
        day = day_of(entry)
        if start <= day <= today:
            now.append(entry)
        elif before <= day < start:
            earlier.append(entry)
    return Trend(days, len(now), len(earlier), _mood(now), _mood(earlier))


def weekdays(entries: Iterable[E], day_of: Callable[[E], date]) -> tuple[WeekdayStat, ...]:
    """Monday to Sunday: how many days and entries, and the average day mood."""
    moods: dict[date, list[int]] = {}
    counts = [0] * len(WEEKDAYS)
    for entry in entries:
        day = day_of(entry)
        counts[day.weekday()] += 1
        moods.setdefault(day, [])
        if entry.mood is not None:
            moods[day].append(entry.mood)
    stats = []
    for number, name in enumerate(WEEKDAYS):
        found = [m for day, m in moods.items() if day.weekday() == number]
        day_moods = [sum(m) / len(m) for m in found if m]
        stats.append(
            WeekdayStat(name, len(found), counts[number], _mean(day_moods), len(day_moods))
        )
    return tuple(stats)


def weekday_pattern(
    stats: Iterable[WeekdayStat], min_days: int = MIN_DAYS
) -> tuple[WeekdayStat, WeekdayStat] | None:
    """(best, hardest) weekday by average day mood, among the weekdays with a mood on at
    least `min_days` of their days (MIN_DAYS: its docstring gives the rule's rationale);
    None unless two such weekdays have different averages (then there is no pattern to
    state yet). Ties go to the earlier weekday."""
    rated = [d for d in stats if d.mood is not None and d.mood_days >= min_days]
    if len(rated) < 2:
        return None
    best = max(rated, key=lambda d: d.mood or 0)
    worst = min(rated, key=lambda d: d.mood or 0)
    return None if best.mood == worst.mood else (best, worst)


def associations(
    entries: Iterable[E],
    day_of: Callable[[E], date],
    names: Callable[[E], Iterable[str]],
    min_days: int = MIN_DAYS,
) -> tuple[Association, ...]:
    """For each name (tag or emotion): the average mood of days with it against days
    without it, among days with a mood; only names with `min_days` days on each side,
    strongest difference first."""
    day_mood: dict[date, list[int]] = {}
    day_names: dict[date, set[str]] = {}
    for entry in entries:
        day = day_of(entry)
        day_names.setdefault(day, set()).update(names(entry))
        if entry.mood is not None:
            day_mood.setdefault(day, []).append(entry.mood)
    moods = {day: sum(m) / len(m) for day, m in day_mood.items()}
    found = []
    for name in sorted({n for ns in day_names.values() for n in ns}):
        with_it = [mood for day, mood in moods.items() if name in day_names[day]]
        without = [mood for day, mood in moods.items() if name not in day_names[day]]
        if len(with_it) >= min_days and len(without) >= min_days:
            found.append(
                Association(
                    name,
                    len(with_it),
                    len(without),
                    sum(with_it) / len(with_it),
                    sum(without) / len(without),
                )
            )
    return tuple(sorted(found, key=lambda a: (-abs(a.difference), a.name)))


def _mood(entries: Sequence[MoodEntry]) -> float | None:
    return _mean([e.mood for e in entries if e.mood is not None])


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
