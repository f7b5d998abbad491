"""`tj goal checkin-edit` and `tj goal undo`: correct or take back a check-in, with a
confirmation (`--yes` for scripts), on two devices (real server on loopback, CliRunner)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.test_cli import Device, failed_with_one_line, laptop, phone  # noqa: F401 (fixtures)


async def test_edit_and_undo_check_ins_on_two_devices(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    goal = (await laptop.ok("goal", "add", "Attend group", "--measure", "6 sessions")).stdout
    goal = goal.strip()
    await laptop.ok("goal", "checkin", goal, "--note", "First group")
    await laptop.ok("goal", "checkin", goal, "--progress", "2", "--note", "Double week")
    first, second = (await phone.json("goal", "show", goal))["checkins"]
    shown = (await phone.ok("goal", "show", goal, env={"COLUMNS": "200"})).stdout
    assert first["id"][:6] in shown and second["id"][:6] in shown  # ids to name them by

    edited = await phone.json(
        "goal", "checkin-edit", goal, first["id"][:6], "--progress", "2", "--note", "Long one"
    )
    assert edited["progress"] == 4
    told = await phone.ok("goal", "checkin-edit", goal, first["id"][:6], "--note", "Long one")
    said_edit = " ".join(told.stderr.split())  # NU48 #5: not a bare "synced"
    assert (
        said_edit
        == f"Check-in {first['id'][:12]} on goal {goal[:12]} ('Attend group') saved; synced."
    )
    on_laptop = (await laptop.json("goal", "show", goal))["checkins"]
    assert [(c["id"], c["progress"], c["note"]) for c in on_laptop] == [
        (first["id"], 2, "Long one"),
        (second["id"], 2, "Double week"),
    ]
    assert on_laptop[0]["at"] == first["at"] and on_laptop[0]["edited_at"] is not None
    # NU14 finding 9: the edit time is a column of its own, never mixed into the note
    table = (await laptop.ok("goal", "show", goal, env={"COLUMNS": "200"})).stdout
    assert "(edited)" not in table and "edited" in table
    [row] = [line for line in table.splitlines() if first["id"][:6] in line]
    assert "Long one" in row and row.count(":") == 2  # the check-in's time and the edit's

    kept = await laptop.tj("goal", "undo", goal, input="n\n")
    assert kept.exit_code == 1 and "Double week" in kept.stderr  # asked, naming the latest
    assert len((await laptop.json("goal", "show", goal))["checkins"]) == 2
    undone = await laptop.ok("goal", "undo", goal, input="y\n")
    assert "Deleted the check-in" in undone.stderr and "2/6 sessions" in undone.stdout
    # named by its id and progress too: two check-ins can share a minute
    assert f"Deleted the check-in {second['id'][:6]}" in " ".join(undone.stderr.split())
    assert "progress 2" in undone.stderr

    after = await phone.json("goal", "show", goal)
    assert ([c["id"] for c in after["checkins"]], after["progress"]) == ([first["id"]], 2)
    await phone.ok("goal", "undo", goal, first["id"][:6], "--yes")
    assert (await laptop.json("goal", "show", goal))["checkins"] == []
    line = failed_with_one_line(await laptop.tj("goal", "undo", goal, "--yes"))
    assert "no check-ins" in line


async def test_check_in_edit_mistakes_are_clear_errors(laptop: Device) -> None:  # noqa: F811
    goal = (await laptop.ok("goal", "add", "Say no", "--measure", "percent")).stdout.strip()
    await laptop.ok("goal", "checkin", goal, "--progress", "20")
    [checkin] = (await laptop.json("goal", "show", goal))["checkins"]
    nothing = await laptop.tj("goal", "checkin-edit", goal, checkin["id"][:6])
    assert nothing.exit_code == 2 and "nothing to change" in nothing.stderr
    both = await laptop.tj(
        "goal", "checkin-edit", goal, checkin["id"], "--progress", "3", "--no-progress"
    )
    assert both.exit_code == 2
    line = failed_with_one_line(  # a value refused as given: 2 (NU38 N3)
        await laptop.tj("goal", "checkin-edit", goal, checkin["id"], "--progress", "150"), 2
    )
    assert "percentage" in line
    line = failed_with_one_line(await laptop.tj("goal", "undo", goal, "abcdef12", "--yes"))
    assert "no check-in abcdef12" in line
    plain = await laptop.json("goal", "checkin-edit", goal, checkin["id"], "--no-progress")
    assert plain["checkins"][0]["progress"] is None


async def test_a_check_in_can_be_dated_in_the_past_but_not_the_future(
    laptop: Device,  # noqa: F811
) -> None:
    """NU14 finding 10: a check-in made after the fact keeps when it happened."""
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "4 sessions")).stdout.strip()
    await laptop.ok("goal", "checkin", goal, "--date", "2026-11-02 19:00", "--note", "late")
    [checkin] = (await laptop.json("goal", "show", goal))["checkins"]
    when = datetime.fromisoformat(checkin["at"]).astimezone()
    assert (when.date().isoformat(), when.hour, when.minute) == ("2026-11-02", 19, 0)
    ahead = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    refused = await laptop.tj("goal", "checkin", goal, "--date", ahead)
    assert refused.exit_code == 2 and "is in the future" in refused.stderr
    assert len((await laptop.json("goal", "show", goal))["checkins"]) == 1
