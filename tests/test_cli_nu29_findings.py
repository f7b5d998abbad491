"""NU29 findings (CLI side): F2, the renewal the end-date notice suggests works as told;
F3, a therapist is told, in each notice and in `tj shared-with-me`, the `tj forget` command
that discards an ended share's copy in its state; F5, a therapist's empty `tj list` does not
tell them to write; F6, `tj shares` says from when a copy holds entries and what its flags
cell means; F7, a whole-journal share over a copy says the copy stays shared; F8, `tj edit
--append` joins with one space. Real server on loopback,
real crypto; CliRunner."""

from __future__ import annotations

import shlex
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cli.output import local_time
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_sharing import move_clocks

DAY_MS = 24 * 3600 * 1000
WIDE: dict[str, str | None] = {"COLUMNS": "200"}  # one line per table row


def one_line(text: str) -> str:
    return " ".join(text.split())


async def test_the_renewal_the_end_date_notice_suggests_works_after_an_ended_copy(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F2: `--only mood,tags`, then `--full`, `unshare`, `--full --until`: once the end date
    passes, the command the owner's notice gives renews the whole-journal share."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await ana.ok("write", "The whole text of it.")
    await ana.ok("share", "Personal", "drkim", "--only", "mood,tags", *fingerprint)
    await ana.ok("share", "Personal", "drkim", "--full")
    await ana.ok("unshare", "Personal", "drkim", "--yes")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok("share", "Personal", "drkim", "--full", "--until", until)
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    told = await ana.ok("sync")
    suggested = "`tj share Personal drkim --full --until DATE`"  # --full: rev-nu29b B1
    assert suggested in one_line(told.stderr), told.stderr
    later = f"{datetime.now() + timedelta(days=30):%Y-%m-%d}"
    refused = await ana.tj("share", "Personal", "drkim", "--until", later)  # without it
    assert refused.exit_code != 0 and f"{ana.command} share Personal drkim --full" in one_line(
        refused.output
    ), refused.output
    renewed = await ana.ok("share", "Personal", "drkim", "--full", "--until", later)
    assert "only the mood" not in renewed.output
    [row] = [s for s in await ana.json("shares") if s["journal"] == "Personal"]
    assert (row["member"], row["fields"], row["expired"]) == ("drkim", None, False), row
    await drkim.ok("sync")
    bodies = [e["body"] for e in await drkim.json("list", "--journal", "ana/Personal")]
    assert "The whole text of it." in bodies


async def copy_label(device: Device, name: str = "ana/Personal") -> str:
    """How the commands printed for the kept copy `name` on `device` name its owner: by
    their account, "ana (account 1a2b3c4d)" (REV-S9B S9B-1)."""
    [journal] = [j for j in await device.json("journal", "list") if j["name"] == name]
    return f"{name.split('/')[0]} (account {journal['owner_id'][:8]})"


async def test_an_unshare_tells_the_therapist_the_forget_command_that_works(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F3, after an unshare (the server's word only, as the therapist's device sees it): the
    notice and `tj shared-with-me` name `tj forget 'ana (account …)/Personal' --unlisted`,
    the refusal of `tj forget ana/Personal` the same with the name given, which then works;
    the list says "no longer served"."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await ana.ok("write", "Shared words.")
    await ana.ok(
        "share", "Personal", "drkim", "--full", "--fingerprint", drkim.signup["fingerprint"]
    )
    await drkim.ok("sync")
    await ana.ok("unshare", "Personal", "drkim", "--yes")
    told = one_line((await drkim.ok("sync")).stderr)
    # the kept copy's commands name ana's account (REV-S9B S9B-1: a later verify may give
    # the username to another account); the refusal repeats the name the user gave
    command = f"`tj forget {shlex.quote(await copy_label(drkim) + '/Personal')} --unlisted`"
    assert "ana's 'Personal' is no longer served to you (" in told
    assert (
        f"Once you know the share ended, discard its copy from this device with {command}" in told
    )
    listed = await drkim.ok("shared-with-me", env=WIDE)
    assert "no longer served (read-only copy)" in one_line(listed.stdout)
    assert command in one_line(listed.stdout)
    [row] = await drkim.json("shared-with-me")
    # the server's word alone: "unlisted", never "share_ended" too (as `tj list --json`)
    assert (row["read_only_copy"], row["share_ended"], row["unlisted"]) == (True, False, True)
    [journal] = [j for j in await drkim.json("journal", "list") if j["name"] == "ana/Personal"]
    assert journal["unlisted"]
    assert "no longer served (read-only copy)" in one_line(
        (await drkim.ok("journal", "list", env=WIDE)).stdout
    )
    refused = await drkim.tj("forget", "ana/Personal", "--yes")
    assert refused.exit_code == 1
    # NU34 #3; naming ana's account as the other commands do (NU49 leftover of F5)
    assert f"run {command.replace('tj', drkim.command, 1)}" in one_line(refused.output)
    await drkim.ok("forget", "ana/Personal", "--unlisted", "--yes")
    assert await drkim.json("shared-with-me") == []


async def test_an_end_date_tells_the_therapist_the_plain_forget_command(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F3, a share ended by its owner-signed end date: the notice and `tj shared-with-me`
    name `tj forget 'ana (account …)/Personal'` (no --unlisted), and it works as told."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "drkim", "--full", "--until", until,
        "--fingerprint", drkim.signup["fingerprint"],
    )  # fmt: skip
    await drkim.ok("sync")
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    told = one_line((await drkim.ok("sync")).stderr)
    assert "ana's share of 'Personal' with you ended (its end date" in told
    command = f"`tj forget {shlex.quote(await copy_label(drkim) + '/Personal')}`"
    assert f"Discard its copy from this device with {command} when" in told
    assert "--unlisted" not in told
    listed = one_line((await drkim.ok("shared-with-me", env=WIDE)).stdout)
    assert "share ended (read-only copy)" in listed and command in listed
    [row] = await drkim.json("shared-with-me")
    assert (row["share_ended"], row["unlisted"]) == (True, False)
    await drkim.ok("forget", "ana/Personal", "--yes")
    assert await drkim.json("shared-with-me") == []


async def test_a_therapist_with_no_shared_entries_is_not_told_to_write(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: with a share and no entry in it (nor of their own), `tj list` says nothing shared
    with them has entries yet; the client with no entry is still told to write one."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await ana.ok(
        "share", "Personal", "drkim", "--full", "--fingerprint", drkim.signup["fingerprint"]
    )
    await drkim.ok("sync")
    told = one_line((await drkim.ok("list")).stderr)
    assert told == (
        "No entries yet: nothing shared with you has entries yet (as of a sync just now; "
        "`tj shared-with-me` lists it), and you wrote none yourself."
    )
    assert one_line((await ana.ok("list")).stderr) == "No entries yet: write one with `tj write`."


async def test_edit_append_adds_one_space_between_words(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F8: `tj edit ID --append 'and tired'` after "...at work" reads "at work and tired"."""
    ana = await new_device(live_server, tmp_path, "ana")
    entry = (await ana.json("write", "I feel stuck at work"))["id"]
    await ana.ok("edit", entry[:8], "--append", "and tired")
    assert (await ana.json("show", entry))["body"] == "I feel stuck at work and tired"
    await ana.ok("edit", entry[:8], "--append", " today.")
    assert (await ana.json("show", entry))["body"] == "I feel stuck at work and tired today."


async def test_list_of_one_journal_has_no_journal_column_and_a_wider_text(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: at 80 columns, `tj list --journal NAME` shows no journal column (every row would
    repeat NAME), so the text gets its width; `tj list` of every journal keeps it when its
    entries are of two journals, not when all are of one (NU48 #8)."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Merge tests of a long journal name")
    text = "A first line of text that is long enough to want the width"
    await ana.ok("write", "--journal", "Merge tests of a long journal name", "--mood", "5", text)
    narrow: dict[str, str | None] = {"COLUMNS": "80"}
    one = (
        await ana.ok("list", "--journal", "Merge tests of a long journal name", env=narrow)
    ).stdout
    header = one.splitlines()[0]
    assert "journal" not in header and "title or text" in header, one
    assert "Merge tests" not in one
    assert "A first line of text that is long" in one.splitlines()[2]  # its first row
    every = (await ana.ok("list", env=narrow)).stdout
    assert every == one, every  # every entry is in that journal (NU48 #8)
    await ana.ok("write", "In the other journal.")
    every = (await ana.ok("list", env=narrow)).stdout
    assert "journal" in every.splitlines()[0], every
    assert "Merge tests" in every


async def test_shares_says_from_when_a_copy_holds_entries_and_what_no_a_copy_means(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: after `tj share --only mood,tags`, `tj shares` says the copy holds entries written
    since the share began (the copy's owner-sealed settings), and explains "no (a copy)"."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await ana.ok("write", "--mood", "3", "Before the share.")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await ana.ok("share", "Personal", "drkim", "--only", "mood,tags", *fingerprint)
    [copy] = await ana.json("shares")
    assert copy["kind"] == "mirror" and copy["since"] is not None, copy
    since = datetime.fromisoformat(copy["since"])
    assert abs(since - datetime.now(since.tzinfo)) < timedelta(minutes=5)
    listed = await ana.ok("shares", env=WIDE)
    assert f"mood and tags dated from {local_time(since)} (a copy kept for drkim)" in one_line(
        listed.stdout
    ), listed.stdout
    assert one_line(listed.stderr) == (
        'flags "no (a copy)": a copy kept for a member holds some fields of each entry and '
        "never a safety flag: flags are sealed only in the whole journal, for the members you "
        "chose (`tj share JOURNAL MEMBER --full --role annotate --safety-flags`)."
    )


async def test_a_whole_journal_share_over_a_copy_says_the_copy_stays_shared(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F7: `tj share --full` on top of `--only mood,tags` says the copy stays shared beside
    the whole journal and names the command that ends both, which does."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await ana.ok("share", "Personal", "drkim", "--only", "mood,tags", *fingerprint)
    [copy] = await ana.json("shares")
    since = local_time(datetime.fromisoformat(copy["since"]))
    widened = one_line((await ana.ok("share", "Personal", "drkim", "--full")).stderr)
    assert (
        f"drkim also still reads the mood and tags of entries in Personal dated from "
        f"{since} through the copy 'Personal (mood, tags) for drkim': it stays shared beside "
        "the whole journal (they see each entry once). To end both: `tj unshare Personal drkim`"
    ) in widened, widened
    live = [s["journal"] for s in await ana.json("shares") if not s["expired"]]
    assert sorted(live) == ["Personal", "Personal (mood, tags) for drkim"]
    await ana.ok("unshare", "Personal", "drkim", "--yes")
    assert [s for s in await ana.json("shares") if not s["expired"]] == []
    again = one_line((await ana.ok("share", "Personal", "drkim", "--full", "--yes")).stderr)
    assert "also still reads" not in again, again  # the copy ended with the unshare
