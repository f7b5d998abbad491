"""NU19 C25: a client the therapist never verified erases their account. The warning on every
command used to advise comparing a fingerprint that can no longer be shown (`tj fingerprint
kai`: no such account); it now names the exact `tj forget` command that discards the copies,
and that command works as printed (real server on loopback, CliRunner)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_a_vanished_unverified_clients_warning_names_the_forget_that_works(
    live_server: RunningServer, tmp_path: Path
) -> None:
    kai = await new_device(live_server, tmp_path, "kai")
    drlee = await new_device(live_server, tmp_path, "drlee")
    ana = await new_device(live_server, tmp_path, "ana")
    await kai.ok("write", "--mood", "3", "Hard week.")
    await ana.ok("write", "--mood", "6", "Fine week.")
    await kai.ok("share", "Personal", "drlee", "--trust-on-first-use")
    await ana.ok("share", "Personal", "drlee", "--trust-on-first-use")
    await drlee.ok("sync")
    before = " ".join((await drlee.ok("caseload")).stderr.split())
    # still shared: verify is the way (one line for both: NU43 #7)
    assert "2 clients' fingerprints not compared (?): ana and kai" in before
    assert "then run `tj verify NAME FINGERPRINT`" in before

    await kai.ok("account", "delete", "--yes")
    await drlee.ok("sync")
    [row] = [r for r in await drlee.json("shared-with-me") if r["owner"] == "kai"]
    label = f"kai (account {row['owner_id'][:8]})"  # the kept copy's (REV-S9B S9B-1)
    for command, ana_said in (
        (["caseload"], "ana's fingerprint not compared (?)"),  # the table marks her (NU43 #7)
        (["shared-with-me"], "ana's fingerprint not compared (?)"),
        (["list"], "ask ana to read out `BARE tj fingerprint`"),
    ):
        done = await drlee.ok(*command)
        said = done.stderr
        assert "ask kai to read out" not in said and "and kai" not in said, command
        unwrapped = re.sub(r"\n +", " ", said).splitlines()  # wrapped lines (NU46 #12)
        [line] = [x for x in unwrapped if "kai" in x]
        # the server's word only (no end kai signed for this device): not "ended"
        assert "every share of kai's with you is no longer served to you" in line
        forget_kai = f"`tj forget '{label}/Personal' --unlisted`"
        if command == ["shared-with-me"]:  # its table's lines print it: pointed to, once
            assert "or discard them with the forget command above." in line
            assert forget_kai not in line
            assert " ".join(done.stdout.split()).count(forget_kai) == 1, done.stdout
        else:
            assert forget_kai in line
        assert ana_said in " ".join(said.split()), command  # ana's share is on: unchanged
    forget = line.split("`tj ")[-1].split("`")[0]
    await drlee.ok(*shlex.split(forget), "--yes")
    assert "kai" not in (await drlee.ok("caseload")).stderr
    assert [j["name"] for j in await drlee.json("journal", "list")] == [
        "Personal",
        "ana/Personal",
    ]
