"""The HTML report: one self-contained page with inline SVG charts, from an Insights value.

    page = render_report(insights, generated_at=datetime.now().astimezone())

No JavaScript, no external asset, no network: the page opens from a file on a phone and can be
mailed or printed. Every piece of user text (journal names, tags, emotions, goal titles) is
HTML-escaped. Charts (each an `<svg>` with a class per data mark, so tests can count them):

- mood over time: a line with one `circle.mood-point` per ISO week that has a mood;
- entries per week: one `rect.entries-bar` per week with entries;
- goal progress: one `rect.goal-bar` per goal that has a measure.

Pure: it builds a string; the caller writes it and passes the time to print.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from html import escape

from client_sdk.care_terms import SAFETY_UNKNOWN
from client_sdk.insights import GoalStat, Insights, MoodGroup, WeekStat
from client_sdk.pixels import STYLE as PIXELS_STYLE
from client_sdk.pixels import year_in_pixels
from client_sdk.results import MeasureResult, unknown_to_reader
from client_sdk.score_charts import STYLE as SCORE_STYLE
from client_sdk.score_charts import safety_lines, score_section

WIDTH, HEIGHT = 480, 200  # viewBox units; a chart is at most WIDTH CSS pixels wide (max-width),
# so on a wide screen one unit is one CSS pixel and chart text (16 units) is the page's 16px
# text; on a 412-pixel phone it scales to about 13px.
LEFT, RIGHT, TOP, BOTTOM = 34, 10, 12, 30
MAX_X_LABELS = 6  # week labels under a chart: room for "05 Oct" at the page's text size
GOAL_ROW = 34

STYLE = """
:root { color-scheme: light dark; --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec;
  --card: #f5f7fa; --mood: #2f80ed; --bar: #27ae60; --goal: #9b51e0; --done: #27ae60; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #e4e7eb; --muted: #9aa5b1; --line: #3e4c59; --card: #1f2933; }
  body { background: #111820; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 0; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 0.5rem; }
.meta, .note { color: var(--muted); font-size: 0.9rem; margin: 0.25rem 0; }
.cards { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 1rem; }
.card { flex: 1 1 8rem; background: var(--card); border-radius: 0.5rem; padding: 0.6rem 0.8rem; }
.card b { display: block; font-size: 1.4rem; }
.card span { color: var(--muted); font-size: 0.85rem; }
svg { display: block; width: 100%; max-width: 480px; height: auto; }
svg text { fill: var(--muted); font-size: 16px; font-family: inherit; }
svg .axis { stroke: var(--line); stroke-width: 1; }
svg .mood-line { fill: none; stroke: var(--mood); stroke-width: 2; }
svg .mood-point { fill: var(--mood); }
svg .entries-bar { fill: var(--bar); }
svg .goal-track { fill: var(--card); stroke: var(--line); }
svg .goal-bar { fill: var(--goal); }
svg .goal-bar.done { fill: var(--done); }
svg .goal-title { fill: var(--ink); font-size: 16px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


def render_report(
    insights: Insights,
    *,
    generated_at: datetime,
    title: str | None = None,
    scores: Sequence[MeasureResult] = (),
    own: bool = True,
) -> str:
    """The whole page as a string (UTF-8 when written). `scores` adds the questionnaire
    charts (score_charts.py): bands shaded, reliable changes marked, attribution shown, and
    under its chart the line of each safety item (PHQ-9 item 9) answered above 0, in the
    words for the client (`own`, the journal's owner reads it) or for a therapist."""
    heading = title or "Journal insights"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title>",
        f"<style>{STYLE}{SCORE_STYLE}{PIXELS_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(heading)}</h1>",
        f'<p class="meta">{escape(scope_text(insights))}</p>',
        f'<p class="meta">Generated {escape(generated_at.strftime("%Y-%m-%d %H:%M"))} on this '
        "device, from decrypted entries; the server never sees these numbers.</p>",
        *safety_note(scores, own),
        summary_cards(insights),
        '<section id="mood"><h2>Mood over time</h2>',
        mood_chart(insights.weeks),
        "</section>",
        '<section id="entries"><h2>Entries per week</h2>',
        entries_chart(insights.weeks),
        "</section>",
        '<section id="year"><h2>Year in pixels</h2>',
        year_in_pixels(insights.day_moods, insights.today.year),
        "</section>",
        '<section id="goals"><h2>Goal progress</h2>',
        goals_chart(insights.goals),
        "</section>",
        '<section id="scores"><h2>Questionnaires</h2>',
        score_section(scores, own=own),
        "</section>",
        '<section id="tags"><h2>Mood by tag</h2>',
        groups_table(insights.by_tag, "tag"),
        "</section>",
        '<section id="emotions"><h2>Mood by emotion</h2>',
        groups_table(insights.by_emotion, "emotion"),
        "</section>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def safety_note(scores: Sequence[MeasureResult], own: bool) -> list[str]:
    """A line at the top of the page when a result shown answered a safety item (PHQ-9 item
    9) above 0, pointing to the Questionnaires section, where each is said under its chart
    with what it calls for (score_charts.py); another when a client's result shown came
    without its answers, so that item is not known (`results.unknown_to_reader`); none
    otherwise."""
    count = sum(1 for result in scores if safety_lines(result, own))
    unknown = sum(1 for result in scores if unknown_to_reader(result.safety_unknown, own))
    lines = []
    if count:
        which = "result" if count == 1 else "results"
        lines.append(
            f'<p class="safety-item"><b>PHQ-9 item 9 was answered above 0 in {count} {which} '
            'shown here</b>: see <a href="#scores">Questionnaires</a>, under the PHQ-9 chart.</p>'
        )
    if unknown:
        which = "result" if unknown == 1 else "results"
        lines.append(
            f'<p class="safety-unknown"><b>PHQ-9 {SAFETY_UNKNOWN} in {unknown} {which} shown '
            "here</b>: whether item 9 was answered above 0 is not known to you; see "
            '<a href="#scores">Questionnaires</a>, under the PHQ-9 chart.</p>'
        )
    return lines


def scope_text(insights: Insights) -> str:
    journal = f"Journal {insights.journal}" if insights.journal else "All your journals"
    first = insights.since or (insights.weeks[0].start if insights.weeks else None)
    period = f"{first.isoformat()} to {insights.today.isoformat()}" if first else "no entries yet"
    return f"{journal} · {period}"


def rate_label(insights: Insights) -> str:
    """Over which days entries per week are counted."""
    if insights.rate_since is None:
        return "no entries"
    count = f"{insights.rate_days} day{'s' if insights.rate_days != 1 else ''}"
    return f"{count} from {insights.rate_since.isoformat()}"


def rate_card(insights: Insights) -> tuple[str, str]:
    """Entries per week and their span; a dash over a first week of use, as `tj insights`
    withholds it (`Insights.weekly_rate`, the one rule of both)."""
    rate = insights.weekly_rate
    if rate is None:
        return "–", f"entries per week: shows once a week of days counts ({rate_label(insights)})"
    return f"{rate:.1f}", f"entries per week ({rate_label(insights)})"


def summary_cards(insights: Insights) -> str:
    cards = [
        (str(insights.entries), "entry" if insights.entries == 1 else "entries"),
        (mood_text(insights.mood), "average mood (1-10)"),
        rate_card(insights),
        (days_text(insights.streak.current), "current streak"),
        (days_text(insights.streak.longest), "longest streak"),
    ]
    items = "".join(
        f'<div class="card"><b>{escape(value)}</b><span>{escape(label)}</span></div>'
        for value, label in cards
    )
    return f'<div class="cards">{items}</div>'


def mood_text(mood: float | None) -> str:
    return "–" if mood is None else f"{mood:.1f}"


def days_text(days: int) -> str:
    return f"{days} day{'s' if days != 1 else ''}"


# --- charts ----------------------------------------------------------------------------------


def plot_width() -> float:
    return WIDTH - LEFT - RIGHT


def plot_height() -> float:
    return HEIGHT - TOP - BOTTOM


def slot_x(index: int, count: int) -> float:
    """Center of the index-th of `count` equal slots across the plot."""
    return LEFT + (index + 0.5) * plot_width() / count


def mood_y(mood: float) -> float:
    return TOP + (10 - mood) / 9 * plot_height()


def svg_open(chart_id: str, label: str, height: float = HEIGHT) -> str:
    return (
        f'<svg id="{chart_id}" viewBox="0 0 {WIDTH} {fmt(height)}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>"
    )


def mood_chart(weeks: Sequence[WeekStat]) -> str:
    if not any(week.mood is not None for week in weeks):
        return '<p class="note">No moods recorded in this period.</p>'
    count = len(weeks)
    parts = [svg_open("mood-chart", "Average mood per week, 1 to 10")]
    for mood in (1, 5, 10):
        y = fmt(mood_y(mood))
        parts.append(f'<line class="axis" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" dy="4">{mood}</text>')
    parts.append(f'<path class="mood-line" d="{mood_path(weeks)}"/>')
    for index, week in enumerate(weeks):
        if week.mood is None:
            continue
        label = f"{week.week} (from {week.start.isoformat()}): mood {week.mood:.1f}, {plural(week.moods, 'entry', 'entries')} with a mood"
        parts.append(
            f'<circle class="mood-point" data-week="{week.week}" cx="{fmt(slot_x(index, count))}" '
            f'cy="{fmt(mood_y(week.mood))}" r="4"><title>{escape(label)}</title></circle>'
        )
    parts.extend(x_labels([week.start for week in weeks]))
    parts.append("</svg>")
    return "".join(parts)


def mood_path(weeks: Sequence[WeekStat]) -> str:
    """The mood line, lifted over weeks without a mood (a gap in the line, not a dip)."""
    commands = []
    pen_down = False
    for index, week in enumerate(weeks):
        if week.mood is None:
            pen_down = False
            continue
        x, y = fmt(slot_x(index, len(weeks))), fmt(mood_y(week.mood))
        commands.append(f"{'L' if pen_down else 'M'}{x} {y}")
        pen_down = True
    return " ".join(commands)


def entries_chart(weeks: Sequence[WeekStat]) -> str:
    busiest = max((week.entries for week in weeks), default=0)
    if busiest == 0:
        return '<p class="note">No entries in this period.</p>'
    count = len(weeks)
    slot = plot_width() / count
    bar = max(min(slot * 0.7, 40), 1)
    parts = [svg_open("entries-chart", "Entries per week")]
    base = TOP + plot_height()
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>')
    parts.append(f'<text x="{LEFT - 6}" y="{TOP}" text-anchor="end" dy="4">{busiest}</text>')
    parts.append(f'<text x="{LEFT - 6}" y="{base}" text-anchor="end" dy="4">0</text>')
    for index, week in enumerate(weeks):
        if week.entries == 0:
            continue
        height = week.entries / busiest * plot_height()
        label = f"{week.week} (from {week.start.isoformat()}): {plural(week.entries, 'entry', 'entries')}"
        parts.append(
            f'<rect class="entries-bar" data-week="{week.week}" data-entries="{week.entries}" '
            f'x="{fmt(slot_x(index, count) - bar / 2)}" y="{fmt(base - height)}" '
            f'width="{fmt(bar)}" height="{fmt(height)}"><title>{escape(label)}</title></rect>'
        )
    parts.extend(x_labels([week.start for week in weeks]))
    parts.append("</svg>")
    return "".join(parts)


def goals_chart(goals: Sequence[GoalStat]) -> str:
    if not goals:
        return '<p class="note">No goals yet.</p>'
    height = len(goals) * GOAL_ROW * 1.6 + 8
    track = WIDTH - 2 * RIGHT
    parts = [svg_open("goals-chart", "Progress of each goal", height)]
    for index, goal in enumerate(goals):
        top = 4 + index * GOAL_ROW * 1.6
        status = " · done" if goal.done else ""
        title = f"{goal.title} ({goal.progress_text()}{status})"
        parts.append(
            f'<text class="goal-title" x="{RIGHT}" y="{fmt(top + 13)}">{escape(title)}</text>'
        )
        bar_y = fmt(top + 20)
        parts.append(
            f'<rect class="goal-track" x="{RIGHT}" y="{bar_y}" width="{track}" height="14" rx="7"/>'
        )
        if goal.fraction is not None:
            done = " done" if goal.done else ""
            width = max(goal.fraction * track, 0.0)
            parts.append(
                f'<rect class="goal-bar{done}" data-goal="{escape(goal.id)}" '
                f'data-fraction="{goal.fraction:.4f}" x="{RIGHT}" y="{bar_y}" '
                f'width="{fmt(width)}" height="14" rx="7">'
                f"<title>{escape(title)}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


def x_labels(starts: Sequence[date]) -> list[str]:
    """Week start dates under the plot, at most MAX_X_LABELS of them."""
    step = max(1, math.ceil(len(starts) / MAX_X_LABELS))
    y = fmt(HEIGHT - BOTTOM + 18)
    return [
        f'<text x="{fmt(slot_x(index, len(starts)))}" y="{y}" text-anchor="middle">'
        f"{start.strftime('%d %b')}</text>"
        for index, start in enumerate(starts)
        if index % step == 0
    ]


# --- tables ----------------------------------------------------------------------------------


def groups_table(groups: Iterable[MoodGroup], what: str) -> str:
    rows = [
        f'<tr><td>{escape(group.name)}</td><td class="num">{group.entries}</td>'
        f'<td class="num">{escape(mood_text(group.mood))}</td></tr>'
        for group in groups
    ]
    if not rows:
        return f'<p class="note">No {escape(what)}s in this period.</p>'
    return (
        '<div class="table-wrap"><table>'
        f'<thead><tr><th>{escape(what)}</th><th class="num">entries</th>'
        '<th class="num">average mood</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def fmt(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
