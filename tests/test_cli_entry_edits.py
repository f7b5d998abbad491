"""Everyday edits (issue 14, finding 14): an entry's date changes, tags are added and removed,
a trashed entry can be read, homework can be dated, goals edited and deleted (real server,
CliRunner)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.run_days import days_from
from tests.test_cli import Device, Outage, failed_with_one_line, outage  # noqa: F401
from tests.test_cli_insights import new_device


async def test_edit_date_moves_the_entry_on_every_device_with_the_writers_offset(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    entry = (await ana.ok("write", "--mood", "4", "Couldn't sleep.")).stdout.strip()
    await ana.ok("write", "--date", "2026-11-20 10:00", "Older one.")
    await ana.ok("edit", entry[:8], "--date", "2026-11-10 21:30")
    shown = await ana.json("show", entry)
    assert shown["created_at"].startswith("2026-11-10") and shown["utc_offset"] is not None
    assert [e["body"] for e in await ana.json("list")] == ["Older one.", "Couldn't sleep."]
    assert [e["body"] for e in await ana.json("list", "--until", "2026-11-15")] == [
        "Couldn't sleep."
    ]
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    assert (await phone.json("show", entry))["created_at"] == shown["created_at"]
    assert "2026-11-10 21:30" in (await phone.ok("show", entry)).stdout

    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    refused = await ana.tj("edit", entry[:8], "--date", tomorrow)
    assert refused.exit_code == 2 and "in the future" in refused.output
    assert (await ana.json("show", entry))["created_at"] == shown["created_at"]


async def test_tag_adds_untag_removes_and_a_missing_tag_changes_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    entry = (await ana.ok("write", "--tag", "sleep", "--tag", "work", "Long day.")).stdout
    entry = entry.strip()
    await ana.ok("edit", entry[:8], "--tag", "family", "--tag", "SLEEP")
    assert (await ana.json("show", entry))["tags"] == ["sleep", "work", "family"]
    await ana.ok("edit", entry[:8], "--untag", "Work")
    assert (await ana.json("show", entry))["tags"] == ["sleep", "family"]
    error = failed_with_one_line(await ana.tj("edit", entry[:8], "--untag", "gym", "--mood", "3"))
    assert "no tag 'gym'" in error and "sleep, family" in error
    shown = await ana.json("show", entry)
    assert (shown["tags"], shown["mood"]) == (["sleep", "family"], None)


async def test_a_trashed_entry_can_be_read_and_says_it_is_in_the_trash(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    entry = (await ana.ok("write", "--title", "Gone?", "Still here.")).stdout.strip()
    await ana.ok("delete", entry[:8], "--yes")
    text = (await ana.ok("show", entry[:8])).stdout
    assert "in the trash since" in text and f"tj restore {entry[:12]}" in text
    assert text.rstrip().endswith("Still here.")
    assert (await ana.json("show", entry))["trashed_at"] is not None
    await ana.ok("restore", entry[:8])
    assert "trash" not in (await ana.ok("show", entry[:8])).stdout


async def test_homework_add_date_dates_the_homework(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    night = [
        "--set", "bed_time=23:00", "--set", "try_sleep_time=23:30",
        "--set", "sleep_onset_minutes=20", "--set", "awakenings=2", "--set", "awake_minutes=15",
        "--set", "final_wake_time=06:30", "--set", "out_of_bed_time=07:00",
    ]  # fmt: skip
    start = date.today()
    added = await ana.json("homework", "add", "sleep-diary", *night, "--date", "yesterday 23:00")
    [listed] = await ana.json("homework", "list")
    assert listed["id"] == added["id"]
    assert added["created_at"] == listed["created_at"]
    shown = await ana.json("homework", "show", added["id"][:8])
    day = datetime.fromisoformat(shown["created_at"]).astimezone().date().isoformat()
    assert day in days_from(start, shift=-1)  # the day before the command ran
    future = (date.today() + timedelta(days=3)).isoformat()
    assert (await ana.tj("homework", "add", "sleep-diary", *night, "--date", future)).exit_code == 2
    assert len(await ana.json("homework", "list")) == 1


async def test_a_goal_is_edited_and_deleted_on_every_device(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    goal = (
        await ana.ok("goal", "add", "Walk", "--measure", "4 sessions", "--target", "2027-03-01")
    ).stdout.strip()
    await ana.ok("goal", "checkin", goal[:8], "--note", "By the river")
    edited = await ana.json(
        "goal", "edit", goal[:8], "--title", "Walk twice a week", "--measure", "8 sessions",
        "--no-target", "--why", "Fresh air",
    )  # fmt: skip
    assert (edited["title"], edited["measure"], edited["target"], edited["why"]) == (
        "Walk twice a week",
        "8 sessions",
        None,
        "Fresh air",
    )
    assert (edited["progress"], edited["fraction"]) == (1, 0.125)
    assert (await ana.tj("goal", "edit", goal[:8])).exit_code == 2
    assert "1 to 200 characters" in failed_with_one_line(
        await ana.tj("goal", "edit", goal[:8], "--title", " "),
        2,  # a bad value (NU35 #8)
    )

    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    assert (await phone.json("goal", "show", goal[:8]))["title"] == "Walk twice a week"

    refused = await ana.tj("goal", "delete", goal[:8], input="n\n")
    assert refused.exit_code == 1 and "and its 1 check-in for good?" in refused.output
    assert len(await ana.json("goal", "list")) == 1
    said = (await ana.ok("goal", "delete", goal[:8], "--yes")).stderr
    assert "Deleted the goal 'Walk twice a week'" in said
    assert await ana.json("goal", "list") == []
    assert "was deleted" in failed_with_one_line(await ana.tj("goal", "show", goal[:8]))
    assert "was deleted" in failed_with_one_line(await ana.tj("goal", "checkin", goal[:8]))
    assert await phone.json("goal", "list") == []
    assert (await phone.json("insights"))["goals"] == []


async def test_offline_edits_of_the_same_field_say_which_value_lost_and_keep_it(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    entry = (await laptop.ok("write", "--title", "Monday", "--mood", "5", "Text.")).stdout
    entry = entry.strip()
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")

    await outage.begin()  # both devices offline
    await laptop.ok("edit", entry[:8], "--title", "Laptop title", "--mood", "8")
    await phone.ok("edit", entry[:8], "--title", "Phone title", "--mood", "3", "--append", " P.")
    await outage.end()
    first = await phone.json("sync")
    second = await laptop.json("sync")
    third = await phone.json("sync")

    final = await laptop.json("show", entry)
    assert final == await phone.json("show", entry)  # converged
    assert final["body"] == "Text. P."  # text merges
    lost_on = "laptop" if final["title"] == "Phone title" else "phone"
    mine = {"laptop": ("Laptop title", 8), "phone": ("Phone title", 3)}[lost_on]
    reports = {"laptop": second["settled"], "phone": first["settled"] + third["settled"]}
    settled = {s["field"]: s for s in reports[lost_on]}
    assert set(settled) == {"title", "mood"}
    assert (settled["title"]["mine"], settled["mood"]["mine"]) == mine
    assert (settled["title"]["kept"], settled["mood"]["kept"]) == (final["title"], final["mood"])
    winner = "phone" if lost_on == "laptop" else "laptop"
    assert reports[winner] == []  # its values are the ones kept: nothing to tell

    loser = laptop if lost_on == "laptop" else phone
    history = await loser.json("history", entry[:8])
    assert {(h["field"], h["value"]) for h in history["history"]} >= {
        ("title", mine[0]),
        ("mood", mine[1]),
    }
    table = (await loser.ok("history", entry[:8], env={"COLUMNS": "200"})).stdout
    assert mine[0] in table and final["title"] in table

    # the line a user sees, on the next edit's quick sync of the loser... already reported
    # once: a new sync says nothing more
    again = await loser.json("sync")
    assert again["settled"] == []


async def test_the_sync_line_names_the_entry_the_field_and_the_history_command(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    entry = (await laptop.ok("write", "--title", "Monday", "Text.")).stdout.strip()
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await outage.begin()
    await laptop.ok("edit", entry[:8], "--mood", "8")
    await phone.ok("edit", entry[:8], "--mood", "3")
    await outage.end()
    said = [" ".join((await d.ok("sync")).stderr.split()) for d in (phone, laptop, phone)]
    [line] = [s for s in said if "Settled:" in s]
    assert f'the mood of entry {entry[:12]} ("Monday") was changed on another device' in line
    assert f"`tj history {entry[:12]}` keeps it" in line


async def test_a_tag_added_while_another_device_removed_one_is_kept_on_both(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """NU34 #1: tags settle as a whole, so a tag added on the laptop while the phone removed
    another went with the laptop's list. The device whose list was replaced now applies its
    own additions and removals again to the list kept (TAG_OPS), says so, and sends it at its
    next sync: both devices end with the phone's removal and the laptop's addition."""
    laptop = await new_device(live_server, tmp_path, "ana")
    entry = (await laptop.ok("write", "--title", "Monday", "--tag", "Sleep", "Text.")).stdout
    entry = entry.strip()
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await outage.begin()
    await laptop.ok("edit", entry[:8], "--tag", "from laptop")
    await phone.ok("edit", entry[:8], "--untag", "Sleep")
    await outage.end()
    said = [" ".join((await d.ok("sync")).stderr.split()) for d in (phone, laptop, phone)]
    [line] = [s for s in said if "applied to them again" in s]
    assert f'the tags of entry {entry[:12]} ("Monday") were changed on another device' in line
    assert "they are 'from laptop' now (sent at the next sync)" in line
    for device in (laptop, phone, laptop, phone):
        await device.ok("sync")
    for device in (laptop, phone):
        shown = await device.json("show", entry[:8])
        assert shown["tags"] == ["from laptop"]


async def test_tags_are_one_per_name_whatever_the_case_also_in_insights(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    first = await ana.json("write", "--mood", "4", "--tag", "Sleep", "--tag", " sleep ", "A.")
    assert first["tags"] == ["Sleep"]
    await ana.ok("write", "--mood", "6", "--tag", "sleep", "B.")
    [group] = (await ana.json("insights"))["by_tag"]
    assert (group["name"].casefold(), group["entries"], group["mood"]) == ("sleep", 2, 5.0)
