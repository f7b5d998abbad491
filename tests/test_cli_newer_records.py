"""`tj sync` on a device that receives records written by a newer version of the app: a
notice on stderr saying to update the app (no warning, no tampering), said once, in `--json`
too, and exit status 0 (real server, real CLI)."""

from __future__ import annotations

import json

from client_sdk import Client
from tests.client.test_newer_records import write_newer
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
        result.stderr
    )
    assert "update the app" in result.stderr
    assert "Warning" not in result.stderr and "Traceback" not in result.output

    again = await phone.tj("sync", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["newer"] == []
    assert "newer version" not in again.stderr
