"""`tj assign` asks before assigning what the journal already has (NU47 #12: the same
assignment made twice gave two identical rows and the client two due): a "no" or a script
without --yes assigns nothing; a role that may not assign is refused before the question.
Real server on loopback."""

from __future__ import annotations

from pathlib import Path

from cli import output
from tests.conftest import RunningServer
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device


async def test_assigning_what_the_journal_already_has_asks_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    made = await drsmith.json("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    twice = ("assign", "ana/Personal", "measure", "PHQ-9", "--every", "14")
    question = (
        f"ana/Personal already has PHQ-9 every 14 days ({output.short_id(made['id'])}): "
        "assign it again?"
    )

    declined = await drsmith.tj(*twice, input="n\n")
    assert declined.exit_code == 1 and question in declined.stderr
    assert f'Not done: you answered no to "{question}".' in declined.stderr
    script = failed_with_one_line(await drsmith.tj(*twice))  # stdin ends: no answer
    assert "pass --yes to skip the question" in script and question in script
    assert len(await drsmith.json("assignments")) == 1

    again = await drsmith.json(*twice, "--yes")
    assert len(await drsmith.json("assignments")) == 2
    once = await drsmith.tj("assign", "ana/Personal", "measure", "phq9")  # another schedule
    assert once.exit_code == 0 and "already has" not in once.stderr
    thrice = await drsmith.tj(*twice, input="y\n")
    assert thrice.exit_code == 0, thrice.output
    ids = (
        f"({output.short_id(again['id'])}) and PHQ-9 every 14 days ({output.short_id(made['id'])})"
    )
    asked = " ".join(thrice.stderr.split())  # the question wrapped at the width (NU50 F5)
    assert f"ana/Personal already has PHQ-9 every 14 days {ids}: assign it again?" in asked
    assert len(await drsmith.json("assignments")) == 4

    other = await drsmith.tj("assign", "ana/Personal", "measure", "gad7", "--every", "14")
    assert other.exit_code == 0 and "already has" not in other.stderr  # another measure
    for assignment in await drsmith.json("assignments"):
        await drsmith.ok("assignments", "cancel", assignment["id"], "--yes")
    anew = await drsmith.tj(*twice)  # a cancelled one asks nothing
    assert anew.exit_code == 0 and "already has" not in anew.stderr

    drjones = await new_device(live_server, tmp_path, "drjones")  # may read, not assign
    await ana.ok("share", "Personal", "drjones", "--full", "--role", "read", "--trust-on-first-use")
    await drjones.ok("sync")
    refused = await drjones.tj(*twice)  # refused before the question (NU23 C8)
    assert refused.exit_code != 0 and "already has" not in refused.stderr
    assert "annotate" in refused.stderr
