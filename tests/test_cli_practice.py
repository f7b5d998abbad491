"""`tj brief`, `tj briefs`, `tj show` of a brief and `tj caseload` (with its HTML page) through
click's CliRunner against a real server."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_a_client_reads_then_shares_a_brief_and_the_therapist_sees_it_everywhere(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--trust-on-first-use")
    await ana.ok("write", "--mood", "3", "--tag", "to-discuss", "--title", "Sister", "We argued.")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")

    declined = await ana.ok("brief", "drsmith", input="n\n")
    assert "To discuss:" in declined.stdout and "- Sister" in declined.stdout
    assert "Not shared." in declined.stderr
    shared = await ana.json("brief", "drsmith", "--yes")
    assert shared["share"]["expires_at"] is not None and "PHQ-9: 8 (mild)" in shared["text"]

    await drsmith.ok("sync")
    [brief] = await drsmith.json("briefs")
    assert brief["client"] == "ana"
    shown = await drsmith.ok("show", brief["id"][:8])
    assert "brief from ana" in shown.stdout and "- Sister" in shown.stdout
    [row] = await drsmith.json("caseload")
    assert row["client"] == "ana" and row["brief"]["id"] == brief["id"]
    assert row["scores"][0]["score"] == 8 and row["entries_this_week"] == 1

    page = tmp_path / "caseload.html"
    table = await drsmith.ok("caseload", "--html", str(page))
    assert "ana" in table.stdout
    html = page.read_text()
    assert "<h2>ana</h2>" in html and "PHQ-9 8 (mild)" in html
    assert stat.S_IMODE(page.stat().st_mode) == 0o600

    again = await ana.ok("brief", "drsmith", "--yes")
    ends = re.search(
        r"Shared the brief with drsmith until \d{4}-\d\d-\d\d( \d\d:\d\d| \(end of day\))\.",
        again.stderr,
    )
    assert ends is not None, again.stderr  # a local time to the minute, not an ISO timestamp


async def test_tj_discuss_marks_an_entry_for_the_next_brief_and_clears_after_the_session(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    written = await ana.json("write", "--title", "The move", "Boxes everywhere.")
    assert "Nothing is marked" in (await ana.ok("discuss")).stderr
    [marked] = await ana.json("discuss", written["id"][:6])
    assert (marked["id"], marked["kind"], marked["title"]) == (written["id"], "entry", "The move")
    listed = await ana.ok("discuss")
    assert "The move" in listed.stdout
    shown = await ana.ok("brief", "drsmith", input="n\n")  # read, then decline to share
    assert "To discuss:" in shown.stdout and "- The move" in shown.stdout
    assert await ana.json("discuss", written["id"], "--off") == []
    await ana.ok("discuss", written["id"])
    assert "Unmarked 1 item(s)." in (await ana.ok("discuss", "--clear")).stderr
    assert await ana.json("discuss") == []
    assert (await ana.tj("discuss", "--off")).exit_code != 0
