"""`tj safety flags --json` and `safety.flags()` list a flag of the client's own journal
deleted on another device, still on this device, as "not sent", as the text does (real
server on loopback, real crypto)."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk import Client
from tests.conftest import RunningServer
from tests.offline_flag import flag_sealed_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_unshare_undelivered import said

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


async def test_tj_safety_flags_json_names_a_flag_that_was_not_sent(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    _, flag_id = await flag_sealed_offline(live_server, laptop, phone, tmp_path, ITEM_9, "Work")
    await laptop.ok("journal", "delete", "Work", input="Work\n")
    await phone.tj("sync")
    text = await phone.tj("safety", "flags")
    assert "Not sent: The safety flag of your PHQ-9" in said(text.stdout)
    as_json = await phone.tj("safety", "flags", "--json")
    # the app reading --json learns of it too, as "not sent", as the text says
    [row] = [r for r in json.loads(as_json.stdout)["flags"] if r["id"] == flag_id]
    assert (row["status"], row["unsent"]) == ("not sent", True)
    again = await Client.open(phone.home)
    try:
        [flag] = [f for f in await again.safety.flags() if f.id == flag_id]
        assert flag.status == "not sent"
    finally:
        await again.close()
