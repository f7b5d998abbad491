"""Goals a client sets (often together with their therapist) and the check-ins that track them.

A goal is one CRDT document of kind "goal" (protocol.md, "Documents"):

- map `fields`: `title`, `target` (an ISO date or null), `measure` ("5 sessions", "percent"
  or null), `done` and `done_at`, `created_at`, `updated_at` (last-writer-wins, like an
  entry's fields);
- text `why`: why the goal matters (merges like an entry's body);
- array `checkins`: one plain map per check-in, `{"id", "at", "progress", "note"}`;
- map `checkin_edits`: a check-in's edited `progress` and `note`, and when it was edited, under
  the keys "<id>.progress", "<id>.note" and "<id>.at" (each last-writer-wins, so two devices
  editing different parts of one check-in both keep theirs).

Undoing a check-in deletes its item from `checkins` and its keys from `checkin_edits`, so its
words leave the document (a compacted snapshot holds none of them); an undo racing an edit on
another device wins (an edit whose check-in is gone is never shown).

Check-ins live in the goal's own document because Yjs keeps every value pushed onto an array,
also when two offline devices push at the same time: both check-ins survive the merge, in the
same order on every device, and the goal syncs, shares and compacts as one unit.

How progress counts depends on the measure:

| measure | a check-in's `progress` | the goal's progress |
|---|---|---|
| "N sessions" | sessions it records (default 1) | the sum, out of N |
| "percent" | the percentage reached (0-100) | the latest check-in's value, out of 100 |
| none | ignored | the number of check-ins |

The range of one check-in's `progress` (`check_progress`): a whole number from 0 to
MAX_SESSIONS (1,000, the largest N a goal can count) on an "N sessions" goal or one without
a measure, 0 to 100 on a "percent" goal; outside it, InvalidInput and nothing changed. The
sessions recorded may pass N, and are kept: a client may well go to more sessions than
planned, and check-ins made at once offline on two devices all count anyway (the rule `tj
goal checkin` has always followed: it keeps the check-in and notes that it is more
than the goal's N). The goal's `progress` then says how many (15 of 12), `fraction` stops at
1 and `reached` is True. Only the user marks a goal done (`complete_goal_update`,
`Goals.complete`): reaching N never sets `done` (NU27 C14).

This module is pure: no I/O, no clock, no randomness (callers pass times and ids).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from client_sdk.errors import BAD_VALUE, InvalidInput, NotFound, ambiguous_id
from client_sdk.models import EPOCH, json_time, read_time

if TYPE_CHECKING:  # documents brings pycrdt, which `tj` starts without (settling reads this)
    from client_sdk.documents import Document

GOAL = "goal"
CHECKIN_FIELD = "checkin.{id}.{part}"
"""How a check-in's settling part ("progress" or "note") is named among its goal's fields:
"checkin.3f2a9c8d.note"."""
CHECKINS = "checkins"
CHECKIN_EDITS = "checkin_edits"
EDITED_PARTS = ("progress", "note", "at")
MAX_GOAL_TITLE = 200
MAX_WHY = 10_000
MAX_NOTE = 2_000
MAX_SESSIONS = 1_000
SESSIONS = "sessions"
PERCENT = "percent"
_SESSIONS = re.compile(r"^\s*(\d+)\s*sessions?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Measure:
    """How a goal's progress is measured: `target` sessions, or a percentage out of 100."""

    kind: str
    target: int

    @classmethod
    def parse(cls, text: str) -> Measure:
        """Read "5 sessions" (or "1 session") or "percent"."""
        if text.strip().lower() in (PERCENT, "%"):
            return cls(PERCENT, 100)
        match = _SESSIONS.match(text)
        if match is None or not 1 <= int(match.group(1)) <= MAX_SESSIONS:
            raise InvalidInput(
                f'a goal\'s measure is "N sessions" (N from 1 to {MAX_SESSIONS}; any count of '
                'times: "12 sessions" for 12 walks) or "percent", '
                f"not {text!r}",
                subject=BAD_VALUE,
            )
        return cls(SESSIONS, int(match.group(1)))

    def __str__(self) -> str:
        if self.kind == PERCENT:
            return PERCENT
        return f"{self.target} session{'s' if self.target != 1 else ''}"


@dataclass(frozen=True)
class CheckIn:
    """One check-in on a goal: its id, when (`at`, UTC), the `progress` it records (sessions
    or percent, by the goal's measure; None for a plain note), its `note`, and when it was
    last edited (`edited_at`, UTC; None if never)."""

    id: str
    at: datetime
    progress: int | None
    note: str
    edited_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "id": self.id,
            "at": json_time(self.at),
            "progress": self.progress,
            "note": self.note or None,
            "edited_at": json_time(self.edited_at) if self.edited_at else None,
        }


@dataclass(frozen=True)
class Goal:
    """Plain values of a goal document at one moment, with its progress worked out.

    `progress` counts in the measure's unit (sessions may pass the target: 15 of 12);
    `fraction` is progress out of the measure's target, from 0 to 1 (None without a
    measure); `reached` says the target is met. `done` is only the user's mark
    (`Goals.complete`), never set by reaching the target (see the module's docstring)."""

    id: str
    journal: str
    journal_id: str
    title: str
    why: str
    target: date | None
    measure: Measure | None
    done: bool
    done_at: datetime | None
    created_at: datetime
    updated_at: datetime
    checkins: tuple[CheckIn, ...]
    progress: int
    fraction: float | None
    deleted: bool = False

    @property
    def reached(self) -> bool:
        """The measure's target is met: all N sessions recorded (or more), or 100 percent
        reached. False without a measure. Not `done`, which only the user sets."""
        return self.fraction is not None and self.fraction >= 1.0

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON shape (the CLI's `--json`)."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "title": self.title,
            "why": self.why or None,
            "target": self.target.isoformat() if self.target else None,
            "measure": str(self.measure) if self.measure else None,
            "done": self.done,
            "done_at": json_time(self.done_at) if self.done_at else None,
            "created_at": json_time(self.created_at),
            "updated_at": json_time(self.updated_at),
            "progress": self.progress,
            "fraction": self.fraction,
            "checkins": [checkin.to_dict() for checkin in self.checkins],
        }


# --- changes -----------------------------------------------------------------------------------


def check_title(title: str) -> str:
    title = title.strip()
    if not title or len(title) > MAX_GOAL_TITLE:
        raise InvalidInput(f"a goal's title is 1 to {MAX_GOAL_TITLE} characters", subject=BAD_VALUE)
    return title


def check_why(why: str, current: str = "") -> str:
    """`why` if it is within MAX_WHY characters, or no longer than the `current` why that
    concurrent edits merged past it (documents.check_text_limit); else InvalidInput."""
    from client_sdk.documents import check_text_limit

    check_text_limit("a goal's why", MAX_WHY, current, why)
    return why


def new_goal_update(
    document: Document,
    title: str,
    now_ms: int,
    *,
    why: str = "",
    target: date | None = None,
    measure: Measure | None = None,
) -> bytes:
    """Create a goal: every field of the map, and the why text."""
    return document.change(
        fields={
            "title": check_title(title),
            "target": _day_text(target) if target else None,
            "measure": str(measure) if measure else None,
            "done": False,
            "done_at": None,
            "created_at": now_ms,
            "updated_at": now_ms,
        },
        texts={"why": check_why(why)},
    )


def edit_goal_update(
    document: Document,
    now_ms: int,
    *,
    title: str | None = None,
    why: str | None = None,
    target: date | None = None,
    measure: Measure | None = None,
    clear_target: bool = False,
    clear_measure: bool = False,
) -> bytes:
    """Change the given parts of a goal; a new why replaces only the changed middle.
    `clear_target` / `clear_measure` set them back to none."""
    changed: dict[str, Any] = {"updated_at": now_ms}
    if title is not None:
        changed["title"] = check_title(title)
    if clear_target:
        changed["target"] = None
    if clear_measure:
        changed["measure"] = None
    if target is not None:
        changed["target"] = _day_text(target)
    if measure is not None:
        changed["measure"] = str(measure)
    texts = {"why": check_why(why, document.text("why"))} if why is not None else None
    return document.change(fields=changed, texts=texts)


def checkin_update(
    document: Document,
    checkin_id: str,
    now_ms: int,
    *,
    progress: int | None = None,
    note: str = "",
    at_ms: int | None = None,
) -> bytes:
    """Add a check-in at the end of the goal's list (concurrent check-ins are all kept),
    dated `at_ms` (default `now_ms`, which also dates the goal's change). Dated by default, it
    comes after the goal's latest check-in when that one is dated at most documents.NUDGE_MS ahead of
    `now_ms` (two check-ins in one millisecond, or a clock stepped back a little): dated 1 ms
    after it, so that "the latest check-in" (by time, then id) is this one, not the one of
    the two whose random id sorts last."""
    measure = goal_measure(document)
    if progress is not None:
        check_progress(progress, measure)
    elif measure is not None and measure.kind == SESSIONS:
        progress = 1
    check_note(note)
    from client_sdk.documents import dated_after

    at = dated_after(now_ms, _latest_at_ms(document)) if at_ms is None else at_ms
    checkin = {"id": checkin_id, "at": at, "progress": progress, "note": note}
    return document.change(fields={"updated_at": now_ms}, pushes={CHECKINS: checkin})


def _latest_at_ms(document: Document) -> int | None:
    """The latest `at` (ms) of the goal's check-in items, None when there is none readable."""
    times = [
        int(value["at"])
        for value in document.items(CHECKINS)
        if isinstance(value, dict)
        and isinstance(value.get("at"), int | float)
        and not isinstance(value.get("at"), bool)
        and math.isfinite(value["at"])
    ]
    return max(times, default=None)


def check_note(note: str) -> None:
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"a check-in note is at most {MAX_NOTE} characters", subject=BAD_VALUE)


def find_checkin(document: Document, checkin_id: str | None) -> CheckIn:
    """The goal's check-in whose id is `checkin_id` or starts with it (4+ hex digits), or
    its latest (by `at`, then id) when None. Raises NotFound when there is none,
    InvalidInput for a malformed or ambiguous id."""
    checkins = goal_checkins(document)
    if checkin_id is None:
        if not checkins:
            raise NotFound("the goal has no check-ins", subject="document")
        return checkins[-1]
    wanted = checkin_id.strip().lower()
    if len(wanted) < 4 or any(c not in "0123456789abcdef" for c in wanted):
        raise InvalidInput(
            f"{checkin_id!r} is not a check-in id (4 to 16 hex digits)", subject=BAD_VALUE
        )
    matches = [c for c in checkins if c.id.startswith(wanted)]
    if not matches:
        raise NotFound(f"the goal has no check-in {checkin_id}", subject="document")
    if len(matches) > 1:
        raise ambiguous_id(checkin_id, f"{len(matches)} check-ins")
    return matches[0]


def edit_checkin_update(
    document: Document,
    checkin_id: str,
    now_ms: int,
    *,
    progress: int | None = None,
    note: str | None = None,
    clear_progress: bool = False,
) -> bytes:
    """Change a check-in's progress (`clear_progress`: none, a plain note) and/or note; what
    is not given stays. The check-in keeps its time and place. Raises InvalidInput for
    nothing to change, progress out of the goal's range, or a note over MAX_NOTE."""
    check_checkin_edit(document, progress, note, clear_progress)
    edits: dict[str, Any] = {f"{checkin_id}.at": now_ms}
    if progress is not None:
        edits[f"{checkin_id}.progress"] = progress
    if clear_progress:
        edits[f"{checkin_id}.progress"] = None
    if note is not None:
        edits[f"{checkin_id}.note"] = note
    return document.change(fields={"updated_at": now_ms}, keyed={CHECKIN_EDITS: edits})


def check_checkin_edit(
    document: Document, progress: int | None, note: str | None, clear_progress: bool
) -> None:
    """Refuse a check-in's edit (`edit_checkin_update`) as it would be refused: raises
    InvalidInput for nothing to change, progress out of the goal's range, or a note over
    MAX_NOTE."""
    if progress is None and note is None and not clear_progress:
        raise InvalidInput("nothing to change: give a progress or a note", subject=BAD_VALUE)
    if progress is not None and clear_progress:
        raise InvalidInput("give a progress or clear it, not both", subject=BAD_VALUE)
    if progress is not None:
        check_progress(progress, goal_measure(document))
    if note is not None:
        check_note(note)


def remove_checkin_update(document: Document, checkin_id: str, now_ms: int) -> bytes:
    """Undo a check-in: its item leaves `checkins` and its edits leave `checkin_edits`."""
    return document.change(
        fields={"updated_at": now_ms},
        drops={CHECKINS: lambda value: isinstance(value, dict) and value.get("id") == checkin_id},
        unkeyed={CHECKIN_EDITS: [f"{checkin_id}.{part}" for part in EDITED_PARTS]},
    )


def check_progress(progress: int, measure: Measure | None) -> None:
    """Refuse one check-in's `progress` out of its range (the module's docstring): not a
    whole number, below 0, above 100 on a percent goal or above MAX_SESSIONS."""
    if isinstance(progress, bool) or not isinstance(progress, int):
        raise InvalidInput("a check-in's progress is a whole number", subject=BAD_VALUE)
    if measure is not None and measure.kind == PERCENT and not 0 <= progress <= 100:
        raise InvalidInput(
            "progress on a percent goal is a percentage from 0 to 100", subject=BAD_VALUE
        )
    if not 0 <= progress <= MAX_SESSIONS:
        raise InvalidInput(f"a check-in's progress is from 0 to {MAX_SESSIONS}", subject=BAD_VALUE)


def delete_goal_update(document: Document, now_ms: int) -> bytes:
    """Delete a goal for good: `deleted` = true (never set back), and its title, why,
    target, measure and check-ins cleared, so that a compacted snapshot holds none of it
    (like an entry's delete)."""
    return document.change(
        fields={
            "deleted": True,
            "title": "",
            "target": None,
            "measure": None,
            "updated_at": now_ms,
        },
        texts={"why": ""},
        clears=(CHECKINS,),
        unkeyed={CHECKIN_EDITS: list(document.keyed(CHECKIN_EDITS))},
    )


def goal_deleted(document: Document) -> bool:
    return document.field("deleted") is True


def complete_goal_update(document: Document, now_ms: int) -> bytes:
    return document.change(fields={"done": True, "done_at": now_ms, "updated_at": now_ms})


# --- reading -----------------------------------------------------------------------------------


def goal_measure(document: Document) -> Measure | None:
    raw = document.field("measure")
    if not isinstance(raw, str):
        return None
    try:
        return Measure.parse(raw)
    except InvalidInput:
        return None


def goal_view(document: Document, journal: str, journal_id: str) -> Goal:
    """Read a goal forgivingly, like an entry: odd values read as absent."""
    measure = goal_measure(document)
    checkins = goal_checkins(document)
    progress, fraction = goal_progress(measure, checkins)
    return Goal(
        id=document.doc_id.hex(),
        journal=journal,
        journal_id=journal_id,
        title=_text(document.field("title")),
        why=document.text("why"),
        target=_date(document.field("target")),
        measure=measure,
        done=document.field("done") is True,
        # Unreadable times (absent, or no datetime holds them) read as absent: the epoch.
        done_at=read_time(document.field("done_at")),
        created_at=read_time(document.field("created_at")) or EPOCH,
        updated_at=read_time(document.field("updated_at")) or EPOCH,
        checkins=checkins,
        progress=progress,
        fraction=fraction,
        deleted=goal_deleted(document),
    )


def settling_values(document: Document) -> dict[str, Any]:
    """A goal's fields whose concurrent changes settle on one value (settling.GOAL_FIELDS:
    title, target as "YYYY-MM-DD", measure as its text; and each check-in's progress and
    note, named "checkin.ID.progress" and "checkin.ID.note": settling.CHECKIN_FIELD), as
    JSON values, read as `goal_view` reads them. The why, a text, merges instead."""
    target = _date(document.field("target"))
    measure = goal_measure(document)
    values: dict[str, Any] = {
        "title": _text(document.field("title")),
        "target": target.isoformat() if target is not None else None,
        "measure": str(measure) if measure is not None else None,
    }
    for checkin in goal_checkins(document):
        values[CHECKIN_FIELD.format(id=checkin.id, part="progress")] = checkin.progress
        values[CHECKIN_FIELD.format(id=checkin.id, part="note")] = checkin.note
    return values


def goal_checkins(document: Document) -> tuple[CheckIn, ...]:
    return read_checkins(document.items(CHECKINS), document.keyed(CHECKIN_EDITS))


def read_checkins(values: list[Any], edits: dict[str, Any] | None = None) -> tuple[CheckIn, ...]:
    """Check-ins by time (ties by id), with their edits applied, skipping values that are not
    check-ins. A check-in that two items carry (an old client's copy) is read once."""
    edits = edits or {}
    found: dict[str, CheckIn] = {}
    for value in values:
        if not isinstance(value, dict) or not isinstance(value.get("id"), str):
            continue
        checkin_id = value["id"]
        progress = _number(value.get("progress"))
        if f"{checkin_id}.progress" in edits:
            progress = _number(edits[f"{checkin_id}.progress"])
        note = edits.get(f"{checkin_id}.note", value.get("note"))
        edited_at = read_time(edits.get(f"{checkin_id}.at"))
        at = read_time(value.get("at")) or EPOCH  # unreadable (e.g. 2**53 ms): as if absent
        found.setdefault(
            checkin_id,
            CheckIn(
                id=checkin_id,
                at=at,
                progress=progress,
                note=note if isinstance(note, str) else "",
                edited_at=edited_at,
            ),
        )
    return tuple(sorted(found.values(), key=lambda c: (c.at, c.id)))


def goal_progress(
    measure: Measure | None, checkins: tuple[CheckIn, ...]
) -> tuple[int, float | None]:
    """(progress in the measure's unit, fraction of the target from 0 to 1)."""
    if measure is None:
        return len(checkins), None
    if measure.kind == PERCENT:
        reported = [c.progress for c in checkins if c.progress is not None]
        progress = reported[-1] if reported else 0
    else:
        progress = sum(c.progress for c in checkins if c.progress is not None)
    return progress, max(0.0, min(progress / measure.target, 1.0))


def status_words(
    done: bool, reached: bool, target: date | None, today: date, done_on: date | None = None
) -> str:
    """A goal's status as every command and export says it (NU42 #10: "due DATE" in `tj goal
    list`, "open" in `tj insights` and the Markdown export, for one goal at one moment):
    "done DATE" ("done" without `done_on`), "reached" once its measure's target is met (only
    the user marks it done, NU38 #4), "overdue DATE" once its target date passed before
    `today` (NU35 #9), "due DATE" before it, else "open". Pure."""
    if done:
        return f"done {done_on.isoformat()}" if done_on is not None else "done"
    if reached:
        return "reached"
    if target is None:
        return "open"
    return f"{'overdue' if target < today else 'due'} {target.isoformat()}"


def parse_goal_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"a goal's target date is YYYY-MM-DD, not {text!r}", subject=BAD_VALUE
        ) from None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _day_text(target: date) -> str:
    """A target day as stored, "YYYY-MM-DD". A datetime (a date to Python) is refused: its
    ISO text holds a time, which no reader took as a day (NU45 #2)."""
    if isinstance(target, datetime):
        raise InvalidInput(
            "a goal's target is a calendar day (a datetime.date), not a datetime: pass its .date()",
            subject=BAD_VALUE,
        )
    return target.isoformat()


def _date(value: Any) -> date | None:
    """A stored target: an ISO date, or the day of an ISO date-time (as SDK versions that
    took a datetime for a day stored it, NU45 #2); anything else reads as no target."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def _number(value: Any) -> int | None:
    """Yjs numbers arrive as floats; read them as whole numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or abs(value) > 2**53:
        return None
    return int(value)
