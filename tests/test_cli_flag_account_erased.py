"""A safety flag sealed on the phone, offline, when the laptop then erases the account: the
phone's `tj sync` (refused: signed out) says the flag has NOT left this device and to tell
the therapist themselves, and `tj safety flags` marks it "not sent", never "NOT YET" as a
sent one (real server on loopback, CliRunner; the phone's answer recorded through the SDK
without a sync, as an offline device records it)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.offline_flag import flag_sealed_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_unshare_undelivered import said

ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 1]


async def test_tj_sync_says_a_flag_still_on_the_phone_of_an_erased_account_has_not_left(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    _, flag_id = await flag_sealed_offline(live_server, laptop, phone, tmp_path, ITEM_9)
    assert flag_id is not None
    await laptop.ok("account", "delete", "--yes")

    synced = await phone.tj("sync")
    text = said(synced.stdout + synced.stderr)
    assert synced.exit_code != 0
    assert "Safety: The safety flag of your PHQ-9" in text
    assert "for drsmith has NOT left this device" in text
    assert "never if your account was deleted on another device" in text
    assert "tell them yourself" in text

    flags = await phone.tj("safety", "flags")
    shown = said(flags.stdout + flags.stderr)
    assert "not sent: still on this device" in shown and "NOT YET" not in shown
    assert "Not sent: The safety flag of your PHQ-9" in shown


async def test_after_an_erase_elsewhere_the_reminder_never_promises_a_login_sends_the_flag(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The second failed sync's one-line reminder names drsmith and says the flag is never
    sent if the account was deleted elsewhere; `tj whoami --json` cannot know whether it was
    (`account_erased` null, never false), while a signed-in device says false."""
    assert (await phone.json("whoami"))["account_erased"] is False
    _, flag_id = await flag_sealed_offline(live_server, laptop, phone, tmp_path, ITEM_9)
    assert flag_id is not None
    await laptop.ok("account", "delete", "--yes")
    await phone.tj("sync")  # told in full once

    again = await phone.tj("sync")
    text = said(again.stdout + again.stderr)
    assert again.exit_code != 0
    assert "told before" not in text
    assert "The safety flag for drsmith you were told of still has NOT left this device" in text
    assert "never if your account was deleted on another device" in text
    assert (await phone.json("whoami"))["account_erased"] is None
