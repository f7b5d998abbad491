"""The HTML report is one self-contained, escaped page whose SVG marks match the data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from xml.etree import ElementTree

from client_sdk.insights import GoalStat, compute_insights
from client_sdk.report import render_report

TODAY = date(2025, 3, 12)
GENERATED = datetime(2025, 3, 12, 18, 30, tzinfo=UTC)
EVIL = '<script>alert("x")</script>&'


@dataclass(frozen=True)
class FakeEntry:
    created_at: datetime
    mood: int | None = None
    tags: tuple[str, ...] = ()
    emotions: tuple[str, ...] = ()
    utc_offset: int | None = None


def goal(title: str, fraction: float | None, done: bool = False) -> GoalStat:
    measure = None if fraction is None else "percent"
    progress = 0 if fraction is None else int(fraction * 100)
    return GoalStat("ab" * 16, "Personal", title, done, progress, fraction, measure, 1, None, None)


def sample_page(entries: list[FakeEntry], goals: tuple[GoalStat, ...] = ()) -> str:
    insights = compute_insights(entries, today=TODAY, tz=UTC, journal=f"Personal {EVIL}")
    insights = type(insights)(**{**insights.__dict__, "goals": goals})
    return render_report(insights, generated_at=GENERATED)


def entries_over_three_weeks() -> list[FakeEntry]:
    return [
        FakeEntry(datetime(2025, 2, 24, 9, tzinfo=UTC), mood=4, tags=(EVIL,)),
        FakeEntry(datetime(2025, 2, 25, 9, tzinfo=UTC), mood=6, emotions=("calm",)),
        FakeEntry(datetime(2025, 3, 11, 9, tzinfo=UTC)),  # W11: an entry without a mood
    ]


def test_the_page_is_self_contained_and_made_for_phones() -> None:
    page = sample_page(entries_over_three_weeks())
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<script" not in page.replace("&lt;script", "")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert "@media" in page  # responsive CSS


def test_user_text_is_html_escaped_everywhere() -> None:
    page = sample_page(entries_over_three_weeks(), (goal(EVIL, 0.5),))
    assert EVIL not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in page


def test_the_charts_draw_one_mark_per_week_with_data_and_one_bar_per_measured_goal() -> None:
    goals = (goal("Walk daily", 0.4), goal("Journal", None), goal("Sleep", 1.0, done=True))
    page = sample_page(entries_over_three_weeks(), goals)
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    charts = {ElementTree.fromstring(svg).get("id"): ElementTree.fromstring(svg) for svg in svgs}
    assert set(charts) == {"mood-chart", "entries-chart", "goals-chart"}
    ns = "{http://www.w3.org/2000/svg}"
    points = charts["mood-chart"].findall(f".//{ns}circle")
    assert [p.get("data-week") for p in points] == ["2025-W09"]  # W10 empty, W11 has no mood
    bars = charts["entries-chart"].findall(f".//{ns}rect")
    assert [(b.get("data-week"), b.get("data-entries")) for b in bars] == [
        ("2025-W09", "2"),
        ("2025-W11", "1"),
    ]
    goal_bars = [
        r for r in charts["goals-chart"].iter(f"{ns}rect") if "goal-bar" in r.get("class", "")
    ]
    assert [float(r.get("data-fraction", "")) for r in goal_bars] == [0.4, 1.0]


def test_bar_heights_are_proportional_to_the_entry_counts() -> None:
    page = sample_page(entries_over_three_weeks())
    heights = [float(h) for h in re.findall(r'class="entries-bar"[^>]*height="([\d.]+)"', page)]
    assert heights[0] == 2 * heights[1]


def test_an_empty_period_says_so_instead_of_drawing_empty_charts() -> None:
    page = sample_page([])
    assert "<svg" not in page
    assert "No moods recorded" in page and "No entries in this period" in page
    assert "No goals yet" in page


def test_year_in_pixels_has_one_square_per_day_of_the_year_coloured_by_mood() -> None:
    entries = [
        FakeEntry(datetime(2025, 1, 1, 9, tzinfo=UTC), mood=2),
        FakeEntry(datetime(2025, 1, 1, 21, tzinfo=UTC), mood=9),  # the day's mood: 5.5 -> 6
        FakeEntry(datetime(2025, 3, 11, 9, tzinfo=UTC)),  # an entry without a mood
        FakeEntry(datetime(2024, 12, 31, 9, tzinfo=UTC), mood=10),  # another year
    ]
    page = sample_page(entries)
    grid = page[page.index('<div class="pixels"') : page.index('<div class="pixel-legend"')]
    assert 'data-year="2025"' in grid
    cells = re.findall(r'<span class="pixel ([a-z0-9 -]+)"', grid)
    assert len([c for c in cells if c != "none"]) == 365
    assert cells.count("none") == 12 * 31 - 365  # the days months do not have, hidden
    assert re.findall(r'class="pixel (m\d+)" data-mood', grid) == ["m6"]
    assert cells.count("no-mood") == 1
    assert 'title="2025-01-01: mood 5.5, 2 entries"' in grid
    for month in ("Jan", "Feb", "Dec"):
        assert f'<span class="month">{month}</span>' in grid  # HTML text: the page's size


def test_chart_text_is_the_pages_text_size_and_charts_never_grow_past_their_units() -> None:
    page = sample_page(entries_over_three_weeks())
    assert "svg { display: block; width: 100%; max-width: 480px; height: auto; }" in page
    assert re.search(r"svg text \{[^}]*font-size: 16px", page)  # 16 units = 1rem at 1:1
    assert "font: 16px/1.5" in page  # the page's own text
