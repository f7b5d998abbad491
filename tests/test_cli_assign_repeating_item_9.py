"""`tj assign CLIENT/JOURNAL measure phq9 --every N` right after a PHQ-9 (or a retake) with
item 9 answered above 0: it is first due at its start, not a period after that result, and
its note names item 9 as the one-off's does; a result it counts is named by its score, band
and item 9; `--json` carries the first due date, the counted result's id and the note's
words. Real server on loopback."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import TOFU, flat

ITEM_9_TWO = "1,2,1,1,0,1,1,0,2"  # 9, Mild; item 9 "More than half the days"
ITEM_9_ZERO = "1,1,1,1,1,0,0,0,0"  # 5, Mild


async def test_a_fortnightly_phq9_after_item_9_above_0_is_due_now_and_says_why(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drw = await new_device(live_server, tmp_path, "drw")
    await ana.ok("share", "Personal", "drw", "--role", "annotate", TOFU)
    await ana.ok("measure", "take", "phq9", "--answers", ITEM_9_TWO)
    await drw.ok("sync")
    made = await drw.json("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    assert made["due_at"] == made["starts_at"], made  # not 14 days after that result
    assert made["counted_result_id"] is None and made["last_done"] is None, made
    note = flat(made["result_note"])
    assert "(9, Mild; item 9 answered 2 (More than half the days), above 0)" in note, note
    assert "needs further assessment for suicide risk" in note, note
    assert "this is not one to put off; no result of that period counts for it" in note, note
    assert "assignments cancel" not in note and "--starts" not in note, note
    await ana.ok("sync")
    assert "PHQ-9" in (await ana.ok("due")).stdout  # the client is asked for it now


async def test_a_retake_with_item_9_at_0_minutes_later_clears_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    cat = await new_device(live_server, tmp_path, "cat")
    drw = await new_device(live_server, tmp_path, "drw")
    await cat.ok("share", "Personal", "drw", "--role", "annotate", TOFU)
    await cat.ok("measure", "take", "phq9", "--answers", ITEM_9_TWO)
    await cat.ok("measure", "take", "phq9", "--answers", ITEM_9_ZERO)  # retaken
    await drw.ok("sync")
    said = flat((await drw.ok("assign", "cat", "measure", "phq9", "--every", "14")).stderr)
    assert "which counts for it" not in said, said
    assert "(5, Mild); it asks about the last 2 weeks" in said, said
    assert "before it, within the same period, a PHQ-9" in said, said
    assert "item 9 answered 2 (More than half the days), above 0" in said, said
    assert "this is not one to put off" in said and "assignments cancel" not in said, said
    [listed] = await drw.json("assignments")
    assert listed["due_at"] == listed["starts_at"] and listed["last_done"] is None, listed


async def test_a_counted_result_is_named_by_its_score_and_json_carries_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drw = await new_device(live_server, tmp_path, "drw")
    await ana.ok("share", "Personal", "drw", "--role", "annotate", TOFU)
    taken = await ana.json("measure", "take", "phq9", "--answers", ITEM_9_ZERO)
    await drw.ok("sync")
    text = await drw.ok("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    at = datetime.fromisoformat(taken["taken_at"]).astimezone()
    assert (
        f"14 days after the PHQ-9 of {at:%Y-%m-%d %H:%M} (5, Mild), which counts for it;"
        in flat(text.stderr)
    ), text.stderr
    made = await drw.json("assign", "ana/Personal", "measure", "gad7", "--every", "7")
    assert (made["due_at"], made["counted_result_id"], made["result_note"]) == (
        made["starts_at"],
        None,
        None,
    ), made
    weekly = await drw.json("assign", "ana/Personal", "measure", "phq9", "--every", "7", "--yes")
    assert weekly["counted_result_id"] == taken["id"], weekly
    due = datetime.fromisoformat(weekly["due_at"])
    assert due == datetime.fromisoformat(taken["taken_at"]) + timedelta(days=7), weekly
    assert weekly["last_done"] == taken["taken_at"] and weekly["result_note"] is None, weekly
    once = await drw.json("assign", "ana/Personal", "measure", "phq9", "--yes")
    assert once["counted_result_id"] is None and once["due_at"] == once["starts_at"], once
    assert "(5, Mild); it asks about the last 2 weeks" in flat(once["result_note"]), once


async def test_in_a_copy_without_answers_the_note_says_the_clients_device_asks_now(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The therapist's copy of mood and scores holds no answers: its device counts the result
    (a period on), says item 9 is not known and that the client's device, which knows it was
    above 0, asks for it at its start; the client's `tj due` does."""
    ben = await new_device(live_server, tmp_path, "ben")
    drw = await new_device(live_server, tmp_path, "drw")
    await ben.ok("share", "Personal", "drw", "--only", "mood,scores", "--role", "annotate", TOFU)
    await ben.ok("measure", "take", "phq9", "--answers", ITEM_9_TWO)
    await drw.ok("sync")
    made = await drw.json("assign", "ben", "measure", "phq9", "--every", "14")
    assert made["counted_result_id"] is not None, made
    note = flat(made["result_note"])
    assert "was answered above 0 is not known to you" in note, note
    assert "asks for this one at its start" in note and "not one to put off" in note, note
    await ben.ok("sync")
    [mine] = await ben.json("assignments")
    assert mine["due_at"] == mine["starts_at"] and mine["last_done"] is None, mine
