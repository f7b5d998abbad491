"""What `tj import` says, as a new user read it (real server on loopback, real crypto; the
CLI through its runner): an import again of a file with an archived journal said "archived
again as exported: Work" when it did nothing (the journal was archived since the first)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_an_import_again_does_not_say_it_archived_a_journal_already_archived(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    await ana.ok("write", "--journal", "Work", "Deadline day.")
    await ana.ok("journal", "archive", "Work")
    path = (await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()

    new = await new_device(live_server, tmp_path, "ana2")
    first = " ".join((await new.ok("import", path)).stdout.split())
    assert "archived again as exported: Work" in first, first  # done then
    again = " ".join((await new.ok("import", path)).stdout.split())
    assert again.startswith("Nothing new to import"), again
    assert "archived" not in again, again
