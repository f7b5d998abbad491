"""Year in pixels: one small square per day of a calendar year, coloured by that day's average
mood (the writer's local days), as HTML for the report. Pure: no I/O, no clock.

Months are rows and days of the month columns (31 squares fit a phone's width at about 10 CSS
pixels each); labels are HTML text, so they are the size of the page's own text. A day with
entries but no mood is grey; a day without entries is an empty outline.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from html import escape

from client_sdk.patterns import DayMood

MOOD_COLOURS = (  # 1 (hardest) to 10 (best), red through yellow to green
    "#b91c1c", "#dc2626", "#ea580c", "#f59e0b", "#facc15",
    "#d9f99d", "#a3e635", "#4ade80", "#22c55e", "#15803d",
)  # fmt: skip

STYLE = """
.pixels { display: grid; grid-template-columns: 2.5rem repeat(31, minmax(0, 1fr)); gap: 2px;
  align-items: center; font-size: 0.85rem; }
.pixels .month { color: var(--muted); }
.pixel { aspect-ratio: 1; border-radius: 2px; border: 1px solid var(--line); }
.pixel.none { visibility: hidden; }
.pixel.no-mood { background: var(--line); }
.pixel-legend { display: flex; gap: 4px; align-items: center; flex-wrap: wrap;
  color: var(--muted); font-size: 0.85rem; margin-top: 0.5rem; }
.pixel-legend .pixel { width: 1rem; }
""" + "".join(
    f".pixel.m{n} {{ background: {c}; border-color: {c}; }}\n"
    for n, c in enumerate(MOOD_COLOURS, 1)
)


def year_in_pixels(days: Iterable[DayMood], year: int) -> str:
    """The grid for `year` (the section's body): one `.pixel` per real day of the year,
    classed `m1`..`m10` by its rounded average mood, `no-mood`, or `empty`."""
    by_day = {d.day: d for d in days if d.day.year == year}
    rows = [f'<div class="pixels" id="pixels" data-year="{year}" role="img" '
            f'aria-label="{escape(f"Mood of each day of {year}")}">']  # fmt: skip
    for month in range(1, 13):
        rows.append(f'<span class="month">{calendar.month_abbr[month]}</span>')
        last = calendar.monthrange(year, month)[1]
        for number in range(1, 32):
            if number > last:
                rows.append('<span class="pixel none"></span>')
                continue
            day = date(year, month, number)
            rows.append(_cell(day, by_day.get(day)))
    rows.append("</div>")
    rows.append(_legend())
    return "".join(rows)


def _cell(day: date, found: DayMood | None) -> str:
    if found is None:
        return f'<span class="pixel empty" title="{day.isoformat()}: no entry"></span>'
    entries = f"{found.entries} entr{'y' if found.entries == 1 else 'ies'}"
    if found.mood is None:
        title = f"{day.isoformat()}: {entries}, no mood"
        return f'<span class="pixel no-mood" title="{escape(title)}"></span>'
    level = min(max(round(found.mood), 1), 10)
    title = f"{day.isoformat()}: mood {found.mood:.1f}, {entries}"
    return f'<span class="pixel m{level}" data-mood="{level}" title="{escape(title)}"></span>'


def _legend() -> str:
    cells = "".join(f'<span class="pixel m{n}"></span>' for n in range(1, 11))
    return (
        f'<div class="pixel-legend"><span>mood 1</span>{cells}<span>10</span>'
        '<span class="pixel no-mood"></span><span>no mood</span></div>'
    )
