"""`tj measure take` naming no journal, whose save is refused because the default journal
is archived, says with the command that saves the answers that it saves them only once that
journal, the default one, is unarchived, or with --journal (fix30b 4; NU74 F8: the command
it printed failed again, as the same journal was archived). Real server on loopback, real
crypto."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import flat


async def test_a_refused_save_into_the_default_journal_says_it_is_the_default(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    await ana.ok("journal", "archive", "Personal")
    taken = await ana.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")
    said = flat(taken.stderr)
    assert "The safety message above still applies" in said, said
    assert (
        "saves them, never twice, and makes their safety flag if you chose to send safety "
        "flags, once 'Personal', your "
        "default journal (where a command given no --journal writes), is unarchived (`tj "
        "journal unarchive Personal`); or add `--journal NAME` to it to save them in another "
        "journal." in said
    ), said
    named = await ana.tj(
        "measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--journal", "Personal"
    )
    said = flat(named.stderr)
    assert "saves them, never twice" in said and "your default journal (where" not in said, said
