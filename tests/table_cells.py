"""Reading a table a `tj` command printed (cli/tables.py) back into its cells, whatever its
wrapping: a test asserts on what a cell says (a name whole, a date), not on where the
terminal's width made it break."""

from __future__ import annotations

import re


def column(printed: str, header: str) -> list[str]:
    """The cells of the column headed `header` in the table `printed` (its first line the
    headers, then the rule), one per row, each cell's lines joined: with a space, or with
    nothing after a "/" (where a name breaks). A row starts at a line whose first column is
    not empty. Raises ValueError when no column has that header."""
    lines = [line for line in printed.splitlines() if line.strip()]
    heads = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", lines[0])]
    starts = [start for start, _ in heads]
    index = [name for _, name in heads].index(header)
    end = starts[index + 1] if index + 1 < len(starts) else None
    rows: list[list[str]] = []
    for line in lines[2:]:
        if line[: starts[1]].strip():
            rows.append([])
        part = line[starts[index] : end].strip()
        if part and rows:
            rows[-1].append(part)
    return [_joined(parts) for parts in rows]


def _joined(parts: list[str]) -> str:
    text = ""
    for part in parts:
        text += part if not text or text.endswith("/") else f" {part}"
    return text
