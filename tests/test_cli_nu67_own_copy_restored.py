"""One's own journal deleted on another device, brought back from this device's read-only
copy (real server on loopback, real crypto; the CLI through its runner): the export called it
"(share ended)" and the import skipped it as a "shared journal", so the copy README calls
what other devices keep could not be restored. The export marks it as the account's own
("own": true) and an import recreates it, as a new journal."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_a_journal_deleted_elsewhere_is_restored_from_this_devices_copy(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("journal", "create", "Night dreams")
    await laptop.ok("write", "--journal", "Night dreams", "The lighthouse again.")
    tablet = Device(tmp_path / "ana-tablet", live_server.url)
    await tablet.ok("login", live_server.url, "ana")
    await laptop.ok("journal", "delete", "Night dreams", input="Night dreams\n")
    await tablet.ok("sync")

    done = await tablet.ok("export", "--journal", "Night dreams", "--out", str(tmp_path / "out"))
    said = " ".join(done.stderr.split()) + " ".join(done.stdout.split())
    assert "share ended" not in said, said
    assert "Night dreams (gone from the server)" in said, said
    [path] = (tmp_path / "out").glob("*.json")
    [journal] = json.loads(path.read_text())["journals"]
    assert journal["own"] is True and journal["share_ended"] is False, journal

    imported = " ".join((await tablet.ok("import", str(path))).stdout.split())
    assert "shared journal" not in imported, imported
    assert imported.startswith("Imported 1 entry"), imported
    await laptop.ok("sync")
    entries = await laptop.json("list", "--journal", "Night dreams (imported)")
    assert [e["body"] for e in entries] == ["The lighthouse again."], entries
