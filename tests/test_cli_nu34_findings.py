"""Findings of the NU34 walkthrough, against a real server on loopback with real crypto (see
tests/test_cli.py for the set-up):

- #3: `tj forget ana/Personal` after ana ended the share said the owner's signed access
  "still grants it to you (the owner removed you, ...)", which reads as a contradiction;
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import failed_with_one_line
from tests.test_cli_role_flags import flags_for_drsmith


async def test_forget_after_the_client_ended_the_share_says_what_happened_and_what_to_run(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU34 #3: plain `tj forget` refuses in one line saying the copy is no longer served
    (usually the owner ended the share), why the device cannot be sure (the server could be
    withholding it), and the exact command to run; that command then discards the copy."""
    ana, drsmith = await flags_for_drsmith(live_server, tmp_path)
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    line = failed_with_one_line(await drsmith.tj("forget", "ana/Personal", "--yes"))
    assert "'ana/Personal' is no longer served to this device" in line, line
    assert "usually the owner ended the share" in line
    assert "could also be the server withholding it" in line
    assert "still grants" not in line and "removed you" not in line
    assert line.endswith("run `tj forget ana/Personal --unlisted`"), line
    assert [s["owner"] for s in await drsmith.json("shared-with-me")] == ["ana"]
    await drsmith.ok("forget", "ana/Personal", "--unlisted", "--yes")
    assert await drsmith.json("shared-with-me") == []
