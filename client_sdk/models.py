"""Plain values the SDK hands to apps: journals, entries, devices, and small helpers."""

from __future__ import annotations

import codecs
import json
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any, Protocol

from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.frozen_init import filled_at_once


def now_ms() -> int:
    return int(time.time() * 1000)


def local_offset_minutes(ms: int) -> int:
    """This device's offset from UTC at `ms` (ms since 1970), in minutes (+60 in Paris in
    winter): the C library's `tm_gmtoff`, the offset `datetime.astimezone()` gives a naive
    datetime, read without building an aware datetime (every entry written dated now,
    issue 10)."""
    return time.localtime(ms // 1000).tm_gmtoff // 60


def to_datetime(ms: int) -> datetime:
    """A time this device made or verified (ms since 1970-01-01 UTC) as an aware UTC datetime.
    Times read from a document go through `read_ms` / `read_time` first: any account that
    may write a document can put any number there. A time in a server's reply was bounded
    where the reply was decoded (`wire.TIME`: 0 to `wire.MAX_TIME_MS`)."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def json_time(moment: datetime) -> str:
    """A moment as every JSON shape of the SDK and the CLI writes it: ISO 8601 in UTC with
    milliseconds and "+00:00" ("2026-12-06T14:40:39.947+00:00"), one layout for every row
    (a time with no fraction gets ".000"). The SDK keeps times in milliseconds, so nothing
    is lost. `moment` must be aware (every time the SDK makes is)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


MIN_MS = (
    int((datetime(1, 1, 2, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()) * 1000
)
"""The earliest time a document may carry, ms since 1970-01-01 UTC: 0001-01-02 UTC (a day
inside datetime's range, so that no local time zone takes it out of range)."""
MAX_MS = (
    int((datetime(9999, 12, 30, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    * 1000
)
"""The latest time a document may carry, ms since 1970-01-01 UTC: 9999-12-30 UTC."""


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def read_ms(value: Any) -> int | None:
    """A time read from a document (ms since 1970-01-01 UTC): a whole number (Yjs numbers
    arrive as floats) from `MIN_MS` to `MAX_MS`, the range a datetime can hold in any time
    zone; None for anything else (absent, not a number, a bool, a fraction, NaN, infinite,
    out of range, e.g. 2**53). The one reader of document times: a view that needs a time
    it cannot read skips the document (R13 finding 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    number = int(value)
    return number if MIN_MS <= number <= MAX_MS else None


def read_time(value: Any) -> datetime | None:
    """`read_ms` as an aware UTC datetime; None when `value` is not a readable time."""
    ms = read_ms(value)
    return None if ms is None else to_datetime(ms)


JSON_ERRORS = (ValueError, RecursionError)
"""What `json.loads` raises for text it cannot read: malformed (ValueError, UnicodeDecodeError
included) or nested deeper than Python's recursion limit (RecursionError, e.g. "[" * 100_000:
REV-ERASED F3)."""


def read_json(value: object, default: Any) -> Any:
    """A stored setting's JSON text read back; `default` when `value` is not text (a setting
    never written) or does not read (`JSON_ERRORS`: another version's form, a hand edit, a
    damaged store). Never raises: the caller checks the shape of what it returns."""
    if not isinstance(value, str):
        return default
    try:
        return json.loads(value)
    except JSON_ERRORS:
        return default


BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Unicode's bidirectional formatting characters (UAX #9): they reorder what a terminal or a
page shows, e.g. make "116 123" read "321 611"."""


def is_control(char: str, *, multiline: bool = False) -> bool:
    """Whether `char` must not reach a terminal from someone else's text: a C0 or C1 control
    character or DEL (Unicode category Cc: ESC starts the ANSI sequences that move the
    cursor and erase lines), or a bidirectional formatting character. With `multiline`, a
    newline and a tab are text."""
    if multiline and char in "\n\t":
        return False
    return unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS


SHELL_SPECIAL_IN_DOUBLE_QUOTES = frozenset('"$`\\!')
"""What a shell reads inside double quotes as other than itself (`!`: bash's history)."""


BACKTICKS = frozenset("`\u02cb\u1fef\u2035\uff40")
"""A backtick and the characters a terminal draws as one (MODIFIER LETTER GRAVE ACCENT, GREEK
VARIA, which is canonically a backtick, REVERSED PRIME, FULLWIDTH GRAVE ACCENT): written as
an escape in a message, never as the edge of a command in backticks."""


ZERO_WIDTH_JOINER = "\u200d"
ZERO_WIDTH_NON_JOINER = "\u200c"
ALPHABETS_WITHOUT_JOINERS = ("LATIN ", "GREEK ", "CYRILLIC ")
"""Scripts whose spelling never needs a joiner between letters: one there only makes a
look-alike of another name ("Dre\u200dams")."""


def invisible_at(text: str, index: int) -> bool:
    """Whether `text[index]` is a format character (Unicode category Cf: zero-width space,
    byte order mark, soft hyphen, word joiner, Mongolian vowel separator, tag characters),
    which draws nothing: "Dre\u200bams" would list as a second "Dreams". The zero-width
    joiner inside an emoji sequence (after a symbol or its modifier, before a symbol:
    "\U0001f469\u200d\U0001f4bb") builds one picture and is kept, and so are the
    zero-width joiner and non-joiner between two letters of a script that spells with them
    (Persian "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", Indic conjuncts: the
    Unicode Standard, 23.2 "Layout Controls"), not of ALPHABETS_WITHOUT_JOINERS. The one
    rule of which joiners a journal name keeps (`client.journals.create` refuses the others)
    and of which a quoted name shows as they are (`quoted_name` escapes the others). Pure."""
    char = text[index]
    if unicodedata.category(char) != "Cf":
        return False
    joiners = (ZERO_WIDTH_JOINER, ZERO_WIDTH_NON_JOINER)
    if char not in joiners or not 0 < index < len(text) - 1:
        return True
    before, after = text[index - 1], text[index + 1]
    if char == ZERO_WIDTH_JOINER and unicodedata.category(before) in ("So", "Sk", "Mn"):
        if unicodedata.category(after) == "So":
            return False
    return not (_spelt_with_joiners(before) and _spelt_with_joiners(after))


def _spelt_with_joiners(char: str) -> bool:
    """Whether `char` is a letter or a mark of a script not in ALPHABETS_WITHOUT_JOINERS."""
    if unicodedata.category(char)[0] not in "LM":
        return False
    return not unicodedata.name(char, "").startswith(ALPHABETS_WITHOUT_JOINERS)


def _escaped_in_quotes(name: str, index: int) -> bool:
    """Whether `quoted_name` writes `name[index]` as an escape: a backtick or a character drawn
    as one (BACKTICKS: never the edge of a command in a message), a control or bidirectional
    character (`is_control`), a private-use one (which a terminal shows as nothing one could
    type), an invisible format character (`invisible_at`: zero-width space, soft hyphen, word
    joiner, byte order mark; not the joiners a journal name keeps, in an emoji sequence or
    between letters of a script that spells with them) or a line or paragraph separator (Zl,
    Zp), which a terminal shows as nothing or as a break."""
    char = name[index]
    if char in BACKTICKS or is_control(char):
        return True
    category = unicodedata.category(char)
    return category in ("Co", "Zl", "Zp") or invisible_at(name, index)


def _dollar_escape(name: str, index: int) -> str:
    char = name[index]
    if char in "\\'":
        return "\\" + char
    if not _escaped_in_quotes(name, index):
        return char
    code = ord(char)
    return (  # \xNN is a byte to the shell: only for ASCII (U+0085 is not the byte 0x85)
        f"\\x{code:02x}"
        if code < 0x80
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def close_names(wanted: str, names: Iterable[str], most: int = 1, cutoff: float = 0.6) -> list[str]:
    """The names of `names` closest to `wanted`, closest first: difflib's ratio at least
    `cutoff`, up to `most` of them (what `did_you_mean` offers). Pure."""
    import difflib  # only when a name was not found

    return difflib.get_close_matches(wanted, sorted(set(names)), n=most, cutoff=cutoff)


def did_you_mean(wanted: str, names: Iterable[str], most: int = 1, cutoff: float = 0.6) -> str:
    """The hint a refusal of a mistyped name ends with: " (did you mean 'anna'?)" for the
    closest of `names` to `wanted` (`close_names`: difflib's ratio at least `cutoff`; up to
    `most` of them, "'anna' or 'hanna'"), each quoted as `quoted_name` quotes it; "" when
    none is close. Pass a higher `cutoff` for short words, which differ in a letter or two
    anyway. Pure."""
    close = close_names(wanted, names, most, cutoff)
    if not close:
        return ""
    return f" (did you mean {' or '.join(quoted_name(name) for name in close)}?)"


def quoted_name(name: str) -> str:
    """How a message quotes a name (a journal's, an account's, a title) so that what it shows
    can be typed back, in a command too: as a POSIX shell quotes a word. The one rule of the
    SDK's messages and of its CLI:

    - 'Personal': in single quotes, as it is (a shell takes it literally, backslashes and
      double quotes included: 'say "hi"');
    - "Ana's day": in double quotes when it holds a single quote but nothing a shell reads
      inside double quotes (`"`, `$`, a backtick, a backslash, `!`);
    - $'Ana\\'s "big" day', $'Work \\x60stuff\\x60': otherwise in the shell's $'...' form
      (bash, zsh, ksh; POSIX.1-2024), in which \\' is a quote, \\\\ a backslash, and \\xNN or
      \\uNNNN a character not shown as it is: a backtick or one drawn as a backtick
      (BACKTICKS: so that no name reads as the edge of a command in backticks), a control or bidirectional character, a private-use one.

    Pure; `name` is never changed, only quoted."""
    if any(_escaped_in_quotes(name, i) for i in range(len(name))):
        return "$'" + "".join(_dollar_escape(name, i) for i in range(len(name))) + "'"
    if "'" not in name:
        return f"'{name}'"
    if not SHELL_SPECIAL_IN_DOUBLE_QUOTES.intersection(name):
        return f'"{name}"'
    return "$'" + "".join(_dollar_escape(name, i) for i in range(len(name))) + "'"


def named_in_text(name: str) -> str:
    """A journal's name said inside a sentence: as it is when it is one plain word
    ("Personal", "ana/Personal": letters, digits and "-_./" only), else `quoted_name`
    ('Thoughts after the group session'), so that a name of several words never runs into
    the sentence around it. Pure."""
    plain = name and all(c.isalnum() or c in "-_./" for c in name)
    return name if plain and name.isprintable() and name.isascii() else quoted_name(name)


def squeezed(name: str) -> str:
    """`name` with each run of whitespace one space and none around it: the form in which a
    journal name is stored (`client.journals.create`, `rename`) and compared when looked up
    (a name stored before with a run of spaces is found by its squeezed form, which is how a
    message shows it). Pure."""
    return " ".join(name.split())


def check_text(text: str, what: str, *, multiline: bool = False) -> str:
    """`text` unchanged when it has no control character (`is_control`); raises InvalidInput
    naming `what` otherwise. For text other people read (crisis lines, notes, assignment
    notes, prompts): R13 finding 2."""
    bad = sorted({f"U+{ord(c):04X}" for c in text if is_control(c, multiline=multiline)})
    if bad:
        raise InvalidInput(
            f"{what} cannot contain control characters ({', '.join(bad)})", subject=BAD_VALUE
        )
    return text


def normalize_username(username: str) -> str:
    """Lowercase and check a username the way the server does."""
    name = username.strip().lower()
    valid = (
        3 <= len(name) <= 64
        and name.isascii()
        and name[0].isalnum()
        and all(c.isalnum() or c in "._-" for c in name)
    )
    if not valid:
        raise InvalidInput(
            "a username is 3 to 64 characters: lowercase letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit{_username_fault(name)}",
            subject=BAD_VALUE,
        )
    return name


def _username_fault(name: str) -> str:
    """What in `name` (lower-cased and stripped) a username cannot hold, for
    `normalize_username`'s message: "; 'ana smith' holds a space"."""
    if not 3 <= len(name) <= 64:
        held = quoted_name(name) if len(name) <= 64 else "it"
        return f"; {held} has {len(name)} characters"
    bad = [c for c in dict.fromkeys(name) if not (c.isascii() and (c.isalnum() or c in "._-"))]
    words = ["a space" if c == " " else repr(c) for c in bad]
    if words:
        return f"; {quoted_name(name)} holds {', '.join(words)}"
    return f"; {quoted_name(name)} starts with {name[0]!r}"


def taken_text(name: str, typed: str) -> str:
    """The message for a username the server says is taken, naming it as the server read it
    (`name`, from `normalize_username`: lower case) and, when that differs, as it was typed:
    "the username ana is taken ('ANA' is read in lower case, as ana): choose another one"."""
    said = "" if typed == name else f" ({typed!r} is read in lower case, as {name})"
    return f"the username {name} is taken{said}: choose another one"


DEFAULT_DEVICE_NAME = "device"
"""The name a device signs in with when it is given none (and a home keeps none from an
earlier sign-in): the same word on every computer, never its host name. A device's name is
sent to the server and kept there in clear, and a host name often is its owner's own name
("anas-macbook-pro")."""


def default_device_name() -> str:
    """DEFAULT_DEVICE_NAME."""
    return DEFAULT_DEVICE_NAME


@dataclass(frozen=True)
class Journal:
    """A journal this device holds. `name` is how to refer to it: its own name for the
    account's journals, "owner/name" for journals shared with this account."""

    id: str
    name: str
    role: str
    owner_id: str
    owner: str = ""
    owner_verified: bool = True
    """False for a journal shared with this account whose owner's fingerprint this device
    has not compared (`client.shares.verify`): a server could have invented that owner."""
    archived: bool = False
    """The owner archived it (`client.journals.archive`): listed last, no new writes (but
    for a field-level copy kept for a member, `helper` "mirror", which keeps following its
    source)."""
    helper: str | None = None
    """For a journal this account keeps only to share with a member (the owner's devices
    know it): "mirror" (a field-level copy of another journal, `tj share --only`), "items"
    (entries and results shared one by one, "Shared with NAME") or "brief"; None otherwise.
    Entries of helper journals are left out of lists over every journal: the originals are
    listed."""
    kept_for: str = ""
    """For a helper journal ("mirror" or "items"): the username of the member it is kept for,
    from its owner-sealed disclosure settings and verified access chain ("" when this device
    knows no membership of theirs in it)."""
    kept_ended: bool = False
    """For a helper journal ("mirror" or "items"): no share of it with the member it is kept for is
    on now, by its verified access chain (the owner ended it, its signed end date passed, or an
    owner device removed them because the server no longer served them). The journal stays on this
    account's devices until deleted (`client.shares.kept_copies` says why)."""
    unlisted: bool = False
    """For the read-only copy of another account's journal (`read_only_copy`): it ended by the
    server's word only: the server no longer serves it while nothing its owner signed ended the
    share (the access chain this device verified still grants it, or none is verified here and
    no signed end date passed: the owner removed this account, the owner's account was erased,
    or the server withholds it). Never with `share_ended`. Discarding it then takes
    `client.shares.forget(journal, unlisted=True)` (`tj forget --unlisted`). False for one
    this account left on this device (`client.shares.leave`): its own word ended it."""
    own: bool = False
    """This account owns the journal (`owner` is its username); False for one shared with it."""

    @property
    def read_only_copy(self) -> bool:
        """This account no longer gets this journal from the server (role "revoked": a share
        that ended, one the server stopped serving, or one of its own journals deleted or
        hidden): the device keeps what it downloaded, readable, not writable, never updated.
        Which of these: `share_ended`, `unlisted`, or neither for one of its own (`own`)."""
        return self.role == "revoked"

    @property
    def share_ended(self) -> bool:
        """The read-only copy (`read_only_copy`) of another account's journal whose share
        ended by what this device knows beyond the server's word: an end its owner signed in
        the access chain this device verified, a signed end date passed by this device's
        clock, or this account leaving it on this device (`client.shares.leave`). Never with
        `unlisted` (the server's word alone), never for one of this account's own journals:
        as `Entry.share_ended` says it of each entry."""
        return self.read_only_copy and not self.unlisted and not self.own

    @property
    def access(self) -> str:
        """This account's access to the journal in words, as `tj journal list` and `tj
        shared-with-me` show it: its `role` ("owner", "read", "annotate"), or for a read-only
        copy (`read_only_copy`) what this device knows of its end (`ended_copy_text`): "no
        longer served (read-only copy)" (`unlisted`), "share ended (read-only copy)"
        (`share_ended`), or for one of this account's own journals "gone from the server
        (read-only copy)"."""
        if not self.read_only_copy:
            return self.role
        if self.own:
            return f"{GONE_FROM_SERVER} {READ_ONLY_COPY}"
        return ended_copy_text(self.unlisted)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ids as hex. "role" is the stored role, kept for apps: "revoked"
        for every read-only copy, whoever ended it, never the owner's decision by itself;
        "read_only_copy", "share_ended" and "unlisted" say which, and "access" says it in
        the words `tj journal list` shows ("no longer served (read-only copy)")."""
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "access": self.access,
            "owner_id": self.owner_id,
            "owner": self.owner,
            "owner_verified": self.owner_verified,
            "read_only_copy": self.read_only_copy,
            "share_ended": self.share_ended,
            "archived": self.archived,
            "helper": self.helper,
            "kept_for": self.kept_for or None,
            "kept_ended": self.kept_ended,
            "unlisted": self.unlisted,
            "own": self.own,
        }


READ_ONLY_COPY = "(read-only copy)"
NOT_SERVED = "no longer served"
"""A share whose end this device knows by the server's word only (`Journal.unlisted`): the
server no longer serves the journal while the owner-signed access chain this device verified
still grants it. The owner may have ended it, but the device cannot know that, only that the
server stops serving it (it may be withholding it): never "revoked" (NU32 #6)."""
SHARE_ENDED = "share ended"
"""A share that ended by the owner-signed chain (removed, its end date passed) or by this
account leaving it."""
REPLACED = "replaced"
"""A field-level copy kept for this account that its owner replaced by another share of the
same journal, by the owner-signed chains this device verified (`SharedJournal.replaced_by`)."""
GONE_FROM_SERVER = "gone from the server"
"""One of this account's own journals that the server no longer lists (deleted on another of
its devices, or withheld: the device cannot tell which)."""


def ended_copy_text(unlisted: bool) -> str:
    """How the read-only copy of a journal shared with this account whose share ended is named
    where its role would be (`Journal.access`, `SharedJournal.access`: `tj shared-with-me`,
    `tj journal list`, examples/therapist_overview.py): "no longer served (read-only copy)"
    when `unlisted` (the server's word only), else "share ended (read-only copy)"."""
    return f"{NOT_SERVED if unlisted else SHARE_ENDED} {READ_ONLY_COPY}"


class Dated(Protocol):
    """What the day an entry was written on is read from (`Entry` has both)."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def utc_offset(self) -> int | None: ...


def local_day(moment: datetime, tz: tzinfo | None = None) -> date:
    """The calendar day of `moment` in `tz` (None: the system's local time zone)."""
    return moment.astimezone(tz).date()


def share_end_text(moment: datetime, tz: tzinfo | None = None) -> str:
    """When a share ends, as its owner gave it, in `tz` (None: the system's local time zone):
    a share made `--until 2027-06-30` ends at midnight after that day, "2027-06-30 (end of
    day)" (its last day, never the day after: every view names the same day); any other
    moment to the minute, "2027-06-30 14:05"."""
    local = moment.astimezone(tz)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{(local - timedelta(days=1)):%Y-%m-%d} (end of day)"
    return local.strftime("%Y-%m-%d %H:%M")


def entry_day(entry: Dated, tz: tzinfo | None = None) -> date:
    """The calendar day an entry was written on, in the writer's local time: its own UTC
    offset (minutes) when recorded, else `tz`."""
    if entry.utc_offset is None:
        return local_day(entry.created_at, tz)
    return local_day(entry.created_at, timezone(timedelta(minutes=entry.utc_offset)))


ENTRY = "entry"
# Kinds of documents defined in heavier modules (results.py, schedule.py, brief.py), named
# here too so that the write and sync paths can test for them without importing those.
MEASURE = "measure"
HOMEWORK = "homework"
BRIEF = "brief"
PRIVATE_NOTE = "private_note"
"""A therapist's private note about a client (private_notes.py): never in a shared journal."""
MAX_TITLE = 200
MAX_BODY = 100_000
MAX_TAGS = 20
MAX_TAG = 40
MAX_PROMPT_ID = 64
EMOTIONS = (
    "anxious",
    "calm",
    "sad",
    "hopeful",
    "angry",
    "grateful",
    "lonely",
    "proud",
    "ashamed",
    "content",
    "overwhelmed",
    "relieved",
    "frustrated",
    "excited",
    "tired",
    "scared",
)
"""The named emotions an entry may carry besides its mood (protocol.md, "Documents")."""
TRASH_DAYS = 30  # how long a trashed entry can be restored, as Day One and Journey keep it


@filled_at_once
@dataclass(frozen=True)
class Entry:
    """One journal entry, decrypted and verified on this device.

    `id` and `journal_id` are hex; `journal` is the journal's name ("owner/name" for a shared
    one). `title` is at most 200 characters and `body` at most 100,000 (characters are
    Unicode code points, Python's `len`; positions inside the CRDT text count UTF-16 code
    units, as Yjs does); `mood` is a whole number from 1 to 10, or None; `tags` (at most 20,
    each 1 to 40 characters) and `emotions` (names from `EMOTIONS`) keep their order.
    `created_at`, `updated_at` and `trashed_at` are UTC datetimes (millisecond precision);
    `utc_offset` is the writer's offset from UTC in minutes when they wrote it, so
    `local_created_at` is the writer's own wall-clock time."""

    id: str
    journal: str
    journal_id: str
    title: str
    body: str
    mood: int | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    deleted: bool
    emotions: tuple[str, ...] = ()
    prompt_id: str | None = None  # the reflection prompt this entry answers, if any
    utc_offset: int | None = None  # the writer's offset from UTC, minutes; None if unknown
    trashed_at: datetime | None = None  # when it was moved to the trash (UTC), if it is there
    changed: bool = True
    """Whether the entry may have changed after it was written: False only when this device
    knows it was not (its document is still the one update that wrote it, in a journal
    that is not a copy kept for a member: a copy is written anew from an entry that may have
    been edited before). Not in `to_dict`; `updated_at` is there."""
    share_ended: bool = False
    """True for an entry read from the copy this device kept of another account's journal
    whose share with this account ended by the owner-signed chain this device verified (an
    end signed, or its signed end date passed) or because this account left it on this
    device (`shares.leave`), as `Journal.share_ended` says it: read-only, as this device last
    synced it; its owner may have changed it since, or share it again under another id
    (listed like a live one)."""
    unlisted: bool = False
    """True for an entry of another account's journal the server no longer serves to this
    account while the owner-signed chain this device verified still grants it, and that
    this account did not leave on this device: the share may have ended, or the server may
    be withholding it (the server's word only: never `share_ended`). Read-only, as this
    device last synced it."""
    copy: bool = False
    """True for an entry of a copy another account keeps for this one (some fields of their
    journal's entries, or entries shared one by one), by its owner-signed chain: its title
    and text are in it only where they chose to share them, so an empty one may hide a text.
    Not in `to_dict`."""
    shared_fields: tuple[str, ...] | None = None
    """For an entry of a copy of some fields another account keeps for this one (`tj share
    --only mood,tags`), the entry's fields it carries, by the copy's owner-signed name
    (`ENTRY_FIELDS` order: "title", "body", "mood", "tags", "emotions"): a field not in it
    was not shared, whatever the writer wrote ("" or [] in the entry, as for a field left
    empty). None when every field of the entry is its writer's: this account's own entries,
    a journal shared whole, entries shared one at a time."""

    @property
    def local_created_at(self) -> datetime:
        """`created_at` in the writer's own time zone offset when it was recorded (days,
        weeks and streaks count in it), else in UTC."""
        if self.utc_offset is None:
            return self.created_at
        return self.created_at.astimezone(timezone(timedelta(minutes=self.utc_offset)))

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape (the CLI's `--json`); times are ISO 8601 in UTC, `utc_offset`
        is the writer's offset in minutes (or null); `shared_fields` a list of the fields
        a copy of some fields carries (`Entry.shared_fields`: "title", "body", "emotions"
        not in it were not shared, though they read null, "" and []), null for an entry whose
        every field is its writer's. "journal_id" (hex) names the journal for good;
        "journal", its name, changes with `journals.rename`."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "title": self.title or None,
            "body": self.body,
            "mood": self.mood,
            "tags": list(self.tags),
            "created_at": json_time(self.created_at),
            "updated_at": json_time(self.updated_at),
            "emotions": list(self.emotions),
            "prompt_id": self.prompt_id,
            "utc_offset": self.utc_offset,
            "trashed_at": json_time(self.trashed_at) if self.trashed_at else None,
            "share_ended": self.share_ended,
            "unlisted": self.unlisted,
            "shared_fields": list(self.shared_fields) if self.shared_fields is not None else None,
        }


@dataclass(frozen=True)
class ListedEntries:
    """The entries a listing returns (`entries`, the first `limit` in its order), how many
    matched in all (`total`: more than `len(entries)` when a limit left some out), and the
    journals (ids, hex) of every entry that matched, returned or not (`journal_ids`: an app
    leaves out a journal column when there is one)."""

    entries: list[Entry]
    total: int
    journal_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Identity:
    """Who a profile is, as this device holds it (`Client.identity`, no network): the
    account's `username` and `account_id` (hex), this device's `device_id` (hex) and
    `device_name` ("" when this device never learned it), the `server_url` it syncs with,
    and whether its keys are `locked` with a passphrase (`Client.set_passphrase`). Read
    from the local profile and store only, so it says what this device believes, not what
    the server has now (a device signed out elsewhere still shows its account).
    `signed_out_at`: when a sync of this device was last told by the server that its
    session is over (revoked from another device, expired or ended: an AuthError), UTC;
    None when none was. `account_erased`: True when the account was erased from this device
    (`Client.delete_account`) and its local data is still here (`Client.erased_here`); None
    when this device cannot know (signed out, `signed_out_at` set: another device may have
    erased it); False when it was not (signed in at its last sync)."""

    username: str
    account_id: str
    device_id: str
    device_name: str
    server_url: str
    locked: bool
    signed_out_at: datetime | None = None
    account_erased: bool | None = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ids as hex, `signed_out_at` ISO 8601 or None, `account_erased`
        true, false or None (this device cannot know)."""
        return {
            "username": self.username,
            "account_id": self.account_id,
            "device_id": self.device_id,
            "device_name": self.device_name,
            "server_url": self.server_url,
            "locked": self.locked,
            "signed_out_at": None if self.signed_out_at is None else json_time(self.signed_out_at),
            "account_erased": self.account_erased,
        }


@dataclass(frozen=True)
class LockedIdentity:
    """What a locked profile says of itself without its passphrase
    (`Client.locked_identity`, no network, no key derived): this device's `device_name`
    ("" when this device never learned it), from the store, which the passphrase does not
    seal; the username, the account's and this device's ids and the server's URL are sealed
    with the keys (`Client.open` with the passphrase, then `identity()`, gives them).
    `to_dict` has Identity's keys, those sealed None, and `locked` True."""

    device_name: str
    locked: bool = True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "username": None,
            "account_id": None,
            "device_id": None,
            "device_name": self.device_name,
            "server_url": None,
            "locked": self.locked,
            "signed_out_at": None,
            "account_erased": None,
        }


@dataclass(frozen=True)
class DeviceInfo:
    """A device signed in to this account, as the server lists it: its id (hex), name, when it
    signed in (`created_at`), was last seen (`last_seen_at`) and when its session ends unless
    used (`expires_at`), all UTC; `current` is True for this device."""

    id: str
    name: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "id": self.id,
            "name": self.name,
            "created_at": json_time(self.created_at),
            "last_seen_at": json_time(self.last_seen_at),
            "expires_at": json_time(self.expires_at),
            "current": self.current,
        }


@dataclass(frozen=True)
class NewDevice:
    """A sign-in to this account since this device last looked, by another device: its hex
    `id` (`tj devices` shows its first `ID_SHOWN` digits and takes them), its `name` when it
    signed in, when (UTC), whether with the recovery key (`by_recovery_key`), whether its
    session is signed out since (`signed_out`: it signed in and out between two looks), and
    `earlier_not_kept`: how many sign-ins just before it the server no longer keeps (more
    than it keeps happened since this device looked, or they aged out while it was away; 0
    normally). Sign-ins the server no longer keeps that only this device's own sign-in
    follows (a device away longer than the server keeps its log, 90 days, that signs in
    again) are told as one `NewDevice` of empty `id` and `name`, `signed_out` True (none to
    sign out by id), `earlier_not_kept` their count and `signed_in_at` the time of the
    sign-in after them. `before_sign_in`: made before this device's own first new sign-in
    (a login or recovery on this home since it last looked; the user may have made it, as a
    recovery on another device): told as such, a device of it still signed in with neutral
    advice (if the user does not know it). The home's own sessions are never told. When the
    server no longer keeps this device's own new sign-in, none is marked (which came before
    is unknown). Each sign-in is told,
    also under an id or a name seen before. The server's word: its sign-in log is server
    metadata, not data the owner signs, so a hostile server can hide a sign-in; this is for
    an honest server and a stolen password or recovery key. Nothing about journals depends
    on it."""

    id: str
    name: str
    signed_in_at: datetime
    by_recovery_key: bool = False
    signed_out: bool = False
    earlier_not_kept: int = 0
    name_shared: str = ""
    """"this device" when its name is this device's own, "another device" when it is the
    name of another device this device knew (listed before), else "": a sign-in under a
    name the user knows is told as a second device of that name, not the one they know."""
    before_sign_in: bool = False
    """Made before this device's own new sign-in (`line` says so)."""
    again_of: str = ""
    """The hex id of an earlier sign-in of the same device (its sign-in is signed by the
    device key that earlier one's was, protocol.md 4.21: the home that made it signed in
    again, not a stranger under its name), else "" (`again_name`: its name then)."""
    again_name: str = ""
    again_at: datetime | None = None
    """When that earlier sign-in was made (UTC; None: not known). Only its device key says
    it is the same device: one this account was warned of, or revoked, signs in again under
    its own key too, so `line` names the earlier sign-in and the advice stays (rev34c F3)."""

    def line(self, clock: Callable[[datetime], str] | None = None, act: str = "") -> str:
        """ "New sign-in on this account: 'tablet' (device 5e21b0c3d4e5), 5 Dec 2026 22:10
        UTC (with the recovery key)." ("..., signed in 5 Dec 2026 22:10 UTC and signed out
        since." when `signed_out`; "New sign-in on this account: 'phone' (device 4a005cf0d80f),
        ...; its device key is the one of 'phone' (device 7ac57d57bf7f), which signed in on 1
        Dec 2026 09:00 UTC: if that device was not yours, this sign-in is not yours either."
        when `again_of`; "New sign-in on this account before this device signed in
        again: ..." when `before_sign_in`), with `act` (an app's words: what to do if it was not the
        user) after it; times by `clock` (default: UTC, "5 Dec 2026 22:10 UTC")."""
        when = clock(self.signed_in_at) if clock else _utc_words(self.signed_in_at)
        if not self.id:  # sign-ins the server no longer keeps, before this device's own
            n = self.earlier_not_kept
            said = (
                f"The server no longer keeps {n} sign-in{'s' if n != 1 else ''} on this "
                f"account made before {when}, while this device was away (it keeps them 90 "
                "days): it cannot say which devices signed in."
            )
            return f"{said} {act}" if act else said
        how = " (with the recovery key)" if self.by_recovery_key else ""
        who = f"{quoted_name(self.name)} (device {self.id[:ID_SHOWN]})"
        if self.again_of:  # the device key of an earlier sign-in signed it (4.21)
            earlier = (
                f", which signed in on {clock(self.again_at) if clock else _utc_words(self.again_at)}"
                if self.again_at
                else ""
            )
            lead = (
                "New sign-in on this account before this device signed in again"
                if self.before_sign_in
                else "New sign-in on this account"
            )
            said = (
                f"{lead}: {who}, "
                + (
                    f"signed in {when}{how} and signed out since"
                    if self.signed_out
                    else f"{when}{how}"
                )
                + f"; its device key is the one of {quoted_name(self.again_name)} (device "
                f"{self.again_of[:ID_SHOWN]}){earlier}: if that device was not yours, this "
                "sign-in is not yours either."
            )
            return f"{said} {act}" if act else said
        if self.name_shared:
            known = "this one" if self.name_shared == "this device" else "the one you know"
            who = (
                f"{quoted_name(self.name)} (device {self.id[:ID_SHOWN]}: a second device named "
                f"{quoted_name(self.name)}, not {known})"
            )
        lead = (
            "New sign-in on this account before this device signed in again"
            if self.before_sign_in
            else "New sign-in on this account"
        )
        said = (
            f"{lead}: {who}, signed in {when}{how} and signed out since."
            if self.signed_out
            else f"{lead}: {who}, {when}{how}."
        )
        if self.earlier_not_kept:
            n = self.earlier_not_kept
            said += (
                f" {n} sign-in{'s' if n != 1 else ''} before it the server no longer keeps "
                "(too many since this device last looked)."
            )
        return f"{said} {act}" if act else said

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the time as an ISO 8601 string in UTC; the id as hex."""
        return {
            "id": self.id,
            "name": self.name,
            "signed_in_at": json_time(self.signed_in_at),
            "by_recovery_key": self.by_recovery_key,
            "signed_out": self.signed_out,
            "earlier_not_kept": self.earlier_not_kept,
            "before_sign_in": self.before_sign_in,
            "name_shared": self.name_shared or None,
            "again_of": self.again_of or None,
            "again_name": self.again_name or None,
            "again_at": json_time(self.again_at) if self.again_at else None,
        }


@dataclass(frozen=True)
class CredentialChange:
    """The account's password or recovery key changed (`what`: "password" or "recovery
    key") at `changed_at` (UTC), not by this device, as the server says (its word, as
    `NewDevice`'s)."""

    what: str
    changed_at: datetime

    def line(self, clock: Callable[[datetime], str] | None = None, act: str = "") -> str:
        """ "The password of this account was changed on another device, 5 Dec 2026 22:10."
        with `act` after it; times by `clock` (default UTC)."""
        when = clock(self.changed_at) if clock else _utc_words(self.changed_at)
        said = f"The {self.what} of this account was changed on another device, {when}."
        return f"{said} {act}" if act else said

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the time as an ISO 8601 string in UTC."""
        return {"what": self.what, "changed_at": json_time(self.changed_at)}


def _utc_words(at: datetime) -> str:
    """`at` as "5 Dec 2026 22:10 UTC"."""
    at = at.astimezone(UTC)
    return f"{at.day} {at:%b %Y %H:%M} UTC"


@dataclass(frozen=True)
class Notice:
    """A notice from the live channel (`Client.live()`): `connected` is True after each
    (re)connection; `lost` is True once when the channel is lost or cannot be opened (it is
    retried with backoff until a `connected` notice); `meta` is True when the server says
    that this account's journals changed otherwise than by new records (a journal made,
    renamed or deleted, shared or unshared, a member left, this account's share ended:
    `watch()` runs an ordinary sync, which shows what, as verified on this device; the
    notice names nothing; one also stands for the notices a consumer fell behind on,
    live.squash_notices); otherwise `journal_id` (32 hex digits) names the journal that
    has new records and `head` its newest sequence number on the server. `local` is True
    for no notice of the server's: `watch()` says so of a sync it ran because this process
    wrote something to send (`Notice(False, None, 0, local=True)` as `SyncReport.trigger`)."""

    connected: bool
    journal_id: str | None
    head: int
    lost: bool = False
    meta: bool = False
    local: bool = False


def plain_text(text: str) -> str:
    r"""`text` as read from a Windows file, a clipboard or a pipe, made plain: one
    leading byte order mark (U+FEFF) removed, and every CRLF and lone CR made a LF. Pure.

    The SDK stores the text an app gives it as given (`Entries.write` and `edit` do not call
    this): an entry written before keeps its line endings, and an edit that does not give
    its text leaves them alone. An app that reads text from a file, stdin or a paste calls
    this where it reads it, as the `tj` command line does for stdin, $EDITOR and drafts.

        plain_text("\ufeffBOM text\r\nsecond\r")  # "BOM text\nsecond\n"
    """
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def decoded_text(data: bytes) -> str:
    r"""The text of `data` as read from a file or a pipe: UTF-16 or UTF-32 when it begins with
    that encoding's byte order mark (what Windows calls a "Unicode" file), else
    UTF-8. A UTF-16 or UTF-32 byte order mark is consumed; a UTF-8 one stays (`plain_text`
    removes it). Pure.

    Raises UnicodeDecodeError (its `start` is the offset of the first byte that is not
    text) for anything else, e.g. Latin-1; a Latin-1 file that happens to begin with the bytes
    FF FE is read as UTF-16, as Windows' own editors read it.

        decoded_text(b"\xff\xfeb\x00a\x00d\x00")  # "bad"
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return data.decode("utf-32")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8")


def account_names(
    accounts: Mapping[str, tuple[str, bool]], holders: Set[str] = frozenset()
) -> dict[str, str]:
    """The name each client account is shown under, by account id (hex) -> (username,
    whether it shares anything now): its username, but for a username several accounts
    held on this device (one erased, the name taken again since: NU43 #1), where every one
    but the one still sharing is named with the start of its account id, "kim (account
    1a2b3c4d)" (16 digits, or all 32, where fewer would name two of them alike), so that two
    people never read as one (the caseload's rows, the CLI's fingerprint warnings: REV-TOP
    F2; every journal's name: `Replica.owner_label`, NU46 #1). `holders`: the accounts this
    device pins under their username now (a verify of another account under the name
    forgets the earlier one's pin): where one of them bears a shared username it keeps the
    plain name, whatever the server serves or stops serving (NU46 #1's rest: a server could
    otherwise give the plain name to an erased account by serving it alone). Pure."""
    shown = {account: name for account, (name, _) in accounts.items()}
    by_name: dict[str, list[str]] = {}
    for account, name in shown.items():
        by_name.setdefault(name.casefold(), []).append(account)
    for same in by_name.values():
        if len(same) < 2:
            continue
        held = [account for account in same if account in holders]
        live = [account for account in same if accounts[account][1]]
        keep = held[0] if len(held) == 1 else live[0] if len(live) == 1 else None
        named = [account for account in same if account != keep]
        digits = label_digits(same)
        for account in named:
            shown[account] = account_label(shown[account], account, digits)
    return shown


def label_digits(accounts: Iterable[str]) -> int:
    """How many hex digits of an account id (8, 16 or all) tell apart every one of
    `accounts` (ids, hex), the accounts that bore one username here, the one keeping the plain
    name included: an id is chosen at signup, so one may begin as another's on purpose
    (NU46; REV-NAMES F1: a label that named two of them resolved to the one still sharing)."""
    ids = set(accounts)
    return next((n for n in (8, 16) if len({a[:n] for a in ids}) == len(ids)), 64)


ID_SHOWN = 12
"""How many hex digits of an id (a journal's, an entry's, a note's) the app shows: `tj`'s
tables and the SDK's sentences. Any unique prefix of 4 or more is accepted back by the
SDK's id arguments; a word of at least these many that starts one journal's id and is
another journal's name (or an account's) names neither (`Context.local_journal`, rev-nu36a
F2, rev30c F1), as shorter starts do, and no journal is created or renamed to a word of 4 hex
digits or more that starts another journal's id here (`Journals.create`)."""


def and_words(words: Sequence[str]) -> str:
    """ "mood", "mood and tags", "title, mood and tags" ("" for none): the one way the SDK
    and the CLI join words into a list. Pure."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def account_label(username: str, account_id: str, digits: int = 8) -> str:
    """A username with the start of its account's id (hex; `digits` of it), "kim (account
    1a2b3c4d)": how `account_names` tells apart accounts that bore one username."""
    return f"{username} (account {account_id[:digits]})"
