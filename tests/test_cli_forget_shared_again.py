"""NU20 C1 through the CLI, as the tester ran it: the therapist forgets an ended share, the
client shares the journal again and writes; the therapist's next `tj sync` says so and the
entry is there (real server on loopback, real crypto)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_a_forgotten_journal_shared_again_reaches_the_therapist_who_is_told(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok("write", "First dream.")
    await ben.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await drsmith.ok("sync")
    await ben.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    await drsmith.ok("forget", "ben/Personal", "--unlisted", "--yes")
    assert await drsmith.json("shared-with-me") == []

    await ben.ok("share", "Personal", "drsmith", "--full")
    await ben.ok("write", "Nightmare about the accident.")
    synced = " ".join((await drsmith.ok("sync")).stderr.split())
    assert "ben shared 'Personal' with you again" in synced
    assert "after you had discarded it on this device with `tj forget`" in synced
    bodies = [e["body"] for e in await drsmith.json("list", "--journal", "ben/Personal")]
    assert "Nightmare about the accident." in bodies
    assert [s["share_ended"] for s in await drsmith.json("shared-with-me")] == [False]
    again = " ".join((await drsmith.ok("sync")).stderr.split())
    assert "shared 'Personal' with you again" not in again  # told once
