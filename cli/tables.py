"""Tables that fit the terminal without cutting a name short.

Every list command builds its table here from column kinds and plain-text rows (cells are
`rich.text.Text`, so nothing a user wrote is read as markup):

- FIXED columns (ids, dates, numbers) keep their width and never wrap;
- NAME columns (journals, clients, therapists) get their longest value's width whenever the
  terminal allows, else share what is left and break after a "/" or at a space
  ("margaret-oconnell/" then "Personal"), folding only a part longer than the column: a
  name may take two lines but is never cut to "ana/Perso…", which could be any of thirty
  clients;
- TEXT columns (titles, notes, summaries) take the rest and wrap, or, in a listing
  (`Column.cut`: `tj list`, `tj trash`, `tj search`...), stay on one line cut with "…"
  at the column's width (NU34 #9: the entry is read whole with `tj show`). A text keeps at
  least WHOLE_WORDS cells (or its whole length) beside long names, a listing's cut text too
  (NU36 #3: a title cut to 14), a `Column.minor` one (tags) MIN_TEXT: a name is broken between its parts first
  ("drsmith" then "(therapist)"), whole and still unambiguous, and the cells its broken
  lines leave unused go to the text (NU23 C4: a note wrapped to 9 cells beside "drsmith
  (therapist)"). A name beside the texts takes at most NAME_LINES lines, else its column
  leaves the table as below (NU36 #3: a 63-character journal over 5 to 7 lines of 12 cells
  in a client's `tj list`).

A date with its time ("2026-12-04 00:20") or "(end of day)" is never split, in a name or a
text (GLUED, NU36 #7).

A name is not given more room than the texts beside it need (NU35 leftover #1: at 120
columns a 71-character "client/journal" left a therapist's `tj list` 13 columns of title):
when names and texts cannot both be whole, the texts get at least half of what they share
(TEXT_SHARE), or their whole length when less, and the names break between their parts to
make room ("christopher_okonkwo-adeyemi.jr/" above "Sleep and nightmares diary of the"), each
row keeping its client's name beside it; a row whose name cannot break only after its "/"
does not keep the others from it (NU36 #9), nor does a closing mark in parentheses ("maya/
Personal (mood, tags) for drlee" above "(no longer served)": NU46 #8). Names that need more
than NAME_LINES lines even with the texts' half given to them leave the table instead.

A broken name takes the cells the table leaves unused, or those another name gives by
breaking instead, when the rows or the names then take fewer lines (`_fewer_name_lines`,
NU46 #9: "maya" above "(?)" in a caseload 78 cells wide at 80 columns).

A `Column.bends` name of short words (the goal list's status, `tj shares`' "expires" and
"flags") breaks between them ("due" above "2027-03-01") when that puts the rows and their
texts on fewer lines (`_height`), and a listing's cut texts trade cells when that cuts fewer
of them (`_whole_cuts`: a tag list "work, stre…" on every row beside a title column cut
anyway) (NU42 #11).

The first column is the row's key: when it breaks over lines (a journal's name after its
"/"), its later lines are indented (CONTINUED) so that none reads as a new row (NU35
leftover #3: "nightmares diary of the winter" at column 0 under its row). A part of it wider
than 1/KEY_SHARE of the terminal (a journal's 100-character name of one word) is folded at
the column's width, its later lines indented too, rather than leaving the table to rich's
layout (no indent) or pushing every id out of it (NU37 #3, #7).

When that does not fit (a 31-character username at 80 columns: NU35 #1-#3, where a note
shrank to 4 cells and names were split inside a word), a name is never folded inside a part
nor a text squeezed, nor an id or a date cut: columns are moved out of the table instead,
each row's cells of them on lines of their own below the row ("  by: dr-eleanor-vandenberghe-
hartley (therapist)"), whole, wrapped at spaces to the terminal's width. The moved columns
are names and fixed cells, never the first column (the row's key) nor a text, the widest
(a name by its longest part) first, a `Column.minor` one before them (the goal list's
journal: a goal's title and progress are what is read), until the rest fits. Only a
terminal too narrow even then gets its headers broken between their words, and then rich's
own layout.

No column is narrower than its header, which is never broken over lines ("title" above "or
text": NU34 #9). Every table of the CLI is made here, in one style: no box, the headers,
then a rule under them (rich's SIMPLE_HEAD). A cell is a plain string, made safe here
(`shown`), or a `rich.text.Text` the caller made safe (styled: `tj search`'s matches).

The width is the terminal's (or `COLUMNS`, 80 when neither is known), as rich measures it.
"""

from __future__ import annotations

import itertools
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from cli.terminal import shown, ticked
from client_sdk.graphemes import graphemes

FIXED, NAME, TEXT = "fixed", "name", "text"
GAP = 2  # between two columns: one space of padding and the rule's one-space separator
WHOLE_WORDS = 16  # text keeps this many cells (or its whole length) when the names allow it
NAME_LINES = 3  # a name beside the row's texts takes at most this many lines, else moves below
MIN_TEXT = 8  # a `Column.minor` text (a listing's tags) is not squeezed below this
TEXT_SHARE = 2  # texts keep 1/TEXT_SHARE of the room they share with names, or their length
CONTINUED = "  "  # the indent of the first column's later lines (NU35 leftover #3)
KEY_SHARE = 2  # a first column's name folds a part wider than 1/KEY_SHARE of the terminal
DEEPER = "  "  # the later lines of an item a `Column.keeps` column breaks at its spaces


@dataclass(frozen=True)
class Column:
    """One column: its header and its kind (FIXED, NAME or TEXT)."""

    header: str
    kind: str = TEXT
    cut: bool = False
    """A TEXT column of a listing: each cell on one line, cut with "…" at the column's width
    instead of wrapped (its whole text is what `tj show` and `--json` give)."""
    items: str = ""
    """A NAME column whose cells are items joined by this separator ("; ": the caseload's
    flags; ", ": its scores): broken only after a separator, each item kept whole as a name
    is ("PHQ-9 item 9 above 0" never split)."""
    minor: bool = False
    """A NAME or FIXED column read least: when columns must leave the table (`_movable`), it
    goes below the rows before the others (the goal list's journal, before the progress). A
    TEXT column read least (`tj list`'s tags beside the title): kept MIN_TEXT cells, not
    WHOLE_WORDS, so that a date stays in the table at 80 columns."""
    bends: bool = False
    """A NAME column of short words (the goal list's status "due 2027-03-01", `tj shares`'
    "no (a copy)") that breaks between its parts ("due" above "2027-03-01") whenever a text
    beside it would wrap, its cells going to the text (NU42 #11: "Walk three times a" above
    "week" beside a 14-cell status); a closing mark in parentheses stays whole ("no" above
    "(a copy)", never "(a" above "copy)")."""
    keeps: bool = False
    """A column of `items` (the caseload's flags) that keeps its place whatever its cells
    say: an item wider than the column goes on at a space, its later lines DEEPER than the
    item (`_break_name`), so no item's length moves the column below the rows; it leaves
    the table only after every other column that can (nu85 F4: one client's long flags
    moved every row's flags below it)."""


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
        styled: list[list[Text | None]] | None = None,
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
        self.below: list[list[str]] = []
        """Per row, the lines below it that hold its moved cells (`fitted`: a column that
        does not fit beside the others, e.g. a long username at 80 columns); [] for none."""
        self.cells = cells
        self.widths = widths
        self.heading = title
        self.styled = styled
        """Per cell, the styled Text shown instead of its plain text (None: plain); None for
        a table of plain cells only (`table_text` lays out only those quickly)."""
        for column, kind, chosen in zip(self.columns, columns, widths, strict=True):
            # cut to `chosen` (its cells are: `_shown_cell`), unless its header is wider (a
            # terminal too narrow for whole headers: `_widths`), which then wraps
            cut = kind.cut and kind.kind == TEXT and (chosen or 0) >= len(kind.header)
            column.overflow = "ellipsis" if cut else "fold"
            column.width = chosen
            column.no_wrap = cut or (chosen is not None and kind.kind == FIXED)
        for index, row in enumerate(cells):
            marked: list[Text | None] = styled[index] if styled else [None] * len(row)
            self.add_row(
                *(Text(c) if mark is None else mark for c, mark in zip(row, marked, strict=True))
            )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """As a rich Table; with moved cells (`below`), each row then the lines below it:
        the headers and the rule (a table of no rows), then each row alone, its columns at
        the same fixed widths, then its lines."""
        if not self.below:
            yield from super().__rich_console__(console, options)
            return
        yield FittedTable(self.kinds, [], self.widths, self.heading)
        for index, row in enumerate(self.cells):
            marked = [self.styled[index]] if self.styled else None
            yield FittedTable(self.kinds, [row], self.widths, None, False, marked)
            for line in self.below[index]:
                yield Text(line, no_wrap=True, overflow="ignore")


def fitted(
    columns: Sequence[Column],
    rows: Iterable[Sequence[str | Text]],
    *,
    title: str | None = None,
    width: int | None = None,
) -> FittedTable:
    """A table of `rows` (a plain string, or a styled Text made safe by the caller, a column)
    whose column widths fit `width` (default: the terminal's), giving names their full
    width before text gets any; the text of a `Column.cut` column on one line, cut with
    "…" to its width. A command span in a cell (`cli.terminal.command`) is in backticks
    before the cell is laid out (`ticked`): a cell breaks it as any other words."""
    given = [list(row) for row in rows]
    cells = [
        [
            ticked(_one_line(_plain(cell)) if kind.cut else _plain(cell))
            for cell, kind in zip(row, columns, strict=True)
        ]
        for row in given
    ]
    total = Console(file=sys.stdout).width if width is None else width
    widths, moved, indent = _widths(columns, cells, total)
    if moved:  # each row's moved cells on lines of their own below it (NU35 #1, #2, #3)
        kept = [i for i in range(len(columns)) if i not in moved]
        below = [
            _below_lines([(columns[i], _plain(row[i])) for i in sorted(moved)], total)
            for row in given
        ]
        columns = [columns[i] for i in kept]
        given = [[row[i] for i in kept] for row in given]
        cells = [[row[i] for i in kept] for row in cells]
        widths = [widths[i] for i in kept]
    shown_cells = [
        [
            _shown_cell(cell, kind, size, indent if index == 0 else "")
            for index, (cell, kind, size) in enumerate(zip(row, columns, widths, strict=True))
        ]
        for row in cells
    ]
    styled = None
    if any(isinstance(cell, Text) for row in given for cell in row):
        styled = [
            [
                _styled_cell(cell, kind, size) if isinstance(cell, Text) else None
                for cell, kind, size in zip(row, columns, widths, strict=True)
            ]
            for row in given
        ]
    table = FittedTable(columns, shown_cells, widths, title, styled=styled)
    if moved:
        table.below = below
    return table


BELOW = "  "
"""The indent of a row's moved cells, each on lines of its own below the row: "  by:
dr-eleanor-vandenberghe-hartley (therapist)"."""


def _below_lines(cells: Sequence[tuple[Column, str]], width: int) -> list[str]:
    """A row's moved cells ("header: cell", made safe), each on lines of at most `width`
    cells: broken between a name's parts or a column's items (`_parts`: a flag whole), else
    at spaces, a part longer than a line folded (a 64-character username at a 40-column
    terminal); never cut."""
    lines: list[str] = []
    for column, cell in cells:
        text = " ".join(shown(cell, multiline=False).split())
        if not text:
            continue
        parts = _parts(text, column.items) if column.kind == NAME else _words(text)
        if column.header:
            parts.insert(0, f"{column.header}:")
        line = BELOW
        for word in parts:
            glue = "" if line == BELOW or line.endswith("/") else " "
            joined = line + glue + word
            if cell_len(joined) <= width or line == BELOW:
                line = joined
            else:
                lines.append(line)
                line = BELOW + "  " + word
            while cell_len(line) > width > len(FOLDED) + 3:  # fold what no line holds
                head = _head(line, width)
                start = len(line) - len(line.lstrip(" "))  # after the line's own indent
                space = head.rfind(" ", start)
                if line[len(head) : len(head) + 1] != " " and space > start:
                    head = line[:space]  # at a space where one is on the line (NU58)
                lines.append(head.rstrip(" "))
                line = FOLDED + line[len(head) :].lstrip(" ")
        lines.append(line)
    return lines


FOLDED = BELOW + "    "
"""The indent of the later lines of a moved part (`_below_lines`) longer than a line: deeper
than a part's own ("    no longer served: ana/A very long journal name about my" above
"      mother and sisters"), so that none reads as a part of its own (NU58: one space
deeper read as a slip)."""


def _plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _one_line(text: str) -> str:
    """A listing's cell on one line: its runs of white space as one space."""
    return " ".join(text.split())


def _shown_cell(cell: str, kind: Column, size: int | None, indent: str = "") -> str:
    """A plain cell as the table shows it: a name broken between its parts, a listing's text
    cut to its column, then made safe for the terminal (`shown`). `indent` (the first
    column's, the row's key: CONTINUED) starts a name's or a text's later lines: none reads
    as a new row."""
    if kind.kind == NAME and size:
        return shown(_break_name(cell, size, kind.items, indent, keeps=kind.keeps))
    if kind.cut and kind.kind == TEXT and size:
        return cut_to(shown(cell, multiline=False), size)
    if kind.kind == TEXT and size and (indent or GLUED.search(cell)):
        return shown(_wrap_text(cell, size, indent))  # a date never split (NU36 #7)
    return shown(cell)


def _wrap_text(text: str, width: int, indent: str) -> str:
    """A text on lines of at most `width` cells, broken at spaces, every line but the first
    starting with `indent` (a word longer than a line is left to rich, which folds it)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line: str | None = None
        for word in _words(paragraph):
            if line is None:
                line = word if not lines else indent + word
            elif cell_len(f"{line} {word}") <= width:
                line = f"{line} {word}"
            else:
                lines.append(line)
                line = indent + word
        lines.append(line or "")
    return "\n".join(lines)


def _styled_cell(cell: Text, kind: Column, size: int | None) -> Text:
    """A styled cell as the table shows it: a listing's on one line, cut to its column; a
    text that wraps, folded here between grapheme clusters where a word is longer than its
    column (`_folded`)."""
    if kind.kind == TEXT and not kind.cut and size:
        return _folded(cell, size)
    if not (kind.cut and kind.kind == TEXT):
        return cell
    one = Text(" ").join(cell.split("\n")) if "\n" in cell.plain else cell.copy()
    if size is not None and cell_len(one.plain) > size:  # cut as `cut_to` cuts a plain one
        one = one[: len(cut_to(one.plain, size)) - len(ELLIPSIS)]
        one.append(ELLIPSIS)
    return one


def _folded(cell: Text, width: int) -> Text:
    """`cell` on lines of at most `width` cells, broken at spaces, a word longer than a line
    broken between grapheme clusters (`_head`): rich folds such a word by code points, which
    splits a flag's two regional indicators and shows other flags. A cell whose
    every word fits a line is left to rich's wrapping, as it was."""
    plain = cell.plain
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", plain)]
    if "\n" in plain or all(cell_len(plain[a:b]) <= width for a, b in words):
        return cell
    lines: list[tuple[int, int]] = []
    start = end = -1
    for a, b in words:
        if start < 0:
            start, end = a, b
        elif cell_len(plain[start:b]) <= width:
            end = b
        else:
            lines.append((start, end))
            start, end = a, b
        while cell_len(plain[start:end]) > width:  # a word no line holds: whole clusters
            head = _head(plain[start:end], width) or graphemes(plain[start:end])[0]
            lines.append((start, start + len(head)))
            start += len(head)
    if start >= 0:
        lines.append((start, end))
    return Text("\n").join(cell[a:b] for a, b in lines)


def _head(text: str, width: int) -> str:
    """The start of `text` that fills at most `width` cells (a wide character, or a
    `graphemes` cluster, never halved)."""
    used = at = 0
    for cluster in graphemes(text):
        used += cell_len(cluster)
        if used > width:
            return text[:at]
        at += len(cluster)
    return text


ELLIPSIS = "…"


def cut_to(text: str, width: int) -> str:
    """`text` (one line) in at most `width` cells: whole when it fits, else its start and
    "…" (a wide character, or a `graphemes` cluster, never halved)."""
    if cell_len(text) <= width:
        return text
    kept, used = [], 0
    for cluster in graphemes(text):
        size = cell_len(cluster)
        if used + size > width - 1:
            break
        kept.append(cluster)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


def table_text(table: Table, console: Console) -> str:
    """What `console.print(table)` prints (`_laid_out`), each line without the spaces rich
    pads it with to the table's width (NU48 #8: every line of `tj list` ended in spaces up
    to the terminal's width)."""
    return unpadded(_laid_out(table, console))


def unpadded(text: str) -> str:
    """`text`'s lines without the spaces at their end."""
    return "".join(line.rstrip(" ") + "\n" for line in text.splitlines())


def _laid_out(table: Table, console: Console) -> str:
    """What `console.print(table)` prints, the same to the character, made quicker for a
    long fitted table: every column's width is fixed there, so each row's lines
    depend on that row alone; a row whose every cell fits its column on one line is laid
    out here (each cell padded to its column's width, as rich pads it), any other row by
    rich alone. The quick layout is used only when it gives, for a sample row, the very
    line rich gives; else rich prints the whole table."""
    if (
        not isinstance(table, FittedTable)
        or table.styled is not None  # styles only rich lays out
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
    for index, row in enumerate(table.cells):
        if _quick(row, widths):
            out.append(_quick_line(row, widths) + "\n")
        else:
            alone = FittedTable(table.kinds, [row], table.widths, None, show_header=False)
            out.append(_rich_text(alone, console))
        out.extend(line + "\n" for line in (table.below[index] if table.below else []))
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


GLUED = re.compile(
    r"\d{4}-\d{2}-\d{2}(?: \d{1,2}:\d{2}(?::\d{2})?)?(?: \((?:UTC[+-]\d{4}|end of day)\))?"
    r"|\(end of day\)"
)
"""What a name or a text never breaks inside: a date with its time ("2026-12-04 00:20", also
with its offset "(UTC+0100)") and "(end of day)" (NU36 #7: "ended 2026-12-04" above "00:20",
"(end" above "of day)")."""
GLUE = "\x00"  # a space inside a GLUED span while a name or a text is split at its spaces


def _glued(text: str) -> str:
    """`text` with the spaces inside each GLUED span made GLUE (none when it holds GLUE)."""
    if GLUE in text:
        return text
    return GLUED.sub(lambda found: found.group().replace(" ", GLUE), text)


def _words(text: str) -> list[str]:
    """`text` split at each space (as `str.split(" ")`), but never inside a GLUED span."""
    return [word.replace(GLUE, " ") for word in _glued(text).split(" ")]


def _longest_glued(text: str) -> int:
    """The cells of the longest GLUED span of `text`: a text column is no narrower."""
    return max((cell_len(found.group()) for found in GLUED.finditer(text)), default=0)


def _parts(name: str, items: str = "") -> list[str]:
    """Where a name may break: after each "/" and at spaces ("ana/", "Personal"); never
    inside a username ("margaret-oconnell" stays whole), nor inside parentheses: the fields
    of a copy's name ("ben/", "Personal", "(mood, tags, scores)", "for", "drsmith") stay on
    one line (not one word a line: seven lines an entry at 80 columns).
    `items` (a separator, `Column.items`): only after each, each item whole with it, its
    last space left out ("safety flag (1);"), never after one inside parentheses (the
    caseload's "GAD-7 18 (+1, retake)" stays on one line, never "(+1," above "retake)")."""
    if items:
        ends = items.rstrip()
        pieces = name.split(items)
        joined = [pieces[0]]
        for piece in pieces[1:]:
            if joined[-1].count("(") > joined[-1].count(")"):  # inside parentheses
                joined[-1] += items + piece
            else:
                joined.append(piece)
        return [p + ends for p in joined[:-1]] + joined[-1:]
    parts: list[str] = []
    depth = 0  # parentheses open before this part
    for glued in re.split(r"(?<=/)|\s+", _glued(name)):
        part = glued.replace(GLUE, " ")  # a date with its time: one part (NU36 #7)
        if not part:
            continue
        if depth > 0 and parts:  # joined as _break_name joins: nothing after a "/"
            parts[-1] += ("" if parts[-1].endswith("/") else " ") + part
        else:
            parts.append(part)
        depth = max(0, depth + part.count("(") - part.count(")"))
    if depth > 0:  # a "(" never closed: no group to keep
        found = re.split(r"(?<=/)|\s+", _glued(name))
        return [part.replace(GLUE, " ") for part in found if part]
    return parts


def _mark(name: str, items: str = "", parts: list[str] | None = None) -> str:
    """The closing mark of `name` that may break between its words: a last part in
    parentheses of several words, no comma and no digit in it, after another part ("ana/
    Personal (no longer served)", "(share ended)": counted as the name's lines, one such
    row would move the journal column out of `tj list` for every row); "" for none ("ana (?)", "kim (account
    1a2b3c4d)", a copy's "(mood, tags)", a column of items). `parts`: `_parts(name)`, when
    the caller has it already."""
    if items:
        return ""
    parts = _parts(name) if parts is None else parts
    last = parts[-1] if len(parts) > 1 else ""
    if not (last.startswith("(") and last.endswith(")") and " " in last):
        return ""
    return "" if re.search(r"[,\d]", last) else last


def _floor_parts(name: str, items: str = "", keeps: bool = False) -> list[str]:
    """`_parts`, a closing mark (`_mark`) as its words: what no line of the name is narrower
    than; for a `Column.keeps` column, each word DEEPER (an item breaks at its spaces)."""
    if keeps and items:
        return [DEEPER + word for word in name.split()]
    parts = _parts(name, items)
    mark = _mark(name, items, parts)
    return parts[:-1] + mark.split(" ") if mark else parts


def _break_name(
    name: str, width: int, items: str = "", indent: str = "", *, keeps: bool = False
) -> str:
    """`name` on lines of at most `width` cells, broken between its parts (rich folds a
    part that is longer still), after its "/" first when that takes no more lines (the
    client's name on a line of its own, the journal's below it), every line but the first
    starting with `indent` (the first column's: CONTINUED). A closing mark (`_mark`) goes on
    a line of its own below the name when the name does not fit one line with it but fits
    one alone ("ana/Personal" above "(share ended)", in `tj list` and `tj search` alike:
    never "ana/" above "Personal (share ended)"); one wider than `width` starts a line and
    breaks between its words ("(no longer" above "served)"). `keeps` (`Column.keeps`): an
    item wider than `width` goes on at its spaces, its later lines DEEPER (`_laid_deeper`)."""
    parts = _parts(name, items)
    if keeps and items:
        return "\n".join(_laid_deeper(parts, width, indent))
    mark = _mark(name, items, parts)
    if mark and cell_len(indent + mark) > width:
        head = _break_name(name[: len(name) - len(mark)].rstrip(), width, items, indent)
        said = _laid(mark.split(" "), width - len(indent), "")
        return "\n".join([head, *(indent + line for line in said)])
    lines = _laid(parts, width, indent)
    head = name[: len(name) - len(mark)].rstrip() if mark else ""
    if mark and len(lines) > 1 and cell_len(head) <= width:
        return f"{head}\n{indent}{mark}"  # the name whole, its mark below (NU56 #9)
    if not items and len(lines) > 1:
        slashed = _laid(parts, width, indent, after_slash=True)
        if len(slashed) <= len(lines):
            lines = slashed
    return "\n".join(lines)


def _laid(parts: Sequence[str], width: int, indent: str, after_slash: bool = False) -> list[str]:
    """`parts` joined on lines of at most `width` cells while they fit (a part longer than
    `width` alone on its line), every line but the first starting with `indent`; with
    `after_slash`, a new line after each part ending in "/"."""
    lines: list[str] = []
    for part in parts:
        if lines and not (after_slash and lines[-1].endswith("/")):
            joined = lines[-1] + ("" if lines[-1].endswith("/") else " ") + part
            if cell_len(joined) <= width:
                lines[-1] = joined
                continue
        lines.append(indent + part if lines else part)
        while width > len(indent) + 1 and cell_len(lines[-1]) > width:  # a part no line holds
            head = _head(lines[-1], width)  # folded, its later lines indented (NU37 #3)
            lines[-1:] = [head, indent + lines[-1][len(head) :]]
    return lines


def _laid_deeper(parts: Sequence[str], width: int, indent: str) -> list[str]:
    """`_laid` for a `Column.keeps` column: parts joined on lines of at most `width` cells
    while they fit; a part wider than `width` starts a line and goes on at its spaces, each
    later line DEEPER than the part, and the next part starts a line of its own (never
    read as the end of the one broken); at its ": " first where both sides fit (a flag's
    words after its colon kept together); a word wider than a line is left to `_laid`'s
    fold."""
    lines: list[str] = []
    broken = False  # the last line ends a part broken at its spaces
    for part in parts:
        start = indent if lines else ""
        if lines and not broken:
            joined = f"{lines[-1]} {part}"
            if cell_len(joined) <= width:
                lines[-1] = joined
                continue
        broken = cell_len(start + part) > width
        if not broken:
            lines.append(start + part)
            continue
        head, colon, tail = part.partition(": ")
        deeper = indent + DEEPER
        if colon and cell_len(start + head + ":") <= width >= cell_len(deeper + tail):
            lines += [f"{start}{head}:", deeper + tail]  # "PHQ-9 invalid result:" above
            continue  # "item 9 above 0;", never "item 9" above "above 0;"
        line = start
        for word in _grouped_words(part, width - len(deeper)):
            if line.strip() and cell_len(f"{line} {word}") > width:
                lines.append(line)
                line = indent + DEEPER + word
            else:
                line = f"{line} {word}" if line.strip() else line + word
        lines.append(line)
    return [x for line in lines for x in _laid([line], width, indent + DEEPER)]


def _grouped_words(text: str, width: int) -> list[str]:
    """The words of `text`, a group in parentheses as one word where it fits `width` cells
    ("share ends 2026-12-08" above "(end of day)", never "(end of" above "day)")."""
    words: list[str] = []
    depth = 0
    for word in text.split(" "):
        if depth > 0 and cell_len(f"{words[-1]} {word}") <= width:
            words[-1] += f" {word}"
        else:
            words.append(word)
        depth = max(0, depth + word.count("(") - word.count(")"))
    return words


def _lines_floor(name: str, *, marked: bool = False) -> int:
    """The least width at which `name` (not the first column's, not a column of items) takes
    at most NAME_LINES lines (`_break_name`), at least its longest part: a 63-character
    journal's name never goes over 5 to 7 lines of 12 cells beside a title cut to 14; a
    name needing more leaves the table, as the therapist's does.
    `marked`: the lines of its closing mark (`_mark`) count too (a table without texts)."""
    key = (name, marked)
    return _LINES_FLOORS.get(key) or _LINES_FLOORS.setdefault(key, _least_width(name, marked))


_LINES_FLOORS: dict[tuple[str, bool], int] = {}


def _least_width(name: str, marked: bool = False) -> int:
    """`_lines_floor`: beside texts, the lines of a closing mark (`_mark`) are not counted
    ("ana/Personal" above "(no longer" and "served)" is a name of one line, marked, that
    leaves the texts their room); in a table without texts (`marked`, `tj measure list`)
    they are, as nothing is gained by breaking it: "ana/Personal" above "(no longer
    served)", never "ana/", "Personal", "(no", "longer", "served)" on five lines."""
    low = max((cell_len(part) for part in _floor_parts(name)), default=0)
    high = max(low, cell_len(name))
    mark = "" if marked else _mark(name)
    counted = name[: len(name) - len(mark)].rstrip() if mark else name
    while low < high:  # fewer lines or as many at a wider column: a binary search
        middle = (low + high) // 2
        if _break_name(counted, middle).count("\n") < NAME_LINES:
            high = middle
        else:
            low = middle + 1
    return low


def _slash_floor(name: str, items: str, indent: str) -> int:
    """The width `name` needs to break only after its "/" and before a closing mark in
    parentheses ("(no longer served)", "(share ended)": not the journal's name; whole, at
    120 columns "Personal (mood, tags) for drlee (no longer served)" would take 52 cells
    beside titles cut to 19): its widest segment; for a name without a "/" (or a column of items),
    its widest part."""
    parts = _parts(name, items)
    segments = [] if items else _laid(parts, sys.maxsize, indent, after_slash=True)
    if len(segments) <= 1:
        segments = _laid(parts, 0, indent)
    elif len(parts) > 2 and parts[-1].startswith("(") and not parts[-2].endswith("/"):
        segments = _laid(parts[:-1], sys.maxsize, indent, after_slash=True) + [indent + parts[-1]]
    return max((cell_len(line) for line in segments), default=0)


def _widths(
    columns: Sequence[Column], rows: list[list[str]], total: int
) -> tuple[list[int | None], list[int], str]:
    """Each column's width, none narrower than its header, the columns moved
    below each row (`_fit`) and the indent of the first column's later lines (CONTINUED);
    on a terminal too narrow for that even with every movable column moved, the indent's
    cells taken from the texts' WHOLE_WORDS, then the first column's later lines not
    indented, then headers broken between their words (as before), else all None (rich
    decides) when even the fixed columns do not fit."""
    tries = [(CONTINUED, 0), (CONTINUED, len(CONTINUED)), ("", 0)]
    for heads in (
        [len(c.header) for c in columns],
        [max((len(w) for w in c.header.split()), default=0) for c in columns],
    ):
        for indent, give in tries if columns and columns[0].kind != FIXED else [("", 0)]:
            moved: list[int] = []
            movable = _movable(columns, rows, heads)
            while True:
                widths = _fit(columns, rows, total, heads, moved, indent, give)
                if widths is None and movable and not columns[movable[0]].minor:
                    # the minor columns gone, a keeping column breaks its long items at
                    # spaces before any other column leaves the table (`Column.keeps`)
                    widths = _fit(columns, rows, total, heads, moved, indent, give, loose=True)
                if widths is not None:
                    return widths, moved, indent
                if not movable:
                    break
                moved.append(movable.pop(0))
    return [None] * len(columns), [], ""


def _movable(columns: Sequence[Column], rows: list[list[str]], heads: list[int]) -> list[int]:
    """The columns `_fit` may move below each row, in the order it moves them: the names
    (NAME) and fixed cells (FIXED) of every column but the first (the row's key: an id, a
    client), the widest first (a name by its longest part, which it never breaks), the
    rightmost of two alike, a `Column.minor` one before all the others; never a
    text."""
    floors = {
        i: max(
            [heads[i]]
            + [
                cell_len(part) if c.kind == NAME else cell_len(line)
                for row in rows
                for line in row[i].splitlines()
                for part in (_floor_parts(line, c.items) if c.kind == NAME else [line])
            ]
            + [_lines_floor(row[i]) for row in rows if c.kind == NAME and not c.items]
        )
        for i, c in enumerate(columns)
        if i > 0 and c.kind in (NAME, FIXED)
    }
    return sorted(floors, key=lambda i: (not columns[i].minor, columns[i].keeps, -floors[i], -i))


def _fit(
    columns: Sequence[Column],
    rows: list[list[str]],
    total: int,
    heads: list[int],
    moved: Sequence[int] = (),
    indent: str = CONTINUED,
    give: int = 0,
    loose: bool = False,
) -> list[int | None] | None:
    """`_widths` with each column at least `heads` wide and the columns `moved` out of the
    table (width 0 here); None when the rest do not fit: a fixed cell whole, a name at
    least its longest part (never broken inside a word) and, but in the first column or a
    column of items, on at most NAME_LINES lines, a text at least WHOLE_WORDS cells or its
    whole length (a listing's cut text too) and its longest GLUED date. Names and texts
    that cannot all be whole: the texts keep 1/TEXT_SHARE of the room they share with the
    names (or their whole length), the names breaking between their parts for it, never
    below their longest part (with `loose`, a `Column.keeps` column's longest word). The
    first column's
    name needs `indent` more for each part after its first (`_shown_cell`), which a text
    that is read may `give` of its WHOLE_WORDS."""
    kept = [i for i in range(len(columns)) if i not in moved]
    words = [
        max(
            [
                heads[i],
                *(
                    cell_len(part) + (len(indent) if i == 0 and c.kind == NAME and n else 0)
                    for row in rows
                    for n, part in enumerate(
                        # a closing mark of short words whole: "no" above "(a copy)", never
                        # "(a" above "copy)"
                        _parts(row[i], c.items)
                        if c.bends
                        else _floor_parts(row[i], c.items, c.keeps and loose)
                    )
                ),
            ]
        )
        for i, c in enumerate(columns)
    ]
    if columns and columns[0].kind == NAME:  # the row's key folds a part this long (NU37 #3)
        words[0] = min(words[0], max(heads[0], total // KEY_SHARE))
    whole = [
        max(
            [words[i], *(cell_len(line) for row in rows for line in row[i].splitlines())]
            + ([len(c.header)] if c.kind == FIXED else [])  # a fixed column's header whole
        )
        for i, c in enumerate(columns)
    ]
    room = total - GAP * (len(kept) - 1)
    kinds = [c.kind for c in columns]
    names = [i for i in kept if kinds[i] == NAME]
    texts = [i for i in kept if kinds[i] == TEXT]
    cuts = [c.cut for c in columns]
    most_lines = {  # at most NAME_LINES lines beside the texts, else it moves (NU36 #3)
        i: max([0, *(_lines_floor(row[i], marked=not texts) for row in rows)])
        for i in names
        if i > 0 and not columns[i].items
    }
    fixed = sum(whole[i] for i in kept if kinds[i] == FIXED)
    # names whole, else broken between parts, before text goes below WHOLE_WORDS (NU23 C4);
    # a text (a listing's cut one too: NU36 #3) never goes below WHOLE_WORDS, nor a name
    # below its longest part, nor over more than NAME_LINES lines: a column is moved below
    # the rows instead (`_widths`)
    whole_names = {i: whole[i] for i in names}
    parted = {i: min(whole[i], words[i]) for i in names}
    name_parts = {i: min(whole[i], max(words[i], most_lines.get(i, 0))) for i in names}
    text_floors = {
        i: max(
            heads[i],
            min(whole[i], MIN_TEXT if columns[i].minor else WHOLE_WORDS - (0 if cuts[i] else give)),
            *(0 if cuts[i] else _longest_glued(row[i]) for row in rows),
        )
        for i in texts
    }
    name_room = room - fixed - sum(text_floors.values())
    for name_floor in (whole_names, name_parts):
        if sum(name_floor.values()) <= name_room:
            break
    else:
        return None
    shared = room - fixed  # what names and texts share
    text_whole = sum(whole[i] for i in texts)
    balanced = shared - min(text_whole, shared // TEXT_SHARE)
    squeezed = text_whole > shared // TEXT_SHARE
    if texts and squeezed and sum(name_parts.values()) > max(balanced, sum(parted.values())):
        return None  # not NAME_LINES lines without taking the texts' half: moved instead
    if texts and sum(whole_names.values()) > balanced:  # the names break to leave texts room
        # broken after a "/" only ("client/" above "journal") when the texts are cut or
        # wrapped anyway: a few of their cells buy it, never their whole length; a row whose
        # journal's name could not sit whole on its line anyway does not keep the others
        # from breaking after their "/" (NU36 #9)
        slashed = {
            i: min(
                whole[i],
                max(
                    [
                        name_parts[i],
                        *(
                            floor
                            for row in rows
                            if (floor := _slash_floor(row[i], columns[i].items, indent * (i == 0)))
                            <= name_room
                        ),
                    ]
                ),
            )
            for i in names
        }
        name_floor = slashed if squeezed and sum(slashed.values()) <= name_room else name_parts
        name_room = min(name_room, max(balanced, sum(name_floor.values())))
    widths: list[int | None] = [whole[i] if i in kept else 0 for i in range(len(columns))]
    _share(widths, name_floor, whole, name_room)
    for i in names:  # a broken name takes only its widest line: the rest goes to the text
        size = widths[i]
        if size is not None and size < whole[i]:
            lines = [
                x
                for row in rows
                for x in _break_name(
                    row[i], size, columns[i].items, indent * (i == 0), keeps=columns[i].keeps
                ).splitlines()
            ]
            widths[i] = max([heads[i], name_floor[i], *(min(cell_len(x), size) for x in lines)])
    _share(widths, text_floors, whole, room - fixed - sum(widths[i] or 0 for i in names))
    wrapped = any((widths[i] or 0) < whole[i] for i in texts if not cuts[i])
    bent = [i for i in names if i > 0 and columns[i].bends and (widths[i] or 0) > words[i]]
    if wrapped and bent:  # short words broken when a text then wraps less (NU42 #11)
        bending = list(widths)
        for i in bent:
            bending[i] = words[i]
        _share(bending, text_floors, whole, room - fixed - sum(bending[i] or 0 for i in names))
        if _height(columns, rows, bending) < _height(columns, rows, widths):
            widths = bending  # fewer lines, or as many with fewer of them a text's
    wrapping = {i: text_floors[i] for i in texts if not cuts[i]}
    _taller_key(columns, rows, widths, wrapping, whole, indent)
    _whole_cuts(widths, {i: text_floors[i] for i in texts if cuts[i]}, whole, rows)
    _fewer_name_lines(columns, rows, widths, name_floor, whole, room, indent)
    return widths


def _taller_key(
    columns: Sequence[Column],
    rows: list[list[str]],
    widths: list[int | None],
    floors: dict[int, int],
    whole: list[int],
    indent: str,
) -> None:
    """The first column's broken name (a journal's long name in `tj shares`) widened with
    cells of the wrapped texts beside it (`floors`: each text's least width) when its rows
    then take fewer lines (`_key_height`): its texts' half (TEXT_SHARE) is kept only while it
    does not make a name take more lines than the texts it leaves room for (never a
    journal's name over 9 lines of 14 cells beside a text of 3 lines). The narrowest width
    of the fewest lines wins. The lines are counted on at most QUICK_FROM rows
    (`_weighed_rows`: those of the widest names and of the longest texts), so that a long
    table is laid out as a short one of its widest rows, at a bounded cost."""
    if (
        not columns
        or columns[0].kind != NAME
        or not floors
        or widths[0] is None
        or widths[0] >= whole[0]
    ):
        return
    rows = _weighed_rows(rows, list(floors))
    start = list(widths)
    best, best_height = list(widths), _key_height(columns, rows, widths, indent)
    spare = sum((start[i] or 0) - floors[i] for i in floors)
    for more in range(1, min(spare, whole[0] - (start[0] or 0)) + 1):
        trying = list(start)
        trying[0] = (start[0] or 0) + more
        _share(
            trying,
            floors,
            [start[i] or 0 for i in range(len(start))],
            sum((start[i] or 0) for i in floors) - more,
        )
        height = _key_height(columns, rows, trying, indent)
        if height < best_height:
            best, best_height = trying, height
    widths[:] = best


def _weighed_rows(rows: list[list[str]], texts: Sequence[int]) -> list[list[str]]:
    """`rows` when they are at most QUICK_FROM, else QUICK_FROM of them, in their order:
    first those of the widest first cells (the names that break), then those of the
    longest texts in columns `texts` (the cells that wrap), half each (no row twice)."""
    if len(rows) <= QUICK_FROM:
        return rows
    half = QUICK_FROM // 2
    order = range(len(rows))
    keys = sorted(order, key=lambda n: -cell_len(rows[n][0]))[:half]
    taken = set(keys)
    longest = sorted(
        (n for n in order if n not in taken),
        key=lambda n: -max(cell_len(rows[n][i]) for i in texts),
    )
    return [rows[n] for n in sorted(taken | set(longest[: QUICK_FROM - len(taken)]))]


def _key_height(
    columns: Sequence[Column], rows: list[list[str]], widths: list[int | None], indent: str
) -> int:
    """The lines `rows` take at `widths`, each row as many as its tallest cell, the first
    column's later lines indented by `indent` (`_shown_cell`)."""
    total = 0
    for row in rows:
        tallest = 1
        for index, (cell, column, width) in enumerate(zip(row, columns, widths, strict=True)):
            if width:
                lines = _cell_lines(cell, column, width, indent if index == 0 else "")
                tallest = max(tallest, lines)
        total += tallest
    return total


NAME_CHOICES = 4096
"""The most ways of widening broken names `_fewer_name_lines` weighs (a caseload has three
name columns of a few widths each)."""


def _fewer_name_lines(
    columns: Sequence[Column],
    rows: list[list[str]],
    widths: list[int | None],
    floors: dict[int, int],
    whole: list[int],
    room: int,
    indent: str,
) -> None:
    """Broken names widened into the cells the table leaves unused, or into cells another
    name gives by breaking instead, when that puts the rows on fewer lines or the names
    (never "maya" above "(?)" in a 78-wide caseload at 80 columns, nor "maya/" above
    "Personal" in `tj measure list` where the change column's "-2," above "retake" would
    make room): each name at one of the widths its widest line takes at some width
    from its floor (`floors`) to its whole length, the texts' and fixed cells' widths kept.
    Nothing changes unless some rows or names take fewer lines."""
    names = [i for i in floors if widths[i]]
    spare = room - sum(w or 0 for w in widths)
    broken = [i for i in names if (widths[i] or 0) < whole[i]]
    if not broken or (spare <= 0 and len(names) < 2):
        return
    others = [i for i, w in enumerate(widths) if w and i not in floors]
    groups: dict[tuple[int, tuple[str, ...]], int] = {}  # rows alike, counted once
    for row in rows:
        lines = max([1, *(_cell_lines(row[i], columns[i], widths[i] or 0) for i in others)])
        key = (lines, tuple(row[i] for i in names))
        groups[key] = groups.get(key, 0) + 1
    choices: list[dict[int, list[int]]] = []  # per name: its widths, each row group's lines
    for n, i in enumerate(names):
        pad = indent * (i == 0)
        laid: dict[int, list[int]] = {}
        for width in range(floors[i], whole[i] + 1):
            broken_lines = {
                cell: _break_name(
                    cell, width, columns[i].items, pad, keeps=columns[i].keeps
                ).splitlines()
                for cell in {key[1][n] for key in groups}
            }
            widest = max(
                [len(columns[i].header), floors[i]]
                + [min(cell_len(x), width) for cell in broken_lines.values() for x in cell]
            )
            laid.setdefault(widest, [len(broken_lines[key[1][n]]) for key in groups])
        current = widths[i] or 0
        laid.setdefault(
            current, [_cell_lines(key[1][n], columns[i], current, pad) for key in groups]
        )
        choices.append(laid)
    budget = spare + sum(widths[i] or 0 for i in names)
    if math.prod(len(laid) for laid in choices) > NAME_CHOICES:
        return

    def score(chosen: Sequence[int]) -> tuple[int, int]:
        height = lines = 0
        for g, ((others_lines, _), times) in enumerate(groups.items()):
            each = [choices[n][w][g] for n, w in enumerate(chosen)]
            height += times * max([others_lines, *each])
            lines += times * sum(each)
        return height, lines

    now = [widths[i] or 0 for i in names]
    best, best_score = now, score(now)
    for chosen in itertools.product(*(sorted(laid) for laid in choices)):
        if sum(chosen) <= budget and (found := score(chosen)) < best_score:
            best, best_score = list(chosen), found
    for i, width in zip(names, best, strict=True):
        widths[i] = width


def _cell_lines(cell: str, column: Column, width: int, indent: str = "") -> int:
    """The lines `cell` takes in its column at `width` (`_height`'s count of a cell)."""
    if not width:
        return 0
    if column.kind == NAME:
        lines = _break_name(cell, width, column.items, indent, keeps=column.keeps).splitlines()
    elif column.kind == TEXT and not column.cut:
        lines = _wrap_text(cell, width, "").splitlines()
    else:
        lines = cell.splitlines()
    return sum(-(-max(cell_len(x), 1) // width) for x in lines)


def _height(
    columns: Sequence[Column], rows: list[list[str]], widths: list[int | None]
) -> tuple[int, int]:
    """The lines `rows` take at `widths` (each row as many as its tallest cell), then the
    lines of their texts: a name broken between its parts (`_break_name`), a text at its
    spaces (a word longer than its column folded), a cut text and a fixed cell as they
    are."""
    total = texts = 0
    for row in rows:
        tallest = 1
        for cell, column, width in zip(row, columns, widths, strict=True):
            if not width:
                continue
            count = _cell_lines(cell, column, width)
            tallest = max(tallest, count)
            texts += count if column.kind == TEXT else 0
        total += tallest
    return total, texts


def _whole_cuts(
    widths: list[int | None], floors: dict[int, int], whole: list[int], rows: list[list[str]]
) -> None:
    """Cut texts (`Column.cut`) widened with cells of another cut one when that cuts fewer
    cells (not tags "work, stre…" on every row, cut by one cell, beside a title column cut
    anyway): the one nearest its whole length first, to the width that makes the most
    of its cells whole for the fewest of the other's cut, from the other that then cuts the
    fewest more, which keeps its floor and stays at least as wide as it."""

    def cut_cells(i: int, width: int) -> int:
        return sum(1 for row in rows if cell_len(row[i]) > width)

    cut = sorted(
        (i for i in floors if (widths[i] or 0) < whole[i]),
        key=lambda i: (whole[i] - (widths[i] or 0), i),
    )
    for i in cut:
        size = widths[i] or 0
        best: tuple[int, int, int, int] | None = None  # (cells fewer cut, -need, donor, need)
        for target in sorted({cell_len(row[i]) for row in rows if cell_len(row[i]) > size}):
            need = target - size
            for j in floors:
                have = widths[j] or 0
                if j == i or have >= whole[j] or have - need < max(floors[j], target):
                    continue
                fewer = cut_cells(i, size) - cut_cells(i, target)
                fewer -= cut_cells(j, have - need) - cut_cells(j, have)
                if fewer > 0 and (best is None or (fewer, -need) > best[:2]):
                    best = (fewer, -need, j, need)
        if best is not None:
            _, _, donor, need = best
            widths[donor] = (widths[donor] or 0) - need
            widths[i] = size + need


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
