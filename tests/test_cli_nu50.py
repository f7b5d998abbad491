"""NU50 (a new user's week from the README): a change's date is the earlier score's and says
so (F1); the PCL-5's 33 is a provisional cut-point, not caseness (F2); `tj forget` names every
safety record a kept copy holds before asking (F3); an error's advice names the profile in
every command it prints (F4); long notices wrap at the terminal's width (F5). Real server on
loopback, real crypto, the real CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def flat(text: str) -> str:
    return " ".join(text.split())


PHQ9_14 = "2,2,2,2,2,2,2,0,0"
PHQ9_17 = "2,2,2,2,2,2,2,3,0"


async def test_a_change_is_dated_by_the_earlier_score_not_read_as_the_later_one(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1: "+3 since last time (14 → 17 on 2026-11-07)" read as 17 reached on 2026-11-07,
    the date of the 14."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("measure", "take", "phq9", "--answers", PHQ9_14, "--date", "2026-11-07 14:00")
    taken = await ana.ok(
        "measure", "take", "phq9", "--answers", PHQ9_17, "--date", "2026-11-14 19:00"
    )
    text = flat(taken.stdout)
    assert "change: +3 since last time (from 14 on 2026-11-07)" in text, text
    assert "course: +3 since the first (from 14 on 2026-11-07), no reliable change" in text
    assert "→" not in text
    [latest, _] = await ana.json("measure", "list")
    shown = flat((await ana.ok("measure", "show", latest["id"][:8])).stdout)
    assert "change: +3 since last time (from 14 on 2026-11-07)" in shown


async def test_the_pcl5_course_names_its_provisional_cut_point_not_caseness(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F2: "now below the clinical cut-off of 33 (caseness)" under a score line calling 33 a
    provisional cut-point."""
    emma = await new_device(live_server, tmp_path, "emma")
    high = "3,3,3,2,2,3,3,2,2,2,2,2,3,2,2,3,3,2,1,1"  # 46
    await emma.ok("measure", "take", "pcl5", "--answers", high, "--date", "2026-12-01 12:30")
    low = ",".join(["1"] * 20)  # 20
    text = flat((await emma.ok("measure", "take", "pcl5", "--answers", low)).stdout)
    assert (
        "course: -26 since the first (from 46 on 2026-12-01), no single reliable-change "
        "threshold is published for PCL-5, now below the provisional cut-point of 33"
    ) in text, text
    assert "caseness" not in text and "clinical cut-off" not in text


async def test_forget_names_the_item_9_results_and_acknowledged_flags_before_asking(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F3: before discarding a former client's copy, `tj forget` named only a GAD-7 "severe"
    since retaken, not the PHQ-9 results with item 9 above 0 nor the (acknowledged) safety
    flag: every one is named now, counted and dated, safety first."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share",
        "Personal",
        "drsmith",
        "--full",
        "--role",
        "annotate",
        "--trust-on-first-use",
        "--safety-flags",
    )
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1", "--date",
                 "2026-11-07 14:00")  # fmt: skip
    await ana.ok("measure", "take", "gad7", "--answers", "3,3,3,2,2,1,1", "--date",
                 "2026-11-21 19:10")  # fmt: skip  # 15, severe
    await ana.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1", "--date",
                 "2026-11-28 19:10")  # fmt: skip  # 7: retaken
    now = await ana.json("measure", "take", "phq9", "--answers", "2,2,2,2,2,2,2,1,2")
    at = datetime.fromisoformat(now["taken_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    await drsmith.ok("sync")
    [flag] = await drsmith.json("safety", "flags")  # raised by the one taken now
    await drsmith.ok("safety", "ack", flag["id"])
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")

    kept = await drsmith.tj("forget", "ana/Personal", "--unlisted", input="\n")  # default: no
    assert kept.exit_code == 1
    said = flat(kept.stderr)
    assert (
        f"ana/Personal holds 1 acknowledged safety flag (PHQ-9 item 9 answered 2, {at}), 2 "
        f"PHQ-9 results with item 9 above 0 (answered 2, {at}; answered 1, 2026-11-07 14:00) "
        "and 1 "
        "GAD-7 in its highest band (15, severe, 2026-11-21 19:10). For your clinical records, "
        f"export it first: `tj --home {drsmith.home} export --journal ana/Personal --out DIR` "
        "writes it out."
    ) in said, said
    assert (
        "Discard the copy of ana/Personal, with 1 acknowledged safety flag, 2 PHQ-9 results "
        "with item 9 above 0 and 1 GAD-7 in its highest band, from this device for good?"
    ) in said
    assert [s["owner"] for s in await drsmith.json("shared-with-me")] == ["ana"]


async def test_the_advice_after_an_erased_account_names_the_profile_in_every_command(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: the phone's advice gave `tj --home PHONE login ...` but `tj export` without
    --home: pasted as is, it read the default profile and said "no account on this device"."""
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    await laptop.ok("account", "delete", "--yes")
    failed = await phone.tj("sync")
    assert failed.exit_code == 1
    said = flat(failed.stderr)
    home = f"tj --home {phone.home}"
    assert f"`{home} login {live_server.url} ana` signs it in again" in said, said
    assert (
        f"if it refuses the right password, `{home} export --out DIR` saves this device's copy "
        f"(before any `{home} logout`)"
    ) in said
    assert "`tj export" not in said and "`tj logout" not in said
