"""A safety flag sealed on the phone while it did not know that the laptop had deleted the
journal is refused by the server for good: `tj sync` says plainly, once, that it may NOT
reach the therapist (with the safety plan, as the share-ended line), never claims the
deletion on the server's word, and never offers to drop the flag without saying it will
not be sent; `tj sync --json` lists it in `undelivered_flags` (real server on loopback,
CliRunner; the phone's answer recorded through the SDK without a sync, as an offline
device records it)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.offline_flag import flag_sealed_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_unshare_undelivered import said

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


async def test_tj_sync_says_a_flag_of_a_journal_deleted_elsewhere_may_not_reach_the_therapist(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith, flag_id = await flag_sealed_offline(
        live_server, laptop, phone, tmp_path, ITEM_9, journal="Work"
    )
    assert flag_id is not None
    await laptop.ok("journal", "delete", "Work", input="Work\n")

    synced = await phone.tj("sync")
    text = said(synced.stdout + synced.stderr)
    assert "Safety: The safety flag of your PHQ-9" in text
    assert "may NOT reach drsmith" in text and "tell them yourself" in text
    assert "Your safety plan: `tj safety plan`" in text
    assert "may have been deleted on another of your devices" in text
    # the drop offered for the flag says it is then never sent
    drop = f"`tj set-aside drop {flag_id[:12]}`"
    assert f"{drop} (the safety flag told above: dropped, it is never sent)" in text

    flags = await phone.tj("safety", "flags")  # its journal is gone: no table, the line
    assert "Not sent: The safety flag of your PHQ-9" in said(flags.stdout)
    assert "may NOT reach drsmith" in said(flags.stdout)

    again = await phone.tj("sync")
    assert "may NOT reach drsmith" not in said(again.stdout + again.stderr)  # told once

    await drsmith.ok("sync")
    assert flag_id not in {f["id"] for f in (await drsmith.json("safety", "flags"))["flags"]}


async def test_tj_sync_json_lists_a_flag_of_a_journal_deleted_elsewhere_as_undelivered(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith, flag_id = await flag_sealed_offline(
        live_server, laptop, phone, tmp_path, ITEM_9, journal="Work"
    )
    await laptop.ok("journal", "delete", "Work", input="Work\n")

    synced = await phone.tj("sync", "--json")  # exit 4: changes set aside
    [told] = json.loads(synced.raw_stdout)["undelivered_flags"]
    assert (told["flag_id"], told["members"]) == (flag_id, ["drsmith"])
    assert (told["cause"], told["surely"]) == ("journal gone", False)
