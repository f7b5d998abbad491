"""Mood patterns (client_sdk.patterns, through compute_insights): trend against the previous
period, the weekday pattern, and associations shown only with enough days on both sides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cli.insights import weekday_line
from client_sdk.insights import compute_insights
from client_sdk.patterns import weekday_pattern
from tests.core.test_insights import FakeEntry

TODAY = date(2025, 3, 12)  # a Wednesday


def on(day: date, mood: int | None, *tags: str, emotions: tuple[str, ...] = ()) -> FakeEntry:
    return FakeEntry(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), mood, tags, emotions)


def test_the_trend_compares_this_period_with_the_one_before_it() -> None:
    since = TODAY - timedelta(days=6)  # a 7-day period
    entries = [
        on(since - timedelta(days=7), 3),  # the previous period
        on(since - timedelta(days=1), 5),  # the previous period
        on(since - timedelta(days=8), 1),  # before both: not counted
        on(since, 7),
        on(TODAY, 8),
    ]
    trend = compute_insights(entries, today=TODAY, since=since, tz=UTC).trend
    assert trend is not None
    assert (trend.days, trend.entries, trend.entries_before) == (7, 2, 2)
    assert (trend.mood, trend.mood_before, trend.change) == (7.5, 4.0, 3.5)
    default = compute_insights(entries, today=TODAY, tz=UTC).trend
    assert default is not None and default.days == 28


def test_the_weekday_pattern_averages_each_days_mood_per_weekday() -> None:
    monday, tuesday = date(2025, 3, 3), date(2025, 3, 4)
    entries = [on(monday, 2), on(monday, 4), on(monday + timedelta(days=7), 9), on(tuesday, None)]
    days = {d.weekday: d for d in compute_insights(entries, today=TODAY, tz=UTC).weekdays}
    assert (days["Monday"].days, days["Monday"].entries, days["Monday"].mood) == (2, 3, 6.0)
    assert (days["Tuesday"].days, days["Tuesday"].entries, days["Tuesday"].mood) == (1, 1, None)
    assert days["Sunday"].days == 0 and len(days) == 7


def test_an_association_needs_three_days_with_and_three_without() -> None:
    start = date(2025, 2, 1)
    with_sport = [on(start + timedelta(days=n), 8, "sport") for n in range(3)]
    without = [on(start + timedelta(days=n), 4) for n in range(3, 5)]  # only two days
    found = compute_insights(with_sport + without, today=TODAY, tz=UTC)
    assert found.tag_moods == ()  # 3 with, 2 without: not enough to say anything

    third = on(start + timedelta(days=5), 5, emotions=("calm",))
    found = compute_insights([*with_sport, *without, third], today=TODAY, tz=UTC)
    [sport] = found.tag_moods
    assert (sport.name, sport.days_with, sport.days_without) == ("sport", 3, 3)
    assert (sport.mood_with, sport.mood_without, sport.difference) == (8.0, 13 / 3, 8 - 13 / 3)
    assert found.emotion_moods == ()  # calm on one day only
    assert found.to_dict()["tag_moods"][0]["name"] == "sport"


def test_a_weekday_pattern_needs_moods_on_three_days_of_each_weekday() -> None:
    """NU19 C24: one Wednesday (7) and one Sunday (2) made "best Wednesdays, hardest Sundays".
    A weekday enters the comparison with moods on MIN_DAYS (3) of its days."""
    wednesday, sunday = date(2025, 2, 5), date(2025, 2, 9)
    one_each = [on(wednesday, 7), on(sunday, 2)]
    stats = compute_insights(one_each, today=TODAY, tz=UTC).weekdays
    assert weekday_pattern(stats) is None
    assert weekday_line(stats) == (
        "by weekday: not enough entries yet (each weekday needs moods on 3 days)"
    )
    weeks = [timedelta(days=7 * n) for n in range(3)]
    two_sundays = [on(wednesday + w, 7) for w in weeks] + [on(sunday + w, 2) for w in weeks[:2]]
    assert weekday_pattern(compute_insights(two_sundays, today=TODAY, tz=UTC).weekdays) is None
    three_each = [*two_sundays, on(sunday + weeks[2], 3), on(sunday, None)]
    stats = compute_insights(three_each, today=TODAY, tz=UTC).weekdays
    found = weekday_pattern(stats)
    assert found is not None
    best, worst = found
    assert (best.weekday, best.mood, best.mood_days) == ("Wednesday", 7.0, 3)
    assert (worst.weekday, worst.mood_days, round(worst.mood or 0, 2)) == ("Sunday", 3, 2.33)
    assert weekday_line(stats) == (
        "by weekday (mood): best Wednesdays 7.0, hardest Sundays 2.3 (3+ days each)"
    )
    assert weekday_line(compute_insights([on(sunday, None)], today=TODAY, tz=UTC).weekdays) is None
    # two weekdays with enough days and the same average: no pattern to state
    same = [on(wednesday + w, 5) for w in weeks] + [on(sunday + w, 5) for w in weeks]
    assert weekday_pattern(compute_insights(same, today=TODAY, tz=UTC).weekdays) is None
