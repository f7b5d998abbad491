"""A therapist's caseload: one row per client who shares with them, computed on the
therapist's device from what each client shared (pure: callers pass everything, times too).

A row holds: the last entry and entries in the last 7 days; the mood trend, the mean mood of
the last 28 days against the 28 days before, with a sparkline of the last 8 weeks; the latest
score of each measure with its plain difference from the one before and its change since
the first of the client's results of that measure (reliable change and falling below the
cut-off, first score to last as the NHS Talking Therapies manual judges them,
scoring.compare); goals with their last check-in; overdue assignments; the latest brief; and
flags: an unacknowledged safety flag, no entry for `quiet_days` days, a mood drop of at least
`mood_drop` points, a mood of `low_mood` or lower this week, a reliable deterioration since
the first result (whatever the results between and however often they were taken), a latest
score in its instrument's highest band (PHQ-9 "severe" 20-27, GAD-7 "severe" 15-21, PCL-5 at or above the provisional cut-point;
bands from client_sdk/data/instruments/), a latest result whose safety item (PHQ-9 item 9)
was answered above 0 (seen only when the client shared the answers), a result that cannot be
read ("invalid": answers outside the instrument, no valid score or time; any safety item
answered above 0 named), overdue
assignments, and a share that ended.

Everything counts what the client shared with this therapist, and only that: "last entry" and
"no shared entry for N days" are about the entries the therapist can read; a client who shares
scores only, or single items, may write every day in journals not shared. A client who shares
only briefs (no journal) is never flagged for entries they do not share (NU43 #15). A client
whose journals this device stopped downloading at the bound on unverified owners
(`CaseloadRow.held_back`) is flagged HELD_BACK instead: what the row counts is partial until
their fingerprint is compared (NU47 #2).

Who needs attention first (`attention_order`), in tiers a clinician reading top-down meets
in this order (`CaseloadRow.tier`, from 0; README numbers them from 1: `CaseloadRow.group`):

0. a safety signal this device can read: an unacknowledged safety flag (the client opted in
   to tell this therapist at once), one raised before the current share included, whose
   acknowledgement (if any) this device does not hold (R46 F5: unacknowledged here, with that
   context; NU22 C7); or a safety item answered above 0 (PHQ-9 item 9, "Thoughts that you
   would be better off dead or of hurting yourself in some way") in the latest result whose
   answers were shared, or in a result that cannot be read, whether or not a flag was
   sealed for it (a flag is how an answer reaches the therapist at once, not the risk: an
   answer dated before the client opted in, or shared later, raises none). Within this tier
   the highest safety-item answer the therapist can read comes first
   (`CaseloadRow.safety_answer`: 3 "Nearly every day" before 1 "Several days"), that of the
   unacknowledged flags and of the held results not cleared by a later one (below); a
   result shared without its answers tells none, so it ranks no one here. Item 9 is the
   PHQ-9's safety item (`safety_items` in
   client_sdk/data/instruments/phq9.json; Kroenke K, Spitzer RL, Williams JBW, J Gen Intern
   Med 2001;16(9):606-613, the citation of that file). The PHQ-9's instructions single out
   a positive item 9 for follow-up whatever the total score (a paraphrase: the PHQ
   Instruction Manual was not reachable from the build machine, see that file's `sources`),
   so it ranks above any score or habit. A later result shared without its answers says
   nothing about item 9, so it does not hide an earlier positive one (the flag then names
   that result's day); nor does a result taken less than the form's recall period (14 days,
   "the last 2 weeks") after a result with item 9 above 0, which asks about some of the
   same days: "PHQ-9 item 9 answered above 0 on 2026-12-02 (retaken since)" (NU22 C1); a
   result a whole recall period later clears it;
1. a safety item answered above 0 that only the latest brief the client shares says (its digest's `safety_items`: a client who
   shares a brief but not the result, NU41 #2), unless this device holds that result's
   answers (the rule above then decides) or a result of that measure with answers taken a
   whole recall period later: "PHQ-9 item 9 answered above 0 on 2026-12-02 (in the brief of
   2026-12-03)": the digest's word for a result this device does not hold;
2. a reliable deterioration since the first result of the measure ("PHQ-9 reliable
   deterioration (from 4 on 2026-11-10)": that first score and its day), or a latest score
   in its instrument's highest band, or one in it that a result within the recall period
   followed ("PHQ-9 severe on 2026-12-02 (retaken since)": a form about some of the same
   days clears no severe score, NU43 #2; a result a whole recall period later clears it);
   or, where the first result is not reliably worse, a rise from the lowest earlier score
   of the course by at least the instrument's reliable-change threshold ("PHQ-9 up 8 from
   its lowest (4 on 2026-11-24)": a relapse after improvement, which a course judged first
   score to last hides, 20 → 4 → 12 reading as a reliable improvement; the threshold is the
   manual's, this use of it a rule of this SDK: a flag for the therapist to look, not an
   outcome); either kept, as of the result that raised it, while the latest result was
   taken less than a recall period after that one ("PHQ-9 reliable deterioration on
   2026-11-29 (from 4 on 2026-11-01; retaken since)", `course_flags_retaken`);
3. anything else flagged: an unreadable result, a mood drop, a low mood this week ("mood
   2/10 on 2026-12-04", the lowest of the week's shared entries, the latest of those, with
   how many when several: "(3 at or below 2 in 7 days)"; its time the latest of them; a
   single self-rated mood has no validated cut-off, so it ranks with the other habits, not
   with the instruments' signals; said, in no tier, when every share ended), no shared
   entry for N days,
   overdue assignments, a share that ended beside one still live ("ended: ana/Work (mood,
   tags)", in the journals' words: ENDED_JOURNALS; "no longer served: ana/Work" where only the
   server's silence says so: UNLISTED_JOURNALS);
4. nothing flagged;
5. every share ended and the last known data carries nothing of tiers 0 to 2.

A share that ended never demotes a client whose last known data carries a signal of tiers 0
to 2: the row stays in that tier, flagged "share ended" (or UNLISTED_ENDED), after its
safety signals (disengaging after such a signal is no reason to read them later). Within a tier, clients whose fingerprint this device compared
come before those whose it did not (the server could have invented the latter), then (tier 0)
the highest safety-item answer, then the most
recent signal first (`CaseloadRow.signal_at`: the newest flag's `raised_at`, result's
`taken_at`, overdue assignment's due time, the low mood's entry, the last entry for a mood
drop or a row without flags; none for "no shared entry" or a share that ended, which come after those with a time),
then by name. A row's `flags` are said in the same order (the "share ended" tag of a client
whose every share ended first, "fingerprint not verified" last).

Windows are counted in the client's local calendar days, whatever the therapist's time zone:
an entry's day is the day in the UTC offset it was written in (protocol.md 5, `utc_offset`;
models.entry_day, as streaks count), and "today" is today in the offset of the client's
latest entry that has one (without any: the zone of `now`). "This week" is today and the 6
days before; the mood trend compares the last 28 days (today included) with the 28 before;
"no shared entry for N days" counts days from the last shared entry's day to today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any, Protocol, TypeVar

from client_sdk.care_disclosure import ENTRY_FIELDS
from client_sdk.care_terms import DEFAULT_LOW_MOOD as DEFAULT_LOW_MOOD
from client_sdk.care_terms import DEFAULT_MOOD_DROP as DEFAULT_MOOD_DROP
from client_sdk.care_terms import DEFAULT_QUIET_DAYS as DEFAULT_QUIET_DAYS
from client_sdk.care_terms import SAFETY_UNKNOWN
from client_sdk.insights import sparkline
from client_sdk.models import json_time, share_end_text
from client_sdk.results import (
    InvalidResult,
    MeasureResult,
    baseline_result,
    change_between,
    difference_between,
    previous_result,
)
from client_sdk.safety import SafetyFlag
from client_sdk.schedule import OVERDUE, Due
from client_sdk.scoring import (
    DETERIORATION,
    Instrument,
    ScoreChange,
    ScoreDifference,
    builtin_instruments,
)

TREND_DAYS = 28
SPARK_WEEKS = 8


class EntryLike(Protocol):
    @property
    def created_at(self) -> datetime: ...
    @property
    def mood(self) -> int | None: ...
    @property
    def utc_offset(self) -> int | None: ...


@dataclass(frozen=True)
class MoodEntry:
    """An entry as a row reads it (`EntryLike`): its time, UTC offset (minutes) and mood."""

    created_at: datetime
    utc_offset: int | None
    mood: int | None


class GoalLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def journal_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def done(self) -> bool: ...
    @property
    def fraction(self) -> float | None: ...
    @property
    def checkins(self) -> Sequence[Any]: ...


@dataclass(frozen=True)
class ScoreLine:
    """The latest result of one measure in a caseload row, with its plain `change` from the
    result before (None for a first result; scoring.ScoreDifference, no verdict), the first
    result of the client's course of that measure (`baseline`, results.baseline_result) and
    the change from it (`since_baseline`: scoring.ScoreChange, which the row's "reliable
    deterioration" flag reads, first score to last as the NHS Talking Therapies manual
    judges it); and `lowest`, the lowest-scoring earlier result of the course (the earliest
    of equal ones) when the latest score is at least the instrument's reliable-change
    threshold above it but not above the first (`rise_from_lowest`: the row's "up N from
    its lowest" flag, a relapse after improvement), else None."""

    result: MeasureResult
    change: ScoreDifference | None
    since_baseline: ScoreChange | None = None
    baseline: MeasureResult | None = None
    lowest: MeasureResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (`tj caseload --json`), `digest` with "band" in lower case for
        every measure (`scoring.band_key`) and "band_label" as people are shown it
        (`scoring.band_label`) and "band_id" its token, as `MeasureResult.to_dict` gives
        them, and the latest result's id ("result_id", hex: what `measures.get` takes) and
        its journal's ("journal_id"), which a brief's digest does not keep."""
        return {
            "result_id": self.result.id,
            "journal_id": self.result.journal_id,
            **self.digest(),
            "band": self.result.band,
            "band_id": self.result.band_id or None,
            "band_label": self.result.band_label,
        }

    def digest(self) -> dict[str, Any]:
        """The line as a brief's digest stores it (protocol.md "Briefs", `scores`): "band"
        the instrument's own label ("Moderately Severe", "mild"), which readers show with
        `band_label`, "band_id" its token (`MeasureResult.band_id`, null for a measure not
        known here), the result's id ("result_id", hex), what it says of the safety item
        ("safety_concern", "safety_answer", "safety_unknown", as `MeasureResult.to_dict`
        gives them); nested values as their own `to_dict()`."""
        return {
            "result_id": self.result.id,
            "measure": self.result.measure,
            "name": self.result.name,
            "score": self.result.score,
            "band": self.result.band_name,
            "band_id": self.result.band_id or None,
            "taken_at": json_time(self.result.taken_at),
            "safety_concern": self.result.safety_concern,
            "safety_answer": self.result.safety_answer,
            "safety_unknown": self.result.safety_unknown,
            "change": self.change.to_dict() if self.change else None,
            "baseline_at": json_time(self.baseline.taken_at) if self.baseline else None,
            "since_baseline": self.since_baseline.to_dict() if self.since_baseline else None,
            "lowest": (
                {"score": self.lowest.score, "taken_at": json_time(self.lowest.taken_at)}
                if self.lowest
                else None
            ),
        }


@dataclass(frozen=True)
class GoalLine:
    """A goal in a caseload row: its title, how far along it is (`fraction`, 0.0 to 1.0, or
    None without a measure), its last check-in (UTC, or None), and its id and its journal's
    (hex; "" when not known: built without them)."""

    title: str
    fraction: float | None
    last_checkin: datetime | None
    goal_id: str = ""
    journal_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; "goal_id" (what `goals.get`
        takes) and "journal_id" as hex, null when not known."""
        return {
            "goal_id": self.goal_id or None,
            "journal_id": self.journal_id or None,
            "title": self.title,
            "fraction": self.fraction,
            "last_checkin": json_time(self.last_checkin) if self.last_checkin else None,
        }


@dataclass(frozen=True)
class CaseloadRow:
    """One client in a therapist's caseload (module docstring): the journals they share, their
    last entry (UTC) and entries in the last 7 days, the mood trend (mean mood of the last 28
    days, of the 28 before, their difference, moods 1 to 10; a sparkline of 8 weeks), latest
    scores, goals, overdue assignments, safety flags, the latest brief, and `flags`: the
    reasons this row needs attention (empty when none)."""

    client: str
    journals: tuple[str, ...]
    last_entry: datetime | None
    entries_this_week: int
    mood_recent: float | None
    mood_before: float | None
    mood_change: float | None
    sparkline: str
    scores: tuple[ScoreLine, ...]
    goals: tuple[GoalLine, ...]
    overdue: tuple[str, ...]
    safety_flags: tuple[SafetyFlag, ...]
    brief_id: str | None
    brief_at: datetime | None
    flags: tuple[str, ...]
    journal_ids: tuple[str, ...] = ()
    """The ids (hex) of `journals`, in the same order (`journal_ids[i]` is the id of
    `journals[i]`): a name changes when the client renames a journal, an id never, so an app
    joins a row to the `journal_id` of other rows (`SafetyFlag`, `MeasureResult`) by these."""
    share_ended: bool = False
    """Every share of the client's with this account ended by what this device knows beyond
    the server's word (each by an end its owner signed in the access chain this device
    verified, a signed end date passed, or this account leaving it): the row is read from the
    read-only copies kept here. Never with `unlisted`; as `Journal.share_ended` says it."""
    unlisted: bool = False
    """Every share of the client's with this account is over (`read_only_copies`), and the
    server alone stopped serving at least one of them while nothing their owner signed ended
    it (`Journal.unlisted`: they may have ended it, or the server may be holding it back): the
    row is tagged UNLISTED_ENDED (or ERASED_UNLISTED), never "share ended". Never with
    `share_ended`."""
    tier: int = 4
    """Where the row stands in `attention_order` (module docstring), counted from 0: 0 an
    unacknowledged safety flag or a safety item above 0 in a result this device holds the
    answers of, 1 a safety item above 0 that only a brief says, 2 reliable deterioration or
    highest band, 3 other flags, 4 none, 5 every share ended with nothing of tiers 0 to 2.
    README numbers the same groups from 1: `group`."""
    safety_answer: int | None = None
    """The highest safety-item answer (PHQ-9 item 9: 0 "Not at all" to 3 "Nearly every
    day") this device can read for the row: in tier 0, among its signals (the unacknowledged
    flags' and the held results' answers that keep a safety item above 0 in view,
    `safety_answer_level`); elsewhere 0 when the latest result of each measure with a
    safety item that this device holds carries its answers (`safety_answer_read`: the item
    is known to be answered 0). None when it is unknown here: no such result, the latest
    shared without its answers ("item 9 not shared": the client may have answered above 0),
    or only a brief says it (tier 1). Never read None as 0. Ranks tier 0
    (`attention_order`)."""
    signal_at: datetime | None = None
    """When the signal that sets `tier` happened (UTC; module docstring), or None."""
    last_entry_day: date | None = None
    """The client's calendar day of `last_entry` (the offset it was written in: the days every
    window and flag of the row counts in, so that the table never shows the therapist's day beside a
    flag naming the client's), or None."""
    owner_verified: bool = True
    """Whether this device compared the client's fingerprint (`client.shares.verify`): until then
    the server could have invented the client and everything shared; such a row carries the flag
    "fingerprint not verified" and comes after verified clients with the same safety flags."""
    held_back: tuple[str, ...] = ()
    """The client's journals (briefs' included) this device stopped downloading at the bound on
    unverified owners (`client.shares.held_back`): what the row counts is partial (entries, scores,
    safety flags and briefs past that point are not here) until their fingerprint is compared and a
    sync downloads the rest. The row then carries the flag HELD_BACK instead of "no shared entries
    yet" / "no shared entry for N days"."""
    held_back_ids: tuple[str, ...] = ()
    """The ids (hex) of `held_back`, in the same order (as `journal_ids` of `journals`)."""
    shared_fields: tuple[str, ...] | None = None
    """The fields the client's journals still shared with this account carry, when every one is
    a copy of some fields (`tj share --only`; read from their owner-signed names, those of all
    such copies together: ("mood", "scores")), or None when one is a whole journal or the
    journal of items shared one by one (either may carry anything). A client whose copies
    carry no entry field or no text is said so (NO_ENTRIES_SHARED) instead of "no shared
    entries yet"."""
    results_one_by_one: bool = False
    """Whether the client's `scores` all came as results shared one at a time (`tj measure
    share`): none of their journals still shared with this account carries their results (a
    copy of some fields without scores and the journal of single items). Newer results than
    the latest shown may then exist that were not shared with this account: an app says so
    beside the scores (the latest it holds is not the client's latest). False when a shown
    score came from a journal shared whole (or a copy carrying scores) whose share ended:
    `results_from_ended` / `results_from_unlisted` say that instead."""
    results_from_ended: tuple[str, ...] = ()
    """The client's journals, as the caseload names them, whose share with this account their
    owner's signature ended and from which the shown `scores` come, while the client's shares
    still going on carry none of their results (a whole share narrowed to a copy of mood only):
    no newer result of theirs reaches this account; an app says so beside the scores
    (RESULTS_FROM_ENDED_LINE). Never `results_one_by_one`: none of these came one at a time."""
    results_from_unlisted: tuple[str, ...] = ()
    """As `results_from_ended`, for journals the server stopped serving while nothing their
    owner signed ended the share (a removed member is not served its removal, so the server
    stopping cannot be told from a server holding the journal back): the server's word, said as
    such (RESULTS_FROM_UNLISTED_LINE), never as the client's decision."""
    results_from_ended_ids: tuple[str, ...] = ()
    """The ids (hex) of `results_from_ended`, in the same order."""
    results_from_unlisted_ids: tuple[str, ...] = ()
    """The ids (hex) of `results_from_unlisted`, in the same order."""
    client_id: str = ""
    """The client's account id (hex): `client` is a display name that changes form ("kim",
    then "kim (account 1a2b3c4d)" once another account bears the name), the id never; an
    app joins a row to private notes (`client_id`) and share logs (`account_id`) by it."""

    @property
    def read_only_copies(self) -> bool:
        """No share of the client's with this account is on: the row is read from the
        read-only copies kept here (`share_ended` or `unlisted` says why)."""
        return self.share_ended or self.unlisted

    @property
    def needs_attention(self) -> bool:
        """Whether any flag is raised (`flags` is not empty)."""
        return bool(self.flags)

    @property
    def group(self) -> int:
        """`tier` counted from 1, as README numbers the groups of who needs attention first:
        1 a safety signal this device can read, 2 a safety item above 0 only a brief says, 3
        reliable deterioration or highest band, 4 other flags, 5 none, 6 every share ended
        with nothing of groups 1 to 3."""
        return self.tier + 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; days as "YYYY-MM-DD"; ids as hex;
        nested values as their own `to_dict()`. Keys are the fields' and properties' names,
        but "fingerprint_verified" (`owner_verified`) and "brief" ({"id": `brief_id`, "at":
        `brief_at`}, or null)."""
        return {
            "client": self.client,
            "client_id": self.client_id,
            "journals": list(self.journals),
            "journal_ids": list(self.journal_ids),
            "last_entry": json_time(self.last_entry) if self.last_entry else None,
            "last_entry_day": self.last_entry_day.isoformat() if self.last_entry_day else None,
            "entries_this_week": self.entries_this_week,
            "mood_recent": self.mood_recent,
            "mood_before": self.mood_before,
            "mood_change": self.mood_change,
            "sparkline": self.sparkline,
            "scores": [s.to_dict() for s in self.scores],
            "goals": [g.to_dict() for g in self.goals],
            "overdue": list(self.overdue),
            "safety_flags": [f.to_dict() for f in self.safety_flags],
            "brief": (
                {"id": self.brief_id, "at": json_time(self.brief_at) if self.brief_at else None}
                if self.brief_id
                else None
            ),
            "flags": list(self.flags),
            "read_only_copies": self.read_only_copies,
            "share_ended": self.share_ended,
            "unlisted": self.unlisted,
            "fingerprint_verified": self.owner_verified,
            "held_back": list(self.held_back),
            "held_back_ids": list(self.held_back_ids),
            "tier": self.tier,
            "group": self.group,
            "safety_answer": self.safety_answer,
            "signal_at": json_time(self.signal_at) if self.signal_at else None,
            "shared_fields": (list(self.shared_fields) if self.shared_fields is not None else None),
            "results_one_by_one": self.results_one_by_one,
            "results_from_ended": list(self.results_from_ended),
            "results_from_unlisted": list(self.results_from_unlisted),
            "results_from_ended_ids": list(self.results_from_ended_ids),
            "results_from_unlisted_ids": list(self.results_from_unlisted_ids),
        }


CLIENT_ENDED = "share ended (the client ended it)"
"""The "share ended" tag of a client each of whose shares this device holds ended by their
own signed removal (`tj unshare`: a `removed` entry without `because` in the access chain it
verified, `AccessState.unshared`): their decision, read from their signature. A removal an
owner device signed on the server's word (`because`) is not one; nor is a share whose end
date passed or that this account left ("share ended")."""

ERASED_ENDED = "share ended (account appears erased: the server no longer knows it)"
"""The "share ended" tag of a client whose account the server said no longer exists when
their share stopped being served (NU43 #8): its word, said as such."""

ENDED_JOURNALS = "ended: "
"""The start of the flag naming a client's journals whose share with this account ended
while others go on ("ended: ana/Work (mood, tags)"): said as those journals', never as
"share ended", which reads as the client's every share."""
UNLISTED_JOURNALS = "no longer served: "
"""The start of the flag naming a client's journals the server stopped serving, while nothing
their owner signed ended those shares and others go on ("no longer served: ana/Work"): the
server's word, never said as an ended share (ENDED_JOURNALS)."""
UNLISTED_ENDED = (
    "share no longer served (the server stopped sending their journals; this device holds no "
    "signed end of the share: the client may have ended it, or the server may be holding it "
    "back)"
)
"""The tag of a client whose journals the server stopped serving while this device holds
nothing their owner signed that ends the share (`Replica.ended_by_server_only`): a member
removed by the owner's signed change is not served that change (protocol.md 4.19), so a
client's own `tj unshare` and a server hiding the journal look alike here. Said as what this
device holds, never as an ended share, nor as the client not having ended it. When the
device holds the owner's signed end (an end date passed; their own removal in the chain it
verified: CLIENT_ENDED), the row is "share ended" instead (`CaseloadRow.share_ended`)."""

ERASED_UNLISTED = (
    "share no longer served (account appears erased: the server no longer knows it; "
    "or the server may be holding the journals back)"
)
"""UNLISTED_ENDED of a client whose account the server also says no longer exists: both its
word (a server hiding a journal can also say its owner was erased)."""

COPY_DISCARDED = "whose copy you discarded on this device"
"""In a safety flag's reason ("safety flag (1 unacknowledged, 1 raised before this share:
earlier share whose copy you discarded on this device)"): the flags raised before the
current share came when this device held a copy of the earlier one, which the user
discarded (`client.shares.forget`), acknowledgements with it. An app may name its own
command after it (the CLI: "... discarded with `tj forget`")."""
NO_ENTRIES_SHARED = "no entries shared"
"""The start of the flag of a client whose journals shared with this account are all copies of
some fields carrying no entry's text (`CaseloadRow.shared_fields`), said instead of "no shared
entries yet", which reads as a client who has not started: "no entries shared (scores only)"
for copies carrying no entry field (nothing of an entry reaches this account, ever), "no
entries shared yet (mood, scores only)" for copies carrying some fields of entries and none
written since the share."""

SAFETY_UNKNOWN_FLAG = f" {SAFETY_UNKNOWN}"
"""The end of the flag of a client whose latest result of a measure with a safety item came
without its answers ("PHQ-9 item 9 not shared", `MeasureResult.safety_unknown`): whether that
item was answered above 0 is not known to this account, whatever the total, so the row is
flagged (tier 3, at the result's time: among the clients to look at, before those only quiet)
and a low score never reads as fine."""

ONE_BY_ONE_LINE = (
    "the scores shown are the results sent to you one at a time: none of the journals shared "
    "with you carries the client's results, so a newer result may exist that was not shared "
    "with you (the latest shown is the latest you hold)."
)
"""Said of the clients whose `CaseloadRow.results_one_by_one` is True, beside or below their
scores, in every view of the caseload (`tj caseload`, its HTML page)."""

RESULTS_FROM_ENDED_LINE = (
    "the scores shown come from a journal whose share with you ended ({journals}): the "
    "journals still shared with you carry none of the client's results, so a newer result "
    "may exist that does not reach you (the latest shown is the latest you hold)."
)
"""Said of the clients whose `CaseloadRow.results_from_ended` is not empty, `{journals}` their
names, in every view of the caseload (`tj caseload`, its HTML page)."""

RESULTS_FROM_UNLISTED_LINE = (
    "the scores shown come from a journal the server no longer serves to you ({journals}; "
    "this device holds no signed end of the share: the client may have ended it, or the "
    "server may be holding it back): the journals still shared with you carry none of the "
    "client's results, so a newer result may exist that does not reach you (the latest shown "
    "is the latest you hold)."
)
"""As RESULTS_FROM_ENDED_LINE, for `CaseloadRow.results_from_unlisted`: the server's word."""


def results_ended_lines(rows: Iterable[CaseloadRow]) -> list[str]:
    """The lines said below a caseload's rows, one per client and kind, of scores that came
    from a journal whose share ended (RESULTS_FROM_ENDED_LINE) or the server no longer serves
    (RESULTS_FROM_UNLISTED_LINE), each starting with the client's name ("ana: the scores shown
    come from ..."). Plain text; an HTML view escapes it."""
    lines = []
    for row in rows:
        if row.results_from_ended:
            named = ", ".join(row.results_from_ended)
            lines.append(f"{row.client}: {RESULTS_FROM_ENDED_LINE.format(journals=named)}")
        if row.results_from_unlisted:
            named = ", ".join(row.results_from_unlisted)
            lines.append(f"{row.client}: {RESULTS_FROM_UNLISTED_LINE.format(journals=named)}")
    return lines


UNVERIFIED = "fingerprint not verified"
"""The flag of a client whose fingerprint this device never compared."""

HELD_BACK = "not all downloaded: compare fingerprints"
"""The flag of a client some of whose journals this device stopped downloading at the bound on
unverified owners (`CaseloadRow.held_back`): said instead of "no shared entries yet" and "no
shared entry for N days", which partial data would make untrue (NU47 #2). In no app's words:
an app adds how to verify (the CLI: `tj verify NAME FINGERPRINT`)."""


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def change_words(change: float, before: str) -> str:
    """A mood's change against `before` ("the 4 weeks before"), to one decimal as shown:
    "+1.2 against the 4 weeks before"; a change that rounds to 0.0 is "no change against
    ..." (NU78 F10: "-0.0" read as a fall, "+0.0" as a rise). Pure."""
    shown = f"{change:+.1f}"
    if float(shown) == 0:
        return f"no change against {before}"
    return f"{shown} against {before}"


def client_zone(entries: Iterable[EntryLike], now: datetime) -> tzinfo:
    """The client's zone as their entries show it: the UTC offset (minutes) their latest entry
    was written in (of two written at one moment, the larger offset: whatever order the
    entries come in); `now`'s zone when no entry records one."""
    latest = max(
        (e for e in entries if e.utc_offset is not None),
        key=lambda e: (e.created_at, e.utc_offset or 0),
        default=None,
    )
    if latest is None or latest.utc_offset is None:
        return now.tzinfo or UTC
    return timezone(timedelta(minutes=latest.utc_offset))


def entry_day(entry: EntryLike, zone: tzinfo) -> date:
    """The calendar day `entry` was written on in its writer's UTC offset (as
    models.entry_day), or in `zone` when it records none (or one out of range)."""
    if entry.utc_offset is None or not -1080 <= entry.utc_offset <= 1080:
        return entry.created_at.astimezone(zone).date()
    return entry.created_at.astimezone(timezone(timedelta(minutes=entry.utc_offset))).date()


def _days(entries: Iterable[EntryLike], zone: tzinfo) -> list[tuple[date, EntryLike]]:
    return [(entry_day(e, zone), e) for e in entries]


def mood_trend(
    entries: Sequence[EntryLike], now: datetime, days: int = TREND_DAYS, zone: tzinfo | None = None
) -> tuple[float | None, float | None, float | None]:
    """(mean mood of the last `days` local days, today included; of the `days` before; their
    difference). Days are the client's (module docstring); `zone` overrides `client_zone`."""
    zone = zone or client_zone(entries, now)
    today = now.astimezone(zone).date()
    recent: list[int] = []
    before: list[int] = []
    for day, entry in _days(entries, zone):
        age = (today - day).days
        if entry.mood is None or age < 0:
            continue
        if age < days:
            recent.append(entry.mood)
        elif age < 2 * days:
            before.append(entry.mood)
    mean_recent, mean_before = _mean(recent), _mean(before)
    change = (
        round(mean_recent - mean_before, 2)
        if mean_recent is not None and mean_before is not None
        else None
    )
    return mean_recent, mean_before, change


def weekly_sparkline(
    entries: Sequence[EntryLike],
    now: datetime,
    weeks: int = SPARK_WEEKS,
    zone: tzinfo | None = None,
) -> str:
    """Mean mood of each of the last `weeks` 7-day windows of local days (today ends the last
    one), oldest first (insights.sparkline)."""
    zone = zone or client_zone(entries, now)
    today = now.astimezone(zone).date()
    buckets: list[list[int]] = [[] for _ in range(weeks)]
    for day, entry in _days(entries, zone):
        age = (today - day).days
        if entry.mood is None or age < 0:
            continue
        if age // 7 < weeks:
            buckets[weeks - 1 - age // 7].append(entry.mood)
    return sparkline(_mean(bucket) for bucket in buckets)


def latest_scores(results: list[MeasureResult]) -> tuple[ScoreLine, ...]:
    """The latest result of each measure, with the plain difference from the one before it
    and the change since the first (ScoreLine): one client's results, whichever of their
    journals holds them (a whole journal, a copy of some fields, the kept copy of a share
    that ended), each counted once by the caller; one course per client and measure."""
    latest: dict[str, MeasureResult] = {}
    for result in results:
        kept = latest.get(result.measure)
        if kept is None or (result.taken_at, result.id) > (kept.taken_at, kept.id):
            latest[result.measure] = result
    lines = []
    for measure in sorted(latest):
        result = latest[measure]
        # one series per client: previous_result and baseline_result read one journal id
        same = [replace(r, journal_id="") for r in results if r.measure == measure]
        this = replace(result, journal_id="")
        before = previous_result(same, this)
        first = baseline_result(same, this)
        baseline = next((r for r in results if first is not None and r.id == first.id), None)
        since_baseline = change_between(first, result)
        lines.append(
            ScoreLine(
                result,
                difference_between(before, result),
                since_baseline,
                baseline,
                rise_from_lowest(
                    [r for r in results if r.measure == measure], result, since_baseline
                ),
            )
        )
    return tuple(lines)


def rise_from_lowest(
    results: list[MeasureResult], latest: MeasureResult, since_baseline: ScoreChange | None
) -> MeasureResult | None:
    """The lowest-scoring result of `results` (one course: one client's results of one
    measure) taken before `latest` (the earliest of equal ones) when `latest`'s score is at
    least the instrument's reliable-change threshold above it and the course is not already
    a reliable deterioration from its first score (`since_baseline`); else None. A relapse
    after improvement (20 → 4 → 12) is a reliable improvement first score to last, as the
    NHS Talking Therapies manual judges a course: this is the signal that it is not over."""
    threshold = builtin_instruments()[latest.measure].reliable_change
    if threshold is None or (
        since_baseline is not None and since_baseline.reliable == DETERIORATION
    ):
        return None
    earlier = [r for r in results if (r.taken_at, r.id) < (latest.taken_at, latest.id)]
    lowest = min(earlier, key=lambda r: (r.score, r.taken_at, r.id), default=None)
    if lowest is None or latest.score - lowest.score < threshold:
        return None
    return lowest


def safety_answers(results: list[MeasureResult]) -> list[tuple[MeasureResult, bool, bool]]:
    """For each measure with a safety item, the result that keeps a safety item answered
    above 0 in view, with whether it is also the measure's latest result and whether a later
    result with answers retook it (`retaken`): the latest result whose answers were shared
    if it answered a safety item above 0 (a later one shared without answers says nothing
    about the item); else the latest one that did among those whose recall period overlaps
    the latest answered one's (taken less than the instrument's recall period before it,
    `Instrument.recall_days`: PHQ-9 14 days, "the last 2 weeks"), since a form about some of
    the same days does not clear an answer about them (NU22 C1). One taken a recall period
    or more before the latest answered result (exactly 14 days included) is cleared by it."""
    found = []
    for measure in sorted({r.measure for r in results}):
        same = [r for r in results if r.measure == measure]
        answered = [r for r in same if r.answers is not None]
        if not answered:
            continue
        last = max(answered, key=lambda r: (r.taken_at, r.id))
        newest = max(same, key=lambda r: (r.taken_at, r.id))
        if last.safety_concern:
            found.append((last, newest is last, False))
            continue
        instrument = builtin_instruments().get(measure)
        if instrument is None:
            continue
        period = timedelta(days=instrument.recall_days)
        overlapping = [
            r
            for r in answered
            if r.safety_concern
            and (r.taken_at, r.id) < (last.taken_at, last.id)
            and last.taken_at - r.taken_at < period
        ]
        if overlapping:
            found.append((max(overlapping, key=lambda r: (r.taken_at, r.id)), False, True))
    return found


SAFETY_TOP = 3
"""The level an invalid result's safety item answered above 0 counts for when its answer is
not known (PHQ-9 item 9's highest option, "Nearly every day"): erring toward attention."""


def safety_answer_read(results: list[MeasureResult]) -> bool:
    """Whether this device reads the safety-item answers of the latest result of each measure
    with a safety item among `results` (there being at least one): a result shared without
    its answers says nothing about the item, so the latest one of that kind leaves it
    unknown (`CaseloadRow.safety_answer` None)."""
    measures = set()
    for result in results:
        instrument = builtin_instruments().get(result.measure)
        if instrument is not None and instrument.safety_items:
            measures.add(result.measure)
    for measure in measures:
        newest = max((r for r in results if r.measure == measure), key=lambda r: (r.taken_at, r.id))
        if newest.answers is None:
            return False
    return bool(measures)


def safety_answer_level(results: list[MeasureResult]) -> int:
    """The highest safety-item answer (PHQ-9 item 9, 0 to 3) among the results whose answers
    this device holds and that `safety_answers` keeps in view: for each measure, the latest
    answered result and those taken less than the instrument's recall period before it (a
    form about some of the same days clears no answer about them); 0 when none is above 0.
    A result shared without its answers counts for nothing: its reader never saw them."""
    level = 0
    for measure in sorted({r.measure for r in results}):
        instrument = builtin_instruments().get(measure)
        answered = [r for r in results if r.measure == measure and r.answers is not None]
        if instrument is None or not answered:
            continue
        last = max(answered, key=lambda r: (r.taken_at, r.id))
        period = timedelta(days=instrument.recall_days)
        for r in answered:
            if r is last or (
                (r.taken_at, r.id) < (last.taken_at, last.id)
                and last.taken_at - r.taken_at < period
            ):
                found = instrument.safety_answers(r.answers or ())
                level = max([level, *(value for _, value in found)])
    return level


def top_band_retaken(results: list[MeasureResult]) -> list[MeasureResult]:
    """For each measure whose latest result is not in its instrument's highest band: the
    latest earlier result that was, when the latest was taken less than the instrument's
    recall period after it (`Instrument.recall_days`: PHQ-9 14 days). A form about some of
    the same days does not clear a severe score about them, as it clears no safety answer
    (`safety_answers`; NU43 #2: a PHQ-9 of 24 retaken as 3 six minutes later left the
    caseload with no flag at all). One taken a recall period or more later clears it."""
    return [
        result
        for result, _ in _retaken(
            results,
            lambda instrument: bool(instrument.bands),
            lambda same: in_top_band(same[-1]),
            lambda upto: [upto[-1]] if in_top_band(upto[-1]) else [],
        )
    ]


_Said = TypeVar("_Said")


def _retaken(
    results: list[MeasureResult],
    applies: Callable[[Instrument], bool],
    latest_raises: Callable[[list[MeasureResult]], bool],
    raised: Callable[[list[MeasureResult]], list[_Said]],
) -> list[tuple[MeasureResult, _Said]]:
    """The walk of `top_band_retaken` and `course_flags_retaken`: for each measure (in id
    order) of a built-in instrument that `applies`, its results oldest first (`same`,
    by taken_at, then id); when the latest raises nothing (`latest_raises(same)` False),
    what the latest earlier result taken less than the instrument's recall period before
    the latest raised (`raised(same[: i + 1])`, the course up to it; the first non-empty
    one, walking back), each with that result."""
    found: list[tuple[MeasureResult, _Said]] = []
    for measure in sorted({r.measure for r in results}):
        instrument = builtin_instruments().get(measure)
        if instrument is None or not applies(instrument):
            continue
        same = sorted(
            (r for r in results if r.measure == measure), key=lambda r: (r.taken_at, r.id)
        )
        if latest_raises(same):
            continue  # the latest score's own flag says it
        newest, period = same[-1], timedelta(days=instrument.recall_days)
        for index in range(len(same) - 2, -1, -1):
            if newest.taken_at - same[index].taken_at >= period:
                break
            said = raised(same[: index + 1])
            if said:
                found += [(same[index], one) for one in said]
                break
    return found


def course_flags(line: ScoreLine, zone: tzinfo, *, retaken: bool = False) -> list[str]:
    """The flags of a course's latest score (`line`): "PHQ-9 reliable deterioration (from 4
    on 2026-11-01)" (the first score and its day), or "PHQ-9 up 8 from its lowest (4 on
    2026-11-24)" (`ScoreLine.lowest`); none. `retaken`: said of a score a form taken less
    than a recall period later followed (`course_flags_retaken`): "PHQ-9 reliable
    deterioration on 2026-11-29 (from 4 on 2026-11-01; retaken since)"."""
    name, result = line.result.name, line.result
    on = f" on {result.taken_at.astimezone(zone).date().isoformat()}" if retaken else ""
    since = "; retaken since" if retaken else ""
    flags = []
    course = line.since_baseline
    if course is not None and course.reliable == DETERIORATION and line.baseline is not None:
        day = line.baseline.taken_at.astimezone(zone).date().isoformat()
        flags.append(f"{name} reliable deterioration{on} (from {course.earlier} on {day}{since})")
    if line.lowest is not None:
        day = line.lowest.taken_at.astimezone(zone).date().isoformat()
        rise = result.score - line.lowest.score
        flags.append(f"{name} up {rise}{on} from its lowest ({line.lowest.score} on {day}{since})")
    return flags


def course_flags_retaken(
    results: list[MeasureResult],
    zone: tzinfo,
    latest: Mapping[str, Sequence[str]] | None = None,
) -> list[tuple[MeasureResult, str]]:
    """For each measure whose latest result raises no course flag (`course_flags`): the
    flags of the latest earlier result that raised one, as of that result (its course up to
    it), when the latest was taken less than the instrument's recall period after it, with
    that result. A form about some of the same days clears no reliable deterioration nor a
    rise from the lowest, as it clears no severe score (`top_band_retaken`; REV-S11 S11-1:
    4 → 15 retaken as 9 six minutes later left no flag); one a whole recall period later
    does. `latest`: the course flags of each measure's latest score (by measure id) when
    the caller worked them out already (`caseload_row`); else they are worked out here."""

    def latest_raises(same: list[MeasureResult]) -> bool:
        if latest is not None:
            return bool(latest.get(same[-1].measure))
        return bool(course_flags(latest_scores(same)[0], zone))

    return _retaken(
        results,
        lambda instrument: instrument.reliable_change is not None,
        latest_raises,
        lambda upto: course_flags(latest_scores(upto)[0], zone, retaken=True),
    )


def goal_lines(goals: Iterable[GoalLike]) -> tuple[GoalLine, ...]:
    lines = []
    for goal in goals:
        if goal.done:
            continue
        last = max((c.at for c in goal.checkins), default=None)
        lines.append(GoalLine(goal.title, goal.fraction, last, goal.id, goal.journal_id))
    return tuple(lines)


@dataclass(frozen=True)
class BriefSafety:
    """A safety item answered above 0 that a brief the client shares says (its digest's
    `safety_items`, brief.py): `measure` (its id, "phq9"), `name` ("PHQ-9"), `item` (1-based),
    `taken_at` (UTC) of the result, and `brief_at` (UTC), when the brief was made."""

    measure: str
    name: str
    item: int
    taken_at: datetime
    brief_at: datetime


def brief_safety_items(digest: Any, brief_at: datetime) -> list[BriefSafety]:
    """The safety items a brief's `digest` (brief.Brief.to_dict(), as received: another
    account's data) says were answered above 0; an item that does not read as one (a
    missing or malformed field, an unknown instrument or item) is left out."""
    items = digest.get("safety_items") if isinstance(digest, dict) else None
    found = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        measure = str(item.get("measure"))
        number, answer = _whole(item.get("item")), _whole(item.get("answer"))
        instrument = builtin_instruments().get(measure)
        if instrument is None or number not in instrument.safety_items or not answer:
            continue
        if answer < 0:
            continue
        try:
            written = datetime.fromisoformat(str(item.get("taken_at")))
            taken_at = written.astimezone(UTC)
        except (ValueError, OverflowError):  # REV-DEL3 D: "0001-01-01T00:00:00+05:00"
            continue
        if written.tzinfo is None or not EARLIEST <= taken_at <= brief_at:
            continue  # no UTC offset; or before 1970, or after the brief was made
        # The instrument's own name, never the client's words for it (REV-DEL3 D).
        found.append(BriefSafety(measure, instrument.name, number, taken_at, brief_at))
    return found


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest `taken_at` a brief's safety item is taken at (`brief_safety_items`)."""


def _whole(value: Any) -> int | None:
    """A whole number as a digest holds one (JSON in a Yjs map: 9 or 9.0), else None (a bool
    included, though Python counts it an int)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else None


def _brief_safety_reasons(
    brief_safety: Sequence[BriefSafety], results: Sequence[MeasureResult], zone: tzinfo
) -> list[tuple[int, str, datetime | None]]:
    """Tier-1 reasons for the safety items a brief says (`caseload_row`), but those this
    device holds the result's answers of, or that a result of the same measure with answers
    taken a whole recall period later clears (as `safety_answers`)."""
    reasons: list[tuple[int, str, datetime | None]] = []
    for said in brief_safety:
        answered = [r for r in results if r.measure == said.measure and r.answers is not None]
        if any(r.taken_at == said.taken_at for r in answered):
            continue  # held: `safety_answers` decides
        instrument = builtin_instruments().get(said.measure)
        period = timedelta(days=instrument.recall_days if instrument else 14)
        try:
            cleared_from = said.taken_at + period
        except OverflowError:  # REV-DEL4 D: a time at the end of the calendar
            continue
        if any(r.taken_at >= cleared_from for r in answered):
            continue  # a later result about other days
        day = said.taken_at.astimezone(zone).date().isoformat()
        brief_day = said.brief_at.astimezone(zone).date().isoformat()
        reasons.append(
            (
                1,
                f"{said.name} item {said.item} answered above 0 on {day} (in the brief of "
                f"{brief_day})",
                said.taken_at,
            )
        )
    return reasons


def caseload_row(
    client: str,
    journals: Sequence[str],
    entries: Sequence[EntryLike],
    results: list[MeasureResult],
    goals: Sequence[GoalLike],
    due: Sequence[Due],
    safety_flags: Sequence[SafetyFlag],
    brief: tuple[str, datetime] | None,
    *,
    now: datetime,
    quiet_days: int = DEFAULT_QUIET_DAYS,
    mood_drop: float = DEFAULT_MOOD_DROP,
    low_mood: int = DEFAULT_LOW_MOOD,
    share_ended: bool = False,
    owner_erased: bool = False,
    ended_by_server: bool = False,
    ended_journals: Sequence[str] = (),
    unlisted_journals: Sequence[str] = (),
    ending_soon: Sequence[tuple[str, datetime]] = (),
    invalid_results: Sequence[InvalidResult] = (),
    owner_verified: bool = True,
    brief_safety: Sequence[BriefSafety] = (),
    held_back: Sequence[str] = (),
    shared_fields: Sequence[str] | None = None,
    results_one_by_one: bool = False,
    results_from_ended: Sequence[str] = (),
    results_from_unlisted: Sequence[str] = (),
    journal_ids: Sequence[str] = (),
    ended_by_client: bool = False,
    held_back_ids: Sequence[str] = (),
    results_from_ended_ids: Sequence[str] = (),
    results_from_unlisted_ids: Sequence[str] = (),
    client_id: str = "",
) -> CaseloadRow:
    """One client's row (module docstring). For a client none of whose shares is on
    (`share_ended`: every one ended, by their signature or the server's word alone, which
    `ended_by_server` tells; the row's `share_ended` or `unlisted`), what was last known: "share ended", the safety flags left
    unacknowledged and any reliable deterioration of the last scores (no quiet days, mood
    drop or overdue work, which would only be about the days since; a low mood of the
    last days it held is said, setting no tier). `low_mood`:
    flag a mood of this or lower (1-10) in an entry of this week (0: never;
    care_terms.DEFAULT_LOW_MOOD). `brief_safety`: the
    safety items the latest brief the client shares says (`brief_safety_items`).
    `ending_soon`: (journal, end) of live shares whose signed end date comes within days
    (practice.ENDING_SOON_DAYS): "share ends 2026-12-05 (end of day): ana/Personal" (as
    `models.share_end_text` says it: to the minute when it is not a day's end), a tier-3
    reason.
    `owner_erased`: with `share_ended`, the server said the client's account no longer
    exists when their share stopped being served (`departures.ERASED_OWNERS`): the tag is
    ERASED_ENDED, words only. `ended_by_server`: with `share_ended`, the end of some of the
    client's shares is the server's word alone (`Replica.ended_by_server_only`): the tag is
    UNLISTED_ENDED (ERASED_UNLISTED with `owner_erased`), never "share ended"; the tag
    follows the safety signals in `flags`. `ended_journals` / `unlisted_journals`: while
    other shares go on, the client's journals whose share their owner's signature ended /
    the server alone stopped serving (ENDED_JOURNALS / UNLISTED_JOURNALS). `held_back`: the client's journals this device stopped
    downloading (`CaseloadRow.held_back`): flagged HELD_BACK (tier 3), never "no shared
    entries yet" or "no shared entry for N days"; the other flags (a safety flag that did
    arrive) are said as ever. `shared_fields` / `results_one_by_one`: as
    `CaseloadRow.shared_fields` / `CaseloadRow.results_one_by_one` (the caller reads them from
    the journals still shared). `results_from_ended` / `results_from_unlisted`: as the
    `CaseloadRow` fields (the caller reads them from where the shown scores came from).
    `journal_ids`: the ids (hex) of `journals`, in their order (`CaseloadRow.journal_ids`);
    `held_back_ids`, `results_from_ended_ids`, `results_from_unlisted_ids` those of
    `held_back`, `results_from_ended`, `results_from_unlisted`, alike.
    `ended_by_client`: with `share_ended` (not `ended_by_server`), each share's end is the
    client's own signed removal held here: the tag is CLIENT_ENDED. A latest result of a measure with a safety item that came
    without its answers is flagged SAFETY_UNKNOWN_FLAG (tier 3, at its time)."""
    zone = client_zone(entries, now)
    today = now.astimezone(zone).date()
    days = [day for day, entry in _days(entries, zone) if entry.created_at <= now]
    newest = max(entries, key=lambda e: (e.created_at, e.utc_offset or 0), default=None)
    last_entry = newest.created_at if newest is not None else None
    recent, before, change = mood_trend(entries, now, zone=zone)
    scores = latest_scores(results)
    # not where what completes it may not reach this device (a copy of some fields,
    # `Due.seen_by_assigner`: REV-CARE4 F1, a false "overdue")
    overdue_due = [d for d in due if d.status == OVERDUE and d.seen_by_assigner]
    overdue = () if share_ended else tuple(d.assignment.title for d in overdue_due)
    unread = tuple(f for f in safety_flags if f.unacknowledged)
    # R46 F5: a flag raised before the current share, of which this device holds no
    # acknowledgement, is unacknowledged like any other (no device of this account may ever
    # have received it); the context is said, never in place of "unacknowledged".
    prior = tuple(f for f in unread if f.before_share)
    reasons: list[tuple[int, str, datetime | None]] = []  # each with its tier and signal time
    if share_ended:
        if ended_by_server:
            tag = ERASED_UNLISTED if owner_erased else UNLISTED_ENDED
        else:
            tag = (
                ERASED_ENDED if owner_erased else CLIENT_ENDED if ended_by_client else "share ended"
            )
        reasons.append((-1, tag, None))  # a tag, said first; sets no tier
        if unread:
            stopped = "it stopped being served" if ended_by_server else "the share ended"
            label = f"safety flag ({len(unread)} unacknowledged when {stopped})"
            reasons.append((0, label, max(f.raised_at for f in unread)))
    elif unread:
        context = ""
        if prior:
            where = (
                COPY_DISCARDED
                if all(f.copy_forgotten for f in prior)
                else "not held on this device"
            )
            context = f", {len(prior)} raised before this share: earlier share {where}"
        if all(f.reads_only for f in unread):  # the role by the verified chain: read now
            context += "; you only read this journal now and cannot mark them read"
        reasons.append(
            (
                0,
                f"safety flag ({len(unread)} unacknowledged{context})",
                max(f.raised_at for f in unread),
            )
        )
    for result, latest, retaken in safety_answers(results):  # answers shared: readable
        day = "" if latest else f" on {result.taken_at.astimezone(zone).date().isoformat()}"
        since = " (retaken since)" if retaken else ""
        reasons.append((0, f"{result.name} item 9 answered above 0{day}{since}", result.taken_at))
    reasons += _brief_safety_reasons(brief_safety, results, zone)
    for name in sorted({r.name for r in invalid_results}):
        same = [r for r in invalid_results if r.name == name]
        if any(r.safety_answer for r in same):  # never hidden behind a stored score
            when = max((r.taken_at for r in same if r.safety_answer and r.taken_at), default=None)
            reasons.append((0, f"{name} invalid result: item 9 answered above 0", when))
    score_flags = {line.result.measure: course_flags(line, zone) for line in scores}
    for line in scores:
        for text in score_flags[line.result.measure]:
            reasons.append((2, text, line.result.taken_at))
        if in_top_band(line.result):
            reasons.append(
                (2, f"{line.result.name} {line.result.band_label}", line.result.taken_at)
            )
    for result, text in course_flags_retaken(results, zone, score_flags):  # nor a course's signal
        reasons.append((2, text, result.taken_at))
    for result in top_band_retaken(results):  # a quick retake clears no severe score
        day = result.taken_at.astimezone(zone).date().isoformat()
        reasons.append(
            (
                2,
                f"{result.name} {result.band_label} on {day} (retaken since)",
                result.taken_at,
            )
        )
    for name in sorted({r.name for r in invalid_results}):
        same = [r for r in invalid_results if r.name == name]
        when = max((r.taken_at for r in same if r.taken_at), default=None)
        reasons.append((3, f"{name} invalid result ({len(same)})", when))
    for line in scores:  # whether item 9 was above 0 is not known: never a quiet row
        if line.result.safety_unknown:
            reasons.append((3, f"{line.result.name}{SAFETY_UNKNOWN_FLAG}", line.result.taken_at))
    if not share_ended and change is not None and change <= -mood_drop:
        reasons.append((3, f"mood down {abs(change):.1f}", last_entry))
    low = low_moods_this_week(entries, now, low_mood, zone)
    if low:
        lowest = min(
            low, key=lambda e: (e.mood or 0, -e.created_at.timestamp(), -(e.utc_offset or 0))
        )
        text = f"mood {lowest.mood}/10 on {entry_day(lowest, zone).isoformat()}"
        if len(low) > 1:  # how many, and the latest's time ranks the row (NU44 F1)
            text += f" ({len(low)} at or below {low_mood} in 7 days)"
        # a share that ended keeps it said, as last known (NU44 F2), in no tier
        reasons.append((-1 if share_ended else 3, text, max(e.created_at for e in low)))
    quiet = max(0, (today - max(days)).days) if days else None
    # a client who shares only briefs shares no entries by choice: no "quiet" flag (NU43 #15)
    if held_back and not share_ended:  # partial data: no "quiet" from it (NU47 #2)
        reasons.append((3, HELD_BACK, None))
    elif not share_ended and journals and (quiet is None or quiet >= quiet_days):
        text = "no shared entries yet" if quiet is None else f"no shared entry for {quiet} days"
        if shared_fields is not None and not {"title", "body"} & set(shared_fields):
            only = ", ".join(shared_fields)
            if not set(ENTRY_FIELDS) & set(shared_fields):  # nothing of an entry, ever
                text = f"{NO_ENTRIES_SHARED} ({only} only)"
            elif quiet is None:
                text = f"{NO_ENTRIES_SHARED} yet ({only} only)"
        reasons.append((3, text, None))
    if overdue:
        due_at = max(d.due_at for d in overdue_due)
        reasons.append((3, f"{len(overdue)} overdue", due_at))
    if ended_journals and not share_ended:
        # the journals' words, not the client's: their other shares go on (NU51 F12)
        reasons.append((3, f"{ENDED_JOURNALS}{', '.join(ended_journals)}", None))
    if unlisted_journals and not share_ended:  # the server's word alone (NU52 F4)
        reasons.append((3, f"{UNLISTED_JOURNALS}{', '.join(unlisted_journals)}", None))
    for journal, end in ending_soon:  # signed end dates within days: ask to renew (NU43 #12)
        # its last day as `tj shares` names it, never the midnight after it (NU51 F2)
        ends = share_end_text(end, now.tzinfo or UTC)
        reasons.append((3, f"share ends {ends}: {journal}", None))
    reasons = _once_each(reasons)  # two answers of one day in a brief: one line, not two
    # stable: the order above within a tier; the tag of an ended share after the safety
    # signals (a safety flag, an item 9 above 0), which a therapist reads first (NU52 F4)
    reasons.sort(key=lambda r: 1.5 if r[0] == -1 else r[0])
    flags = [text for _, text, _ in reasons]
    tier = min((t for t, _, _ in reasons if t >= 0), default=4)
    if share_ended and tier > 2:
        tier = 5
    if tier >= 4:
        signal_at = last_entry
    else:
        signal_at = max((at for t, _, at in reasons if t == tier and at is not None), default=None)
    held = safety_answer_level(results) if any(t == 0 for t, _, _ in reasons) else 0
    for bad in invalid_results:  # item 9's own answer counts whatever the total's validity
        if bad.safety_answer:
            held = max(held, SAFETY_TOP if bad.safety_level is None else bad.safety_level)
    level: int | None = max([held, *(f.answer for f in unread)]) if tier == 0 else None
    if level is None and tier != 1 and safety_answer_read(results):
        level = 0  # read, and not above 0 (else tier 0)
    return CaseloadRow(
        client=client,
        client_id=client_id,
        journals=tuple(journals),
        journal_ids=tuple(journal_ids),
        last_entry=last_entry,
        entries_this_week=sum(1 for day in days if 0 <= (today - day).days < 7),
        mood_recent=recent,
        mood_before=before,
        mood_change=change,
        sparkline=weekly_sparkline(entries, now, zone=zone),
        scores=scores,
        goals=goal_lines(goals),
        overdue=overdue,
        safety_flags=unread,
        brief_id=brief[0] if brief else None,
        brief_at=brief[1] if brief else None,
        flags=(*flags, *(() if owner_verified else (UNVERIFIED,))),  # last: a note, not a crisis
        share_ended=share_ended and not ended_by_server,
        unlisted=share_ended and ended_by_server,
        owner_verified=owner_verified,
        held_back=tuple(held_back),
        held_back_ids=tuple(held_back_ids),
        shared_fields=tuple(shared_fields) if shared_fields is not None else None,
        results_one_by_one=results_one_by_one and bool(scores) and not share_ended,
        results_from_ended=tuple(results_from_ended) if scores and not share_ended else (),
        results_from_unlisted=tuple(results_from_unlisted) if scores and not share_ended else (),
        results_from_ended_ids=(
            tuple(results_from_ended_ids) if scores and not share_ended else ()
        ),
        results_from_unlisted_ids=(
            tuple(results_from_unlisted_ids) if scores and not share_ended else ()
        ),
        tier=tier,
        safety_answer=level,
        signal_at=signal_at,
        last_entry_day=entry_day(newest, zone) if newest is not None else None,
    )


def _once_each(
    reasons: list[tuple[int, str, datetime | None]],
) -> list[tuple[int, str, datetime | None]]:
    """`reasons` with each text once, where it first came, at the latest signal time of its
    copies: two safety items a brief says for one day read "PHQ-9 item 9 answered above 0
    on 2026-12-05 (in the brief of 2026-12-05)" twice, word for word."""
    kept: dict[str, tuple[int, str, datetime | None]] = {}
    for tier, text, at in reasons:
        if text in kept:
            first_tier, _, first_at = kept[text]
            times = [t for t in (first_at, at) if t is not None]
            kept[text] = (min(first_tier, tier), text, max(times, default=None))
        else:
            kept[text] = (tier, text, at)
    return list(kept.values())


def low_moods_this_week(
    entries: Sequence[EntryLike], now: datetime, at_most: int, zone: tzinfo
) -> list[EntryLike]:
    """The entries of this week (today and the 6 days before, in the client's days: `zone`,
    as `client_zone`; not dated after `now`) with a mood at or below `at_most`; none when
    `at_most` is 0 or less."""
    if at_most <= 0:
        return []
    today = now.astimezone(zone).date()
    return [
        entry
        for day, entry in _days(entries, zone)
        if entry.mood is not None
        and entry.mood <= at_most
        and entry.created_at <= now
        and 0 <= (today - day).days < 7
    ]


def in_top_band(result: MeasureResult) -> bool:
    """Whether the result's score lies in its instrument's highest band."""
    found = builtin_instruments().get(result.measure)
    return found is not None and bool(found.bands) and found.bands[-1].label == result.band_name


def attention_order(rows: Iterable[CaseloadRow]) -> list[CaseloadRow]:
    """Who needs attention first (module docstring): by tier (`CaseloadRow.tier`: a safety
    flag or a held result's safety item above 0, then one only a brief says, then reliable
    deterioration or highest band, then other flags, then none, then ended shares with none
    of the first three), a share that ended never demoting tiers 0 to 2; within a tier,
    compared fingerprints first, then the highest safety-item answer (`safety_answer`, tier
    0), then the most recent signal (`signal_at`, rows without one after), then by name."""

    def key(row: CaseloadRow) -> tuple[int, bool, int, bool, float, str, str]:
        at = row.signal_at
        return (
            row.tier,
            not row.owner_verified,
            -(row.safety_answer or 0),
            at is None,
            -at.timestamp() if at is not None else 0.0,
            row.client.casefold(),
            row.client,
        )

    return sorted(rows, key=key)
