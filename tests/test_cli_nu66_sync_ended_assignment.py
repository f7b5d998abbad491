"""A client's `tj sync` announced "1 new assignment from drsmith" for an assignment that
ended in that same sync (drsmith left the share before the client's device saw it): the
client looks for homework that no longer exists (NU66 F6). Real server, real crypto, the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_sync_says_an_assignment_that_ended_in_the_same_sync_as_ended(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("assign", "ben/Personal", "measure", "phq9", "--every", "7")
    await drsmith.ok("leave", "ben/Personal", "--yes")
    synced = await ben.ok("sync")  # ben's first sync since: the assignment and its end at once
    said = " ".join((synced.stdout + synced.stderr).split())
    assert "new assignment" not in said, said
    assert "1 assignment that ended since with the share it was made in" in said, said
    assert "drsmith no longer reads Personal" in said, said
    news = await ben.json("sync")  # nothing new now, and nothing said twice
    assert not [n for n in news.get("news", []) if n.get("kind") == "assignment"], news
