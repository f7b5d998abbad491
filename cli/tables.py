"""Tables that fit the terminal without cutting a name short.

Every list command builds its table here from column kinds and plain-text rows (cells are
`rich.text.Text`, so nothing a user wrote is read as markup):

- FIXED columns (ids, dates, numbers) keep their width and never wrap;
- NAME columns (journals, clients, therapists) get their longest value's width whenever the
  terminal allows, else share what is left and break after a "/" or at a space
  ("margaret-oconnell/" then "Personal"), folding only a part longer than the column: a
  name may take two lines but is never cut to "ana/Perso…", which could be any of thirty
  clients;
- TEXT columns (titles, notes, summaries) take the rest and wrap. A text keeps at least
  WHOLE_WORDS cells (or its whole length) beside long names: a name is broken between its
  parts first ("drsmith" then "(therapist)"), whole and still unambiguous, and the cells its
  broken lines leave unused go to the text (NU23 C4: a note wrapped to 9 cells beside
  "drsmith (therapist)"); only when the names' parts do not leave it that much is a text
  narrower (the widest they leave, not below MIN_TEXT before a name is folded), and never
  just its longest word's width.

The width is the terminal's (or `COLUMNS`, 80 when neither is known), as rich measures it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.terminal import shown

FIXED, NAME, TEXT = "fixed", "name", "text"
GAP = 2  # between two columns: one space of padding and the rule's one-space separator
WHOLE_WORDS = 16  # text keeps this many cells (or its whole length) when the names allow it
MIN_TEXT = 8  # else a text column is not squeezed below this (or below its whole length)
MIN_NAME = 10  # nor a name whose words do not all fit


@dataclass(frozen=True)
class Column:
    """One column: its header and its kind (FIXED, NAME or TEXT)."""

    header: str
    kind: str = TEXT


ID = Column("id", FIXED)  # output.short_id
DATE = Column("date", FIXED)  # output.local_time


QUICK_FROM = 100
"""A fitted table of more rows than this is printed by `table_text`'s quick path (NU31 #10:
rich took about 1 ms a row, 10 s for `tj list --all` of 9,000 entries)."""


class FittedTable(Table):
    """A table made by `fitted`: a rich Table that also keeps its columns, the text of its
    cells as shown (names broken, `shown` applied) and its columns' widths, for
    `table_text`."""

    def __init__(
        self,
        columns: Sequence[Column],
        cells: list[list[str]],
        widths: list[int | None],
        title: str | None,
        show_header: bool = True,
    ) -> None:
        super().__init__(
            *(c.header for c in columns),
            title=title,
            box=box.SIMPLE_HEAD,
            padding=(0, 1, 0, 0),
            pad_edge=False,
            show_edge=False,
            show_header=show_header,
        )
        self.kinds = list(columns)
        self.cells = cells
        self.widths = widths
        self.heading = title
        for column, kind, chosen in zip(self.columns, columns, widths, strict=True):
            column.overflow = "fold"
            column.width = chosen
            column.no_wrap = chosen is not None and kind.kind == FIXED
        for row in cells:
            self.add_row(*(Text(cell) for cell in row))


def fitted(
    columns: Sequence[Column],
    rows: Iterable[Sequence[str]],
    *,
    title: str | None = None,
    width: int | None = None,
) -> FittedTable:
    """A table of `rows` (one plain string a column) whose column widths fit `width`
    (default: the terminal's), giving names their full width before text gets any."""
    cells = [list(row) for row in rows]
    total = Console(file=sys.stdout).width if width is None else width
    widths = _widths(columns, cells, total)
    shown_cells = [
        [
            shown(_break_name(cell, size) if kind.kind == NAME and size else cell)
            for cell, kind, size in zip(row, columns, widths, strict=True)
        ]
        for row in cells
    ]
    return FittedTable(columns, shown_cells, widths, title)


def table_text(table: Table, console: Console) -> str:
    """What `console.print(table)` prints, the same to the character, made quicker for a
    long fitted table (NU31 #10): every column's width is fixed there, so each row's lines
    depend on that row alone; a row whose every cell fits its column on one line is laid
    out here (each cell padded to its column's width, as rich pads it), any other row by
    rich alone. The quick layout is used only when it gives, for a sample row, the very
    line rich gives; else rich prints the whole table."""
    if (
        not isinstance(table, FittedTable)
        or len(table.cells) <= QUICK_FROM
        or table.row_count != len(table.cells)  # rows added since: rich knows them all
        or None in table.widths
        or table.heading is not None
    ):
        return _rich_text(table, console)
    widths = [w or 0 for w in table.widths]
    sample = next((row for row in table.cells[:QUICK_FROM] if _quick(row, widths)), None)
    if sample is None:
        return _rich_text(table, console)
    head = _rich_text(FittedTable(table.kinds, [sample], table.widths, None), console)
    lines = head.splitlines(keepends=True)
    if not lines or lines[-1] != _quick_line(sample, widths) + "\n":
        return _rich_text(table, console)
    out = lines[:-1]
    for row in table.cells:
        if _quick(row, widths):
            out.append(_quick_line(row, widths) + "\n")
        else:
            alone = FittedTable(table.kinds, [row], table.widths, None, show_header=False)
            out.append(_rich_text(alone, console))
    return "".join(out)


def _rich_text(table: Table, console: Console) -> str:
    with console.capture() as capture:
        console.print(table)
    return capture.get()


def _quick(row: Sequence[str], widths: Sequence[int]) -> bool:
    """Whether rich would print each cell of `row` on one line as it is: printable, no
    space at either end, no wider than its column."""
    return all(
        cell.isprintable() and cell == cell.strip() and cell_len(cell) <= width
        for cell, width in zip(row, widths, strict=True)
    )


def _quick_line(row: Sequence[str], widths: Sequence[int]) -> str:
    """A row as rich lays out a `fitted` table's row that fits on one line: each cell
    padded to its column's width, GAP cells between columns."""
    return (" " * GAP).join(
        cell + " " * (width - cell_len(cell)) for cell, width in zip(row, widths, strict=True)
    )


def _parts(name: str) -> list[str]:
    """Where a name may break: after each "/" and at spaces ("ana/", "Personal"); never
    inside a username ("margaret-oconnell" stays whole), nor inside parentheses: the fields
    of a copy's name ("ben/", "Personal", "(mood, tags, scores)", "for", "drsmith") stay on
    one line (NU25 C3: they went one word a line, seven lines an entry at 80 columns)."""
    parts: list[str] = []
    depth = 0  # parentheses open before this part
    for part in re.split(r"(?<=/)|\s+", name):
        if not part:
            continue
        if depth > 0 and parts:  # joined as _break_name joins: nothing after a "/"
            parts[-1] += ("" if parts[-1].endswith("/") else " ") + part
        else:
            parts.append(part)
        depth = max(0, depth + part.count("(") - part.count(")"))
    if depth > 0:  # a "(" never closed: no group to keep
        return [part for part in re.split(r"(?<=/)|\s+", name) if part]
    return parts


def _break_name(name: str, width: int) -> str:
    """`name` on lines of at most `width` cells, broken between its parts (rich folds a
    part that is longer still)."""
    lines: list[str] = []
    for part in _parts(name):
        joined = lines[-1] + ("" if lines[-1].endswith("/") else " ") + part if lines else part
        if lines and len(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(part)
    return "\n".join(lines)


def _widths(columns: Sequence[Column], rows: list[list[str]], total: int) -> list[int | None]:
    """Each column's width, or all None (rich decides) when even the fixed ones do not fit."""
    heads = [max((len(w) for w in c.header.split()), default=0) for c in columns]
    words = [
        max([heads[i], *(len(part) for row in rows for part in _parts(row[i]))])
        for i in range(len(columns))
    ]
    whole = [
        max(
            [words[i], *(len(line) for row in rows for line in row[i].splitlines())]
            + ([len(c.header)] if c.kind == FIXED else [])  # a fixed column's header whole
        )
        for i, c in enumerate(columns)
    ]
    room = total - GAP * (len(columns) - 1)
    kinds = [c.kind for c in columns]
    names = [i for i, k in enumerate(kinds) if k == NAME]
    texts = [i for i, k in enumerate(kinds) if k == TEXT]
    fixed = sum(whole[i] for i, k in enumerate(kinds) if k == FIXED)
    # names whole, else broken between parts, before text goes below WHOLE_WORDS (NU23 C4);
    # then the widest text the names' parts leave, down to MIN_TEXT; folded last
    whole_names = {i: whole[i] for i in names}
    name_parts = {i: min(whole[i], words[i]) for i in names}
    for name_floor, text_floor in (
        (whole_names, WHOLE_WORDS),
        *((name_parts, cells) for cells in range(WHOLE_WORDS, MIN_TEXT - 1, -1)),
        (name_parts, 4),
        ({i: min(whole[i], MIN_NAME) for i in names}, 4),
    ):
        # never just its longest word: short words beside a long name went one a line (NU21 C13)
        text_floors = {i: max(heads[i], min(whole[i], text_floor)) for i in texts}
        name_room = room - fixed - sum(text_floors.values())
        if sum(name_floor.values()) <= name_room:
            break
    else:
        return [None] * len(columns)
    widths: list[int | None] = list(whole)
    _share(widths, name_floor, whole, name_room)
    for i in names:  # a broken name takes only its widest line: the rest goes to the text
        size = widths[i]
        if size is not None and size < whole[i]:
            lines = [x for row in rows for x in _break_name(row[i], size).splitlines()]
            widths[i] = max([heads[i], name_floor[i], *(min(len(x), size) for x in lines)])
    _share(widths, text_floors, whole, room - fixed - sum(widths[i] or 0 for i in names))
    return widths


def _share(widths: list[int | None], floors: dict[int, int], wanted: list[int], room: int) -> None:
    """Give the columns of `floors` at most `room` cells: as wanted when it fits, else the
    widest are narrowed first, none below its floor."""
    sizes = {i: wanted[i] for i in floors}
    while sum(sizes.values()) > room:
        widest = max(sizes, key=lambda i: (sizes[i] - floors[i], -i))
        if sizes[widest] <= floors[widest]:
            break
        sizes[widest] -= 1
    for i, size in sizes.items():
        widths[i] = size
