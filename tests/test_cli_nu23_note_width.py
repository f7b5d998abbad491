"""NU23 C4: at 80 columns `tj notes` wrapped a therapist's prompt to 9 cells ("What made /
you laugh / this / week?") beside "drsmith (therapist)". A text column keeps at least 16
cells (tables.WHOLE_WORDS) or its whole length: the names beside it are broken between their
parts first, each still whole in its cell, or (NU35 #1) a name too long for that goes on a
line of its own below the row; no id or date is cut."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

import cli.main  # noqa: F401 (first: the command modules import each other through it)
from cli.sharing import notes_table
from cli.tables import WHOLE_WORDS
from client_sdk.sharing import Note
from tests.conftest import RunningServer
from tests.table_cells import below, column
from tests.test_cli_insights import new_device

WHEN = datetime(2026, 12, 2, 5, 11, tzinfo=UTC)
SHOWN = WHEN.astimezone().strftime("%Y-%m-%d %H:%M")  # as output.local_time shows it
PROMPT = "What made you laugh this week?"


def printed(table: Table, width: int = 80) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(table)
    return out.getvalue()


def text_width(text: str) -> int:
    """The cells of the last column (the note's text), from its header to the table's end."""
    header, rule = text.splitlines()[:2]
    return len(rule) - header.index(" text") - 1


@pytest.mark.parametrize(
    ("author", "journal", "moved"),
    [
        ("drsmith", "Personal", None),
        # a username is never broken inside (README), nor the text below WHOLE_WORDS (NU35
        # #1): the name that does not fit beside it goes on a line of its own below the row
        ("margaret-oconnell", "Personal", "by"),
        ("drsmith", "margaret-oconnell/Sleep and nightmares", "journal"),
    ],
)
def test_a_therapists_prompt_keeps_a_readable_width_beside_long_names(
    author: str, journal: str, moved: str | None
) -> None:
    prompt = Note("c6faca534582" + "0" * 20, journal, "prompt", PROMPT, author, True, WHEN)
    text = printed(notes_table([prompt], me="ana"))
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), text
    assert text_width(text) >= WHOLE_WORDS, text  # not 9 cells: "What made", "you laugh", ...
    assert column(text, "text") == [PROMPT]  # whole, in its cell
    names = {"by": f"{author} (therapist)", "journal": journal}
    for header, name in names.items():
        if header == moved:  # whole, on its own line below the row
            assert below(text, header) == [name], text
            with pytest.raises(ValueError):
                column(text, header)
        else:
            assert column(text, header) == [name], text  # broken, never cut
    assert column(text, "id") == ["c6faca534582"]
    assert column(text, "date") == [SHOWN]
    assert any(SHOWN in line for line in lines)  # a date is never broken


def test_a_name_that_fits_whole_beside_a_readable_text_is_not_broken() -> None:
    note = Note("c6faca534582" + "0" * 20, "Personal", "note", "Good.", "you", False, WHEN)
    text = printed(notes_table([note], me="ana"))
    assert "Personal" in text and "c6faca534582" in text
    assert len([line for line in text.splitlines() if line.strip()]) == 3  # one line a row


async def test_tj_notes_at_80_columns_gives_the_prompt_16_columns(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The finding's reproduction: the client's `tj notes` (not a terminal: 80 columns)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = ("--fingerprint", drsmith.signup["fingerprint"])
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", *fingerprint)
    await drsmith.ok("sync")
    await drsmith.ok("note", "ana/Personal", "--prompt", PROMPT)
    [note] = await ana.json("notes")
    shown = (await ana.ok("notes", env={"COLUMNS": None})).stdout
    assert all(len(line) <= 80 for line in shown.splitlines()), shown
    assert text_width(shown) >= WHOLE_WORDS, shown
    assert column(shown, "text") == [PROMPT]
    assert column(shown, "by") == ["drsmith (therapist)"]
    assert column(shown, "id") == [note["id"][:12]]
    assert column(shown, "journal") == ["Personal"]
