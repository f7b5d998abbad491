"""`client.entries.list` as an app queries it, end to end on a second device: by journal,
time range, tag and emotion, with a limit, newest or oldest first; entries dated in the past
(`created_at`) keep their moment and their writer's UTC offset through a sync."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from client_sdk import Client, Entry, InvalidInput, NotFound
from tests.conftest import ClientFactory

PARIS_WINTER = timezone(timedelta(hours=1))


async def written(laptop: Client) -> dict[str, str]:
    """Five entries over five days in Paris (UTC+1), in two journals; their ids by title."""
    await laptop.journals.create("Sleep")
    plan = [
        (
            "Personal",
            "one",
            datetime(2026, 11, 1, 9, 0, tzinfo=PARIS_WINTER),
            3,
            ["work"],
            ["anxious"],
        ),
        ("Sleep", "two", datetime(2026, 11, 2, 23, 30, tzinfo=PARIS_WINTER), 5, ["sleep"], []),
        (
            "Personal",
            "three",
            datetime(2026, 11, 3, 0, 30, tzinfo=PARIS_WINTER),
            6,
            ["Sleep"],
            ["calm"],
        ),
        ("Personal", "four", datetime(2026, 11, 4, 12, 0, tzinfo=PARIS_WINTER), 8, [], ["calm"]),
        ("Sleep", "five", datetime(2026, 11, 5, 7, 0, tzinfo=PARIS_WINTER), None, ["sleep"], []),
    ]
    ids = {}
    for journal, title, moment, mood, tags, emotions in plan:
        entry = await laptop.entries.write(
            journal,
            f"{title} body",
            title=title,
            mood=mood,
            tags=tags,
            emotions=emotions,
            created_at=moment,
        )
        ids[title] = entry.id
    await laptop.sync()
    return ids


def titles(entries: list[Entry]) -> list[str]:
    return [e.title for e in entries]


async def test_entries_are_queried_by_journal_range_tag_emotion_and_limit_on_another_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await written(laptop)
    phone = await login("ana")
    await phone.sync()
    entries = phone.entries
    assert titles(await entries.list()) == ["five", "four", "three", "two", "one"]
    assert titles(await entries.list(newest_first=False, limit=2)) == ["one", "two"]
    assert titles(await entries.list("Sleep")) == ["five", "two"]
    assert titles(await entries.list(tag="SLEEP")) == ["five", "three", "two"]
    assert titles(await entries.list(emotion="calm")) == ["four", "three"]
    assert titles(await entries.list("Personal", emotion="calm", limit=1)) == ["four"]
    # Dates are whole days in the writer's local time: "two" (23:30 in Paris on the 2nd is
    # 22:30 UTC) belongs to the 2nd, "three" (00:30 on the 3rd, 23:30 UTC the 2nd) to the 3rd.
    assert titles(await entries.list(since=date(2026, 11, 3))) == ["five", "four", "three"]
    assert titles(await entries.list(until=date(2026, 11, 2))) == ["two", "one"]
    # Aware datetimes are instants.
    since = datetime(2026, 11, 2, 22, 0, tzinfo=UTC)
    until = datetime(2026, 11, 3, 0, 0, tzinfo=UTC)
    assert titles(await entries.list(since=since, until=until)) == ["three", "two"]


async def test_an_entry_dated_in_the_past_keeps_its_moment_and_offset_on_every_device(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    ids = await written(laptop)
    phone = await login("ana")
    await phone.sync()
    two = await phone.entries.get(ids["two"])
    assert two.created_at == datetime(2026, 11, 2, 22, 30, tzinfo=UTC)
    assert two.utc_offset == 60
    assert two.local_created_at.isoformat() == "2026-11-02T23:30:00+01:00"
    assert two.updated_at > two.created_at  # written now, for a past moment


async def test_bad_queries_and_future_dates_are_refused_with_clear_errors(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    with pytest.raises(InvalidInput, match="since is after until"):
        await ana.entries.list(since=date(2026, 11, 5), until=date(2026, 11, 1))
    with pytest.raises(InvalidInput, match="limit"):
        await ana.entries.list(limit=0)
    with pytest.raises(NotFound) as unknown:
        await ana.entries.list("Dreams")
    assert unknown.value.subject == "journal"
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(InvalidInput, match="future"):
        await ana.entries.write(None, "Not yet.", created_at=tomorrow)
    assert await ana.entries.list() == []
