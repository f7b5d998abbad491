"""Deleting the journal that is this device's default says so in its question and after it,
with the command that chooses another, and so does the sync of another device that had it
as its default: afterwards every command that names no journal fails
until one is chosen (real server on loopback; the CLI through its runner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_deleting_the_default_journal_says_it_and_how_to_choose_another(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    await ana.ok("journal", "create", "Work")
    other = await ana.ok("journal", "delete", "Work", input="Work\n")
    assert "default journal" not in other.output, other.output

    done = await ana.ok("journal", "delete", "Personal", input="Personal\n")
    said = " ".join(done.output.split())
    question, _, after = said.partition("Deleted journal")
    assert "It is your default journal" in question, said
    assert "this device has none until you choose one with `tj journal default NAME`" in question
    assert "This device has no default journal now" in after, said
    assert "`tj journal default NAME`" in after, said
    synced = await phone.ok("sync")  # the other device that had it as its default
    told = " ".join(synced.stderr.split())
    assert "Notice: this device has no default journal now" in told, told
    assert "choose one with `tj journal default NAME`" in told, told
    again = await phone.ok("sync")
    assert "no default journal" not in again.output, again.output  # told with the departure
    await ana.ok("journal", "create", "Diary")
    await ana.ok("journal", "default", "Diary")
    await ana.ok("write", "Chosen again.")
