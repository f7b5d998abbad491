"""Dates and times typed on the command line (cli/dates.py): a local time the clocks skip is
refused, never moved an hour without a word."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from cli.dates import NotOnTheClock, parse_moment


@pytest.fixture
def in_zurich(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Zurich")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_time_the_clocks_skip_is_refused_and_others_keep_their_offset(
    in_zurich: None,
) -> None:
    now = datetime(2026, 12, 1, 9, 0).astimezone()
    with pytest.raises(NotOnTheClock, match="2026-03-29 02:30 does not exist"):
        parse_moment("2026-03-29 02:30", now)
    summer = parse_moment("2026-07-01 10:00", now)
    assert (summer.hour, summer.utcoffset()) == (10, timedelta(hours=2))
    winter = parse_moment("2026-03-29 01:30", now)
    assert (winter.hour, winter.utcoffset()) == (1, timedelta(hours=1))
    assert parse_moment("2026-03-29 03:30", now).utcoffset() == timedelta(hours=2)


def test_a_time_the_clocks_show_twice_is_refused_naming_both(in_zurich: None) -> None:
    """NU41 #11: 02:30 on the night the clocks go back (03:00 -> 02:00) happens twice: it was
    taken as the first without a word. It is refused, naming both as they can be given."""
    now = datetime(2026, 12, 1, 9, 0).astimezone()
    with pytest.raises(NotOnTheClock) as refused:
        parse_moment("2026-10-25 02:30", now)
    said = str(refused.value)
    assert said == (
        "2026-10-25 02:30 happens twice here (the clocks go back): give it with its UTC "
        "offset, 2026-10-25 02:30+0200 (CEST, the first) or 2026-10-25 02:30+0100 (CET, the "
        "second)"
    ), said
    second = parse_moment("2026-10-25 02:30+0100", now)
    assert (second.hour, second.utcoffset()) == (2, timedelta(hours=1))
    before = parse_moment("2026-10-25 01:30", now)  # an hour that happens once
    assert before.utcoffset() == timedelta(hours=2)
