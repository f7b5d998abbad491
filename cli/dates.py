"""Dates and times typed on the command line: ISO 8601 (Python's `fromisoformat`), plus the
words `today` and `yesterday` (and `tomorrow` where a day may be ahead), optionally followed
by a time ("yesterday 21:30"). Every command's dates go through here (NU22 C8), and every
refusal is in plain words: YYYY-MM-DD, never a strftime pattern."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import click

WORDS = {"today": 0, "yesterday": 1, "tomorrow": -1}
"""Days back from today."""

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""Times are milliseconds since 1970 (UTC) on the wire: nothing earlier is written."""

_DAY_SHAPE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?")
_ONE_DIGIT_HOUR = re.compile(r"(?:(?<=^)|(?<=\d{4}-\d{2}-\d{2}[ T]))(\d)(?=:\d{2}(?::\d{2})?$)")
"""A clock time's one-digit hour ("7:30", "2026-11-30 7:30"), which ISO 8601 writes "07:30":
read as typed (NU35 #9). Minutes keep their two digits ("9:5" is refused)."""


def padded_hour(text: str) -> str:
    """`text` with a one-digit hour of its clock time given its leading zero ("7:30" ->
    "07:30", "2026-11-30 7:30" -> "2026-11-30 07:30"); anything else unchanged."""
    return _ONE_DIGIT_HOUR.sub(r"0\1", text.strip())


def no_such_day(text: str) -> str | None:
    """Why `text`, shaped YYYY-MM-DD (maybe with a time after it), names no day of the
    calendar ("there is no 2026-02-30: February 2026 has 28 days"); None when it does, or
    when it is not shaped so."""
    shape = _DAY_SHAPE.fullmatch(text.strip())
    if shape is None:
        return None
    year, month, day = (int(part) for part in shape.groups())
    try:
        date(year, month, day)
    except ValueError:
        named = shape.group(0)[:10]
        if not 1 <= month <= 12:
            return f"there is no {named}: a month is 01 to 12"
        if year < 1:
            return f"there is no {named}: years start at 0001"
        days = 31 if month == 12 else (date(year, month + 1, 1) - timedelta(days=1)).day
        return f"there is no {named}: {date(year, month, 1):%B %Y} has {days} days"
    return None


def parse_day(text: str, today: date) -> date:
    """`today`, `yesterday`, `tomorrow` or an ISO date (2026-10-01). Raises ValueError."""
    word = text.strip().lower()
    if word in WORDS:
        return today - timedelta(days=WORDS[word])
    return date.fromisoformat(word)


class NotOnTheClock(ValueError):
    """A local date and time the clocks skip (the hour lost when daylight saving starts), or
    one they show twice (the hour repeated when it ends)."""


def local(naive: datetime) -> datetime:
    """A naive local date and time as an aware one in this device's zone. Raises
    NotOnTheClock for a time that does not exist there (02:30 when clocks jump 02:00 ->
    03:00): it would otherwise be moved an hour without a word; and for one that happens
    twice (01:30 when clocks go back 02:00 -> 01:00), naming both with their UTC offsets to
    give instead: it would otherwise be taken as the first without a word (NU41 #11)."""
    aware = naive.astimezone()
    if aware.replace(tzinfo=None) != naive:
        zone = aware.tzname() or "this device's time zone"
        raise NotOnTheClock(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks skip it): "
            "give the time before or after the change"
        )
    first, second = naive.replace(fold=0).astimezone(), naive.replace(fold=1).astimezone()
    if first.utcoffset() != second.utcoffset():
        shown = f"{naive:%Y-%m-%d %H:%M}"
        raise NotOnTheClock(
            f"{shown} happens twice here (the clocks go back): give it with its UTC offset, "
            f"{shown}{first:%z} ({first.tzname()}, the first) or {shown}{second:%z} "
            f"({second.tzname()}, the second)"
        )
    return aware


def parse_moment(text: str, now: datetime) -> datetime:
    """A moment in local time: an ISO date and time ("2026-10-01 21:30", with or without a
    UTC offset), a day alone (noon that day), or `today`/`yesterday` with an optional time;
    an hour may have one digit ("today 7:30": `padded_hour`). Raises ValueError."""
    words = text.strip().split(maxsplit=1)
    if words and words[0].lower() in WORDS:
        day = parse_day(words[0], now.date())
        at = time.fromisoformat(padded_hour(words[1])) if len(words) > 1 else time(12)
        return local(datetime.combine(day, at))
    try:
        return local(datetime.combine(date.fromisoformat(text.strip()), time(12)))
    except ValueError:
        moment = datetime.fromisoformat(padded_hour(text))
    return moment if moment.tzinfo is not None else local(moment)


class Day(click.ParamType[date, Any]):
    """A calendar day: YYYY-MM-DD, today or yesterday (or tomorrow)."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            day = parse_day(str(value), date.today())
        except ValueError:
            impossible = no_such_day(str(value))
            if impossible is not None:
                self.fail(impossible, param, ctx)
            self.fail(f"{value!r} is not a date: use YYYY-MM-DD, today or yesterday", param, ctx)
        if day < EARLIEST.date():
            self.fail(f"{value!r}: dates before 1970 are not supported", param, ctx)
        return day


class Moment(click.ParamType[datetime, Any]):
    """A moment in local time: "YYYY-MM-DD HH:MM", YYYY-MM-DD, or today/yesterday [HH:MM].
    `ahead`: a moment to come is accepted (a first due date), and a day alone means its
    start (00:00) rather than noon."""

    name = "WHEN"

    def __init__(self, ahead: bool = False) -> None:
        self.ahead = ahead

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value)
        try:
            if self.ahead and _DAY_SHAPE.fullmatch(text.strip()) and len(text.strip()) == 10:
                moment = local(datetime.combine(date.fromisoformat(text.strip()), time()))
            else:
                moment = parse_moment(text, datetime.now().astimezone())
        except NotOnTheClock as skipped:
            self.fail(str(skipped), param, ctx)
        except ValueError:
            impossible = no_such_day(text)
            if impossible is not None:
                self.fail(impossible, param, ctx)
            self.fail(
                f"{value!r} is not a date and time: use 'YYYY-MM-DD HH:MM', YYYY-MM-DD, "
                "or today/yesterday with an optional HH:MM",
                param,
                ctx,
            )
        if moment < EARLIEST:
            self.fail(f"{value!r}: dates before 1970 are not supported", param, ctx)
        if not self.ahead and moment > datetime.now().astimezone() + timedelta(minutes=1):
            self.fail(f"{value!r} is in the future", param, ctx)
        return moment


DAY = Day()
MOMENT = Moment()
AHEAD = Moment(ahead=True)
"""A moment that may be to come (`tj assign --starts`)."""
