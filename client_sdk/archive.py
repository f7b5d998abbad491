"""The export format: everything an account can decrypt, as plain JSON or Markdown.

JSON (`Archive.to_dict`) is one object, documented in README.md:

    {"format": "therapy-journal-export", "version": 2, "account": "ana",
     "exported_at": "...", "journals": [...], "entries": [...], "goals": [...], "notes": [...],
     "results": [...], "homework": [...], "assignments": [...], "safety_plans": [...],
     "safety_flags": [...], "private_notes": [...]}

The last six lists (`CareRecords`) are the views' own `to_dict()` shapes (as `tj measure
list --json` and the like print them) plus "journal_id" (a private note has its own: the
client's journal it is about); they were added to version 1 without
changing it (a reader of version 1 ignores keys it does not know), and `from_dict` does not
read them: an import restores journals, entries, goals and notes from it, and the exporter's
own questionnaire results and safety plans through care_import.py.

A journal's "role" is "owner", "read" or "annotate", or "ended" (`ENDED`) for the read-only
copy of one no longer served to the account, with "share_ended", "unlisted" and "access" (the
words of `tj journal list`); files from before 2026-12 say "revoked" and lack the last three.
"own" is true for the read-only copy of one of the exporter's own journals gone from the
server (deleted on another device, or withheld): an import restores the journals whose role is
"owner" and those (`ArchivedJournal.restorable`), the latter as a new journal of its own.

Times are ISO 8601 with an offset, to the millisecond, so an import restores them exactly.

Entries in the trash are exported too, with `trashed_at` (when they were moved to the trash,
UTC; null for the others), so an export is complete; an import puts them back in the trash.
`trashed_at` was added to version 1 like the care lists: a file without it has none trashed.
`Archive.from_dict` checks a file before anything is imported: a malformed one raises
InvalidInput naming the bad field, and nothing is written.

Markdown (`entry_markdown`) is one file per entry with YAML-like front matter; string values
are JSON-quoted, which YAML reads as double-quoted scalars.

Pure: no file or network I/O (portability.py writes and reads), no clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from client_sdk.care_archive import CareRecords
from client_sdk.documents import (
    MAX_TITLE,
    EntryFields,
    check_prompt_id,
    check_utc_offset,
    normalize_emotions,
)
from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.goals import (
    MAX_GOAL_TITLE,
    MAX_NOTE,
    CheckIn,
    Goal,
    Measure,
    goal_progress,
    status_words,
)
from client_sdk.models import GONE_FROM_SERVER, READ_ONLY_COPY, Entry, Journal

FORMAT = "therapy-journal-export"
VERSION = 2
"""The export format's version this SDK writes: 2 gives null for an absent value (an untitled
entry's `title`, a goal's `why`, a check-in's `note`, a safety plan's `plan`, ...) where 1
gave "" (a reader of version 1 refuses null: the version says the file is newer, rather
than a field being bad). Read: READ_VERSIONS."""
READ_VERSIONS = (1, 2)
"""The export versions `Archive.from_dict` reads: 1 ("" for an absent value) and 2 (null
too)."""
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOTE_KINDS = ("note", "prompt")
MAX_NOTE_TEXT = 10_000
T = TypeVar("T")


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, exactly (no float rounding)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def iso(moment: datetime, tz: tzinfo | None = UTC) -> str:
    return moment.astimezone(tz).isoformat(timespec="milliseconds")


ENDED = "ended"
"""The `role` in an export of a journal this device keeps a read-only copy of, no longer
served to the account (`Journal.read_only_copy`): never "revoked" (NU43 #17), since the device
may know only the server's word; `access` says which end in the CLI's words."""


@dataclass(frozen=True)
class ArchivedJournal:
    id: str
    name: str
    role: str
    """"owner", the role in a journal someone shares with the account ("read", "annotate"),
    or ENDED for a read-only copy; older files say "revoked" for such a copy."""
    owner: str
    archived: bool = False  # the owner archived it (absent in exports before 2026-12)
    read_only_copy: bool = False
    """A read-only copy of a journal no longer served to the account
    (`Journal.read_only_copy`): its role is ENDED (a file says it so, or, before 2026-12,
    "revoked", "share_ended" or "unlisted")."""
    unlisted: bool = False
    """Of a read-only copy: ended by the server's word only (`Journal.unlisted`)."""
    share_ended: bool = False
    """Of a read-only copy of another account's journal: ended by what the device knew beyond
    the server's word (`Journal.share_ended`: an end its owner signed, a signed end date
    passed, or the account leaving it). Never with `unlisted`."""
    access: str = ""
    """The access in words, as `tj journal list` shows it (`Journal.access`): the role, or
    "share ended (read-only copy)", "no longer served (read-only copy)", "gone from the
    server (read-only copy)"; "" when the file had none."""
    owner_id: str = ""
    """The owner's account id (hex; "" when the file had none): two accounts may have borne
    one username (`name` then says "kim (account 1a2b3c4d)/Personal", NU46 #2)."""
    own: bool = False
    """A read-only copy of one of the exporter's own journals, gone from the server (deleted
    on another of its devices, or withheld: `Journal.own`); files before 2026-12-06 say it
    only by `access` ("gone from the server (read-only copy)")."""

    @property
    def restorable(self) -> bool:
        """Whether an import recreates it: the exporter's own journal, served (role "owner")
        or the read-only copy left of one gone from the server (`own`), never another
        account's."""
        return self.role == "owner" or (self.read_only_copy and self.own)

    @classmethod
    def of(cls, journal: Journal) -> ArchivedJournal:
        role = ENDED if journal.read_only_copy else journal.role
        return cls(
            journal.id,
            journal.name,
            role,
            journal.owner,
            journal.archived,
            journal.read_only_copy,
            journal.unlisted,
            journal.share_ended,
            journal.access,
            journal.owner_id,
            journal.read_only_copy and journal.own,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "owner": self.owner,
            "archived": self.archived,
            # as `Entry.to_dict` says it of each entry (`tj list --json`): "share_ended" for an
            # end this device knows from the owner's signed list, its end date or its own
            # leave; "unlisted" for the server's word only; never both
            "share_ended": self.share_ended,
            "unlisted": self.unlisted,
            "access": self.access,
            "owner_id": self.owner_id,
            "own": self.own,
        }


@dataclass(frozen=True)
class ArchivedEntry:
    id: str
    journal_id: str
    journal: str
    title: str
    body: str
    mood: int | None
    tags: tuple[str, ...]
    emotions: tuple[str, ...]
    prompt_id: str | None
    created_at: datetime
    updated_at: datetime
    utc_offset: int | None = None  # the writer's offset from UTC in minutes, if recorded
    trashed_at: datetime | None = None  # when it was moved to the trash (UTC), if it is there

    @classmethod
    def of(cls, entry: Entry) -> ArchivedEntry:
        return cls(
            entry.id,
            entry.journal_id,
            entry.journal,
            entry.title,
            entry.body,
            entry.mood,
            entry.tags,
            entry.emotions,
            entry.prompt_id,
            entry.created_at,
            entry.updated_at,
            entry.utc_offset,
            entry.trashed_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "journal_id": self.journal_id,
            "journal": self.journal,
            "title": self.title or None,
            "body": self.body,
            "mood": self.mood,
            "tags": list(self.tags),
            "emotions": list(self.emotions),
            "prompt_id": self.prompt_id,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "utc_offset": self.utc_offset,
            "trashed_at": iso(self.trashed_at) if self.trashed_at else None,
        }


@dataclass(frozen=True)
class ArchivedCheckin:
    id: str
    at: datetime
    progress: int | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": iso(self.at),
            "progress": self.progress,
            "note": self.note or None,
        }


@dataclass(frozen=True)
class ArchivedGoal:
    id: str
    journal_id: str
    journal: str
    title: str
    why: str
    target: date | None
    measure: str | None
    done: bool
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime
    checkins: tuple[ArchivedCheckin, ...]

    @classmethod
    def of(cls, goal: Goal) -> ArchivedGoal:
        return cls(
            goal.id,
            goal.journal_id,
            goal.journal,
            goal.title,
            goal.why,
            goal.target,
            str(goal.measure) if goal.measure else None,
            goal.done,
            goal.done_at,
            goal.created_at,
            goal.updated_at,
            tuple(ArchivedCheckin(c.id, c.at, c.progress, c.note) for c in goal.checkins),
        )

    def reached(self) -> bool:
        """Whether its measure's target is met by its check-ins (goals.goal_progress): False
        without a measure, or one that does not read."""
        try:
            measure = Measure.parse(self.measure) if self.measure else None
        except InvalidInput:
            return False
        if measure is None:
            return False
        kept = tuple(CheckIn(c.id, c.at, c.progress, c.note) for c in self.checkins)
        fraction = goal_progress(measure, kept)[1]
        return fraction is not None and fraction >= 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "journal_id": self.journal_id,
            "journal": self.journal,
            "title": self.title,
            "why": self.why or None,
            "target": self.target.isoformat() if self.target else None,
            "measure": self.measure,
            "done": self.done,
            "done_at": iso(self.done_at) if self.done_at else None,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "checkins": [checkin.to_dict() for checkin in self.checkins],
        }


@dataclass(frozen=True)
class ArchivedNote:
    """A note or prompt; `by_therapist` ones were written by a member, not the owner."""

    id: str
    journal_id: str
    journal: str
    kind: str
    text: str
    author: str
    by_therapist: bool
    created_at: datetime
    in_copy: str = ""  # written in this field-level copy of `journal` (kept for a therapist)

    def to_dict(self) -> dict[str, Any]:
        found = {
            "id": self.id,
            "journal_id": self.journal_id,
            "journal": self.journal,
            "kind": self.kind,
            "text": self.text,
            "author": self.author,
            "by_therapist": self.by_therapist,
            "created_at": iso(self.created_at),
        }
        if self.in_copy:
            found["in_copy"] = self.in_copy
        return found


@dataclass(frozen=True)
class Archive:
    account: str
    exported_at: datetime
    journals: tuple[ArchivedJournal, ...]
    entries: tuple[ArchivedEntry, ...]
    goals: tuple[ArchivedGoal, ...]
    notes: tuple[ArchivedNote, ...]
    care: CareRecords = CareRecords()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "account": self.account,
            "exported_at": iso(self.exported_at),
            "journals": [journal.to_dict() for journal in self.journals],
            "entries": [entry.to_dict() for entry in self.entries],
            "goals": [goal.to_dict() for goal in self.goals],
            "notes": [note.to_dict() for note in self.notes],
            **self.care.to_dict(),
        }

    def items(self) -> tuple[Item, ...]:
        """Entries, then goals, then notes."""
        return (*self.entries, *self.goals, *self.notes)

    @classmethod
    def from_dict(cls, data: Any) -> Archive:
        """Read and check an export (raises InvalidInput naming the first bad field; subject
        "value", `errors.BAD_VALUE`, for a file that is not an export, "app update" for one
        of a newer version than READ_VERSIONS)."""
        if not isinstance(data, Mapping):  # a list, a string: no export at all
            raise InvalidInput(
                "this is not a Therapy Journal export (the file is not a JSON object)",
                subject=BAD_VALUE,
            )
        top = Fields(data, "the file")
        if top.text("format") != FORMAT:
            raise InvalidInput(
                f"this is not a Therapy Journal export (format is not {FORMAT!r})",
                subject=BAD_VALUE,
            )
        version = top.integer("version")
        if version > VERSION:
            raise InvalidInput(
                f"this export has version {version}, made by a newer app: update this one "
                f"to import it (it reads versions {' and '.join(map(str, READ_VERSIONS))})",
                subject="app update",
            )
        if version not in READ_VERSIONS:
            raise InvalidInput(
                f"this export has version {version}; expected "
                f"{' or '.join(map(str, READ_VERSIONS))}"
            )
        journals = top.items("journals", read_journal)
        known = {journal.id for journal in journals}
        archive = cls(
            account=top.text("account"),
            exported_at=top.moment("exported_at"),
            journals=journals,
            entries=top.items("entries", read_entry),
            goals=top.items("goals", read_goal),
            notes=top.items("notes", read_note),
        )
        for item in archive.items():
            if item.journal_id not in known:
                raise InvalidInput(f"{item.id} names journal {item.journal_id}, not in the file")
        return archive


Item = ArchivedEntry | ArchivedGoal | ArchivedNote


# --- reading a file, checked ----------------------------------------------------------------


class Fields:
    """Typed access to one JSON object of an export; errors say where the bad value is."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, Mapping):
            raise InvalidInput(f"{where} is not a JSON object")
        self.value = value
        self.where = where

    def raw(self, name: str) -> Any:
        try:
            return self.value[name]
        except KeyError:
            raise InvalidInput(f"{self.where} lacks {name!r}") from None

    def bad(self, name: str, wanted: str) -> InvalidInput:
        return InvalidInput(f"{self.where}: {name!r} should be {wanted}")

    def text(self, name: str, limit: int = 1_000_000) -> str:
        try:  # `raw`, inlined: a file holds 7 texts an entry (issue 10)
            value = self.value[name]
        except KeyError:
            raise InvalidInput(f"{self.where} lacks {name!r}") from None
        if not isinstance(value, str) or len(value) > limit:
            raise self.bad(name, f"a string of at most {limit} characters")
        return value

    def absent_text(self, name: str, limit: int = 1_000_000) -> str:
        """A text that may be absent: null (files from this version on) or "" (older
        files) both read as ""."""
        return "" if self.raw(name) is None else self.text(name, limit)

    def optional_text(self, name: str) -> str | None:
        return None if self.raw(name) is None else self.text(name)

    def integer(self, name: str) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.bad(name, "a whole number")
        return value

    def optional_integer(self, name: str) -> int | None:
        return None if self.raw(name) is None else self.integer(name)

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        if not isinstance(value, bool):
            raise self.bad(name, "true or false")
        return value

    def optional_flag(self, name: str) -> bool:
        """A flag that older files lack: absent (or null) reads as False."""
        return False if self.value.get(name) is None else self.flag(name)

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.raw(name)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.bad(name, "a list of strings")
        return tuple(value)

    def moment(self, name: str) -> datetime:
        value = self.text(name, 64)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.bad(name, "an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise self.bad(name, "an ISO 8601 time with its UTC offset")
        return moment

    def optional_moment(self, name: str) -> datetime | None:
        return None if self.raw(name) is None else self.moment(name)

    def day(self, name: str) -> date | None:
        value = self.optional_text(name)
        try:
            return date.fromisoformat(value) if value is not None else None
        except ValueError:
            raise self.bad(name, "a date YYYY-MM-DD") from None

    def items(self, name: str, read: Callable[[Fields], T]) -> tuple[T, ...]:
        value = self.raw(name)
        if not isinstance(value, list):
            raise self.bad(name, "a list")
        return tuple(read(Fields(item, f"{name}[{i}]")) for i, item in enumerate(value))


MAX_MERGED_TEXT = 1_000_000
"""What a file's entry body or goal why may hold, in characters: more than what one device
writes (MAX_BODY, MAX_WHY), since edits made on several devices at once can merge past those
limits and the entry stays whole (protocol.md 5, "Limits of merged texts"): its export must
import again (NU22 C19). The bound of any string of a file (`Fields.text`)."""


OWN_GONE_WORDS = f"{GONE_FROM_SERVER} {READ_ONLY_COPY}"
"""`access` of the read-only copy of one of the exporter's own journals (`Journal.access`):
how a file from before "own" says it."""


def read_journal(fields: Fields) -> ArchivedJournal:
    journal_id, name, role = (
        fields.text("id", 64),
        fields.text("name", 300),
        fields.text("role", 16),
    )
    owner, archived = fields.text("owner", 64), fields.optional_flag("archived")
    share_ended, unlisted = fields.optional_flag("share_ended"), fields.optional_flag("unlisted")
    return ArchivedJournal(
        journal_id,
        name,
        role,
        owner,
        archived,
        # a copy the server alone stopped serving: "unlisted" only (files before 2026-12-06
        # said both; one of the account's own journals gone from the server, neither)
        role in (ENDED, "revoked") or share_ended or unlisted,
        unlisted,
        share_ended and not unlisted,
        fields.text("access", 64) if fields.value.get("access") is not None else "",
        fields.text("owner_id", 64) if fields.value.get("owner_id") is not None else "",
        fields.optional_flag("own")
        or (not share_ended and not unlisted and fields.value.get("access") == OWN_GONE_WORDS),
    )


def read_entry(fields: Fields) -> ArchivedEntry:
    entry = ArchivedEntry(
        id=fields.text("id", 64),
        journal_id=fields.text("journal_id", 64),
        journal=fields.text("journal", 300),
        title=fields.absent_text("title", MAX_TITLE),
        body=fields.text("body", MAX_MERGED_TEXT),
        mood=fields.optional_integer("mood"),
        tags=fields.strings("tags"),
        emotions=normalize_emotions(fields.strings("emotions")),
        prompt_id=fields.optional_text("prompt_id"),
        created_at=fields.moment("created_at"),
        updated_at=fields.moment("updated_at"),
        # absent from exports made before offsets were recorded
        utc_offset=fields.optional_integer("utc_offset") if "utc_offset" in fields.value else None,
        # absent from exports made before the trash was exported: none of them was trashed
        trashed_at=(fields.optional_moment("trashed_at") if "trashed_at" in fields.value else None),
    )
    try:
        EntryFields(mood=entry.mood, tags=entry.tags, emotions=entry.emotions).validate()
        if entry.prompt_id is not None:
            check_prompt_id(entry.prompt_id)
        if entry.utc_offset is not None:
            check_utc_offset(entry.utc_offset)
    except InvalidInput as error:
        raise InvalidInput(f"{fields.where}: {error}") from None
    return entry


def read_goal(fields: Fields) -> ArchivedGoal:
    goal = ArchivedGoal(
        id=fields.text("id", 64),
        journal_id=fields.text("journal_id", 64),
        journal=fields.text("journal", 300),
        title=fields.text("title", MAX_GOAL_TITLE),
        why=fields.absent_text("why", MAX_MERGED_TEXT),
        target=fields.day("target"),
        measure=fields.optional_text("measure"),
        done=fields.flag("done"),
        done_at=fields.optional_moment("done_at"),
        created_at=fields.moment("created_at"),
        updated_at=fields.moment("updated_at"),
        checkins=fields.items("checkins", read_checkin),
    )
    if not goal.title.strip():
        raise fields.bad("title", "a non-empty string")
    if goal.measure is not None:
        try:
            Measure.parse(goal.measure)
        except InvalidInput as error:
            raise InvalidInput(f"{fields.where}: {error}") from None
    return goal


def read_checkin(fields: Fields) -> ArchivedCheckin:
    return ArchivedCheckin(
        id=fields.text("id", 64),
        at=fields.moment("at"),
        progress=fields.optional_integer("progress"),
        note=fields.absent_text("note", MAX_NOTE),
    )


def read_note(fields: Fields) -> ArchivedNote:
    note = ArchivedNote(
        id=fields.text("id", 64),
        journal_id=fields.text("journal_id", 64),
        journal=fields.text("journal", 300),
        kind=fields.text("kind", 16),
        text=fields.text("text", MAX_NOTE_TEXT),
        author=fields.text("author", 64),
        by_therapist=fields.flag("by_therapist"),
        created_at=fields.moment("created_at"),
    )
    if note.kind not in NOTE_KINDS:
        raise fields.bad("kind", " or ".join(NOTE_KINDS))
    return note


# --- Markdown --------------------------------------------------------------------------------


def entry_markdown(
    entry: ArchivedEntry,
    tz: tzinfo | None = None,
    *,
    share_ended: bool = False,
    unlisted: bool = False,
) -> str:
    """One entry as Markdown with front matter; times in `tz` (None: local time). The
    journal is named and given by id (`journal_id`: two journals may bear one name, a share
    still on and the read-only copy of an ended one); `share_ended: true` for an entry of
    the read-only copy of a share that ended beyond the server's word
    (`ArchivedJournal.share_ended`), `unlisted: true` where only the server says it ended
    (`unlisted`), neither for one of the account's own journals gone from the server: as the
    JSON says it (`Entry.share_ended`, `Entry.unlisted`)."""
    front = [
        ("id", entry.id),
        ("journal", quoted(entry.journal)),
        ("journal_id", quoted(entry.journal_id)),
    ]
    if share_ended or unlisted:  # never both (`ArchivedJournal.to_dict`)
        front.append(("unlisted" if unlisted else "share_ended", "true"))
    front += [
        ("title", quoted(entry.title)),
        ("mood", "null" if entry.mood is None else str(entry.mood)),
        ("tags", quoted_list(entry.tags)),
        ("emotions", quoted_list(entry.emotions)),
    ]
    if entry.prompt_id is not None:
        front.append(("prompt_id", quoted(entry.prompt_id)))
    front += [
        ("created_at", iso(entry.created_at, tz)),
        ("updated_at", iso(entry.updated_at, tz)),
    ]
    if entry.trashed_at is not None:
        front.append(("trashed_at", iso(entry.trashed_at, tz)))
    lines = ["---", *(f"{key}: {value}" for key, value in front), "---", ""]
    body = entry.body if entry.body.endswith("\n") or not entry.body else entry.body + "\n"
    return "\n".join(lines) + "\n" + body


def goals_markdown(
    goals: Iterable[ArchivedGoal], tz: tzinfo | None = None, today: date | None = None
) -> str:
    """A journal's goals and their check-ins, as one Markdown page; each goal's status in
    the words `tj goal list` says it on `today` (default: today in `tz`; NU42 #10: "(open)"
    for a goal listed "due DATE"): goals.status_words."""
    when = today or datetime.now(tz).date()
    lines = ["# Goals", ""]
    for goal in goals:
        status = status_words(goal.done, goal.reached(), goal.target, when)
        lines.append(f"## {goal.title.strip()} ({status})")
        lines.append("")
        details = [
            f"- id: {goal.id}",
            f"- measure: {goal.measure or 'none'}",
            f"- target: {goal.target.isoformat() if goal.target else 'none'}",
            f"- created: {local_minute(goal.created_at, tz)}",
        ]
        if goal.done_at:
            details.append(f"- done: {local_minute(goal.done_at, tz)}")
        lines += details
        if goal.why.strip():
            lines += ["", goal.why.strip()]
        if goal.checkins:
            lines += ["", "Check-ins:", ""]
            for checkin in goal.checkins:
                progress = "" if checkin.progress is None else f" progress {checkin.progress}"
                note = f": {checkin.note}" if checkin.note else ""
                lines.append(f"- {local_minute(checkin.at, tz)}{progress}{note}")
        lines.append("")
    return "\n".join(lines)


def notes_markdown(notes: Iterable[ArchivedNote], tz: tzinfo | None = None) -> str:
    lines = ["# Notes and prompts", ""]
    for note in notes:
        who = f"{note.author} (therapist)" if note.by_therapist else note.author
        if note.in_copy:
            who += f", in {json.dumps(note.in_copy, ensure_ascii=False)}"
        lines += [
            f"## {note.kind} by {who}, {local_minute(note.created_at, tz)}",
            "",
            note.text,
            "",
        ]
    return "\n".join(lines)


def local_minute(moment: datetime, tz: tzinfo | None) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def quoted_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(quoted(v) for v in values) + "]"


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe form of a journal name or title: letters, digits and '-'."""
    cleaned = re.sub(r"[^\w]+", "-", text.casefold(), flags=re.UNICODE).strip("-_")
    return cleaned[:limit].strip("-_") or "untitled"


def entry_filename(entry: ArchivedEntry, tz: tzinfo | None = None) -> str:
    """`2025-03-04-morning-walk-3fa9c2d1.md`: local date, title, and the id keeps it unique."""
    day = entry.created_at.astimezone(tz).strftime("%Y-%m-%d")
    title = slug(entry.title) if entry.title.strip() else "entry"
    return f"{day}-{title}-{entry.id[:8]}.md"
