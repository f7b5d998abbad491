"""Day One JSON and Daylio CSV read into archives (client_sdk.foreign), from sample files
written after each app's documented export format (tests/fixtures/foreign)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from client_sdk.errors import InvalidInput
from client_sdk.foreign import daylio_archive, dayone_archive, is_dayone

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "foreign"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
CET = timezone(timedelta(hours=1))


def dayone() -> dict[str, object]:
    loaded: dict[str, object] = json.loads((FIXTURES / "dayone-journal.json").read_text())
    return loaded


def daylio() -> str:
    return (FIXTURES / "daylio-export.csv").read_text(encoding="utf-8")


def test_day_one_entries_keep_text_tags_times_and_the_writers_offset() -> None:
    archive = dayone_archive(dayone(), "Day One", "ana", NOW)
    assert [(j.name, j.role) for j in archive.journals] == [("Day One", "owner")]
    saturday, night = archive.entries
    assert (saturday.title, saturday.body, saturday.tags) == (
        "A long Saturday",
        "Slept until nine, then the walk by the river in Zürich.",
        ("sleep", "work"),
    )
    assert saturday.created_at == datetime(2026, 3, 14, 19, 45, 10, tzinfo=UTC)
    assert saturday.updated_at == datetime(2026, 3, 14, 20, 2, 33, tzinfo=UTC)
    assert saturday.utc_offset == 60  # Berlin in March, before summer time
    assert (night.title, night.mood, night.utc_offset) == ("", None, -240)  # New York, July
    assert night.body == "Couldn't sleep. Wrote this at 11 pm."


def test_only_a_map_with_metadata_and_entries_is_taken_for_a_day_one_export() -> None:
    assert is_dayone(dayone())
    assert not is_dayone({"entries": []})  # NU18 C9: some other app's file
    assert not is_dayone({"hello": 1})
    assert not is_dayone({"metadata": {"version": "1.0"}, "entries": {}})
    assert not is_dayone({"metadata": {}, "entries": []})
    assert not is_dayone([{"metadata": {"version": "1.0"}, "entries": []}])


def test_a_bad_day_one_file_is_refused_naming_the_entry() -> None:
    with pytest.raises(InvalidInput, match="not a Day One JSON export"):
        dayone_archive({"format": "something else"}, "Day One", "ana", NOW)
    broken = {"entries": [{"uuid": "ABC", "creationDate": "yesterday", "text": "x"}]}
    with pytest.raises(InvalidInput, match="Day One entry ABC: creationDate"):
        dayone_archive(broken, "Day One", "ana", NOW)
    zoned = {
        "entries": [{"uuid": "Z", "creationDate": "2026-01-01T10:00:00Z", "timeZone": "Mars/Base"}]
    }
    with pytest.raises(InvalidInput, match="unknown time zone"):
        dayone_archive(zoned, "Day One", "ana", NOW)


def test_daylio_rows_become_entries_with_moods_activities_and_local_times() -> None:
    archive = daylio_archive(daylio(), "Daylio", "ana", NOW, CET, {"Tired": 4})
    evening, morning, custom = archive.entries
    assert evening.created_at == datetime(2026, 11, 3, 20, 15, tzinfo=UTC)  # 9:15 PM, UTC+1
    assert (evening.mood, evening.tags, evening.title, evening.utc_offset) == (
        10,
        ("friends", "sport"),
        "Great evening",
        60,
    )
    assert evening.body == "Ran 5 km, then dinner with Lea.\nFelt light."
    assert morning.created_at == datetime(2026, 11, 2, 6, 40, tzinfo=UTC)  # 07:40 (24-hour)
    assert (morning.mood, morning.tags, morning.body) == (6, ("work",), "")
    assert (custom.mood, custom.body) == (4, "A custom mood label")


def test_daylio_refuses_an_unknown_mood_label_or_a_file_without_its_columns() -> None:
    with pytest.raises(InvalidInput, match="Daylio line 4: the mood 'tired'"):
        daylio_archive(daylio(), "Daylio", "ana", NOW, CET)
    with pytest.raises(InvalidInput, match="no column"):
        daylio_archive("date,text\n2026-01-01,hello\n", "Daylio", "ana", NOW, CET)
    with pytest.raises(InvalidInput, match="from 1 to 10"):
        daylio_archive(daylio(), "Daylio", "ana", NOW, CET, {"tired": 11})
