"""NU38's findings N1, N4, N5 and N7 (a new user's re-check, /work/NU38-FINDINGS.md), each
with the commands that showed it (real server on loopback, CliRunner, real crypto).

- N1: a therapist with a read share running `tj edit ID` or `tj write --journal THEIRS` (no
  text) got $EDITOR first, then the refusal, and a draft hint naming a command that always
  fails: refused before the editor opens, no draft kept.
- N4: `tj delete` printed a 200-character title whole; deleting an entry already in the
  trash said it was moved again, with the share notice; an excerpt not cut ended in "…".
- N5: after a refusal for length the draft hint said `--draft FILE` "saves it" (refused
  again); `tj edit`'s draft hints left out --home; "1 earlier draft(s)".
- N7: `tj edit ID --body ''` emptied the entry's text silently ("saved").
"""

from __future__ import annotations

import re
import shlex
import stat
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device, failed_with_one_line, run_tj
from tests.test_cli_insights import new_device
from tests.test_cli_journal_features import (  # noqa: F401  (fixtures)
    NO_VISUAL,
    ana,
    editor_script,
    stdin_is_a_terminal,
)

READ_ONLY = (
    "journal 'ben/Personal' is shared with this account read-only, and its entries are ben's "
    "own: only ben writes, changes or deletes them"
)


def said(text: str) -> str:
    return " ".join(text.split())


def drafts(device: Device) -> list[Path]:
    folder = device.home / "drafts"
    return sorted(folder.glob("*.md")) if folder.exists() else []


# --- N1: a read share's editor ------------------------------------------------------------------


async def test_a_read_only_therapist_is_refused_before_the_editor_opens_and_no_draft_is_kept(
    live_server: RunningServer,
    tmp_path: Path,
    stdin_is_a_terminal: None,  # noqa: F811
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    entry_id = (await ben.ok("write", "Mine.")).stdout.strip()
    await ben.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await drlee.ok("sync")
    env = editor_script(tmp_path, "EDITED: ")
    for command in (["edit", entry_id[:8]], ["write", "--journal", "ben/Personal"]):
        refused = await drlee.tj(*command, env=env)
        line = said(failed_with_one_line(refused))
        assert READ_ONLY in line, (command, line)
        assert not (tmp_path / "seen.md").exists(), command  # the editor never ran
        assert "--draft" not in refused.output and "kept in" not in refused.output, command
        assert drafts(drlee) == [], command
    assert [e["body"] for e in await ben.json("list")] == ["Mine."]
    # the owner's editor opens as before
    await ben.ok("edit", entry_id[:8], env=env)
    assert (tmp_path / "seen.md").exists()


# --- N5: the draft hints: after the length limit, --home, plurals --------------------------------


def kept_command(text: str) -> tuple[str, list[str]]:
    """The words before the command a draft hint names, and that command's words."""
    found = re.search(r"kept in \S+ \((.*?)`([^`]*--draft [^`]*)`", said(text))
    assert found, text
    return found.group(1), shlex.split(found.group(2))


async def test_a_text_over_the_length_limit_is_to_be_shortened_before_its_draft_is_saved(
    ana: Device,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big = "x" * 105_000
    entry_id = (await ana.ok("write", "Plain")).stdout.strip()
    piped = await ana.tj("write", input=big)
    before, words = kept_command(piped.stderr)
    assert before.endswith("shorten it to 100,000 characters, then "), piped.stderr
    assert "another --journal" not in piped.stderr
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)
    env = editor_script(tmp_path, big)
    [default] = [j["id"][:12] for j in await ana.json("journal", "list") if j["name"] == "Personal"]
    for command in (["write"], ["edit", entry_id[:6]]):
        refused = await ana.tj(*command, env=env)
        assert refused.exit_code != 0, command
        before, words = kept_command(refused.raw_stderr)  # as printed
        assert before.endswith("shorten it to 100,000 characters, then "), refused.stderr
        assert words[:3] == ["tj", "--home", str(ana.home)], words  # as `tj write`'s (N5)
        # a new entry's draft names the default journal it was written for, by its id
        written_for = ["--journal", default] if command == ["write"] else []
        assert words[3:-2] == [*command, *written_for] and words[-2] == "--draft", words
    assert [e["body"] for e in await ana.json("list")] == ["Plain"]

    # a draft that fits: "saves it", with --home, for an edit's failing editor too
    script = tmp_path / "failing-editor.sh"
    script.write_text(
        '#!/bin/sh\n{ printf "Changed "; cat "$1"; } > "$1.new"; mv "$1.new" "$1"\nexit 3\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    failed = await ana.tj("edit", entry_id[:6], env={**NO_VISUAL, "EDITOR": str(script)})
    assert failed.exit_code == 1 and "Editing failed" in failed.stderr, failed.output
    before, words = kept_command(failed.stderr)
    assert "shorten" not in before
    assert words[:-1] == ["tj", "edit", entry_id[:6], "--draft"]
    assert len(drafts(ana)) == 4
    nag = said((await ana.tj("write", env=editor_script(tmp_path, "Next."))).stderr)
    assert "Note: 4 earlier drafts were never saved" in nag, nag
    assert f"`{ana.command} write --draft FILE`" in nag, nag
    await run_tj(["--home", str(ana.home), "edit", entry_id[:6], "--draft", str(words[-1])])
    assert (await ana.json("show", entry_id))["body"] == "Changed Plain"


async def test_one_earlier_draft_is_one_draft(
    ana: Device,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await ana.tj("write", input="y" * 100_001)  # refused: kept as a draft
    assert len(drafts(ana)) == 1
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)
    nag = said((await ana.tj("write", env=editor_script(tmp_path, "Next."))).stderr)
    assert "Note: 1 earlier draft was never saved" in nag, nag


# --- N7: an empty --body ---------------------------------------------------------------------


async def test_an_empty_body_is_refused_and_the_text_stays(ana: Device) -> None:  # noqa: F811
    entry_id = (await ana.ok("write", "--mood", "5", "Plain")).stdout.strip()
    for empty in ("", "  \n "):
        refused = await ana.tj("edit", entry_id[:6], "--body", empty)
        line = said(failed_with_one_line(refused, 2))
        assert "Invalid value for '--body': it is empty" in line, line
        assert "the entry was not changed" in line and f"`tj delete {entry_id[:6]}`" in line, line
        assert "saved" not in refused.output
    assert (await ana.json("show", entry_id))["body"] == "Plain"


# --- N4: `tj delete`: a long title, an entry in the trash already, excerpts ---------------------


async def test_delete_cuts_a_long_title_and_a_second_delete_says_it_is_in_the_trash_already(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    entry_id = (await ben.ok("write", "--title", "Q" * 200, "Text.")).stdout.strip()
    await drlee.ok("sync")
    moved = await ben.ok("delete", entry_id[:6], "--yes")
    assert "Q" * 60 not in moved.output and f"'{'Q' * 59}…'" in moved.output, moved.output
    assert "Moved" in moved.output and "drlee" in moved.output
    again = await ben.ok("delete", entry_id[:6], "--yes")
    told = said(again.output)
    assert f"'{'Q' * 59}…' is already in the trash, since " in told, told
    assert f"`tj restore {entry_id[:12]}` within 30 days" in told, told
    assert "Moved" not in told and "drlee" not in told and "Q" * 60 not in told, told
    assert (await ben.json("show", entry_id))["trashed_at"] is not None


async def test_a_delete_quotes_a_short_text_without_an_ellipsis(
    ana: Device,  # noqa: F811
) -> None:
    short = (await ana.ok("write", "Hi there")).stdout.strip()
    long = (await ana.ok("write", "one two three four five six seven")).stdout.strip()
    assert "('Hi there')" in (await ana.ok("delete", short, "--yes")).output
    assert "('one two three four five six…')" in (await ana.ok("delete", long, "--yes")).output
