"""NU78 F13: changes written while offline were sent by the next command's sync without a
word (`tj list` said nothing, then `tj sync` said "nothing new"), so the user promised "will
sync when the server is reachable" never learned they had. The command whose sync sends
them says so, once, by kind. Real server on loopback."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu38a_findings import said


async def test_the_sync_that_sends_earlier_changes_says_what_it_sent(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    async with await Client.open(ana.home) as client:  # written, never synced (offline)
        await client.entries.write(None, "Offline again, on the bus.")
        await client.entries.write(None, "And on the way back.")
        await client.goals.add("Walk daily")
        assert await client.pending() > 0
    listed = await ana.ok("list")
    assert "Sent 2 entries and 1 goal written earlier on this device to the server." in said(
        listed.stderr
    ), listed.stderr
    async with await Client.open(ana.home) as client:
        assert await client.pending() == 0
    again = await ana.ok("list")
    assert "Sent" not in again.stderr, again.stderr  # once: nothing was waiting
    assert (await ana.ok("sync")).stdout.strip() == "nothing new"
