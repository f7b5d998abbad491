"""Dates and times typed on the command line: ISO 8601 (Python's `fromisoformat`), plus the
words `today` and `yesterday`, optionally followed by a time ("yesterday 21:30")."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import click

WORDS = {"today": 0, "yesterday": 1}


def parse_day(text: str, today: date) -> date:
    """`today`, `yesterday` or an ISO date (2026-10-01). Raises ValueError."""
    word = text.strip().lower()
    if word in WORDS:
        return today - timedelta(days=WORDS[word])
    return date.fromisoformat(word)


class NotOnTheClock(ValueError):
    """A local date and time the clocks skip (the hour lost when daylight saving starts)."""


def local(naive: datetime) -> datetime:
    """A naive local date and time as an aware one in this device's zone. Raises
    NotOnTheClock for a time that does not exist there (02:30 when clocks jump 02:00 ->
    03:00): it would otherwise be moved an hour without a word."""
    aware = naive.astimezone()
    if aware.replace(tzinfo=None) != naive:
        zone = aware.tzname() or "this device's time zone"
        raise NotOnTheClock(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks skip it): "
            "give the time before or after the change"
        )
    return aware


def parse_moment(text: str, now: datetime) -> datetime:
    """A moment in local time: an ISO date and time ("2026-10-01 21:30", with or without a
    UTC offset), a day alone (noon that day), or `today`/`yesterday` with an optional time.
    Raises ValueError."""
    words = text.strip().split(maxsplit=1)
    if words and words[0].lower() in WORDS:
        day = parse_day(words[0], now.date())
        at = time.fromisoformat(words[1]) if len(words) > 1 else time(12)
        return local(datetime.combine(day, at))
    try:
        return local(datetime.combine(date.fromisoformat(text.strip()), time(12)))
    except ValueError:
        moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo is not None else local(moment)


class Day(click.ParamType[date, Any]):
    """A calendar day: YYYY-MM-DD, today or yesterday."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value), date.today())
        except ValueError:
            self.fail(f"{value!r} is not a date: use YYYY-MM-DD, today or yesterday", param, ctx)


class Moment(click.ParamType[datetime, Any]):
    """A moment in local time: "YYYY-MM-DD HH:MM", YYYY-MM-DD, or today/yesterday [HH:MM]."""

    name = "WHEN"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = parse_moment(str(value), datetime.now().astimezone())
        except NotOnTheClock as skipped:
            self.fail(str(skipped), param, ctx)
        except ValueError:
            self.fail(
                f"{value!r} is not a date and time: use 'YYYY-MM-DD HH:MM', YYYY-MM-DD, "
                "or today/yesterday with an optional HH:MM",
                param,
                ctx,
            )
        if moment > datetime.now().astimezone() + timedelta(minutes=1):
            self.fail(f"{value!r} is in the future", param, ctx)
        return moment


DAY = Day()
MOMENT = Moment()
