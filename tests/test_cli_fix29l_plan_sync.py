"""NU75 F2, F6: `tj safety plan --text/--emergency/--crisis-line/--copy-from` syncs first, so
a replacement replaces the plan as it is now (not two texts merged by a later sync); a plan
changed on another device since is said and shown, and asked about (`--yes`: not asked);
offline it says it decides from the last sync. `--copy-from`'s question shows the plan it
replaces and the copy, and its `--json` error names the journal. Real server on loopback,
real crypto; CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage, phone
from tests.test_cli_insights import new_device

__all__ = ["laptop", "outage", "phone"]  # fixtures


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_plan_changed_on_another_device_is_shown_and_asked_before_it_is_replaced(
    laptop: Device, phone: Device
) -> None:
    await laptop.ok(
        "safety", "plan", "--emergency", "111", "--crisis-line", "Line A", "--text", "Old plan."
    )
    await phone.ok("sync")
    await phone.ok("safety", "plan")  # shown here: a change written over it is the user's
    await laptop.ok(
        "safety", "plan", "--emergency", "222", "--crisis-line", "Line New",
        "--text", "Call my sister Mia.",
    )  # fmt: skip
    asked = await phone.tj("safety", "plan", "--text", "Walk to the park.", input="n\n")
    assert asked.exit_code == 1, asked.output
    text = said(asked.stderr)
    assert (
        "Note: the safety plan of 'Personal' was changed on another device since this device "
        "last showed or wrote it; it now reads:"
    ) in text, text
    assert "Call my sister Mia." in text and "222" in text, text
    assert "Write your change over it?" in text, text
    await laptop.ok("safety", "plan", "--text", "Call my sister Mia!")
    left = await phone.tj("safety", "plan", "--text", "Walk", "--json", input="")
    assert left.exit_code == 1, left.output
    error = json.loads(left.stdout)["error"]
    assert error["subject"] == "plan changed" and error["answered_by"] == "--yes", error
    assert error["journal"] == "Personal" and len(error["journal_id"]) == 32, error
    now = await laptop.json("safety", "plan")
    assert now["plan"] == "Call my sister Mia!", now  # nothing changed
    await phone.ok("safety", "plan", "--text", "Walk to the park.", "--yes")
    await laptop.ok("sync")
    for device in (laptop, phone):
        plan = await device.json("safety", "plan")
        assert plan["plan"] == "Walk to the park.", plan  # replaced, not merged
        assert plan["emergency_number"] == "222" and plan["crisis_line"] == "Line New", plan
    again = await phone.ok("safety", "plan", "--text", "Walk twice.")  # nothing new: not asked
    assert "changed on another device" not in again.stderr, again.stderr


async def test_offline_a_plan_change_says_it_decides_from_the_last_sync(
    laptop: Device, outage: Outage
) -> None:
    await laptop.ok("safety", "plan", "--text", "Old plan.")
    await outage.begin()
    done = await laptop.ok("safety", "plan", "--text", "New plan.")
    await outage.end()
    text = said(done.stderr)
    assert "deciding from what this device had at its last sync" in text, text


async def test_copy_from_syncs_first_and_shows_both_plans_before_it_replaces_one(
    laptop: Device, phone: Device
) -> None:
    await laptop.ok("journal", "create", "Work")
    await laptop.ok(
        "safety", "plan", "--journal", "Work", "--emergency", "999", "--text", "Call Sam."
    )
    await phone.ok("sync")
    await phone.ok("safety", "plan", "--text", "Phone plan: ring Jo.")
    await laptop.ok("sync")
    await phone.ok("safety", "plan", "--journal", "Work")  # shown here before it is changed
    await phone.ok("safety", "plan", "--journal", "Work", "--text", "Call Sam at 6.")
    asked = await laptop.tj("safety", "plan", "--copy-from", "Work", input="")
    assert asked.exit_code == 1, asked.output
    text = said(asked.stderr)
    # the phone's plan, never shown on the laptop (synced there): said so and shown (nu77 F6)
    assert "was written on another device and this device never showed it; it reads:" in text
    assert "Phone plan: ring Jo." in text, text
    assert "The copy, from 'Work', reads:" in text and "Call Sam at 6." in text, text
    left = await laptop.tj("safety", "plan", "--copy-from", "Work", "--json", input="")
    error = json.loads(left.stdout)["error"]
    assert error["subject"] == "plan written" and error["journal"] == "Personal", error
    assert len(error["journal_id"]) == 32, error
    await laptop.ok("safety", "plan", "--copy-from", "Work", "--yes")  # and pushed it
    await phone.ok("sync")
    plan = await phone.json("safety", "plan")
    assert plan["plan"] == "Call Sam at 6." and plan["emergency_number"] == "999", plan


async def test_a_restored_plans_line_gives_way_to_the_therapists_and_both_devices_say_so(
    live_server: RunningServer, laptop: Device, tmp_path: Path
) -> None:
    """NU75 F8 through the CLI: a plan restored into Personal (`tj import --journal
    Personal`) yields its crisis line to the one the therapist set there; the therapist is
    told his line is shown, the client sees the import's line named as not shown."""
    await laptop.ok("safety", "plan", "--emergency", "999", "--crisis-line", "File line 0900")
    path = (await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    ana3 = await new_device(live_server, tmp_path, "ana3")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana3.ok("import", path, "--journal", "Personal", "--yes")
    await ana3.ok(
        "share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use", "--yes"
    )
    await drsmith.ok("sync")
    set_ = said(
        (await drsmith.ok("safety", "crisis-line", "ana3/Personal", "Dr Smith 0800 111")).stderr
    )
    assert "ana3's safety message for it shows it, before the crisis line ana3's import" in set_
    assert "set their own crisis line" not in set_, set_
    shown = said((await ana3.ok("safety", "plan")).stdout)
    assert "crisis line: Dr Smith 0800 111 (set by drsmith)" in shown, shown
    assert "own line: File line 0900 (the import's; not shown" in shown, shown
    assert "your own line in this journal comes first" not in shown, shown
    message = (await ana3.json("safety", "plan"))["safety_message"]
    assert (message["crisis_line"], message["crisis_line_set_by"]) == (
        "Dr Smith 0800 111", "drsmith"
    ), message  # fmt: skip


async def test_a_plan_changed_elsewhere_is_asked_about_after_another_command_synced(
    laptop: Device, phone: Device
) -> None:
    """fix30b 3: the question compared the plan before and after `tj safety plan`'s own
    sync: once `tj sync` (or any command's sync) brought the laptop's change, the phone's
    next write replaced it unasked. It compares with what the phone last showed or wrote."""
    await laptop.ok("safety", "plan", "--emergency", "111", "--text", "Old plan.")
    await phone.ok("sync")
    await phone.ok("safety", "plan")  # shown here: "Old plan."
    await laptop.ok("safety", "plan", "--emergency", "222", "--text", "Call my sister Mia.")
    await phone.ok("sync")  # brings it: nothing of it was shown
    await phone.ok("write", "A day.")  # another command's sync
    asked = await phone.tj("safety", "plan", "--text", "Walk to the park.", input="n\n")
    assert asked.exit_code == 1, asked.output
    text = said(asked.stderr)
    assert "was changed on another device since this device last showed or wrote it" in text
    assert "Call my sister Mia." in text and "222" in text, text
    assert (await laptop.json("safety", "plan"))["plan"] == "Call my sister Mia."
    done = await phone.ok("safety", "plan", "--text", "Walk to the park.")  # shown: not asked
    assert "changed on another device" not in done.stderr, done.stderr
    # the laptop last wrote "Call my sister Mia.": the phone's text is asked about there
    kept = await laptop.tj("safety", "plan", "--crisis-line", "Line L", input="n\n")
    assert kept.exit_code == 1 and "Walk to the park." in said(kept.stderr), kept.output
    await laptop.ok("safety", "plan", "--crisis-line", "Line L", "--yes")
    again = await laptop.ok("safety", "plan", "--text", "Laptop plan.")  # its own: not asked
    assert "changed on another device" not in again.stderr, again.stderr
