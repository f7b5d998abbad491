"""`client.insights`: mood trends, streaks and goal progress computed on this device, and the
same as one self-contained HTML report (rules in insights.py and report.py, pure).

    found = await client.insights.summary(since=date(2026, 9, 1))
    print(found.streak.current, [w.mean_mood for w in found.weeks])
    html = await client.insights.report_html("Personal")
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

from client_sdk.context import Context
from client_sdk.goal_tracking import Goals
from client_sdk.inputs import checks_inputs
from client_sdk.insights import Insights, compute_insights
from client_sdk.journals import Journals
from client_sdk.measures import Measures
from client_sdk.models import Entry
from client_sdk.report import render_report


@checks_inputs
class InsightReports:
    """Insights over one journal or over every journal this account owns."""

    def __init__(
        self, context: Context, journals: Journals, goals: Goals, measures: Measures
    ) -> None:
        self._context = context
        self._journals = journals
        self._goals = goals
        self._measures = measures

    async def summary(
        self, journal: str | None = None, since: date | None = None, *, today: date | None = None
    ) -> Insights:
        """Mood trend by ISO week (with a sparkline), average mood by tag and by emotion, the
        journaling streak and entries per week, and goal progress, all computed on this
        device (insights.py). Days and weeks count in the writer's local time (each entry's
        UTC offset), so a therapist in another time zone sees the client's days.

        `journal` is one journal, e.g. "Personal", or "ana/Personal" for a journal ana shares
        with you (a therapist's view); without it, every journal this account owns. `since`
        is the first day counted; `today` defaults to today's date where the newest entry
        was written (its UTC offset), else this device's local date. Raises NotFound for an
        unknown journal.
        """
        name = None
        if journal is not None:
            chosen = await self._journals.get(journal)
            name, entries, goals = (
                chosen.name,
                await self._context.entries(chosen.id),
                await self._goals.list(chosen.id),
            )
        else:
            owned = {j.id for j in await self._journals.list() if j.role == "owner"}
            entries = [e for e in await self._context.entries(None) if e.journal_id in owned]
            goals = [g for g in await self._goals.list() if g.journal_id in owned]
        # Computed in a worker thread (pure, on values): at 10,000 entries it would hold an
        # app's event loop (its UI, its live channel) for its whole length (nu82 F7).
        return await asyncio.to_thread(
            compute_insights,
            entries,
            goals,
            today=today or _writers_today(entries),
            since=since,
            journal=name,
        )

    async def report_html(
        self, journal: str | None = None, since: date | None = None, *, title: str | None = None
    ) -> str:
        """`summary()` as one self-contained HTML page: inline SVG charts of mood over time,
        entries per week, goal progress and questionnaire scores (bands shaded, reliable
        changes marked, each instrument's attribution, and under its chart each result whose
        safety item, PHQ-9 item 9, was answered above 0, with what that answer calls for
        whatever the total score: for the journal's owner in this app's words, for a
        therapist in the PHQ Instruction Manual's); no script, no external asset; fits a
        phone; prints whole. Raises NotFound for an unknown journal."""
        found = await self.summary(journal, since)
        own = True
        if journal is not None:
            chosen = await self._journals.get(journal)
            results = await self._measures.list(chosen.id)
            own = chosen.role == "owner"
        else:
            owned = {j.id for j in await self._journals.list() if j.role == "owner"}
            results = [r for r in await self._measures.list() if r.journal_id in owned]
        if since is not None:
            results = [r for r in results if r.taken_at.astimezone().date() >= since]
        return await asyncio.to_thread(  # off the event loop, as summary() (nu82 F7)
            render_report,
            found,
            generated_at=datetime.now().astimezone(),
            title=title,
            scores=results,
            own=own,
        )


def _writers_today(entries: list[Entry]) -> date:
    """Today's date where the newest of `entries` was written (by its UTC offset), else in
    this device's local time zone."""
    newest = max(entries, key=lambda e: e.created_at, default=None)
    if newest is None or newest.utc_offset is None:
        return date.today()
    return datetime.now(timezone(timedelta(minutes=newest.utc_offset))).date()
