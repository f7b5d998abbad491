"""NU19 C1, C5, C6: the caseload combines everything the therapist's device holds of a client
(the kept copy of an ended share too), and puts safety signals first, whatever the names
and whether a share ended (real server on loopback, CliRunner)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from client_sdk.caseload import UNLISTED_ENDED
from tests.conftest import RunningServer
from tests.run_days import days_from
from tests.test_cli_insights import new_device


async def test_a_client_who_ended_her_share_then_sends_one_score_keeps_her_item_9_row(
    live_server: RunningServer, tmp_path: Path
) -> None:
    maya = await new_device(live_server, tmp_path, "maya")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await maya.ok("share", "Personal", "drlee", "--trust-on-first-use")
    await maya.ok("write", "--mood", "6", "--date", "today 00:00", "Earlier.")
    # 7 on paper 15 days ago, then 16 now: a reliable deterioration from the first result
    earlier = (date.today() - timedelta(days=15)).isoformat()
    await maya.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,0,0", "--date", earlier)
    await maya.ok("measure", "take", "phq9", "--answers", "2,2,2,2,2,2,2,1,1")  # 16, item 9
    await drlee.ok("sync")
    before = (await drlee.json("caseload"))[0]
    assert f"PHQ-9 reliable deterioration (from 7 on {earlier})" in before["flags"]
    await maya.ok("unshare", "Personal", "drlee", "--yes")
    await drlee.ok("sync")
    [ended] = await drlee.json("caseload")
    # maya's unshare is not served to drlee's device: the server's word, not "share_ended"
    assert ended["unlisted"] and not ended["share_ended"], ended
    assert ended["tier"] == 0  # not demoted: item 9 above 0

    start = date.today()
    entry = (await maya.ok("write", "--mood", "2", "Later.")).stdout.strip()
    taken = await maya.json("measure", "take", "phq9", "--answers", "2,3,2,2,2,2,2,1,2")  # 18
    await maya.ok("measure", "share", taken["id"][:8], "drlee", "--without-answers")
    await maya.ok("share-entry", entry[:8], "drlee", "--only", "mood")
    await drlee.ok("sync")
    [row] = await drlee.json("caseload")
    assert row["journals"] == ["maya/Shared with drlee"] and not row["read_only_copies"]
    assert row["flags"][0] in [
        "PHQ-9 item 9 answered above 0 on " + day for day in days_from(start)
    ]  # the day it was taken
    # maya's unshare is not served to drlee's device: the server's word (NU52 F4)
    assert "no longer served: maya/Personal" in row["flags"] and row["tier"] == 0
    [score] = row["scores"]  # 16 in the kept copy, then 18 shared alone: one series
    assert (score["score"], score["change"]["earlier"], score["change"]["difference"]) == (
        18,
        16,
        2,
    )
    assert row["entries_this_week"] == 2 and row["mood_recent"] == 4.0  # both entries
    shown = (await drlee.ok("caseload", env={"COLUMNS": "200"})).stdout
    assert "item 9 answered above 0" in shown and "no longer served: maya/Personal" in shown


async def test_item_9_above_0_and_an_ended_share_with_it_come_before_an_overdue_form(
    live_server: RunningServer, tmp_path: Path
) -> None:
    abe = await new_device(live_server, tmp_path, "abe")
    zoe = await new_device(live_server, tmp_path, "zoe")
    yan = await new_device(live_server, tmp_path, "yan")
    drlee = await new_device(live_server, tmp_path, "drlee")
    for client in (abe, zoe, yan):
        await client.ok(
            "share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use"
        )
        await client.ok("write", "--mood", "5", "Same day.")
    await zoe.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    await yan.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    await drlee.ok("sync")
    week_ago = (date.today() - timedelta(days=7)).isoformat()
    await drlee.ok("assign", "abe/Personal", "measure", "gad7", "--starts", week_ago)
    await drlee.ok("sync")
    await yan.ok("unshare", "Personal", "drlee", "--yes")
    await drlee.ok("sync")
    rows = await drlee.json("caseload")
    assert [r["client"] for r in rows] == ["yan", "zoe", "abe"]  # yan's item 9 is the higher
    assert [r["tier"] for r in rows] == [0, 0, 3]
    assert [r["safety_answer"] for r in rows] == [2, 1, None]  # abe: no PHQ-9, unknown
    # yan's unshare is not served to drlee's device: the server's word
    assert rows[0]["unlisted"] and not rows[0]["share_ended"], rows[0]
    assert rows[0]["flags"][1] == UNLISTED_ENDED  # item 9 first
    assert rows[2]["flags"][0] == "1 overdue"
