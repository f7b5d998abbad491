"""Assigned measures and homework between sessions, and what is due (pure).

Documents (protocol.md, "Documents"):

- `assignment` (an annotation kind: written by a therapist with the annotate role, or by the
  journal's owner for themselves): map `fields` with `type` ("measure" or "homework"),
  `target` (an instrument id such as "phq9", or a template id such as "sleep-diary"),
  `every_days` (a whole number of days, or null for a one-off), `starts_at`, `created_at`
  (ms), `note`, `cancelled` (boolean; only the assignment's creator writes it).
- `homework` (written by the owner): `template`, `template_version`, `values` (a map of the
  template's field ids to values), `completion` ("fully", "partly" or "not done"),
  `assignment_id` (hex or null), `created_at`, `updated_at`, `deleted`.

When is an assignment due? With start S and period P (every_days x 24 h): it is first due at
S; after the latest completion C at or after S, it is next due at the first S + kP after C.
It is "upcoming" before that moment, "due" for the 24 hours after it, "overdue" afterwards. A
one-off is due at S until anything completes it. A measure assignment is completed by a
result of that measure in that journal; a homework assignment by homework from that template
in that journal whose completion is "fully" or "partly". A completion counts from S on, except
homework that names the assignment (`assignment_id`): it counts whatever its date (NU46 #5: a
sleep diary dated this morning, written right after the therapist assigned it), as done at S
when dated before S; `last_done` keeps its own date. A recurring measure assignment also counts
the latest result of that measure in that journal taken within one period before S (S - P < C
< S: a PHQ-9 taken the hour before a fortnightly one was assigned): it is its `last_done`, and
the assignment is first due a period after it, at C + P, then every P from there, instead of at
S (asked at S, the form would ask about days it was just answered for); once one is done
from S on, that one counts as for any assignment and the cycle runs from S. No result before
S counts when a result of that measure in that journal taken within a period or the form's
recall period before S (S - max(P, R) < C < S, R the form's `recall_period`: 14 days for the
PHQ-9) answered a safety item above 0 (PHQ-9 item 9): then it is first due at S. A fortnightly
PHQ-9 assigned after such an answer is not put off two weeks on its strength, nor on that of
a retake minutes later, which asks about the same fortnight.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from client_sdk.access import AccessState
from client_sdk.care_terms import COMPLETIONS as COMPLETIONS
from client_sdk.documents import HOMEWORK as HOMEWORK
from client_sdk.documents import Document
from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.models import check_text, json_time, read_time
from client_sdk.scoring import builtin_instruments
from client_sdk.templates import Template, builtin_templates

ASSIGNMENT = "assignment"
MEASURE_TASK, HOMEWORK_TASK = "measure", "homework"
DAY_MS = 24 * 3600 * 1000
MAX_EVERY_DAYS = 366
MAX_NOTE = 2_000
DUE, OVERDUE, UPCOMING = "due", "overdue", "upcoming"
DONE = "done"
"""The status of a one-off assignment completed (`due_status` with `include_done`)."""


@dataclass(frozen=True)
class ShareEnded:
    """Why an assignment no longer asks anything: the share it was made in ended.

    `reason`, from the journal owner's signed access chain as this device verified it:
    "end date" (the end date the owner signed passed; `at` is that date), "removed" (the
    owner's signed chain removed the assigner: the owner ended the share, or replaced it by
    other terms such as a field-level share; `at` is when the owner signed it, by the owner's
    clock), "dropped on the server's word" (an owner device removed the assigner because the
    server said it no longer serves them; `at` as for "removed"). Seen from the assigner's own
    device only: "no longer served" (the server stopped serving the journal while the
    owner-signed chain this device holds still grants it; the server's word, said as such:
    the owner may have ended or narrowed the share, or the server withholds it; `at` None),
    or "left" (the same, after this account left the share on this device,
    `client.shares.leave`; `at` None, no date is kept for it).
    `at` is UTC. `owner` is the journal owner's username, "" when this account owns it (the
    assigner's share of this account's journal ended); else this account's own share of
    `owner`'s journal ended."""

    reason: str
    at: datetime | None
    owner: str = ""
    replaced_by: str = ""
    """Seen from the assigner's device, for an assignment made in a field-level copy the owner
    kept for this account: the journal the owner replaced that copy by, as this device names it
    ("ben/Personal (mood, scores, answers) for drlee"), from the owner-signed chains only
    (granted at or after the end the owner signed); "" otherwise, for a copy only the server
    stops serving too (its word alone, "no longer served")."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; `owner` null when this
        account owns the journal, `replaced_by` null when nothing replaced the copy."""
        return {
            "reason": self.reason,
            "at": json_time(self.at) if self.at else None,
            "owner": self.owner or None,
            "replaced_by": self.replaced_by or None,
        }


@dataclass(frozen=True)
class Assignment:
    """A measure or homework a therapist (or the client) assigned in a journal (schedule.py).
    `type` is "measure" or "homework"; `target` an instrument id ("phq9") or a template id
    ("sleep-diary"); `title` their display name; `every_days` the period in days (None: once);
    `starts_at` and `created_at` are UTC; `assigned_by` a username; `cancelled` is True once its
    creator cancelled it; `delivered` is False when the server refused this device's change of
    it for good (set aside, `Client.set_aside()` says why): nobody else has it as shown.
    `share_ended` is set when the share it was made in ended (`ShareEnded`): it no longer
    counts as due and can no longer be cancelled."""

    id: str
    journal: str
    journal_id: str
    type: str
    target: str
    title: str
    every_days: int | None
    starts_at: datetime
    created_at: datetime
    note: str
    assigned_by: str
    cancelled: bool
    delivered: bool = True
    share_ended: ShareEnded | None = None

    @property
    def unlisted(self) -> bool:
        """It ended by the server's word alone (`share_ended.reason` "no longer served": the
        server stopped serving the journal while the owner-signed chain this device holds
        still grants the share), as `Journal.unlisted` says it of the journal."""
        return self.share_ended is not None and self.share_ended.reason == SHARE_UNLISTED

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex; nested values as their
        own `to_dict()`; `target` (the instrument's or homework's id, "phq9") is
        "target_id", since "target" is a goal's day in every JSON. "share_ended" and
        "unlisted" are booleans meaning what they mean in
        every JSON (an entry's, a journal's, a flag's, a caseload row's): "share_ended" for an
        end beyond the server's word (signed by the owner, a signed end date passed, or this
        account leaving), "unlisted" for the server's word alone (`ShareEnded.reason` "no
        longer served"), never both; how and when it ended, either way, is "share_end"
        (`ShareEnded.to_dict()`, or null)."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "type": self.type,
            "target_id": self.target,
            "title": self.title,
            "every_days": self.every_days,
            "starts_at": json_time(self.starts_at),
            "created_at": json_time(self.created_at),
            "note": self.note or None,
            "assigned_by": self.assigned_by,
            "cancelled": self.cancelled,
            "delivered": self.delivered,
            "share_ended": self.share_ended is not None and not self.unlisted,
            "unlisted": self.unlisted,
            "share_end": self.share_ended.to_dict() if self.share_ended else None,
        }


@dataclass(frozen=True)
class Due:
    """One assignment's next due moment and status ("due", "overdue" or "upcoming"; "done"
    for a one-off done, `include_done`). `seen_by_assigner` is False when the assignment was
    made in a field-level share that does not carry what completes it (no `scores`/`answers`
    for a measure, no `homework`): doing it counts on the client's devices, but the
    therapist who assigned it will not see it; and on the therapist's device, for an
    assignment in a copy the client keeps for them that holds no result (for a measure) or
    homework (for homework) yet: which fields a copy carries is sealed to the client, so
    until one arrives, what completes it may not arrive at all (one that arrived shows the
    copy carries them: the status is then told as for a whole journal). `copy_carries` is
    False on the therapist's device for an assignment in such a copy whose owner-signed name
    says it carries neither scores nor answers (a measure) or no homework (homework): whether
    the client did it cannot be seen in this copy at all, done or not (`seen_by_assigner` is
    then False too)."""

    assignment: Assignment
    due_at: datetime
    status: str
    last_done: datetime | None
    seen_by_assigner: bool = True
    copy_carries: bool = True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; nested values as their own
        `to_dict()`."""
        return {
            **self.assignment.to_dict(),
            "due_at": json_time(self.due_at),
            "status": self.status,
            "last_done": json_time(self.last_done) if self.last_done else None,
            "seen_by_assigner": self.seen_by_assigner,
            "copy_carries": self.copy_carries,
        }


@dataclass(frozen=True)
class HomeworkEntry:
    """Homework written from a template (templates.py): `values` maps the template's field ids
    to what was entered, in the template's field order (fields it no longer has last, by id);
    `computed` holds the values derived from them in the template's `computed` order (e.g. sleep efficiency,
    percent), `completion` is "fully", "partly" or "not done", `assignment_id` the assignment it
    completes (or None); `created_at` is UTC."""

    id: str
    journal: str
    journal_id: str
    template: str
    title: str
    values: dict[str, Any]
    computed: dict[str, Any]
    completion: str
    assignment_id: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "template": self.template,
            "title": self.title,
            "values": self.values,
            "computed": self.computed,
            "completion": self.completion,
            "assignment_id": self.assignment_id,
            "created_at": json_time(self.created_at),
        }


# --- changes ---------------------------------------------------------------------------------------


def target_title(task_type: str, target: str) -> str:
    """The display name of what is assigned; InvalidInput (subject BAD_VALUE: a value
    refused as given) for an unknown one."""
    if task_type == MEASURE_TASK:
        found = builtin_instruments().get(target)
        if found is None:
            raise InvalidInput(f"unknown measure {target!r}", subject=BAD_VALUE)
        return found.name
    if task_type == HOMEWORK_TASK:
        template = builtin_templates().get(target)
        if template is None:
            raise InvalidInput(f"unknown homework template {target!r}", subject=BAD_VALUE)
        return template.title
    raise InvalidInput("an assignment is a measure or homework", subject=BAD_VALUE)


def new_assignment_update(
    document: Document,
    task_type: str,
    target: str,
    now_ms: int,
    *,
    every_days: int | None,
    starts_at_ms: int | None = None,
    note: str = "",
) -> bytes:
    target_title(task_type, target)
    if every_days is not None and not 1 <= every_days <= MAX_EVERY_DAYS:
        raise InvalidInput(
            f"every_days is 1 to {MAX_EVERY_DAYS} (days), not {every_days}", subject=BAD_VALUE
        )
    check_text(note, "an assignment's note", multiline=True)
    if len(note) > MAX_NOTE:
        raise InvalidInput(
            f"an assignment's note is at most {MAX_NOTE} characters", subject=BAD_VALUE
        )
    return document.change(
        fields={
            "type": task_type,
            "target": target,
            "every_days": every_days,
            "starts_at": starts_at_ms if starts_at_ms is not None else now_ms,
            "created_at": now_ms,
            "note": note,
            "cancelled": False,
        }
    )


def cancel_assignment_update(document: Document, now_ms: int) -> bytes:
    return document.change(fields={"cancelled": True, "cancelled_at": now_ms})


def new_homework_update(
    document: Document,
    template: Template,
    values: Mapping[str, Any],
    completion: str,
    now_ms: int,
    *,
    assignment_id: str | None = None,
    created_at_ms: int | None = None,
) -> bytes:
    """New homework; `created_at_ms` (ms since the epoch, UTC; default `now_ms`) dates it at
    an earlier moment, e.g. last night's sleep diary. Raises InvalidInput for a completion or
    values the template does not allow, or a date in the future."""
    if completion not in COMPLETIONS:
        raise InvalidInput(f"completion is one of {', '.join(COMPLETIONS)}", subject=BAD_VALUE)
    if created_at_ms is not None and (
        isinstance(created_at_ms, bool) or not 0 <= created_at_ms <= now_ms
    ):
        raise InvalidInput(
            "homework cannot be dated in the future (or before 1970)", subject=BAD_VALUE
        )
    checked = template.check(values)
    template.computed_values(checked)  # refuse times that do not fit together
    return document.change(
        fields={
            "template": template.id,
            "template_version": template.version,
            "values": checked,
            "completion": completion,
            "assignment_id": assignment_id,
            "created_at": now_ms if created_at_ms is None else created_at_ms,
            "updated_at": now_ms,
            "deleted": False,
        }
    )


def edit_homework_update(
    document: Document,
    template: Template,
    values: Mapping[str, Any],
    completion: str | None,
    now_ms: int,
) -> bytes:
    """Change some of a homework entry's values (by field id; the others stay) and/or its
    completion. The whole `values` map is written again, checked against the template like a
    new entry (so two devices editing different values at once: the later write wins)."""
    if completion is not None and completion not in COMPLETIONS:
        raise InvalidInput(f"completion is one of {', '.join(COMPLETIONS)}", subject=BAD_VALUE)
    current = document.field("values")
    merged = {k: _plain(v) for k, v in current.items()} if isinstance(current, dict) else {}
    merged.update(values)
    checked = template.check(merged)
    template.computed_values(checked)
    fields: dict[str, Any] = {"values": checked, "updated_at": now_ms}
    if completion is not None:
        fields["completion"] = completion
    return document.change(fields=fields)


def delete_homework_update(document: Document, now_ms: int) -> bytes:
    """Delete a homework entry (for good: `deleted` is never set back, as for entries)."""
    return document.change(fields={"deleted": True, "updated_at": now_ms})


# --- reading ---------------------------------------------------------------------------------------

SHARE_EXPIRED, SHARE_REMOVED, SHARE_DROPPED, SHARE_UNLISTED, SHARE_LEFT = (
    "end date",
    "removed",
    "dropped on the server's word",
    "no longer served",
    "left",
)
"""`ShareEnded.reason`s: the words of departures.py for the same endings; "left" is this
account leaving the share on one of its devices (`client.shares.leave`, NU35 #6)."""


def share_end(
    state: AccessState | None,
    account_id: bytes,
    now_ms: int,
    made_at: int | None = None,
    made_epoch: int | None = None,
) -> ShareEnded | None:
    """How and when `account_id`'s latest membership of a journal ended, as its verified
    access chain (`state`) says (`ShareEnded`; `now_ms` tells whether a signed end date
    passed); None while that membership is on, or when the chain does not show the account's
    memberships (never a member; another member seen from a member's device; no chain).
    `made_epoch`: the key epoch of the record that made an assignment (`Store.made_epoch`):
    it belongs to the membership of the account whose key the owner sealed under that epoch
    (one at most), and when that is an earlier membership, it ended with it, however it
    ended (an unshare, new terms that replaced it, a drop on the server's word, or its end
    date, closed by an `ended` entry: a share given again after any of these is a new
    share, under keys its member's earlier records are not sealed to again). A renewal of
    the same membership (new terms, no new membership) is the same share continued. The
    epoch is the owner-signed chain's, never a date the author writes. `made_at` (ms, the
    assignment's `created_at`), only when its epoch is not known here (a store of before
    this version kept none): what was made before an earlier membership was removed
    belongs to that one."""
    handles = state.handles.get(account_id, []) if state is not None else []
    if state is None or not handles:
        return None
    if made_epoch is not None:
        sealed = state.sealed_to.get(made_epoch, frozenset())
        made_in = next((h for h in handles if h in sealed), None)
        if made_in is not None and made_in != handles[-1]:
            closed = _closed(state, made_in)
            if closed is not None:
                return _ended(*closed)
    elif made_at is not None:
        for earlier in handles[:-1]:
            closed = _closed(state, earlier)
            if closed is not None and closed[0] != SHARE_EXPIRED and made_at < closed[1]:
                return _ended(*closed)
    return _latest_end(state, handles[-1], now_ms)


def _closed(state: AccessState, handle: bytes) -> tuple[str, int] | None:
    """How and when (ms) the closed membership `handle` ended (None: not closed)."""
    if handle in state.ended:
        return SHARE_EXPIRED, state.ended[handle].expires_at
    if handle in state.not_served:
        return SHARE_DROPPED, state.not_served[handle][1]
    if handle in state.unshared:
        return SHARE_REMOVED, state.unshared[handle][1]
    return None


def _latest_end(state: AccessState, handle: bytes, now_ms: int) -> ShareEnded | None:
    current = state.members.get(handle)
    if current is not None:
        return _ended(SHARE_EXPIRED, current.expires_at) if current.ended(now_ms) else None
    closed = _closed(state, handle)
    return _ended(*closed) if closed is not None else ShareEnded(SHARE_REMOVED, None)


def _ended(reason: str, at: int) -> ShareEnded:
    return ShareEnded(reason, read_time(at))


def assignment_view(
    document: Document, journal: str, journal_id: str, assigned_by: str
) -> Assignment | None:
    task_type, target = document.field("type"), document.field("target")
    if not isinstance(task_type, str) or not isinstance(target, str):
        return None
    try:
        title = target_title(task_type, target)
    except InvalidInput:
        return None
    every = _number(document.field("every_days"))
    note = document.field("note")
    starts_at, created_at = (
        read_time(document.field("starts_at")),
        read_time(document.field("created_at")),
    )
    if starts_at is None or created_at is None:
        return None  # a time no datetime holds (e.g. 2**53 ms): unreadable, skipped
    return Assignment(
        id=document.doc_id.hex(),
        journal=journal,
        journal_id=journal_id,
        type=task_type,
        target=target,
        title=title,
        every_days=every if every is not None and every >= 1 else None,
        starts_at=starts_at,
        created_at=created_at,
        note=note if isinstance(note, str) else "",
        assigned_by=assigned_by,
        cancelled=document.field("cancelled") is True,
    )


def homework_settling_values(document: Document) -> dict[str, Any]:
    """Homework's fields whose concurrent changes settle on one value: each of its values
    by field id, named "values.ID" (the whole map is written by each edit, so the later
    writer's map wins: settling.py tells the value that lost), and its completion; as JSON
    values."""
    raw = document.field("values")
    chosen = builtin_templates().get(str(document.field("template", "")))
    found: dict[str, Any] = {  # a value cleared (absent) is None
        f"values.{spec.id}": None for spec in (chosen.fields if chosen is not None else ())
    }
    if isinstance(raw, dict):
        found.update({f"values.{k}": _plain(v) for k, v in raw.items() if isinstance(k, str)})
    completion = document.field("completion")
    found["completion"] = completion if isinstance(completion, str) else None
    return found


def homework_view(document: Document, journal: str, journal_id: str) -> HomeworkEntry | None:
    if document.field("deleted") is True:
        return None
    template = builtin_templates().get(str(document.field("template", "")))
    raw = document.field("values")
    if template is None or not isinstance(raw, dict):
        return None
    # A document's map has no order of its own: values follow the template's fields, then any
    # others by id, so every device and every run shows them the same way.
    order = {spec.id: i for i, spec in enumerate(template.fields)}
    keys = sorted(
        (k for k in raw if isinstance(k, str)), key=lambda k: (order.get(k, len(order)), k)
    )
    values = {k: _plain(raw[k]) for k in keys}
    try:
        figures = template.computed_values(values)
    except (InvalidInput, ValueError, TypeError):
        figures = {}
    computed = {k: figures[k] for k in template.computed if k in figures}
    completion = document.field("completion")
    assignment_id = document.field("assignment_id")
    created_at = read_time(document.field("created_at"))
    if created_at is None:
        return None
    return HomeworkEntry(
        id=document.doc_id.hex(),
        journal=journal,
        journal_id=journal_id,
        template=template.id,
        title=template.title,
        values=values,
        computed=computed,
        completion=completion if completion in COMPLETIONS else "not done",
        assignment_id=assignment_id if isinstance(assignment_id, str) else None,
        created_at=created_at,
    )


def due_status(
    assignment: Assignment,
    completed_ms: Iterable[int],
    now_ms: int,
    include_done: bool = False,
    *,
    linked_ms: Iterable[int] = (),
    concern_ms: Iterable[int] = (),
) -> Due | None:
    """When `assignment` is next due given completion times (`completed_ms`: those from S
    on count, and for a recurring measure the latest within a period before S, which moves
    the first due moment to a period after it, unless one of `concern_ms`, the times of its
    results with a safety item answered above 0, falls within a period or the recall period
    before S; `linked_ms`: those of homework naming the assignment, counted whatever their
    date, as done at S when dated before it); None for a
    cancelled one or a completed one-off
    (rules in the module docstring), or with `include_done` for the latter its Due of status
    DONE (`due_at` its start, `last_done` when it was done: the latest completion that
    counts, by its own date)."""
    if assignment.cancelled:
        return None
    start = _ms(assignment.starts_at)
    linked = list(linked_ms)
    completed = list(completed_ms)
    done = [c for c in completed if c >= start] + linked
    anchor, before = start, None  # the first due moment, a result in the period before S
    if assignment.every_days is not None and assignment.type == MEASURE_TASK and not done:
        # only while nothing counts from S on: one done at S or after is the first
        # completion, whatever came before (a result at S - P + 1 h and one at S + 30 min
        # made it due again at S + 1 h)
        period = assignment.every_days * DAY_MS
        before = max((c for c in completed if start - period < c < start), default=None)
        form = builtin_instruments().get(assignment.target)
        weighed = max(period, form.recall_days * DAY_MS if form is not None else 0)
        if any(start - weighed < c < start for c in concern_ms):
            before = None  # never put off on the strength of that period (or a retake in it)
        anchor = start if before is None else before + period
    # by its own date: a linked one may be before S, and so may `before`
    last_done = max([*done, *([] if before is None else [before])], default=None)
    last = max((max(c, start) for c in done), default=None)  # when it counts
    if assignment.every_days is None:
        if last is not None:
            done_at, starts = read_time(last_done), read_time(start)
            if not include_done or done_at is None or starts is None:
                return None
            return Due(assignment, starts, DONE, done_at)
        due_at = start
    else:
        period = assignment.every_days * DAY_MS  # the next of anchor + kP after `last`
        due_at = anchor if last is None else anchor + ((last - anchor) // period + 1) * period
    if now_ms < due_at:
        status = UPCOMING
    elif now_ms < due_at + DAY_MS:
        status = DUE
    else:
        status = OVERDUE
    due, done_at = read_time(due_at), read_time(last_done)
    if due is None or (last_done is not None and done_at is None):
        return None  # a period or a completion that takes the date past 9999: undatable
    return Due(assignment, due, status, done_at)


ENDED, CANCELLED, NOT_SEEN, UNKNOWN = "ended", "cancelled", "not seen", "unknown"
CANNOT_SEE = "cannot be seen"
"""`standing` statuses besides DUE, OVERDUE, UPCOMING and DONE."""


def standing(assignment: Assignment, due: Due | None) -> dict[str, Any]:
    """Where an assignment stands, as `tj assignments --json` and an export write it (NU43 #6,
    NU46 #6): "status" "overdue", "due" or "upcoming" with "due_at" its next due time (UTC),
    "done" for a one-off completed (also when the share it was made in ended since: done
    stays done, NU46 #6), "not seen" where what completes it may not reach this device (a
    copy of some fields: `Due.seen_by_assigner`), "cannot be seen" where it never can (a
    copy of some fields whose name says it does not carry what completes it:
    `Due.copy_carries`; done or not, it reads alike), "cancelled", "ended" (its share ended,
    "due_at" None) or "unknown" (not dated within year 9999); "last_done" the latest
    completion that counts (UTC) or None. `due`: the assignment's `Assignments.due(...,
    include_upcoming=True, include_done=True, include_ended=True)`, or None."""
    if assignment.cancelled:
        status = CANCELLED
    elif due is not None and due.status == DONE:
        status = DONE
    elif assignment.share_ended is not None:
        status = ENDED
    elif due is None:
        status = UNKNOWN  # not dated within year 9999 (due_status)
    elif not due.copy_carries:
        status = CANNOT_SEE  # done or not: the copy does not carry it (NU64 F15)
    elif not due.seen_by_assigner:
        status = NOT_SEEN  # a copy of some fields: what completes it may not reach you
    else:
        status = due.status
    ended = status == ENDED
    return {
        "status": status,
        "due_at": json_time(due.due_at) if due is not None and not ended else None,
        "last_done": json_time(due.last_done) if due is not None and due.last_done else None,
    }


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _plain(value: Any) -> Any:
    """Yjs numbers arrive as floats: whole ones read back as int."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or abs(value) > 2**53:
        return None
    return int(value)
