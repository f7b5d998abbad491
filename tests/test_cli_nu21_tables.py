"""NU21 C13: at 80 columns, `tj private-notes` gave the note (the table's content) the width of
its longest word, one word a line, and `tj goal list` cut the goal's target date ("2027-03-…").
The note keeps a readable width and the status (the target date) is never cut."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from rich.console import Console
from rich.table import Table

from cli.goals import goals_table
from cli.private_notes import private_notes_table
from client_sdk.goals import Goal, Measure
from client_sdk.private_notes import PrivateNote
from tests.table_cells import column

WHEN = datetime(2026, 12, 2, 1, 9, tzinfo=UTC)


def rendered(table: Table, width: int = 80) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue().splitlines()


def test_a_private_note_is_not_one_word_a_line_beside_a_long_journal_name() -> None:
    note = PrivateNote(
        "e4544b33a5f0" + "0" * 20,
        "bo21",
        "bo21/Personal (mood, scores) for drsmith21",
        "ab" * 16,
        "Watch item 9.",
        WHEN,
    )
    lines = rendered(private_notes_table([note]))
    assert any("Watch item 9." in line for line in lines), lines
    assert all(len(line) <= 80 for line in lines)
    text = "\n".join(lines)
    assert "bo21/" in text and "drsmith21" in text  # the name is broken, never cut


def test_a_goals_target_date_is_never_cut_at_80_columns() -> None:
    goal = Goal(
        "cf885c870f0f" + "0" * 20,
        "Personal",
        "ab" * 16,
        "Walk three times a week",
        "",
        date(2027, 3, 1),
        Measure("sessions", 12),
        False,
        None,
        WHEN,
        WHEN,
        (),
        0,
        0.0,
    )
    lines = rendered(goals_table([goal]))
    text = "\n".join(lines)
    # the date whole, "due" above it beside the title on one line (NU42 #11)
    assert column(text, "status") == ["due 2027-03-01"], text
    assert "0/12 sessions" in text and "Personal" in text and "cf885c870f0f" in text
    assert all(len(line) <= 80 for line in lines)
