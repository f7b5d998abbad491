"""NU30 findings (CLI side): F2, a therapist's `tj list --journal CLIENT` of an empty shared
journal says what `--journal CLIENT/NAME` says; F6, `tj edit --body X --append Y` is refused;
F7, the entry length limit's error writes its numbers one way and says what to do; F9,
`tj list`, `tj leave` and `tj forget` name the journal as it is called, not as typed; F10,
`tj edit` confirms as `tj write` does, and an empty `--append` says nothing changed. Real
server on loopback, real crypto; CliRunner. See /work/NU30-FINDINGS.md."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line
from tests.test_cli_insights import new_device

EMPTY_SHARED = "No entries in ana/Personal: ana shares none there now (as of a sync just now)."


def one_line(text: str) -> str:
    return " ".join(text.split())


async def shared_with(live_server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    """ana, who shares her empty Personal with drkim (fingerprint compared), and drkim,
    synced."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await ana.ok(
        "share", "Personal", "drkim", "--full", "--fingerprint", drkim.signup["fingerprint"]
    )
    await drkim.ok("sync")
    return ana, drkim


async def test_an_empty_shared_journal_is_named_as_it_is_called_however_it_is_typed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F2, F9: the client's name alone (any case), the full name in another case and the
    full name as called all print the shared journal's empty-list words with its name as
    it is called; the owner is still told to write."""
    ana, drkim = await shared_with(live_server, tmp_path)
    for typed in ("ana", "ANA", "ana/personal", "ana/Personal"):
        told = await drkim.ok("list", "--journal", typed)
        assert (told.stdout, one_line(told.stderr)) == ("", EMPTY_SHARED), typed
    own = await ana.ok("list", "--journal", "personal")
    assert one_line(own.stderr) == "No entries yet: write one with `tj write`."


async def test_leave_and_forget_name_the_journal_as_it_is_called(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F9: `tj leave` and `tj forget` ask about and report `ana/Personal`, not the name as
    typed ("ANA", "ana/personal")."""
    _, drkim = await shared_with(live_server, tmp_path)
    asked = await drkim.tj("leave", "ANA", input="n\n")
    assert asked.exit_code == 1 and asked.stderr.startswith("Leave ana/Personal? "), asked.stderr
    left = await drkim.ok("leave", "ana/personal", "--yes")
    assert left.stderr == "You left ana/Personal; it is no longer shared with you.\n"
    [row] = await drkim.json("shared-with-me")
    copy = "ana/Personal"  # as shared-with-me and every list name it
    assert row["name"] == copy, row
    asked = await drkim.tj("forget", "ANA/personal", input="n\n")
    assert asked.exit_code == 1
    assert " ".join(asked.stderr.split()).startswith(  # the longer name wraps the question
        f"Discard the copy of {copy} from this device for good? [y/N]: n"
    ), asked.stderr
    forgot = await drkim.ok("forget", "ANA/personal", "--yes")
    assert forgot.stderr == f"Discarded the copy of {copy} from this device.\n"
    assert await drkim.json("shared-with-me") == []


async def test_edit_refuses_body_with_append_and_changes_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: --body replaces the text and --append adds to it: given both, `tj edit` says so in
    one line and changes nothing (not even --mood)."""
    ana = await new_device(live_server, tmp_path, "ana")
    entry = (await ana.ok("write", "--mood", "4", "Slept badly.")).stdout.strip()
    refused = await ana.tj("edit", entry[:8], "--append", "x", "--body", "y", "--mood", "6")
    assert refused.exit_code == 2, refused.output
    assert refused.stderr.strip().splitlines()[-1] == (
        "Error: --body replaces the text and --append adds to it: give one"
    )
    shown = await ana.json("show", entry)
    assert (shown["body"], shown["mood"]) == ("Slept badly.", 4)


async def test_the_length_limit_error_writes_numbers_one_way_and_says_what_to_do(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F7: an append one character over, counting the space put before it, and a --body one
    over: the limit and the length are written alike (100,000, 100,001), the space is named
    only when one was put, and the error says what to do; nothing is changed (mood too)."""
    ana = await new_device(live_server, tmp_path, "ana")
    entry = (await ana.ok("write", "--mood", "4", "x" * 99_991)).stdout.strip()
    error = failed_with_one_line(  # a value refused as given: exit 2 (NU41 #6)
        await ana.tj("edit", entry[:8], "--append", "y" * 9, "--mood", "3"), 2
    )
    assert error == (
        "Error: an entry holds at most 100,000 characters: this change would make it 100,001 "
        "(1 over, counting the space put before the appended text); shorten the text, or "
        "write the rest as a new entry"
    )
    error = failed_with_one_line(await ana.tj("edit", entry[:8], "--body", "z" * 100_001), 2)
    assert error == (
        "Error: an entry holds at most 100,000 characters: this change would make it 100,001 "
        "(1 over); shorten the text, or write the rest as a new entry"
    )
    shown = await ana.json("show", entry)
    assert (len(shown["body"]), shown["mood"]) == (99_991, 4)


async def test_edit_confirms_as_write_does_and_an_empty_append_changes_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F10: `tj edit` prints the entry's id alone on stdout (for scripts) and "Entry ID
    ('title') saved; synced." on stderr, as `tj write` does; `--append ""` says there is
    nothing to append and the entry is unchanged."""
    ana = await new_device(live_server, tmp_path, "ana")
    entry = (await ana.ok("write", "--title", "Tuesday", "Plain")).stdout.strip()
    edited = await ana.ok("edit", entry[:4], "--append", " starts with space")
    assert edited.stdout == f"{entry}\n"
    assert edited.stderr == f"Entry {entry[:12]} ('Tuesday') saved; synced.\n"
    untitled = (await ana.ok("write", "Words")).stdout.strip()
    edited = await ana.ok("edit", untitled[:4], "--mood", "5")
    assert (edited.stdout, edited.stderr) == (
        f"{untitled}\n",
        f"Entry {untitled[:12]} saved; synced.\n",
    )
    empty = await ana.ok("edit", entry[:4], "--append", "")
    assert (empty.stdout, empty.stderr) == (
        "",
        f"Nothing to append: entry {entry[:12]} is unchanged.\n",
    )
    assert (await ana.json("show", entry))["body"] == "Plain starts with space"
    missing = await ana.tj("edit", "abcdef", "--append", "")
    assert failed_with_one_line(missing) == (  # synced first: not "try `tj sync`" (NU33 #7)
        "Error: no entry abcdef on this device (it synced just now): check the id"
    )
