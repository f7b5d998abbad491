"""`tj logout` counts unsynced work as the person wrote it: an entry is one change, however
often it was edited, and its copy kept for a therapist (`share --only`, `share-entry`) is not
counted again (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Outage, outage  # noqa: F401 (the fixture)
from tests.test_cli_insights import new_device


async def test_an_entry_shared_field_by_field_counts_once_in_the_logout_warning(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--trust-on-first-use")
    await outage.begin()
    written = (await ana.ok("write", "--mood", "4", "--tag", "work", "Offline.")).stdout.strip()
    refused = await ana.tj("logout", input="n\n")
    assert refused.exit_code == 1  # aborted: nothing dropped
    assert "Changes to 1 entry " in refused.stderr, refused.stderr  # by kind (nu76 F9)

    await ana.ok("edit", written[:8], "--mood", "5")  # the entry and its copy change again
    await ana.ok("write", "Second, not shared field by field.")
    refused = await ana.tj("logout", input="n\n")
    assert "Changes to 2 entries " in refused.stderr, refused.stderr
    assert (await ana.json("list"))[1]["id"] == written  # logging out was refused: all kept
