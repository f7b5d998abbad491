"""fix31e item 1: kim (never verified by drsmith) shared, ended the share and erased her
account; another person signed up as kim and shared. The caseload named the earlier
account's journal "kim (account 1a2b3c4d)/Personal" (fix31d), but `tj journal list`,
`tj list` and the SDK's journal list (`Replica.shown_name`, `Context.display`) still said
"kim/Personal", the words that name the new person's journal. Now one rule
(`Replica.owner_named`) names it everywhere. Real server on loopback, real crypto;
CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


async def test_an_erased_clients_copy_reads_as_the_caseload_names_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    kim = await new_device(live_server, tmp_path, "kim")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await kim.ok("share", "Personal", "drsmith", TOFU)
    await kim.ok("write", "a hard week", "--journal", "Personal")
    await drsmith.ok("sync")
    await kim.ok("unshare", "Personal", "drsmith", "--yes")
    await kim.ok("account", "delete", "--yes")
    await drsmith.ok("sync")
    other = Device(tmp_path / "kim2", live_server.url)
    other.signup = await other.json("signup", live_server.url, "kim")
    await other.ok("share", "Personal", "drsmith", TOFU)

    [row] = await drsmith.json("caseload")  # the new kim's share not opened yet
    label = row["client"]
    assert label.startswith("kim (account "), row
    [old_id] = row["journal_ids"]
    shown = f"{label}/Personal"
    assert row["journals"] == [shown], row
    journals = {j["id"]: j for j in await drsmith.json("journal", "list")}
    assert journals[old_id]["name"] == shown, journals
    entries = await drsmith.json("list", "--journal", shown)
    assert [e["journal"] for e in entries] == [shown], entries
    listed = (await drsmith.ok("journal", "list")).output
    assert shown in listed and "kim/Personal" not in listed, listed
