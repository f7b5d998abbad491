"""NU37's findings 1, 2, 4, 9, 10 and 11 (a new user's walkthrough, /work/NU37-FINDINGS.md),
each with the commands that showed it (real server on loopback, CliRunner, real crypto).

- #1: `tj edit` in $EDITOR kept only what was above the first scissors line, so an entry
  whose own text holds that line lost what followed it, even when the editor changed
  nothing ("saved; synced."). The editor is not opened on such a text: the refusal says why
  and what keeps the text (--body, --append); piped text kept as a draft names stdin.
- #2: `tj delete` quoted a text starting with a long unbroken word whole (3,000 to 100,000
  characters, in the question and the result line): cut to a fixed length, as `tj list` is.
- #4: a read-only therapist's `tj edit`/`write`/`delete` of the client's entries said to ask
  for the annotate role, which does not allow those either: the entries are the client's.
- #9: `tj lock` on a locked profile changed the passphrase saying "now locked".
- #10: a device whose first sync never finished said it showed what it had "before its
  first sync", while holding part of the data.
- #11: with a hung server, `tj shares` said "the server cannot be reached", where `tj list`
  says it did not answer within N s.
"""

from __future__ import annotations

import re
import shlex
import signal
import time
from pathlib import Path

import click
import pytest

from cli.editor import CUT
from tests.conftest import RunningServer
from tests.e2e.test_server_restart import ServerProcess
from tests.test_cli import Device, Outage, failed_with_one_line, outage  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_journal_features import (  # noqa: F401  (fixtures)
    NO_VISUAL,
    ana,
    editor_script,
    stdin_is_a_terminal,
)
from tests.test_cli_nu31_hung_server import server, stop  # noqa: F401  (fixture)

SCISSORED = f"Before\n{CUT}\nAfter"
"""An entry's text holding the scissors line, as a pasted draft or an import may."""


def said(text: str) -> str:
    return " ".join(text.split())


# --- #1: the scissors line in an entry's own text ---------------------------------------------


async def test_editing_a_text_holding_the_scissors_line_does_not_open_the_editor_nor_lose_it(
    ana: Device,  # noqa: F811
    tmp_path: Path,
    stdin_is_a_terminal: None,  # noqa: F811
) -> None:
    entry_id = (await ana.ok("write", "--title", "Scissors", SCISSORED)).stdout.strip()
    for env in (editor_script(tmp_path, "EDITED: "), {**NO_VISUAL, "EDITOR": "true"}):
        refused = await ana.tj("edit", entry_id[:8], env=env)
        line = said(failed_with_one_line(refused))
        assert f"entry {entry_id[:12]}'s text holds the scissors line ({CUT})" in line, line
        assert f"`tj edit {entry_id[:12]} --body TEXT` or `--append TEXT`" in line, line
        assert "the entry was not changed" in line and "saved" not in refused.output
        assert not (tmp_path / "seen.md").exists()  # the editor never ran
        assert (await ana.json("show", entry_id))["body"] == SCISSORED
    assert not list((ana.home / "drafts").glob("*.md"))
    await ana.ok("edit", entry_id, "--append", "And more.")  # what the refusal points to
    assert (await ana.json("show", entry_id))["body"] == SCISSORED + " And more."


async def test_an_editor_closed_without_a_change_changes_nothing(
    ana: Device,  # noqa: F811
    stdin_is_a_terminal: None,  # noqa: F811
) -> None:
    entry_id = (await ana.ok("write", "  Indented first line.\n\nSecond.")).stdout.strip()
    before = await ana.json("show", entry_id)
    kept = await ana.ok("edit", entry_id, env={**NO_VISUAL, "EDITOR": "true"})
    assert "No change; the entry stays as it was." in kept.stderr
    assert "saved" not in kept.output and kept.stdout == ""
    assert await ana.json("show", entry_id) == before


async def test_write_edit_with_a_text_holding_the_scissors_line_refuses_and_writes_nothing(
    ana: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    refused = await ana.tj("write", "--edit", SCISSORED, env=editor_script(tmp_path, "More "))
    line = said(failed_with_one_line(refused))
    assert f"TEXT holds the scissors line ({CUT})" in line, line
    assert "`tj write TEXT` without --edit" in line and "nothing was written" in line
    assert not (tmp_path / "seen.md").exists()
    assert await ana.json("list") == []
    await ana.ok("write", SCISSORED)  # saved as given, what follows the line included
    assert [e["body"] for e in await ana.json("list")] == [SCISSORED]


async def test_piped_text_holding_the_scissors_line_kept_as_a_draft_is_saved_whole(
    ana: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A draft is read above its first scissors line (`--draft`): the text piped in, kept
    when its write failed, names stdin instead, which saves it whole."""

    async def refused(*_: object, **__: object) -> None:
        raise click.ClickException("refused for the test")

    monkeypatch.setattr("cli.entries.write_entry", refused)
    failed = await ana.tj("write", "--mood", "4", input=SCISSORED + "\n")
    told = said(failed.stderr)
    found = re.search(r"it is kept in (\S+) \(`(.*?) < (\S+)` saves it whole", told)
    assert found, told
    [default] = [
        j["id"][:12] for j in await ana.json("journal", "list") if j["name"] == "Personal"
    ]  # the journal it was written for
    assert shlex.split(found.group(2))[-5:] == ["write", "--journal", default, "--mood", "4"], told
    assert shlex.split(found.group(3)) == [found.group(1)]
    assert "--draft" not in told and "delete the file after" in told
    draft = Path(found.group(1))
    assert draft.read_text().rstrip("\n") == SCISSORED
    monkeypatch.undo()
    await ana.ok("write", "--mood", "4", input=draft.read_text())
    assert [e["body"] for e in await ana.json("list")] == [SCISSORED]


# --- #2: excerpts of a long unbroken word ------------------------------------------------------


async def test_delete_and_restore_cut_a_long_unbroken_word(ana: Device) -> None:  # noqa: F811
    url = "https://example.org/" + "x" * 3000
    url_id = (await ana.ok("write", url)).stdout.strip()
    kept = await ana.tj("delete", url_id[:8], input="n\n")
    assert "Not done: you answered no" in kept.output
    assert len(kept.output) < 600, len(kept.output)
    assert "('https://example.org/xxxx" in kept.output and "x…')" in kept.output
    word_id = (await ana.ok("write", input="a" * 99_990)).stdout.strip()
    moved = await ana.ok("delete", word_id[:8], "--yes")
    assert len(moved.output) < 400, len(moved.output)
    assert f"('{'a' * 59}…') to the trash" in moved.output
    restored = await ana.ok("restore", word_id[:8])
    assert len(restored.output) < 300, len(restored.output)
    short = await ana.ok("delete", (await ana.ok("write", "A short day.")).stdout.strip(), "-y")
    assert "('A short day.')" in short.output  # whole: no "…" (NU38 N4)


async def test_undoing_a_goal_check_in_cuts_a_long_unbroken_word_in_its_note(
    ana: Device,  # noqa: F811
) -> None:
    goal = (await ana.ok("goal", "add", "Walk", "--measure", "6 sessions")).stdout.strip()
    await ana.ok("goal", "checkin", goal, "--note", "y" * 2000)
    undone = await ana.ok("goal", "undo", goal, input="y\n")
    assert len(undone.output) < 500, len(undone.output)
    assert f"'{'y' * 59}…'" in undone.output


# --- #4: a read-only share's refusal for the client's entries ------------------------------------


async def test_a_read_only_therapist_is_told_the_entries_are_the_clients_not_to_ask_for_annotate(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    entry_id = (await ben.ok("write", "Mine.")).stdout.strip()
    await ben.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await drlee.ok("sync")
    for command in (
        ["edit", entry_id[:8], "--mood", "1"],
        ["write", "--journal", "ben/Personal", "Therapist writes."],
        ["delete", entry_id[:8], "--yes"],
    ):
        line = said(failed_with_one_line(await drlee.tj(*command)))
        assert (
            "journal 'ben/Personal' is shared with this account read-only, and its entries are "
            "ben's own: only ben writes, changes or deletes them (the annotate role, too, "
            "allows only notes and prompts)"
        ) in line, (command, line)
        assert "ask ben" not in line and "--role annotate" not in line, line
    note = said((await drlee.tj("note", "ben/Personal", "Hello.")).stderr)
    assert "read-only: to add notes, ask ben to give you the annotate role" in note, note
    assert [e["body"] for e in await ben.json("list")] == ["Mine."]


# --- #9: locking a locked profile --------------------------------------------------------------


async def test_lock_on_a_locked_profile_says_it_changed_the_passphrase(
    ana: Device,  # noqa: F811
) -> None:
    first = await ana.ok("lock", env={"TJ_NEW_PASSPHRASE": "p1 p2 p3 p4 z"})
    assert "now locked with your passphrase" in first.stderr
    again = await ana.ok(
        "lock", env={"TJ_NEW_PASSPHRASE": "another one x", "TJ_PASSPHRASE": "p1 p2 p3 p4 z"}
    )
    assert said(again.stderr) == (
        "Changed this device's passphrase: the new one opens its keys from now on, the old "
        "one no longer does."
    )
    wrong = await ana.tj("unlock", env={"TJ_PASSPHRASE": "p1 p2 p3 p4 z"})
    assert "wrong passphrase" in failed_with_one_line(wrong)
    await ana.ok("unlock", env={"TJ_PASSPHRASE": "another one x"})
    help_text = said((await ana.ok("lock", "--help")).stdout)
    assert "On a profile already locked, it changes the passphrase" in help_text


# --- #10: a device that never finished a sync ---------------------------------------------------


async def test_a_device_that_never_finished_a_sync_shows_what_it_holds_and_says_so(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    ben = Device(tmp_path / "ben", live_server.url)
    await ben.json("signup", live_server.url, "ben")
    await outage.begin()
    await ben.ok("write", "Written offline.")  # held, never synced
    shown = await ben.ok("list")
    told = said(shown.stderr)
    assert (
        "Not synced (the server cannot be reached): showing what this device holds: its first "
        "sync has not finished."
    ) in told, told
    assert "before its first sync" not in told
    assert "Written offline." in shown.stdout


# --- #11: a hung server and `tj shares` ----------------------------------------------------------


async def test_shares_with_a_hung_server_says_it_did_not_answer_as_list_does(
    server: ServerProcess,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = Device(tmp_path / "ana", server.url)
    await owner.ok("signup", server.url, "ana")
    await Device(tmp_path / "drsmith", server.url).ok("signup", server.url, "drsmith")
    await owner.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await owner.ok("sync")
    stop(server, signal.SIGSTOP)
    monkeypatch.setattr("cli.main.QUICK_SYNC_S", 2.1)  # 10 s for real; over 2: the hint
    try:
        # --server-wait 0.3 (under its least of 1 s: the test setting
        # $TJ_TEST_SERVER_WAIT_LEAST); else the quick sync's bound
        waited = {"0.3": "0.3", None: "2.1"}
        least = {"TJ_TEST_SERVER_WAIT_LEAST": "0.1"}
        for wait, seconds in waited.items():
            options = ["--server-wait", wait] if wait else []
            for command in (["shares"], ["list"]):
                started = time.monotonic()
                shown = await owner.tj(*options, *command, env=least)
                took = time.monotonic() - started
                assert shown.exit_code == 0, shown.output
                told = said(shown.stderr)
                assert told.startswith("Not synced (the server did not "), (command, told)
                hint = "" if wait else "; `tj --server-wait 2 ...` gives up sooner"  # NU41 #12
                assert f" within {seconds} s{hint}): showing what this device had at its last" in (
                    told
                ), told
                assert "cannot be reached" not in told, (command, told)
                assert took < 20, (command, took)
                if command == ["shares"]:  # as this device knew them
                    assert "drsmith" in shown.stdout, shown.stdout
    finally:
        stop(server, signal.SIGCONT)
