"""What may reach the terminal: text from other accounts, made harmless (R13 finding 2).

`cli.output` re-exports `shown`; it lives here so that `cli.tables` can use it too."""

from __future__ import annotations

from rich.markup import escape as rich_escape

from client_sdk.models import is_control


def shown(text: str, *, multiline: bool = True, markup: bool = False) -> str:
    """`text` made safe for a terminal: every control character (C0, C1, DEL, bidirectional
    formatting; newline and tab kept when `multiline`) written as a visible escape such as
    `\\x1b`, so that text from another account (a crisis line, a note, a name, an entry)
    can neither move the cursor nor erase or reorder lines (R13 finding 2). With `markup`,
    also escaped for rich markup (a str cell of a rich Table). Every print of the CLI goes
    through it: `message`, `data`, `print_json`, the safety message and table cells."""
    safe = "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        if is_control(c, multiline=multiline)
        else c
        for c in text
    )
    return rich_escape(safe) if markup else safe


def escape(text: str) -> str:
    """`shown` for a str cell of a rich Table: control characters and rich markup escaped."""
    return shown(text, markup=True)
