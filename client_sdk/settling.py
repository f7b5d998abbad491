"""When two devices change the same field of an entry, a goal, a goal's check-in, a safety
plan or homework while apart, the merge keeps one value everywhere (protocol.md 5, rule 3: the Yjs client
with the higher id wins; wall clocks play no part). Nothing of it is silent on the device
whose value lost:

- every value this device writes to an entry's title, mood, tags, emotions or date, to a
  goal's title, target or measure (GOAL_FIELDS), to a check-in's progress or note
  (CHECKIN_FIELD), to a safety plan's emergency number, crisis line or safety-flag opt-in
  (PLAN_FIELDS), or to homework's values and completion is kept in its local history
  (`FieldWrite`; `client.entries.history`, `client.goals.history`, `client.safety.history`,
  `client.homework.history`), the losing one included; the values given when this device
  created the document open it (`given_values`: an entry's kept on its document's row,
  store.CREATED_VALUES, the others' as field writes marked synced): no sync compares them,
  since no other device held the document before it was sent;
- the first sync that brings another device's change of that document after this device's
  change compares: a field now holding another value than the one this device wrote is
  reported (`Settled` in `SyncReport.settled`): which field of which document, the value
  kept, and this device's value, quoted in its line. So whichever device's value loses a
  merge, that device is told, whether it synced first or second.

Honest limit: a device cannot tell a concurrent change from one made later on another device
after seeing this one (both replace its value); the report says the value was changed on
another device, which is true of both.

An edit made here to an entry that another device moved to the trash meanwhile (protocol.md
5: the trash is a field, so the edit merges into the trashed entry; a delete for good wins
over any edit) is not silent either (NU22 C12). What a careful journaling app does: the
other device's trash stands (the user there chose to put the entry away, and an entry put
away must not come back by itself: it may be one its writer did not want to see again), the
edit is kept in the trashed entry (restoring it shows it), and this device is told, once,
with the command that restores it (`OvertakenEdit` in `SyncReport.overtaken`). Here the
device can tell a concurrent trash from a later one: every edit here leaves a mark
(`EDITED`, with the counter of the record that carried it), and the removing record's
signed seen vector says whether its writer had received that record (`sync.Removal`). A
trash made after seeing the edit is the user's choice on the edited text: nothing to tell.

A text this device changed that another device's change reached meanwhile is merged, not
settled (protocol.md 5: concurrent text edits are all kept): an entry's body, a goal's why,
a safety plan's text (`MERGED_TEXTS`). The first sync that brings another device's change of
that document after this device's text change, and leaves the text other than this device
wrote it, says so once (`MergedText` in `SyncReport.merged_texts`, naming the kind of
document), so the user reads the merged text (NU24 C1). The same honest limit: a change made
on the other device after seeing this one is told too. (A private note, a therapist's note
and a brief have texts too, but no device edits them after writing them: they are never
merged.)

Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from client_sdk.goals import CHECKIN_FIELD as CHECKIN_FIELD  # named here too
from client_sdk.goals import CheckIn
from client_sdk.models import ID_SHOWN, json_time, quoted_name, read_time, to_datetime
from client_sdk.yjs_updates import Id, KeyWrites

if TYPE_CHECKING:  # documents brings pycrdt, which `tj` starts without
    from client_sdk.documents import EntryView

Clock = Callable[[datetime], str]
"""How a report's sentence writes a time (an aware datetime -> text). The default, `utc_clock`,
gives "2026-12-01 18:47 UTC"; an app passes one in the user's local time (the CLI's gives
"2026-12-01 18:47" in the local time zone)."""

FIELD_WORDS = {"created_at": "date", "emotions": "emotions", "tags": "tags"}
"""An entry field's name in a sentence, where it differs from the field's own name."""
LIST_FIELDS = ("tags", "emotions")
"""Entry fields holding a list, which settle as a whole (protocol.md 5)."""


def utc_clock(moment: datetime) -> str:
    """The default `Clock`: "2026-12-01 18:47 UTC"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def value_text(field: str, value: Any, clock: Clock = utc_clock) -> str:
    """A settling field's value in plain words: "none" for no value, a date by `clock`, a
    list joined with ", ", anything else as `str()`."""
    if value is None or value == [] or value == "":
        return "none"
    if field == "created_at" and (moment := read_time(value)) is not None:
        return clock(moment)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


SETTLED_FIELDS = ("title", "mood", "tags", "emotions", "created_at")
"""Entry fields whose concurrent changes settle on one value (the body's text merges)."""

EDITED = "~edited"
"""The name under which an edit made here is marked in the local field writes (one per
entry, the latest: its value is the counter of the record that carried it). Not a field:
`client.entries.history` leaves it out."""

WRITTEN_BODY = "~body"
"""The name under which the text this device last wrote to a document (an entry's body, a
goal's why, a safety plan's text: `MERGED_TEXTS`) is kept in the local field writes until a
sync compares it with the merged text. Not a field: history leaves it out."""

TAG_OPS = "~tag_ops"
"""The name under which the tags this device added and removed (`tj edit --tag/--untag`,
`entries.edit(add_tags=..., remove_tags=...)`) are kept in the local field writes: a JSON
object {"ops": [{"tag": ..., "add": true|false, "items": [[client, clock], ...]}, ...]},
each op with the ids of the Yjs items of the `tags` values that did what it wants here: its
edit's, those this device wrote on top of them or applied it again in, and values another
device wrote that the judgment found doing it. An addition is dropped once another item of
`tags` was written on top of one of its items (`KeyWrites.written_on`: its writer saw the
tag and chose after it), a removal once the value held was (`KeyWrites.holds`); where a
value another device wrote without ever seeing it replaced this device's, the sync applies
it again as a new edit (`judge_tag_ops`: NU34 #1, a tag added here while the other device
removed another one went with this device's whole list). Written in the transaction of the
edit that makes them (REV-TAGS2 F3, F4). Not a field: history leaves it out."""

TAGS_ARRIVED = "~tags_arrived"
"""The mark of an entry whose TAG_OPS are to be judged at the next sync: written with a
pulled page that brought a record from elsewhere (Replica), and by a local change after which
the ops may be applied now (a restore of the entry from the trash; an edit of its tags
committed where the ops kept want a value the stored one lacks: another process of the
profile wrote them at once, or a tag edit after a judgment left for later: REV-TAGS2 F2,
F6); forgotten in the transaction that writes the judgment of its tags (`judge_tag_ops`), so
that a sync that did not get that far (its push refused or cut off, the process ended)
leaves it to the next one. Not a field."""

MERGED = "~merged"
"""The name under which each merge of an entry's text told on this device is kept in the
local field writes (value: when this device had changed the text, ms; `at`: when the sync
merged it), for `client.entries.merges`. Not a field: history leaves it out."""

BODY_BEFORE = "~body_before"
"""The name under which an entry's body as it was before this device's first text edit not
yet compared by a sync is kept in the local field writes (beside WRITTEN_BODY), so that the
words this device added can be told apart (`added_text`) when another device deletes the
entry for good before receiving them (`OvertakenEdit.kept_text`). Not a field."""

MARKS = (EDITED, WRITTEN_BODY, BODY_BEFORE, MERGED, TAG_OPS, TAGS_ARRIVED)
"""The names in the local field writes that are marks, not a field's values."""

MERGED_TEXTS = {"entry": "body", "goal": "why", "safety_plan": "plan"}
"""Document kind -> the name of its text that a device edits after writing it, so that two
devices' changes of it merge (protocol.md 5, rule 2) and the merge is told (`MergedText`)."""


def field_values(view: EntryView) -> dict[str, Any]:
    """The settling fields of an entry, as JSON values (tags and emotions as lists)."""
    return {
        "title": view.title,
        "mood": view.mood,
        "tags": list(view.tags),
        "emotions": list(view.emotions),
        "created_at": view.created_at,
    }


def encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class FieldWrite:
    """A value this device wrote to a settling field of a document (`kind`: "entry", "goal",
    "safety_plan" or "homework"; `doc_id` its id, hex), and when (UTC):
    `client.entries.history`, `client.goals.history`, `client.safety.history`,
    `client.homework.history`. Fields are named as in `Settled.field`
    (an entry's `created_at` values are ms since the epoch)."""

    doc_id: str
    field: str
    value: Any
    at: datetime
    kind: str = "entry"

    @property
    def entry_id(self) -> str:
        """The entry's id (hex) for an entry's field, "" for another kind."""
        return self.doc_id if self.kind == "entry" else ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex; a text or id
        not known or not there (no title, no device named, no journal known) null, never ""."""
        return {
            "kind": self.kind,
            "id": self.doc_id,
            "entry_id": self.entry_id or None,
            "field": self.field,
            "value": self.value,
            "at": json_time(self.at),
        }


GOAL_FIELDS = ("title", "target", "measure")
"""A goal's fields whose concurrent changes settle on one value (its why, a text, merges);
a check-in's settle too, named CHECKIN_FIELD."""
PLAN_FIELDS = ("emergency_number", "crisis_line", "share_flags")
"""A safety plan's fields whose concurrent changes settle on one value (its text merges).
Homework's settle too: each of its values, named "values.ID", and its completion."""
KIND_WORDS = {
    "entry": "entry",
    "goal": "goal",
    "safety_plan": "safety plan",
    "homework": "homework",
}
"""A document kind with settling fields, in a sentence."""
OTHER_FIELD_WORDS = {
    "emergency_number": "emergency number",
    "crisis_line": "crisis line",
    "share_flags": "safety-flag opt-in",
}
"""A goal's or safety plan's field name in a sentence, where it differs from the name."""


CHECKIN_MADE = "~made"
"""The part of a CHECKIN_FIELD name under which a check-in made on this device is marked in
the local field writes ("checkin.3f2a9c8d.~made", its value the check-in as JSON with its
goal's title), until a record of another device about the goal arrives: a sync that finds
the goal deleted by then tells the check-in that went with it (`OvertakenEdit.checkins`).
Not a field: history leaves it out (`is_mark`); undoing the check-in forgets it."""


def is_mark(name: str) -> bool:
    """Whether the local field write `name` is a mark (MARKS, a check-in's CHECKIN_MADE),
    not a field's value."""
    if name in MARKS:
        return True
    part = checkin_part(name)
    return part is not None and part[1] == CHECKIN_MADE


def checkin_part(name: str) -> tuple[str, str] | None:
    """(check-in id, part) of a CHECKIN_FIELD name, None for another name."""
    pieces = name.split(".")
    if len(pieces) != 3 or pieces[0] != "checkin":
        return None
    return pieces[1], pieces[2]


def changed_values(before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """The settling fields an edit changed (`before` and `after` it: a document kind's
    values, e.g. `field_values`), JSON-encoded, as kept in the local field writes; a field
    `before` lacks (a check-in merged in meanwhile) is not this edit's."""
    return {
        name: encode(value)
        for name, value in after.items()
        if name in before and encode(before[name]) != encode(value)
    }


def given_values(values: dict[str, Any]) -> dict[str, Any]:
    """The settling fields a document's creation gave a value (`values`: its kind's values
    right after the creation's own update, e.g. `field_values`), as JSON values; a field
    left without one (None, "", an empty list: "none") is not a value given. An entry's
    are kept in its history on its row (store.CREATED_VALUES), encoded there once."""
    return {name: value for name, value in values.items() if value not in (None, "", [])}


def created_values(values: dict[str, Any]) -> dict[str, str]:
    """`given_values`, each JSON-encoded, as kept in a history's field writes
    (`Transaction.remember_creation`: a goal's, a check-in's, a safety plan's, homework's)."""
    return {name: encode(value) for name, value in given_values(values).items()}


@dataclass(frozen=True)
class Settled:
    """A field of a document this device changed that another device's change replaced:
    `kept` is the value every device now holds, `mine` the one this device had written (at
    `at`, UTC; still in the document's history). `kind` is the document's kind and `doc_id`
    its id (hex): "entry" (title, mood, tags, emotions, created_at: `client.entries.history`),
    "goal" (title, target, measure, and a check-in's progress and note, named
    "checkin.ID.progress" and "checkin.ID.note": `client.goals.history`) or "safety_plan"
    (emergency_number, crisis_line, share_flags: `client.safety.history`) or "homework"
    (each value, named "values.ID" by the template's field id, and completion:
    `client.homework.history`). `title` is the entry's or goal's title, homework's
    template's ("" for a safety plan), `journal` the journal's name as
    `client.journals.list` shows it and `journal_id` its id (hex; both "" when not known).
    `applied_again`: the tags another
    device changed without this device's edit, to which the sync applied this device's
    additions and removals again (TAG_OPS: `kept` is the result, sent at the next sync)."""

    doc_id: str
    title: str
    field: str
    mine: Any
    kept: Any
    at: datetime
    applied_again: bool = False
    added: tuple[str, ...] | None = None
    """Of tags this device changed by additions and removals (TAG_OPS), the tags it added: `lost`
    names only those (what else its list had that the kept one lacks, the other device removed, and
    that removal stands). None: every item."""
    kind: str = "entry"
    journal: str = ""
    journal_id: str = ""
    repeated: bool = False
    """For a safety plan: the text another device wrote apart held this device's whole
    (fix31c 6), so the two texts kept one after the other say this device's words twice."""

    @property
    def entry_id(self) -> str:
        """The entry's id (hex) for an entry's field, "" for another kind."""
        return self.doc_id if self.kind == "entry" else ""

    def line(self, clock: Clock = utc_clock, *, keeps: str = "", add_back: str = "") -> str:
        """What to tell the user, in words, e.g. "Settled: the mood of entry
        3f2a9c8d1e0b ("Monday") was changed on another device; it is '8' everywhere now. This
        device had '5': the entry's history keeps it." `keeps` names where this device's
        value is kept in the app's words (the CLI: "`tj history 3f2a9c8d1e0b`"; default
        "the entry's history", "the goal's history", "the safety plan's history"); a date
        value is written by `clock`. Tags and emotions "were" changed, and those this device
        had that are not kept are named (`lost`: a tag added here while another
        device removed another went with the whole list), with `add_back` after them when
        given (the CLI: how to add them again)."""
        if self.kind != "entry":
            return self._other_line(clock, keeps)
        name = FIELD_WORDS.get(self.field, self.field)
        titled = f' ("{self.title}")' if self.title else ""
        verb = "were" if self.field in LIST_FIELDS else "was"
        lost = self.lost()
        missing = ""
        if lost:
            named = ", ".join(repr(item) for item in lost)
            missing = f" ({named} not kept{': ' + add_back if add_back else ''})"
        kept = value_text(self.field, self.kept, clock)
        keeps = keeps or "the entry's history"
        now = (
            f"this device's additions and removals were applied to them again: they are "
            f"{quoted_name(kept)} now (sent at the next sync)"
            if self.applied_again
            else f"it is {quoted_name(kept)} everywhere now"
        )
        return (
            f"Settled: the {name} of entry {self.entry_id[:ID_SHOWN]}{titled} {verb} changed "
            f"on another device; {now}. This device had "
            f"{value_text(self.field, self.mine, clock)!r}{missing}: {keeps} keeps it."
        )

    def _other_line(self, clock: Clock, keeps: str) -> str:
        """`line` for a goal's or safety plan's field: "Settled: the emergency number of the
        safety plan of Personal was changed on another device; it is '999' everywhere now.
        This device had '112': the safety plan's history keeps it." A check-in's part: "the
        note of check-in 81d0ab3c2e4f of goal 'Sleep' (3f2a9c8d1e0b)"."""
        doc = self.doc_id[:ID_SHOWN]
        if self.kind == "goal":
            owner = f"goal {quoted_name(self.title)} ({doc})"
        elif self.kind == "homework":
            owner = f"homework {quoted_name(self.title)} ({doc})"
        else:
            owner = f"the safety plan of {self.journal}" if self.journal else "the safety plan"
        part = checkin_part(self.field)
        if part is not None:
            what = f"the {part[1]} of check-in {part[0][:ID_SHOWN]} of {owner}"
        elif self.field.startswith("values."):  # homework's value, by its field id
            what = f"the value {quoted_name(self.field[len('values.') :])} of {owner}"
        else:
            what = f"the {OTHER_FIELD_WORDS.get(self.field, self.field)} of {owner}"
        where = keeps or f"the {KIND_WORDS.get(self.kind, self.kind)}'s history"
        if self.kind == "homework":  # an edit writes every value: the other device's whole
            field = what.removesuffix(f" of {owner}")  # set won, maybe not this field (NU57 #8)
            return (
                f"Settled: another device's edit of {owner} was kept whole (an edit writes "
                f"every value); {field} is {quoted_name(self._text(self.kept, clock))} "
                f"everywhere now. This device had {self._text(self.mine, clock)!r}: {where} "
                "keeps it."
            )
        return (
            f"Settled: {what} was changed on another device; it is "
            f"{quoted_name(self._text(self.kept, clock))} everywhere now. This device had "
            f"{self._text(self.mine, clock)!r}: {where} keeps it."
        )

    def _text(self, value: Any, clock: Clock) -> str:
        if isinstance(value, bool):  # the safety-flag opt-in; a homework's yes/no
            return (
                ("yes" if value else "no")
                if self.kind == "homework"
                else ("on" if value else "off")
            )
        return value_text(self.field, value, clock)

    def lost(self) -> list[str]:
        """Of a list field (tags, emotions), the items this device had that the kept value
        lacks (ignoring case, as tags do), in this device's order, only those it added when
        `added` is given; [] for any other field, and for tags `applied_again`."""
        if self.field not in LIST_FIELDS or not isinstance(self.mine, list):
            return []
        if self.applied_again and self.added is None:  # this device's additions are in
            return []  # `kept`; what else went is the other device's removal (REV-TAGS F7)
        kept = self.kept if isinstance(self.kept, list) else []
        held = {str(item).casefold() for item in kept}
        ours = None if self.added is None else {tag.casefold() for tag in self.added}
        return [
            str(item)
            for item in self.mine
            if str(item).casefold() not in held and (ours is None or str(item).casefold() in ours)
        ]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex; a text or id
        not known or not there (no title, no device named, no journal known) null, never ""."""
        return {
            "kind": self.kind,
            "id": self.doc_id,
            "entry_id": self.entry_id or None,
            "title": self.title or None,
            "journal": self.journal or None,
            "journal_id": self.journal_id or None,
            "field": self.field,
            "mine": self.mine,
            "kept": self.kept,
            "lost": self.lost(),
            "applied_again": self.applied_again,
            "at": json_time(self.at),
        }


def settled_fields(
    doc_id: bytes,
    title: str,
    pending: dict[str, tuple[str, int]],
    now: dict[str, Any],
    kind: str = "entry",
    journal: str = "",
    journal_id: str = "",
) -> list[Settled]:
    """The fields this device changed (`pending`: field -> (its last value, JSON-encoded, and
    when, ms)) whose value after a sync (`now`: the document kind's settling values) is
    another one."""
    found = []
    for name, (mine, at) in sorted(pending.items()):
        if name in now and encode(now[name]) != mine:
            found.append(
                Settled(
                    doc_id.hex(),
                    title,
                    name,
                    json.loads(mine),
                    now[name],
                    to_datetime(at),
                    kind=kind,
                    journal=journal,
                    journal_id=journal_id,
                )
            )
    return found


def added_text(before: str, after: str) -> str:
    """The part of `after` that is not in `before`: what lies between the longest common
    start and the longest common end of the two texts (an append: the text appended; several
    changes apart: from the first change to the last), without the blank space around it.
    "" when `after` adds nothing (text only removed). Linear in the texts' length."""
    start = 0
    most = min(len(before), len(after))
    while start < most and before[start] == after[start]:
        start += 1
    end = 0
    while end < most - start and before[-1 - end] == after[-1 - end]:
        end += 1
    return after[start : len(after) - end].strip()


@dataclass(frozen=True)
class OvertakenEdit:
    """An entry edited on this device (last at `edited_at`, UTC) that another device
    (`device`: its name, "" when unknown) moved to the trash (`deleted` False: the edit is
    in the trashed entry, and `client.entries.restore(entry_id)` brings it back with it) or
    deleted for good (`deleted` True: the edit went with it) without having received the
    edit. `title` is the entry's title ("" for a deleted one: its content is cleared).
    `kept_text`: for one deleted for good, the words this device wrote in its text that went
    with it (`added_text` of the body before its first edit not yet synced and after its
    last: an append's text), for the app to keep where its user can save them as a new
    entry; "" when its edits added no words (or none are known). `journal`: the entry's
    journal, as `client.journals.list` names it ("" when not known); `journal_id`: its id
    (hex, "" when not known), to name it by when its name cannot be typed back."""

    entry_id: str
    title: str
    deleted: bool
    device: str
    edited_at: datetime
    kept_text: str = ""
    journal: str = ""
    journal_id: str = ""
    kind: str = "entry"
    """"entry", or "goal" for a goal this device changed (its title, why, target or
    measure; `entry_id` is then the goal's id) or checked in on, or "homework" for homework
    this device changed (a value, how fully it was done; `entry_id` is then its id), that
    another device deleted: the change went with it (`deleted` True; whether that device had
    received it is not known). For a goal, `kept_text` is then the words this device added to
    its why (said in `line`), "" when it changed none."""
    checkins: tuple[CheckIn, ...] = ()
    """For a goal (`kind` "goal"): the check-ins made on this device that went with it,
    oldest first (`edited_at` None), each named in `line`; () when none."""

    def line(self, clock: Clock = utc_clock, *, restore: str = "", kept: str = "") -> str:
        """What to tell the user, in words: "Deleted: entry 3f2a9c8d1e0b, edited
        on this device at 2026-12-01 18:47 UTC, was deleted for good on phone before it
        received that edit; the edit went with it." or "Trashed: entry ... was moved to the
        trash on phone before it received that edit. The edit is kept in it: restoring the
        entry brings it back with it." `restore` replaces the words after "The edit is
        kept in it: " with the app's own (the CLI: "`tj restore 3f2a9c8d1e0b` brings the
        entry back with it (`tj show` reads it in the trash)."); times by `clock`. `kept`:
        for a deleted one, where the app keeps `kept_text` and how to save it ("... the
        edit went with it. The words this device added are kept: {kept}")."""
        titled = f' ("{self.title}")' if self.title else ""
        where = f"on {self.device}" if self.device else "on another device"
        entry = self.entry_id[:ID_SHOWN]
        at = clock(self.edited_at)
        if self.kind != "entry":
            why = (
                f" The why it gave the goal, on no other device, was: {quoted_name(self.kept_text)}."
                if self.kept_text
                else ""
            )
            if self.checkins:
                made = [_checkin_words(c, clock) for c in self.checkins]
                what = (
                    f"{made[0]}, made on this device,"
                    if len(made) == 1
                    else f"{len(made)} check-ins made on this device ({'; '.join(made)})"
                )
                return (
                    f"Deleted: {self.kind} {entry}{titled} was deleted {where}; {what} "
                    f"went with it.{why}"
                )
            return (
                f"Deleted: {self.kind} {entry}{titled}, changed on this device at {at}, was "
                f"deleted {where}; this device's change went with it.{why}"
            )
        if self.deleted:
            return (
                f"Deleted: entry {entry}, edited on this device at {at}, was deleted for good "
                f"{where} before it received that edit; the edit went with it."
                + (f" The words this device added are kept: {kept}" if kept else "")
            )
        how = restore or "restoring the entry brings it back with it."
        return (
            f"Trashed: entry {entry}{titled}, edited on this device at {at}, was moved to "
            f"the trash {where} before it received that edit. The edit is kept in it: {how}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex; a text or id
        not known or not there (no title, no device named, no journal known) null, never ""."""
        return {
            "entry_id": self.entry_id,
            "title": self.title or None,
            "deleted": self.deleted,
            "device": self.device or None,
            "edited_at": json_time(self.edited_at),
            "kept_text": self.kept_text or None,
            "journal": self.journal or None,
            "journal_id": self.journal_id or None,
            "kind": self.kind,
            "checkins": [checkin.to_dict() for checkin in self.checkins],
        }


def _checkin_words(checkin: CheckIn, clock: Clock) -> str:
    """A check-in in a sentence: 'check-in 3f2a9c8d1e0b of 2026-12-01 18:47 UTC (progress 2:
    "Walked by the river")'."""
    said = []
    if checkin.progress is not None:
        said.append(f"progress {checkin.progress}")
    if checkin.note:
        said.append(quoted_name(checkin.note))
    told = f" ({': '.join(said)})" if said else ""
    return f"check-in {checkin.id[:ID_SHOWN]} of {clock(checkin.at)}{told}"


@dataclass(frozen=True)
class MergedText:
    """A text this device changed (last at `at`, UTC) that another device changed too before
    this sync: every device now holds the two changes merged into one text, which is not the
    text this device wrote. `kind` names the document and its text (`MERGED_TEXTS`):
    "entry" (its body), "goal" (its why) or "safety_plan" (the plan in the client's words);
    `doc_id` is its id (hex); `title` the entry's or goal's title ("" for a safety plan);
    `journal` the journal's name as `client.journals.list` shows it, `journal_id` its id
    (hex; "" when not known)."""

    doc_id: str
    kind: str
    title: str
    journal: str
    at: datetime
    merged_at: datetime | None = None
    """When the sync merged it (UTC); None when not known."""
    journal_id: str = ""
    repeated: bool = False
    """For a safety plan: the text another device wrote apart held this device's whole
    (fix31c 6), so the two texts kept one after the other say this device's words twice."""

    @property
    def entry_id(self) -> str:
        """The entry's id (hex) for an entry's body, "" for another kind."""
        return self.doc_id if self.kind == "entry" else ""

    def line(self, clock: Clock = utc_clock, *, show: str = "") -> str:
        """What to tell the user, in words: "Merged: the text of entry
        3f2a9c8d1e0b ("Monday"), changed on this device at 2026-12-01 18:47 UTC, was
        changed on another device too; every device now has both changes in one text.
        Read it to check it says what you meant." (a goal: "the why of goal 'Sleep'
        (3f2a...)"; a safety plan: "the safety plan of Personal"). `show`, the app's way
        to open it (the CLI: "`tj show 3f2a9c8d1e0b`"), is added after a colon; times by
        `clock`."""
        doc = self.doc_id[:ID_SHOWN]
        if self.kind == "goal":
            what = f"the why of goal {quoted_name(self.title)} ({doc})"
        elif self.kind == "safety_plan":
            what = f"the safety plan of {self.journal}" if self.journal else "the safety plan"
        else:
            titled = f' ("{self.title}")' if self.title else ""
            what = f"the text of entry {doc}{titled}"
        if self.repeated:
            return (
                f"Merged: {what}, changed on this device at {clock(self.at)}, was changed on "
                "another device too, to a text holding yours whole; every device now has both "
                "texts, one after the other, so your words are in it twice. Read it to check "
                f"it says what you meant{': ' + show if show else ''}."
            )
        return (
            f"Merged: {what}, changed on this device at {clock(self.at)}, was changed on "
            f"another device too; every device now has both changes in one text. Read it to "
            f"check it says what you meant{': ' + show if show else ''}."
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex; a text or id
        not known or not there (no title, no device named, no journal known) null, never ""."""
        return {
            "kind": self.kind,
            "id": self.doc_id,
            "entry_id": self.entry_id or None,
            "title": self.title or None,
            "journal": self.journal or None,
            "journal_id": self.journal_id or None,
            "at": json_time(self.at),
            "merged_at": json_time(self.merged_at) if self.merged_at is not None else None,
            "repeated": self.repeated,
        }


def merged_text(
    doc_id: bytes,
    kind: str,
    title: str,
    journal: str,
    pending: dict[str, tuple[str, int]],
    text: str,
    merged_at: datetime | None = None,
    journal_id: str = "",
) -> MergedText | None:
    """The document's merge, when this device wrote its text (`pending[WRITTEN_BODY]`: the
    text it wrote, JSON-encoded, and when, ms) and the text after a sync (`text`) is another
    one; `merged_at`: the sync's time."""
    written = pending.get(WRITTEN_BODY)
    if written is None or encode(text) == written[0]:
        return None
    return MergedText(
        doc_id.hex(), kind, title, journal, to_datetime(written[1]), merged_at, journal_id
    )


ITEMS_KEPT = 64
"""At most this many items are kept with a tag addition or removal (`tag_ops_after`,
`TagJudgment.with_item`): its edit's, then the latest values it was written in or found in;
the oldest after the first go (a device that rewrites the tags that often is the one
writing on top of them)."""


def _tag_ops(kept: Any) -> list[dict[str, Any]]:
    """The additions and removals of a TAG_OPS value (None or anything else: none), each with
    its `items` (a list of [client, clock]); a value kept by an earlier version (one `item`,
    and `was` while applied again) is read as those items. An op whose tag is not text or
    that has no well-formed item (a value damaged on disk, or kept by a build in between) is
    left out, not raised from every later sync (REV-TAGS3 F3). A value of the first format
    ({"add": [tags], "remove": [tags]}, a build never released) is read as ops without
    items (`"items": []`, kept as such): no writer is known to have seen them, so they are
    judged not done (applied again where the tags lack them) until they take the item of
    a value (REV-TAGS3 F5)."""
    ops = kept.get("ops") if isinstance(kept, dict) else None
    if isinstance(kept, dict) and ops is None:  # the first format
        ops = [
            {"tag": tag, "add": adding, "items": []}
            for name, adding in (("add", True), ("remove", False))
            for tag in _list(kept.get(name))
        ]
    found = []
    for op in ops if isinstance(ops, list) else []:
        if not isinstance(op, dict) or not isinstance(op.get("tag"), str):
            continue
        items = op.get("items")
        if not isinstance(items, list):
            items = [op.get("was"), op.get("item")]
        ids = [list(item) for item in items if _is_id(item)]
        if ids or items == []:  # none at all: an op of the first format (F5)
            found.append({"tag": op["tag"], "add": bool(op.get("add")), "items": ids})
    return found


def _list(value: Any) -> list[Any]:
    """`value` where it is a list, else none."""
    return value if isinstance(value, list) else []


def _is_id(value: Any) -> bool:
    """Whether `value` is a Yjs item id as TAG_OPS keeps it: [client, clock], two whole
    numbers from 0."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(type(part) is int and part >= 0 for part in value)
    )


def _ids(op: dict[str, Any]) -> list[Id]:
    return [(int(i[0]), int(i[1])) for i in op["items"]]


def _with(items: list[Any], item: Id) -> list[Any]:
    """`items` with `item` last (once), within ITEMS_KEPT (the first, the edit's, kept)."""
    found = [i for i in items if tuple(i) != tuple(item)] + [list(item)]
    return found if len(found) <= ITEMS_KEPT else found[:1] + found[1 - ITEMS_KEPT :]


def tag_ops_after(
    kept: Any, add: Sequence[str], remove: Sequence[str], item: Id, on: Id | None = None
) -> dict[str, Any]:
    """`kept` (a TAG_OPS value, None for none) with the tags of one more edit, whose `tags`
    value is the Yjs item `item`, written on top of the item `on` (the value it replaced
    here; None: none): `add` added and `remove` removed; a later edit of a tag replaces the
    earlier one of it, ignoring case (the later edit says what this device wants), with
    `item` alone. A kept op with `on` among its items takes `item` too: the new value holds
    what it did (the edit was made on it), and this device's own write on top of its item
    is no other writer having seen it (`judge_tag_ops`)."""
    ops = [
        {**op, "items": _with(op["items"], item)} if on is not None and on in _ids(op) else op
        for op in _tag_ops(kept)
    ]
    for tag, adding in [(t, True) for t in add] + [(t, False) for t in remove]:
        ops = [op for op in ops if str(op["tag"]).casefold() != tag.casefold()]
        ops.append({"tag": tag, "add": adding, "items": [list(item)]})
    return {"ops": ops}


def tags_added(kept: Any) -> tuple[str, ...]:
    """The tags a TAG_OPS value says this device added."""
    return tuple(str(op["tag"]) for op in _tag_ops(kept) if op.get("add"))


def with_tag_ops(tags: Sequence[str], ops: Sequence[dict[str, Any]]) -> list[str]:
    """`tags` with `ops` (TAG_OPS additions and removals) applied: removals taken out and
    additions appended where missing, ignoring case; the rest in order."""
    result = list(tags)
    for op in ops:
        tag = str(op["tag"])
        held = tag.casefold() in {t.casefold() for t in result}
        if op["add"] and not held:
            result.append(tag)
        elif not op["add"] and held:
            result = [t for t in result if t.casefold() != tag.casefold()]
    return result


@dataclass(frozen=True)
class TagJudgment:
    """What `judge_tag_ops` found: `wanted`, the tags to write again as a new edit (None:
    nothing to write), `kept`, the TAG_OPS value to keep after it (None: none left; `with_item`
    adds the new edit's item), and `lost`, the tags this device added whose op is done (a
    writer saw it and chose after it) and that the tags now held lack: told, never added
    back."""

    wanted: list[str] | None
    kept: dict[str, Any] | None
    lost: tuple[str, ...] = ()

    def with_item(self, item: Id | None) -> dict[str, Any] | None:
        """`kept` once the edit writing `wanted` wrote the item `item` (None: it was not
        written: the ops wait, with the items they had, for the next judgment). Every op kept
        takes `item`: the ops applied again are in it, and the others hold the value it was
        written on top of (they took that value's item), so that it holds them too."""
        if self.kept is None:
            return None
        ops = _tag_ops(self.kept)
        if item is not None:
            ops = [{**op, "items": _with(op["items"], item)} for op in ops]
        return {"ops": ops}


def judge_tag_ops(kept: Any, writes: KeyWrites, tags: Sequence[str]) -> TagJudgment:
    """The tag additions and removals this device keeps (`kept`, a TAG_OPS value) against
    the entry's tags now (`tags`, whose value is the item `writes.current`), each op by its
    own items (its edit's, the values this device wrote it in again, the values found doing
    it), never by which device wrote the value now held:

    - an addition on one of whose items another item of `tags` was written
      (`writes.written_on`, live or deleted, besides the op's own items) is done and
      dropped: that writer saw the tag and chose the tags after it, and that choice stands,
      whether it then won or lost to a concurrent value (a tag removed after it was seen is
      never added back: REV-TAGS2 F5); an addition so dropped that the tags now lack is in
      `lost`, to be told;
    - a removal is done and dropped once the value now held (not one of its items) was
      written, directly or through later writes, on one of its items (`writes.holds`): a
      deleted item written on it may have carried the removal (another device's removal
      applied again on top of it, that then lost) as well as undone it, and its content is
      collected, so a removal is not dropped for it (a tag added back after its removal was
      seen, whose write lost to a third device, is then removed again: the known limit);
    - an op the value already does (the tag there, or not there) takes the value's item: a
      value written on top of it is then a writer having seen it;
    - the others are applied again (`wanted`), a new edit whose item every op kept takes
      (`TagJudgment.with_item`).

    No item of `tags` held (`writes.current` None): nothing is judged. A device writes again
    only when no item was written on any item of an op and the value now held (another
    device's, concurrent with all of them) lacks it; its new edit is written on top of that
    value, so that value never wins over it again (protocol.md 5, "Tag edits applied
    again"). Pure."""
    ops = _tag_ops(kept)
    current = writes.current
    if current is None or not ops:
        return TagJudgment(None, {"ops": ops} if ops else None)
    left: list[dict[str, Any]] = []
    done: list[dict[str, Any]] = []
    for op in ops:
        items = _ids(op)
        if op["add"]:  # any item written on one of its items, whether it won or lost
            seen = any(writes.written_on(item, items) for item in items)
        else:  # the value now held was written on one of them, by another writer
            seen = current not in items and any(writes.holds(item) for item in items)
        (done if seen else left).append(op)
    held = {t.casefold() for t in tags}
    lost = tuple(
        str(op["tag"]) for op in done if op["add"] and str(op["tag"]).casefold() not in held
    )
    again = [op for op in left if with_tag_ops(tags, [op]) != list(tags)]
    wanted = with_tag_ops(tags, again) if again else None
    after = [op if op in again else {**op, "items": _with(op["items"], current)} for op in left]
    return TagJudgment(wanted, {"ops": after} if after else None, lost)
