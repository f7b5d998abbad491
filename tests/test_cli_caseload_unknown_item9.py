"""`tj caseload --json`: a client whose PHQ-9 item 9 the therapist cannot read (shared with
scores only) has `"safety_answer": null` (unknown), never 0 ("Not at all"), while one who
answered it 0 in a result shared with its answers has 0; `group` numbers the rows' groups
as README does, from 1 (`tier` + 1). Real server on loopback, CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_an_item_9_the_therapist_cannot_read_is_null_not_0(
    live_server: RunningServer, tmp_path: Path
) -> None:
    cara = await new_device(live_server, tmp_path, "cara")
    amy = await new_device(live_server, tmp_path, "amy")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = drsmith.signup["fingerprint"]
    await cara.ok(
        "share", "Personal", "drsmith", "--only", "mood,scores", "--fingerprint", fingerprint
    )
    await amy.ok("share", "Personal", "drsmith", "--full", "--fingerprint", fingerprint)
    await cara.ok("measure", "take", "phq9", "--answers", "2,2,2,2,1,1,1,1,2")  # item 9: 2
    await amy.ok("measure", "take", "phq9", "--answers", "2,2,2,2,1,1,1,1,0")  # item 9: 0
    await drsmith.ok("sync")

    rows = {r["client"]: r for r in await drsmith.json("caseload")}
    assert "PHQ-9 item 9 not shared" in rows["cara"]["flags"]
    assert rows["cara"]["safety_answer"] is None  # unknown: she answered 2
    assert rows["amy"]["safety_answer"] == 0  # read: "Not at all"
    for row in rows.values():
        assert row["group"] == row["tier"] + 1
