"""A first severe score and a positive PHQ-9 item 9 raise a client's caseload row (NEWUSER2
finding 18). CLI against a real server on loopback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
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
        "PHQ-9 severe",
        "fingerprint not verified",
    ]
    assert rows[1]["flags"] == ["fingerprint not verified"]
