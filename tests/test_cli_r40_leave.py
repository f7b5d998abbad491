"""R40 F3 (hostile review of NU23 C8, `tj leave` asks the server first): the question is
asked only when the name typed equals, character for character, "OWNER/NAME" or the full
id in `client.shares.with_me()`; otherwise the command skips it and calls
`client.shares.leave`, which takes every form `Context.local_journal` takes (a name in
another case, an id prefix of 8+ hex digits, an id in capitals). A therapist who types
`tj leave ANA/personal` or `tj leave 3fa9c2ab` and means to answer the question leaves at
once. Real server on loopback, real crypto. See /work/R40-FINDINGS.md."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_leave_asks_first_whichever_way_the_journal_is_named(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await drsmith.ok("sync")
    [shared] = await drsmith.json("shared-with-me")
    journal = shared.get("journal_id") or shared["id"]
    for named in ("ANA/personal", journal[:8], journal.upper()):
        kept = await drsmith.tj("leave", named, input="n\n")  # he answers no
        still = await drsmith.json("shared-with-me")
        assert not any(j["share_ended"] for j in still), (named, kept.output, still)
        assert "Leave " in kept.stderr and "[y/N]" in kept.stderr, (named, kept.output)
        assert kept.exit_code == 1, (named, kept.output)
