"""`tj insights` and the HTML report follow one rule for entries per week
(`Insights.weekly_rate`): withheld over a first week of use (fewer than 7 days, counted
without --since), shown from a week of days on, and always over a span asked with --since.
The text said "entries: 5 over 6 days ... (a rate per week shows once a week of days
counts)" while the report of the same data said "5.8 entries per week"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cli.insights import rate_text
from client_sdk.insights import compute_insights
from client_sdk.report import render_report

SATURDAY = date(2026, 12, 5)  # six days from Monday 2026-11-30
GENERATED = datetime(2026, 12, 5, 13, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakeEntry:
    created_at: datetime
    mood: int | None = None
    tags: tuple[str, ...] = ()
    emotions: tuple[str, ...] = ()
    utc_offset: int | None = None


def five_entries(today: date) -> list[FakeEntry]:
    monday = today - timedelta(days=today.weekday())
    noon = datetime(monday.year, monday.month, monday.day, 12, tzinfo=UTC)
    return [FakeEntry(noon + timedelta(days=i), 5) for i in range(5)]  # Monday to Friday


def card(page: str) -> str:
    """The value and label of the report's entries-per-week card."""
    [found] = re.findall(r"<b>([^<]*)</b><span>(entries per week[^<]*)</span>", page)
    return " ".join(found)


def test_under_a_week_both_withhold_the_rate() -> None:
    found = compute_insights(five_entries(SATURDAY), today=SATURDAY, tz=UTC)
    assert (found.rate_days, found.weekly_rate, found.rate_entries) == (6, None, 5)
    text = rate_text(found)
    assert text.startswith("entries: 5 over 6 days, from 2026-11-30"), text
    assert "entries per week" not in text
    shown = card(render_report(found, generated_at=GENERATED))
    assert shown == (
        "– entries per week: shows once a week of days counts (6 days from 2026-11-30)"
    ), shown
    assert "5.8" not in render_report(found, generated_at=GENERATED)


def test_from_a_week_and_over_a_span_asked_both_show_the_same_rate() -> None:
    sunday = SATURDAY + timedelta(days=1)
    week = compute_insights(five_entries(SATURDAY), today=sunday, tz=UTC)
    assert week.weekly_rate == 5.0
    assert rate_text(week).startswith("entries per week: 5.0 over 7 days"), rate_text(week)
    assert card(render_report(week, generated_at=GENERATED)).startswith("5.0 entries per week")
    since = SATURDAY - timedelta(days=3)  # Wednesday to Saturday: 3 entries over 4 days
    asked = compute_insights(five_entries(SATURDAY), today=SATURDAY, tz=UTC, since=since)
    assert asked.weekly_rate == asked.entries_per_week == 3 * 7 / 4
    assert rate_text(asked).startswith("entries per week: 5.2 over 4 days"), rate_text(asked)
    assert card(render_report(asked, generated_at=GENERATED)).startswith("5.2 entries per week")
