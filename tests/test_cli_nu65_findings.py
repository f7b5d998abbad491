"""A new user's run of the README (NU65): Ctrl-C in `tj homework add`, ending a share with the
wrong person, a therapist naming a renamed journal, and the smaller findings (real server on
loopback; a real `tj` process where a signal is sent)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from tests.conftest import RunningServer
from tests.e2e.test_sync_watch import AS_FROM_A_TERMINAL
from tests.test_cli import Outage, outage
from tests.test_cli_insights import new_device
from tests.test_cli_no_terminal import HANG
from tests.test_cli_nu34_updated import Zone, zone  # noqa: F401 (the fixture)

__all__ = ["outage", "zone"]  # fixtures


def flat(text: str) -> str:
    return " ".join(text.split())


def reading_stdin(pid: int) -> bool:
    """Whether process `pid` is blocked in a read(2) of its stdin (Linux: /proc/PID/syscall
    starts with the call's number, 0, and its first argument, fd 0). A SIGINT sent between
    the prompt written and that read is only seen once input comes (Python checks signals
    between bytecodes, and `input` writes the prompt and reads in C): a user never types
    Ctrl-C within those microseconds, a test does."""
    try:
        return Path(f"/proc/{pid}/syscall").read_text().startswith("0 0x0 ")
    except OSError:
        return False


async def test_ctrl_c_in_homework_add_says_the_typed_answers_were_not_saved(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F2: Ctrl-C at the second question of `tj homework add thought-record` said "Stopped:
    what this device had saved is kept; `tj sync` sends what waits to be sent", while the
    situation typed was gone. It says nothing of this homework was saved, that the answer
    typed is not kept, and the command that starts it again. A real `tj` process and SIGINT."""
    ana = await new_device(live_server, tmp_path, "ana")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env["TJ_INSECURE_TEST_KDF"] = "1"
    process = await asyncio.create_subprocess_exec(
        *AS_FROM_A_TERMINAL, "--home", str(ana.home), "homework", "add", "thought-record",
        env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(b"Argument with mum about Xmas\n")
    await process.stdin.drain()
    asked = b""
    while b"Automatic thought" not in asked:  # the second question: the first was answered
        try:
            more = await asyncio.wait_for(process.stderr.read(200), HANG)
        except TimeoutError:
            raise AssertionError(asked) from None
        assert more, asked
        asked += more
    for _ in range(int(HANG / 0.02)):  # blocked reading stdin, as a user's Ctrl-C finds it
        if reading_stdin(process.pid) or process.returncode is not None:
            break
        await asyncio.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, rest = await asyncio.wait_for(process.communicate(), HANG)
    said = flat((asked + rest).decode())
    assert process.returncode == 130, said
    assert "saved is kept" not in said and "sends what waits" not in said, said
    assert (
        "Stopped: nothing was saved of this Thought record (CBT); the 1 answer you typed "
        "(1 of 8 fields) is not kept." in said
    ), said
    assert f"`tj --home {ana.home} homework add thought-record` starts it again." in said, said
    assert await ana.json("homework", "list") == []


async def test_ending_a_share_with_the_wrong_account_ends_it_without_citing_item_9(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F17: a share made by mistake with "ben" (read role, no safety flags) was not ended by
    `tj unshare`: it listed a PHQ-9 with item 9 answered 2 that ben "may not have received",
    asked "anyway? [y/N]", and Enter (or a script without --yes) kept the share going. A
    member who only reads was never chosen to act on a safety answer: the share ends at
    once. For a therapist with the annotate role the question stays, and Enter ends it."""
    ana = await new_device(live_server, tmp_path, "ana")
    ben = await new_device(live_server, tmp_path, "ben")
    await ana.ok("share", "Personal", "ben", "--full", "--fingerprint", ben.signup["fingerprint"])
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await ben.ok("sync")
    ended = await ana.ok("unshare", "Personal", "ben")  # a script, no --yes: nothing asked
    said = flat(ended.stderr)
    assert "may not have received" not in said and "item 9" not in said, said
    assert "Stopped sharing 'Personal' with ben" in said, said
    assert await ana.json("shares") == []

    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate",
        "--fingerprint", drlee.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    asked = await ana.tj("unshare", "Personal", "drlee", input="\n")  # Enter
    said = flat(asked.stderr)
    assert asked.exit_code == 0, said
    assert "drlee may not have received this from Personal:" in said, said
    assert "(PHQ-9 item 9 answered 3, score 11)" in said, said
    assert "Stop sharing Personal with drlee anyway? [Y/n]" in said, said
    assert "Stopped sharing 'Personal' with drlee" in said, said
    assert await ana.json("shares") == []


async def test_offline_unshare_of_an_ended_share_never_says_they_still_read_it(
    live_server: RunningServer, tmp_path: Path, outage: Outage
) -> None:
    """F15: offline, `tj unshare` of a share this device had ended already said "drlee still
    reads 'My journal', nothing was changed": a false alarm. It says this device's record
    has the share ended; a share still in force is still said to be read."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    for journal in ("Personal", "Work"):
        if journal == "Work":
            await ana.ok("journal", "create", "Work")
        await ana.ok(
            "share", journal, "drlee", "--fingerprint", drlee.signup["fingerprint"], "--yes"
        )
    await ana.ok("unshare", "Personal", "drlee", "--yes")
    await outage.begin()
    refused = await ana.tj("unshare", "Personal", "drlee", "--yes")
    said = flat(refused.stderr)
    assert "still reads" not in said, said
    assert "this device's record says drlee no longer reads Personal (the share was ended)" in (
        said
    ), said
    still = await ana.tj("unshare", "Work", "drlee", "--yes")
    assert still.exit_code == 1 and "drlee still reads Work, nothing was changed" in flat(
        still.stderr
    ), still.stderr
    await outage.end()


async def test_a_near_miss_tag_that_matches_nothing_gets_a_hint(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F19: `tj list --tag slep` said only "No entries match." while 2 entries bear "sleep"
    (`--emotion anxios` gets "did you mean 'anxious'?")."""
    ana = await new_device(live_server, tmp_path, "ana")
    for text in ("Slept badly.", "Slept well."):
        await ana.ok("write", "--tag", "sleep", text)
    listed = await ana.ok("list", "--tag", "slep")
    said = flat(listed.stdout + listed.stderr)
    assert "No entries match. No entry is tagged 'slep' (did you mean 'sleep'?)." in said, said
    listed = await ana.ok("list", "--tag", "garden")
    assert "did you mean" not in listed.stdout + listed.stderr


async def test_a_renamed_journal_is_told_to_its_therapist_and_its_old_name_answered(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F18, F19: after ana renamed "Personal" to "Journal", drlee's sync said nothing of it
    and "ana/Personal" was answered with another account's unverified journal; ana's own
    old name got no hint either. The sync tells the rename from ana's signed name, and
    the old name is answered with the new one, on both devices."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", "--fingerprint", drlee.signup["fingerprint"])
    await ana.ok("write", "First.")
    await drlee.ok("sync")
    await ana.ok("journal", "rename", "Personal", "Journal")
    synced = await drlee.ok("sync")
    said = flat(synced.stdout + synced.stderr)
    assert "journal ana/Journal renamed (from ana/Personal)" in said, said
    refused = await drlee.tj("list", "--journal", "ana/Personal")
    said = flat(refused.stderr)
    assert refused.exit_code != 0
    assert "'ana/Personal' was renamed 'ana/Journal' on" in said, said
    assert "could not verify" not in said and "accept" not in said, said
    mine = await ana.tj("list", "--journal", "personal")
    said = flat(mine.stderr)
    assert mine.exit_code != 0 and "'Personal' was renamed 'Journal' on" in said, said
    # a rename, not a share on its way: no "sync first if it was just shared with you"
    for words in (flat(refused.stderr), said):
        assert "just shared" not in words and "journal list" in words, words
    assert [e["body"] for e in await drlee.json("list", "--journal", "ana/Journal")] == ["First."]


async def test_discuss_shows_an_entrys_time_on_its_writers_clock_as_list_does(
    live_server: RunningServer, tmp_path: Path, zone: Zone
) -> None:
    """F16: an entry written at 23:30 in New York was listed by `tj list` at "2026-12-05
    23:30" and by `tj discuss` at "2026-12-06 04:30" (the viewer's clock, another day)."""
    ana = await new_device(live_server, tmp_path, "ana")
    zone("America/New_York")
    entry = (await ana.ok("write", "--date", "2026-12-05 23:30", "Late night")).stdout.strip()
    zone("UTC")
    await ana.ok("discuss", entry)
    listed = (await ana.ok("list")).stdout
    discussed = (await ana.ok("discuss")).stdout
    assert "2026-12-05 23:30" in listed, listed
    assert "2026-12-05 23:30" in discussed and "04:30" not in discussed, discussed
