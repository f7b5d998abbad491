"""`tj account delete` counts the changes that never reached the server by kind, as `tj
logout` does (`Client.unsynced_kinds`): "Changes to 1 note", never "1 item (entries, goals,
notes...)", asked and with --yes (real server on loopback)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat


async def test_account_delete_counts_unsynced_changes_by_kind(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok("share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use")
    await drsmith.ok("sync")
    await laptop.ok("unshare", "Personal", "drsmith", "--yes")
    refused = await drsmith.tj("note", "ana/Personal", "A note after the end")
    assert refused.exit_code == 4, refused.output
    assert len(await drsmith.json("set-aside", "list")) == 1

    asked = await drsmith.tj("account", "delete", input="nobody\n")  # not confirmed
    said = flat(asked.stderr)
    assert asked.exit_code == 1, said
    assert "Changes to 1 note on this device have not reached the server" in said, said
    assert "entries, goals, notes" not in said, said

    done = await drsmith.tj("account", "delete", "--yes")
    said = flat(done.stderr)
    assert done.exit_code == 0, said
    assert "Changes to 1 note on this device had not reached the server" in said, said
    assert "entries, goals, notes" not in said, said
