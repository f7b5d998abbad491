"""A safety flag and a questionnaire result taken offline in a journal deleted on another
device are refused by the server at every sync (they are sent again, sync.TRIED_AGAIN): the
first sync that sets them aside tells them in full and exits 4; later syncs say one reminder
line for the result and tell the flag in full again, exit 4, as `tj set-aside --help` says
(a result is warned of once, a safety flag at every sync); the "Not delivered" line of a
command's own sync says what happens to them without contradicting itself (real server on
loopback, CliRunner; the answer recorded through the SDK without a sync, as offline)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.offline_flag import answered_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_unshare_undelivered import said


async def test_a_set_aside_result_is_told_once_and_a_set_aside_flag_at_every_sync(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    _, taken, flag_id = await answered_offline(
        live_server, laptop, phone, tmp_path, [1] * 8 + [2], "Work"
    )
    assert flag_id is not None
    await laptop.ok("journal", "delete", "Work", input="Work\n")

    wrote = await phone.tj("write", "Kept here.")  # its own sync sets them aside
    text = said(wrote.stdout + wrote.stderr)
    assert wrote.exit_code == 4, text
    assert text.count("Not delivered: ") == 2, text
    assert "no retry sends it" not in text and "If it is a safety flag" not in text, text
    assert "every sync sends it again until the server takes it" in text, text
    assert "the server refuses it while the journal is no longer on the server" in text
    move = f"`tj set-aside move {taken.result.id[:12]} --journal JOURNAL`"
    assert f"{move} writes it into another journal" in text, text
    drop = f"`tj set-aside drop {flag_id[:12]}`"
    assert f"{drop} forgets it, and it is then never sent" in text, text
    assert "If you want them to know, contact them directly" in text, text

    for _ in range(2):
        synced = await phone.tj("sync")
        again = said(synced.stdout + synced.stderr)
        assert synced.exit_code == 4, again
        assert again.count("Not delivered: ") == 1, again
        assert "If you want them to know, contact them directly" in again, again
        assert "Reminder: 1 change set aside at an earlier sync was refused again" in again
        assert "`tj set-aside list`" in again, again
