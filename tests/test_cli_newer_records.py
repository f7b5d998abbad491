"""`tj sync` on a device that receives records written by a newer version of the app: a
notice on stderr saying to update the app (no warning, no tampering), said once, in `--json`
too, and exit status 0 (real server, real CLI)."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk import Client
from tests.client.test_newer_records import write_newer
from tests.notice_times import unwrapped
from tests.test_cli import Device, laptop, phone  # noqa: F401  (fixtures)


async def test_tj_sync_says_once_to_update_the_app_for_records_of_a_newer_version(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    await phone.ok("sync")
    newer_app = await Client.open(laptop.home)
    try:
        await write_newer(newer_app, "from the newer app")
        await newer_app.sync(strict=True)
    finally:
        await newer_app.close()

    result = await phone.tj("sync")
    assert result.exit_code == 0, result.output
    assert "Notice: journal 'Personal': 1 change written by a newer version of the app" in (
        unwrapped(result.stderr)
    )
    assert "update the app" in unwrapped(result.stderr)
    assert "Warning" not in unwrapped(result.stderr) and "Traceback" not in result.output

    again = await phone.tj("sync", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["newer"] == []
    assert "newer version" not in unwrapped(again.stderr)


async def test_tj_export_names_the_changes_of_a_newer_version_it_leaves_out(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The records kept for a newer version are not in an export made on this device (it
    cannot read them): `tj export` says so every time, not only at the sync that got them."""
    await phone.ok("sync")
    newer_app = await Client.open(laptop.home)
    try:
        await write_newer(newer_app, "from the newer app")
        await newer_app.sync(strict=True)
    finally:
        await newer_app.close()
    await phone.ok("sync")
    result = await phone.tj("export", "--out", str(tmp_path / "out"), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "Notice: not in this export: journal 'Personal': 1 change written by a newer" in (
        unwrapped(result.stderr)
    )
    # wrapped under its label at the terminal's width, as `tj sync`'s notices (NU47 #14)
    notice = [line for line in result.stderr.splitlines() if line.startswith(("Notice", " "))]
    assert len(notice) > 1 and all(len(line) <= 80 for line in notice), result.stderr
