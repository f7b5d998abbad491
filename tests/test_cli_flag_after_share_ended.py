"""A safety flag sealed on the phone while it did not know that the laptop had ended the
share leaves after the end and never reaches the therapist: `tj sync` says so plainly (with
the safety plan, as the other "no flag was sent" lines), `tj sync --json` lists it, and `tj
safety flags` marks it "not delivered" (real server on loopback, CliRunner; the phone's
answer recorded through the SDK without a sync, as an offline device records it)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.offline_flag import flag_sealed_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_unshare_undelivered import said

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


async def test_tj_sync_and_safety_flags_say_a_flag_sent_after_the_share_ended_was_not_delivered(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith, flag_id = await flag_sealed_offline(live_server, laptop, phone, tmp_path, ITEM_9)
    assert flag_id is not None
    await laptop.ok("unshare", "Personal", "drsmith", "--yes")

    synced = await phone.ok("sync")
    text = said(synced.stdout + synced.stderr)
    # the end was signed seconds before the flag left, within the devices' clock skew
    # (CLOCK_SKEW_MS): "may NOT" ("was NOT" needs an end more than that before it)
    assert "may NOT have been delivered to drsmith" in text
    assert "less than 15 minutes after the flag left this device, or before it" in text
    assert "tell them yourself" in text
    assert "Your safety plan: `tj safety plan`" in text

    flags = said((await phone.ok("safety", "flags")).stdout)
    assert "not delivered to drsmith: may NOT have reached them: the share ended less" in flags
    # the sync's words for the one fact: the flag left, and may not have reached them
    assert "the safety flag of that answer may NOT have been delivered to drsmith" in flags
    assert "no safety flag was sent" not in flags
    assert "acknowledged" not in flags  # never the label of a flag that never reached them
    [listed] = [f for f in (await phone.json("safety", "flags"))["flags"] if f["id"] == flag_id]
    assert listed["not_delivered"] == ["drsmith"]

    await drsmith.ok("sync")
    assert flag_id not in {f["id"] for f in (await drsmith.json("safety", "flags"))["flags"]}
