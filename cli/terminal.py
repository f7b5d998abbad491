"""What may reach the terminal: text from other accounts, made harmless (R13 finding 2).

`cli.output` re-exports `shown`; it lives here so that `cli.tables` can use it too."""

from __future__ import annotations

import re

from rich.markup import escape as rich_escape

from client_sdk.models import BIDI_CONTROLS, is_control


def _controls(multiline: bool) -> re.Pattern[str]:
    """A pattern of exactly the characters `is_control` names: category Cc lies below U+00A0
    and never changes (Unicode's stability policy), so only those and BIDI_CONTROLS are
    tried."""
    chars = [chr(c) for c in range(0xA0)] + sorted(BIDI_CONTROLS)
    return re.compile(
        "[" + "".join(re.escape(c) for c in chars if is_control(c, multiline=multiline)) + "]"
    )


CONTROLS = {multiline: _controls(multiline) for multiline in (False, True)}
"""`is_control` as a pattern, by `multiline`: a text is escaped in one pass in C, not a Python
test per character (a `--json` import report of 10,000 ids is a megabyte: issue 10)."""


def _visible(match: re.Match[str]) -> str:
    c = match.group()
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def shown(text: str, *, multiline: bool = True, markup: bool = False) -> str:
    """`text` made safe for a terminal: every control character (C0, C1, DEL, bidirectional
    formatting; newline and tab kept when `multiline`) written as a visible escape such as
    `\\x1b`, so that text from another account (a crisis line, a note, a name, an entry)
    can neither move the cursor nor erase or reorder lines (R13 finding 2). With `markup`,
    also escaped for rich markup (a str cell of a rich Table). Every print of the CLI goes
    through it: `message`, `data`, `print_json`, the safety message and table cells.
    When `multiline`, a CRLF (an entry written from a Windows file before NU33 #1) is shown
    as the line break it is; a lone CR, which would return the cursor, is escaped."""
    if multiline and "\r\n" in text:
        text = text.replace("\r\n", "\n")
    safe = CONTROLS[multiline].sub(_visible, text)
    return rich_escape(safe) if markup else safe


def json_escaped(text: str) -> str:
    """JSON text with every control character `shown` escapes written as a JSON escape
    (`\\u001b`), newlines and tabs kept."""
    return CONTROLS[True].sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def escape(text: str) -> str:
    """`shown` for a str cell of a rich Table: control characters and rich markup escaped."""
    return shown(text, markup=True)
