"""NU48 #8 and #12's rest at 80 columns: `tj list` of one journal of one's own has no journal
column repeating "Personal" (its title gets the room) and no line padded with spaces to the
width; a therapist's `tj list` keeps whose entries they are; `tj assignments` has no empty
note column (it broke "ana/" over "Personal"), and no journal column under --journal;
`tj briefs` names the client, not the brief's journal (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli_insights import new_device

NARROW: dict[str, str | None] = {"COLUMNS": "80"}
TITLE = "Written in the editor after a long day at work"  # cut at 19 cells in the review
TOFU = "--trust-on-first-use"


def heads(printed: str) -> list[str]:
    return printed.splitlines()[0].split()


async def test_a_list_of_ones_own_journal_has_no_journal_column_nor_padded_lines(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "--title", TITLE, "--mood", "2", "--tag", "work", "A long day.")
    await ana.ok("write", "--mood", "5", "--tag", "therapy", "Session went okay.")
    listed = (await ana.ok("list", env=NARROW)).stdout
    assert heads(listed) == ["id", "date", "title", "or", "text", "mood", "tags"], listed
    newest, cut = column(listed, "title or text")
    assert newest == "Session went okay." and cut.endswith("…"), listed
    assert TITLE.startswith(cut[:-1]) and len(cut) > 30, listed  # was "Written in the edi…"
    assert "Personal" not in listed
    assert not any(line.endswith(" ") for line in listed.splitlines()), listed
    assert max(len(line) for line in listed.splitlines()) <= 80, listed

    # two journals listed: the column names each entry's
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("write", "--journal", "Dreams", "A dream.")
    both = (await ana.ok("list", env=NARROW)).stdout
    assert "journal" in heads(both) and column(both, "journal") == [
        "Dreams",
        "Personal",
        "Personal",
    ], both
    assert not any(line.endswith(" ") for line in both.splitlines()), both


async def test_a_therapists_list_of_one_clients_entries_keeps_whose_they_are(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "Slept badly.")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await drsmith.ok("sync")
    listed = (await drsmith.ok("list", env=NARROW)).stdout
    assert column(listed, "journal") == ["ana/Personal"], listed
    asked = (await drsmith.ok("list", "--journal", "ana", env=NARROW)).stdout
    assert "journal" not in heads(asked) and "Slept badly." in asked, asked  # named: NU29 F4


async def test_assignments_without_notes_have_no_note_column_and_keep_the_journal_whole(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU)
    await drsmith.ok("sync")
    await drsmith.ok("assign", "ana/Personal", "measure", "phq9", "--every", "14", "--yes")

    listed = (await drsmith.ok("assignments", env=NARROW)).stdout
    assert heads(listed) == ["id", "journal", "what", "status", "last", "done"], listed
    assert column(listed, "journal") == ["ana/Personal"], listed  # not "ana/" over "Personal"
    assert column(listed, "what") == ["PHQ-9, every 14 days"], listed
    assert max(len(line) for line in listed.splitlines()) <= 80, listed
    assert not any(line.endswith(" ") for line in listed.splitlines()), listed

    one = (await drsmith.ok("assignments", "--journal", "ana/Personal", env=NARROW)).stdout
    assert heads(one) == ["id", "what", "status", "last", "done"], one
    assert "ana/Personal" not in one

    await drsmith.ok(
        "assign", "ana/Personal", "homework", "sleep-diary", "--every", "1", "--yes",
        "--note", "Each morning",
    )  # fmt: skip
    noted = (await drsmith.ok("assignments", env={"COLUMNS": "160"})).stdout
    assert heads(noted)[-1] == "note" and "Each morning" in column(noted, "note"), noted

    await ana.ok("sync")  # the client's own: one journal of hers, not named on each row
    mine = (await ana.ok("assignments", env=NARROW)).stdout
    assert "journal" not in heads(mine) and "Personal" not in mine, mine


async def test_briefs_name_the_client_not_the_briefs_journal_at_80_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "4", "A hard week.")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await ana.ok("brief", "drsmith", "--yes")
    await drsmith.ok("sync")
    listed = (await drsmith.ok("briefs", env=NARROW)).stdout
    assert heads(listed)[:2] == ["client", "id"] and "journal" not in heads(listed), listed
    assert column(listed, "client") == ["ana"], listed
    assert "Brief " not in listed and "for drsmith" not in listed, listed
    assert max(len(line) for line in listed.splitlines()) <= 80, listed
