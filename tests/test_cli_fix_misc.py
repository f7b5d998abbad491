"""Leftovers of NU24/NU25 (real server on loopback, real crypto, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_goal_delete_done_and_undo_on_a_device_that_has_not_synced_sync_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj goal delete ID` (asking first), `tj goal done ID` and `tj goal undo ID` for a goal
    made on the other device since this one synced said "no goal ... on this device: try `tj
    sync`", while `tj goal checkin ID` synced first (NU25 C8). They sync first now, as do
    `tj delete ID` and `tj measure delete ID` when they ask first; an id that is nowhere
    still fails, with the same error."""
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")

    done = (await laptop.ok("goal", "add", "Walk")).stdout.strip()
    marked = await phone.ok("goal", "done", done[:6])
    assert "try `tj sync`" not in marked.stderr
    assert "Marked 'Walk' done: 0 check-ins." in marked.stderr.splitlines()

    undone = (await laptop.ok("goal", "add", "Read", "--measure", "4 sessions")).stdout.strip()
    await laptop.ok("goal", "checkin", undone, "--note", "a chapter")
    undo = await phone.ok("goal", "undo", undone[:6], input="y\n")
    assert "try `tj sync`" not in undo.stderr
    assert "Delete the check-in" in undo.stderr and "“a chapter”" in undo.stderr
    assert undo.stdout.strip() == "Read: 0/4 sessions ░░░░░░░░░░ 0%"

    gone = (await laptop.ok("goal", "add", "Swim")).stdout.strip()
    deleted = await phone.ok("goal", "delete", gone[:6], input="y\n")
    assert "Delete the goal 'Swim' and its 0 check-ins for good?" in deleted.stderr
    assert "Deleted the goal 'Swim'" in deleted.stderr

    entry = (await laptop.ok("write", "A day.")).stdout.strip()
    trashed = await phone.ok("delete", entry[:6], input="y\n")
    assert "try `tj sync`" not in trashed.stderr and "Moved" in trashed.stderr

    await laptop.ok("sync")
    goals = {g["title"]: g for g in await laptop.json("goal", "list")}
    assert set(goals) == {"Walk", "Read"}
    assert goals["Walk"]["done"] is True and goals["Read"]["checkins"] == []
    assert entry not in [e["id"] for e in await laptop.json("list")]

    for args in (("goal", "delete", "abcd"), ("goal", "done", "abcd"), ("goal", "undo", "abcd")):
        missing = await phone.tj(*args, input="y\n")
        assert missing.exit_code == 1, args
        assert missing.stderr.strip() == "Error: no goal abcd on this device: try `tj sync`"
