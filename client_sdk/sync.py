"""Pure sync bookkeeping: batching the outbox, cursors, and the report of one sync."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from client_sdk import wire
from client_sdk.departures import GONE, Departure
from client_sdk.error_words import CODE_WORDS
from client_sdk.errors import (
    NOT_A_JOURNAL_SERVER,
    AccessError,
    AuthError,
    KeyChangedError,
    NetworkError,
    NotFound,
    TJError,
    WithheldRecordsError,
)
from client_sdk.frozen_init import filled_at_once
from client_sdk.graphemes import cut
from client_sdk.hold_back import HeldBack, grouped_line
from client_sdk.models import (
    CredentialChange,
    Journal,
    NewDevice,
    Notice,
    named_in_text,
    quoted_name,
)
from client_sdk.safety import LateFlag, UndeliveredFlag, UnflaggedAnswer, plan_not_loaded_line
from client_sdk.same_names import SameName
from client_sdk.settling import Clock, MergedText, OvertakenEdit, Settled, utc_clock
from client_sdk.upload_limit import UploadLimit
from client_sdk.upload_limit import describe as describe_upload_limit
from client_sdk.withdrawals import RefusedWithdrawal
from client_sdk.withholding import Gap

if TYPE_CHECKING:
    from client_sdk.pushing import SetAsideChange

PUSH_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class OutboxRecord:
    """A sealed record waiting in the local outbox, in write order."""

    position: int
    journal_id: bytes
    record_id: bytes
    epoch: int
    ciphertext: bytes
    doc_id: bytes | None = None


# --- records the server refuses for good --------------------------------------------------------

JOURNAL = "journal"
RECORD = "record"
REFUSED_JOURNAL_CODES = frozenset({"forbidden", "not_found"})
"""Push refusals that hold for every record of the journal: it is gone, or this account may
no longer write there (the share ended, the role changed)."""
REFUSED_RECORD_CODES = frozenset(
    {
        "invalid_field",
        "missing_field",
        "malformed_body",
        "too_large",
        "duplicate_record",
        "record_conflict",
    }
)
"""Push refusals caused by some record of the batch: the SDK halves the batch until it has
the records to blame, and pushes the others."""
QUOTA_SUFFIX = "_quota_exceeded"
"""Codes ending so (413 `storage_quota_exceeded`, ...) refuse the records that would take the
account over a limit: halving the batch pushes what still fits and sets aside the rest."""
DEPENDS_ON_SET_ASIDE = "depends_on_set_aside"
"""Local code of a record set aside because an earlier change of its document was: pushed
alone it would reach other devices without the change it builds on."""
TOO_LARGE_TO_SEAL = "too_large_to_seal"
"""Local code of a change from before a share, kept on this device: its document is larger than
one record, so it cannot be sealed again as one snapshot for the new epoch."""
REASONS = {
    "forbidden": "this account may no longer write in that journal (the share ended, the "
    "role changed, or the journal is gone)",
    "not_found": "the journal no longer exists on the server",
    "record_conflict": "the server holds another record with the same id",
    "too_large": "the change is larger than the server accepts",
    "invalid_field": "the server found the record invalid",
    "missing_field": "the server found the record invalid",
    "malformed_body": "the server found the record invalid",
    "duplicate_record": "the batch named the record twice",
    "storage_quota_exceeded": "the account's storage quota on the server is full",
    DEPENDS_ON_SET_ASIDE: "an earlier change of the same document was set aside",
    TOO_LARGE_TO_SEAL: "its document is too large to seal again as one record for a share",
}


def refusal(error: BaseException) -> str | None:
    """Whether a failed push is a refusal for good, and of what: JOURNAL (every record of
    the journal), RECORD (some record of the batch), or None (not a refusal: raise it, and
    the outbox waits for a later sync).

    Decided by the server's error code (protocol.md section 7), never by its message; a code
    this SDK does not know falls back on its status: 403 and 404 refuse the journal, another
    4xx some record. Signed-out (401), transient (5xx, network), rate-limited (429, any
    error with a `retry_after`) and `stale_epoch` (seal again) failures are not refusals,
    nor is an answer that is not this API's (subject NOT_A_JOURNAL_SERVER: an HTML 403 of a
    web filter, another web server at the address; rev32c F2): no Therapy Journal server
    refused the records, and the next sync with one pushes them."""
    if not isinstance(error, TJError) or error.code is None:
        return None  # raised on this device, not a server's answer
    if error.subject == NOT_A_JOURNAL_SERVER:
        return None
    if isinstance(error, (AuthError, NetworkError)) or error.code == "stale_epoch":
        return None
    if getattr(error, "retry_after", None) is not None:
        return None  # rate limited (429): the same push succeeds later
    if error.code in REFUSED_JOURNAL_CODES:
        return JOURNAL
    if error.code in REFUSED_RECORD_CODES or error.code.endswith(QUOTA_SUFFIX):
        return RECORD
    return JOURNAL if isinstance(error, (AccessError, NotFound)) else RECORD


def refusal_reason(code: str, message: str) -> str:
    """Why a record was set aside, in words: the known reason of `code` (REASONS, else the
    SDK's words for the server's code, error_words.CODE_WORDS), else `message` (the SDK's
    words for an unknown code's HTTP status, never the server's free text)."""
    return REASONS.get(code) or CODE_WORDS.get(code) or message


def refusal_words(code: str, reason: str, journal: Journal | None) -> str:
    """Why a change was refused, as this device now knows it: for `forbidden` in a journal
    shared with this account, what its owner's signed access chain (verified on this device,
    never the server's word) says changed: "june made your access to june/Personal
    read-only", "june/Personal is no longer shared with you (the share ended)" for an end
    this device knows beyond the server's word (`Journal.share_ended`); for one the server
    alone stopped serving (`Journal.unlisted`: a member is not served its own removal) that
    it is no longer served, and that nothing its owner signed says the share ended; for one of
    this account's own journals gone from the server, that it is no longer there; otherwise
    `reason`. Each starts with the journal's name. `journal` is the journal as this device
    holds it after the sync (None: not held any more)."""
    if code != "forbidden" or journal is None or journal.role == "owner":
        return reason
    name = named_in_text(journal.name)
    if journal.read_only_copy and journal.own:  # never "shared with you" to its owner
        return (
            f"{name} is no longer on the server (deleted on another of your devices, "
            "or the server is withholding it)"
        )
    if journal.unlisted:  # the server's word alone: never said as an ended share
        return (
            f"{name} is no longer served to you (nothing {journal.owner} signed says the share "
            "ended: they may have ended it, or the server may be holding it back)"
        )
    if journal.share_ended:
        return f"{name} is no longer shared with you (the share ended)"
    if journal.role == "read":
        return f"{journal.owner} made your access to {journal.name} read-only"
    return reason


TRIED_AGAIN = frozenset({"safety_flag", "measure"})
"""Kinds of document (safety.SAFETY_FLAG, documents.MEASURE) whose changes a server refuses
for good are set aside *without* withdrawing their counters, and sent again at every sync
until the server takes them: a withdrawal is a signed "never coming" that
hides the gap from every reader, so a server's refusal of a client's safety flag or
questionnaire result left the therapist's device with nothing missing and no flag. Kept so,
the gap shows on the member's device (a record of the client's device withheld) until the
server takes it, or the client drops it (`Client.drop_set_aside`, which withdraws it then)."""

SHOWN_KINDS = {"safety_flag": "safety flag", "measure": "questionnaire result"}
"""A document kind as a set-aside line names it, where its stored name is not a word."""


@dataclass(frozen=True)
class SetAside:
    """A record the server refused for good in this sync, moved out of the outbox and kept on
    the device (`Client.set_aside()` lists every one; `Client.retry_set_aside()` retries).
    `withdrawal` is True for this account's withdrawal of its own note or prompt while the
    note is on the server: `reason` then says who can remove it now, and
    `refused_withdrawal` holds the same as fields (an app says it with its own commands).
    `journal_id`, `record_id` and `doc_id` are hex strings, as in `SetAsideChange` (`doc_id`
    None for a refused journal creation)."""

    journal_id: str
    journal: str
    record_id: str
    doc_id: str | None
    code: str
    reason: str
    withdrawal: bool = False
    tried_again: bool = False
    """A change of a kind in TRIED_AGAIN: kept in the outbox's stead and sent again at every
    sync, its counter not withdrawn."""
    refused_before: bool = False
    """With `tried_again`, never for a safety flag: an earlier sync set this result aside
    already, and this one sent it again and the server refused it again: an app told it
    then, and reminds of it now (`tj sync` says one line and exits 0), where a change set
    aside for the first time is told in full (`tj sync` exits 4). A safety flag set aside is
    told in full at every sync (its member is not told of it; an earlier sync's report may
    never have reached the user), so it is always False for one."""
    refused_withdrawal: RefusedWithdrawal | None = None
    """With `withdrawal`: the note, its journal's owner (who alone can remove it now) and why."""

    def line(self, change: SetAsideChange | None = None, *, kept: str = "") -> str:
        """What to tell the user, in words: "Not delivered: june made
        your access to june/Personal read-only: your note "Stale ..." was not delivered; it
        is kept on this device." `change` is this record's `Client.set_aside()` item (by
        `record_id`), which names the document (kind, title or text: `preview`); without it
        "a change". `kept` adds where the app lists it (the CLI: " in `tj set-aside list`
        (`tj set-aside retry` sends it again)"). A withdrawal: "Withdrawal not delivered:
        <reason>." (its `reason` says who can remove the note now; an app that names its
        own commands says `refused_withdrawal.line(retry=, withdraw=)` instead)."""
        if self.withdrawal:
            return f"Withdrawal not delivered: {self.reason}."
        what = "a change"
        if change is not None and change.kind:
            words = change.title or change.text
            kind = SHOWN_KINDS.get(change.kind, change.kind)
            what = f"your {kind}" + (f' "{preview(words)}"' if words else "")
        if self.tried_again:
            if change is None or not change.kind:
                tell = (
                    " If it is a safety flag and you want them to know, contact them "
                    "directly: this app is not monitored in real time."
                )
            elif change.kind == "safety_flag":
                tell = (
                    " If you want them to know, contact them directly: this app is not "
                    "monitored in real time."
                )
            else:
                tell = ""
            return (
                f"Not delivered: {self.reason}: {what} did NOT reach the people you share "
                f"{self.journal} with; it is kept on this device{kept}, and every sync sends "
                "it again until the server takes it (their devices show a change of yours "
                f"missing meanwhile).{tell}"
            )
        return (
            f"Not delivered: {self.reason}: {what} was not delivered; it is kept on this "
            f"device{kept}."
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: ids as hex; nested values as their own `to_dict()`."""
        return {
            "journal": self.journal,
            "journal_id": self.journal_id,
            "record_id": self.record_id,
            "doc_id": self.doc_id or None,
            "code": self.code,
            "reason": self.reason,
            "withdrawal": self.withdrawal,
            "tried_again": self.tried_again,
            "refused_before": self.refused_before,
            "refused_withdrawal": (
                self.refused_withdrawal.to_dict() if self.refused_withdrawal else None
            ),
        }


@dataclass(frozen=True)
class Removal:
    """An entry another device moved to the trash or deleted, as one sync received it: the
    removing record's writer (`author`, `device`) and how many of this device's records in
    the journal it had received when it wrote it (`had`, from its signed seen vector)."""

    author: bytes
    device: bytes
    had: int


@filled_at_once
@dataclass(frozen=True)
class Arrival:
    """A document that records from another device changed during one sync: its kind,
    whether this device did not hold it before, and who wrote the first such record."""

    doc_id: bytes
    journal_id: bytes
    kind: str
    new: bool
    author: bytes
    device: bytes
    withdrawn: bool = False
    """A note or prompt its author withdrew (marked deleted) that this device held before: told as
    withdrawn, never as an updated note the reader cannot find. One created and withdrawn before
    this device held it is no arrival at all."""
    before: str = ""
    """How this device held the document before this sync: "" (as it was, or not at all),
    TRASHED (an entry in the trash) or DELETED (deleted for good): `documents.removal`."""
    after: str = ""
    """How this sync left it: "", TRASHED or DELETED (`change` says what that means)."""
    shown_before: str = ""
    """For a safety plan this device held: what it showed (`shown_values`) before the first
    record of this sync about it; "" otherwise."""
    told: str = ""
    """What `Client.sync` knows better than the records: KEPT, a safety plan whose records
    from another device changed nothing it shows (this device's values stood); ACKNOWLEDGED, a safety flag this account
    acknowledged already (its acknowledgement arrived with it, from another of its devices, verified
    here); "" otherwise (a flag of an earlier share whose acknowledgement this device does not hold
    is new)."""
    written_at: int = 0
    """When the writer's device says it wrote that first record (its signed `written_at`, ms
    since 1970; 0 when not known): which of the sessions that used one device id wrote it."""

    @property
    def change(self) -> str | None:
        """What happened to the document, as the summary tells it: NEW, UPDATED,
        WITHDRAWN, TRASHED, DELETED, RESTORED (out of the trash), or `told`; None for
        nothing to tell: a document deleted for good that this device never held, or held
        deleted already."""
        if self.withdrawn:
            return WITHDRAWN
        if self.told:
            return self.told
        if self.after == DELETED:
            return None if self.new or self.before == DELETED else DELETED
        if self.after == TRASHED:
            return UPDATED if self.before == TRASHED else TRASHED
        if self.before == TRASHED:
            return RESTORED
        return NEW if self.new else UPDATED


NEW, UPDATED, WITHDRAWN = "new", "updated", "withdrawn"
TRASHED, DELETED, RESTORED = "trashed", "deleted", "restored"
ACKNOWLEDGED = "acknowledged"
KEPT = "kept"
"""Of a safety plan another device changed that still shows what this device holds (its
values stood against that device's, by the merge's order)."""
RENAMED, ARCHIVED, UNARCHIVED = "renamed", "archived", "unarchived"
"""Of a journal (`News.journal`)."""
ENDED_SINCE = "ended since"
"""Of new assignments (`News.journal_id` set) that stopped being due after the sync that
brought them, with the share they were made in (`Assignment.share_ended`): never told as
new. An app gives it (`News.ended_since`); no sync does."""
CHANGES = (
    NEW, UPDATED, KEPT, RENAMED, ARCHIVED, UNARCHIVED, RESTORED, ACKNOWLEDGED, TRASHED,
    DELETED, WITHDRAWN,
)  # fmt: skip
"""`News.change`, in the order a summary tells them."""

NOUNS = {
    "entry": ("entry", "entries"),
    "goal": ("goal", "goals"),
    "note": ("note", "notes"),
    "prompt": ("prompt", "prompts"),
    "result": ("questionnaire result", "questionnaire results"),
    "measure": ("questionnaire result", "questionnaire results"),
    "assignment": ("assignment", "assignments"),
    "homework": ("homework", "homework"),
    "brief": ("brief", "briefs"),
    # a safety_plan document holds the plan and the safety-flag opt-in: either may be news
    "safety_plan": ("safety plan or safety-flag choice", "safety plans or safety-flag choices"),
    "safety_flag": ("safety flag", "safety flags"),
    "safety_ack": ("safety-flag acknowledgement", "safety-flag acknowledgements"),
    "crisis_line": ("crisis line", "crisis lines"),
    "private_note": ("private note", "private notes"),
}


@dataclass(frozen=True)
class News:
    """A line of a sync summary in plain words: "2 new entries from phone", "1 entry moved
    to the trash on laptop"."""

    count: int
    kind: str
    new: bool
    source: str
    """A device name of this account, or the username of another account."""
    withdrawn: bool = False
    """Notes or prompts withdrawn ("1 note withdrawn by drsmith"), not new nor updated."""
    own: bool = False
    """Written by this account (on another of its devices): a safety flag so is the client's own,
    raised by their own answers, never an alert for a member to act on."""
    change: str = ""
    """What happened to them (`CHANGES`; `Arrival.change`); "" reads as NEW or UPDATED by
    `new`, or WITHDRAWN."""
    journal: str = ""
    """For kind "journal" (one of this account's journals that another of its devices created (NEW),
    RENAMED, ARCHIVED or UNARCHIVED, as its owner-signed metadata says): its name, as this sync left
    it."""
    renamed_from: str = ""
    """For a RENAMED journal: its name before this sync."""
    journal_id: str = ""
    """For kind "journal": the journal's id (hex), so that the news kept unseen
    (`Client.unseen_news`) go with the journal when it is removed from this device (they would name
    a journal no longer here); "" in news kept by an older version. For kind "assignment": the
    journal they were made in, so that an app can tell those that ended since (`ended_since`)."""

    def ended_since(self) -> News:
        """These news told as assignments that ended since with their share (ENDED_SINCE):
        "1 assignment that ended since with the share it was made in"."""
        return replace(self, change=ENDED_SINCE, new=False)

    @property
    def what(self) -> str:
        """`change`, or what `new` and `withdrawn` say when it is not given."""
        return self.change or (WITHDRAWN if self.withdrawn else NEW if self.new else UPDATED)

    def __str__(self) -> str:
        return self.words()

    def words(self, with_source: bool = True) -> str:
        """The news in words ("2 new entries from hugo"); without `with_source`, without
        where it came from ("2 new entries"), for a line that names the source once for
        several (`grouped_by_source`)."""
        one, many = NOUNS.get(self.kind, (self.kind.replace("_", " "), ""))
        noun = one if self.count == 1 else (many or f"{one}s")
        what, counted = self.what, f"{self.count:,} {noun}"
        if self.kind == "journal":  # one journal, named: "journal Work archived"
            if what == NEW:
                return f"new journal {named_in_text(self.journal)}"
            renamed = f" (from {self.renamed_from})" if what == RENAMED else ""
            return f"journal {self.journal} {what}{renamed}"
        where = (f" on {self.source}" if self.own else f" by {self.source}") if with_source else ""
        if what == WITHDRAWN:
            return f"{counted} withdrawn" + (f" by {self.source}" if with_source else "")
        if what == TRASHED:  # never "updated" for an entry moved to the trash
            return f"{counted} moved to the trash{where}"
        if what == DELETED:
            return f"{counted} deleted{' for good' if self.kind == 'entry' else ''}{where}"
        if what == RESTORED:
            return f"{counted} restored from the trash{where}"
        if what == KEPT:  # nothing changed here: never "updated"
            source = f" from {self.source}" if with_source else ""
            return f"{counted}{source} changed nothing here (this device's values stood)"
        if what == ENDED_SINCE:  # never "new" for what is no longer due
            source = f" from {self.source}" if with_source else ""
            made = "it was" if self.count == 1 else "they were"
            return f"{counted}{source} that ended since with the share {made} made in"
        if what == ACKNOWLEDGED:  # not new to this account
            source = f" from {self.source}" if with_source else ""
            return f"{counted}{source} you had acknowledged already"
        source = f" from {self.source}" if with_source else ""
        return f"{self.count:,} {'new' if what == NEW else 'updated'} {noun}{source}"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict; for kind "journal" also "journal", "journal_id" (hex) and
        "renamed_from"; absent values (no source known, not renamed) are null. What happened
        is "what" (`what`: "new", "updated", "trashed", ...; never "change", which is a
        score's difference, an object, in every JSON)."""
        return {
            "count": self.count,
            "kind": self.kind,
            "new": self.what == NEW,
            "withdrawn": self.what == WITHDRAWN,
            "what": self.what,
            "from": self.source or None,  # None: which device is not known (journal news)
            **(
                {
                    "journal": self.journal,
                    "journal_id": self.journal_id or None,  # None: kept by an older version
                    "renamed_from": self.renamed_from or None,
                }
                if self.kind == "journal"
                else {}
            ),
        }


def grouped_by_source(news: Sequence[News]) -> str:
    """`news` said once per source, in order of first appearance: "from hugo: 2 new
    entries, 1 new goal; from gina: 1 new entry; on your phone: 1 updated entry" (a
    client named once per item would read as a paragraph with many clients); journal news,
    which name no source, after them ("new journal Work")."""
    return "; ".join(source_parts(news))


def source_parts(news: Sequence[News]) -> list[str]:
    """`grouped_by_source`'s parts, one per source, then each journal news: "from hugo: 2 new
    entries, 1 new goal", "new journal Work" (one line each when they do not fit one)."""
    groups: dict[tuple[str, bool], list[str]] = {}
    alone = []
    for item in joined_news(news):
        if item.kind == "journal" or not item.source:
            alone.append(item.words())
        else:
            groups.setdefault((item.source, item.own), []).append(item.words(False))
    said = [
        f"{_own_source(source) if own else 'from ' + source}: {', '.join(items)}"
        for (source, own), items in groups.items()
    ]
    return [*said, *alone]


def joined_news(news: Sequence[News]) -> list[News]:
    """`news` with the assignment news of several journals said as one ("2 new assignments
    from drsmith"), in order of first appearance: kept apart by journal (`News.journal_id`)
    only to tell those that ended since (`News.ended_since`). Pure."""
    joined: dict[tuple[object, ...], News] = {}
    for item in news:
        key = (*_news_key(item)[:-1], "") if item.kind == "assignment" else (id(item),)
        before = joined.get(key)
        joined[key] = item if before is None else replace(before, count=before.count + item.count)
    return list(joined.values())


def _own_source(source: str) -> str:
    """Where news of this account came from: "on your phone" for a device's name, but "on
    a device signed out since", "on another device (3f2a9c8d1e0b)" as those words say it."""
    described = source.startswith(("a device ", "another device", "this device"))
    return f"on {source}" if described else f"on your {source}"


def _news_key(news: News) -> tuple[object, ...]:
    return (
        news.kind,
        news.what,
        news.source,
        news.own,
        news.journal,
        news.renamed_from,
        news.journal_id,
    )


def merged_news(kept: Sequence[News], more: Sequence[News]) -> list[News]:
    """`kept` then `more`, the counts of the same news added (the same kind, change, source,
    own flag and journal names: "1 new entry from hugo" twice is "2 new entries from hugo"),
    in order of first appearance: what several syncs brought, said once. Pure."""
    merged: dict[tuple[object, ...], News] = {}
    for news in [*kept, *more]:
        key = _news_key(news)
        before = merged.get(key)
        merged[key] = news if before is None else replace(before, count=before.count + news.count)
    return list(merged.values())


def news_without(kept: Sequence[News], seen: Sequence[News]) -> list[News]:
    """`kept` less `seen` (the same news, `merged_news`'s key, its count taken off; gone at
    0): what is still unseen once `seen` was shown (news another process kept
    meanwhile stay). Pure."""
    taken: dict[tuple[object, ...], int] = {}
    for news in seen:
        taken[_news_key(news)] = taken.get(_news_key(news), 0) + news.count
    left = []
    for news in kept:
        key = _news_key(news)
        off = min(taken.get(key, 0), news.count)
        taken[key] = taken.get(key, 0) - off
        if news.count > off:
            left.append(replace(news, count=news.count - off))
    return left


UNSEEN_NEWS = "unseen_news"
"""Store setting: `encode_news` of the news syncs brought that the user has not seen
(`Client.unseen_news`); those of a journal removed from the device go with it
(`news_without_journal`)."""


def shown_values(fields: Mapping[str, Any], plan: str) -> str:
    """What a safety plan shows, as one comparable text: its fields but when it was last
    changed (`updated_at`), and its plan text (`Arrival.shown_before`). Pure."""
    shown = {name: value for name, value in fields.items() if name != "updated_at"}
    return json.dumps([shown, plan], sort_keys=True, default=repr)


def encode_news(news: Sequence[News]) -> str:
    """`news` as JSON text (a store setting: `decode_news` reads it back)."""
    return json.dumps([dataclasses.asdict(n) for n in news], separators=(",", ":"))


def decode_news(text: object) -> list[News]:
    """`encode_news`'s text read back; [] for anything else (a setting never written, or
    written by another version in another form: news are a courtesy, never an error)."""
    if not isinstance(text, str):
        return []
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):  # a hand edit nested deep
        return []
    if not isinstance(items, list):
        return []
    return [News(**item) for item in items if _news_fields(item)]


_NEWS_TYPES = {f.name: f.type for f in fields(News)}
_NEWS_BEFORE_IDS = set(_NEWS_TYPES) - {"journal_id"}  # kept before news named it by id


def _news_fields(item: object) -> bool:
    """Whether `item` holds exactly News's fields (or those kept before `journal_id`), each
    of its type, the count a whole number above 0 (a count stored as text
    raised at every later sync), a journal id "" or 32 lowercase hex digits."""
    if not isinstance(item, dict) or set(item) not in (set(_NEWS_TYPES), _NEWS_BEFORE_IDS):
        return False
    for name, value in item.items():
        wanted = _NEWS_TYPES[name]
        if wanted in ("int", int):
            if type(value) is not int or value < 1:
                return False
        elif wanted in ("bool", bool):
            if type(value) is not bool:
                return False
        elif type(value) is not str:
            return False
    journal_id = item.get("journal_id", "")
    return journal_id == "" or (
        len(journal_id) == 32 and all(c in "0123456789abcdef" for c in journal_id)
    )


def news_without_journal(
    text: object, journal_id: str, name: str | None
) -> tuple[bool, str | None]:
    """The kept news `text` (`UNSEEN_NEWS`) without those of the journal `journal_id` (hex),
    removed from this device: nothing left names it. A journal's news kept
    by an older version has no id: it goes when it names `name` (the journal's name as this
    device held it; None: not known). Whether any was taken off, and the setting's new
    value (None: none left). Pure."""
    kept = decode_news(text)
    left = [
        n
        for n in kept
        if n.journal_id != journal_id
        and not (
            n.kind == "journal"
            and not n.journal_id
            and name is not None
            and name in (n.journal, n.renamed_from)
        )
    ]
    return len(left) != len(kept), encode_news(left) if left else None


def summarize(
    arrivals: list[Arrival],
    source_of: Callable[[bytes, bytes, int], str],
    me: bytes = b"",
    timed: Container[bytes] = (),
) -> list[News]:
    """Arrivals grouped by (source, change, kind), in that order of first appearance, the
    changes in `CHANGES` order (new before updated; trashed, deleted and withdrawn last);
    an arrival with nothing to tell (`Arrival.change` None) is left out. `source_of(author,
    device, written_at)` names where a change came from (`written_at`: `Arrival.written_at`,
    for a device id that more than one session used); `me`, this account's id, marks what
    its own devices wrote (`News.own`); `timed`, the device ids whose name depends on the
    write time (ended here at a known time): for the others `source_of` is asked once per
    writer, with `written_at` 0."""
    # One group table per change, in `CHANGES` order, each in order of first appearance:
    # the order a stable sort of the arrivals by change gives, without a (arrival, change)
    # pair made for each arrival and sorted (a first pull tells 10,000 of them, issue 10).
    by_change: dict[str, dict[tuple[str, str, bool, str], int]] = {change: {} for change in CHANGES}
    # `source_of` once per writer (author, device), not once per arrival: a first pull
    # brings thousands of documents from a handful of devices (issue 10); the time only for
    # a device id in `timed` (one a logout here ended at a known time).
    sources: dict[tuple[bytes, bytes, int], str] = {}
    for arrival in arrivals:
        change = arrival.change
        if change is None:
            continue
        at = arrival.written_at if arrival.device in timed else 0
        writer = (arrival.author, arrival.device, at)
        source = sources.get(writer)
        if source is None:
            source = sources[writer] = source_of(*writer)
        own = bool(me) and arrival.author == me
        groups = by_change[change]
        # an assignment's journal kept: one that ended since is told so
        journal = arrival.journal_id.hex() if arrival.kind == "assignment" else ""
        key = (source, arrival.kind, own, journal)
        groups[key] = groups.get(key, 0) + 1
    return [
        News(
            count,
            kind,
            change == NEW,
            source,
            change == WITHDRAWN,
            own,
            change,
            journal_id=journal,
        )  # fmt: skip
        for change, groups in by_change.items()
        for (source, kind, own, journal), count in groups.items()
    ]


@dataclass(frozen=True)
class NewerFormat:
    """Records of one journal that another device (of this account or a member's) wrote in a
    body version newer than this app reads (protocol.md 4.15, "Newer body versions"): they
    verified (journal key, author's signature), are kept on this device, count as received
    (no false "withheld" alarm), and are read once the app is updated. Reported once: in
    the report of the sync that received them."""

    journal_id: bytes
    journal: str
    count: int
    version: int
    """The newest body version among them."""
    reads: int
    """The newest body version this app reads."""

    def __str__(self) -> str:
        what = "1 change" if self.count == 1 else f"{self.count} changes"
        return (
            f"journal {quoted_name(self.journal)}: {what} written by a newer version of the app on "
            f"another device (record format {self.version}; this app reads format "
            f"{self.reads} and older) will show once this app is updated. They are kept on "
            "this device: update the app to read them"
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: ids as hex."""
        return {
            "journal": self.journal,
            "journal_id": self.journal_id.hex(),
            "count": self.count,
            "version": self.version,
            "reads": self.reads,
        }


@dataclass(frozen=True)
class RefusedShare:
    """A journal shared with this account whose owner's identity this device refused
    (`SyncReport.refused_shares`): `owner` as the server names them, `journal_id`, and
    `why` (a KeyChangedError whose `username` is whom to verify, or an IntegrityError). Nothing
    of it is opened until then. `str()` is `line()`."""

    owner: str
    journal_id: bytes
    why: TJError = field(compare=False)

    def line(self, *, verify: str = "") -> str:
        """ "kim shares a journal with you that this device does not open: the server now
        gives ... compare fingerprints in person, then accept the new keys. Until then nothing
        of it is shown here, and nothing of yours is sent to it." `verify`: the app's words
        after "accept the new keys" (the CLI: " (`tj verify kim FINGERPRINT`)")."""
        why = self.why.said(verify) if isinstance(self.why, KeyChangedError) else str(self.why)
        return (
            f"{self.owner} shares a journal with you that this device does not open: {why}. "
            "Until then nothing of it is shown here, and nothing of yours is sent to it."
        )

    def __str__(self) -> str:
        return self.line()

    @property
    def username(self) -> str | None:
        """Whom to verify to open it (`KeyChangedError.username`); None when verifying does
        not help (a bad identity signature)."""
        return self.why.username if isinstance(self.why, KeyChangedError) else None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: ids as hex."""
        return {
            "owner": self.owner,
            "journal_id": self.journal_id.hex(),
            "verify": self.username,
            "line": self.line(),
        }


MAX_PROBLEM_LINES = 50
"""Lines of `SyncReport.problems` at most; further kinds are counted on one last line."""
IDS_SHOWN = 5
"""Record ids a coalesced problem line names (the rest are counted; `Client.problems()`)."""


@dataclass
class ProblemGroup:
    """Problems of one kind in one journal during one sync, kept as one line."""

    line: int
    """Its index in `SyncReport.problems`."""
    label: str
    kind: str
    first: str
    record_ids: list[bytes] = field(default_factory=list)
    count: int = 0

    def text(self) -> str:
        if self.count == 1:
            return self.first
        if not self.record_ids:
            return f"{self.first} ({self.count} times in this sync)"
        shown = ", ".join(f"record {r.hex()}" for r in self.record_ids[:IDS_SHOWN])
        more = self.count - min(len(self.record_ids), IDS_SHOWN)
        return (
            f"journal {quoted_name(self.label)}: {self.count} records failed verification the same way "
            f"({self.kind}): {shown}" + (f" and {more} more" if more else "")
        )


def problem_kind(message: str, record_id: bytes | None) -> str:
    """A problem's message without its record id: what records refused alike share."""
    if record_id is None:
        return message
    named = f"record {record_id.hex()}"
    if message.startswith(named + ": "):
        return message[len(named) + 2 :]
    return message.replace(named, "the record").replace(record_id.hex(), "it")


def own_device(source: str) -> str:
    """One of this account's devices, named by a news source, after "on": "your phone" for a
    device's name, but "a device signed out since" and "another device (3f2a9c8d1e0b)" as
    they are (not "your a device ...")."""
    if source.startswith(("a device ", "another device", "this device")):
        return source
    return f"your {source}"


@dataclass
class SyncReport:
    """What one `Client.sync()` did; `problems` says, in words, what failed verification
    (records refused, replies refused), one line per kind of problem and journal with a
    count (`add_problem`), at most MAX_PROBLEM_LINES lines; `refused` counts the records;
    `withheld` lists, per journal and author device, the counters of records that exist
    (signed records say so) but the server did not deliver (protocol.md "Withholding")."""

    pushed: int = 0
    pulled: int = 0
    merged: int = 0
    compacted: int = 0
    problems: list[str] = field(default_factory=list)
    refused: int = 0
    """Records that failed verification during this sync (each is in `Client.problems()`
    while the journal keeps fewer than `store.MAX_PROBLEMS_KEPT`)."""
    incomplete: list[str] = field(default_factory=list)
    """Journals whose pull stopped because the server made no progress (see StallGuard)."""
    set_aside: list[SetAside] = field(default_factory=list)
    """Records the server refused for good during this sync (each reported once)."""
    withheld: list[Gap] = field(default_factory=list)
    erased: list[Gap] = field(default_factory=list)
    """Records missing because their author's account was erased, by the server's word
    (reported once, then accepted: protocol.md 4.18)."""
    erased_journals: dict[bytes, str] = field(default_factory=dict, repr=False, compare=False)
    """For `erased`: journal id -> the journal's name as an app shows it ("Personal", or
    "ana/Personal" for another account's)."""
    erased_authors: dict[bytes, str] = field(default_factory=dict, repr=False, compare=False)
    """For `erased`: author account id -> its username where the verified access chain of
    the journal of its gap names it (an owner's device; a member's device does not learn
    other members, protocol.md 4.13). Apart from `erased_journals`: journal and account ids
    are both 16 bytes each creator chooses, so one may equal the other (a hostile owner can
    pick a journal id equal to an account id it knows), and one map of both would tell an
    account by a journal's name or the reverse. An id it lacks is told by its id
    (`erased_text`)."""
    rollbacks: list[str] = field(default_factory=list)
    """Journals whose access chain or key epoch the server rolled back or forked: nothing is
    sealed for them until the server serves the verified state again (see RollbackError)."""
    refused_shares: list[RefusedShare] = field(default_factory=list)
    """One per journal shared with this account whose owner's identity this device refused (the
    server now names another account, or other keys, for a username pinned here: an erased account's
    name taken again, or a server's substitute), naming the owner and whom to verify once compared
    in person (`RefusedShare.username`; `line(verify=...)` adds the app's words): nothing of it is
    opened until then. Said with the owner's name, never only a journal's hex id."""
    update_needed: list[str] = field(default_factory=list)
    """Journals whose access chain holds an entry its owner signed with a newer version of
    the app than this one (protocol.md 4.19, "Chain versions"): no tampering, but nothing
    new is shown or sent for them until this app is updated (errors.ChainUpdateNeeded)."""
    arrivals: dict[bytes, Arrival] = field(default_factory=dict, repr=False, compare=False)
    """doc id -> the document another device changed, as this sync received it."""
    # the journal news come from Replica.refresh_journals
    news: list[News] = field(default_factory=list, compare=False)
    """The arrivals in plain words ("2 new entries from phone"), set by `Client.sync`; first this
    account's journals another of its devices created, renamed, archived or unarchived ("journal
    Work stuff renamed (from Work)": `News.journal`), as this sync's journal list showed them (never
    a change of this device)."""
    upload_limit: UploadLimit | None = None
    """Set when the server's write-rate limit stopped the push (HTTP 429
    `write_rate_exceeded`) after the waits this sync allowed: how many changes are still
    waiting on this device and from when the server takes more. The next sync goes on."""
    touched: set[bytes] = field(default_factory=set, repr=False)
    """Documents this sync pushed or merged: the only ones worth checking for compaction."""
    held_stale: set[bytes] = field(default_factory=set, repr=False, compare=False)
    """Journals whose changes this sync kept on the device as the server refused them as
    sealed under an old key (`stale_epoch`) while no newer key of theirs was verified here
    (replica.STALE_HELD): a safety flag among them is named in `undelivered_flags` (cause
    "refused", rev30c F7)."""
    notice_only: bool = field(default=False, compare=False)
    """Set when this sync applied the records a live notice carried and asked the server
    nothing (`Client.watch()`): it brought that journal up to date and asked nothing of the
    others, so `Client.last_synced()` does not count it."""
    trigger: Notice | None = field(default=None, compare=False)
    """Set by `Client.watch()`: the live-channel notice that started this sync (`connected`
    for the catch-up after each (re)connection, else the journal notice); None otherwise."""
    settled: list[Settled] = field(default_factory=list)
    """Fields this device changed offline that another device changed meanwhile, now
    holding the other device's value everywhere (settling.py), set by `Client.sync`: an
    entry's title, mood, tags, emotions or date, a goal's title, target or measure, a
    check-in's progress or note, a safety plan's emergency number, crisis line or
    safety-flag opt-in, homework's values or completion (`Settled.kind`, `Settled.field`).
    Each names the value kept and this device's (`Settled.line()` quotes it), which the
    document's history keeps (`client.entries.history`, `client.goals.history`,
    `client.safety.history`, `client.homework.history`). Texts (an
    entry's body, a goal's why, a safety plan's text) merge instead: `merged_texts`."""
    merged_texts: list[MergedText] = field(default_factory=list)
    """Entries whose body this device changed offline that another device changed too: every device
    holds the two changes merged into one text, to be read again (settling.py), set by
    `Client.sync`."""
    default_journal: str = field(default="", compare=False)
    """The id (hex) of this device's default journal when the sync told something settled
    or merged (`client.journals.default`; "" when none, or nothing was told), set by
    `Client.sync`: a command about one of `settled` or `merged_texts` names no journal only
    for a document of that journal (`Settled.journal_id`, `MergedText.journal_id`)."""
    journals_owned: int = field(default=0, compare=False)
    """How many journals of this account's own (not a copy kept for a member) this device
    held when the sync told a safety flag (`undelivered_flags`, `unflagged`; 0 when none was
    told), set by `Client.sync`: with more than one, the words about a flag name the journal
    whose safety plan to read (`tj safety plan --journal J`), as each journal's plan may
    differ (fix31c 5)."""
    removals: dict[bytes, Removal] = field(default_factory=dict, repr=False, compare=False)
    """doc id -> the first record of this sync that moved an entry this device held to the
    trash or deleted it (`Replica` fills it; `overtaken` is what is told of it)."""
    seen_mine: dict[bytes, int] = field(default_factory=dict, repr=False, compare=False)
    """doc id -> the highest of this device's counters that the signed seen vector of a record of
    another device about that entry, received in this sync, holds: an edit made here up to it was
    received there (its mark is then dropped: settling.py)."""
    overtaken: list[OvertakenEdit] = field(default_factory=list)
    """Entries this device edited that another device, not having received the edit, moved to the
    trash meanwhile (the edit is in the trashed entry: restoring it shows it) or deleted for good
    (the edit went with it): settling.py. Each is told once, by the first sync that brings the
    removal. Set by `Client.sync`."""
    departures: list[Departure] = field(default_factory=list)
    """Shares that ended, each reported once, by the first sync after the device learnt it
    (departures.py). To the owner (`Departure.owner` ""): members this account's device dropped from
    its journals because the server no longer serves them (they left the share, or their account was
    deleted: the server's word, not signed by the member; or the server did not say why: reason
    "unknown"), or whose signed end date passed ("end date", told also by the owner's other devices
    once they verify the signed `ended` entry), or whose share was ended from one of this account's
    devices ("unshared": found in the signed `removed` entry by the owner's other devices), and not
    while the verified chain lists the member again (or, for "unshared", shows them reading it
    still). To a member (`owner` set): its share ended by its signed end date, was removed or
    narrowed to read-only by the owner-signed chain, or the server stopped serving it ("no longer
    served", the server's word); and, in the same list, a journal whose share had ended shared with
    it again by a new owner-signed grant ("shared again", `Departure.discarded` whether its copy had
    been forgotten first), or shared with it for the first time ("shared", departures.SHARED). Not a
    pre-session brief's end. An app shows them whenever it syncs: a later sync does not repeat them.
    `str()` of one is a line for the user. Set by `Client.sync`."""
    held_back: list[HeldBack] = field(default_factory=list)
    """Journals shared by an owner this account has not verified whose download stopped at
    the bound of what this device downloads for them (`replica.UNVERIFIED_SHARE_BYTES`), one
    each, naming the journal and the owner (`HeldBack.owner`: verify them to go on);
    `HeldBack.line()` says it in no app's commands (`verify=` adds the app's own words), and
    `hold_back.grouped_line(held_back)` all of them in one sentence (what `lines()` says). The
    member's choice, not a server's failure: `raise_for_withheld` ignores it, and the
    withholding check defers those journals until their owner is verified."""
    same_names: list[SameName] = field(default_factory=list)
    """One per name that two or more of this account's journals share (each made on a device that
    did not know of the other, offline), told by every sync while it holds: `SameName.name` and
    `journal_ids` (to offer renaming one), `line()` its sentence, which names no app's commands
    (`pick=`, `rename=` add the app's own words). While it holds the name names neither
    (`SameJournalName`). Set by `Client.sync`."""
    plan_not_loaded: bool = False
    """True when, after this sync, the journal whose safety plan the safety message for each
    of this account's journals with none of its own shows is not on this device: the
    default journal (by the id this device chose, else the one the account key derives,
    never a server's word) is not listed by the server (deleted on another device, or
    withheld) and no read-only copy of it is kept here, or no default journal was chosen
    here (`client.safety.plan_source()` None). The safety message then shows the built-in numbers
    and no plan (`safety.plan_not_loaded_line`, which says it in words); told by every sync
    while it holds. Set by `Client.sync`."""
    # sealed by safety_path.SafetyPath._seal_missed
    late_flags: list[LateFlag] = field(default_factory=list)
    """Safety flags this sync sealed (and pushed, when the server took them) for safety items
    answered above 0 on this device before it knew the opt-in or the share that owes them;
    `LateFlag.line()` says it to the client. Set by `Client.sync`."""
    unflagged: list[UnflaggedAnswer] = field(default_factory=list)
    """Safety items answered above 0 on this device, before it knew of an opt-in made on
    another device, that get no flag for the members it opts in: answered less than 15
    minutes after it (safety.CLOCK_SKEW_MS); told once, by the sync that brings the opt-in
    (`UnflaggedAnswer.line()`). Set by `Client.sync`."""
    undelivered_flags: list[UndeliveredFlag] = field(default_factory=list)
    """Safety flags this device sealed and sent that may never reach some of the members they
    were sealed for: sealed here before this device knew that their share had ended (signed
    on another of the owner's devices, or by its end date), and sent after that end or about
    then (`UndeliveredFlag.surely`; `UndeliveredFlag.line()` says it to the client;
    `SafetyFlag.not_delivered` keeps it). Decided from the verified access chain and the
    acknowledgements held here only (an acknowledged flag was delivered), never for a flag
    another device sent. Told once per member, by the first sync that completes after the
    flag left (this one, or the next when a sync was cut off after its push), or by a later
    one, up to safety.JUDGED_FOR_MS after that first judgement, that brings such an end (the
    same rule: signed at most safety.CLOCK_SKEW_MS after the flag left) which a server
    withheld until then, or a later end of a member who never acknowledged the flag (reason
    safety.UNSEEN_BEFORE_END: whenever it comes while the flag is kept, past JUDGED_FOR_MS too while
    that member still holds a share, rev32b F1, F3). Also (cause "withheld") a flag this device sent that the server
    acknowledged storing and has not served back (this sync's withholding check finds its
    record missing): told once, and sent again, as it was pushed, at every later sync until
    a pull serves it back; found so by a sync inside another call, told by the next sync,
    also once served back meanwhile (`UndeliveredFlag.reason`, rev30c F4). Also (cause
    "refused") a flag still on this device that this sync kept as the server refused its
    journal's changes as sealed under an old key (`held_stale`), at every such sync (rev30c
    F7). Set by `Client.sync`."""
    flags_sent: list[UndeliveredFlag] = field(default_factory=list)
    """Safety flags this device sealed that left it in this sync: waiting here before it
    (`Safety.unsent()`, as it gave them then: cause NOT_SENT), the server acknowledged
    storing them since, so their members can get them at their next sync (the server's
    word: never said as seen; only a member's acknowledgement says that). Also those that
    left in an earlier sync that then failed or was cut off (after its push, at any later
    request: a command's quick-sync limit, Ctrl-C; signed out): that sync's report never
    reached the app, so this one carries them, once. Not one told in
    `undelivered_flags`. An app that told the client such a flag had NOT left says here
    that it now has. Set by `Client.sync`."""
    newer: list[NewerFormat] = field(default_factory=list)
    """Journals where this sync received records written by a newer version of the app, kept
    on this device until an update reads them (one entry per journal, each record reported
    once). Not tampering, and nothing is missing: `raise_for_withheld` ignores it."""
    finished_shares: list[str] = field(default_factory=list)
    """One line per share this device signed earlier whose boundary (the journal's fresh snapshots
    and cut for the new member) it had not sealed, sealed by this sync (until then the new member,
    on the signed chain, could read nothing of the journal); one that still cannot be is in
    `problems`."""
    new_devices: list[NewDevice] = field(default_factory=list)
    """Sign-ins to this account by other devices since this device last looked (from the
    server's sign-in log: also those signed out since), each told once (`NewDevice.line()`,
    naming the device's id; `Devices.sign_ins`, looked at most once every
    `Devices.sign_ins_interval_ms`): the server's word, for a stolen password or recovery
    key, never a belief about journals. Set by `Client.sync`."""
    credential_changes: list[CredentialChange] = field(default_factory=list)
    """The password or recovery key changed by another device since this one last looked,
    each told once (`CredentialChange.line()`), as the server says. Set by `Client.sync`."""
    replaced_elsewhere: dict[str, datetime] = field(default_factory=dict)
    """When this sync tells a sign-in or change: every credential ("password", "recovery
    key") this device was told (by this sync or an earlier one) was changed on another device
    since its own sign-in, with when (UTC): `Devices.replaced_elsewhere()`, so an app's
    advice follows what the device already knows (no `tj password change` once the password
    was replaced elsewhere). Empty otherwise. The server's word. Set by `Client.sync`."""

    def new_safety_flags(self) -> list[News]:
        """The news of safety flags for this account to act on: a flag a client sealed for it
        that is new to it (one of an earlier share whose acknowledgement this device does not
        hold included); never one this account acknowledged already (verified here),
        nor the client's own flags arriving from their other devices."""
        return [n for n in self.news if n.kind == "safety_flag" and n.what == NEW and not n.own]

    def summary_items(self) -> list[str]:
        """What this sync sent and received, one item each: "sent 2 changes", then one per
        kind of change and where it came from (`News`, new safety flags first: "1 new safety
        flag from carl", "1 updated goal from laptop"), then how many shares changed ("1
        share change (below)": each is told by its `Departure` line) and how many of
        this account's own journals the server stopped listing ("1 journal deleted on another
        device or withheld (below)": a `Departure` whose `reason` is "no longer on the server", not
        a share change; a deletion is not signed, so the server may be withholding it instead)."""
        return [*self._sent(), *(str(n) for n in self._news_in_order()), *self._counted()]

    def summary_lines(self) -> list[str]:
        """`summary_items` on lines, each source named once, for a summary too long for one
        line (3,517 characters with 30 clients, one client in three places): what
        was sent and the news of no source ("new journal Work") first, then one line per
        account with a new safety flag for this one, first in its line (as in
        `summary_items`), then one per device of this account ("on your phone: 1
        updated entry"), then one per other account ("ana.b: 304 new entries, 52 new
        questionnaire results, 2 new goals"), each by name; then the share changes and
        journals told below ("16 share changes (below)"); [] when `summary_items` is."""
        alone = self._sent()
        flagged = {n.source for n in self.new_safety_flags()}
        groups: dict[tuple[bool, str], list[str]] = {}
        for item in self._news_in_order():
            if item.kind == "journal" or not item.source:
                alone.append(item.words())
            else:
                groups.setdefault((not item.own, item.source), []).append(item.words(False))
        lines = [", ".join(alone)] if alone else []

        def order(group: tuple[bool, str]) -> tuple[object, ...]:
            others, source = group
            return (not (others and source in flagged), others, source.casefold(), source)

        for others, source in sorted(groups, key=order):
            named = f"{source}:" if others else f"on {own_device(source)}:"
            lines.append(f"{named} {', '.join(groups[others, source])}")
        counted = self._counted()
        return lines + ([", ".join(counted)] if counted else [])

    def _sent(self) -> list[str]:
        return (
            [f"sent {self.pushed:,} change{'' if self.pushed == 1 else 's'}"] if self.pushed else []
        )

    def _news_in_order(self) -> list[News]:
        """`news`, this account's new safety flags first (`new_safety_flags`), the assignment
        news of several journals joined (`joined_news`): worked out once for the news as they
        are (`summary_items` and `summary_lines` both read it), again once they change."""
        news = tuple(self.news)
        if self._ordered is None or self._ordered[0] != news:
            flags = self.new_safety_flags()
            ordered = [*flags, *(n for n in joined_news(news) if n not in flags)]
            # `news` as last read, and its order
            self._ordered: tuple[tuple[News, ...], list[News]] | None = (news, ordered)
        return list(self._ordered[1])

    def _counted(self) -> list[str]:
        """The share changes, journals gone, shares not opened, sign-ins and password or
        recovery key changes, told below the summary."""
        items = []
        gone = sum(1 for d in self.departures if d.reason == GONE)
        if gone:
            items.append(
                "1 journal deleted on another device or withheld (below)"
                if gone == 1
                else f"{gone} journals deleted on other devices or withheld (below)"
            )
        if count := len(self.departures) - gone:
            items.append(f"{count} share change{'' if count == 1 else 's'} (below)")
        if refused := len(self.refused_shares):
            items.append(
                f"{refused} journal{'' if refused == 1 else 's'} shared with you not opened (below)"
            )
        # each told by its own notice; "nothing new" beside them read as "nothing happened"
        # (nu86 F3)
        if signed := len(self.new_devices):
            items.append(f"{signed} sign-in{'' if signed == 1 else 's'} on this account (below)")
        if changed := len(self.credential_changes):
            items.append(
                f"{changed} password or recovery key change{'' if changed == 1 else 's'} (below)"
            )
        return items

    def summary(self) -> str:
        """`summary_items` joined: "sent 1 change, 2 new entries from phone"; "nothing new";
        "nothing sent yet: 1,500 changes wait for the upload limit" when the server's limit
        held back every change (not "nothing new": there is something to do)."""
        said = ", ".join(self.summary_items())
        limit = self.upload_limit
        if not said and limit is not None and limit.waiting:
            waits = "change waits" if limit.waiting == 1 else "changes wait"
            return f"nothing sent yet: {limit.waiting:,} {waits} for the upload limit"
        return said or "nothing new"

    def lines(
        self, clock: Clock = utc_clock, set_aside: list[SetAsideChange] | None = None
    ) -> list[str]:
        """Everything this sync has to tell the user, in words, in the order `tj sync` tells
        it: a line for new safety flags ("Safety: 1 new safety flag from carl."),
        the summary, each late safety flag (`LateFlag.line`), that the default journal's safety plan cannot
        be shown (`plan_not_loaded`: `safety.plan_not_loaded_line`), settled field (`Settled.line`),
        merged text (`MergedText.line`) and overtaken edit (`OvertakenEdit.line`), then
        warnings (records refused, pulls stopped early, changes set aside
        (`SetAside.line`, naming the document when `set_aside`, `Client.set_aside()`, is
        given), records withheld, journals rolled back or needing an update) and notices
        (records of erased accounts, downloads held back, shares that changed
        (`Departure.describe`), journals sharing a name, records of a newer app, shares
        completed (`finished_shares`), the upload limit). Times by `clock` (default UTC). Its
        notices name no app's commands or flags (a problem line quotes an SDK
        error's words): `tj sync` prints them with its own added, through each item's `line()` keywords (`Settled.line(keeps=)`,
        `SameName.line(pick=, rename=)`, `HeldBack.line(verify=)`, ...)."""
        flags = self.new_safety_flags()
        lines = [f"Safety: {', '.join(str(n) for n in flags)}."] if flags else []
        summary = self.summary()
        lines.append(summary[0].upper() + summary[1:] + ".")
        lines += [f"Safety: {flag.line()}" for flag in self.late_flags]
        unflagged = (u.line() for u in self.unflagged)  # each built once
        lines += [f"Safety: {said[:1].upper()}{said[1:]}" for said in unflagged]
        undelivered = (u.line() for u in self.undelivered_flags)
        lines += [f"Safety: {said[:1].upper()}{said[1:]}" for said in undelivered]
        if self.plan_not_loaded:  # the safety message's own words, at every sync
            lines.append(f"Safety: {plan_not_loaded_line()}")
        lines += [s.line(clock) for s in self.settled]
        lines += [m.line(clock) for m in self.merged_texts]
        lines += [o.line(clock) for o in self.overtaken]
        lines += [f"Warning: ignored: {problem}" for problem in self.problems]
        lines += [f"Warning: incomplete sync: {j}" for j in self.incomplete]
        kept = {c.record_id: c for c in set_aside or []}
        lines += [r.line(kept.get(r.record_id)) for r in self.set_aside]
        lines += [
            f"Warning: the server is withholding records: {describe_gap(g)}" for g in self.withheld
        ]
        lines += [
            "Notice: "
            + erased_text(journal_id, author, count, self.erased_journals, self.erased_authors)
            for journal_id, author, count in erased_by_account(self.erased)
        ]
        lines += [
            f"Warning: nothing is sent for this journal until it is fixed: {r}"
            for r in self.rollbacks
        ]
        lines += [f"Warning: {refused.line()}" for refused in self.refused_shares]
        lines += [f"Warning: update the app: {chain}" for chain in self.update_needed]
        if self.held_back:  # one line for all of them
            lines.append(f"Notice: {grouped_line(self.held_back)}")

        def ms_clock(ms: int) -> str:
            return clock(datetime.fromtimestamp(ms / 1000, UTC))

        lines += [f"Notice: {d.describe(ms_clock)}." for d in self.departures]
        lines += [f"Notice: {same.line()}" for same in self.same_names]
        lines += [f"Notice: {newer}" for newer in self.newer]
        lines += [
            f"Notice: {finished[0].upper()}{finished[1:]}." for finished in self.finished_shares
        ]
        lines += [f"Notice: {device.line(clock)}" for device in self.new_devices]
        lines += [f"Notice: {change.line(clock)}" for change in self.credential_changes]
        if self.upload_limit is not None:
            text = describe_upload_limit(self.upload_limit, clock(self.upload_limit.retry_at))
            lines.append(f"Notice: {text[0].upper()}{text[1:]}.")
        return lines

    def add_newer(self, journal_id: bytes, label: str, versions: list[int], reads: int) -> None:
        """Count records of `journal_id` (shown as `label`) kept for a newer body version."""
        for i, known in enumerate(self.newer):
            if known.journal_id == journal_id:
                self.newer[i] = NewerFormat(
                    journal_id,
                    label,
                    known.count + len(versions),
                    max(known.version, *versions),
                    reads,
                )
                return
        self.newer.append(NewerFormat(journal_id, label, len(versions), max(versions), reads))

    def footprint(self) -> tuple[Any, ...]:
        """A value that differs once anything is added to this report or changed in it (a
        problem line counted again included): compare two to know whether a sync reported
        anything."""
        values = (getattr(self, f.name) for f in fields(self))
        return (
            *(
                len(v) if isinstance(v, dict | set) else tuple(v) if isinstance(v, list) else v
                for v in values
            ),
            self._overflow,
            self._overflow_line,
        )

    def __post_init__(self) -> None:
        # how `add_problem` coalesces: internal, not part of the report's fields
        self._groups: dict[tuple[bytes, str], ProblemGroup] = {}
        self._overflow = 0
        self._overflow_line = 0
        self._ordered = None  # `_news_in_order`'s: a cache, not a field

    def has_notices(self) -> bool:
        """Whether this sync has something to tell the user beyond the documents it sent and
        merged (which a change feed gives one by one) and the journals sharing a name (told by
        every sync while they do): a journal another device made, renamed or archived, a late
        safety flag, an answer that got no safety flag (`unflagged`), a flag sent after its
        members' share ended (`undelivered_flags`), a flag held here that has now left
        (`flags_sent`), a settled field, a
        merged text, an overtaken edit, a share change, a problem, a change set aside,
        records withheld or erased, a rollback, a refused share, an update needed, a
        download held back, records of a newer app, a share completed, a new sign-in or
        credential change, or the upload limit. A live change feed delivers such a report
        as a change of kind "report" (`Change.report`)."""
        return bool(
            any(n.kind == "journal" for n in self.news)
            or self.late_flags
            or self.unflagged
            or self.undelivered_flags
            or self.flags_sent
            or self.settled
            or self.merged_texts
            or self.overtaken
            or self.departures
            or self.problems
            or self.incomplete
            or self.set_aside
            or self.withheld
            or self.erased
            or self.rollbacks
            or self.refused_shares
            or self.update_needed
            or self.held_back
            or self.newer
            or self.finished_shares
            or self.new_devices
            or self.credential_changes
            or self.upload_limit is not None
        )

    def add_problem(
        self, journal_id: bytes, label: str, message: str, record_id: bytes | None = None
    ) -> None:
        """Report a problem of journal `journal_id` (shown as `label`): a record that failed
        verification (`record_id` given: counted in `refused`, its message names it) or a
        reply refused. Problems of the same kind (the message without its record id) in the
        same journal share one line, with a count and the first IDS_SHOWN record ids; past
        MAX_PROBLEM_LINES lines, one last line counts the rest."""
        if record_id is not None:
            self.refused += 1
        kind = problem_kind(message, record_id)
        group = self._groups.get((journal_id, kind))
        if group is None:
            if len(self._groups) >= MAX_PROBLEM_LINES:
                if not self._overflow:
                    self._overflow_line = len(self.problems)
                    self.problems.append("")
                self._overflow += 1
                self.problems[self._overflow_line] = (
                    f"{self._overflow} more problem(s) of other kinds: see Client.problems()"
                )
                return
            first = message if record_id is None else f"journal {quoted_name(label)}: {message}"
            group = ProblemGroup(len(self.problems), label, kind, first)
            self._groups[(journal_id, kind)] = group
            self.problems.append("")
        group.count += 1
        if record_id is not None and len(group.record_ids) < IDS_SHOWN:
            group.record_ids.append(record_id)
        self.problems[group.line] = group.text()

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: ids as hex; nested values as their own `to_dict()`."""
        return {
            "pushed": self.pushed,
            "pulled": self.pulled,
            "merged": self.merged,
            "compacted": self.compacted,
            "problems": list(self.problems),
            "refused": self.refused,
            "incomplete": list(self.incomplete),
            "set_aside": [record.to_dict() for record in self.set_aside],
            "withheld": [gap_dict(gap) for gap in self.withheld],
            "erased": [gap_dict(gap) for gap in self.erased],
            "rollbacks": list(self.rollbacks),
            "refused_shares": [refused.to_dict() for refused in self.refused_shares],
            "update_needed": list(self.update_needed),
            "news": [n.to_dict() for n in self.news],
            "upload_limit": self.upload_limit.to_dict() if self.upload_limit else None,
            "settled": [s.to_dict() for s in self.settled],
            "merged_texts": [m.to_dict() for m in self.merged_texts],
            "overtaken": [o.to_dict() for o in self.overtaken],
            "held_back": [held.to_dict() for held in self.held_back],
            "departures": [d.to_dict() for d in self.departures],
            "same_names": [same.to_dict() for same in self.same_names],
            "newer": [n.to_dict() for n in self.newer],
            "flags_sent": [sent_flag_dict(u) for u in self.flags_sent],
            "plan_not_loaded": self.plan_not_loaded,
        }

    def raise_for_withheld(self) -> None:
        """Raise WithheldRecordsError (carrying this report) if records were withheld, or if
        the pull was incomplete (the server stopped before the records it says it holds:
        this device cannot know what it did not deliver)."""
        if self.withheld:
            raise WithheldRecordsError(describe_withheld(self.withheld), self)
        if self.incomplete:
            raise WithheldRecordsError(
                "the server did not deliver every record it holds: " + "; ".join(self.incomplete),
                self,
            )


def sent_flag_dict(flag: UndeliveredFlag) -> dict[str, object]:
    """A flag of `SyncReport.flags_sent` in JSON: "id", "result_id" (null for a
    questionnaire stopped after its safety item), "journal_id", "journal", "members"
    (usernames), "measure", "raised_at" (UTC)."""
    said = flag.to_dict()
    return {
        "id": flag.flag_id,
        **{k: said[k] for k in ("result_id", "journal_id", "journal", "members", "measure")},
        "raised_at": said["raised_at"],
    }


def gap_dict(gap: Gap) -> dict[str, object]:
    return {
        "journal_id": gap.journal_id.hex(),
        "author": gap.author.hex(),
        "device": gap.device.hex(),
        "missing": [list(r) for r in gap.missing],
        "claimed_by": gap.claimed_by.hex(),
    }


def preview(text: str, width: int = 40) -> str:
    """`text` on one line (whitespace folded), in at most `width` characters (code points),
    "…" last when cut, never inside a grapheme cluster (an emoji sequence or an accented
    letter: `graphemes.cut`)."""
    return cut(" ".join(text.split()), width)


def describe_gap(gap: Gap) -> str:
    counters = ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in gap.missing)
    return (
        f"journal {gap.journal_id.hex()}: {gap.count()} record(s) of device "
        f"{gap.device.hex()[:12]} (account {gap.author.hex()[:12]}) exist but the server did "
        f"not deliver them (counters {counters})"
    )


def erased_text(
    journal_id: bytes,
    author: bytes,
    count: int,
    journals: Mapping[bytes, str],
    authors: Mapping[bytes, str],
) -> str:
    """One notice of `erased_by_account` in plain words, naming the journal by `journals`
    and the account by `authors` (`SyncReport.erased_journals`, `erased_authors`: verified
    data on this device), each by id only where it has no name: "2 record(s) by drsmith in
    Personal are gone: the server says that account was deleted"."""
    account = authors.get(author) or f"account {author.hex()[:12]}"
    journal = journals.get(journal_id) or f"journal {journal_id.hex()[:12]}"
    return (
        f"{count} record(s) by {account} in {journal} are gone: the server says that account "
        "was deleted"
    )


def erased_by_account(gaps: list[Gap]) -> list[tuple[bytes, bytes, int]]:
    """`SyncReport.erased` as (journal id, author account id, records missing in all), one
    per journal and erased account, in the order first met: the gaps are per author device,
    and an account with several devices is one account to tell of (one notice
    each, not one per device)."""
    counts: dict[tuple[bytes, bytes], int] = {}
    for gap in gaps:
        key = (gap.journal_id, gap.author)
        counts[key] = counts.get(key, 0) + gap.count()
    return [(journal_id, author, count) for (journal_id, author), count in counts.items()]


def describe_withheld(gaps: list[Gap]) -> str:
    records = sum(gap.count() for gap in gaps)
    return (
        f"the server is withholding {records} record(s) that other signed records say exist: "
        + "; ".join(describe_gap(gap) for gap in gaps)
    )


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync stands: records pushed of those waiting, and the share of the pull done
    (estimated from sequence numbers, since the server does not count records for us).
    `waiting_until` (UTC) is set while the sync waits for the server's write-rate limit
    (upload_limit.py) before pushing more."""

    pushed: int
    to_push: int
    pull_fraction: float
    waiting_until: datetime | None = None


Progress = Callable[[SyncProgress], None]


class ProgressTracker:
    """Turns push acknowledgements and pull pages into SyncProgress callbacks."""

    def __init__(self, callback: Progress | None, to_push: int) -> None:
        self._callback = callback
        self._to_push = to_push
        self._pushed = 0
        self._start: dict[bytes, int] | None = None
        self._fraction = 0.0
        self._waiting_until: datetime | None = None

    def waiting(self, seconds: float | None) -> None:
        """The push now waits `seconds` for the server's write-rate limit (None: it resumed)."""
        self._waiting_until = (
            None if seconds is None else datetime.now(UTC) + timedelta(seconds=seconds)
        )
        self._emit()

    def pushed(self, count: int) -> None:
        self._pushed += count
        self._emit()

    def pulled(self, pages: list[wire.JournalPage], cursors: dict[bytes, int]) -> None:
        if self._start is None:
            self._start = {page.journal_id: cursors.get(page.journal_id, 0) for page in pages}
        total = done = 0
        for page in pages:
            start = self._start.get(page.journal_id, 0)
            total += max(page.head - start, 0)
            done += max(min(page.cursor, page.head) - start, 0)
        self._fraction = 1.0 if total == 0 else done / total
        self._emit()

    def _emit(self) -> None:
        if self._callback is not None:
            self._callback(
                SyncProgress(self._pushed, self._to_push, self._fraction, self._waiting_until)
            )


def push_batches(
    outbox: list[OutboxRecord],
    max_records: int = wire.MAX_RECORDS_PER_PUSH,
    max_bytes: int = PUSH_BYTES,
) -> list[list[OutboxRecord]]:
    """Split the outbox into per-journal batches within the server's limits, keeping order."""
    batches: list[list[OutboxRecord]] = []
    current: list[OutboxRecord] = []
    size = 0
    for record in outbox:
        fits = (
            current
            and current[0].journal_id == record.journal_id
            and len(current) < max_records
            and size + len(record.ciphertext) <= max_bytes
        )
        if current and not fits:
            batches.append(current)
            current, size = [], 0
        current.append(record)
        size += len(record.ciphertext)
    if current:
        batches.append(current)
    return batches


def push_request(batch: list[OutboxRecord]) -> wire.PushRequest:
    return wire.PushRequest(
        batch[0].journal_id,
        [wire.RecordUpload(r.record_id, r.epoch, r.ciphertext) for r in batch],
    )


def check_accepted(batch: list[OutboxRecord], reply: wire.PushReply) -> dict[bytes, int]:
    """Map record id -> seq, insisting the server acknowledged exactly what was sent."""
    seqs = {accepted.record_id: accepted.seq for accepted in reply.accepted}
    if set(seqs) != {record.record_id for record in batch}:
        raise ValueError("the server acknowledged a different set of records than was pushed")
    return seqs


def sync_request(
    cursors: dict[bytes, int], limit: int, after_journal: bytes = b"", skip_own: bool = False
) -> wire.SyncRequest:
    """A /v1/sync request for the slice of journals after `after_journal` (by id): the
    cursors of the first MAX_JOURNALS known journals there (the server answers at most
    SYNC_JOURNALS of them, so cursors further on would go unused). `skip_own`: this device's
    own pushed records come as stubs (`own_records_as_stubs`)."""
    later = sorted((j, after) for j, after in cursors.items() if j > after_journal)
    return wire.SyncRequest(
        [wire.Cursor(journal_id, after) for journal_id, after in later[: wire.MAX_JOURNALS]],
        limit,
        after_journal,
        skip_own,
    )


def own_records_as_stubs(
    cursors: dict[bytes, int],
    owned: set[bytes],
    waiting: set[bytes],
    not_held: frozenset[bytes] | set[bytes] = frozenset(),
) -> bool:
    """Whether a pull may ask for this device's own pushed records as stubs (`skip_own`,
    protocol.md "Own records as stubs"): the device must hold every record it pushed into the
    journals the request names, from their cursors on. It does in a journal it never removed
    (its own records are in its store once acknowledged), but not in one it removed and got
    back (`not_held`: a read-only copy of its own journal discarded and taken back, a
    member's copy forgotten and shared again), whose earlier records of this device are on
    the server only: none is named until a pull reached its head, asking them whole. A
    member's journal at cursor 0 may be such a copy too (forgotten.py; a store from before
    `not_held` was kept): then nothing is asked as stubs either. The server never sends stubs
    in a journal the request does not name.

    `waiting`: the journals with records in this device's outbox. None of them may be named:
    such a record may be stored with its push's reply lost, and it counts as delivered only
    when the pull serves its body, signed by this device (protocol.md 4.18 "stored, reply
    lost"), which a stub does not carry. After a push that went through, the outbox is empty.
    The SDK adds the journals holding a safety flag's record it keeps until its bytes come
    back (`Store.kept_flags`), or a record of its that removed a document that no pull has
    served back yet (OWN_REMOVALS): a stub is no such bytes (`WholeEchoes`, rev32a F2, F3)."""
    return (
        not cursors.keys() & waiting
        and not cursors.keys() & not_held
        and all(after > 0 or journal_id in owned for journal_id, after in cursors.items())
    )


OWN_SNAPSHOTS = "own_snapshots_unpulled"
"""Setting: the snapshots this device stored by compaction (/v1/records/compact) that no pull
has served back whole yet (rev32c F1: passing its seq is not enough), as
`encode_own_snapshots` writes them (`WholeEchoes`)."""


OWN_REMOVALS = "own_removals_unpulled"
"""The records this device sealed that left their document removed (trashed or deleted:
`documents.removed`) whose bytes no pull has served back yet (`WholeEchoes`): kept as rows of
the store's table `own_removals` (`Store.own_removals`, one row a deletion: rev32c F4); this
setting, as `encode_own_snapshots` wrote them, is what earlier versions keep: read with the
table at each pull (an earlier `tj` may delete while this process has the store open: rev33b
F3), moved into the table at an opening when no other process has the store open."""


def decode_own_snapshots(value: str | None) -> dict[bytes, dict[bytes, int]]:
    """OWN_SNAPSHOTS as journal id -> {record id: seq}; a value not written by
    `encode_own_snapshots` (a store edited by hand) is read as nothing."""
    try:
        rows = json.loads(value) if value else []
        found: dict[bytes, dict[bytes, int]] = {}
        for journal, record, seq in rows:
            found.setdefault(bytes.fromhex(journal), {})[bytes.fromhex(record)] = int(seq)
        return found
    except (ValueError, TypeError):
        return {}


def encode_own_snapshots(snapshots: Mapping[bytes, Mapping[bytes, int]]) -> str | None:
    """OWN_SNAPSHOTS's value (None: remove the setting): a JSON list of [journal id (hex),
    record id (hex), seq], sorted."""
    rows = sorted(
        [journal.hex(), record.hex(), seq]
        for journal, records_ in snapshots.items()
        for record, seq in records_.items()
    )
    return json.dumps(rows) if rows else None


def own_snapshots_not_back(
    value: str | None,
    cursors: Mapping[bytes, int],
    back: Container[tuple[bytes, bytes]],
    gone: Container[tuple[bytes, bytes]] = (),
) -> str | None:
    """OWN_SNAPSHOTS (or OWN_REMOVALS) without the records whose bytes a pull served back
    with the hash acknowledged (`back`: (journal id, record id), `WholeEchoes.back`), those no
    longer to come back (`gone`: set aside, or forgotten when a later snapshot compacted them)
    and those of journals no longer on this device (not in `cursors`). A pull that passed a
    record's `seq` (a stub of it, or a page that skips it) never drops it (rev32c F1): until
    its bytes come back, a stub of it at any seq is refused and the withholding check tells
    its counter missing at every sync."""
    kept = {
        journal: {
            r: seq
            for r, seq in records_.items()
            if (journal, r) not in back and (journal, r) not in gone
        }
        for journal, records_ in decode_own_snapshots(value).items()
        if journal in cursors
    }
    return encode_own_snapshots(kept)


@dataclass
class WholeEchoes:
    """This device's own acknowledged records that count as come back only when a pull serves
    their bytes, with the hash acknowledged (protocol.md 4.18 "Own records"), never as a stub
    (the server's word: rev32a F2, F3): per journal, the records of the safety flags it keeps
    (`Store.kept_flags`; their journals are pulled without `skip_own`), the snapshots it
    stored by compaction not served back whole yet (OWN_SNAPSHOTS; an honest server never sends
    a snapshot stored by /v1/records/compact as a stub) and the records it sealed that removed
    their document (OWN_REMOVALS; their journals are pulled without `skip_own`)."""

    flags: dict[bytes, set[bytes]] = field(default_factory=dict)
    snapshots: dict[bytes, dict[bytes, int]] = field(default_factory=dict)
    removals: dict[bytes, dict[bytes, int]] = field(default_factory=dict)
    """OWN_REMOVALS: a deletion the server drops and stubs to its writer would leave the
    deleted words on every other device without a word (rev32a F3 (1)); their journals are
    pulled without `skip_own` until a pull served their bytes back."""

    back: set[tuple[bytes, bytes]] = field(default_factory=set)
    """(journal id, record id) of `snapshots` and `removals` whose bytes a pull served back,
    with the hash acknowledged (`_apply_page`): those are dropped from their settings after
    the pull (`own_snapshots_not_back`), never those a pull only passed (rev32c F1)."""

    def listed(self, journal_id: bytes) -> set[bytes]:
        """The records of `snapshots` and `removals` of `journal_id`."""
        return set(self.snapshots.get(journal_id, {})) | set(self.removals.get(journal_id, {}))

    def stubs_refused(self, journal_id: bytes, page: wire.JournalPage) -> set[bytes]:
        """The records of `page` served as stubs (no ciphertext) that must come whole."""
        flags = self.flags.get(journal_id, set())
        snapshots = self.snapshots.get(journal_id, {})
        removals = self.removals.get(journal_id, {})
        if not flags and not snapshots and not removals:
            return set()
        return {
            r.record_id
            for r in page.records
            if not r.ciphertext
            and (r.record_id in flags or r.record_id in snapshots or r.record_id in removals)
        }

    def asked_whole(self) -> set[bytes]:
        """The journals never asked with `skip_own`: an honest server stubs their records."""
        return set(self.flags) | set(self.removals)


REPLY_BYTES = 4 * 1024 * 1024
"""The ciphertext budget of one /v1/sync reply (protocol.md /v1/sync): a server stops a page
before its head only when the reply holds `limit` records or no further record (up to
wire.MAX_RECORD_BYTES) would fit in it."""


def within_reply_bytes(request: wire.SyncRequest, reply: wire.SyncReply) -> wire.SyncReply:
    """`reply` holding no more record ciphertext than an honest server's reply does
    (REPLY_BYTES, protocol.md /v1/sync), by the server's own rule: while budget remains (the
    ciphertext of the pages before is below REPLY_BYTES), a page keeps its first record
    whatever its size (so a pull always moves on) and each next one that keeps the reply's
    total within REPLY_BYTES; the rest wait for the next request. A page that lost records
    ends at its last record kept (its `cursor` that record's `seq`; none kept: the `after`
    the request named for it, 0 if none, or the page's own cursor if below that, for `_pull`
    to report), and the reply is then not `done`. An honest reply comes back unchanged (the
    same object): it never holds more (rev-r2 R2-1).

    Why (rev-zip Z2): a record's payload inflates to at most MAX_INFLATION (8) times its
    length (records.inflate), so a reply kept to REPLY_BYTES of ciphertext, plus at most one
    record (256 KiB) past it, holds at most 34 MiB of payloads once opened, whatever a server
    colluding with a member who signs records of compressed payloads packs into the 16 MiB
    (wire.MAX_BODY_BYTES) a device reads of one reply (up to 128 MiB inflated before this
    cut). What crosses the network is still up to 16 MiB; the records cut are asked again
    from the cursor, as any page's rest."""
    total = 0
    pages: list[wire.JournalPage] = []
    cut = False
    after = {c.journal_id: c.after for c in request.cursors}
    for page in reply.pages:
        kept: list[wire.StoredRecord] = []
        if total < REPLY_BYTES:
            for record in page.records:
                if kept and total + len(record.ciphertext) > REPLY_BYTES:
                    break
                total += len(record.ciphertext)
                kept.append(record)
        if len(kept) == len(page.records):
            pages.append(page)
            continue
        cut = True
        asked = after.get(page.journal_id, 0)
        cursor = kept[-1].seq if kept else min(page.cursor, asked)
        pages.append(replace(page, records=kept, cursor=cursor))
    if not cut:
        return reply
    return replace(reply, pages=pages, done=False)


def full_reply(reply: wire.SyncReply, limit: int) -> bool:
    """Whether `reply` is as full as an honest server's reply with a page short of its head
    must be: `limit` records over all its pages, or no room for one more record of the largest
    size within REPLY_BYTES. Records a member holds no key for (sealed before its share) are
    pull progress only in such replies: a server cannot keep a pull going
    with one made-up record a reply."""
    records = sum(len(page.records) for page in reply.pages)
    sent = sum(len(r.ciphertext) for page in reply.pages for r in page.records)
    return records >= limit or sent + wire.MAX_RECORD_BYTES > REPLY_BYTES


class StallGuard:
    """Counts sync replies in a row that made no progress; `stalled` once there were `limit`."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._idle = 0

    def stalled(self, progressed: bool) -> bool:
        self._idle = 0 if progressed else self._idle + 1
        return self._idle >= self._limit


MAX_PULL_REPLIES = 2000
"""Replies one pull (of one slice of journals) takes at most, whatever heads the server
claims: 2,000 pages of up to 1,000 records or 4 MiB; a longer pull goes on at the next sync."""


class PullBudget:
    """How many sync replies one pull may take: every reply that is progress brings at least
    one record, so a pull needs at most as many replies as the records its first reply claims
    are left (the sum of `head` - cursor over the journals asked for), plus `margin` replies
    (pages that only reach their head, a cursor restarted after a rollback), and never more
    than `most` (MAX_PULL_REPLIES) plus `margin`: the claim is the server's word. Fixed by
    the first reply: later, higher heads do not raise it, so a server that keeps claiming
    more cannot keep a device pulling forever."""

    def __init__(self, margin: int, most: int = MAX_PULL_REPLIES) -> None:
        self._margin = margin
        self._most = most
        self._limit: int | None = None
        self._rounds = 0

    @property
    def limit(self) -> int:
        return self._limit if self._limit is not None else self._margin

    @property
    def fixed(self) -> bool:
        """Whether the limit is fixed (a first reply was counted)."""
        return self._limit is not None

    def another_after_next(self, later: int = 1, claimed: int | None = None) -> bool:
        """Whether, once the limit is fixed, the pull may take a reply after the next one
        counted (a request sent ahead is then never one the pull will not use); with `later`
        2, after the next two (the request after the one sent ahead). Before it is fixed,
        `claimed`: the records the first reply claims are left (as `spent` counts them),
        the limit that reply fixes (None: no reply may be taken for granted)."""
        limit = self._limit
        if limit is None and claimed is not None:
            limit = min(claimed, self._most) + self._margin
        return limit is not None and self._rounds + later < limit

    def spent(self, cursors: dict[bytes, int], pages: list[wire.JournalPage]) -> bool:
        """Count one reply (the first fixes the limit); True once the limit is reached."""
        if self._limit is None:
            claimed = sum(
                max(0, page.head - cursors[page.journal_id])
                for page in pages
                if page.journal_id in cursors
            )
            self._limit = min(claimed, self._most) + self._margin
        self._rounds += 1
        return self._rounds >= self._limit
