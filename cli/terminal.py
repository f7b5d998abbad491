"""What may reach the terminal: text from other accounts, made harmless (R13 finding 2).

`cli.output` re-exports `shown`; it lives here so that `cli.tables` can use it too."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable

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


OPEN, CLOSE = "\ue000", "\ue001"
"""Where a command the CLI built (`command`) starts and ends in a message until it is shown:
private characters `shown` writes as backticks. Only the wrapper's and `shown`'s business."""

SPAN = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
"""A command span as `command` marks it (or as text from elsewhere could imitate it: `shown`
renders only the spans `command` built)."""

_BUILT: set[str] = set()
"""The spans `command` built in this process: only these are shown as commands in backticks
(a name holding the private characters cannot make one)."""

PASTEABLE = re.compile(r"[^\s`\ue000\ue001-][^\s`\ue000\ue001]*(?: [^\s`\ue000\ue001]+)*")
"""A word that reaches a shell exactly as printed: no leading "-" (it would read as an
option), no backtick (it would read as the edge of a command), no whitespace but single spaces
between words (a run would be lost to the eye, or to a terminal)."""


def pasteable(word: str) -> bool:
    """Whether `word`, shell-quoted in a printed command, is pasted back exactly and reads
    as what it is (`PASTEABLE`, and no control character `shown` would escape)."""
    return PASTEABLE.fullmatch(word) is not None and not CONTROLS[False].search(word)


def command(words: Iterable[str]) -> str:
    """A command to paste, as a message prints it: `words` shell-quoted (`shlex.join`) and
    marked as a command span, which `shown` prints in backticks and the wrapper keeps whole
    and exact, spaces and all (REV-S11B S11B-1/2). The only way to put a command in
    backticks around text from another account: a backtick in a name is a character, never
    the edge of a command. A word that is not `pasteable` must not be passed (name the
    journal by its id instead: `cli.output.journal_word`)."""
    return command_text(shlex.join(words))


def command_text(text: str) -> str:
    """`command` for a command the CLI wrote out itself, already quoted for a shell (a
    static hint's `tj export --out DIR` with a profile's `--home` put in), never for one
    holding another account's text."""
    span = f"{OPEN}{text}{CLOSE}"
    _BUILT.add(span)
    return span


def built(span: str) -> bool:
    """Whether `span` (OPEN, text, CLOSE) is one `command` or `command_text` built in this
    process, not text from elsewhere imitating one."""
    return span in _BUILT


def each_part(text: str, outside: Callable[[str], str], span: Callable[[str], str]) -> str:
    """`text` with each command span `command` built (`SPAN`, in `_BUILT`) through `span` and
    each stretch of text between them through `outside` (one that only looks like a span, a
    name holding the private characters, is outside text)."""
    out: list[str] = []
    at = 0
    for found in SPAN.finditer(text):
        if found.group() in _BUILT:
            out += [outside(text[at : found.start()]), span(found.group())]
            at = found.end()
    out.append(outside(text[at:]))
    return "".join(out)


def _marks_shown(text: str) -> str:
    return text.replace(OPEN, "\\ue000").replace(CLOSE, "\\ue001")


def _prose_shown(text: str) -> str:
    return _marks_shown(text).replace("`", "\\x60")


def _ticked(span: str) -> str:
    return f"`{span[1:-1]}`"


def ticked(text: str, *, prose: bool = False) -> str:
    """`text` with each command span `command` built written in backticks, and any other
    OPEN or CLOSE (from a name) as a visible escape. With `prose` (a message: the CLI's
    words with names in them), any backtick outside those spans is written `\\x60` too, so
    that no text but a span the CLI built reads as a command in backticks (REV-S11B S11B-1:
    a name put in a message bare, not `quoted`)."""
    if not prose and OPEN not in text and CLOSE not in text:
        return text
    return each_part(text, _prose_shown if prose else _marks_shown, _ticked)


def unmarked(value: object) -> object:
    """JSON data `value` with each command span (`command`) in its strings written in
    backticks, as a message prints it, and nothing else changed (a name is data here)."""
    if isinstance(value, str):
        return each_part(value, str, _ticked) if OPEN in value else value
    if isinstance(value, dict):
        return {key: unmarked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [unmarked(item) for item in value]
    return value


def unticked(text: str) -> str:
    """`ticked(text, prose=True)`'s escapes, the spans left marked (for the wrapper, which
    keeps each whole: `ticked` writes them in backticks after)."""
    return each_part(text, _prose_shown, str)


def shown(
    text: str,
    *,
    multiline: bool = True,
    markup: bool = False,
    ticks: bool = True,
    prose: bool = False,
) -> str:
    """`text` made safe for a terminal: every control character (C0, C1, DEL, bidirectional
    formatting; newline and tab kept when `multiline`) written as a visible escape such as
    `\\x1b`, so that text from another account (a crisis line, a note, a name, an entry)
    can neither move the cursor nor erase or reorder lines (R13 finding 2). With `markup`,
    also escaped for rich markup (a str cell of a rich Table). Every print of the CLI goes
    through it: `message`, `data`, `print_json`, the safety message and table cells.
    A command span (`command`) is written in backticks here (unless not `ticks`: the
    wrapper's, which keeps it whole first, then calls `ticked`). With `prose` (a message,
    an error, a question: the CLI's words), any other backtick is written `\\x60`
    (`ticked`); without, text is shown as it is (an entry, a table's cell, JSON).
    When `multiline`, a CRLF (an entry written from a Windows file before NU33 #1) is shown
    as the line break it is; a lone CR, which would return the cursor, is escaped."""
    if multiline and "\r\n" in text:
        text = text.replace("\r\n", "\n")
    safe = CONTROLS[multiline].sub(_visible, text)
    if ticks:
        safe = ticked(safe, prose=prose)
    elif prose:
        safe = unticked(safe)
    return rich_escape(safe) if markup else safe


def json_escaped(text: str) -> str:
    """JSON text with every control character `shown` escapes written as a JSON escape
    (`\\u001b`), newlines and tabs kept."""
    return CONTROLS[True].sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def escape(text: str) -> str:
    """`shown` for a str cell of a rich Table: control characters and rich markup escaped."""
    return shown(text, markup=True)
