"""`tj sync` says what other commands' quick syncs fetched since the last `tj sync` (NU43
#4: `tj caseload` synced quietly first, and the `tj sync` after it said "nothing new")."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

EARLIER = "Earlier, fetched by other commands since your last `tj sync`: "


async def test_tj_sync_names_what_a_quiet_sync_fetched_first_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    hugo = await new_device(live_server, tmp_path, "hugo")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await hugo.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    await drruiz.ok("sync")
    await hugo.ok("write", "--mood", "2", "I had a really bad night.")
    await drruiz.ok("caseload")  # syncs quietly first
    said = await drruiz.ok("sync")
    assert said.stdout.splitlines() == ["nothing new", f"{EARLIER}from hugo: 1 new entry."]
    again = await drruiz.ok("sync")  # told once
    assert again.stdout.splitlines() == ["nothing new"]

    await hugo.ok("write", "--mood", "5", "Better.")
    await drruiz.ok("list")  # another quiet sync
    await hugo.ok("write", "--mood", "6", "Slept.")
    reported = await drruiz.json("sync")
    assert [(n["count"], n["from"]) for n in reported["earlier"]] == [(1, "hugo")]
    assert reported["pulled"] >= 1  # its own sync brought the second entry
    assert (await drruiz.json("sync"))["earlier"] == []


async def test_the_login_summary_is_not_said_again_as_earlier(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU44 F3: `tj login` prints its first sync's summary; the `tj sync` after it said it
    all again as "Earlier"."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "A first entry.")
    await ana.ok("sync")
    phone = Device(tmp_path / "phone", live_server.url)
    logged = await phone.tj("login", live_server.url, "ana", "--device-name", "phone")
    assert logged.exit_code == 0 and "Synced: 1 new entry from" in logged.stderr
    assert (await phone.ok("sync")).stdout.splitlines() == ["nothing new"]
