"""The caseload as one self-contained HTML page, like the report (no script, no external asset,
readable on a phone; every piece of client text HTML-escaped). Rows needing attention come
first and carry the class `attention`; a row with an unacknowledged safety flag also carries
`safety`. Pure: it builds a string.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from client_sdk.care_terms import SAFETY_UNKNOWN_LINE
from client_sdk.caseload import (
    ONE_BY_ONE_LINE,
    SPARK_WEEKS,
    CaseloadRow,
    ScoreLine,
    change_words,
    results_ended_lines,
)
from client_sdk.models import and_words
from client_sdk.report import STYLE
from client_sdk.results import band_words, unknown_to_reader

EXTRA_STYLE = """
.row { background: var(--card); border-radius: 0.5rem; padding: 0.6rem 0.8rem; margin: 0.6rem 0; }
.row.safety { border-left: 0.35rem solid #d64545; }
.row.attention { border-left: 0.35rem solid #f0b429; }
.row.safety.attention { border-left-color: #d64545; }
.row h2 { margin: 0; font-size: 1.1rem; }
.flags { margin: 0.3rem 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 0.3rem; }
.flags li { background: #fde8e8; color: #8a1c1c; border-radius: 1rem; padding: 0 0.6rem; font-size: 0.85rem; }
.spark { font-size: 1.2rem; letter-spacing: 0.05rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; margin: 0.3rem 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
"""


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "never"


def _score(line: ScoreLine) -> str:
    """A score in the page's scores cell: "PHQ-9 1 (None-minimal; item 9 answered 1 (Several
    days), above 0), +1 since the one before, +1 since the first (no reliable change)": the
    result as `results.band_words` says it (never without item 9, as `tj caseload` and every
    other view), then its changes."""
    result, course = line.result, line.since_baseline
    text = f"{escape(result.name)} {result.score} ({escape(band_words(result))})"
    if line.change:
        text += f", {line.change.change:+d} since the one before"
    if course:
        text += f", {course.change:+d} since the first"
        text += f" ({escape(course.reliable)})" if course.reliable else ""
    return text


def _row(row: CaseloadRow) -> str:
    classes = (
        ["row"] + (["safety"] if row.safety_flags else []) + (["attention"] if row.flags else [])
    )
    flags = "".join(f"<li>{escape(flag)}</li>" for flag in row.flags)
    mood = "no moods" if row.mood_recent is None else f"{row.mood_recent:.1f}/10"
    if row.mood_change is not None:
        mood += f" ({change_words(row.mood_change, 'the 4 weeks before')})"
    scores = "; ".join(_score(s) for s in row.scores)
    goals = "; ".join(
        f"{escape(g.title)} (last check-in {_when(g.last_checkin)})" for g in row.goals
    )
    return (
        f'<section class="{" ".join(classes)}"><h2>{escape(row.client)}</h2>'
        f'<ul class="flags">{flags}</ul><dl>'
        f"<dt>last entry</dt><dd>{_when(row.last_entry)}</dd>"
        f"<dt>last 7 days</dt><dd>{row.entries_this_week} "
        f"{'entry' if row.entries_this_week == 1 else 'entries'}</dd>"
        f"<dt>mood, 4 weeks</dt><dd>{mood}</dd>"
        f'<dt>mood by week, {SPARK_WEEKS} weeks</dt><dd><span class="spark">'
        f"{escape(row.sparkline)}</span></dd>"
        f"<dt>scores</dt><dd>{scores or 'none'}</dd>"
        f"<dt>goals</dt><dd>{goals or 'none'}</dd>"
        f"<dt>overdue</dt><dd>{escape(', '.join(row.overdue)) or 'nothing'}</dd>"
        f"<dt>brief</dt><dd>{_when(row.brief_at) if row.brief_id else 'none'}</dd>"
        "</dl></section>"
    )


def _unknown_line(rows: Sequence[CaseloadRow]) -> str:
    """Below the rows when a client's latest PHQ-9 came without its answers (its score cell
    says only `SAFETY_UNKNOWN`): who, and what that means, once, as `tj caseload` says it."""
    clients = [
        row.client
        for row in rows
        if any(unknown_to_reader(s.result.safety_unknown) for s in row.scores)
    ]
    if not clients:
        return ""
    return f'<p class="note">{escape(and_words(clients))}: {escape(SAFETY_UNKNOWN_LINE)}</p>'


def _one_by_one_line(rows: Sequence[CaseloadRow]) -> str:
    """Below the rows when a client's scores all came one at a time
    (`CaseloadRow.results_one_by_one`): who, and that a newer result may not be shared."""
    clients = [row.client for row in rows if row.results_one_by_one]
    if not clients:
        return ""
    return f'<p class="note">{escape(and_words(clients))}: {escape(ONE_BY_ONE_LINE)}</p>'


def _results_ended_lines(rows: Sequence[CaseloadRow]) -> str:
    """Below the rows when a client's scores came from a journal whose share ended or the
    server no longer serves (`CaseloadRow.results_from_ended` / `results_from_unlisted`)."""
    return "".join(f'<p class="note">{escape(line)}</p>' for line in results_ended_lines(rows))


def render_caseload(rows: Sequence[CaseloadRow], *, generated_at: datetime) -> str:
    body = (
        ("".join(_row(row) for row in rows) or '<p class="note">No client shares with you yet.</p>')
        + _unknown_line(rows)
        + _one_by_one_line(rows)
        + _results_ended_lines(rows)
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Caseload</title><style>{STYLE}{EXTRA_STYLE}</style></head><body><main>"
        f'<h1>Caseload</h1><p class="meta">{len(rows)} clients, generated '
        f"{escape(_when(generated_at))}; computed on this device from what clients shared. "
        "This page is not monitored: act on safety flags through your usual crisis procedure.</p>"
        f"{body}</main></body></html>"
    )
