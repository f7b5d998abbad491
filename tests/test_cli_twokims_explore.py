from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_care import NIGHT


async def test_explore(live_server: RunningServer, tmp_path: Path) -> None:
    kim = await new_device(live_server, tmp_path, "kim")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await kim.ok("share", "Personal", "drlee", "--full", "--role", "annotate",
                 "--trust-on-first-use", "--safety-flags")
    await kim.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo.")
    await kim.ok("write", "--mood", "2", "The first kim's words.")
    await drlee.ok("sync")
    await drlee.ok("assign", "kim/Personal", "homework", "sleep-diary", "--note", "Mornings")
    await kim.ok("sync")
    await kim.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await kim.ok("homework", "add", "sleep-diary", *NIGHT, "--completion", "partly")
    fp = (await kim.ok("fingerprint")).stdout.strip()
    await drlee.ok("verify", "kim", fp)
    await drlee.ok("sync")
    await drlee.ok("private-notes", "add", "kim/Personal", "About the earlier kim.")
    await kim.ok("account", "delete", "--yes")
    await drlee.ok("sync")
    kim2 = Device(tmp_path / "kim2", live_server.url)
    kim2.signup = await kim2.json("signup", live_server.url, "kim")
    await kim2.ok("share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use")
    await kim2.ok("write", "--mood", "9", "I'm the new kim.")
    r = await drlee.tj("sync")
    print("SYNC1", r.exit_code, r.stdout, r.stderr)
    for cmd in (["shared-with-me"], ["caseload"]):
        r = await drlee.tj(*cmd)
        print("PRE", cmd, r.exit_code, r.stdout, r.stderr)
    fp2 = (await kim2.ok("fingerprint")).stdout.strip()
    await drlee.ok("verify", "kim", fp2, "--yes")
    r = await drlee.tj("sync")
    print("SYNC2", r.exit_code, r.stdout, r.stderr)
    await drlee.ok("private-notes", "add", "kim/Personal", "New client intake.")
    for cmd in (["shared-with-me"], ["journal", "list"], ["list"], ["list", "--journal", "kim/Personal"],
                ["measure", "list"], ["safety", "flags"], ["homework", "list"], ["assignments", "--all"],
                ["private-notes"], ["private-notes", "--client", "kim"], ["caseload"],
                ["forget", "kim/Personal", "--unlisted"], ["sync"]):
        r = await drlee.tj(*cmd, input="")
        print("CMD", cmd, r.exit_code, "\n", r.stdout, "\n", r.stderr)
    assert False
