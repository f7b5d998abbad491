"""`tj measure take` on a device without its default journal: the safety message says the
default journal's plan cannot be shown and names the command that chooses another, never
"not written" (rev29a F2). Real server on loopback, real crypto."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import flat


async def test_the_message_without_the_default_journal_names_the_command_to_choose_one(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    await ana.ok("journal", "delete", "Personal", "--yes")
    taken = await ana.tj(
        "measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--journal", "Work"
    )
    said = flat(taken.stdout + taken.stderr)
    assert "The safety plan of your default journal cannot be shown" in said, said
    assert "make that your default journal on this device (`tj journal default NAME`)" in said
    assert "You have not written a safety plan here yet" not in said, said
