"""NU31 #6 and #8: what `tj share --safety-flags` and `tj goal checkin` say (real server on
loopback, real crypto, CliRunner)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device


async def test_turning_safety_flags_on_is_not_said_to_change_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU31 #6: `tj share Personal drsmith --role annotate --safety-flags` on a share with
    those terms said "nothing changed." and then "Safety flags: on for drsmith"; flags were
    turned on. Said as what changed; run again (flags already on), nothing changed."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    until = (date.today() + timedelta(days=200)).isoformat()
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--until", until,
        "--trust-on-first-use",
    )  # fmt: skip
    on = await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags")
    said = " ".join(on.stderr.split())  # each message wrapped at the width (NU50 F5)
    assert "nothing changed" not in on.stderr
    assert said.startswith(
        f"drsmith already reads Personal (read and add notes) until {until} (end of day), as "
        "before; what changed: safety flags. Safety flags: on for drsmith. "
    )
    [row] = await ana.json("shares")
    assert row["safety_flags"] is True

    again = await ana.ok("share", "Personal", "drsmith", "--role", "annotate", "--safety-flags")
    assert " ".join(again.stderr.split()).startswith(  # wrapped at the width (NU50 F5)
        f"drsmith already reads Personal (read and add notes) until {until} (end of day): "
        "nothing changed. "
    )


async def test_a_check_in_prints_the_progress_after_its_sync(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """NU31 #8: `tj goal checkin` printed the progress computed before its sync, so a
    check-in from another device that the sync brought was left out (2/12, where `tj goal
    show` then said 3/12) and never mentioned (`tj sync` then had nothing new)."""
    goal = (await laptop.ok("goal", "add", "Walk", "--measure", "12 sessions")).stdout.strip()
    await laptop.ok("goal", "checkin", goal, "--note", "By the river")
    await phone.ok("sync")
    await phone.ok("goal", "checkin", goal, "--note", "phone checkin")
    done = await laptop.ok("goal", "checkin", goal, "--date", "yesterday 19:00")
    assert done.stdout.strip() == "'Walk': 3/12 sessions ██░░░░░░░░ 25%"
    assert (
        "Note: 1 check-in on 'Walk' from another device arrived in this sync (counted above)."
        in done.stderr.splitlines()
    )
    shown = await laptop.json("goal", "show", goal)
    assert len(shown["checkins"]) == 3 and shown["progress"] == 3
    alone = await laptop.ok("goal", "checkin", goal)
    assert alone.stdout.strip() == "'Walk': 4/12 sessions ███░░░░░░░ 33%"
    assert "another device" not in alone.stderr
