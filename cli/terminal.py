"""What may reach the terminal: text from other accounts, made harmless (R13 finding 2).

`cli.output` re-exports `shown`; it lives here so that `cli.tables` can use it too."""

from __future__ import annotations

import os
import re
import shlex
import unicodedata
from collections.abc import Callable, Iterable
from contextvars import ContextVar

import click
from rich.markup import escape as rich_escape

from client_sdk.models import (
    BACKTICKS,
    BIDI_CONTROLS,
    SHELL_SPECIAL_IN_DOUBLE_QUOTES,
    invisible_at,
    is_control,
)


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


MARK_OPEN, CLOSE = "\ue000", "\ue001"
"""The private characters that mark where a command the CLI built (`command`) starts and
ends in a message until it is shown. Text from elsewhere may hold them too: it is shown as
`\\ue000`, never as a command (`OPEN`)."""

OPEN = MARK_OPEN + os.urandom(16).hex()
"""Where a command the CLI built (`command`) starts: MARK_OPEN and a random value drawn
anew by every process, which only `command_text` writes, and which no name, title, note or
server reply can hold, since it never leaves the process (`shown` and `unmarked` write each
span in backticks first). A span is the CLI's by this value, never by its text: a name
holding the marks around the text of a command the CLI built is shown as text. Only the
wrapper's and `shown`'s business."""

MARKS = MARK_OPEN + CLOSE

THEIRS = "\ue002"
"""What starts a command span that another person runs on their own device
(`their_command`), never this profile's: only the CLI writes it there, right after OPEN (a
span's text starts with the CLI's `tj`, never with a name)."""

PROFILE: ContextVar[str] = ContextVar("PROFILE", default="tj")
"""The words that start a `tj` command printed for the profile this command runs against
(`cli.homes.profile_words`, shell-quoted: "tj --home /home/ana/tj-phone", or "tj" for the
default profile), set once by `tj` itself before any command runs: each command span this
profile's user runs (`command`, `command_text`) is printed with them (`profiled`)."""

_THIS_PROFILE = re.compile(f"{re.escape(OPEN)}tj (?!--home )([^{MARKS}]*){CLOSE}")

SPAN = re.compile(f"{re.escape(OPEN)}[^{MARKS}]*{CLOSE}")
"""A command span as `command_text` marks it (OPEN with this process's value, then no mark
before CLOSE): text from elsewhere, which cannot hold the value, never matches."""

TICKS = "".join(sorted(BACKTICKS))
"""A backtick and the characters a terminal draws as one (`client_sdk.models.BACKTICKS`). In
prose (`ticked`) each is written as an escape (`\\x60`, `\\u1fef`); a word holding one is not
`pasteable`."""

_TICK = re.compile(f"[{re.escape(TICKS)}]")

HIDDEN = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u2800\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
"""Characters a terminal draws as nothing or as a blank that are not of category Cf
(format characters: zero-width space and joiners, soft hyphen, byte order mark, tag
characters, which `showable` refuses by category): the combining grapheme joiner, the
Hangul fillers, the Khmer inherent vowels, the Mongolian free variation selectors, the
variation selectors (U+FE00-FE0F, U+E0100-E01EF: a name 'Vs' with one reads as 'Vs'), the
blank Braille pattern."""

PASTEABLE = re.compile(r"[^\s`\ue000\ue001-][^\s`\ue000\ue001]*(?: [^\s`\ue000\ue001]+)*")
"""A word that reaches a shell exactly as printed: no leading "-" (it would read as an
option), no backtick (it would read as the edge of a command), no whitespace but single spaces
between words (a run would be lost to the eye, or to a terminal)."""


def showable(word: str) -> bool:
    """Whether `word`, printed in a command, reads as exactly what it is: no backtick nor a
    character drawn as one (`TICKS`), no mark (MARKS), no control character `shown` would
    escape, and no character a terminal draws as nothing (category Cf, `HIDDEN`) or of
    private use (category Co), with which a command would name another journal than it
    appears to. The joiners a journal name keeps (`models.invisible_at`: in an emoji
    sequence, between letters of a script that spells with them, as in a Persian word) are
    part of the word, as in a quoted name."""
    if _TICK.search(word) or CONTROLS[False].search(word):
        return False
    return not any(
        c in HIDDEN
        or unicodedata.category(c) == "Co"
        or (unicodedata.category(c) == "Cf" and invisible_at(word, i))
        for i, c in enumerate(word)
        if not c.isascii()
    )


def pasteable(word: str) -> bool:
    """Whether `word`, shell-quoted in a printed command, is pasted back exactly and reads
    as what it is (`PASTEABLE`, and `showable`)."""
    return PASTEABLE.fullmatch(word) is not None and showable(word)


def path_word(path: object, *, quote: bool = True) -> str:
    """A file's path as printed, exact: as it is (shell-quoted with `quote`, as in a printed
    command, when it needs it); one holding a character `shown` would escape or a terminal
    does not show (a CR or LF, another control character, a byte order mark) is written
    whole as a bash ANSI-C string, `$'...'`, each such character as its UTF-8 bytes
    (`\\xNN`), never partly escaped or broken over lines (NU57 #6: stdout split such a path
    at its line break, stderr dropped its CR). Pure."""
    text = str(path)
    if showable(text) and "\n" not in text:
        return shlex.quote(text) if quote else text
    return "$'" + "".join(_ansi_c(char) for char in text) + "'"


def _ansi_c(char: str) -> str:
    if char in ("\\", "'"):
        return "\\" + char
    if char.isascii() and char.isprintable() or (not char.isascii() and showable(char)):
        return char
    return "".join(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogateescape"))


def shell_join(words: Iterable[str]) -> str:
    """`words` quoted for a shell as `shlex.join` does, but a word holding a single quote
    and nothing a shell reads inside double quotes in double quotes, as every message quotes
    a name (`client_sdk.models.quoted_name`): `tj share "Ana's dreams" drpark`, never
    `'Ana'"'"'s dreams'`. Pure."""
    return " ".join(_shell_word(word) for word in words)


def _shell_word(word: str) -> str:
    quoted = shlex.quote(word)
    if quoted != word and "'" in word and not SHELL_SPECIAL_IN_DOUBLE_QUOTES.intersection(word):
        return f'"{word}"'
    return quoted


def command(words: Iterable[str]) -> str:
    """A command to paste, as a message prints it: `words` shell-quoted (`shell_join`) and
    marked as a command span, which `shown` prints in backticks and the wrapper keeps whole
    and exact, spaces and all (REV-S11B S11B-1/2). The only way to put a command in
    backticks around text from another account: a backtick in a name is a character, never
    the edge of a command. A word that is not `pasteable` must not be passed (name the
    journal by its id instead: `cli.output.journal_word`)."""
    return command_text(shell_join(words))


def their_command(words: Iterable[str]) -> str:
    """`command` for a command another person runs on their own device (the owner's `tj
    share`, the other's `tj fingerprint`, the client's `tj brief`): marked THEIRS, so that
    it is printed as built, never given this profile's --home (`profiled`)."""
    return f"{OPEN}{THEIRS}{marks_shown(shell_join(words))}{CLOSE}"


def their_command_text(text: str) -> str:
    """`their_command` for one the CLI wrote out itself, already quoted for a shell."""
    return f"{OPEN}{THEIRS}{marks_shown(text)}{CLOSE}"


def command_text(text: str) -> str:
    """`command` for a command the CLI wrote out itself, already quoted for a shell (a
    static hint's `tj export --out DIR` with a profile's `--home` put in), never for one
    holding another account's text. A mark in `text` is written as its escape (`\\ue000`):
    a span holds none."""
    return f"{OPEN}{marks_shown(text)}{CLOSE}"


def built(span: str) -> bool:
    """Whether `span` is one `command` or `command_text` built in this process (it carries
    this process's OPEN), not text from elsewhere imitating one."""
    return SPAN.fullmatch(span) is not None


def each_part(text: str, outside: Callable[[str], str], span: Callable[[str], str]) -> str:
    """`text` with each command span `command` built (`SPAN`) through `span` and each
    stretch of text between them through `outside` (one that only looks like a span, a name
    holding the private characters, is outside text)."""
    out: list[str] = []
    at = 0
    for found in SPAN.finditer(text):
        out += [outside(text[at : found.start()]), span(found.group())]
        at = found.end()
    out.append(outside(text[at:]))
    return "".join(out)


def printed_length(text: str) -> int:
    """How many characters `text` takes once shown: a command span's OPEN (with this
    process's value) as one, as its backtick is."""
    return len(text) - (len(OPEN) - len(MARK_OPEN)) * len(SPAN.findall(text))


def compact(text: str) -> str:
    """`text` for laying out at a width (`cli.output.wrapped`): each command span with
    MARK_OPEN alone, as long as it is shown, and each other mark as its escape (as `shown`
    writes it), so that every mark left is a span's; `expanded` gives back the spans."""
    return each_part(text, marks_shown, lambda span: MARK_OPEN + span[len(OPEN) :])


_COMPACT = re.compile(f"{MARK_OPEN}[^{MARKS}]*{CLOSE}")


def expanded(text: str) -> str:
    """`compact`'s text (laid out) with each command span marked with OPEN again."""
    return _COMPACT.sub(lambda found: OPEN + found.group()[len(MARK_OPEN) :], text)


def marks_shown(text: str) -> str:
    """`text` (anyone's) with each mark (MARKS) written as its escape, `\\ue000`."""
    return text.replace(MARK_OPEN, "\\ue000").replace(CLOSE, "\\ue001")


def _tick_shown(match: re.Match[str]) -> str:
    c = match.group()
    return "\\x60" if c == "`" else f"\\u{ord(c):04x}"


def ticks_shown(text: str) -> str:
    """`text` (anyone's) with each backtick written `\\x60`, and each character drawn as
    one (`TICKS`) as its escape (`\\u1fef`)."""
    return _TICK.sub(_tick_shown, text)


def _prose_shown(text: str) -> str:
    return ticks_shown(marks_shown(text))


def _ticked(span: str) -> str:
    return f"`{span[len(OPEN) : -len(CLOSE)].removeprefix(THEIRS)}`"


def profiled(text: str, tj: str | None = None) -> str:
    """`text` with each command span the CLI built for this profile's user (`command`,
    `command_text`: not `their_command`'s, not one naming a profile already) started by `tj`
    (default: PROFILE, this profile's words) instead of a bare `tj`: every command the CLI
    prints runs against this profile when pasted (NU52 F1: a `tj forget` hint under
    `--home ~/tj-drsmith` ran against the default profile)."""
    words = PROFILE.get() if tj is None else tj
    if words == "tj" or OPEN not in text:
        return text
    return _THIS_PROFILE.sub(
        lambda found: f"{OPEN}{marks_shown(words)} {found.group(1)}{CLOSE}", text
    )


def ticked(text: str, *, prose: bool = False) -> str:
    """`text` with each command span `command` built written in backticks, and any other
    mark (MARKS, from a name) as a visible escape. With `prose` (a message: the CLI's words
    with names in them), any backtick outside those spans is written `\\x60` too, and any
    character drawn as one as its escape (`TICKS`), so that no text but a span the CLI built
    reads as a command in backticks (REV-S11B S11B-1: a name put in a message bare, not
    `quoted`). Each of this profile's commands names the profile (`profiled`)."""
    if not prose and MARK_OPEN not in text and CLOSE not in text:
        return text
    return each_part(profiled(text), _prose_shown if prose else marks_shown, _ticked)


def unmarked(value: object) -> object:
    """JSON data `value` with each command span (`command`) in its strings written in
    backticks, as a message prints it, and nothing else changed: a name is data here, kept
    exactly as it is, marks and all (one holding them is never a span: `OPEN`)."""
    if isinstance(value, str):
        return each_part(profiled(value), str, _ticked) if OPEN in value else value
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
    an error, a question: the CLI's words), any other backtick is written `\\x60`, and a
    character drawn as one as its escape (`ticked`); without, text is shown as it is (an entry, a table's cell, JSON).
    When `multiline`, a CRLF (an entry written from a Windows file before NU33 #1) is shown
    as the line break it is; a lone CR, which would return the cursor, is escaped."""
    if multiline and "\r\n" in text:
        text = text.replace("\r\n", "\n")
    text = profiled(text)
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


class Failed(click.ClickException):
    """A failure the CLI itself says, with its `--json` error object's subject (README's
    `--json` paragraph lists them): the SDK's word where it is the SDK's kind of failure
    (`client_sdk.errors.SUBJECTS`), else one of the CLI's own (`cli.main.CLI_SUBJECTS`)."""

    def __init__(self, message: str, subject: str | None) -> None:
        super().__init__(message)
        self.subject = subject
