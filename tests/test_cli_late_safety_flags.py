"""NU22 C3 through the CLI: ana opts in to safety flags for drsmith on the laptop, then
answers PHQ-9 item 9 above 0 on the phone. `tj measure take` syncs first, so the flag is
sealed at once; offline, the message says why no flag was sent, and the phone's next sync
seals it and says so. Real server on loopback, real processes' code paths (CliRunner)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.client.test_late_safety_flags import answer_later
from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage, phone
from tests.test_cli_insights import new_device

__all__ = ["laptop", "outage", "phone"]  # fixtures


def said(text: str) -> str:
    return " ".join(text.split())  # a message wraps on a narrow terminal


async def opted_in(laptop: Device, phone: Device, drsmith: Device) -> None:
    await laptop.ok("safety", "plan", "--share-flags")
    await phone.ok("sync")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip


async def test_measure_take_on_the_phone_right_after_the_opt_in_on_the_laptop_seals_the_flag(
    live_server: RunningServer, tmp_path: Path, laptop: Device, phone: Device
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await opted_in(laptop, phone, drsmith)
    taken = await phone.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    assert "a safety flag was made for drsmith" in said(taken.stderr)
    assert "No safety flag was sent" not in taken.stderr
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert (flag["owner"], flag["answer"], flag["sealed_later"]) == ("ana", 3, False)
    assert flag["answered_at"] == flag["raised_at"], flag  # sealed as the answer was given


async def test_offline_the_message_says_why_no_flag_was_sent_and_the_next_sync_seals_it(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,
    phone: Device,
    outage: Outage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await opted_in(laptop, phone, drsmith)
    answer_later(live_server, monkeypatch)  # a late flag needs CLOCK_SKEW_MS (R37 F2)
    await outage.begin()
    taken = await phone.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    text = said(taken.stderr)
    assert "not monitored in real time" in text
    # NU27 C17: the SDK's line names no command; the CLI adds its own. Offline, never "You
    # have not written a safety plan": one written on another device may not be here (NU61 F1)
    assert (
        "This device could not sync just now, so the safety plan on it may be out of date: one "
        "you wrote on another of your devices may not be here yet. You can make one with your "
        "therapist (`tj safety plan --journal Personal --text 'YOUR PLAN'`)." in text
    )
    assert (
        "No safety flag was sent: as of this device's last sync (around " in text
        and "nobody you chose to send safety flags to reads 'Personal'." in text
        and "nobody you chose to send "
        "safety flags to reads 'Personal'. Flags chosen on another device may go at the next "
        "sync. If you want your therapist to know, tell them yourself. Do not wait for anyone: "
        "act on the message above now."
        in text
    )  # REV-CLIN F6: shorter, said right after item 9 was answered
    assert "made for drsmith" not in text
    await outage.end()

    synced = await phone.ok("sync")
    late = said(synced.stderr)
    assert "Safety: A safety flag was made for drsmith for your PHQ-9 answer of " in late
    report = await phone.json("sync")
    assert report["late_flags"] == []  # once
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert flag["answer"] == 3 and flag["sealed_later"] is True
    assert flag["answered_at"] <= flag["raised_at"], flag
    table = said((await drsmith.ok("safety", "flags")).stdout)
    assert "sealed later" in table
    [result] = await phone.json("measure", "list")
    assert flag["result_id"] == result["id"]


async def test_the_message_says_no_flag_was_sent_when_the_share_ended(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    taken = await ana.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    [line] = [s for s in taken["safety_message"]["lines"] if "safety flag" in s]
    assert said(line).startswith("No safety flag was sent: as of this device's last sync")
    assert "(drsmith: no longer shared with) reads 'Personal'" in line
    assert "If you want your therapist to know, tell them yourself." in line, line  # fix32a
