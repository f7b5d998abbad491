"""`tj assign CLIENT/JOURNAL measure phq9` weighs every result of the recall period: a retake
minutes after item 9 answered above 0 clears nothing, so no advice to put the new one off."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import TOFU, flat


async def test_assign_after_a_retake_names_the_item_9_answer_before_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    cleo = await new_device(live_server, tmp_path, "cleo")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cleo.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    await cleo.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,2")
    await cleo.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,0")  # retaken
    await drsmith.ok("sync")
    said = flat((await drsmith.ok("assign", "cleo/Personal", "measure", "phq9")).stderr)
    assert "assignments cancel" not in said and "--starts" not in said, said
    assert "(5, Mild)" in said, said
    assert "before it, within the same period, a PHQ-9" in said, said
    assert "item 9 answered 2" in said and "this is not one to put off" in said, said
