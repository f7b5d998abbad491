"""NU30 findings (CLI side): F1, a note set aside because the share ended no longer blocks
`tj forget` without saying how to let it go (keep its words, drop it, forget again), and `tj
notes` does not offer a retry that can never succeed; F3, the empty copy of an ended share
says so and names the `tj forget` that discards it; F5, after `tj leave` every line names the
same forget command, and the unverified-fingerprint warning says the fingerprint can still be
compared; F8, errors say what to do: a note on an ended share, a withdrawal of a note that went
with a forgotten copy, and bad option values (one `Error:` line, exit status 2). Real server on
loopback, real crypto; CliRunner."""

from __future__ import annotations

import re
import shlex
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cli.main import NOT_DELIVERED_EXIT
from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_insights import new_device
from tests.test_cli_sharing import move_clocks

DAY_MS = 24 * 3600 * 1000
WIDE: dict[str, str | None] = {"COLUMNS": "200"}  # one line per table row


def one_line(text: str) -> str:
    return " ".join(text.split())


def forget_commands(text: str) -> set[str]:
    """Every `tj forget ...` command a text names."""
    return set(re.findall(r"`(tj forget [^`]*)`", one_line(text)))


async def annotating(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    """ana shares Personal with drsmith (annotate); drsmith's device has it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await drsmith.ok("sync")
    return ana, drsmith


async def test_a_note_set_aside_after_an_unshare_names_how_to_forget_the_copy(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1: the note drsmith wrote before their device knew of the unshare is set aside.
    `tj notes` says no retry can send it and how to drop it; `tj forget --unlisted` refuses
    (the note would be lost), naming the export, the drop with its id, and itself again;
    done as told, the copy is forgotten."""
    ana, drsmith = await annotating(live_server, tmp_path)
    await ana.ok("unshare", "Personal", "drsmith", "--yes")  # drsmith's device does not know
    noted = await drsmith.tj("note", "ana/Personal", "Written on the train.")
    assert noted.exit_code == NOT_DELIVERED_EXIT, noted.output

    footer = one_line((await drsmith.ok("notes")).stderr)
    assert "`tj set-aside retry`" not in footer, footer
    assert (
        "[NOT DELIVERED]: 1 note the server refused because the journal is no longer shared "
        "with you (nobody else has it): no retry can send it; keep its words with `tj "
        "set-aside list --json > refused.json`, then drop it with `tj set-aside drop ID`."
    ) in footer

    [kept] = await drsmith.json("set-aside", "list")
    short = kept["doc_id"][:12]  # the note's own id, as `tj notes` shows it (NU41 #8)
    assert short in (await drsmith.ok("set-aside", "list")).stdout
    tj = drsmith.command
    for _ in range(2):  # a sync changes nothing: it is still refused, and said the same way
        line = failed_with_one_line(await drsmith.tj("forget", "ana/Personal", "--unlisted"))
        assert line == (
            "Error: 'ana/Personal' has 1 change of this device the server refused for good "
            "(set aside, not on the server): forgetting the copy would lose it; keep its words "
            f"(`{tj} set-aside list --json > refused.json`), then drop it (`{tj} set-aside drop "
            f"{short}`), then run `{tj} forget ana/Personal --unlisted` again"
        ), line
        assert (await drsmith.tj("sync")).exit_code in (0, NOT_DELIVERED_EXIT)
    exported = await drsmith.ok("set-aside", "list", "--json")
    assert "Written on the train." in exported.stdout  # its words, kept as told
    await drsmith.ok("set-aside", "drop", short, "--yes")
    await drsmith.ok("forget", "ana/Personal", "--unlisted", "--yes")
    assert await drsmith.json("shared-with-me") == []


async def test_a_refusal_that_a_retry_may_undo_still_suggests_the_retry(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1's other side: a note refused because ana made the share read-only (it is still
    shared) keeps `tj set-aside retry` in the footer: ana may give the annotate role back."""
    ana, drsmith = await annotating(live_server, tmp_path)
    await ana.ok("share", "Personal", "drsmith", "--role", "read")
    noted = await drsmith.tj("note", "ana/Personal", "Written before I knew.")
    assert noted.exit_code == NOT_DELIVERED_EXIT, noted.output
    footer = one_line((await drsmith.ok("notes")).stderr)
    assert "`tj set-aside retry` sends it again." in footer
    assert "no longer shared" not in footer


async def test_an_ended_shares_empty_copy_says_so_and_names_its_forget(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F3: cara's Dreams ended by its end date before anything was written: `tj list` (and `tj
    insights`) says it holds no entries because the share ended (no `tj sync` brings any), and names `tj forget
    cara/Dreams`, which works; ana's unshared Personal names `--unlisted`."""
    cara = await new_device(live_server, tmp_path, "cara")
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = ("--fingerprint", drsmith.signup["fingerprint"])
    await cara.ok("journal", "create", "Dreams")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await cara.ok("share", "Dreams", "drsmith", "--full", "--until", until, *fingerprint)
    await ana.ok("share", "Personal", "drsmith", "--full", *fingerprint)
    await drsmith.ok("sync")
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    later = live_server.clock.now
    monkeypatch.setattr("client_sdk.context.now_ms", lambda: later)  # Journal.unlisted's clock
    await drsmith.ok("sync")

    said = one_line((await drsmith.ok("list", "--journal", "cara/Dreams")).stderr)
    assert said == (
        "cara/Dreams holds no entries: the share ended before any reached this device; "
        "`tj forget cara/Dreams` discards it."
    ), said
    said = one_line((await drsmith.ok("list", "--journal", "ana/Personal")).stderr)
    assert said == (
        "ana/Personal holds no entries: it is no longer served to you (the share ended, or "
        "the server is withholding it) and none reached this device before; once you know "
        "the share ended, `tj forget ana/Personal --unlisted` discards it."
    ), said
    insights = one_line((await drsmith.ok("insights", "--journal", "cara/Dreams")).stdout)
    assert insights == (
        "cara/Dreams holds no entries: the share ended before any reached this device; "
        "`tj forget cara/Dreams` discards it."
    ), insights
    await drsmith.ok("forget", "cara/Dreams", "--yes")
    await drsmith.ok("forget", "ana/Personal", "--unlisted", "--yes")
    assert await drsmith.json("shared-with-me") == []


async def test_after_leaving_every_line_names_the_same_forget_and_the_fingerprint_still_checks(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: after `tj leave`, `tj shared-with-me` names one forget command (no --unlisted: the
    leave is this account's own word), and the warning of the unverified fingerprint says it
    can still be compared, with the commands that then work."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok("write", "Something to keep.")
    await ben.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await drlee.ok("sync")
    await drlee.ok("leave", "ben", "--yes")

    listed = await drlee.ok("shared-with-me", env=WIDE)
    said = listed.stdout + listed.stderr
    # by ben's account: a later verify may give the username to another (REV-S9B S9B-1)
    [journal] = [j for j in await drlee.json("journal", "list") if j["name"] == "ben/Personal"]
    label = f"ben (account {journal['owner_id'][:8]})"
    forget = f"tj forget {shlex.quote(label + '/Personal')}"
    assert forget_commands(said) == {forget}, said
    [warning] = [x for x in listed.stderr.split("Warning: ")[1:] if "fingerprint" in x]
    warning = one_line(warning)
    assert "no longer be checked" not in warning
    assert (
        "while ben's account exists, you can still compare the fingerprint in person (`tj "
        "fingerprint ben`, then `tj verify ben FINGERPRINT`), or discard them with the forget "
        "command above."
    ) in warning, warning
    assert one_line(said).count(f"`{forget}`") == 1, said  # printed once, not again below
    shown = (await drlee.ok("fingerprint", "ben")).stdout.strip()
    assert shown == ben.signup["fingerprint"]
    await drlee.ok("verify", "ben", shown)
    assert "Warning" not in (await drlee.ok("shared-with-me", env=WIDE)).stderr
    await drlee.ok("forget", "ben/Personal", "--yes")
    assert await drlee.json("shared-with-me") == []


async def test_a_note_on_an_ended_share_says_only_the_owner_can_share_again(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F8: after the end date, `tj note` refuses in one line that says the share ended and
    that only ana can share it again."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--until", until,
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await drsmith.ok("sync")
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    for sync_first in (False, True):  # the end date seen on this device's clock, then synced
        if sync_first:
            await drsmith.ok("sync")
        line = failed_with_one_line(await drsmith.tj("note", "ana/Personal", "Late note."))
        assert "the share of journal 'ana/Personal' with this account ended" in line, line
        assert line.endswith(
            "only ana can share it with you again, on their device; this device keeps a "
            "read-only copy of what it downloaded"
        ), line  # not again "the owner shares it again with `tj share`" (NU61 F15)
    assert [n["text"] for n in await drsmith.json("notes")] == []


async def test_withdrawing_a_note_that_went_with_a_forgotten_copy_says_so(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F8: drsmith's note went with the copy discarded by `tj forget` (ana shared Personal
    again since): `tj notes withdraw ID` says so, and who can withdraw it, not "try `tj
    sync`", which never finds it."""
    ana, drsmith = await annotating(live_server, tmp_path)
    note = (await drsmith.ok("note", "ana/Personal", "Sent to the wrong client.")).stdout.strip()
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    await drsmith.ok("forget", "ana/Personal", "--unlisted", "--yes")
    for again in (False, True):
        if again:
            await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate")
            await drsmith.ok("sync")
        line = failed_with_one_line(await drsmith.tj("notes", "withdraw", note[:4], "--yes"))
        assert "try `tj sync`" not in line, line
        assert line == (
            f"Error: no note or prompt {note[:4]} on this device (`{drsmith.command} notes` "
            "lists those it holds): one written in a copy of a shared journal discarded here "
            f"with `{drsmith.command} forget` went with that copy, and only that journal's "
            "owner can withdraw it now"
        ), line
    await ana.ok("notes", "withdraw", note[:4], "--yes")  # as said: ana can


async def test_a_withdrawal_of_an_unknown_note_is_said_as_not_found_after_the_sync(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F8: with no copy ever forgotten here, an unknown id is said as before, except that
    the command has just synced, so "try `tj sync`" is not said (NU33 #7)."""
    ana = await new_device(live_server, tmp_path, "ana")
    line = failed_with_one_line(await ana.tj("notes", "withdraw", "abcd", "--yes"))
    assert line == "Error: no note or prompt abcd on this device (it synced just now): check the id"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("edit", "ENTRY", "--mood", "11"),
            "Error: Invalid value for '--mood': 11 is not a whole number from 1 to 10.",
        ),
        (
            ("write", "--mood", "many", "x"),
            "Error: Invalid value for '--mood': 'many' is not a whole number from 1 to 10.",
        ),
        (
            ("write", "--date", "2027-02-30", "x"),
            "Error: Invalid value for '--date': there is no 2027-02-30: February 2027 has 28 days",
        ),
        (
            ("list", "--limit", "0"),
            "Error: Invalid value for '--limit': 0 is not a whole number of at least 1.",
        ),
        (
            ("write", "--emotion", "bored", "x"),
            "Error: Invalid value for '--emotion': 'bored' is not a named emotion: anxious, calm, ",
        ),
        (
            ("--password-file", "/no/such/file", "list"),
            "Error: Invalid value for '--password-file': File '/no/such/file' does not exist.",
        ),
    ],
)
async def test_a_bad_option_value_is_one_error_line_naming_what_it_takes(
    live_server: RunningServer, tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    """F8: click printed Usage, Try, a blank line and the error; now the error line alone,
    naming the option and the values it takes, with click's exit status 2."""
    ana = await new_device(live_server, tmp_path, "ana")
    entry = (await ana.json("write", "An entry."))["id"]
    result = await ana.tj(*(entry[:8] if a == "ENTRY" else a for a in args))
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(said), line
    assert "Usage:" not in result.output and "Try " not in result.output


async def test_a_missing_argument_keeps_the_usage_lines(tmp_path: Path) -> None:
    """A missing argument is not a bad value: click's usage line shows what to give."""
    result = await Device(tmp_path / "ana", "http://127.0.0.1:9").tj("edit")
    assert result.exit_code == 2
    assert "Usage: " in result.stderr and " edit [OPTIONS] ID" in result.stderr
    assert "Error: Missing argument 'ID'." in result.stderr
