"""rev31e F3: the safety message named the same therapist twice ("No safety flag was sent to
drsmith ...") when they read a field-level copy of the journal answered in (the copy-only
line) and get safety flags for another journal (nu78 F12's line): one line a member, as
`_elsewhere` says. Real server on 127.0.0.1, real crypto, CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_a_member_reading_a_copy_here_and_flagged_elsewhere_is_named_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    dr = await new_device(live_server, tmp_path, "drsmith")
    fp = ("--fingerprint", dr.signup["fingerprint"], "--role", "annotate")
    await ana.ok("share", "Personal", "drsmith", "--full", "--safety-flags", *fp)
    await ana.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo.")
    await ana.ok("journal", "create", "Therapy")
    await ana.ok("share", "Therapy", "drsmith", "--only", "mood,scores,answers", *fp)
    answers = ("--answers", "1,1,1,1,1,1,1,1,3")
    taken = await ana.ok("measure", "take", "phq9", "--journal", "Therapy", *answers)
    said = " ".join(taken.output.split())
    assert said.count("No safety flag was sent to drsmith") == 1, said
    assert "who reads only a copy of some fields of Therapy" in said, said  # the line kept
