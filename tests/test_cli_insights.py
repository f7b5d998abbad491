"""`tj insights`, `tj report`, `tj export`, `tj import` and `tj account delete` through click's
CliRunner against a real server on loopback (see tests/test_cli.py for the harness)."""

from __future__ import annotations

import stat
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.run_days import days_from
from tests.test_cli import Device, failed_with_one_line

INSIGHT_KEYS = {
    "journal", "since", "today", "entries", "moods", "mood", "entries_per_week", "sparkline",
    "weeks", "by_tag", "by_emotion", "streak", "goals", "trend", "weekdays", "tag_moods",
    "emotion_moods", "day_moods", "rate_since", "rate_weeks", "rate_days",
}  # fmt: skip


async def new_device(server: RunningServer, tmp_path: Path, username: str) -> Device:
    device = Device(tmp_path / username, server.url)
    device.signup = await device.json("signup", server.url, username)
    return device


async def write_week(device: Device) -> None:
    await device.ok("write", "--mood", "3", "--tag", "work", "--emotion", "anxious", "Hard day.")
    await device.ok("write", "--mood", "7", "--tag", "sleep", "--emotion", "calm", "Slept well.")
    goal_id = (await device.ok("goal", "add", "Attend sessions", "--measure", "4 sessions")).stdout
    await device.ok("goal", "checkin", goal_id.strip())


async def test_insights_json_has_the_numbers_of_what_was_written(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await write_week(ana)
    start = date.today()
    found = await ana.json("insights")
    assert set(found) == INSIGHT_KEYS
    assert (found["entries"], found["mood"], found["journal"]) == (2, 5.0, None)
    assert found["today"] in days_from(start)  # the day the command ran
    assert found["streak"]["current"] == 1 and len(found["sparkline"]) == len(found["weeks"]) == 1
    assert {g["name"]: g["mood"] for g in found["by_tag"]} == {"work": 3.0, "sleep": 7.0}
    assert {g["name"]: g["mood"] for g in found["by_emotion"]} == {"anxious": 3.0, "calm": 7.0}
    [goal] = found["goals"]
    assert (goal["title"], goal["progress"], goal["fraction"]) == ("Attend sessions", 1, 0.25)
    later = await ana.json("insights", "--since", "2999-01-01")
    assert later["entries"] == 0


async def test_insights_prints_a_sparkline_and_tables_for_people(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    start = date.today()
    await write_week(ana)
    text = (await ana.ok("insights", "--journal", "Personal")).stdout
    assert "Personal: 2 entries, average mood 5.0" in text
    assert "mood by week (1-10): ▄" in text
    for heading in ("By week", "Mood by tag", "Mood by emotion", "Goals", "1/4"):
        assert heading in text
    # at 80 columns the goal's id and last check-in are whole (NU14 finding 11): the check-in
    # on the row's line, or on a line of its own below it when the title keeps its 16
    # columns (NU35 #3)
    narrow = (await ana.ok("insights", "--journal", "Personal", env={"COLUMNS": "80"})).stdout
    [goal] = await ana.json("goal", "list")
    lines = narrow.splitlines()
    [at] = [n for n, line in enumerate(lines) if goal["id"][:12] in line]
    row = lines[at] + " ".join(x for x in lines[at + 1 :] if x.startswith("  last check-in: "))
    assert any(day in row for day in days_from(start)) and "…" not in row  # the check-in's
    assert "Attend sessions" in narrow  # the title on one line, not "Attend" / "sessions"
    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert "no journal named" in failed_with_one_line(await ana.tj("insights", "--journal", "Nope"))


async def test_insights_say_the_trend_weekday_pattern_and_tag_associations_in_words(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    today = date.today()
    for n in range(1, 7):  # six days: three with sport (mood 8), three without (mood 4)
        day = (today - timedelta(days=n)).isoformat()
        tags = ["--tag", "sport"] if n % 2 else []
        await ana.ok("write", "--date", f"{day} 20:00", "--mood", "8" if tags else "4", *tags, "x")
    text = " ".join((await ana.ok("insights")).stdout.split())
    assert "all your journals: 6 entries" in text
    assert "days with tag sport: mood 8.0 against 4.0 without (3 and 3 days)" in text
    assert "last 28 days: 6 entries (0 in the 28 days before), average mood 6.0" in text
    # six days, one of each weekday: no weekday pattern yet (NU19 C24)
    assert "by weekday: not enough entries yet" in text and "by weekday: best" not in text
    one = " ".join((await ana.ok("insights", "--since", today.isoformat())).stdout.split())
    assert "No entries" in one
    await ana.ok("write", "--mood", "5", "Today.")
    one = " ".join((await ana.ok("insights", "--since", today.isoformat())).stdout.split())
    assert f"since {today.isoformat()}: 1 entry," in one
    assert "last 1 day: 1 entry" in one
    assert "days with tag" not in one  # not enough days


async def test_a_therapist_sees_the_same_insights_over_what_a_client_shares(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    therapist = await new_device(live_server, tmp_path, "drsmith")
    await write_week(ana)
    await ana.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await therapist.ok("sync")
    theirs = await therapist.json("insights", "--journal", "ana/Personal")
    mine = await ana.json("insights", "--journal", "Personal")
    assert theirs["journal"] == "ana/Personal"
    assert {g["journal"] for g in theirs["goals"]} == {"ana/Personal"}
    for goal in theirs["goals"]:
        goal["journal"] = "Personal"
    assert {**theirs, "journal": "Personal"} == mine
    assert (await therapist.json("insights"))["entries"] == 0  # their own journals only


async def test_report_writes_a_private_html_page_with_the_charts(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await write_week(ana)
    page = tmp_path / "report.html"
    result = await ana.ok("report", "--html", str(page))
    assert result.stdout.strip() == str(page)
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    html = page.read_text(encoding="utf-8")
    assert html.count('class="mood-point"') == 1 and html.count('class="entries-bar"') == 1
    assert html.count('class="goal-bar"') == 1
    missing = await ana.tj("report")
    assert missing.exit_code == 2  # --html is required; the text version named (NU54 F3)
    assert "`tj insights` prints a summary as text." in " ".join(missing.stderr.split())
    other = tmp_path / "out.html"  # `--out`, as `tj export` takes it (NU48 #10)
    assert (await ana.ok("report", "--out", str(other))).stdout.strip() == str(other)
    assert 'class="mood-point"' in other.read_text(encoding="utf-8")
    nowhere = tmp_path / "no-such-folder" / "report.html"
    refused = await ana.tj("report", "--html", str(nowhere))
    assert refused.exit_code == 1  # in plain words, without Python's "[Errno 2]" (NU19 C28.3)
    assert refused.output.strip() == f"Error: cannot use {nowhere}: no such file or directory"


async def test_export_then_import_moves_a_journal_to_another_account(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await write_week(ana)
    out = tmp_path / "backup"
    [export_file] = (await ana.json("export", "--out", str(out)))["files"]
    assert Path(export_file).parent == out and stat.S_IMODE(out.stat().st_mode) == 0o700
    assert Path(export_file).name.startswith("therapy-journal-ana-")
    bob = await new_device(live_server, tmp_path, "bob")
    report = await bob.json("import", export_file)
    assert len(report["entries"]) == 2 and len(report["goals"]) == 1
    again = " ".join((await bob.ok("import", export_file)).stdout.split())
    assert again == (  # NU32 #11
        "Nothing new to import: 2 entries and 1 goal already here (in 'Personal (imported)')."
    )
    assert sorted(e["body"] for e in await bob.json("list")) == ["Hard day.", "Slept well."]
    notes = tmp_path / "notes"
    listed = await ana.json("export", "--format", "markdown", "--out", str(notes))
    assert sum(Path(f).name != "goals.md" for f in listed["files"]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert f"{bad} is not JSON; tj import reads" in failed_with_one_line(
        await bob.tj("import", str(bad))
    )


async def test_account_delete_asks_for_the_username_then_erases_everything(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "Soon gone.")
    refused = await ana.tj("account", "delete", input="anna\n")
    assert refused.exit_code == 1 and "cannot be undone" in refused.stderr
    assert refused.stderr.strip().splitlines()[-1].startswith("Error: the username did not match")
    assert len(await ana.json("list")) == 1
    await ana.ok("account", "delete", input="ana\n")
    assert "no account" in failed_with_one_line(await ana.tj("list"))
    again = Device(tmp_path / "again", live_server.url)
    await again.ok("signup", live_server.url, "ana")  # the name is free again


async def test_account_delete_yes_skips_the_question_but_still_needs_the_password(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    wrong = await ana.tj("account", "delete", "--yes", env={"TJ_PASSWORD": "not it at all"})
    failed_with_one_line(wrong)
    assert (ana.home / "profile").exists()
    assert (await ana.json("account", "delete", "--yes")) == {"deleted": "ana"}
    assert not (ana.home / "profile").exists()


async def test_insights_since_counts_the_days_asked_keeps_the_streak_and_fits_80_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU14 finding 4: the rate is over the days --since asks for (not widened to a Monday),
    the current streak is not cut by --since, and the sparkline shows the weeks the table
    shows (the last 12), so a long history does not wrap at 80 columns."""
    ana = await new_device(live_server, tmp_path, "ana")
    today = date.today()
    await ana.ok("write", "--date", f"{today - timedelta(days=7 * 20)} 20:00", "--mood", "5", "old")
    for n in range(6):  # a streak of 6 days, today included
        await ana.ok("write", "--date", f"{today - timedelta(days=n)} 00:00", "--mood", "6", "x")
    since = today - timedelta(days=2)
    text = (await ana.ok("insights", "--since", since.isoformat())).stdout
    flat = " ".join(text.split())
    assert f"3 entries, average mood 6.0 entries per week: 7.0 over 3 days, from {since} " in flat
    assert "streak (all your entries): 6 days now, longest 6 days, 7 days with an entry" in flat

    whole = (await ana.ok("insights")).stdout
    assert [line for line in whole.splitlines() if len(line) > 80] == []
    [spark] = [line for line in whole.splitlines() if line.startswith("mood by week")]
    assert spark.startswith("mood by week (1-10, the last 12 weeks): ")
    assert len(spark.split(": ", 1)[1]) == 12
    first = today - timedelta(days=5)
    monday = first - timedelta(days=first.weekday())
    days = (today - monday).days + 1
    rate = f"over {days} days, from {monday} (of the last 12 weeks, those"
    assert rate in " ".join(whole.split())
    # fewer than 7 days (a first week of use): a count, not a rate per week (NU41 #13)
    counted = "entries: 6 " if days < 7 else f"entries per week: {6 * 7 / days:.1f} "
    assert counted + rate in " ".join(whole.split())
