"""rev29d F2 as a user sees it in the CLI (real server, CliRunner, two devices kept apart by
stopping the server, as a phone with a stale copy is): both devices replace the safety plan's
text and crisis line. Each device's plan text is kept whole (never merged word by word into
one unreadable plan), every device reads the same plan, and each sync says once that the texts
were merged, with `tj safety plan` to read it; the device whose crisis line lost is told the
line kept and its own, in words and in `--json`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, outage  # noqa: F401

LAPTOP_PLAN, PHONE_PLAN = "B: walk, then call Dr Lee.", "C: breathe."


async def test_a_plan_replaced_on_two_devices_apart_is_kept_whole_and_told(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    laptop = Device(tmp_path / "ana-laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("safety", "plan", "--text", "A: call my sister.", "--crisis-line", "Line A")
    await phone.ok("sync")
    await phone.ok("safety", "plan")  # shown here: a change written over it is the user's
    await outage.begin()
    await laptop.ok("safety", "plan", "--text", LAPTOP_PLAN, "--crisis-line", "Line B")
    await phone.ok("safety", "plan", "--text", PHONE_PLAN, "--crisis-line", "Line C")
    await outage.end()
    assert "Merged:" not in (await laptop.ok("sync")).stderr  # nothing of the phone's yet
    told = await phone.json("sync")
    [merged] = told["merged_texts"]
    assert (merged["kind"], merged["journal"]) == ("safety_plan", "Personal")
    said = " ".join((await laptop.ok("sync")).stderr.split())
    assert "Merged: the safety plan of Personal, changed on this device at " in said
    assert "check it says what you meant: `tj safety plan`." in said
    plans = [await device.json("safety", "plan") for device in (laptop, phone)]
    assert plans[0]["plan"] == plans[1]["plan"]
    assert plans[0]["crisis_line"] == plans[1]["crisis_line"]
    plan, kept = plans[0]["plan"], plans[0]["crisis_line"]
    assert LAPTOP_PLAN in plan and PHONE_PLAN in plan  # each whole, not interleaved
    assert len(plan) == len(LAPTOP_PLAN) + 1 + len(PHONE_PLAN)  # one space between them
    if kept == "Line B":  # the phone's line lost: its sync said so, with both values
        [settled] = told["settled"]
        assert [settled[key] for key in ("kind", "journal", "field", "mine", "kept")] == [
            "safety_plan", "Personal", "crisis_line", "Line C", "Line B",
        ]  # fmt: skip
    else:  # the laptop's line lost: its sync said so, in words
        assert kept == "Line C"
        assert (
            "Settled: the crisis line of the safety plan of Personal was changed on another "
            "device; it is 'Line C' everywhere now. This device had 'Line B'"
        ) in said
    for device in (laptop, phone):
        assert "Merged:" not in (await device.ok("sync")).stderr  # told once


async def test_a_plan_written_apart_holding_the_others_text_whole_says_it_is_there_twice(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """fix31c 6: the phone, apart, wrote a plan holding the laptop's new text whole: both are
    kept one after the other, so the laptop's words are in the plan twice; the laptop's sync
    says so, no longer that the two changes were merged into one text."""
    laptop = Device(tmp_path / "ana-laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("safety", "plan", "--text", "A: call my sister.")
    await phone.ok("sync")
    await phone.ok("safety", "plan")  # shown here: a change written over it is the user's
    await outage.begin()
    await laptop.ok("safety", "plan", "--text", LAPTOP_PLAN)
    await phone.ok("safety", "plan", "--text", f"{LAPTOP_PLAN} {PHONE_PLAN}")
    await outage.end()
    await laptop.ok("sync")
    await phone.ok("sync")
    said = " ".join((await laptop.ok("sync")).stderr.split())
    assert "to a text holding yours whole" in said, said
    assert "so your words are in it twice" in said and "both changes in one text" not in said
    told = await laptop.json("safety", "plan")
    assert told["plan"].count(LAPTOP_PLAN) == 2, told["plan"]
