"""Insights are pure arithmetic over entries and goals: weeks, sparkline, moods by tag and
emotion, streaks in local time, goal progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from client_sdk.documents import Document
from client_sdk.goals import Measure, checkin_update, goal_view, new_goal_update
from client_sdk.insights import compute_insights, sparkline, streak

TODAY = date(2025, 3, 12)  # a Wednesday, ISO week 2025-W11


@dataclass(frozen=True)
class FakeEntry:
    created_at: datetime
    mood: int | None = None
    tags: tuple[str, ...] = ()
    emotions: tuple[str, ...] = ()
    utc_offset: int | None = None


def at(day: date, hour: int = 12, tz: timezone = UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def test_weeks_run_from_the_first_entry_to_today_and_keep_empty_weeks() -> None:
    entries = [
        FakeEntry(at(date(2025, 2, 24)), mood=4),  # W09
        FakeEntry(at(date(2025, 2, 26)), mood=6),  # W09
        FakeEntry(at(date(2025, 3, 11)), mood=9),  # W11
    ]
    insights = compute_insights(entries, today=TODAY, tz=UTC)
    assert [w.week for w in insights.weeks] == ["2025-W09", "2025-W10", "2025-W11"]
    assert [w.entries for w in insights.weeks] == [2, 0, 1]
    assert [w.mood for w in insights.weeks] == [5.0, None, 9.0]
    assert insights.weeks[0].start == date(2025, 2, 24)
    assert insights.sparkline == "▄·▇"
    assert insights.entries == 3 and insights.mood == 19 / 3
    # 3 entries in the 17 days from Monday 2025-02-24 through Wednesday 2025-03-12
    assert (insights.rate_days, insights.entries_per_week) == (17, 3 * 7 / 17)


def test_entries_per_week_is_not_thinned_by_one_old_entry_and_names_its_span() -> None:
    old = [FakeEntry(at(TODAY - timedelta(days=365)), mood=5)]
    recent = [FakeEntry(at(TODAY - timedelta(days=d)), mood=6) for d in (0, 1, 2, 8, 9, 10)]
    insights = compute_insights(old + recent, today=TODAY, tz=UTC)
    assert len(insights.weeks) > 50  # the weeks still show the whole history
    # 10 days before Wednesday 2025-03-12 is Sunday 2025-03-02, in the week of 2025-02-24
    assert (insights.rate_since, insights.rate_weeks, insights.rate_days) == (
        date(2025, 2, 24),
        3,
        17,
    )
    assert insights.entries_per_week == 6 * 7 / 17

    steady = [FakeEntry(at(TODAY - timedelta(days=7 * w))) for w in range(20)]
    found = compute_insights(steady, today=TODAY, tz=UTC)
    # 12 entries from the Monday 11 weeks before this one through Wednesday: 80 days
    assert (found.rate_weeks, found.rate_days, found.entries_per_week) == (12, 80, 12 * 7 / 80)


def test_with_since_the_rate_is_over_exactly_the_days_asked_and_the_streak_is_not_cut() -> None:
    """NU14 finding 4: 19 entries from Friday 2026-11-20 through Tuesday 2026-12-01 are 19
    in 12 days (11.1 a week), not 19 over 3 weeks widened to Monday 2026-11-16; and the
    current streak of 20 days is a fact about today, whatever --since."""
    today = date(2026, 12, 1)
    daily = [FakeEntry(at(today - timedelta(days=d)), mood=5) for d in range(20)]
    extra = [FakeEntry(at(date(2026, 11, 25)), mood=6)] * 7
    found = compute_insights(daily + extra, today=today, tz=UTC, since=date(2026, 11, 20))
    assert found.entries == 12 + 7
    assert (found.rate_since, found.rate_days, found.rate_weeks) == (date(2026, 11, 20), 12, 3)
    assert found.entries_per_week == 19 * 7 / 12
    assert (found.streak.current, found.streak.longest, found.streak.days) == (20, 20, 20)

    since = compute_insights(daily, today=today, tz=UTC, since=today - timedelta(days=400))
    assert (since.rate_since, since.rate_days) == (today - timedelta(days=400), 401)


def test_sparkline_uses_the_fixed_mood_scale_and_marks_weeks_without_mood() -> None:
    assert sparkline([1, 10, None, 5.5]) == "▁█·▅"
    assert sparkline([]) == ""


def test_since_drops_older_entries_and_the_weeks_start_at_the_first_entry_after_it() -> None:
    entries = [FakeEntry(at(date(2025, 1, 6)), mood=2), FakeEntry(at(date(2025, 3, 10)), mood=8)]
    insights = compute_insights(entries, today=TODAY, since=date(2025, 2, 3), tz=UTC)
    assert insights.entries == 1
    assert [w.week for w in insights.weeks] == ["2025-W11"]  # no run of empty weeks before
    assert insights.to_dict()["since"] == "2025-02-03"
    assert compute_insights([], today=TODAY, since=date(2025, 2, 3), tz=UTC).weeks == ()


def test_average_mood_by_tag_and_by_emotion_counts_only_entries_with_a_mood() -> None:
    entries = [
        FakeEntry(at(date(2025, 3, 10)), mood=3, tags=("work",), emotions=("anxious",)),
        FakeEntry(at(date(2025, 3, 11)), mood=8, tags=("sleep", "work"), emotions=("calm",)),
        FakeEntry(at(date(2025, 3, 12)), tags=("work",), emotions=("anxious",)),
    ]
    insights = compute_insights(entries, today=TODAY, tz=UTC)
    by_tag = {g.name: (g.entries, g.moods, g.mood) for g in insights.by_tag}
    assert by_tag == {"work": (3, 2, 5.5), "sleep": (1, 1, 8.0)}
    assert [g.name for g in insights.by_tag] == ["work", "sleep"]
    by_emotion = {g.name: (g.entries, g.mood) for g in insights.by_emotion}
    assert by_emotion == {"anxious": (2, 3.0), "calm": (1, 8.0)}


def test_a_tag_spelled_several_ways_is_one_group_named_as_first_written() -> None:
    """NU34 #7: entries come newest first (as `client.entries.list` gives them); the group
    is named by the oldest entry's spelling, as README says ("kept as first written")."""
    entries = [
        FakeEntry(at(date(2025, 3, 12)), mood=4, tags=("SLEEP",)),
        FakeEntry(at(date(2025, 3, 11)), mood=5, tags=("Sleep",)),
        FakeEntry(at(date(2025, 3, 10)), mood=6, tags=("sleep",)),
    ]
    insights = compute_insights(entries, today=TODAY, tz=UTC)
    assert [(g.name, g.entries, g.mood) for g in insights.by_tag] == [("sleep", 3, 5.0)]


def test_entries_without_emotions_or_tags_give_empty_groups() -> None:
    insights = compute_insights([FakeEntry(at(TODAY), mood=5)], today=TODAY, tz=UTC)
    assert insights.by_tag == () and insights.by_emotion == ()


def test_the_streak_counts_consecutive_local_days_and_survives_until_the_day_is_over() -> None:
    days = {TODAY - timedelta(days=n) for n in (1, 2, 3)} | {date(2025, 2, 1), date(2025, 2, 2)}
    found = streak(days, TODAY)
    assert (found.current, found.longest, found.days) == (3, 3, 5)
    assert found.last_day == TODAY - timedelta(days=1)
    assert streak(days, TODAY + timedelta(days=1)).current == 0
    assert streak(set(), TODAY).longest == 0


def test_the_streak_uses_the_users_time_zone_not_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    # 14:30 and 15:30 UTC on the 11th are 23:30 on the 11th and 00:30 on the 12th in Tokyo.
    entries = [
        FakeEntry(datetime(2025, 3, 11, 14, 30, tzinfo=UTC)),
        FakeEntry(datetime(2025, 3, 11, 15, 30, tzinfo=UTC)),
    ]
    in_tokyo = compute_insights(entries, today=TODAY, tz=tokyo).streak
    in_utc = compute_insights(entries, today=TODAY, tz=UTC).streak
    assert (in_tokyo.current, in_tokyo.days) == (2, 2)
    assert (in_utc.current, in_utc.days) == (1, 1)


def test_days_count_in_the_writers_time_zone_whatever_the_viewers() -> None:
    # A client in New York (UTC-5) writes at 21:00 on three evenings: 02:00 UTC the next
    # day. A therapist in Berlin (UTC+1) must see the client's three consecutive days.
    new_york = -5 * 60
    entries = [
        FakeEntry(datetime(2025, 3, day, 2, 0, tzinfo=UTC), utc_offset=new_york)
        for day in (10, 11, 12)
    ]
    berlin = timezone(timedelta(hours=1))
    for viewer in (berlin, UTC, timezone(timedelta(hours=-8))):
        found = compute_insights(entries, today=TODAY, tz=viewer).streak
        assert (found.current, found.days, found.last_day) == (3, 3, date(2025, 3, 11))


def test_an_entry_written_just_before_midnight_lands_in_the_writers_week() -> None:
    # Sunday 23:30 in Tokyo is Sunday 14:30 UTC; for a viewer in Honolulu it is Saturday.
    sunday_night = FakeEntry(datetime(2025, 3, 9, 14, 30, tzinfo=UTC), mood=6, utc_offset=540)
    honolulu = timezone(timedelta(hours=-10))
    insights = compute_insights([sunday_night], today=TODAY, tz=honolulu)
    assert [w.week for w in insights.weeks if w.entries] == ["2025-W10"]


def test_goal_progress_comes_from_the_goal_documents() -> None:
    document = Document(b"\x01" * 16, "goal")
    new_goal_update(document, "Attend sessions", 1_000, measure=Measure.parse("4 sessions"))
    checkin_update(document, "c1", 2_000)
    checkin_update(document, "c2", 3_000, progress=2, note="double week")
    goal = goal_view(document, "Personal", "00" * 16)
    insights = compute_insights([], [goal], today=TODAY)
    [stat] = insights.goals
    assert (stat.title, stat.progress, stat.fraction, stat.checkins) == (
        "Attend sessions",
        3,
        0.75,
        2,
    )
    assert stat.progress_text() == "3/4 sessions"
    assert stat.last_checkin == datetime.fromtimestamp(3, UTC)


def test_no_entries_gives_empty_insights_that_serialize() -> None:
    insights = compute_insights([], today=TODAY)
    data = insights.to_dict()
    assert data["entries"] == 0 and data["weeks"] == [] and data["mood"] is None
    assert data["streak"] == {"current": 0, "longest": 0, "days": 0, "last_day": None}
    assert data["sparkline"] == ""
