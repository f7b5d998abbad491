"""Choosing entries by time range, tag and emotion, in order and up to a limit; and "on this
day" in earlier years, by the writer's local day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from client_sdk.errors import InvalidInput
from client_sdk.models import Entry
from client_sdk.queries import on_this_day, once_each, select_entries

NEW_YORK = -5 * 60


def entry(
    at: datetime,
    *,
    tags: tuple[str, ...] = (),
    emotions: tuple[str, ...] = (),
    offset: int | None = 0,
    name: str = "",
) -> Entry:
    return Entry(
        name or at.isoformat(),
        "Personal",
        "00" * 16,
        "",
        "text",
        None,
        tags,
        at,
        at,
        False,
        emotions,
        None,
        offset,
    )


def ids(entries: list[Entry]) -> list[str]:
    return [e.id for e in entries]


def day(n: int, hour: int = 12) -> datetime:
    return datetime(2026, 10, n, hour, tzinfo=UTC)


def test_entries_come_newest_first_unless_oldest_first_is_asked() -> None:
    found = [entry(day(2), name="b"), entry(day(1), name="a"), entry(day(3), name="c")]
    assert ids(select_entries(found)) == ["c", "b", "a"]
    assert ids(select_entries(found, newest_first=False)) == ["a", "b", "c"]
    assert ids(select_entries(found, newest_first=False, limit=2)) == ["a", "b"]


def test_date_bounds_are_whole_inclusive_days_of_the_writer() -> None:
    # 03:00 UTC on the 2nd is 22:00 on the 1st in New York: it belongs to the 1st.
    late_evening = entry(day(2, hour=3), offset=NEW_YORK, name="ny")
    noon = entry(day(2), name="noon")
    found = [late_evening, noon, entry(day(3), name="third")]
    assert ids(select_entries(found, since=date(2026, 10, 2), until=date(2026, 10, 2))) == ["noon"]
    assert ids(select_entries(found, until=date(2026, 10, 1))) == ["ny"]


def test_datetime_bounds_compare_instants() -> None:
    found = [entry(day(1, 10), name="10"), entry(day(1, 11), name="11")]
    paris = timezone(timedelta(hours=1))
    since = datetime(2026, 10, 1, 12, tzinfo=paris)  # 11:00 UTC
    assert ids(select_entries(found, since=since)) == ["11"]
    assert ids(select_entries(found, until=since)) == ["11", "10"]


def test_tag_ignores_case_and_emotion_must_be_carried() -> None:
    found = [
        entry(day(1), tags=("Sleep",), emotions=("tired",), name="a"),
        entry(day(2), tags=("work",), emotions=("calm",), name="b"),
    ]
    assert ids(select_entries(found, tag="sleep")) == ["a"]
    assert ids(select_entries(found, emotion="calm")) == ["b"]
    assert select_entries(found, tag="sleep", emotion="calm") == []


def test_bad_queries_are_refused_with_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="limit"):
        select_entries([], limit=0)
    with pytest.raises(InvalidInput, match="time zone"):
        select_entries([], since=datetime(2026, 10, 1))
    with pytest.raises(InvalidInput, match="after"):
        select_entries([], since=date(2026, 10, 2), until=date(2026, 10, 1))


def test_on_this_day_finds_earlier_years_only_by_the_writers_day() -> None:
    today = date(2026, 10, 1)
    last_year = entry(datetime(2025, 10, 1, 9, tzinfo=UTC), name="2025")
    two_years = entry(datetime(2024, 10, 1, 9, tzinfo=UTC), name="2024")
    # 02:00 UTC on 1 Oct 2023 was 21:00 on 30 September in New York.
    not_that_day = entry(datetime(2023, 10, 1, 2, tzinfo=UTC), offset=NEW_YORK, name="2023")
    this_year = entry(datetime(2026, 10, 1, 8, tzinfo=UTC), name="2026")
    found = on_this_day([two_years, not_that_day, this_year, last_year], today)
    assert ids(found) == ["2025", "2024"]


def test_a_leap_day_is_remembered_on_the_28th_of_february_in_other_years() -> None:
    leap = entry(datetime(2024, 2, 29, 9, tzinfo=UTC), name="leap")
    assert ids(on_this_day([leap], date(2025, 2, 28))) == ["leap"]
    assert on_this_day([leap], date(2025, 3, 1)) == []
    assert ids(on_this_day([leap], date(2028, 2, 29))) == ["leap"]
    assert on_this_day([leap], date(2028, 2, 28)) == []


def test_once_each_drops_a_copy_of_an_entry_of_a_whole_journal_of_the_same_owner() -> None:
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    whole = replace(entry(at, tags=("sleep",), name="whole"), mood=4, journal_id="aa")
    mood_copy = replace(whole, id="mood-copy", journal_id="cc", body="", tags=())
    other_mood = replace(mood_copy, id="other-mood", mood=7)  # not the same entry
    later = replace(mood_copy, id="later", created_at=at + timedelta(milliseconds=1))
    elsewhere = replace(mood_copy, id="elsewhere", journal_id="dd")  # another owner's copy
    copies = {"cc": "ana", "dd": "ben"}
    owners = {"aa": "ana", "cc": "ana", "dd": "ben"}
    found = once_each([mood_copy, whole, other_mood, later, elsewhere], copies, owners)
    assert ids(found) == ["whole", "other-mood", "later", "elsewhere"]
    assert once_each([whole], {}, owners) == [whole]
