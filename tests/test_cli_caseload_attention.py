"""A first severe score and a positive PHQ-9 item 9 raise a client's caseload row (NEWUSER2
finding 18). CLI against a real server on loopback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.conftest import RunningServer
from tests.run_days import days_from
from tests.test_cli_insights import new_device


async def test_a_first_severe_score_with_item_9_above_0_comes_first_with_both_reasons(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    for client in (ana, ben):
        await client.ok("share", "Personal", "drsmith", "--trust-on-first-use")
        await client.ok("write", "--mood", "5", "Today.")
    await ana.ok("measure", "take", "phq9", "--answers", "3,3,3,3,3,3,3,3,2")  # 26, severe
    await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")  # 8, mild
    await drsmith.ok("sync")
    rows = await drsmith.json("caseload")
    assert [r["client"] for r in rows] == ["ana", "ben"]  # who needs attention first
    # drsmith never compared their fingerprints (R13 finding 4): said last on every row
    assert rows[0]["flags"] == [  # said in the caseload's order: item 9 first (NU19 C5)
        "PHQ-9 item 9 answered above 0",
        "PHQ-9 Severe",
        "fingerprint not verified",
    ]
    assert rows[1]["flags"] == ["fingerprint not verified"]


async def test_a_phq9_retaken_a_minute_later_keeps_item_9_in_the_caseload(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU22 C1: item 9 = 1, then the form retaken at once with item 9 = 0: the therapist's
    caseload keeps the client in the item-9 group and says the form was retaken since."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await ana.ok("write", "--mood", "5", "Today.")
    start = date.today()
    await ana.ok("measure", "take", "phq9", "--answers", "1,2,1,2,1,1,2,1,1")
    retake = await ana.ok("measure", "take", "phq9", "--answers", " 1, 1,1,1,1,1,1,1,0")
    said = " ".join((retake.stdout + retake.stderr).split())  # lines wrap at the width
    assert "change: -4 since last time (from 12 on " in said  # plain (REV-CLIN F1)
    assert "not a measure of change" not in said and "retake" not in said
    await drsmith.ok("sync")
    [row] = await drsmith.json("caseload")
    [today] = [d for d in days_from(start) if d in row["flags"][0]]  # the day it was taken
    assert row["flags"][0] == f"PHQ-9 item 9 answered above 0 on {today} (retaken since)"
    assert row["tier"] == 0  # the safety tier: an answer held, flag or not
    shown = (await drsmith.ok("caseload")).stdout
    assert "(retaken since)" in shown
    page = tmp_path / "caseload.html"
    await drsmith.ok("caseload", "--html", str(page))
    assert "item 9 answered above 0 on " + today + " (retaken since)" in page.read_text()
