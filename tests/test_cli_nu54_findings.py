"""A new user's review of the CLI (NU54): what a therapist is told to run after a client
shares one questionnaire result, what a client is offered after a therapist leaves, a logout
on a device whose account was erased elsewhere, and smaller hints (real server on loopback,
CliRunner)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import Device, Outage, laptop, outage, phone
from tests.test_cli_insights import new_device
from tests.test_cli_no_terminal import HANG, TJ

__all__ = ["laptop", "outage", "phone"]  # fixtures


async def test_a_shared_result_is_announced_with_the_command_that_shows_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A result shared with `tj measure share` goes to a journal kept for the therapist that
    holds no entry: its notice named `tj list --journal ...`, which said "No entries ...
    shows after `tj sync`" right after a sync. The notice, and that empty list, name `tj
    measure list --journal ...`."""
    eve = await new_device(live_server, tmp_path, "eve")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    taken = await eve.json("measure", "take", "gad7", "--answers", "3,3,3,3,3,3,3")
    await eve.ok(
        "measure", "share", taken["id"][:8], "drsmith", "--without-answers",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    synced = await drsmith.ok("sync")
    [notice] = [
        line for line in unwrapped(synced.stderr).splitlines() if line.startswith("Notice:")
    ]
    shown = "`tj measure list --journal 'eve/Shared with drsmith'`"
    assert f"it holds questionnaire results so far: read them with {shown} (" in notice, notice
    listed = await drsmith.ok("list", "--journal", "eve/Shared with drsmith")
    said = " ".join(listed.output.split())
    assert f"eve shared questionnaire results there: {shown}." in said, said
    assert "shows after" not in said
    [result] = await drsmith.json("measure", "list", "--journal", "eve/Shared with drsmith")
    assert result["measure"] == "gad7"


async def test_logout_after_the_account_was_erased_elsewhere_asks_before_deleting_the_copy(
    laptop: Device, phone: Device
) -> None:
    """NU54 F17: erased on the laptop, the account's phone still held its copy (nothing
    unsynced), and `tj logout` there deleted it without a word. It now says the copy may be
    the last one, names `tj export`, and asks (no terminal: refuses, naming --yes)."""
    await laptop.ok("write", "Only here now.")
    await phone.ok("sync")
    await laptop.ok("account", "delete", "--yes")
    (phone.home / "drafts").mkdir()
    (phone.home / "drafts" / "kept.md").write_text("Words a failed save kept.\n")

    kept = await phone.tj("logout", input="n\n")
    assert kept.exit_code == 1, kept.output
    said = " ".join(kept.stderr.split())
    assert "this device's copy of your journals may be the only one left" in said, said
    assert "save it first with `tj export --out DIR`" in said, said
    assert "If your account still exists, `tj login " in said, said
    # The kept draft is said in the same message, and one question asks about both (REV-S13C
    # F6: "Log out anyway?" came first, then the question about the copy).
    assert "1 draft never saved" in said, said
    assert "on this device is deleted with its local data: save it first (" in said, said
    assert said.count("[y/N]") == 1 and "Log out anyway?" not in said, said
    assert "Log out and delete this device's copy and its draft? [y/N]: n" in said, said
    assert [e["body"] for e in await phone.json("list")] == ["Only here now."]  # kept

    done = await phone.ok("logout", input="y\n")
    asked = " ".join(done.stderr.split())
    assert "Log out and delete this device's copy and its draft? [y/N]: y" in asked, asked
    assert asked.count("[y/N]") == 1, asked
    assert not (await phone.tj("list")).exit_code == 0  # gone: no account on this device


async def test_unshare_into_a_closed_pipe_still_ends_the_share(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU54 F19: `tj unshare Personal drsmith --yes 2>&1 | head -1` printed the first line of
    the warning about an unread safety flag and died of the closed pipe (exit 141) before
    ending the share, saying nothing. A note that cannot be written never stops a command
    midway: the share ends, and the exit status still says the output was cut (141)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2", input="\n")
    assert [s["member"] for s in await ana.json("shares")] == ["drsmith"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env["TJ_INSECURE_TEST_KDF"] = "1"
    read, write = os.pipe()
    os.close(read)  # `2>&1 | head -0`: the reader went away before tj wrote
    try:
        process = await asyncio.create_subprocess_exec(
            TJ, "--home", str(ana.home), "unshare", "Personal", "drsmith", "--yes",
            stdout=write, stderr=write, env=env,
        )  # fmt: skip
    finally:
        os.close(write)
    await asyncio.wait_for(process.wait(), HANG)
    assert process.returncode == 141
    assert await ana.json("shares") == []  # ended


async def test_a_note_refused_at_sync_is_said_in_words_naming_its_journal_once(
    live_server: RunningServer, tmp_path: Path, outage: Outage
) -> None:
    """NU54 F20: a note written offline, refused at the sync after the share ended, was said
    as "ana/Personal: ana/Personal is no longer shared with you (...) [forbidden]": the
    journal twice and the server's code in brackets."""
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    await ana.ok("share", "Personal", "tom", "--full", "--role", "annotate", "--trust-on-first-use")
    await tom.ok("sync")
    await outage.begin()
    await tom.tj("note", "ana/Personal", "Written offline.")  # kept, to send later
    await outage.end()
    await ana.ok("unshare", "Personal", "tom", "--yes")
    synced = await tom.tj("sync")
    said = " ".join(synced.stderr.split())
    assert "they are set aside" in said, said
    assert "[forbidden]" not in said and "ana/Personal: ana/Personal" not in said, said
    assert "ana/Personal is no longer served to you" in said, said


async def test_home_after_the_command_says_where_it_goes(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU54 F13: `tj show zzzz --home /tmp/x` said "No such option '--home'. Did you mean
    '--help'?"."""
    ana = await new_device(live_server, tmp_path, "ana")
    refused = await ana.tj("list", "--home", str(tmp_path / "other"))
    assert refused.exit_code == 2
    said = " ".join(refused.stderr.split())
    assert "--home goes before the command: `tj --home DIR COMMAND ...`" in said, said
    assert refused.raw_stderr.count("--home") == 2, refused.raw_stderr
    assert "--help" not in said.split("Error:")[-1], said
