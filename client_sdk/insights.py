"""Insights: what a journal says over time, computed on the device from decrypted entries and
goals. The server never sees any of it.

    insights = compute_insights(entries, goals, today=date.today())
    insights.sparkline        # "▃▄▆ ▅▇": average mood per ISO week, one character a week

- **weeks**: every ISO week from the week of the first entry (on or after `since`) to `today`,
  with its entry count and average mood; weeks without entries after the first are kept, so
  gaps show, but there is no run of empty weeks before the first entry.
- **entries per week**: entries per day times 7, over the days of `since`..`today` (exactly
  the span asked), or without `since` from the Monday of the first week with an entry among
  the last RATE_WEEKS (12) through `today`, so one old entry does not thin the rate;
  `rate_since` and `rate_days` say which span (today counts as a day).
- **mood by tag / by emotion**: the average mood of the entries carrying each tag or emotion.
- **streak**: consecutive days with at least one entry, counted in the writer's local time
  (each entry's own UTC offset, so a therapist in another zone sees the client's days); the
  current streak is still alive when the last entry was written yesterday. A fact about the
  whole journal: counted over every entry, whatever `since`.
- **goals**: each goal's progress (see goals.py for how a measure counts).

Pure: no I/O and no clock. Callers pass `today` and, optionally, the time zone used for
entries that carry no UTC offset (written before offsets were recorded; `tz=None` means the
system's local zone, daylight saving included).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from client_sdk import patterns
from client_sdk.goals import Goal
from client_sdk.models import entry_day, json_time
from client_sdk.patterns import Association, DayMood, Trend, WeekdayStat

SPARK_LEVELS = "▁▂▃▄▅▆▇█"
SPARK_GAP = "·"  # a week without any mood
MOOD_MIN, MOOD_MAX = 1, 10


class EntryLike(Protocol):
    """What insights read of an entry (client_sdk.Entry has all of it)."""

    @property
    def mood(self) -> int | None: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def emotions(self) -> tuple[str, ...]: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def utc_offset(self) -> int | None: ...


@dataclass(frozen=True)
class WeekStat:
    """One ISO week: how many entries, and their average mood (None without any mood)."""

    week: str  # ISO week, e.g. "2025-W07"
    start: date  # its Monday
    entries: int
    moods: int  # entries that have a mood
    mood: float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: days as "YYYY-MM-DD"; fractional values rounded to 2 decimals."""
        return {
            "week": self.week,
            "start": self.start.isoformat(),
            "entries": self.entries,
            "moods": self.moods,
            "mood": _round(self.mood),
        }


@dataclass(frozen=True)
class MoodGroup:
    """The entries carrying one tag (or emotion): how many, and their average mood."""

    name: str
    entries: int
    moods: int
    mood: float | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: fractional values rounded to 2 decimals."""
        return {
            "name": self.name,
            "entries": self.entries,
            "moods": self.moods,
            "mood": _round(self.mood),
        }


@dataclass(frozen=True)
class Streak:
    """Journaling days: the current run (ending today or yesterday) and the longest run."""

    current: int
    longest: int
    days: int  # distinct days with an entry
    last_day: date | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: days as "YYYY-MM-DD"."""
        return {
            "current": self.current,
            "longest": self.longest,
            "days": self.days,
            "last_day": self.last_day.isoformat() if self.last_day else None,
        }


@dataclass(frozen=True)
class GoalStat:
    """A goal's progress for charts: `fraction` of its target (None without a measure)."""

    id: str
    journal: str
    title: str
    done: bool
    progress: int
    fraction: float | None
    measure: str | None
    checkins: int
    target: date | None
    last_checkin: datetime | None
    journal_id: str = ""
    """The goal's journal's id (32 hex digits)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; days as "YYYY-MM-DD"; ids as hex;
        fractional values rounded to 2 decimals."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "title": self.title,
            "done": self.done,
            "progress": self.progress,
            "fraction": _round(self.fraction),
            "measure": self.measure,
            "checkins": self.checkins,
            "target": self.target.isoformat() if self.target else None,
            "last_checkin": json_time(self.last_checkin) if self.last_checkin else None,
        }

    def progress_text(self) -> str:
        """ "3/5 sessions", "40%", or "2 check-ins" (no measure); "done" is shown apart."""
        if self.measure is None:
            return f"{self.checkins} check-in{'s' if self.checkins != 1 else ''}"
        if self.measure == "percent":
            return f"{self.progress}%"
        target, _, unit = self.measure.partition(" ")
        return f"{self.progress}/{target} {unit}"


@dataclass(frozen=True)
class Insights:
    """What `client.insights.summary()` returns (and `tj insights` shows); `to_dict()` is
    the stable JSON shape (`--json`)."""

    journal: str | None  # None: every journal of the account
    since: date | None
    today: date
    entries: int
    moods: int
    mood: float | None  # average over all entries with a mood
    weeks: tuple[WeekStat, ...]
    sparkline: str
    by_tag: tuple[MoodGroup, ...]
    by_emotion: tuple[MoodGroup, ...]
    streak: Streak
    entries_per_week: float
    goals: tuple[GoalStat, ...]
    trend: Trend | None = None
    """This period against the previous one of the same length (`since` to `today`, or the
    last TREND_DAYS days)."""
    weekdays: tuple[WeekdayStat, ...] = ()
    tag_moods: tuple[Association, ...] = ()
    """Tags that go with better or worse days (patterns.MIN_DAYS days with and without)."""
    emotion_moods: tuple[Association, ...] = ()
    day_moods: tuple[DayMood, ...] = ()
    """Each day with an entry in the period: count and average mood (year in pixels)."""
    rate_since: date | None = None
    """The day the span of `entries_per_week` starts on: `since`, else a Monday (None
    without entries)."""
    rate_weeks: int = 0
    """How many ISO weeks that span touches, through `today`'s week."""
    rate_days: int = 0
    """How many days that span has, `rate_since` and `today` included."""

    @property
    def weekly_rate(self) -> float | None:
        """`entries_per_week` (float, entries per 7 days), or None while it would be a guess:
        counted without `since` over fewer than RATE_MIN_DAYS (7) days, as in a first week of
        use (one day of writing is not "18.2 per week"). A span asked with `since` gives its
        rate whatever its length. The one rule of `tj insights` and the HTML report."""
        if self.since is None and self.rate_days < RATE_MIN_DAYS:
            return None
        return self.entries_per_week

    @property
    def rate_entries(self) -> int:
        """How many entries the span of `entries_per_week` holds (`rate_since` to `today`)."""
        return round(self.entries_per_week * self.rate_days / 7)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: days as "YYYY-MM-DD"; fractional values rounded to 2 decimals; nested
        values as their own `to_dict()`."""
        return {
            "journal": self.journal,
            "since": self.since.isoformat() if self.since else None,
            "today": self.today.isoformat(),
            "entries": self.entries,
            "moods": self.moods,
            "mood": _round(self.mood),
            "entries_per_week": _round(self.entries_per_week),
            "sparkline": self.sparkline,
            "weeks": [week.to_dict() for week in self.weeks],
            "by_tag": [group.to_dict() for group in self.by_tag],
            "by_emotion": [group.to_dict() for group in self.by_emotion],
            "streak": self.streak.to_dict(),
            "goals": [goal.to_dict() for goal in self.goals],
            "trend": self.trend.to_dict() if self.trend else None,
            "weekdays": [day.to_dict() for day in self.weekdays],
            "tag_moods": [a.to_dict() for a in self.tag_moods],
            "emotion_moods": [a.to_dict() for a in self.emotion_moods],
            "day_moods": [d.to_dict() for d in self.day_moods],
            "rate_since": self.rate_since.isoformat() if self.rate_since else None,
            "rate_weeks": self.rate_weeks,
            "rate_days": self.rate_days,
        }


def compute_insights(
    entries: Iterable[EntryLike],
    goals: Iterable[Goal] = (),
    *,
    today: date,
    since: date | None = None,
    tz: tzinfo | None = None,
    journal: str | None = None,
) -> Insights:
    """Insights over `entries` written on or after `since` (a local date), up to `today`;
    the trend compares that period with the one before it (all `entries` are read for it)."""
    every = list(entries)

    def day_of(entry: EntryLike) -> date:
        return entry_day(entry, tz)

    kept = [e for e in every if since is None or day_of(e) >= since]
    moods = [e.mood for e in kept if e.mood is not None]
    weeks = weekly(kept, today=today, since=since, tz=tz)
    span = rate_span(weeks, since)
    rate_since = (min(since, today) if since is not None else span[0].start) if span else None
    rate_days = (today - rate_since).days + 1 if rate_since is not None else 0
    rate_count = sum(1 for e in kept if rate_since is not None and day_of(e) >= rate_since)
    # Oldest first: a tag is named as first written (README; NU34 #7: the newest spelling
    # was shown, as entries come newest first).
    written_order = sorted(kept, key=lambda e: e.created_at)
    return Insights(
        journal=journal,
        since=since,
        today=today,
        entries=len(kept),
        moods=len(moods),
        mood=_mean(moods),
        weeks=weeks,
        sparkline=sparkline(week.mood for week in weeks),
        by_tag=mood_by(written_order, lambda e: e.tags),
        by_emotion=mood_by(written_order, lambda e: e.emotions),
        streak=streak({day_of(e) for e in every}, today),
        entries_per_week=rate_count * 7 / rate_days if rate_days else 0.0,
        goals=tuple(goal_stat(goal) for goal in goals),
        trend=patterns.trend(every, day_of, today=today, days=_period(today, since)),
        weekdays=patterns.weekdays(kept, day_of),
        tag_moods=patterns.associations(kept, day_of, lambda e: e.tags),
        emotion_moods=patterns.associations(kept, day_of, lambda e: e.emotions),
        day_moods=patterns.day_moods(kept, day_of),
        rate_since=rate_since,
        rate_weeks=(week_start(today) - week_start(rate_since)).days // 7 + 1 if rate_since else 0,
        rate_days=rate_days,
    )


RATE_WEEKS = 12
"""Without `since`, entries per week count over at most the last 12 weeks."""

RATE_MIN_DAYS = 7
"""Without `since`, a rate per week shows once its span has a week of days (`weekly_rate`)."""


def rate_span(weeks: tuple[WeekStat, ...], since: date | None) -> tuple[WeekStat, ...]:
    """The weeks `entries_per_week` is counted over: all of them with `since` (they start at
    the first entry after it), else the last RATE_WEEKS from the first that has an entry."""
    if since is not None:
        return weeks
    recent = list(weeks[-RATE_WEEKS:])
    while recent and not recent[0].entries:
        recent.pop(0)
    return tuple(recent)


TREND_DAYS = 28
"""The period of the trend when no `since` is given: four weeks."""


def _period(today: date, since: date | None) -> int:
    return (today - since).days + 1 if since is not None and since <= today else TREND_DAYS


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly(
    entries: Sequence[EntryLike], *, today: date, since: date | None, tz: tzinfo | None
) -> tuple[WeekStat, ...]:
    """One WeekStat per ISO week from the week of the first entry through `today` (`since`
    only filters: weeks before the first entry are not listed)."""
    by_week: dict[date, list[EntryLike]] = {}
    for entry in entries:
        by_week.setdefault(week_start(entry_day(entry, tz)), []).append(entry)
    if not by_week:
        return ()
    first = min(by_week)
    last = max([week_start(today), *by_week])
    weeks = []
    monday = first
    while monday <= last:
        found = by_week.get(monday, [])
        moods = [e.mood for e in found if e.mood is not None]
        weeks.append(WeekStat(iso_week(monday), monday, len(found), len(moods), _mean(moods)))
        monday += timedelta(days=7)
    return tuple(weeks)


def sparkline(values: Iterable[float | None]) -> str:
    """One character per value on the fixed mood scale 1-10 (so weeks compare across
    reports): ▁ is 1, █ is 10; a week without a mood is "·"."""
    line = []
    for value in values:
        if value is None:
            line.append(SPARK_GAP)
            continue
        clamped = min(max(value, MOOD_MIN), MOOD_MAX)
        level = round((clamped - MOOD_MIN) / (MOOD_MAX - MOOD_MIN) * (len(SPARK_LEVELS) - 1))
        line.append(SPARK_LEVELS[level])
    return "".join(line)


def mood_by(
    entries: Iterable[EntryLike], names: Callable[[EntryLike], Iterable[str]]
) -> tuple[MoodGroup, ...]:
    """Average mood per name (tag or emotion) given by `names(entry)`, ignoring case ("Sleep"
    and "sleep" are one tag, named as the first entry given spells it: give them oldest
    first for the spelling first written); most used first."""
    counts: dict[str, int] = {}
    moods: dict[str, list[int]] = {}
    spelled: dict[str, str] = {}
    for entry in entries:
        folded = [spelled.setdefault(n.casefold(), n) for n in names(entry)]
        for name in dict.fromkeys(folded):
            counts[name] = counts.get(name, 0) + 1
            if entry.mood is not None:
                moods.setdefault(name, []).append(entry.mood)
    groups = [
        MoodGroup(name, count, len(moods.get(name, [])), _mean(moods.get(name, [])))
        for name, count in counts.items()
    ]
    return tuple(sorted(groups, key=lambda g: (-g.entries, g.name.casefold(), g.name)))


def streak(days: set[date], today: date) -> Streak:
    """The current run of consecutive days ending today (or yesterday, so a streak is not
    broken before the day is over) and the longest run."""
    if not days:
        return Streak(0, 0, 0, None)
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    return Streak(current, longest, len(days), max(days))


def goal_stat(goal: Goal) -> GoalStat:
    return GoalStat(
        id=goal.id,
        journal=goal.journal,
        title=goal.title,
        done=goal.done,
        progress=goal.progress,
        fraction=goal.fraction,
        measure=str(goal.measure) if goal.measure else None,
        checkins=len(goal.checkins),
        target=goal.target,
        last_checkin=goal.checkins[-1].at if goal.checkins else None,
        journal_id=goal.journal_id,
    )


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
