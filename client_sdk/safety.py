"""The safety path: the message shown at once on the device, the client's safety plan, and
safety flags a therapist acknowledges.

Documents (protocol.md, "Documents"), each sealed and signed like every record:

- `safety_plan` (written by the journal's owner): map `fields` with `emergency_number`,
  `crisis_line` (strings or null: null means "use the default"), `share_flags` (boolean: the
  client's opt-in to send safety flags to members of this journal), `created_at`,
  `updated_at`; text `plan`, the client's own plan in their words.
- `crisis_line` (written by an annotating member, i.e. a therapist): map `fields` with `text`
  and `created_at`. Shown when the client set no crisis line of their own.
- `safety_flag` (written by the owner when a safety item, PHQ-9 item 9, is answered above 0
  in a journal whose plan has `share_flags`): `result_id` (hex, or "" when the client
  stopped the questionnaire after the safety item: a safety event without a score),
  `measure`, `item`, `answer`, `raised_at`.
- `safety_ack` (written by an annotating member): `flag_id` (hex), `acknowledged_at`. The
  author is known from the record signature, so the client sees who read the flag and when.

The message text and its defaults are data (client_sdk/data/safety.json); emergency numbers
differ by country, so the default names several and the user (or therapist) sets their own.

Pure: no I/O besides reading the packaged data file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.models import (
    and_words,
    check_text,
    is_control,
    json_time,
    quoted_name,
    read_ms,
    read_time,
)

if TYPE_CHECKING:  # documents brings pycrdt, which `tj` starts without
    from client_sdk.documents import Document

SAFETY_PLAN = "safety_plan"
CRISIS_LINE = "crisis_line"
SAFETY_FLAG = "safety_flag"
SAFETY_ACK = "safety_ack"
FLAG_WATCH = "safety_flag_watch"
"""Settings row (JSON list) of the local store: each safety item answered above 0 on this
device in a journal it owns, with the members a flag for it was sealed for so far: what
`SafetyPath._seal_missed` looks at after every sync (NU22 C3). Only this device's own
answers: the device that recorded an answer is the one that seals its flag, so two devices
never both seal one."""

FLAGS_UNDELIVERED = "safety_flags_undelivered"
"""The setting (JSON: flag id hex -> {member account id hex: {"end": ms, "surely": bool}})
keeping the flags this device sent after their members' shares had ended, or about then
(`UndeliveredFlag`), as the sync that told each found: when the share ended (the signing
device's clock) and whether the flag surely was NOT delivered (`UndeliveredFlag.surely`)
or may NOT have been. `SafetyFlag.not_delivered` and `surely_not_delivered` read it. An
older version kept the end alone (ms) for a member: read as "may NOT"."""

FLAGS_SENT = "safety_flags_sent"
"""The setting (JSON: flag id hex -> {"since": ms, "offered": ms, "left": ms, "judged": ms,
"chains": checksum, "inherited": 1 for a flag an older version pushed: never "was NOT
delivered", `note_flags`}) keeping the safety flags this device sealed that are still to be judged
(`UndeliveredFlag`), all times by this device's clock: `since` is at or before the moment
the flag could first have been stored (its sealing, then the start of the first push that
carried it, `offered`, written before that request left, and undone when no connection to
the server was made for it, `pushing.note_unsent`: nu76 F8; never moved by a later sync: a
push whose reply was lost may have stored it); `left` at or after the moment it left (the
push reply that stored it arrived, written in the transaction that takes it out of the
outbox; else the start of the first sync that found it gone from the outbox); `judged` when
a completed sync after it left first judged it. Kept across syncs that fail, so a sync cut
off after its push leaves the flag to the next completed one; never dropped before that
first judgement; kept after it until every member it was sealed for is told or acknowledged
it, or JUDGED_FOR_MS after it, so that an end a server withheld from that sync is still told
when it arrives; past JUDGED_FOR_MS, while a member still holding a share has neither
acknowledged it nor been told, until that share ends or they acknowledge it (rev32b F3). `unanswered` (ms): a push request that carried it left and no reply
confirmed it was stored (`SafetyFlag.unanswered`: while it waits, its delivery is not
known; kept when the flag is set aside since); `pushing` (ms): a push request carrying it
was about to leave, written before it can, taken off once its answer is recorded (a flag
still in the outbox with it: the sync stopped, or the program ended, before that answer was
recorded, so the server may hold it: "no answer", `UndeliveredFlag.stopped`); `untold` (ms): it left in a sync that then failed, and no report has said so yet
(the next completed sync's `SyncReport.flags_sent` does, and drops the mark)."""

JUDGED_FOR_MS = 30 * 24 * 3600 * 1000
"""How long after its first judgement (FLAGS_SENT `judged`, this device's clock) a device
still judges a flag that left at every completed sync whose chains grew, for an end signed
at or before `left` + CLOCK_SKEW_MS that a server withheld from the syncs before: 30 days. An honest server serves the access chain whole at every sync,
so only a withholding server is waited for; no chain a device holds proves that no earlier
end is withheld still (a server can serve any prefix), so the wait is bounded by time, as
long as a month of a client's syncs costs little (a few store reads a sync per flag kept;
a flag every member acknowledged, or told for every member, is dropped at once). A server
withholding an end for longer gets silence, as one that acknowledged the flag's push and
dropped it would. A flag a member still holding a share has neither acknowledged nor been
told of is kept past it, judged at every completed sync, until that share ends (then told,
UNSEEN_BEFORE_END) or they acknowledge it: shares run for months (rev32b F3)."""

MAX_PLAN = 10_000
MAX_CONTACT = 300

NUMBER_SIGNS = " +-.()/*#"
"""What an emergency number may hold besides its digits (`number_problem`): spaces and
the signs phone numbers are written with ("+44 800 123 4567", "(0)20-7946.0000", "112 /
999") or dialled with ("*" and "#" of a short code)."""

NUMBER_HOLDS = (
    "an emergency number holds digits, and only spaces and + - . ( ) / * # besides "
    "(e.g. 112, 999, 116 123, +44 800 123 4567)"
)
"""What `number_problem`'s refusal says a number may hold."""


MIN_DIGITS = 2
"""The fewest digits an emergency number holds (`number_problem`): the shortest in use have
two (France's 15, 17 and 18; most are three: 112, 999, 911, 000), and no country's is one
digit, which a slip of the finger gives ("0"; nu81 F8)."""


def digits(number: str) -> int:
    """How many decimal digits (any script's) `number` holds. Pure."""
    return sum(character.isdecimal() for character in number)


def dialled(number: str | None) -> bool:
    """Whether the safety message says `number`, a plan's emergency number, as the one to
    call: it holds MIN_DIGITS digits at least. One with fewer ("abc", "0", written before
    `number_problem` was checked) is left out for the default words (`message_lines`): no
    one can call it for help. Pure."""
    return number is not None and digits(number) >= MIN_DIGITS


def number_problem(number: str) -> str | None:
    """Why `number`, an emergency number as given (spaces around it left out), is no phone
    number or short code a person could dial: "it holds no digit", "it holds one digit
    only, and emergency numbers have two at least (e.g. 15, 112, 999)" (MIN_DIGITS), or "it
    holds 'x', which a phone number cannot hold" (the first character of `number` that is
    neither a decimal digit, any script's, nor a space, nor one of NUMBER_SIGNS), the first
    said first; None for one that may be dialled, or "" (no number: the default one is
    named). Pure."""
    number = number.strip()
    if not number:
        return None
    count = digits(number)
    if count == 0:
        return "it holds no digit"
    if count < MIN_DIGITS:
        return (
            "it holds one digit only, and emergency numbers have two at least (e.g. 15, 112, 999)"
        )
    for character in number:
        if not (character.isdecimal() or character.isspace() or character in NUMBER_SIGNS):
            return f"it holds {quoted_name(character)}, which a phone number cannot hold"
    return None


FLAGS_WITHHELD_UNTOLD = "safety_flags_withheld_untold"
"""The setting (JSON list of flag ids, hex) of the safety flags a sync inside another call
(`Client._inner_sync`: its report is handed to no one) found withheld (the server acknowledged
them and has not served them back) and put back in the outbox: the next sync whose report is
handed tells each (`SyncReport.undelivered_flags`, cause WITHHELD), also once the server
served it back meanwhile (`UndeliveredFlag.reason` then says so, WITHHELD_SERVED_SINCE), and
clears it (rev30c F4)."""

UNSEEN_BEFORE_END = "their share ended before their device was seen to receive it"
"""`UndeliveredFlag.reason` of a SHARE_ENDED flag whose member's share ended, by what the
owner signed, more than CLOCK_SKEW_MS after the flag left, but before anything showed their
device received it: no acknowledgement of theirs, the one proof (a record of theirs whose
signed seen vector names a counter past the flag is none: the vector is a maximum, and a
server can withhold only the flag's records and serve a later one, protocol.md 4.18
Receipts; rev32b F1). A device offline through the share's end date (or a server that
withheld the flag from it until then) never downloaded it, and the end stops it for good:
"may NOT have been delivered" (rev32a F4)."""

WITHHELD_SERVED_SINCE = "the server has served it back since"
"""`UndeliveredFlag.reason` of a flag told as WITHHELD (FLAGS_WITHHELD_UNTOLD) that the server
served back after it was sent again, before a report could tell it was withheld."""

UNSENT_TOLD = "safety_unsent_told"
"""The setting (JSON: flag id hex -> the causes, sorted, it was told for) keeping which flags
still on this device an app was given to tell in full for which cause of a failed sync
(`Safety.unsent_to_tell`); a flag that left is dropped from it."""

PLANS_SHOWN = "safety_plans_shown"
"""The setting that keeps, for each journal whose safety plan this device last showed
(`SafetyPath.mark_shown`) or changed (`SafetyPath.set_plan`, `copy_plan`, an import), the
version of what it showed or wrote (`plan_version`): JSON, journal id (hex) -> version. A
change about to replace the plan compares the plan as it is now with it
(`SafetyPath.last_shown`): a plan changed on another device since is shown before it is
written over, whatever syncs ran in between (fix30b 3)."""

STATUS_NOT_SENT = "not sent"
"""`SafetyFlag.status`: the flag has not left the device that sealed it (`SafetyFlag.unsent`)."""
STATUS_UNKNOWN = "unknown"
"""`SafetyFlag.status`: a push request that carried the flag left, and no reply confirmed
storing it (a lost reply, a connection broken off), so the device that sealed it cannot
tell whether the server holds it; a later sync settles it (`SafetyFlag.unanswered`)."""
STATUS_NOT_DELIVERED = "not delivered"
"""`SafetyFlag.status`: a member's share ended before the flag left, or less than
CLOCK_SKEW_MS after it (`SafetyFlag.not_delivered`): it may never have reached them."""
STATUS_ACKNOWLEDGED = "acknowledged"
"""`SafetyFlag.status`: a member's acknowledgement of it is verified on this device."""
STATUS_SENT = "sent"
"""`SafetyFlag.status`: it left the device that sealed it (or was received here), and no
acknowledgement of it is verified here yet."""


@cache
def texts() -> dict[str, Any]:
    """The safety message's wording and defaults (client_sdk/data/safety.json)."""
    raw = (resources.files("client_sdk") / "data" / "safety.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


@dataclass(frozen=True)
class PlanSource:
    """The journal whose safety plan the safety message for each of this account's journals
    with no plan of its own shows (`SafetyPath.plan_source`): the default journal, by the id
    this device's user chose (else the one the account key derives), never a server's word,
    or the read-only copy kept here of it when the server no longer lists it.
    `journal_id`: its id (32 hex digits); `journal`: its name here (without "(read-only
    copy)"); `read_only_copy`: True when only that copy is here (no plan is written into it)."""

    journal_id: str
    journal: str
    read_only_copy: bool = False


@dataclass(frozen=True)
class SafetyPlan:
    """The client's safety settings for one journal (defaults when none was written)."""

    journal: str
    emergency_number: str | None = None
    crisis_line: str | None = None
    plan: str = ""
    share_flags: bool = False
    updated_at: datetime | None = None
    flag_members: tuple[str, ...] | None = None
    """The members (account ids, hex) the opt-in was given for: those the journal was shared with
    when `share_flags` was set, or named at `tj share --safety-flags` (members added later are not
    opted in by it); None for a plan written before that (every member, as then)."""
    flags_since: tuple[tuple[str, int], ...] | None = None
    """When each member of `flag_members` was opted in (account id hex, ms UTC, the owner device's
    clock, as the owner signed it: `flags_since` of the plan); None for a plan from before it, and a
    member it does not name was opted in at the latest at `updated_at` (`opted_in_at`)."""
    flags_stamp: int | None = None
    """`flags_stamp` of the plan: the `updated_at` (ms) of the change that last wrote it, which
    every change by a writer that keeps `flags_since` writes. When it differs from `updated_at`, the
    last change came from an app that predates `flags_since` (it may have withdrawn and given the
    opt-in again without touching it): `flags_since` is then stale and every opt-in counts from
    `updated_at` (`opted_in_at`)."""
    flags_reach: tuple[str, ...] | None = None
    """With `share_flags`, in a journal this account owns: the usernames a flag raised now is
    sealed for (members the opt-in names who still read the journal, by its verified access
    chain; empty when none does, e.g. the therapist left or the share ended); None when not
    known (no opt-in, or another account's journal)."""
    not_opted_in: tuple[str, ...] | None = None
    """With `flags_reach`: the usernames of the members the journal is shared with now whom a flag
    raised now would not reach (never opted in, or opted in only for an earlier share of theirs,
    which counts for none, as does an opt-in made on a device that had not yet seen their current
    share), sorted; `set_plan(share_flags=True, flags_for=...)` opts them in. None when
    `flags_reach` is."""
    reads_only: tuple[str, ...] | None = None
    """In a journal this account owns: the members it is shared with now with the read role (by its
    verified access chain) whom a flag raised now would not reach, sorted: no opt-in names them (a
    member who only reads could never mark a flag as read), until the client shares with them with
    the annotate role; with `share_flags`, they are among `not_opted_in`. None in another account's
    journal."""
    opted_in_earlier: tuple[str, ...] | None = None
    """With `flags_reach`: the members among `not_opted_in` whom the opt-in names, but for an
    earlier share of theirs, ended since (narrowed with `--only` and widened again, or ended and
    given again): it counts for none, as `Safety.flags_reach` says "earlier" and `tj shares` "no
    (earlier share)"; sorted. None when `flags_reach` is."""

    opted_in_reads_only: tuple[str, ...] | None = None
    """With `flags_reach`: the members among `reads_only` whom the opt-in names for their
    current share, made read-only since (`tj share J NAME --role read`): no flag reaches
    them while they only read; the opt-in stands, and flags reach them again, for what is
    answered from then on, once they hold the annotate role again (`Safety.flags_reach`
    "read"); sorted. None when `flags_reach` is."""
    crisis_line_in_use: str | None = None
    """The crisis line set in this journal (`Safety.crisis_line`): the owner's own
    `crisis_line`, else the latest one an annotating member (a therapist) set, else None;
    in a plan an import wrote (`imported`), the member's line first (a file never outranks
    the therapist's line).
    Not always the line the safety message shows: when this journal's plan borrows another
    journal's (`shown_from`), that plan's own line (`shown_crisis_line`) wins, and on a
    device of another account (a therapist's) a plan the owner wrote in their default
    journal is not seen at all; `tj safety plan --json`'s `safety_message.crisis_line` is
    what the message shows. Given so that an app never shows `crisis_line` alone, which is
    None when a therapist set the line in this journal."""
    crisis_line_set_by: str | None = None
    """The username of the member who set `crisis_line_in_use` (from the record's signature),
    None when it is the owner's own or none is set."""

    member_crisis_line: str | None = None
    """The latest crisis line an annotating member (a therapist) set in this journal
    (`SafetyPath.set_crisis_line`), whether or not the message shows it: the owner's own
    line outranks it, unless an import wrote the plan (then `crisis_line_in_use` is the
    owner's); None when no member set
    one. So that the member who set it sees it was kept."""
    member_crisis_line_set_by: str | None = None
    """The username of the member who set `member_crisis_line` (from the record's
    signature)."""

    journal_id: str = ""
    """The journal's id (32 hex digits)."""
    imported: bool = False
    """Whether an import (`tj import`, `Archives.import_json`) wrote this plan's emergency
    number, crisis line and text, and the owner has changed none of them by hand since
    (`SafetyPath.set_plan`): such a plan in the default journal, borrowed by the safety
    message of another journal, never outranks a crisis line a member set there
    (`SafetyPath.message`)."""

    shown_from: str | None = None
    """In a journal this account owns whose plan it wrote nothing of: the journal (its name here, a
    read-only copy's with "(read-only copy)" after it) whose plan the safety message for this
    journal shows in its place: the default journal (or the read-only copy kept of it here),
    when its owner wrote a plan there, by hand or by an import (`imported`;
    `SafetyPath.message`), never another journal, which a server could pick by what it
    lists; None when the message shows this journal's own plan, or the built-in numbers (no
    plan written in the default journal, or the default journal not on this device), and in
    another account's journal."""
    shown_emergency_number: str | None = None
    """With `shown_from`: the emergency number the safety message shows (that plan's), None
    when it sets none (the message then names the local emergency number)."""
    shown_crisis_line: str | None = None
    """With `shown_from`: that plan's own crisis line, which the safety message shows; None
    when it sets none, or when an import wrote that plan (`imported`) and a member set a line
    in this journal, which outranks it (the message then shows `crisis_line_in_use`, else the
    default crisis lines). A line the owner wrote by hand outranks a member's, as in one
    journal."""
    shown_plan: str = ""
    """With `shown_from`: the text of the plan the safety message shows."""
    shown_imported: bool = False
    """With `shown_from`: whether an import wrote that plan (its `imported`: the owner has
    changed none of it by hand since)."""

    @property
    def version(self) -> str:
        """The version of what a change of the plan replaces (its emergency number, own
        crisis line and text: `plan_version`), to compare with `SafetyPath.last_shown`."""
        return plan_version(self)

    def opted_in_at(self, member_id: str) -> int | None:
        """When the opt-in for `member_id` (account id, hex) was given, at the latest (ms
        UTC, owner-signed): its `flags_since` time, else the plan's `updated_at` (a plan
        from before `flags_since`: the opt-in is no later than its last change); None when
        the plan does not opt that member in. `flags_since` counts only when the plan's last
        change wrote it (`flags_stamp` equals `updated_at`): a change by an app from before it
        leaves it stale, and the opt-in then counts from `updated_at` (errs toward
        no late flag)."""
        if not self.share_flags or self.updated_at is None:
            return None
        if self.flag_members is not None and member_id not in self.flag_members:
            return None
        latest = round(self.updated_at.timestamp() * 1000)
        if self.flags_stamp != latest:
            return latest
        return dict(self.flags_since or ()).get(member_id, latest)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC."""
        return {
            "journal": self.journal,
            "journal_id": self.journal_id,
            "emergency_number": self.emergency_number,
            "crisis_line": self.crisis_line,
            "crisis_line_in_use": self.crisis_line_in_use,
            "crisis_line_set_by": self.crisis_line_set_by,
            "member_crisis_line": self.member_crisis_line,
            "member_crisis_line_set_by": self.member_crisis_line_set_by,
            "plan": self.plan or None,
            "share_flags": self.share_flags,
            "updated_at": json_time(self.updated_at) if self.updated_at else None,
            "flags_reach": list(self.flags_reach) if self.flags_reach is not None else None,
            "not_opted_in": list(self.not_opted_in) if self.not_opted_in is not None else None,
            "reads_only": list(self.reads_only) if self.reads_only is not None else None,
            "opted_in_earlier": (
                list(self.opted_in_earlier) if self.opted_in_earlier is not None else None
            ),
            "opted_in_reads_only": (
                list(self.opted_in_reads_only) if self.opted_in_reads_only is not None else None
            ),
            "imported": self.imported,
            "shown_from": self.shown_from,
            "shown_emergency_number": self.shown_emergency_number,
            "shown_crisis_line": self.shown_crisis_line,
            "shown_plan": self.shown_plan or None,
            "shown_imported": self.shown_imported,
        }


@dataclass(frozen=True)
class Acknowledgement:
    """A therapist's acknowledgement of a safety flag: who (`by`, a username) and when (`at`,
    UTC)."""

    by: str
    at: datetime
    mine: bool = False
    """Whether this account wrote it (from the record's signature)."""
    account_id: str = ""
    """The account (hex) whose signed record it is, as the owner's signed access chain binds
    its keys: what says which member acknowledged it, never `by` (a username is freed when
    its account is erased and may be another account's now: an acknowledgement by that
    account delivers nothing to the member the flag was sealed for). "" only where built
    by hand."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; the account id as hex (null
        when not known)."""
        return {"by": self.by, "at": json_time(self.at), "account_id": self.account_id or None}


@dataclass(frozen=True)
class SafetyFlag:
    """A safety flag and who acknowledged it (empty until a therapist has read it)."""

    id: str
    journal: str
    journal_id: str
    owner: str
    result_id: str  # "" when the questionnaire was stopped after the safety item: no score
    measure: str
    item: int
    answer: int
    raised_at: datetime
    acknowledged: tuple[Acknowledgement, ...] = field(default=())
    """The acknowledgements verified on this device (the first of each member, oldest
    first), each by a member the flag was sealed for (`recipients`, by the account that
    signed it: rev34c F5). One signed by any other account (a member the flag was not sealed
    for, who never received it from its owner) is left out: it says nothing of whether a
    member it was sealed for saw it, and never makes the flag "acknowledged". A flag from
    before flags named their members (`recipients` None) was sealed for every member of the
    journal then, and the flag does not say which: any member's acknowledgement counts, as
    before."""
    share_ended: bool = False
    """Read from the read-only copy kept of a share that ended by what this device knows
    beyond the server's word: an end its owner signed in the access chain this device
    verified, a signed end date passed by this device's clock, or this account leaving it
    (`client.shares.leave`). Never with `unlisted`; as `Journal.share_ended` says it."""
    unlisted: bool = False
    """Read from the read-only copy kept of a journal the server no longer serves to this
    account while nothing its owner signed ended the share (`Journal.unlisted`: the owner
    may have ended it, or the server may be holding it back: the server's word alone, never
    said as an ended share). Never with `share_ended`."""
    recipients: tuple[str, ...] | None = None
    """The members (account ids, hex) the flag was sealed for, as its owner signed them; None
    for a flag from before flags named them (every member)."""
    before_share: bool = False
    """On a therapist's device that holds nothing of an earlier share of the journal with this
    account (added after that share ended, or its copy discarded with `tj forget`): the flag was
    raised, by its owner's clock, before the current share began. Context only: such a flag may have
    been acknowledged then on another device, or never received by any device of this account (a
    server can keep a flag from a member, and owner devices' clocks can differ), so without an
    acknowledgement this device verifies it is unacknowledged and told as new like any other. False
    once an acknowledgement this device reads names it."""

    copy_forgotten: bool = False
    """With `before_share`: this device holds nothing of that earlier share because its copy was
    discarded here (`tj forget`) before the journal was shared again, not because the device was
    added after that share ended."""

    late_answer_at: datetime | None = None
    """For a flag sealed at a sync after the answer (this device did not know yet the opt-in or the
    share that owes it when the answer was given): when the answer was given (UTC); `raised_at` is
    then when the flag was sealed. None: sealed as the answer was given (`sealed_later` False)."""

    event: str = ""
    """The id the sealing device gave the answer (the flag's signed `event`, 32 hex digits): the
    result's id for a flag sealed with a result; for a flag without a score (`result_id` ""),
    the id the answers may yet be saved under (`respond_to_answer(result_id=)`), whose result,
    saved later, this flag covers (nu77 F2), else a random id. "" for a flag from before
    flags named it."""

    not_delivered: tuple[str, ...] = ()
    """On the client's devices: the members (usernames) it may never have reached. On the
    device that sent it, as the completed syncs after it left found
    (`SyncReport.undelivered_flags`, `UndeliveredFlag`): it left this device after their share
    had ended by what the owner signed, or about then. On every device of the account
    (whichever sealed it, nu83 F9): it was sealed for them, their share ended by the access
    chain this device verified, and no acknowledgement of theirs is held here. In both, they
    have no share of the journal now. Empty otherwise (delivered, acknowledged, waiting, or
    not known to be lost)."""

    surely_not_delivered: tuple[str, ...] = ()
    """Of `not_delivered`, the members (usernames) it surely was NOT delivered to: their
    share ended, by the owner's signed word, more than CLOCK_SKEW_MS before the first push
    that could have stored the flag (`UndeliveredFlag.surely`, as the sync that told it
    found). To the others of `not_delivered` it may NOT have been delivered: their share
    ended about when it left (devices' clocks can differ by CLOCK_SKEW_MS)."""

    not_served: tuple[str, ...] = ()
    """Of `not_delivered`, the members (usernames) whose share ended because one of the
    client's devices removed them on the server's word that it no longer serves them (they
    left the share, or their account was deleted), not by an unshare or an end date (nu83
    F6)."""

    reads_only: bool = False
    """On a member's device: this account holds the read role in the journal now, by its
    verified access chain (the owner changed it since the flag was sealed for them, or an
    owner device that had not yet verified the change sealed it): it cannot acknowledge the
    flag (`SafetyPath.acknowledge` raises AccessError) and the client's devices seal none
    for it while it only reads. Shown for what it says, never as one to acknowledge."""

    unsent: bool = False
    """On the client's device that sealed it: it has not left this device (`Safety.waiting`:
    not sent yet, offline, signed out or the account erased on another device, or refused by
    the server and kept set aside). Its members cannot see it meanwhile."""

    unanswered: bool = False
    """With `unsent`: a push request that carried the flag left and no reply confirmed
    storing it (the reply was lost, the connection broke off after the request left), so
    the server may hold it already: this device cannot tell until a later sync settles it
    (`status` "unknown")."""

    @property
    def status(self) -> str:
        """Where the flag stands, one of the STATUS_* words, the first that holds:
        "unknown" (`unsent` and `unanswered`: a push got no answer), "not sent" (`unsent`),
        "not delivered" (`not_delivered` names a member),
        "acknowledged" (an acknowledgement verified here, `acknowledged`), else "sent" (it
        left the device that sealed it: on a member's device, received here; nobody's
        acknowledgement of it is verified here)."""
        if self.unsent:
            return STATUS_UNKNOWN if self.unanswered else STATUS_NOT_SENT
        if self.not_delivered:
            return STATUS_NOT_DELIVERED
        return STATUS_ACKNOWLEDGED if self.acknowledged else STATUS_SENT

    @property
    def read_only_copy(self) -> bool:
        """Read from a read-only copy this device kept (`share_ended` or `unlisted` says
        why): the flag can no longer be acknowledged here."""
        return self.share_ended or self.unlisted

    @property
    def unacknowledged(self) -> bool:
        """No acknowledgement of it verified on this device. A flag is shown as acknowledged
        only on a signed acknowledgement this device verifies, never on a server's or a
        clock's word, so a flag of an earlier share is unacknowledged here too."""
        return not self.acknowledged

    @property
    def earlier_share(self) -> bool:
        """Always False: no flag is told as "of an earlier share, acknowledgement unknown" any
        more (that was read from clock times, and hid flags no device of this account ever
        received). Kept so that older callers still run; see `before_share`."""
        return False

    @property
    def answered_at(self) -> datetime:
        """When the answer was given (UTC), always: `raised_at` for a flag sealed as the answer
        was given, else `late_answer_at` (nu82 F2: it was None for the usual flag, unlike
        `to_dict()["answered_at"]`)."""
        return self.late_answer_at or self.raised_at

    @property
    def sealed_later(self) -> bool:
        """Whether the flag was sealed at a sync after the answer (`late_answer_at`)."""
        return self.late_answer_at is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex; nested values as their
        own `to_dict()`. "read_only_copy" for a flag read from a copy kept here, "share_ended"
        when its share ended by what this device knows beyond the server's word, "unlisted"
        when only the server stopped serving it (never both). "answered_at" is when the answer
        was given, always (`answered_at`: `raised_at` for a flag sealed as the answer was
        given, "sealed_later" false). `reads_only` is "read_only_member" (true or
        false): "reads_only" is a safety plan's list of members who only read
        (`SafetyPlan.reads_only`): one type per key."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "owner": self.owner,
            "result_id": self.result_id or None,  # null: stopped after the safety item
            "event": self.event or None,
            "measure": self.measure,
            "item": self.item,
            "answer": self.answer,
            "raised_at": json_time(self.raised_at),
            "answered_at": json_time(self.answered_at),
            "sealed_later": self.sealed_later,
            "acknowledged": [a.to_dict() for a in self.acknowledged],
            "read_only_copy": self.read_only_copy,
            "share_ended": self.share_ended,
            "unlisted": self.unlisted,
            "before_share": self.before_share,
            "copy_forgotten": self.copy_forgotten,
            "read_only_member": self.reads_only,
            "not_delivered": list(self.not_delivered),
            "surely_not_delivered": list(self.surely_not_delivered),
            "unsent": self.unsent,
            "status": self.status,
        }


@dataclass(frozen=True)
class SafetyHints:
    """How this app tells a person to do the two things the safety message can ask of them
    (the message itself names no app's controls or commands, so any app can show
    it as it is). Each is optional; without it the sentence stands alone.

    - `write_plan`: where to write a safety plan, added in parentheses to the line saying
      there is none yet ("You have not written a safety plan here yet; you can make one with
      your therapist (<write_plan>)."), e.g. "Settings, Safety plan". The CLI passes
      "`tj safety plan --text 'YOUR PLAN'`".
    - `flags_again`: how to name a member again for safety flags, a template with
      `{journal}` and `{member}` (a journal name, a username; `{journal_id}`, the journal's
      id in hex, may be used too), one per member the line
      names, joined with "; " ("To send them flags, name them again: <...>."). Without it:
      "To send them flags, choose again to send each of them safety flags."
    - `annotate_again`: how to give a member the annotate role again, the same kind of
      template, for the line naming opted-in members who only read now ("... from then on:
      <...>."). Without it the line ends at "from then on".
    - `syncs`: how a therapist's app fetches a flag, added in parentheses to the line saying
      a flag was sealed ("they see it once their device next syncs (<syncs>), not now."),
      also `LateFlag.line`'s; the CLI passes "`tj sync`, `tj caseload`".
    - `choose_default`: how to choose the default journal on this device, added in
      parentheses to the line saying the default journal, whose plan the message shows, is
      not on this device ("... make that your default journal on this device
      (<choose_default>)."). The CLI passes "`tj journal default NAME`".
    - `unshare`: how to end a member's share, the same kind of template, added in
      parentheses after "until you unshare" for a member who reads some fields of the
      journal through a share whose end date passed, which still counts until the client
      ends it ("drsmith (mood; its end date passed, but it counts until you unshare
      (<...>))"). Without it the words end at "until you unshare".

    `SafetyResponse.plan_missing` and `SafetyResponse.withheld_from` carry the same facts
    for an app that renders its own button instead."""

    write_plan: str = ""
    flags_again: str = ""
    annotate_again: str = ""
    syncs: str = ""
    unshare: str = ""
    choose_default: str = ""


NO_HINTS = SafetyHints()


def syncs_words(syncs: str) -> str:
    """`SafetyHints.syncs` as said after "once their device next syncs": " (<syncs>)", or
    nothing."""
    return f" ({syncs})" if syncs else ""


def plan_version(plan: SafetyPlan) -> str:
    """The version of what a change of the plan replaces: its emergency number, own crisis
    line and text (a change of the opt-in, or a member's line, is not one), as a BLAKE2b
    digest (hex, 32 bytes; libsodium through PyNaCl) of their JSON, kept on this device only
    (PLANS_SHOWN). Pure."""
    from nacl.encoding import HexEncoder
    from nacl.hash import blake2b

    content = json.dumps([plan.emergency_number, plan.crisis_line, plan.plan]).encode()
    return blake2b(content, encoder=HexEncoder).decode()


def plan_line(plan: str, hints: SafetyHints = NO_HINTS, synced: bool = True) -> str:
    """The safety message's line about the client's own plan: the plan (whitespace folded to
    single spaces), or, for an empty `plan`, that there is none yet (with `hints.write_plan`
    in parentheses when given). With `synced` False (the device could not sync just before),
    it says the plan on this device may be out of date, and never that there is none: one
    written on another device may not have arrived."""
    data = texts()
    unsynced = "" if synced else "_unsynced"
    if plan.strip():
        return str(data["plan_written" + unsynced]).format(plan=" ".join(plan.split()))
    how = f" ({hints.write_plan})" if hints.write_plan else ""
    return str(data["plan_missing" + unsynced]).format(how=how)


def plan_not_loaded_line(hints: SafetyHints = NO_HINTS) -> str:
    """The safety message's line in place of the client's plan when the plan it would show
    is the default journal's and that journal is not on this device (the server does not
    list it, and no read-only copy of it is kept here): no other journal's plan stands in
    for it (`SafetyPath._plan_default`), with `hints.choose_default` in parentheses when
    given."""
    how = f" ({hints.choose_default})" if hints.choose_default else ""
    return str(texts()["plan_not_loaded"]).format(how=how)


def message_lines(
    emergency: str | None,
    crisis_line: str | None,
    plan: str,
    flagged_to: list[str],
    no_flag: str | None = None,
    withheld: str | None = None,
    hints: SafetyHints = NO_HINTS,
    not_chosen: str | None = None,
    synced: bool = True,
    *,
    copy_only: str | None = None,
    plan_not_loaded: str | None = None,
    elsewhere: str | None = None,
) -> list[str]:
    """The safety message, line by line: what to do now, who to call, the client's own plan
    (`plan_line`, with `hints`; `plan_not_loaded` in its place when given:
    `plan_not_loaded_line`), that the app is not monitored in real time, and whether a
    flag was sent (`flagged_to`), or, when the client opted in and none was, why (`no_flag`,
    from `no_flag_line`); then `withheld` (`withheld_line`), unless it is `no_flag` itself;
    then `not_chosen` (`not_chosen_line`: who reads the journal but gets no flag, as the
    client never chose to send them any), then `copy_only` (`copy_only_line`: who reads only
    a copy of some fields of it, which carries no flag), then `elsewhere` (`elsewhere_line`:
    those the client sends flags for answers in other journals only). `synced` as for
    `plan_line`; False
    also says a flag sealed has NOT left this device yet (it leaves at its next sync), never
    that members see it at their next sync. An `emergency` holding no digit (written before
    `set_plan` refused one) is not said: the default words name the local emergency number
    instead (`dialled`)."""
    data = texts()
    lines = [data["heading"]]
    for line in data["lines"]:
        lines.append(
            line.format(
                emergency=emergency if dialled(emergency) else data["default_emergency"],
                crisis_line=crisis_line or data["default_crisis_line"],
                plan=plan_not_loaded or plan_line(plan, hints, synced),
            )
        )
    if flagged_to:
        lines.append(
            data["flag_sent" if synced else "flag_sent_unsynced"].format(
                members=", ".join(flagged_to), syncs=syncs_words(hints.syncs)
            )
        )
    elif no_flag:
        lines.append(no_flag)
    if withheld and withheld != no_flag:
        lines.append(withheld)
    if not_chosen:
        lines.append(not_chosen)
    if copy_only:
        lines.append(copy_only)
    if elsewhere:
        lines.append(elsewhere)
    return lines[: len(data["lines"]) + 1] + act_now_once(lines[len(data["lines"]) + 1 :])


def act_now_once(lines: list[str]) -> list[str]:
    """`lines` with safety.json's `act_now` sentence ("Do not wait for anyone: act on the
    message above now.") kept at the end of the last line ending with it only: several lines
    saying why no flag was sent say it once (each says it alone, as `SafetyResponse.no_flag`
    is read on its own)."""
    act = " " + str(texts()["act_now"])
    ending = [i for i, line in enumerate(lines) if line.endswith(act)]
    return [line[: -len(act)] if i in ending[:-1] else line for i, line in enumerate(lines)]


def copy_only_line(
    journal: str,
    readers: Sequence[tuple[str, tuple[str, ...] | None]],
    lapsed: Collection[str] = (),
    hints: SafetyHints = NO_HINTS,
    journal_id: str = "",
) -> str | None:
    """That no safety flag reached `readers` ((username, the fields they read: None for
    every field, () for fields this device cannot tell: the copy is not on it)), who read
    only a copy of some fields of `journal` (a copy carries no safety flag, whatever the
    client chose): a client whose therapist follows her moods in such a copy may otherwise
    believe they are alerted. A reader in `lapsed` (usernames) reads through a share whose
    end date passed, by the copy's chain here, that the journal's own chain still holds
    (no owner-signed end: it counts until the client unshares, fail closed): said so, with
    `hints.unshare` for them (`journal_id`: the journal's id, hex, for it). None when
    `readers` is empty."""
    if not readers:
        return None

    def words(name: str, fields: tuple[str, ...] | None) -> str:
        said = _fields_words(fields)
        if name not in lapsed:
            return said
        how = hints.unshare.format(journal=journal, member=name, journal_id=journal_id)
        return f"{said}; its end date passed, but it counts until you unshare" + (
            f" ({how})" if how else ""
        )

    each = [f"{name} ({words(name, fields)})" for name, fields in readers]
    return str(texts()["flag_copy_only"]).format(
        members=", ".join(each),
        read="reads" if len(readers) == 1 else "read",
        journal=journal,
    )


def _fields_words(fields: tuple[str, ...] | None) -> str:
    """The fields a copy carries, in words (`copy_only_line`)."""
    if fields is None:
        return "every field"
    return ", ".join(fields) if fields else "fields this device has not received"


def elsewhere_line(journal: str, elsewhere: dict[str, list[str]], nobody: bool) -> str | None:
    """That no safety flag was sent to the members the client chose to send flags for answers
    in their other journals (`elsewhere`: username -> the names of those journals), for an
    answer in `journal`, where no flag reaches them (nu78 F12: a client who chose flags for
    Personal took it that her therapist was alerted of an answer in Therapy). `nobody`: no
    one else reads `journal`, said so. None when `elsewhere` is empty."""
    if not elsewhere:
        return None
    data = texts()
    journals = sorted({name for names in elsewhere.values() for name in names})
    return str(data["flag_elsewhere"]).format(  # quoted, joined with "and" (nu79 F4)
        members=and_words(sorted(elsewhere)),
        journals=and_words([quoted_name(name) for name in journals]),
        journal=quoted_name(journal),
        nobody=data["flag_elsewhere_nobody"] if nobody else "",
    )


def not_chosen_line(journal: str, members: list[str]) -> str:
    """That no safety flag was sent to `members` (usernames), who read `journal` now, since
    the client never chose to send them safety flags: a client sharing with a therapist may
    otherwise believe one went to them."""
    return str(texts()["flag_not_chosen"]).format(  # quoted, joined with "and" (fix32a)
        members=and_words(members),
        read="reads" if len(members) == 1 else "read",
        journal=quoted_name(journal),
    )


def withheld_line(
    journal: str, members: list[str], hints: SafetyHints = NO_HINTS, journal_id: str = ""
) -> str:
    """Why no safety flag was sealed for `members` (usernames), whom the client's opt-in
    names and who read `journal` now, under a share made again since that opt-in (R37 F9: an
    opt-in for an earlier share counts for none), and that naming each again sends flags,
    with `hints.flags_again` for each when given (R40 F6: the message said nobody the client
    chose read the journal). `journal_id` (hex) is given to the template as {journal_id}."""
    return _members_line(
        "flag_withheld", "flag_again", hints.flags_again, journal, members, journal_id
    )


def reads_only_line(
    journal: str, members: list[str], hints: SafetyHints = NO_HINTS, journal_id: str = ""
) -> str:
    """Why no safety flag was sealed for `members` (usernames), whom the client's opt-in
    names for their current share of `journal` but who hold the read role now by its
    verified access chain: a member who only reads could never mark a flag as read (NU24
    C15). The opt-in stands: giving them the annotate role again makes flags reach them for
    answers given from then on, with `hints.annotate_again` for each when given;
    `journal_id` as in `withheld_line`."""
    return _members_line(
        "flag_reads_only",
        "flag_annotate_again",
        hints.annotate_again,
        journal,
        members,
        journal_id,
    )


def _members_line(
    key: str, again: str, how: str, journal: str, members: list[str], journal_id: str = ""
) -> str:
    """safety.json's `key` sentence about `members` of `journal`, ending with its `again`
    sentence, or `again`_how naming `how` (an app's template with {journal}, {member} and,
    if it wants it, {journal_id}, the journal's id in hex) for each member when the app gave
    one."""
    data = texts()
    ending = str(data[again])
    if how:
        named = "; ".join(
            how.format(journal=journal, member=m, journal_id=journal_id) for m in members
        )
        ending = str(data[f"{again}_how"]).format(how=named)
    return str(data[key]).format(
        members=", ".join(members),
        read="reads" if len(members) == 1 else "read",
        journal=journal,
        again=ending,
    )


def no_flag_line(journal: str, synced: str, ended: list[str]) -> str:
    """Why no safety flag was sent although the client opted in for `journal` (its name):
    as of this device's last sync (`synced`, said in words: "at 2026-12-02 03:24" or "never
    synced"), nobody the opt-in names reads it (`ended`: the usernames it names whose share
    ended). NU22 C3 (c): every sentence of it true."""
    data = texts()
    who = (
        data["flag_none_ended"].format(members=and_words(ended))
        if ended
        else data["flag_none_nobody"]
    )  # the journal quoted, members joined with "and" (fix32a)
    return str(data["flag_none"]).format(journal=quoted_name(journal), synced=synced, who=who)


def no_journal_line(gone: str | None = None) -> str:
    """Why no safety flag was sent for an answer recorded with no journal named, on a device
    with no default journal (`SafetyPath.respond_to_answer`): none to seal it in. `gone`: the
    name of the default journal (the one the user chose, else the one the sign-up made) when
    the server no longer lists it (deleted on another device, or withheld), a read-only copy
    of it kept here."""
    if gone is not None:
        return str(texts()["flag_none_default_gone"]).format(journal=gone)
    return str(texts()["flag_none_no_journal"])


def journal_gone_line(journal: str) -> str:
    """Why no safety flag was sent for an answer meant for `journal` (its name), the
    client's own, that the server no longer lists (deleted on another device, or withheld):
    this device keeps only a read-only copy of it, which records no answer and seals no flag
    (`SafetyPath.respond_to_answer`; rev31f F1: nothing was said, and a client who opted a
    therapist in took it that they were alerted)."""
    return str(texts()["flag_none_journal_gone"]).format(journal=quoted_name(journal))


def no_flag_before_line(journal: str, answered: str, members: list[str]) -> str:
    """Why no safety flag was sent for an answer dated `answered` (in words) although the
    client opted in for `members` (usernames) who read `journal`: the answer is dated before
    that opt-in or that share (a form done on paper earlier; R37 F5)."""
    return str(texts()["flag_none_before"]).format(
        journal=journal, answered=answered, members=", ".join(members)
    )


@dataclass(frozen=True)
class LateFlag:
    """A safety flag this device sealed at a sync, for a safety item answered above 0 that it
    (or another device of the owner, which may never sync again) had recorded before
    it knew the opt-in or the share that entitles `members` (usernames; one member for a
    flag sealed so now) to it: in `journal` (its name), for the result `result_id` (hex, "" for a
    stopped questionnaire) of `measure` (an instrument id) answered at `answered_at` (UTC);
    `flag_id` (hex) is the flag's document id."""

    journal: str
    members: tuple[str, ...]
    result_id: str
    measure: str
    answered_at: datetime
    flag_id: str
    journal_id: str = ""
    """The journal's id (32 hex digits)."""

    def line(self, *, syncs: str = "") -> str:
        """What to tell the client, in words (client_sdk/data/safety.json `flag_late`), which
        name no app's commands; `syncs` as `SafetyHints.syncs`."""
        from client_sdk.scoring import builtin_instruments

        found = builtin_instruments().get(self.measure)
        return str(texts()["flag_late"]).format(
            syncs=syncs_words(syncs),
            members=", ".join(self.members),
            measure=found.name if found else self.measure,
            answered=self.answered_at.strftime("%Y-%m-%d %H:%M UTC"),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "journal": self.journal,
            "journal_id": self.journal_id,
            "members": list(self.members),
            "result_id": self.result_id or None,  # null: stopped after the safety item
            "measure": self.measure,
            "answered_at": json_time(self.answered_at),
            "flag_id": self.flag_id,
        }


@dataclass(frozen=True)
class UnflaggedAnswer:
    """A safety item answered above 0 on this device that gets no safety flag for `members`
    (usernames), although the client's signed plan opts them in: the answer was given on
    this device before it knew that opt-in (made on another of the owner's devices), and
    within CLOCK_SKEW_MS after it, where a late flag is never sealed (devices' clocks can
    differ: a flag for an answer given before the opt-in would go against the client's
    choice). In `journal` (its name), for the result `result_id` (hex, "" for a stopped
    questionnaire) of `measure` (an instrument id) answered at `answered_at` (UTC), the
    opt-in signed at `opted_in_at` (UTC, the opting device's clock). Told once, by the
    sync that brings the opt-in (`SyncReport.unflagged`)."""

    journal: str
    members: tuple[str, ...]
    result_id: str
    measure: str
    answered_at: datetime
    opted_in_at: datetime
    journal_id: str = ""
    """The journal's id (32 hex digits)."""

    def line(self, *, tell: str = "") -> str:
        """What to tell the client, in words that name no app's commands; `tell`: the app's
        words for reaching help now, added after the sentence ("" none)."""
        from client_sdk.scoring import builtin_instruments

        found = builtin_instruments().get(self.measure)
        minutes = max(0, int((self.answered_at - self.opted_in_at).total_seconds() // 60))
        who = ", ".join(self.members)
        return (
            f"no safety flag was sent to {who} for your "
            f"{found.name if found else self.measure} of "
            f"{self.answered_at.strftime('%Y-%m-%d %H:%M UTC')} (a safety item answered "
            f"above 0): you answered it on this device {minutes} minute"
            f"{'' if minutes == 1 else 's'} after safety flags were turned on for {who} on "
            "another of your devices, before this device knew; an answer given within "
            f"{CLOCK_SKEW_MS // 60000} minutes of that never gets a flag later, as devices' "
            f"clocks can differ. {who} can still read the result in {self.journal}, but is not "
            "alerted: if you want them to know, tell them yourself." + (f" {tell}" if tell else "")
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "journal": self.journal,
            "journal_id": self.journal_id,
            "members": list(self.members),
            "result_id": self.result_id or None,  # null: stopped after the safety item
            "measure": self.measure,
            "answered_at": json_time(self.answered_at),
            "opted_in_at": json_time(self.opted_in_at),
        }


SHARE_ENDED = "share ended"
"""`UndeliveredFlag.cause`: the members' share ended before the flag left (signed)."""

NOT_SENT = "not sent"
"""`UndeliveredFlag.cause`: the flag has not left this device (`Safety.unsent`): offline,
signed out, or the account erased on another device, when it never will."""

NO_ANSWER = "no answer"
"""`UndeliveredFlag.cause`: the flag is still waiting on this device, but a push request
that carried it left (`Store.mark_offered`) and no reply confirmed storing it (a lost reply,
a connection broken off, an error answer a server may give after storing it), or its answer
was never recorded (the sync stopped first: `UndeliveredFlag.stopped`): the server may hold
it already, and this device cannot tell until a later sync settles it. Also for a flag set
aside since (refused when sent again: `UndeliveredFlag.reason`), which that push may have
stored all the same."""

JOURNAL_GONE = "journal gone"
"""`UndeliveredFlag.cause`: the server refused the flag as its journal is no longer on the
server (deleted on another device, or withheld: the server's word alone)."""

WITHHELD = "withheld"
"""`UndeliveredFlag.cause`: the server acknowledged storing the flag and has not served it
back: a counter of its record is among this device's own counters missing (protocol.md
4.18, "Own records"; what the withholding check reports withheld; also right after the
acknowledgement until a pull serves it, as this device cannot tell sooner). The server may
have dropped it or be withholding it, and its members may never see it; this device still
holds the flag, and may hold the only copy (rev29d F1): the sync that finds it so tells it
once (`SyncReport.undelivered_flags`) and puts its record back in the outbox, as it was
pushed, so every later sync sends it again until a pull serves it back."""

REFUSED = "refused"
"""`UndeliveredFlag.cause`: the server refused the flag for good for another reason than its
journal being gone (too large, HTTP 413; an account quota; the record found invalid): it is
kept set aside on this device and sent again at every sync (`Safety.unsent`), and its
members cannot see it while the server refuses it (`UndeliveredFlag.reason` says why)."""

DELIVERY_UNKNOWN = "delivery unknown"
"""`UndeliveredFlag.cause`: the flag left this device, but its journal is no longer listed
here (gone from the server: deleted on another device, or withheld; or no longer on this
device) before any judgement of it, so this device cannot tell whether it reached its
members: told once, then judged no more after JUDGED_FOR_MS."""


@dataclass(frozen=True)
class UndeliveredFlag:
    """A safety flag sealed on this device for `members` (usernames) of `journal` (its
    name) that may never reach them: their share ended, by what the owner signed, at
    `ended_at` (UTC, the signing device's clock: an unshare from one of the client's devices,
    or the share's signed end date passing), before the flag reached the server or at most
    CLOCK_SKEW_MS after it left as this device saw it (`surely` says which), or later but
    before their device was seen to receive it (`reason` UNSEEN_BEFORE_END: they never
    acknowledged it, rev32b F1), and they hold
    no acknowledgement of it. A
    member whose share ended is served nothing of the journal any more, so the flag stays
    unseen while the share stays ended. Decided on this device only, from its verified access
    chain, the acknowledgements it holds and its own clock (when the flag left, FLAGS_SENT),
    never from a server's answer; clocks can differ by CLOCK_SKEW_MS either way, and the
    decision errs toward telling ("may NOT have been delivered": the client tells the
    therapist themselves) rather than silence. Only flags this device sealed and sent are
    judged, never one another device sent. The flag `flag_id` (hex) is for the result
    `result_id` (hex, "" for a stopped questionnaire) of `measure` (an instrument id), raised
    at `raised_at` (UTC). Told once per member, by the first completed sync after it left
    (`SyncReport.undelivered_flags`: a sync cut off after sending it leaves it to the next),
    or by a later one, up to JUDGED_FOR_MS after that first judgement, that brings such an
    end (one rule at every judgement: signed at most CLOCK_SKEW_MS after the flag left) a
    server withheld before, or a later end of a member who never acknowledged it (whenever
    it comes while the flag is kept: past JUDGED_FOR_MS while that member still held a
    share, rev32b F3); `SafetyFlag.not_delivered` keeps it."""

    journal: str
    members: tuple[str, ...]
    flag_id: str
    result_id: str
    measure: str
    raised_at: datetime
    ended_at: datetime

    surely: bool = True
    """True: the end (signing device's clock) was more than CLOCK_SKEW_MS before the moment
    the first push that could have stored the flag began (this device's clock, FLAGS_SENT
    `since`): "was NOT delivered". False: the end came less than CLOCK_SKEW_MS after it
    left, or before it by less than that (devices' clocks differ by up to that), so the
    server may have stored it, and the member downloaded it, before the end: "may NOT have
    been delivered", never said as an end before the flag left."""

    cause: str = SHARE_ENDED
    """Why: SHARE_ENDED (above), or JOURNAL_GONE: the server refused the flag for good as
    `journal` (one of this account's own) is no longer on it, deleted on another of the
    client's devices or withheld by the server (the server's word alone: never said as a
    deletion); the flag is kept set aside on this device and reaches none of `members`
    while the journal is not served. Then `ended_at` is when this device found it, and
    `surely` is False ("may NOT reach"). For NOT_SENT (and REFUSED), `ended_at` is when this
    device was asked (nothing ended: `to_dict` gives null). DELIVERY_UNKNOWN: the flag left, but its
    journal was no longer listed here (`journal` "" when not on this device at all, and
    `members` then empty) before any judgement of it; `ended_at` is when this device found
    it (null in `to_dict`), `surely` False."""

    journal_id: str = ""
    """The id (hex) of `journal`, which names it for good."""

    left_between: tuple[datetime, datetime] | None = None
    """With `surely` False, for SHARE_ENDED: when the server may have stored the flag any
    time in a window longer than CLOCK_SKEW_MS, from the start of its first push (FLAGS_SENT
    `since`) to the reply that told this device it was stored (`left`; a server failing push
    replies stretches it without bound), and the end came after the window's first
    CLOCK_SKEW_MS: (start, end), UTC, and the words name the window rather than "at about
    the time the flag left". None otherwise."""

    item: int = 0
    """The safety item answered above 0 (9 for the PHQ-9); 0 when not known."""

    answer: int = 0
    """Its answer (1 to 3 for PHQ-9 item 9); 0 when not known."""

    reason: str = ""
    """For REFUSED: why the server refused it, in words ("the change is larger than the
    server accepts"; one refused as sealed under an old key while this device verified no
    newer key of its journal, `stale_epoch`: "as sealed under an old key of Personal, ...",
    rev30c F7); for NO_ANSWER, why the server refused it when it was sent again after
    the push that got no answer (set aside since: the server may still hold it from that
    push); for WITHHELD, WITHHELD_SERVED_SINCE when the server served it back before a
    report could tell it (found by a sync inside another call, FLAGS_WITHHELD_UNTOLD); for
    SHARE_ENDED, UNSEEN_BEFORE_END when the share ended more than CLOCK_SKEW_MS after the
    flag left but before their device was seen to receive it (`surely` False); ""
    otherwise."""

    unserved: bool = False
    """For SHARE_ENDED: every share of `members` ended because one of the client's devices
    removed them on the server's word that it no longer serves them (they left the share, or
    their account was deleted: `access.NOT_SERVED`), not by an unshare or an end date (nu83
    F6). The server's word: never "was NOT delivered"."""

    stopped: bool = False
    """For NO_ANSWER: the push that carried it reached the server, and the sync stopped (or
    the program ended) before this device recorded the server's answer, so the server may
    hold it; a later sync settles it. False: no reply confirmed it was stored."""

    def named(self) -> str:
        """The flag in words that tell two of one minute apart: "the safety flag of your PHQ-9
        of 2026-12-07 03:03 UTC (item 9 answered 2; flag 1a2b3c4d)" (the first 8 hex digits
        of `flag_id`, as `tj safety ack` takes it)."""
        from client_sdk.scoring import builtin_instruments

        found = builtin_instruments().get(self.measure)
        answered = f"item {self.item} answered {self.answer}; " if self.item else ""
        return (
            f"the safety flag of your {found.name if found else self.measure} of "
            f"{self.raised_at.strftime('%Y-%m-%d %H:%M UTC')} ({answered}flag "
            f"{self.flag_id[:8]})"
        )

    def line(self, *, tell: str = "") -> str:
        """What to tell the client, in words that name no app's commands; `tell`: the app's
        words for reaching help now, added after the sentence ("" none)."""
        who = ", ".join(self.members)
        ask = " If you want them to know, tell them yourself." + (f" {tell}" if tell else "")
        if self.cause == JOURNAL_GONE:
            return (
                f"{self.named()} may NOT reach {who}: the "
                f"server refused it, as {self.journal} is no longer on the server (it may have "
                "been deleted on another of your devices, or the server may be withholding "
                f"it), so {who} may never see it." + ask
            )
        if self.cause == DELIVERY_UNKNOWN:
            where = (
                f"{self.journal} is no longer on the server (it may have been deleted on "
                "another of your devices, or the server may be withholding it)"
                if self.journal
                else "its journal is no longer on this device"
            )
            return (
                f"{self.named()} left this device, but "
                f"{where}, so this device cannot tell whether it reached "
                f"{who or 'the people it was for'}." + ask
            )
        if self.cause == NO_ANSWER and self.reason:
            return (
                f"{self.named()} for {who} may have left this device: a push that carried it "
                "got no answer (the server may have stored it), and the server then refused "
                f"it ({self.reason}) when it was sent again, so this device cannot tell "
                f"whether {who} can see it; it keeps the flag and sends it again at every "
                "sync." + ask
            )
        if self.cause == NO_ANSWER and self.stopped:
            return (
                f"{self.named()} for {who} may have left this device: the sync stopped after "
                "a push that carried it reached the server and before this device recorded "
                f"the server's answer, so this device cannot tell whether {who} can see it "
                "until a later sync settles it." + ask
            )
        if self.cause == NO_ANSWER:
            return (
                f"{self.named()} for {who} may NOT have left this device: a push that "
                "carried it reached the server, which never confirmed storing it, so this "
                f"device cannot tell whether {who} can see it until a later sync settles it." + ask
            )
        if self.cause == REFUSED:
            return (
                f"{self.named()} for {who} has NOT reached {who}: the server refused it ("
                f"{self.reason or 'for good'}); this device keeps it and sends it again at "
                f"every sync, but {who} cannot see it while the server refuses it." + ask
            )
        if self.cause == WITHHELD and self.reason:
            return (
                f"{self.named()} for {who} may have reached {who} late, or not at all: the "
                "server acknowledged storing it and then did not serve it back to this device "
                "(it may have dropped it, or withheld it), so this device sent it again; "
                f"{self.reason}." + ask
            )
        if self.cause == WITHHELD:
            return (
                f"{self.named()} for {who} may NOT have reached {who}: the server "
                "acknowledged storing it but has not served it back to this device (it may "
                f"have dropped it, or be withholding it), so {who} may not be able to see "
                "it; this device sends it again at every sync until the server serves it "
                "back." + ask
            )
        if self.cause == NOT_SENT:
            return (
                f"{self.named()} for {who} has NOT left this "
                f"device: {who} cannot see it until this device syncs, and never if your "
                "account was deleted on another device." + ask
            )
        told = "was NOT delivered" if self.surely else "may NOT have been delivered"
        when = "before the flag left this device"
        if not self.surely:  # the one rule's "may NOT": never said as "before it left"
            when = (
                f"less than {CLOCK_SKEW_MS // 60000} minutes after the flag left this device, "
                "or before it (your devices' clocks can differ by that much): this device "
                "cannot tell whether it reached them first"
            )
        if not self.surely and self.reason == UNSEEN_BEFORE_END:
            when = "before anything showed their device received it (they never acknowledged it)"
        elif not self.surely and self.left_between is not None:
            start, end = (t.strftime("%Y-%m-%d %H:%M UTC") for t in self.left_between)
            when = (
                f"while the flag was on its way: the server may have stored it any time "
                f"between {start} and {end}, when it told this device"
            )
        how = "its end date, or an unshare, as one of your devices signed it"
        if self.unserved:  # the words of `departures.server_word`, for LEFT and ERASED
            how = (
                "the server says they left the share, or that their account was deleted (not "
                "signed by them), and one of your devices removed them"
            )
        elif not self.surely and self.reason == UNSEEN_BEFORE_END:  # the server's word too
            how = (
                "its end date or an unshare, as one of your devices signed it, or the server "
                "no longer serving them"
            )
        return (
            f"{self.named()} {told} to {who}: "
            f"the share of {self.journal} with {who} ended "
            f"({self.ended_at.strftime('%Y-%m-%d %H:%M UTC')}: {how}) {when}. They may never "
            "see it while the share stays ended." + ask
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times in the one layout (`models.json_time`); ids as hex;
        `ended_at` null for a flag NOT_SENT (no share ended: it never left)."""
        return {
            "journal": self.journal,
            "journal_id": self.journal_id or None,
            "members": list(self.members),
            "flag_id": self.flag_id,
            "result_id": self.result_id or None,  # null: stopped after the safety item
            "measure": self.measure,
            "raised_at": json_time(self.raised_at),
            "ended_at": (
                None
                if self.cause in (NOT_SENT, NO_ANSWER, DELIVERY_UNKNOWN, REFUSED, WITHHELD)
                else json_time(self.ended_at)
            ),
            "surely": self.surely,
            "cause": self.cause,
            "left_between": (
                None
                if self.left_between is None
                else [json_time(self.left_between[0]), json_time(self.left_between[1])]
            ),
            "item": self.item or None,  # null: not known
            "answer": self.answer or None,
            "reason": self.reason
            or None,  # REFUSED's why; WITHHELD_SERVED_SINCE; UNSEEN_BEFORE_END
        }


CLOCK_SKEW_MS = 15 * 60 * 1000
"""How far apart two of the client's devices' clocks are taken to be, at most, when a late
flag compares the answering device's time of the answer with the opt-in and the share
another device signed (R37 F2): a late flag is owed only for an answer at least this long
after both. Devices without network time can be further apart: then too a late flag errs
toward none."""

RECORDER_WAIT_MS = 2 * CLOCK_SKEW_MS
"""How long after an answer was recorded (its result's `created_at`, by the recording
device's clock) another device of the owner waits before it seals that answer's late flag
(R37 F3): the recording device seals the flag it owes at once, with the result, but may push
it a little after the result (a sync stopped between the two), and that flag's id is its
own; a clock up to CLOCK_SKEW_MS ahead on the recording device takes that much off the
wait. The recording device's own late flags wait for nothing: any device sealing one writes
the same document (keys.late_flag_doc_id)."""


def answered_after(answered_at: int, opted_in_at: int, granted_at: int, margin: int) -> bool:
    """Whether an answer given at `answered_at` comes after the opt-in (`opted_in_at`) and
    the start of the membership (`granted_at`), by at least `margin` ms (0: the immediate
    path, where this device knew both when the answer was recorded; a late flag:
    CLOCK_SKEW_MS). All ms UTC."""
    return opted_in_at + margin <= answered_at and granted_at + margin <= answered_at


def unflagged_members(
    plan: SafetyPlan,
    current: dict[str, tuple[str, int]],
    answered_at: int,
    covered: set[str],
    opt_in_from: dict[str, int] | None = None,
    known: Collection[str] = (),
) -> dict[str, str]:
    """The members (username -> account id hex) `late_flag_members` leaves out of a late
    flag only because the answer came less than CLOCK_SKEW_MS after their opt-in or their
    membership's start (the same arguments): opted in for this membership, at or before
    the answer by the clocks as signed, not covered. What the client is told got no flag
    (`UnflaggedAnswer`), never a flag."""
    found = {}
    for username, (member_id, granted_at) in current.items():
        since = plan.opted_in_at(member_id)
        if since is None or not answered_after(answered_at, since, granted_at, 0):
            continue
        if member_id in known or answered_after(answered_at, since, granted_at, CLOCK_SKEW_MS):
            continue  # owed a late flag: `late_flag_members`
        if not opted_in_for(plan, member_id, (opt_in_from or {}).get(member_id, granted_at)):
            continue
        if member_id not in covered:
            found[username] = member_id
    return found


def opted_in_for(plan: SafetyPlan, member_id: str, granted_at: int) -> bool:
    """Whether the plan's opt-in for `member_id` (account id, hex) was given for their
    current membership, which began at `granted_at` (ms, the `at` of its `granted` entry, as
    the owner signed it): opted in at or after it (R37 F9: an opt-in given for an earlier
    share of the same account, ended since, is not one for a later share; the client opts
    in again, `tj share --safety-flags`). Both the immediate and the late path ask it."""
    since = plan.opted_in_at(member_id)
    return since is not None and since >= granted_at


def late_flag_members(
    plan: SafetyPlan,
    current: dict[str, tuple[str, int]],
    answered_at: int,
    covered: set[str],
    opt_in_from: dict[str, int] | None = None,
    known: Collection[str] = (),
) -> dict[str, str]:
    """The members a safety flag is owed to for a safety item answered above 0 at
    `answered_at` (ms UTC: the result's `taken_at`, or when a stopped questionnaire's answer
    was given) that this device recorded without sealing it for them, because it had not
    yet seen the opt-in or the share (NU22 C3): username -> account id (hex).

    Decided only from what the journal's owner signed and this device verified: `plan`, the
    owner's latest safety plan (its opt-in and `opted_in_at`), and `current`, the members
    who read the journal now by its verified access chain, username -> (account id hex,
    `at` of the `granted` entry of their current membership, ms). A member is owed a flag
    when the plan opts them in now, at or before `answered_at` (never for an answer given
    before the client opted in: consent), their current membership began at or before
    `answered_at` (not for a share that ended, or began, after: a later membership of the
    same account is another share), the opt-in was given for that membership (at or after
    its `granted` entry: an opt-in given in an earlier share of the same account does not
    carry over to a later one, R37 F9; `opted_in_for`; `opt_in_from`, account id -> when the
    membership an opt-in must be given in began, when earlier than the current `granted`:
    memberships the owner's device closed on the server's word, not by the client's choice,
    count as one), and `covered` (account ids a flag
    for this answer was already sealed for, by this device or any owner device) does not
    name them: never twice. The answer's time is the answering device's clock, the other
    two are the clocks of the owner devices that signed them: the answer must be at least
    CLOCK_SKEW_MS after both (R37 F2: a device whose clock runs ahead, or an opting device
    whose clock runs behind, would otherwise send a flag for an answer given before the
    opt-in); an answer closer to them gets no late flag (errs toward none). A member in
    `known` (account ids the answering device itself had verified, when the answer was
    recorded, that the flag was due to: `watch_answer`) is owed one for an answer at or
    after both by the clocks as signed, as an immediate flag is: their flag was due then,
    and only its sealing failed."""
    owed = {}
    for username, (member_id, granted_at) in current.items():
        since = plan.opted_in_at(member_id)
        skew = 0 if member_id in known else CLOCK_SKEW_MS
        if since is None or not answered_after(answered_at, since, granted_at, skew):
            continue
        if not opted_in_for(plan, member_id, (opt_in_from or {}).get(member_id, granted_at)):
            continue
        if member_id not in covered:
            owed[username] = member_id
    return owed


# --- changes ---------------------------------------------------------------------------------------


def _contact(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    value = check_text(value.strip(), what)
    if len(value) > MAX_CONTACT:
        raise InvalidInput(f"{what} is at most {MAX_CONTACT} characters", subject=BAD_VALUE)
    return value or None


def plan_update(
    document: Document,
    now_ms: int,
    *,
    emergency_number: str | None = None,
    crisis_line: str | None = None,
    plan: str | None = None,
    share_flags: bool | None = None,
    flag_members: list[str] | None = None,
    flags_since: dict[str, int] | None = None,
    creating: bool = False,
    imported: bool = False,
) -> bytes:
    """Create or change a safety plan; None leaves a part as it is ("" clears a contact).
    A change that writes the emergency number, crisis line or text writes `imported`: True
    for an import's, False for any other (the owner's hand makes the plan theirs).
    `flag_members`: the account ids (hex) the flag opt-in is for; `flags_since`: when each
    was opted in (ms; written with `flag_members`, as [id, ms] pairs sorted by id; without
    `flag_members`, for the members of the dict: the plan's members as they are). Every
    change writes `flags_stamp` = `updated_at`: `flags_since` counts only when the plan's
    last change wrote it (R37 F8: an older app's change leaves it stale)."""
    changed: dict[str, Any] = {"updated_at": now_ms, "flags_stamp": now_ms}
    if creating:
        changed.update(
            created_at=now_ms, emergency_number=None, crisis_line=None, share_flags=False
        )
    if emergency_number is not None:
        changed["emergency_number"] = _contact(emergency_number, "an emergency number")
    if crisis_line is not None:
        changed["crisis_line"] = _contact(crisis_line, "a crisis line")
    if share_flags is not None:
        changed["share_flags"] = share_flags
    if flag_members is not None:
        changed["flag_members"] = sorted(set(flag_members))
        since = flags_since or {}
        changed["flags_since"] = [[m, since.get(m, now_ms)] for m in sorted(set(flag_members))]
    elif flags_since is not None:
        changed["flags_since"] = [[m, flags_since[m]] for m in sorted(flags_since)]
    if emergency_number is not None or crisis_line is not None or plan is not None:
        changed["imported"] = imported
    if plan is not None:  # a plan that merged edits left over MAX_PLAN may still shrink
        from client_sdk.documents import check_text_limit

        check_text_limit("a safety plan", MAX_PLAN, "" if creating else document.text("plan"), plan)
    texts_ = {"plan": plan} if plan is not None else ({"plan": ""} if creating else None)
    return document.change(fields=changed, texts=texts_, whole=("plan",))


def crisis_line_update(document: Document, text: str, now_ms: int) -> bytes:
    checked = _contact(text, "a crisis line")
    if checked is None:
        raise InvalidInput("a crisis line is 1 to 300 characters", subject=BAD_VALUE)
    return document.change(fields={"text": checked, "created_at": now_ms})


def flag_update(
    document: Document,
    result_id: str,
    measure: str,
    item: int,
    answer: int,
    now_ms: int,
    to: list[str] | None = None,
    answered_at: int | None = None,
    event: str | None = None,
) -> bytes:
    """A safety flag; `to`: the members (account ids, hex) it is for (R13 finding 3);
    `answered_at` (ms): when the answer was given, for a flag sealed later than that, at a
    sync (NU22 C3: `raised_at` is then when it was sealed); `event`: the id the sealing
    device gave the answer (a random id, or the result's id), so that a second seal for one
    answer is known as such after a crash (R37 F6)."""
    fields: dict[str, Any] = {
        "result_id": result_id,
        "measure": measure,
        "item": item,
        "answer": answer,
        "raised_at": now_ms,
    }
    if to is not None:
        fields["to"] = sorted(to)
    if answered_at is not None:
        fields["answered_at"] = answered_at
    if event is not None:
        fields["event"] = event
    return document.change(fields=fields)


def ack_update(document: Document, flag_id: str, now_ms: int) -> bytes:
    return document.change(fields={"flag_id": flag_id, "acknowledged_at": now_ms})


# --- reading ---------------------------------------------------------------------------------------


def plan_view(document: Document, journal: str) -> SafetyPlan:
    return SafetyPlan(
        journal=journal,
        emergency_number=_text(document.field("emergency_number")),
        crisis_line=_text(document.field("crisis_line")),
        plan=document.text("plan"),
        share_flags=document.field("share_flags") is True,
        flag_members=_ids(document.field("flag_members")),
        flags_since=_since(document.field("flags_since")),
        flags_stamp=_number(document.field("flags_stamp")),
        updated_at=read_time(document.field("updated_at")),
        imported=document.field("imported") is True,
    )


def plan_settling_values(document: Document) -> dict[str, Any]:
    """A safety plan's fields whose concurrent changes settle on one value
    (settling.PLAN_FIELDS: emergency number, crisis line, the safety-flag opt-in), as JSON
    values, read as `plan_view` reads them. The plan's text merges instead."""
    return {
        "emergency_number": _text(document.field("emergency_number")),
        "crisis_line": _text(document.field("crisis_line")),
        "share_flags": document.field("share_flags") is True,
    }


def crisis_line_view(document: Document) -> tuple[int, str] | None:
    text, created = _text(document.field("text")), read_ms(document.field("created_at"))
    return None if text is None or created is None else (created, text)


def flag_view(document: Document, journal: str, journal_id: str, owner: str) -> SafetyFlag | None:
    raw_result = document.field("result_id")
    result_id = raw_result if isinstance(raw_result, str) else None  # "": no result (stopped)
    measure = _text(document.field("measure"))
    item, answer = _number(document.field("item")), _number(document.field("answer"))
    raised_at = read_time(document.field("raised_at"))
    if result_id is None or measure is None or item is None or answer is None or raised_at is None:
        return None
    return SafetyFlag(
        id=document.doc_id.hex(),
        journal=journal,
        journal_id=journal_id,
        owner=owner,
        result_id=result_id,
        measure=measure,
        item=item,
        answer=answer,
        raised_at=raised_at,
        recipients=flag_recipients(document),
        late_answer_at=read_time(document.field("answered_at")),
        event=_text(document.field("event")) or "",
    )


def ack_view(document: Document) -> tuple[str, int] | None:
    flag_id = _text(document.field("flag_id"))
    at = read_ms(document.field("acknowledged_at"))
    return None if flag_id is None or at is None else (flag_id, at)


def _ids(value: Any) -> tuple[str, ...] | None:
    """A list of account ids (hex); None when absent (a plan from before per-member opt-in)."""
    if not isinstance(value, list):
        return None
    return tuple(v for v in value if isinstance(v, str))


def _since(value: Any) -> tuple[tuple[str, int], ...] | None:
    """`flags_since`: [account id hex, ms] pairs; None when absent (an older plan). A
    malformed pair is left out (that member then counts from the plan's `updated_at`)."""
    if not isinstance(value, list):
        return None
    pairs = []
    for pair in value:
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
            at = _number(pair[1])
            if at is not None:
                pairs.append((pair[0], at))
    return tuple(pairs)


def flag_recipients(document: Document) -> tuple[str, ...] | None:
    """The members (account ids, hex) a flag was sealed for; None for a flag written before
    flags named them (every member)."""
    return _ids(document.field("to"))


def _text(value: Any) -> str | None:
    """A one-line text another account may have written (a crisis line, an emergency number):
    control characters, refused when set, are dropped when read (R13 finding 2)."""
    if not isinstance(value, str):
        return None
    return "".join(c for c in value if not is_control(c)) or None


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or abs(value) > 2**53:
        return None
    return int(value)
