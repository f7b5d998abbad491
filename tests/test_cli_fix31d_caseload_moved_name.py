"""fix31d item 6: kim (never verified by drsmith) shared, ended the share and erased her
account; another person signed up as kim and shared. drsmith's caseload named the earlier
account's row by its label ("kim (account 1a2b3c4d)") while its `journals` still read
"kim/Personal", the words that name the new person's journal. Now every journal of the
labelled row is named by the label, before and after the new kim is verified, and the new
kim's row holds only the new account's journal. Real server on loopback, real crypto;
CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


async def test_the_labelled_rows_journals_never_read_as_the_new_holders(
    live_server: RunningServer, tmp_path: Path
) -> None:
    kim = await new_device(live_server, tmp_path, "kim")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await kim.ok("share", "Personal", "drsmith", TOFU)
    await kim.ok("measure", "take", "gad7", "--answers", "3,3,3,3,3,3,0")
    await drsmith.ok("sync")
    [before] = await drsmith.json("caseload")
    old_id = before["journal_ids"][0]
    await kim.ok("unshare", "Personal", "drsmith", "--yes")
    await kim.ok("account", "delete", "--yes")
    await drsmith.ok("sync")
    other = Device(tmp_path / "kim2", live_server.url)
    other.signup = await other.json("signup", live_server.url, "kim")
    await other.ok("share", "Personal", "drsmith", TOFU)

    [row] = await drsmith.json("caseload")  # the new kim's share not opened yet
    label = row["client"]
    assert label.startswith("kim (account "), row
    assert row["journals"] == [f"{label}/Personal"], row
    assert row["journal_ids"] == [old_id], row
    # the words the row gives name that journal, the earlier account's
    [score] = await drsmith.json("measure", "list", "--journal", row["journals"][0])
    assert score["score"] == 18, score

    await drsmith.ok("verify", "kim", other.signup["fingerprint"], "--yes")
    await drsmith.ok("sync")
    rows = {r["client_id"]: r for r in await drsmith.json("caseload")}
    assert rows[before["client_id"]]["journals"] == [f"{label}/Personal"], rows
    [new] = [r for r in rows.values() if r["client"] == "kim"]
    assert new["journals"] == ["kim/Personal"] and old_id not in new["journal_ids"], new
