"""NU31 #10: a long table (`tj list --all`) is laid out row by row past its header, quickly,
and prints exactly what rich printed for the whole table (no server: the table's text
only)."""

from __future__ import annotations

import io
import random

import pytest
from rich.console import Console

from cli import tables
from cli.tables import FIXED, ID, NAME, Column, fitted, table_text, unpadded

COLUMNS = [ID, Column("date", FIXED), Column("journal", NAME), Column("title or text"),
           Column("mood", FIXED), Column("tags")]  # fmt: skip
WORDS = ["sleep", "work", "Überstunden", "睡眠不足", "🙂 ok", "a", "river-walk", "x" * 30,
         "tab\there", "zero\u200bwidth", "bell\x07", "  padded  ", "", "naïve café"]  # fmt: skip
JOURNALS = ["Personal", "ana/Personal", "margaret-oconnell/Personal (mood, tags) for drsmith",
            "ben/Work", "日記"]  # fmt: skip


def rows(count: int, seed: int) -> list[tuple[str, ...]]:
    draw = random.Random(seed)
    found = []
    for index in range(count):
        title = " ".join(draw.choice(WORDS) for _ in range(draw.choice([0, 1, 3, 8, 20])))
        found.append((
            f"{index:012x}", "2026-12-03 10:00", draw.choice(JOURNALS),
            title if draw.random() < 0.9 else f"{title}\nsecond line",
            draw.choice(["", "3/10", "10/10"]),
            ", ".join(draw.sample(WORDS[:8], draw.randint(0, 3))),
        ))  # fmt: skip
    return found


def rich_alone(table: object, width: int, terminal: bool) -> str:
    """What printing the table with rich gave before NU31 #10, without the spaces rich pads
    each line with (NU48 #8)."""
    out = io.StringIO()
    Console(file=out, width=width, soft_wrap=False, force_terminal=terminal).print(table)
    return unpadded(out.getvalue())


@pytest.mark.parametrize("width", [40, 80, 120, 250])
@pytest.mark.parametrize("terminal", [False, True])
def test_a_long_table_prints_as_rich_printed_it(width: int, terminal: bool) -> None:
    table = fitted(COLUMNS, rows(tables.QUICK_FROM + 150, seed=width), width=width)
    console = Console(file=io.StringIO(), width=width, soft_wrap=False, force_terminal=terminal)
    assert table_text(table, console) == rich_alone(table, width, terminal)


def test_the_quick_layout_is_taken_for_plain_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows that fit their columns on one line are laid out without rich (a few rows are
    rendered by rich: the header's sample, and those that wrap)."""
    plain = [
        (f"{i:012x}", "2026-12-03 10:00", "Daylio", f"Entry {i}. A walk by the river…",
         "8/10", "work")
        for i in range(tables.QUICK_FROM + 400)
    ]  # fmt: skip
    plain[7] = (*plain[7][:3], "a long title " * 20, *plain[7][4:])
    table = fitted(COLUMNS, plain, width=100)
    rendered: list[int] = []
    real = tables._rich_text

    def counted(table: object, console: Console) -> str:
        rendered.append(1)
        return real(table, console)  # type: ignore[arg-type]

    monkeypatch.setattr(tables, "_rich_text", counted)
    console = Console(file=io.StringIO(), width=100, soft_wrap=False)
    text = table_text(table, console)
    assert len(rendered) == 2  # the header with its sample row, and the row that wraps
    monkeypatch.setattr(tables, "_rich_text", real)
    assert text == rich_alone(table, 100, False)
