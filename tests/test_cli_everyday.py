"""Everyday journaling from the CLI: past moments, mood check-ins, list filters, on this day,
search that ignores accents, help that tells the truth, and a second device that is filled
at login."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from cli.editor import CUT
from tests.conftest import RunningServer
from tests.run_days import days_from
from tests.test_cli import Device, run_tj, succeeded


@pytest.fixture
async def laptop(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "laptop", live_server.url)
    device.signup = await device.json("signup", live_server.url, "ana", "--device-name", "laptop")
    return device


def ids(listed: list[dict[str, object]]) -> list[object]:
    return [entry["id"] for entry in listed]


async def test_tj_alone_prints_help_and_exits_zero() -> None:
    result = succeeded(await run_tj([]))
    assert "Usage: " in result.stdout and "Commands:" in result.stdout


async def test_list_and_search_help_say_every_journal_by_default() -> None:
    for command in ("list", "search"):
        result = succeeded(await run_tj([command, "--help"]))
        assert "Default: every journal" in result.stdout
        assert "default: Personal" not in result.stdout


async def test_a_second_device_has_the_journal_right_after_login(laptop: Device) -> None:
    written = (await laptop.json("write", "Before the new phone."))["id"]
    phone = Device(laptop.home.parent / "phone", laptop.url)
    result = await phone.ok("login", laptop.url, "ana", "--device-name", "phone")
    assert "Synced" in result.stderr
    assert ids(await phone.json("list")) == [written]


async def test_write_for_a_past_moment_keeps_that_moment_and_the_writers_offset(
    laptop: Device,
) -> None:
    entry = await laptop.json("write", "--date", "2026-10-01 21:30", "Late call.")
    written = datetime.fromisoformat(entry["created_at"])
    expected = datetime(2026, 10, 1, 21, 30).astimezone()
    assert written == expected
    offset = expected.utcoffset()
    assert offset is not None
    assert entry["utc_offset"] == offset.total_seconds() // 60
    start = date.today()
    yesterday = await laptop.json("write", "--date", "yesterday", "Noon yesterday.")
    day = datetime.fromisoformat(yesterday["created_at"]).astimezone().date()
    assert day.isoformat() in days_from(start, shift=-1)  # the day before the command ran
    # NU14 finding 17: a day without a time is noon that day, local time, as the README says
    noon = await laptop.json("write", "--date", "2025-12-01", "A day alone.")
    assert datetime.fromisoformat(noon["created_at"]) == datetime(2025, 12, 1, 12).astimezone()
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "is noon that day" in " ".join(readme.split())


async def test_a_date_in_the_future_or_in_no_format_is_refused(laptop: Device) -> None:
    for bad in ("2999-01-01 10:00", "next tuesday", "2026-13-01"):
        result = await laptop.tj("write", "--date", bad, "text")
        assert result.exit_code == 2, result.output
        assert "--date" in result.stderr
    assert await laptop.json("list") == []


async def test_a_mood_check_in_is_an_entry_without_text(laptop: Device) -> None:
    entry = await laptop.json("mood", "6", "--emotion", "calm", "--tag", "evening")
    assert (entry["mood"], entry["emotions"], entry["tags"], entry["body"]) == (
        6,
        ["calm"],
        ["evening"],
        "",
    )
    insights = await laptop.json("insights")
    assert insights["moods"] == 1
    refused = await laptop.tj("mood", "11")
    assert refused.exit_code == 2


async def test_list_filters_by_days_tag_emotion_and_limit(laptop: Device) -> None:
    old = (await laptop.json("write", "--date", "2026-09-01 09:00", "--tag", "Sleep", "a"))["id"]
    mid = (await laptop.json("write", "--date", "2026-10-01 09:00", "--emotion", "anxious", "b"))[
        "id"
    ]
    new = (await laptop.json("write", "--date", "2026-11-01 09:00", "--tag", "sleep", "c"))["id"]
    assert ids(await laptop.json("list")) == [new, mid, old]
    assert ids(await laptop.json("list", "--oldest-first", "--limit", "2")) == [old, mid]
    assert ids(await laptop.json("list", "--since", "2026-10-01")) == [new, mid]
    assert ids(await laptop.json("list", "--until", "2026-10-01")) == [mid, old]
    assert ids(await laptop.json("list", "--tag", "SLEEP")) == [new, old]
    assert ids(await laptop.json("list", "--emotion", "anxious")) == [mid]
    # NU14 finding 8: a repeated filter keeps entries with any of them, not only the last
    calm = (await laptop.json("write", "--date", "2026-11-02 09:00", "--emotion", "calm", "d"))[
        "id"
    ]
    assert ids(await laptop.json("list", "--emotion", "anxious", "--emotion", "calm")) == [
        calm,
        mid,
    ]
    await laptop.ok("edit", mid[:8], "--tag", "work")
    assert ids(await laptop.json("list", "--tag", "sleep", "--tag", "WORK")) == [new, mid, old]
    found = await laptop.json("search", "b", "--tag", "work", "--tag", "nothing")
    assert [hit["entry"]["id"] for hit in found] == [mid]
    # NU14 finding 7: --limit N says how many more match, as the default cut does
    cut = await laptop.ok("list", "--limit", "2")
    tj = laptop.command  # a hint runs as printed (NU48)
    assert f"Showing the newest 2 of 4 entries: `{tj} list --all` shows every one." in cut.stderr
    cut = await laptop.ok("list", "--tag", "sleep", "--limit", "1")
    assert "Showing the newest 1 of 2 entries" in cut.stderr
    assert "Showing" not in (await laptop.ok("list", "--limit", "4")).stderr
    empty = await laptop.ok("list", "--since", "2026-11-03")
    assert "No entries match" in empty.stderr
    bad = await laptop.tj("list", "--since", "2026-11-31")
    assert bad.exit_code == 2  # a day the calendar lacks, said as such (NU22 C8)
    assert "there is no 2026-11-31: November 2026 has 30 days" in bad.stderr


async def test_on_this_day_shows_earlier_years(laptop: Device) -> None:
    today = date.today()
    try:
        a_year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        a_year_ago = today.replace(year=today.year - 1, day=28)
    then = (await laptop.json("write", "--date", f"{a_year_ago.isoformat()} 10:00", "Then."))["id"]
    await laptop.ok("write", "Now.")
    assert ids(await laptop.json("on-this-day")) == [then]


async def test_search_ignores_accents_and_takes_phrases_and_exclusions(laptop: Device) -> None:
    zurich = (await laptop.json("write", "Felt calm on the train to Zürich."))["id"]
    await laptop.ok("write", "Felt calm at work, in Zurich too.")
    hits = await laptop.json("search", '"felt calm" zurich -work')
    assert [hit["entry"]["id"] for hit in hits] == [zurich]


async def test_append_cannot_grow_an_entry_past_the_limit(laptop: Device) -> None:
    entry = await laptop.json(
        "write", "x" * 99_989 + " "
    )  # ends in white space: appends join as given (NU29 F8)
    result = await laptop.tj("edit", entry["id"], "--append", "y" * 20)
    assert result.exit_code == 2 and result.stderr == (  # a value refused: 2 (NU41 #6)
        "Error: an entry holds at most 100,000 characters: this change would make it 100,010 "
        "(10 over); shorten the text, or write the rest as a new entry\n"
    )
    [shown] = await laptop.json("list")
    assert len(shown["body"]) == 99_990
    succeeded(await laptop.tj("edit", entry["id"], "--append", "y" * 10))
    assert json.loads((await laptop.ok("show", entry["id"], "--json")).stdout)["body"].endswith(
        "y" * 10
    )


async def test_delete_asks_first_and_moves_the_entry_to_a_restorable_trash(
    laptop: Device,
) -> None:
    entry_id = (await laptop.json("write", "--title", "Hard day", "It was hard."))["id"]
    declined = await laptop.tj("delete", entry_id, input="n\n")
    assert declined.exit_code == 1 and "Move 'Hard day' to the trash?" in declined.stderr
    assert ids(await laptop.json("list")) == [entry_id]

    moved = await laptop.ok("delete", entry_id, input="y\n")
    assert "restore" in moved.stderr and "30 days" in moved.stderr
    assert await laptop.json("list") == []
    assert await laptop.json("search", "hard") == []
    [trashed] = await laptop.json("trash")
    assert trashed["id"] == entry_id and trashed["trashed_at"] is not None
    assert "30" in (await laptop.ok("trash")).stdout  # days left

    await laptop.ok("restore", entry_id[:8])
    assert ids(await laptop.json("list")) == [entry_id]
    assert await laptop.json("trash") == []
    not_trashed = await laptop.tj("restore", entry_id)
    assert not_trashed.exit_code == 1 and "not in the trash" in not_trashed.stderr


async def test_the_trash_reaches_other_devices_and_emptying_it_is_for_good(
    laptop: Device,
) -> None:
    entry_id = (await laptop.json("write", "Gone soon."))["id"]
    phone = Device(laptop.home.parent / "phone", laptop.url)
    await phone.ok("login", laptop.url, "ana")
    await laptop.ok("delete", entry_id, "--yes")
    await phone.ok("sync")
    assert await phone.json("list") == []
    assert ids(await phone.json("trash")) == [entry_id]
    kept = await phone.tj("trash", "empty", input="n\n")
    assert "Delete the 1 entry in the trash for good?" in kept.output and kept.exit_code == 1
    assert ids(await phone.json("trash")) == [entry_id]  # answered no: nothing deleted
    await phone.ok("trash", "empty", "--yes")
    nothing = await phone.ok("trash", "empty")
    assert "The trash is empty" in nothing.stderr
    await laptop.ok("sync")
    assert await laptop.json("trash") == []
    gone = await laptop.tj("restore", entry_id)
    assert gone.exit_code == 1 and "deleted for good" in gone.stderr


def editing(monkeypatch: pytest.MonkeyPatch, change: Callable[[str], str]) -> list[str]:
    """$EDITOR replaced by `change` applied to the draft file; returns what it was given."""
    opened: list[str] = []

    def fake_editor(filename: str, **_: object) -> None:
        text = Path(filename).read_text()
        opened.append(text)
        Path(filename).write_text(change(text))

    monkeypatch.setattr("click.edit", fake_editor)
    return opened


async def test_edit_without_options_opens_the_editor_on_the_current_text(
    laptop: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry_id = (await laptop.json("write", "First line.\nSecond line."))["id"]
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)  # as typed (NU31 F3)
    opened = editing(monkeypatch, lambda text: text.replace("Second", "Better second"))
    await laptop.ok("edit", entry_id)
    assert opened and opened[0].startswith("First line.\nSecond line.\n")
    [entry] = await laptop.json("list")
    assert entry["body"] == "First line.\nBetter second line."
    assert list((laptop.home / "drafts").iterdir()) == []  # saved: the draft is gone

    editing(monkeypatch, lambda text: text)
    unchanged = await laptop.ok("edit", entry_id)
    assert "No change" in unchanged.stderr
    editing(monkeypatch, lambda text: text[text.index(CUT) :])  # all the text deleted
    emptied = await laptop.tj("edit", entry_id)
    assert emptied.exit_code == 1 and "not changed" in emptied.stderr
    [entry] = await laptop.json("list")
    assert entry["body"] == "First line.\nBetter second line."


async def test_show_leaves_out_fields_an_entry_does_not_have(laptop: Device) -> None:
    entry_id = (await laptop.json("write", "Just text."))["id"]
    shown = (await laptop.ok("show", entry_id)).stdout
    for absent in ("title:", "mood:", "tags:", "emotions:", "prompt:", "updated:"):
        assert absent not in shown
    assert "written:" in shown and shown.rstrip().endswith("Just text.")
