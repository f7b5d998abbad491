"""A pre-session brief: the digest a client reads, then shares with their therapist as one
time-boxed item (pure: callers pass everything, times too).

The digest covers the last `days` calendar days of the client, today included (default 14):
from local midnight of the first day to now, days taken in the client's zone as the caseload
takes them (caseload.client_zone: the UTC offset of their latest entry; an entry's day is its
writer's). The mood trend is over those same days (mean of the period against the same
number of days before, with a weekly sparkline), and the printed header names exactly that
range (NU19 C22: a rolling `days` x 24 h window counted entries of a day its header named
only in part); the latest score of each measure
with its change, goal check-ins in the period, homework by completion, and what the client
marked **to discuss** at the next session: every entry or note whose map field `to_discuss`
is true (set with `to_discuss_at` by `discuss_update`, cleared the same way; whenever it was
written), then entries of the period tagged "to-discuss" (the older way to mark one).

A brief is stored as a document of kind "brief" (protocol.md, "Documents") in a journal made
for that one brief and shared read-only with the therapist until an end date: map `fields`
with `digest` (the JSON of `Brief.to_dict()`) and `created_at`; text `body` (`Brief.text()`,
what the client read before sharing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any, Protocol

from client_sdk.care_terms import SAFETY_UNKNOWN
from client_sdk.caseload import (
    EntryLike,
    GoalLike,
    change_words,
    client_zone,
    entry_day,
    latest_scores,
    mood_trend,
    weekly_sparkline,
)
from client_sdk.documents import BRIEF as BRIEF
from client_sdk.documents import ENTRY, Document, entry_view
from client_sdk.errors import InvalidInput
from client_sdk.graphemes import cut
from client_sdk.models import json_time, quoted_name, read_ms, read_time, to_datetime
from client_sdk.results import MeasureResult
from client_sdk.safety import SafetyFlag
from client_sdk.schedule import COMPLETIONS, HomeworkEntry
from client_sdk.scoring import band_key, band_label, builtin_instruments

NOTE = "note"
DISCUSSABLE = frozenset({ENTRY, NOTE})
TO_DISCUSS = "to-discuss"
DEFAULT_DAYS = 14
EXPIRED = "expired"
UNSHARED = "unshared"
PREVIEW = 120


class TaggedEntry(EntryLike, Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class DiscussItem:
    """An entry or a note the client marked to discuss at the next session."""

    id: str
    kind: str  # "entry" or "note"
    journal: str
    title: str
    """The entry's title; "" for a note or an untitled entry (null in `to_dict`)."""
    preview: str
    created_at: datetime
    marked_at: datetime | None
    journal_id: str = ""
    """The journal's id (hex), which a brief's scope is decided by (two journals may bear one
    name); not in `to_dict`, which a brief's digest is made of."""
    utc_offset: int | None = None
    """For an entry: its writer's offset from UTC when they wrote it, in minutes (None: not
    recorded, or a note), so that `local_created_at` is the writer's own wall-clock time, as
    `Entry.local_created_at` is; not in `to_dict`."""

    @property
    def local_created_at(self) -> datetime:
        """`created_at` in its writer's offset when recorded (`Entry.local_created_at`'s
        rule), else in UTC."""
        if self.utc_offset is None:
            return self.created_at
        return self.created_at.astimezone(timezone(timedelta(minutes=self.utc_offset)))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "id": self.id,
            "kind": self.kind,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "title": self.title or None,  # untitled: null, as `Entry.to_dict`
            "preview": self.preview,
            "created_at": json_time(self.created_at),
            "marked_at": json_time(self.marked_at) if self.marked_at else None,
        }


def discuss_update(document: Document, to_discuss: bool, now_ms: int) -> bytes:
    """Mark (or unmark) an entry or a note to discuss at the next session. An entry's
    `updated_at` moves too, as with every change of an entry."""
    fields: dict[str, Any] = {
        "to_discuss": to_discuss,
        "to_discuss_at": now_ms if to_discuss else None,
    }
    if document.kind == ENTRY:
        fields["updated_at"] = now_ms
    return document.change(fields=fields)


def discussable(document: Document) -> tuple[str, str, int, int | None] | None:
    """(title, body, created_at ms, the writer's UTC offset in minutes or None) of an entry or
    a note that is neither deleted nor in the trash; None otherwise."""
    if document.kind == ENTRY:
        view = entry_view(document)
        if view.deleted or view.trashed_at is not None:
            return None
        return view.title, view.body, view.created_at, view.utc_offset
    if document.kind == NOTE and document.field("deleted") is not True:
        return "", document.text("body"), read_ms(document.field("created_at")) or 0, None
    return None


def discuss_item(document: Document, journal: str, journal_id: str = "") -> DiscussItem | None:
    """The item if `document` (an entry or a note, not deleted or trashed) is marked;
    `journal` its journal's name as shown, `journal_id` its id (hex)."""
    content = discussable(document)
    if content is None or document.field("to_discuss") is not True:
        return None
    title, body, created, offset = content
    marked = document.field("to_discuss_at")
    marked_at = read_time(marked)
    preview = cut(" ".join(body.split()), PREVIEW, mark="")
    return DiscussItem(
        document.doc_id.hex(),
        document.kind,
        journal,
        title,
        preview,
        to_datetime(created),
        marked_at,
        journal_id,
        offset,
    )


@dataclass(frozen=True)
class Brief:
    """The digest of a pre-session brief over `period_start`..`period_end` (aware datetimes:
    `period_start` is local midnight of the first day in the client's zone, `period_end` the
    moment it was made): the number of `entries` written on those days; the mean mood of the period (`mood_recent`), of the same length before
    (`mood_before`) and their difference (`mood_change`), moods 1 to 10, None without moods; a
    weekly `sparkline`; the latest score of each measure (`scores`), goals (`goals`: title, check-ins in the
    period, and progress so far in the unit of its measure, "12 sessions" or "percent", both
    null without a measure),
    homework by completion (`homework`) and the entries tagged "to-discuss" (`to_discuss`), as
    JSON-ready dicts; every result taken in the period, oldest first (`results`: result_id,
    measure, name, score, band (the instrument's own label), band_id, taken_at,
    safety_concern, safety_answer, and safety_unknown, as a score says them: the one field
    that tells a result shared without its answers from one whose safety item was answered
    0, since neither has a `safety_items` line; `digest_json` gives them as every JSON
    names a result), and each safety item answered above 0 in the period
    (`safety_items`: measure, name, item, answer, answer label, taken_at), so a positive
    PHQ-9 item 9 is not hidden by a later, lower score; the safety flags raised in the period
    (`safety_flags`: id, measure, item, answer, raised_at, scored (False for a questionnaire
    stopped after the safety item), acknowledged: each by and at; id and answer absent from a
    brief made before they were added), since a stopped questionnaire leaves a
    flag and no result; the names of the `journals` it covers ("Covers:"). `text()` is what
    the client reads before sharing it."""

    period_start: datetime
    period_end: datetime
    entries: int
    mood_recent: float | None
    mood_before: float | None
    mood_change: float | None
    sparkline: str
    scores: list[dict[str, Any]]
    goals: list[dict[str, Any]]
    homework: dict[str, int]
    to_discuss: list[dict[str, Any]]
    results: list[dict[str, Any]] = field(default_factory=list)
    safety_items: list[dict[str, Any]] = field(default_factory=list)
    safety_flags: list[dict[str, Any]] = field(default_factory=list)
    journals: list[str] = field(default_factory=list)
    """The names of the journals the brief covers (`Briefs.prepare`), sorted; the text's "Covers:"
    line, a journal shared as a field-level copy with the fields shared ("Work (mood, tags)").
    Empty: not said (a brief made before)."""
    therapist: str | None = None
    """The therapist (username) whose shares chose what it covers (`Briefs.prepare`'s
    default), whom alone `Briefs.share` shares it with; None: journals named. Not shared."""
    moods_shared: bool = True
    """False when the journals it covers are all copies of some fields without moods: its text
    says "Mood: not shared", never "no moods recorded" (which reads as a client who wrote
    none)."""
    homework_shared: bool = True
    """False when the journals it covers are all copies of some fields without homework: its
    text says "Homework: not shared", never "none recorded" (which reads as homework not
    done)."""
    shared_separately: list[dict[str, Any]] = field(default_factory=list)
    """The results of the brief's days shared with its therapist one at a time (`tj measure
    share`), in none of the journals it covers, oldest first: measure, name, taken_at, whether
    the answers were shared with them ("answers") and, only then, each safety item answered
    above 0 ("safety_items", as `safety_items` says them); never more of a result than the
    therapist was shared. Its text names them, so that one such result is not read as left
    out of everything."""
    read_only_copy: bool = False
    """The digest of a read-only copy of one of the client's own journals that the server no
    longer holds (`Briefs.read_only_copies`): for the client alone, never shared
    (`Briefs.share` refuses it). Not in `to_dict()`."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC."""
        return {
            "period_start": json_time(self.period_start),
            "period_end": json_time(self.period_end),
            "entries": self.entries,
            "mood_recent": self.mood_recent,
            "mood_before": self.mood_before,
            "mood_change": self.mood_change,
            "sparkline": self.sparkline,
            "scores": self.scores,
            "goals": self.goals,
            "homework": self.homework,
            "to_discuss": self.to_discuss,
            "results": self.results,
            "safety_items": self.safety_items,
            "safety_flags": self.safety_flags,
            "journals": self.journals,
            "moods_shared": self.moods_shared,
            "homework_shared": self.homework_shared,
            "shared_separately": self.shared_separately,
        }

    def text(self) -> str:
        """The brief as plain text, exactly what is shared."""
        zone = self.period_start.tzinfo
        start = self.period_start.strftime("%Y-%m-%d")
        end = self.period_end.astimezone(zone).strftime("%Y-%m-%d %H:%M (UTC%z)")
        lines = [f"Brief for {start} to {end}"]
        if self.journals:
            lines.append("Covers: " + ", ".join(quoted_name(name) for name in self.journals))
        lines.append("")
        mood = (
            "no moods recorded" if self.mood_recent is None else f"mean {self.mood_recent:.1f}/10"
        )
        if self.mood_change is not None:
            mood += f" ({change_words(self.mood_change, 'the period before')})"
        mood_line = f"Mood: {mood}  {self.sparkline}" if self.moods_shared else "Mood: not shared"
        lines += [mood_line, f"Entries: {self.entries}"]
        for score in self.scores:
            change = score["change"]
            unknown = f"; {SAFETY_UNKNOWN}" if score.get("safety_unknown") is True else ""
            text = f"{score['name']}: {score['score']} ({band_label(str(score['band']))}{unknown})"
            text += self._taken_words(score.get("taken_at"))
            if change is not None:
                text += f", {change['difference']:+d} since the one before"
            course, first = score.get("since_baseline"), score.get("baseline_at")
            if course is not None and first is not None:
                day = datetime.fromisoformat(first).astimezone().strftime("%Y-%m-%d")
                text += f", {course['difference']:+d} since the first (from {course['earlier']} on {day})"
                if course["reliable"]:
                    text += f", {course['reliable']}"
            lowest = score.get("lowest")  # a relapse after improvement (caseload.ScoreLine)
            if lowest is not None:
                day = datetime.fromisoformat(lowest["taken_at"]).astimezone().strftime("%Y-%m-%d")
                rise = score["score"] - lowest["score"]
                text += f", up {rise} from its lowest ({lowest['score']} on {day})"
            lines.append(text)
        for item in self.safety_items:
            when = datetime.fromisoformat(item["taken_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
            lines.append(
                f"Safety: {item['name']} item {item['item']} answered {item['answer']} "
                f"({item['label']}) on {when}"
            )
        for flag in self.safety_flags:
            when = datetime.fromisoformat(flag["raised_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
            seen = ", ".join(
                f"{a['by']} on {datetime.fromisoformat(a['at']).astimezone().strftime('%Y-%m-%d')}"
                for a in flag["acknowledged"]
            )
            stopped = "" if flag["scored"] else " (questionnaire stopped after it: no score)"
            # two of one minute told apart; a brief made before these keys has neither
            told = [f"item {flag['item']} answered {flag['answer']}"] if "answer" in flag else []
            told += [f"flag {str(flag['id'])[:8]}"] if "id" in flag else []
            apart = f" ({'; '.join(told)})" if told else ""
            lines.append(
                f"Safety flag raised on {when}{apart}{stopped}: "
                + (f"acknowledged by {seen}" if seen else "not acknowledged yet")
            )
        if len(self.results) > len(self.scores):
            taken = "; ".join(
                f"{r['name']} {r['score']} "
                f"{datetime.fromisoformat(r['taken_at']).astimezone().strftime('%Y-%m-%d')}"
                + self._safety_words(r)
                for r in self.results
            )
            lines.append(f"All results in the period: {taken}")
        if self.shared_separately:  # held by the therapist already: where they are (NU64 F3)
            separate = "; ".join(separate_words(r) for r in self.shared_separately)
            lines.append(f"Shared separately, not in the journals this brief covers: {separate}")
        for goal in self.goals:
            lines.append(f"Goal '{goal['title']}': {goal_words(goal)}")
        done = ", ".join(f"{n} {c}" for c, n in self.homework.items() if n)
        if not self.homework_shared:  # never read as homework not done (NU64 F3)
            lines.append("Homework: not shared")
        else:
            lines.append(f"Homework: {done or 'none recorded'}")
        if self.to_discuss:
            lines += ["", "To discuss:"]
            lines += [f"- {discuss_words(e)}" for e in self.to_discuss]
        return "\n".join(lines)

    def _safety_words(self, result: dict[str, Any]) -> str:
        """After a result in "All results in the period": each of its safety items answered
        above 0, as the "Safety:" lines say it (" (item 9 answered 2)", matched by measure
        and time in `safety_items`), or " (item 9 not shared)" for one shared without its
        answers (`safety_unknown`, as its latest score says it): so an older PHQ-9 reads as
        the newest does. Nothing for another result, or one of a brief made before."""
        marks = [
            f"item {item['item']} answered {item['answer']}"
            for item in self.safety_items
            if item.get("measure") == result.get("measure")
            and item.get("taken_at") == result.get("taken_at")
        ]
        if result.get("safety_unknown") is True:
            marks.append(SAFETY_UNKNOWN)
        return f" ({'; '.join(marks)})" if marks else ""

    def _taken_words(self, taken_at: object) -> str:
        """ " on 2026-12-01" after a latest score (the day in the zone of the brief's days),
        with " (before these days)" when it was taken before the first of them: a measure's
        latest score may be older than the brief's days; nothing for a score without a
        readable time."""
        try:
            taken = datetime.fromisoformat(str(taken_at))
        except ValueError:
            return ""
        if taken.tzinfo is None:
            return ""
        day = taken.astimezone(self.period_start.tzinfo).strftime("%Y-%m-%d")
        return f" on {day}" + (" (before these days)" if taken < self.period_start else "")


def separate_words(result: dict[str, Any]) -> str:
    """A result of `Brief.shared_separately` in its text: "PHQ-9 of 2026-11-24 (score
    only)", "PHQ-9 of 2026-11-30 (with answers; item 9 answered 2)"."""
    try:
        day = datetime.fromisoformat(str(result["taken_at"])).astimezone().strftime("%Y-%m-%d")
    except (KeyError, ValueError):
        day = "an unknown day"
    if not result.get("answers"):
        return f"{result.get('name')} of {day} (score only)"
    marks = [
        f"item {item['item']} answered {item['answer']}" for item in result.get("safety_items", [])
    ]
    return f"{result.get('name')} of {day} (with answers{''.join('; ' + m for m in marks)})"


def discuss_words(item: dict[str, Any]) -> str:
    """How the brief lists an item marked to discuss (a dict of `Brief.to_discuss`): its
    title or the start of its text; an entry whose text the brief does not share
    (`"text_shared": False`, of a journal shared as mood and tags only) as "an entry of
    2026-12-05 (text not shared)", one with no text as "an entry of 2026-12-05 (no text)"."""
    words = str(item.get("title") or item.get("preview") or "")
    if words:
        return words
    try:
        day = datetime.fromisoformat(str(item["created_at"])).astimezone().strftime("%Y-%m-%d")
    except (KeyError, ValueError):
        day = "an unknown day"
    kind = "a note" if item.get("kind") == NOTE else "an entry"
    why = "text not shared" if item.get("text_shared") is False else "no text"
    return f"{kind} of {day} ({why})"


def goal_words(goal: dict[str, Any]) -> str:
    """A goal of `Brief.goals` in the brief's text: its check-ins in the period and, with a
    measure, its progress so far, so that none reads as never checked in: "0 check-ins in
    this period (2 of 12 sessions so far)", "1 check-in in this period (40% so far)"; a brief
    made before progress was kept says the count alone. Pure."""
    count = goal["checkins"]
    said = f"{count} check-in{'' if count == 1 else 's'}"
    measure, progress = goal.get("measure"), goal.get("progress")
    if "measure" not in goal or not isinstance(progress, int):
        return said if "measure" not in goal else f"{said} in this period"
    if measure == "percent":
        return f"{said} in this period ({progress}% so far)"
    return f"{said} in this period ({progress} of {measure} so far)"


def compute_brief(
    entries: Sequence[TaggedEntry],
    results: list[MeasureResult],
    goals: Sequence[GoalLike],
    homework: Sequence[HomeworkEntry],
    *,
    now: datetime,
    days: int = DEFAULT_DAYS,
    marked: Sequence[DiscussItem] = (),
    flags: Sequence[SafetyFlag] = (),
) -> Brief:
    zone = client_zone(entries, now)
    today = now.astimezone(zone).date()
    start = datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=zone)
    in_period = [
        e for e in entries if 0 <= (today - entry_day(e, zone)).days < days and e.created_at <= now
    ]
    recent, before, change = mood_trend(entries, now, days, zone)
    scores = [line.digest() for line in latest_scores(results)]
    goal_rows = []
    for goal in goals:
        checkins = [c for c in goal.checkins if start <= c.at <= now]
        if checkins or not goal.done:
            measure = getattr(goal, "measure", None)  # a goal of the goals module: progress
            goal_rows.append(
                {
                    "title": goal.title,
                    "checkins": len(checkins),
                    "progress": getattr(goal, "progress", None) if measure else None,
                    "measure": str(measure) if measure else None,
                }
            )
    counts = {completion: 0 for completion in COMPLETIONS}
    for item in homework:
        if start <= item.created_at <= now:
            counts[item.completion] += 1
    discuss = [item.to_dict() for item in sorted(marked, key=lambda i: (i.created_at, i.id))]
    listed = {item.id for item in marked}
    discuss += [
        {
            "id": e.id,
            "kind": "entry",
            "title": e.title or None,
            "created_at": json_time(e.created_at),
            "preview": cut(" ".join(e.body.split()), PREVIEW, mark=""),
        }
        for e in sorted(in_period, key=lambda e: e.created_at)
        if TO_DISCUSS in e.tags and e.id not in listed
    ]
    taken = sorted((r for r in results if start <= r.taken_at <= now), key=lambda r: r.taken_at)
    return Brief(
        start,
        now,
        len(in_period),
        recent,
        before,
        change,
        weekly_sparkline(entries, now, max(1, days // 7), zone),
        scores,
        goal_rows,
        counts,
        discuss,
        [
            {
                "result_id": r.id,
                "measure": r.measure,
                "name": r.name,
                "score": r.score,
                "band": r.band_name,
                "band_id": r.band_id or None,
                "taken_at": json_time(r.taken_at),
                "safety_concern": r.safety_concern,
                "safety_answer": r.safety_answer,
                "safety_unknown": r.safety_unknown,
            }
            for r in taken
        ],
        [item for r in taken for item in _safety_items(r)],
        [
            {
                "id": f.id,
                "measure": f.measure,
                "item": f.item,
                "answer": f.answer,
                "raised_at": json_time(f.raised_at),
                "scored": bool(f.result_id),
                "acknowledged": [{"by": a.by, "at": json_time(a.at)} for a in f.acknowledged],
            }
            for f in sorted(flags, key=lambda f: (f.raised_at, f.id))
            if start <= f.raised_at <= now
        ],
    )


def brief_safety_of(result: MeasureResult) -> list[dict[str, Any]]:
    """The safety items (instrument data: PHQ-9 item 9) `result` answered above 0, as a
    brief's `safety_items` says them (none for a result without its answers)."""
    return _safety_items(result)


def _safety_items(result: MeasureResult) -> list[dict[str, Any]]:
    """The safety items (instrument data: PHQ-9 item 9) the result answered above 0."""
    found = builtin_instruments().get(result.measure)
    if found is None or result.answers is None:
        return []
    return [
        {
            "measure": result.measure,
            "name": result.name,
            "item": n,
            "answer": result.answers[n - 1],
            "label": found.option_label(result.answers[n - 1]),
            "taken_at": json_time(result.taken_at),
        }
        for n in found.safety_items
        if n <= len(result.answers) and result.answers[n - 1] > 0
    ]


def brief_update(document: Document, brief: Brief, now_ms: int) -> bytes:
    return document.change(
        fields={"digest": brief.to_dict(), "created_at": now_ms}, texts={"body": brief.text()}
    )


@dataclass(frozen=True)
class BriefView:
    """A brief as a therapist receives it: its id (hex), journal, the `client` who shared it,
    `created_at` (UTC), the `digest` (the JSON of `Brief.to_dict()`, as stored; `to_dict`
    gives it as `digest_json` does) and the `text` the client read before sharing;
    `expires_at` (UTC), the end date the client chose (None: none, or
    not known on this device); `ended`: "" while it is shared, else why that is over:
    "expired" (its signed end date passed) or "unshared" (before it, the server stopped
    serving it: the client stopped sharing it, or the server withholds it). A
    therapist's ended brief is no longer shown: its `digest` is empty and its `text` "" (the
    client time-boxed it), only that it existed and when it ended."""

    id: str
    journal: str
    client: str
    created_at: datetime
    digest: dict[str, Any]
    text: str
    expires_at: datetime | None = None
    ended: str = ""
    journal_id: str = ""
    """The id (hex) of the journal holding the brief: which account's it is, where two accounts held
    one username (the name alone could point at the other account's)."""

    def ended_words(self) -> str:
        """Why an ended brief is over, in words: "expired at 2026-12-01 19:00 UTC (the end
        date ana chose)", from the owner-signed end date; or, before it, by the server's word
        alone: "is no longer served to you (ana stopped sharing it, or the server is
        withholding it)"."""
        if self.ended == EXPIRED and self.expires_at is not None:
            when = self.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
            return f"expired at {when} UTC (the end date {self.client} chose)"
        return (
            f"is no longer served to you ({self.client} stopped sharing it, or the server is "
            "withholding it)"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "client": self.client,
            "created_at": json_time(self.created_at),
            "digest": digest_json(self.digest),
            "text": self.text,
            "expires_at": json_time(self.expires_at) if self.expires_at else None,
            "ended": self.ended or None,
        }


COUNTS = frozenset(
    {
        "entries", "checkins", "score", "item", "answer", "homework",
        "earlier", "later", "difference", "change", "apart_ms", "safety_answer",
    }
)  # fmt: skip
"""The keys of a brief's digest whose numbers are whole (counts, scores, item numbers; every
value of "homework"; a score's difference and the scores and milliseconds it is between,
`scoring.ScoreDifference`/`ScoreChange`, "change" in briefs made before it was "difference"; a result's "safety_answer"): read back from its document, where a number is
stored as a float, as ints again (NU55 F10: `"checkins": 2.0` in `--json`); a mood's mean
stays a float."""


def _whole(value: Any, counts: bool = False) -> Any:
    """`value` from a stored digest with each integral float under a COUNTS key an int."""
    if isinstance(value, dict):
        return {k: _whole(v, counts or k in COUNTS) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v, counts) for v in value]
    if counts and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def brief_view(document: Document, journal: str, client: str) -> BriefView | None:
    digest = document.field("digest")
    created = read_time(document.field("created_at"))
    if not isinstance(digest, dict) or created is None:
        return None
    return BriefView(
        document.doc_id.hex(),
        journal,
        client,
        created,
        _whole(dict(digest)),
        document.text("body"),
    )


RESULT_ROWS = ("scores", "results")
"""The lists of a brief's digest whose rows are results, each with its band (`digest_json`)."""


def digest_json(digest: dict[str, Any]) -> dict[str, Any]:
    """A brief's digest as `--json` gives it (`tj brief`, `tj briefs`, `tj show BRIEF`;
        `BriefView.to_dict`): each row of "scores" and "results" with a result's keys as
        `MeasureResult.to_dict` names and values them, whatever brief it is read from: "band"
        in lower case (`scoring.band_key`: "none-minimal", "moderately severe"), "band_label"
        as people are shown it ("None-minimal", "Moderately Severe"), "band_id" the band's
        token ("none_minimal"), all three from the band the brief stores (the instrument's own
        label, protocol.md "Briefs"), "band_id" as `MeasureResult.band_id` reads it (the one
        the brief stores for a measure this SDK does not know); "result_id" (hex: what `tj
        measure show ID` takes on the reader's device, the copy's id for a result of a
        field-level copy), "safety_concern" (the safety item, PHQ-9 item 9, answered above 0),
        "safety_answer" (its answer, 0 to 3; null where the brief gives no answers) and
        "safety_unknown" as the brief stores them; its "change" and "since_baseline" objects
    with the score's difference under "difference" (a number; stored as "change" in briefs
    made before). A brief made before a key was kept reads
        it as null (never a missing key); so does a value of the wrong type (another app's).
        The rest of the digest is as stored. Pure."""
    said = dict(digest)
    for name in RESULT_ROWS:
        rows = said.get(name)
        if isinstance(rows, list):
            said[name] = [_row_json(row) if isinstance(row, dict) else row for row in rows]
    return said


DIFFERENCES = ("change", "since_baseline")
"""The keys of a digest's score row whose value is a score's difference object
(`scoring.ScoreDifference`/`ScoreChange.to_dict`)."""


def _difference(value: Any) -> Any:
    """A score's difference object as `ScoreDifference.to_dict` gives it now: a brief made
    before the number was "difference" stored it as "change" (one key, two types), read back
    as "difference". Anything else as stored. Pure."""
    if not isinstance(value, dict) or "difference" in value or "change" not in value:
        return value
    said = {k: v for k, v in value.items() if k != "change"}
    return {**said, "difference": value["change"]}


def _row_json(row: dict[str, Any]) -> dict[str, Any]:
    """A result's row of a digest with the keys `digest_json` says."""
    stored = row.get("band")
    label = stored if isinstance(stored, str) else None
    return {
        **row,
        **{key: _difference(row[key]) for key in DIFFERENCES if key in row},
        "result_id": _typed(row.get("result_id"), str),
        "band": band_key(label) if label is not None else None,
        "band_id": _band_id(row, label),
        "band_label": band_label(label) if label is not None else None,
        "safety_concern": _typed(row.get("safety_concern"), bool),
        "safety_answer": _typed(row.get("safety_answer"), int),
        "safety_unknown": _typed(row.get("safety_unknown"), bool),
    }


def _typed(value: Any, kind: type) -> Any:
    """`value` when it is of `kind` (a bool is no int here), else None."""
    if kind is int and isinstance(value, bool):
        return None
    return value if isinstance(value, kind) else None


def _band_id(row: dict[str, Any], label: str | None) -> str | None:
    """The band's token of a digest's result row, as `MeasureResult.band_id` reads it from
    the band and score (the shipped definition's band table); for a measure this SDK does
    not know, the one the brief stores, else None."""
    found = builtin_instruments().get(str(row.get("measure")))
    score = _typed(row.get("score"), int)
    if found is None:
        stored = row.get("band_id")
        return stored if isinstance(stored, str) else None
    if label is None or not isinstance(score, int):
        return None
    try:
        return found.band_id_of(label, score)
    except InvalidInput:  # a score its definition does not hold: no band of it
        return None
