"""NU35 leftovers of the tables (cli/tables.py), at 80 and 120 columns with long names:

1. At 120 columns a 71-character "client/journal" left a therapist's `tj list` 13 columns of
   entry title. Texts now keep half the room they share with names (or their whole length),
   a name breaking for it after its "/" first ("christopher_okonkwo-adeyemi.jr/" above
   "Sleep and nightmares diary of the winter"): each row keeps its client's name beside it.
2. `tj goal list` cut a goal's title ("Walk thre…") at 80 columns: it is now wrapped whole,
   the journal going below the row first when the row does not fit.
3. A first column that wraps (a journal's or client's name) began its second line at column
   0, where it read as a new row: its later lines are now indented.

`--json` does not change with the width. Real server on loopback, real crypto."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from cli.tables import CONTINUED, DATE, FIXED, ID, NAME, WHOLE_WORDS, Column, fitted
from tests.conftest import RunningServer
from tests.table_cells import below, column
from tests.test_cli import Device
from tests.test_cli_nu34_tables import cut_from, printed
from tests.test_cli_nu35_tables import (
    CLIENT,
    LONG_JOURNAL,
    LONG_TITLE,
    NOTE,
    OTHER,
    THERAPIST,
    never_split,
    scenario,
    tables,
    width_of,
)

LONG = f"{CLIENT}/{LONG_JOURNAL}"  # 71 characters, as a therapist's device names it
GOAL_TITLE = f"Goal: {LONG_TITLE}"


def row_starts(table: str) -> list[str]:
    """The lines of a table (its header, its rule, its rows) that start a row: every line
    that does not start with a space (a first column's later line is indented, and so is a
    cell moved below its row)."""
    return [line for line in table.splitlines()[2:] if line[:1].strip()]


def continued(table: str) -> list[str]:
    """The first column's later lines: indented by CONTINUED, not a cell moved below the
    row ("  by: ...")."""
    below_line = re.compile(r"  (?! )[^:]*:(?: |$)")
    return [
        line
        for line in table.splitlines()[2:]
        if line.startswith(CONTINUED) and line[len(CONTINUED) :][:1].strip()
        and not below_line.match(line)
    ]  # fmt: skip


@pytest.mark.parametrize("width", [80, 120])
async def test_long_names_leave_titles_room_goals_whole_and_continuations_indented(
    live_server: RunningServer, tmp_path: Path, width: int
) -> None:
    client, _, therapist = await scenario(live_server, tmp_path)
    await client.ok("goal", "add", GOAL_TITLE, "--journal", LONG_JOURNAL)
    await therapist.ok("sync")

    async def shown(device: Device, *args: str) -> str:
        return str((await device.ok(*args, env={"COLUMNS": str(width)})).stdout)

    # 1: the therapist's list of every journal: a title keeps room beside a 71-character name
    [listed] = tables(await shown(therapist, "list"), width)
    never_split(listed)
    journals = column(listed, "journal") if width == 120 else below(listed, "journal")
    assert LONG in journals, listed  # whole
    titles = column(listed, "title or text")
    assert any(cut_from(t, LONG_TITLE) or t == LONG_TITLE for t in titles), listed
    if width == 120:  # was 13 columns, the name 61
        assert width_of(listed, "title or text") >= 30, listed
        assert width_of(listed, "journal") <= 42, listed
        assert f"{CLIENT}/" in [line[32:].split("  ")[0] for line in listed.splitlines()], listed
    assert await therapist.json("list", env={"COLUMNS": str(width)}) == await therapist.json(
        "list", env={"COLUMNS": "200"}
    )  # --json does not depend on the width

    # 2: a goal's title whole, on lines of its own column; the journal below it first
    for device in (client, therapist):
        [goals] = tables(await shown(device, "goal", "list"), width)
        never_split(goals)
        assert "…" not in goals, goals
        assert GOAL_TITLE in column(goals, "goal"), goals
        assert width_of(goals, "goal") >= WHOLE_WORDS, goals
        assert re.search(r"(^|  )progress(  |$)", goals.splitlines()[0]), goals  # not moved
        heads = goals.splitlines()[0]
        journals = column(goals, "journal") if " journal " in heads else below(goals, "journal")
        name = LONG_JOURNAL if device is client else LONG
        assert name in journals, goals
        assert len(row_starts(goals)) == 2, goals  # one line starts each goal's row
    assert await client.json("goal", "list", env={"COLUMNS": str(width)}) == await client.json(
        "goal", "list", env={"COLUMNS": "200"}
    )

    # 3: every table whose first column is a name: a line at column 0 starts a row, a name's
    # later lines are indented, and the name read back is whole
    wrapped = 0
    for device, args, key, names in (
        (client, ("journal", "list"), "name", ["Personal", LONG_JOURNAL]),
        (client, ("shares",), "journal", ["Personal", LONG_JOURNAL]),
        (therapist, ("journal", "list"), "name", [f"{CLIENT}/Personal", f"{OTHER}/Personal"]),
        (therapist, ("shared-with-me",), "journal", [f"{CLIENT}/Personal", LONG]),
        (therapist, ("caseload",), "client", [CLIENT, OTHER]),
    ):
        [table, *_] = tables(await shown(device, *args), width)
        never_split(table)
        found = column(table, key)
        assert len(row_starts(table)) == len(found), table  # no later line read as a row
        for name in names:
            assert any(cell.removesuffix(" (?)") == name for cell in found), (name, table)
        wrapped += len(continued(table))
    assert wrapped or width == 120  # at 80 some first column does wrap: the check is real


@pytest.mark.parametrize("width", [50, 60, 80, 120])
def test_a_first_column_that_wraps_indents_its_later_lines(width: int) -> None:
    """Without a server: a name (`tj journal list`) or a text as the first column, at every
    width that fits a 31-character part beside a readable text: each row begins with the
    one line at column 0, its later lines indented, the name whole when read back."""
    columns = [Column("journal", NAME), Column("role"), Column("expires", FIXED)]
    rows = [
        (f"{OTHER}/Personal", "annotate, fingerprint not verified", "never"),
        (LONG, "read", "2027-06-30 (end of day)"),
        ("Personal", "owner", "never"),
    ]
    text = printed(fitted(columns, rows, width=width), width)
    assert all(cell_len(line) <= width for line in text.splitlines()), text
    assert len(row_starts(text)) == len(rows), text
    assert column(text, "journal") == [row[0] for row in rows], text
    assert continued(text), text  # the 71-character name wraps (whole at 126 columns)
    for line in continued(text):  # whole parts of a name, after its "/" or at a space
        first = line.strip().split("  ")[0]
        assert first in LONG or first == "Personal", (line, text)
        assert re.search(rf"(^|[/ ]){re.escape(first)}( |$)", LONG + " Personal"), (line, text)

    prompts = [Column("prompt"), Column("answered", FIXED)]
    long_prompt = "What made it easier, or harder, to be honest in your last session?"
    text = printed(fitted(prompts, [(long_prompt, "never"), ("Short.", "today")], width=40), 40)
    assert len(row_starts(text)) == 2, text
    lines = text.splitlines()[2:]
    assert lines[0].startswith("What made") and lines[1].startswith(CONTINUED + "harder"), text
    assert " ".join(column(text, "prompt")[0].split()) == long_prompt, text


def test_a_long_name_leaves_the_text_beside_it_half_the_room_at_120() -> None:
    """Without a server: at 120 columns the title of a therapist's listing keeps about half
    of what it shares with a 71-character "client/journal" (was 13 cells), a note's text
    likewise; the name breaks after its "/" first, whole; a short name stays on one line
    beside a text that fits."""
    listing = [ID, DATE, Column("journal", NAME), Column("title or text", cut=True)]
    listing += [Column("mood", FIXED), Column("tags", cut=True)]
    rows = [
        ("7bfac64aabfc", "2026-12-03 23:37", LONG, LONG_TITLE, "3/10", "sleep"),
        ("a3b718404242", "2026-12-03 23:37", f"{CLIENT}/Personal", "Could not sleep.", "4/10", ""),
    ]
    text = printed(fitted(listing, rows, width=120), 120)
    assert max(cell_len(line) for line in text.splitlines()) <= 120, text
    assert width_of(text, "title or text") >= 30, text
    assert column(text, "journal") == [LONG, f"{CLIENT}/Personal"], text
    assert [line[32:].split("  ")[0] for line in text.splitlines()[2:4]] == [
        f"{CLIENT}/",
        LONG_JOURNAL,
    ], text  # after its "/": the client's name, then the journal's
    [title, _] = column(text, "title or text")
    assert cut_from(title, LONG_TITLE), text

    notes = [ID, DATE, Column("journal", NAME), Column("kind", FIXED), Column("by", NAME)]
    long_note = f"{NOTE} Bring the sleep diary of the last two weeks, please."
    row = ("06671895aa15", "2026-12-03 23:38", LONG, "note", "you", long_note)
    text = printed(fitted([*notes, Column("text")], [row], width=120), 120)
    assert width_of(text, "text") >= 30, text  # was 18: five lines of note
    assert column(text, "text") == [long_note] and column(text, "journal") == [LONG], text

    short = ("a3b718404242", "2026-12-03 23:37", "Personal", "Could not sleep.", "4/10", "")
    text = printed(fitted(listing, [short], width=80), 80)
    assert len(text.splitlines()) == 3, text  # one line: nothing to break
    assert column(text, "journal") == ["Personal"], text
    assert THERAPIST not in text
