"""Reading a table a `tj` command printed (cli/tables.py) back into its cells, whatever its
wrapping: a test asserts on what a cell says (a name whole, a date), not on where the
terminal's width made it break."""

from __future__ import annotations

import re


def column(printed: str, header: str, key: str = "") -> list[str]:
    """The cells of the column headed `header` in the table `printed` (its first line the
    headers, then the rule), one per row, each cell's lines joined: with a space, or with
    nothing after a "/" (where a name breaks). A row starts at a line whose first column
    starts there (or, given `key`, whose cell under the header `key` does): the first
    column's later lines are indented (tables.CONTINUED), never read as a new row. Raises
    ValueError when no column has that header."""
    lines = [line for line in printed.splitlines() if line.strip()]
    heads = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", lines[0])]
    starts = [start for start, _ in heads]
    index = [name for _, name in heads].index(header)
    end = starts[index + 1] if index + 1 < len(starts) else None
    at = [name for _, name in heads].index(key) if key else 0
    key_span = slice(starts[at], starts[at + 1] if at + 1 < len(starts) else None)
    rows: list[list[str]] = []
    below = False  # in the lines below a row (its moved cells: `below`)
    for line in lines[2:]:
        if BELOW_LINE.match(line):
            below = True
        elif line[:1].strip():
            below = False
        if below:
            continue
        if line[key_span][:1].strip():
            rows.append([])
        part = line[starts[index] : end].strip()
        if part and rows:
            rows[-1].append(part)
    return [_joined(parts) for parts in rows]


BELOW_LINE = re.compile(r"  (?! )([^:]*):(?: |$)")
"""The first line of a cell `fitted` moved below its row ("  by: drsmith (therapist)")."""


def below(printed: str, header: str) -> list[str]:
    """The cells of the column headed `header` that `fitted` moved below the rows (a name
    too long to sit beside a readable text), in row order, each cell's lines joined with a
    space (nothing after a "/"); a row without one gives none."""
    cells: list[str] = []
    current: list[str] | None = None
    for line in printed.splitlines():
        start = BELOW_LINE.match(line)
        if start:
            current = [line[start.end() :].strip()] if start.group(1) == header else None
            if current is not None:
                cells.append("")
        elif current is not None and line.startswith("    "):
            current.append(line.strip())
        else:
            current = None
        if current is not None:
            cells[-1] = _joined([part for part in current if part])
    return cells


def _joined(parts: list[str]) -> str:
    text = ""
    for part in parts:
        text += part if not text or text.endswith("/") else f" {part}"
    return text
