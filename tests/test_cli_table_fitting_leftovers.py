"""Table fitting (cli/tables.py): a closing mark of short words in a bending column stays
whole (`tj shares`' flags "no" above "(a copy)", never "(a" above "copy)"), and a table of
more than QUICK_FROM rows is balanced as a short one (its first column widened into the
texts' cells when that takes fewer lines), weighed on its widest rows."""

from __future__ import annotations

import pytest
from rich.console import Console

from cli.tables import FIXED, NAME, QUICK_FROM, Column, fitted, table_text

SHARES = [  # as `tj shares` lays them out (cli/sharing.py shares_table)
    Column("journal", NAME),
    Column("member", NAME),
    Column("role", FIXED),
    Column("sees"),
    Column("expires", NAME, bends=True),
    Column("flags", NAME, bends=True),
]
COPY = (
    "Personal (mood, tags, scores) for drsmith",
    "drsmith",
    "read",
    "mood, tags and scores of each entry (a copy kept for drsmith) and more words to wrap",
    "2027-03-01",
    "no (a copy)",
)
LONG = (  # a copy of a long journal's name: 9 lines of 14 cells before it was widened
    "A very long journal name about my relationship with my mother and sisters (mood, tags) "
    "for drlee",
    "drlee",
    "read",
    "mood and tags dated from 2026-12-06 02:00 (a copy kept for drlee)",
    "never",
    "no (a copy)",
)


@pytest.mark.parametrize("width", range(56, 101, 4))
def test_the_flags_a_copy_is_never_broken_inside_its_parentheses(width: int) -> None:
    table = fitted(SHARES, [COPY] * 3, width=width)
    text = table_text(table, Console(width=width))
    lines = text.splitlines()
    assert any("(a copy)" in line for line in lines), text
    assert not any(line.rstrip().endswith("(a") for line in lines), text
    assert not any(line.lstrip().startswith("copy)") for line in lines), text


@pytest.mark.parametrize("rows", [QUICK_FROM + 1, 4 * QUICK_FROM])
def test_a_table_of_many_rows_is_balanced_as_a_short_one(rows: int) -> None:
    short = fitted(SHARES, [LONG] * 3, width=80)
    many = fitted(SHARES, [LONG] * rows, width=80)
    assert many.widths == short.widths
    # a mix: laid out as the table of QUICK_FROM rows of the same kinds (its widest rows)
    mixed = fitted(SHARES, [COPY] * (rows - 3) + [LONG] * 3, width=80)
    assert mixed.widths == fitted(SHARES, [COPY] * (QUICK_FROM - 3) + [LONG] * 3, width=80).widths
