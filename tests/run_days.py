"""The local dates a test ran through, for asserting on a date the product wrote "today".

A command stamps today's date as it runs; a test that reads `date.today()` afterwards fails
on a run that crosses midnight between the two. `days_from(start)` (with `start` read before
the command) gives every local date the run went through: one date, unless it crossed
midnight, so an assertion on membership is exactly as strict as an equality on other runs."""

from __future__ import annotations

from datetime import date, timedelta


def days_from(start: date, shift: int = 0) -> list[str]:
    """Each local date from `start` to today (ISO 8601, oldest first), each moved by `shift`
    days ("tomorrow" as a command read it: shift=1)."""
    today = date.today()
    count = (today - start).days + 1
    return [(start + timedelta(days=n + shift)).isoformat() for n in range(max(count, 1))]
