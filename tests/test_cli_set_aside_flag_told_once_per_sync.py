"""The first `tj sync` that sets a safety flag aside (its journal deleted on another device)
tells it in full once: its "Safety:" line (whom it is for, where help is), not that line and
the "Not delivered" line as well; a later sync that refuses it again tells it in full once,
by its "Not delivered" line (real server on loopback, CliRunner; the answer recorded through
the SDK without a sync, as offline)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.offline_flag import answered_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_unshare_undelivered import said

SAFETY = "Safety: The safety flag of your PHQ-9 of "
FULL = "your safety flag did NOT reach the people you share Work with"


async def test_the_first_sync_that_sets_a_flag_aside_tells_it_once(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    _, _, flag_id = await answered_offline(
        live_server, laptop, phone, tmp_path, [1] * 8 + [2], "Work"
    )
    assert flag_id is not None
    await laptop.ok("journal", "delete", "Work", input="Work\n")

    first = await phone.tj("sync")
    text = said(first.stdout + first.stderr)
    assert first.exit_code == 4, text
    assert text.count(SAFETY) == 1 and "may NOT reach drsmith" in text, text
    assert FULL not in text, text  # told by the "Safety:" line above
    assert "Your safety plan: `tj safety plan`" in text, text

    again = await phone.tj("sync")
    text = said(again.stdout + again.stderr)
    assert again.exit_code == 4, text
    assert SAFETY not in text and text.count(FULL) == 1, text  # never silent
    assert "If you want them to know, contact them directly" in text, text
