"""The helpers the CLI tests use for times (tests/notice_times.py, tests/run_days.py)
match every form the product prints (`cli.output.departure_time`): a test run that crosses
midnight must not fail because a notice then shows the date of a share that ended
yesterday, nor because "today" was read after the command that wrote it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from cli.output import departure_time
from tests.notice_times import NOTICE_TIME, same_moment, timeless
from tests.run_days import days_from


def shown(moment: datetime) -> str:
    return departure_time(int(moment.timestamp() * 1000))


def test_a_notice_time_of_today_and_one_of_yesterday_are_both_masked() -> None:
    now = datetime.now().astimezone()
    today = shown(now)
    yesterday = shown(now - timedelta(days=1, minutes=1))  # what a sync after midnight shows
    assert re.fullmatch(r"\d\d:\d\d", today), today
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", yesterday), yesterday
    for time in (today, yesterday):
        notice = f"Notice: tom no longer reads Personal ({time}): the server says they left"
        assert timeless(notice) == (
            "Notice: tom no longer reads Personal (HH:MM): the server says they left"
        )
        assert re.fullmatch(
            rf"Notice: tom no longer reads Personal \({NOTICE_TIME}\): the server says they left",
            notice,
        )
    assert timeless("(an unknown time) (12:3) (2026-12-01)") == (
        "(an unknown time) (12:3) (2026-12-01)"
    )


def test_same_moment_lets_only_the_date_be_left_out() -> None:
    assert same_moment("23:59", "2026-12-01 23:59")  # told before and after midnight
    assert same_moment("2026-12-01 23:59", "23:59")
    assert same_moment("2026-12-01 23:59", "2026-12-01 23:59")
    assert not same_moment("23:58", "2026-12-01 23:59")
    assert not same_moment("2026-11-30 23:59", "2026-12-01 23:59")
    assert not same_moment("23:58", "23:59")
    with pytest.raises(ValueError):
        same_moment("an unknown time", "23:59")


def test_days_from_lists_each_day_a_run_went_through() -> None:
    today = date.today()
    assert days_from(today) == [today.isoformat()]
    yesterday = today - timedelta(days=1)  # a run that crossed midnight
    assert days_from(yesterday) == [yesterday.isoformat(), today.isoformat()]
    assert days_from(yesterday, shift=1) == [today.isoformat(), (today + timedelta(1)).isoformat()]
