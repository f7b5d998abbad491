"""Sharing with a therapist: verified identities, share envelopes, revocation with key
rotation, disclosure journals (chosen entries, or chosen fields), notes and the audit log.

Who may read a journal, with which role and until when, is written into the journal's
owner-signed access chain (access.py) and read back only from it. A share is history-free:
granting it starts a new key epoch, seals every document again as a fresh snapshot under it,
and the member only ever gets keys from that epoch on. Selective sharing never hands out the
key of a private journal: the chosen content is copied into a *disclosure journal* kept for
that therapist, whose disclosure settings (what it mirrors, which fields, from when) are in
its chain, sealed for the owner's devices, so that every device of the owner keeps the copy
current and nobody else can change what flows into it.
"""

from __future__ import annotations

import bisect
import contextlib
import json
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from client_sdk import access, departures, forgotten, keys, owed_shares, wire
from client_sdk.care_disclosure import (
    DISCLOSABLE,
    ENTRY_FIELDS,
    MIRRORED_KINDS,
    disclosed_care,
)
from client_sdk.departures import Departure
from client_sdk.documents import (
    ENTRY,
    TRASHED_BY_HAND,
    TRASHED_WITH,
    Document,
    EntryView,
    entry_view,
    removal,
    removed,
)
from client_sdk.errors import (
    BAD_VALUE,
    FINGERPRINT_MISMATCH,
    NOT_A_JOURNAL_SERVER,
    AccessError,
    ConflictError,
    IntegrityError,
    InvalidInput,
    ItemAgain,
    KeyChangedError,
    NetworkError,
    NotFound,
    NotReadingNow,
    NotShared,
    ScopeNeeded,
    ShareAlreadyEnded,
    SharedAgain,
    StillShared,
    TJError,
)
from client_sdk.models import (
    EPOCH,
    READ_ONLY_COPY,
    REPLACED,
    check_text,
    close_names,
    did_you_mean,
    ended_copy_text,
    json_time,
    normalize_username,
    now_ms,
    quoted_name,
    read_json,
    read_time,
    squeezed,
    to_datetime,
)
from client_sdk.replica import (
    COPIES_TO_FOLLOW,
    REVOKED,
    Replica,
    changed_account,
    decode_to_follow,
    held_membership,
    same_keys,
    snapshot_fits,
    stored_document,
    too_large_to_snapshot,
)
from client_sdk.safety import SAFETY_ACK, ack_view
from client_sdk.store import LocalJournal, Peer, SetAsideRow, StoredDocument
from client_sdk.undelivered import Undelivered
from client_sdk.withdrawals import RefusedWithdrawal

if TYPE_CHECKING:
    from client_sdk.transport import RetryPolicy

NOTE = "note"
PROMPT = "prompt"


TAKE_TRIES = 5
"""How many times `Sharing.departures` reads and takes the departures pending while another
process (another `tj` on this profile) takes or adds some between its read and its take."""
ERASED_SHARES = "shares_ended_by_erasure"  # store setting: JSON list of ended shares


@dataclass(frozen=True)
class ShareInfo:
    """A share this account granted: the journal (`journal` name, `journal_id` hex), the member's
    username, their `role` ("read" or "annotate"), the end of the share (`expires_at`, UTC, or
    None for no end, or for a signed end past 9999-12-30 that no date holds: `read_time`) and
    whether it has `expired`, as read from the verified access chain. A share whose signed end
    date passed stays listed (`expired` True) after this account's device ended it (removed
    the member from the chain with a signed `ended` entry), until the
    member is shared with again; a pre-session brief's does not. So does one whose member an
    owner device removed because the server no longer served them (they left: `dropped_at`).
    Only the account's latest membership counts: one the owner removed is not listed, even
    if an earlier one had lapsed."""

    journal: str
    journal_id: str
    member: str
    role: str
    expires_at: datetime | None
    expired: bool
    fields: tuple[str, ...] | None = None
    """The entry fields the member reads (None: the whole journal)."""
    source: str | None = None
    """For a field-level share: the journal whose entries are disclosed (its owner's name)."""
    ended: tuple[str, ...] = ()
    """Journals whose wider share with this member this call ended, with a key rotation
    (narrowing a whole-journal share to some fields)."""
    account_erased: datetime | None = None
    """When this device found the member's account erased on the server (UTC; the server's
    word, which can only end a share): the share ended then, the member was removed from the
    chain and the key changed. Such rows stay
    listed (kept on this device) so the owner is told; `expired` is True."""
    kind: str = "journal"
    """What the member reads: "journal" (the journal itself), "mirror" (a copy of `source`
    kept for them with `fields` of each entry), "items" (entries and results shared one by
    one) or "brief" (a pre-session brief)."""
    undelivered: tuple[Undelivered, ...] = ()
    """When this call ended a whole-journal share (`ended`, narrowing with `only`): what of
    that journal the member may not have received, which now never reaches them
    (`client.shares.undelivered`)."""
    copies_too: tuple[str, ...] = ()
    """For a whole-journal share given a new role or end date: the field-level copies of the journal
    kept for the member that this call gave the same terms."""
    unseen: bool = False
    """A field-level share the source's signed access chain names (a `limited` entry in force)
    through a copy this device cannot see (the server does not list it, or its chain has a problem):
    `journal` / `journal_id` name the copy as far as this device knows it, `kind` is "mirror", and
    its role ("unknown"), fields (None) and end date (None) are not known here. Listed so that who
    reads a journal is never taken from the server's silence."""
    whole_too: bool = False
    """For new terms given on a field-level copy (`grant` naming the copy): the member is also a
    current member of the whole source journal (its verified access chain says so), so they read
    every entry of it in full there, whatever the copy holds; those terms were not changed."""
    dropped_at: datetime | None = None
    """For an ended share (`expired` True) whose latest membership an owner device removed because
    the server no longer served the journal to the member (they left it, or their account was
    deleted: the signed `removed` entry says so, access.NOT_SERVED): when that removal was signed
    (UTC). The share ended by then, before its signed end date (`expires_at`, kept as the last terms
    the owner gave)."""
    safety_flags: bool | None = None
    """For a current share of the whole journal (from `client.shares.list` and `grant`): whether a
    safety flag raised now in it (a PHQ-9 item 9 answered above 0) is sealed for the member, by the
    owner's signed safety plan and the verified access chain (`client.safety.flags_reach`). None for
    a share that carries no flag (a field-level copy, single items, a brief) or one that ended."""
    safety_flags_earlier: bool = False
    """With `safety_flags` False: the client opted the member in for an earlier share of theirs,
    which counts for none under this one; `tj share JOURNAL MEMBER --role annotate --safety-flags`
    names them again."""
    safety_flags_read_role: bool = False
    """With `safety_flags` False: the client opted the member in for this share, and the
    member holds the read role now (by the verified access chain): no flag reaches them
    while they only read; the opt-in stands, and `role="annotate"` again makes flags reach
    them again (`client.safety.flags_reach` "read")."""
    left_before: datetime | None = None
    """For a whole-journal share this call gave (`grant(full=True)`): the member had left it
    (the server no longer served it to them: /v1/shares/leave, the server's word) before
    this device took them off the chain, which it did as this call synced (UTC, when): the
    share given is a new membership, which the member's device tells as shared again, not
    the old one renewed behind its back (a `changed` entry for a member who left made the
    server serve them again while their device kept it as left, and the owner was never
    told of the leave)."""
    previous_role: str = ""
    """When this call gave a member new terms (`grant` of someone whose membership the verified
    chain holds: a `changed` entry, nothing shared anew), the role they held before ("read" or
    "annotate"), with `previous_expires_at` and `previous_expired`, so that a change is told as one,
    never as a new share; "" when the call shared anew (a new membership; but see
    `previous_expired`)."""
    previous_expires_at: datetime | None = None
    """With `previous_role`: the end date the membership had before (UTC; None: none)."""
    previous_expired: bool = False
    """With `previous_role`: that end date had passed (the call renewed the share). Also set, with
    `previous_role` and `previous_expires_at`, when the call renewed a membership that reached its
    end date with a new one (an `ended` entry had closed it, changing the journal's key, or the
    member's keys changed): a renewal, as the account's other devices tell it ("renewed"), never a
    first share."""
    since: datetime | None = None
    """For a field-level copy (`kind` "mirror"): from when it copies what is dated (UTC): when
    it began copying, from its owner-sealed settings, or, for a copy whose share had ended
    and was given again, when that share began, when later (what is dated between is not
    copied; what the copy held before stays in it). Entries of `source` dated before then
    are not copied into it (`grant(only=...)` copies from then on)."""
    source_id: str | None = None
    """With `source`: that journal's id (hex), from the copy's owner-sealed settings or the source's
    signed chain (names may repeat: what is decided about the source goes by this, never by its
    name)."""
    kept_terms: tuple[str, ...] = ()
    """For a whole-journal share that replaced a field-level copy the member read (`grant(full=True)`
    given no role, or no end date): which terms of that copy's share it kept, "role" and/or
    "end date" (changing what is shared never silently lifts an end date or changes a role), so
    that a caller says so plainly; `kept_from` names the copy. Empty otherwise."""
    kept_from: str = ""
    """With `kept_terms`: the name of the copy whose terms were kept."""
    member_id: str | None = None
    """The member's account id (hex), from the signed chain; None where this device does not
    know it (a share ended by an erasure recorded by an older version, an unseen copy's). A
    username is freed when its account is erased and may be another account's now: tell
    members apart by this, as `tj shares` does ("drsmith (account d4c9000f)")."""
    removal_refused: datetime | None = None
    """For a current member by the verified chain whom the server no longer serves the journal
    to (they left, or their account was deleted: the server's word) and whose signed removal
    the server refused to store (it answered 400, 403, 404 or 409): when this process first
    found it refusing (UTC, this device's clock). They stay listed as a member (the owner's
    chain says so) until the removal goes through; every sync and every `client.shares.list`
    sends it again, and the sync's report says so too (rev33d F3). None otherwise."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex; nested values as their
        own `to_dict()`."""
        return {
            "journal": self.journal,
            "journal_id": self.journal_id,
            "member": self.member,
            "role": self.role,
            "expired": self.expired,
            "expires_at": json_time(self.expires_at) if self.expires_at else None,
            "fields": list(self.fields) if self.fields is not None else None,
            "source": self.source,
            "source_id": self.source_id,
            "ended": list(self.ended),
            "account_erased": json_time(self.account_erased) if self.account_erased else None,
            "kind": self.kind,
            "undelivered": [u.to_dict() for u in self.undelivered],
            "copies_too": list(self.copies_too),
            "unseen": self.unseen,
            "whole_too": self.whole_too,
            "dropped_at": json_time(self.dropped_at) if self.dropped_at else None,
            "safety_flags": self.safety_flags,
            "safety_flags_earlier": self.safety_flags_earlier,
            "safety_flags_read_role": self.safety_flags_read_role,
            "left_before": json_time(self.left_before) if self.left_before else None,
            "previous_role": self.previous_role or None,
            "previous_expires_at": (
                json_time(self.previous_expires_at) if self.previous_expires_at else None
            ),
            "previous_expired": self.previous_expired,
            "since": json_time(self.since) if self.since else None,
            "member_id": self.member_id,
            "kept_terms": list(self.kept_terms),
            "kept_from": self.kept_from or None,
            "removal_refused": json_time(self.removal_refused) if self.removal_refused else None,
        }


@dataclass(frozen=True)
class KeptCopy:
    """A journal this account keeps for one member (a field-level copy, `kind` "mirror", made
    by `grant(only=...)`; or the journal of single items, "items") whose share with that
    member the owner ended (`revoke`, or a narrowing to other fields), which stays on this
    account's devices, shared with nobody, until deleted. Read from the copy's
    owner-sealed disclosure settings and verified access chain (the signed `removed` entry of
    the member's latest membership), never from the server's list.

    It is kept, not deleted with the share, because it holds what the member wrote in it
    (their notes, `contents` "note") besides the copies of the owner's items, and because
    sharing the same fields (or items) with the member again takes it up again, which asks
    first since it gives them what it still holds (`SharedAgain`). Deleting it
    (`client.journals.delete(journal)`) removes it from the server and this device for good:
    the originals stay in `source`; the member keeps what they downloaded."""

    journal: str
    journal_id: str
    member: str
    kind: str
    """"mirror" or "items"."""
    fields: tuple[str, ...] | None
    """For a "mirror": the fields it copies (None: every entry field); None for "items"."""
    source: str | None
    """For a "mirror": the name of the journal it copies (None when not on this device)."""
    ended_at: datetime | None
    """When the owner's device signed the end of the member's share of it (UTC)."""
    contents: tuple[tuple[str, int], ...] = ()
    """What it holds: (document kind, live documents of that kind), e.g. (("entry", 3),
    ("note", 1)), as `client.journals.contents` counts them."""
    source_id: str | None = None
    """For a "mirror": the id (hex) of the journal it copies, from its owner-sealed
    disclosure settings (None when not on this device, as `source`)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "journal": self.journal,
            "journal_id": self.journal_id,
            "member": self.member,
            "kind": self.kind,
            "fields": list(self.fields) if self.fields is not None else None,
            "source": self.source,
            "source_id": self.source_id,
            "ended_at": json_time(self.ended_at) if self.ended_at else None,
            "contents": dict(self.contents),
        }


def lapsed_membership(
    state: access.AccessState, account_id: bytes, current: access.Member | None, now: int
) -> access.Member | None:
    """The terms of the account's previous membership that a new one granted now renews:
    the current one when its signed end date passed by `now` (ms, UTC; a new membership
    replaces it when the member's keys changed), else the latest one when an `ended` entry
    closed it (its end date passed; the journal's key changed then). None for a first
    share, one after a membership an owner device removed (`removed`: an unshare, a member
    who left), or one replacing a current membership. The rule by which the account's other
    devices tell the grant as "renewed" (`replica._given_elsewhere`). Pure."""
    if current is not None:
        return current if current.ended(now) else None
    last = state.last_terms(account_id)
    return last[0] if last is not None and not last[1] else None


def previous_terms(before: list[access.Member]) -> dict[str, Any]:
    """`ShareInfo`'s previous_role, previous_expires_at and previous_expired from the terms
    `Sharing._grant` found before it signed new ones (none: a new share), NU26 C5."""
    if not before:
        return {}
    terms = before[0]
    return {
        "previous_role": terms.role,
        "previous_expires_at": to_datetime(terms.expires_at) if terms.expires_at else None,
        "previous_expired": terms.ended(now_ms()),
    }


@dataclass(frozen=True)
class SharedJournal:
    """A journal another account shares with this one: `journal`, the name calls take
    (`client.entries.list(shared.journal)`: "ana/Personal"), the owner's own name for it
    (`owner_journal_name`: "Personal", never a name to pass to a call: this account's own
    journal may bear it), id (hex), `owner` username, this account's `role` ("read" or
    "annotate") and the end of the share (`expires_at`, UTC, or None: no end, or an end the
    owner signed past 9999-12-30, which no date holds)."""

    owner_journal_name: str
    """The owner's own name for the journal ("Personal"), as they named it: for words only
    (a call given it names this account's own journal of that name, if any: pass `journal`)."""
    journal_id: str
    owner: str
    role: str
    """"read" or "annotate"; "revoked" for a read-only copy (`read_only_copy`), whoever ended
    it: `share_ended` / `unlisted` say which, `access` says it in words. Never show "revoked"
    as the owner's decision: where it is the server's word alone (`unlisted`), the server may
    be withholding a share its owner never ended."""
    expires_at: datetime | None
    owner_verified: bool = False
    """Whether this device compared the owner's fingerprint (`client.shares.verify`); until then a
    server could have invented the owner and everything in the journal."""
    read_only_copy: bool = False
    """The server no longer serves the journal to this account (role "revoked"): this device
    keeps a read-only copy of what it downloaded while it was served. Why: `share_ended` (what
    this device knows beyond the server's word) or `unlisted` (the server's word alone)."""
    unlisted: bool = False
    """For a read-only copy (`read_only_copy`): it ended by the server's word only, the server
    no longer serves it while nothing its owner signed ended the share (the access chain this
    device verified still grants it, or none is verified here: the owner removed this account,
    who is not served the entry saying so, or the server withholds it); discarding it then takes
    `forget(journal, unlisted=True)`. Never with `share_ended`."""
    # Replica.owner_label (NU46 #1)
    name: str = ""
    """How to name it (`Journal.name`, what `client.journals.get` and the CLI's JOURNAL take):
    "ana/Personal", or "kim (account 1a2b3c4d)/Personal" where journals of several accounts named
    kim are on this device."""
    owner_id: str = ""
    """The owner's account id (hex), from the verified access chain."""
    owner_erased: bool = False
    """For a read-only copy (`read_only_copy`): the server says the owner's account no longer exists
    (asked when the share ended here, and at each refresh of the journal list while every share of
    theirs with this account has ended), so they most likely erased it. The server's word, for words
    only ("appears erased"): it decides nothing."""
    left_at: datetime | None = None
    """For an ended share this account left on this device (`leave`): when (UTC), as this device
    recorded it (no owner signed it); None otherwise, or when left before this was kept."""
    replaced_by: str = ""
    """For a read-only copy of a field-level copy the owner kept for this account: the journal
    the owner replaced it by, as `name` names journals ("ben/Personal (mood, scores, answers) for
    drlee", or "ben/Personal" shared whole), from the owner-signed chains this device verified
    only (granted at or after the end the owner signed); "" otherwise, a copy only the server
    stops serving too (its word alone: `unlisted`, "no longer served"). `access` then says
    "replaced (read-only copy)"."""

    @property
    def journal(self) -> str:
        """The name calls take for it (`client.entries.list`, `client.journals.get`, the CLI's
        JOURNAL): "ana/Personal", or "kim (account 1a2b3c4d)/Personal" where journals of
        several accounts named kim are on this device (`name`; nu82 F2: it was the owner's
        own name, "Personal", which a call takes for this account's own journal)."""
        return self.name or f"{self.owner}/{self.owner_journal_name}"

    @property
    def share_ended(self) -> bool:
        """The read-only copy (`read_only_copy`) of a share that ended by what this device knows
        beyond the server's word: an end its owner signed in the access chain this device
        verified, a signed end date passed by this device's clock, or this account leaving it
        on this device (`leave`). Never with `unlisted`: as `Journal.share_ended` and
        `Entry.share_ended` say it."""
        return self.read_only_copy and not self.unlisted

    @property
    def access(self) -> str:
        """This account's access in words, as `tj shared-with-me` shows it: its `role`, or for
        a read-only copy (`read_only_copy`) "no longer served (read-only copy)" (`unlisted`: the
        server's word only) or "share ended (read-only copy)" (`share_ended`;
        `models.ended_copy_text`, the words of `Journal.access` too); "replaced (read-only
        copy)" for one its owner replaced by another (`replaced_by`)."""
        if self.read_only_copy and self.replaced_by:
            return f"{REPLACED} {READ_ONLY_COPY}"
        return ended_copy_text(self.unlisted) if self.read_only_copy else self.role

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex. "role" is the
        stored role, kept for apps: "revoked" for every read-only copy, whoever ended it (the
        owner's signed end, this account's `leave`, or the server's word alone), so never to
        be shown as the owner's decision; "read_only_copy", "share_ended" and "unlisted" say
        which, and "access" says it in the words `tj shared-with-me` shows ("no longer
        served (read-only copy)", "share ended (read-only copy)"). "journal" is how this
        account names it ("ana/Personal"), as "journal" is in an entry's, a note's, a flag's
        or a result's JSON, and what `tj list --journal` takes (also "name"); the owner's own
        name for the journal ("Personal") is "owner_journal_name"."""
        return {
            "journal": self.journal,
            "owner_journal_name": self.owner_journal_name,
            "journal_id": self.journal_id,
            "owner": self.owner,
            "role": self.role,
            "access": self.access,
            "expires_at": json_time(self.expires_at) if self.expires_at else None,
            "owner_verified": self.owner_verified,
            "read_only_copy": self.read_only_copy,
            "share_ended": self.share_ended,
            "unlisted": self.unlisted,
            "name": self.journal,
            "owner_id": self.owner_id,
            "owner_erased": self.owner_erased,
            "left_at": json_time(self.left_at) if self.left_at else None,
            "replaced_by": self.replaced_by or None,
        }


@dataclass(frozen=True)
class HeldKeys:
    """Keys this device holds for a username that `client.shares.verify` would replace
    (`client.shares.verify_replaces`): pinned for another account than the one the server
    gives that username now (`other_account`: a name an erased account freed may have been
    taken by another person), or other keys of the same account."""

    username: str
    account_id: str
    """The account those keys belong to (hex)."""
    verified: bool
    """Whether this device compared their fingerprint (else pinned on first use)."""
    verified_at: datetime | None
    """When this device marked them verified (UTC); None when not kept (marked verified by an older
    version, which did not keep the time)."""
    other_account: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "username": self.username,
            "account_id": self.account_id,
            "verified": self.verified,
            "verified_at": json_time(self.verified_at) if self.verified_at else None,
            "other_account": self.other_account,
        }


@dataclass(frozen=True)
class AuditInfo:
    """One fetch by a member, from the server's audit log: who (`member`, `account_id` and
    `device_id` hex), when
    (`at`, UTC) that device first received the journal's records up to which sequence number
    (`up_to_seq`), and how many records it received for the first time (`records`); the
    server logs no re-fetch of what a device already had (protocol.md, /v1/shares/audit).
    This is the server's word (an index, not a signed record). Also the
    entries among those records (`entry_ids`) that this device holds and the member could
    open, and every document of every kind among them (`doc_ids`, counted by `kinds`):
    counted from this device's verified records (what the server logged is only which
    sequence numbers a fetch ended at). A member who erased their account since keeps their
    fetches in the log, marked `erased` (`member` is the username they had: someone else
    may hold it now)."""

    member: str
    device_id: str
    at: datetime
    up_to_seq: int
    records: int
    entry_ids: tuple[str, ...] = ()
    """Entries with records in this fetch, as this device verified them."""
    erased: bool = False
    """The member's account was erased since this fetch (the server's word)."""
    account_id: str = ""
    """The member's account id (hex), as the server's audit row gives it: what tells apart two
    members who bore one username (one erased since, the other who took the name)."""
    doc_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Document kind ("entry", "measure", "homework", "goal", "checkin", "safety_plan",
    "safety_flag", "note", ...) -> the documents of that kind (hex ids) with records in this
    fetch that the member could open and did not write themselves, as this device verified
    them; `entry_ids` is its "entry" (nu78 F14: the log counted only entries while a
    therapist also fetched questionnaire results with their answers, homework, goals and
    the safety plan)."""

    @property
    def entries(self) -> int:
        """How many entries this fetch held (len of `entry_ids`)."""
        return len(self.entry_ids)

    @property
    def kinds(self) -> dict[str, int]:
        """Document kind -> how many documents of it this fetch held (`doc_ids` counted;
        kinds with none left out)."""
        return {kind: len(ids) for kind, ids in self.doc_ids.items() if ids}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC; ids as hex."""
        return {
            "member": self.member,
            "device_id": self.device_id,
            "at": json_time(self.at),
            "up_to_seq": self.up_to_seq,
            "records": self.records,
            "entries": self.entries,
            "kinds": self.kinds,
            "erased": self.erased,
            "account_id": self.account_id,
        }


@dataclass(frozen=True)
class Note:
    """A note or prompt in a journal, with who wrote it (a therapist's are marked). `journal`
    names the journal as the reader types it: "Personal" for one of this account's own,
    "ana/Personal" for one shared with it. `delivered` is False when the server refused this
    device's change of it for good: it was set aside (`Client.set_aside()` says why) and
    nobody else has it as shown here. `withdrawal_refused` is set (a `RefusedWithdrawal`: why,
    and who can remove it now) when this account withdrew its own note but the server refused the
    withdrawal: the text is cleared on this device, yet the journal's readers still have the
    note as it was. `late` is set (to why) when this account's note reached the
    server after the owner's device signed the end of its right to write (the share ended or
    became read-only first): every device of the journal refuses it, so `delivered` is False
    and nothing can send it again; decided on the owner-signed chain."""

    id: str
    journal: str
    kind: str
    text: str
    author: str
    by_therapist: bool
    created_at: datetime
    delivered: bool = True
    withdrawal_refused: RefusedWithdrawal | None = None
    late: str | None = None
    journal_id: str = ""
    """The journal's id (32 hex digits): what stays when the journal is renamed."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: times as ISO 8601 strings in UTC (`json_time`); ids as hex;
        nested values as their own `to_dict()`. `from_therapist` repeats `by_therapist`
        under the name a prompt's JSON gives the same fact (`Prompt.to_dict`)."""
        return {
            "id": self.id,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "kind": self.kind,
            "text": self.text,
            "author": self.author,
            "by_therapist": self.by_therapist,
            "from_therapist": self.by_therapist,
            "created_at": json_time(self.created_at),
            "delivered": self.delivered,
            "withdrawal_refused": (
                self.withdrawal_refused.to_dict() if self.withdrawal_refused else None
            ),
            "late": self.late,
        }


Basis = tuple[bytes | None, frozenset[bytes], bool]
"""What new terms for an account are decided on in a chain (`basis_of`)."""


def late_text(journal: LocalJournal) -> str:
    """Why this account's note past its signed write limit was not delivered (NU22 C17)."""
    return (
        f"{journal.owner_name}'s share of {journal.name} ended, or became read-only, before "
        f"{journal.owner_name}'s device took it: they do not have it, and it cannot be sent again"
    )


def basis_of(state: access.AccessState | None, peer: Peer) -> Basis:
    """The account's latest membership in the chain (its handle: current, or lapsed with an
    `ended` entry; None when it never was a member or was removed since), the handles of
    the field-level shares (`limited`) in force naming it, and whether the chain ever
    named it (a membership or a field-level share, ended or not): two decisions about new
    terms for `peer` made on chains with the same basis are the same decision (R24 F1)."""
    if state is None:
        return None, frozenset(), False
    last = state.last_terms(peer.account_id)
    in_force, closed = state.limited_of(peer.account_id)
    ever = bool(state.handles.get(peer.account_id) or in_force or closed)
    return (last[0].handle if last else None), frozenset(s.handle for s in in_force), ever


_IDENTITY_ANSWERS: ContextVar[dict[tuple[str, str, str], wire.Identity] | None] = ContextVar(
    "identity_answers", default=None
)
"""The server's verified answers to /v1/account/identity kept by `identity_asked_once`, by
(server URL, this account's id in hex, username); None outside it."""


@contextmanager
def identity_asked_once() -> Iterator[None]:
    """Within it (the clients opened in it, one after another included), the server is asked
    for another account's identity (/v1/account/identity) once per server, signed-in
    account and username: a later use takes the answer already given, which is checked
    again as a new one would be (its self-signature; a share's fingerprint or the keys
    pinned here), so the server is trusted no more. An answer that did not verify, or
    NotFound, is not kept. For one command of an app that checks an account before asking
    its user, then shares with it (`tj brief`: four requests, now one); the answer is as
    old as the command. Raises nothing itself."""
    token = _IDENTITY_ANSWERS.set({})
    try:
        yield
    finally:
        _IDENTITY_ANSWERS.reset(token)


def not_reading_now(journal: LocalJournal, peer: Peer, state: access.AccessState) -> NotReadingNow:
    """The refusal of a share with safety flags, without `full`, for `peer`, who does not
    read `journal` now by `state` (the chain the share would be signed on): ended when the
    chain's latest membership of theirs lapsed by its end date or was ended (rev31b F1)."""
    ended = bool(state.last_terms(peer.account_id))
    why = "their share of it ended" if ended else "they are no member of it"
    return NotReadingNow(
        f"{peer.username} does not read {quoted_name(journal.name)} now ({why}), so nothing "
        "was shared: sharing it with safety flags gives them all of it, also what was "
        "written before" + (" and while their share had ended" if ended else ""),
        journal=journal.name,
        member=peer.username,
        ended=ended,
    )


UNSEEN_COPY = "unseen copy"
"""`TJError.subject` of a share of some fields not changed because this device cannot see
the copy kept for the member that the source's signed chain names (`unseen_copy_text`)."""


ACCOUNT_GONE = "account gone"
"""`TJError.subject` of a NotFound for an account this device knew that the server no longer
has (`names["username"]`): what this device holds of their journals stays until discarded."""


SHARE_CHANGED_ELSEWHERE = "share changed elsewhere"
"""`TJError.subject` of a share change refused because another device of the owner changed
that member's share meanwhile: nothing was changed; look at the shares and try again."""


SHARE_ENDED_ELSEWHERE = "share ended elsewhere"
"""`TJError.subject` of a change to a member's share refused because the server says they
left it (or their account was erased): this device removed them from the journal's access
and nothing else was changed (`names`: "journal", "member", and "source" and "fields" when
the journal is a copy of some fields of "source" kept for them)."""


OWN_JOURNAL = "own journal"
"""`TJError.subject` of a journal of this account given where a copy of another account's
journal is meant (`forget`: delete it instead; `names["journal"]`)."""

SHARE_STILL_SERVED = "share still served"
"""`TJError.subject` of a `forget` refused because the owner's verified chain still grants
the share, though the server no longer serves the journal: the user's word that the share
ended discards it (`unlisted`; `names["journal"]`)."""

UNSENT_COPY = "unsent copy"
"""`TJError.subject` of a `forget` refused because changes of this device in that copy are
not on the server (`unsent_error`)."""

ACK_WAITING = "waiting"
"""State of an acknowledgement of this device in the outbox, not yet taken by the server
(`Sharing.undelivered_acknowledgements`)."""

ACK_SET_ASIDE = "set_aside"
"""State of an acknowledgement of this device the server refused for good, set aside
(`Sharing.undelivered_acknowledgements`): the flag's owner sees it "may NOT have been
delivered"."""

UNSENT_BEFORE_LEAVING = "unsent before leaving"
"""`TJError.subject` of a leave refused because changes of this device in the journal (an
acknowledgement of a safety flag among them) could not be sent first (`Sharing.leave`)."""

SHARE_ACTIVE = "share active"
"""`TJError.subject` of a `forget` refused because the share is still active: leave it
first (`Sharing._still_active`)."""


def unseen_copy_text(source: str, username: str, what: str) -> str:
    """The refusal when a field-level share the source's signed chain names cannot be
    `what` ("narrowed", "ended") here: this device cannot see its copy (R24 F3, F4)."""
    return (
        f"can't tell whether {username}'s field-level share of {quoted_name(source)} was {what}: the "
        "journal's signed history names a copy of it kept for them that this device cannot "
        "see (the server does not list it, or its access chain has a problem), so that "
        "share was not changed and still reaches them. Sync and try again, or do this on "
        "a device of yours whose list of shares shows the copy"
    )


YOURSELF = "yourself"
"""`TJError.subject` of an InvalidInput for a share with this account itself (its own
username, or a name the server answers with this account's identity): nothing was shared."""

NO_SUCH_ACCOUNT = "account"
"""`TJError.subject` of a NotFound for a username no account on the server bears, and that
this device never knew (a share, a fingerprint): check the spelling. One it knew is
"account gone"."""


def check_fields(fields: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in fields if f.strip()))
    unknown = [f for f in chosen if f not in DISCLOSABLE]
    if unknown or not chosen:
        raise InvalidInput(
            f"fields to share are some of {', '.join(DISCLOSABLE)}", subject=BAD_VALUE
        )
    return chosen


def items_share(target: LocalJournal, peer: Peer) -> ShareInfo:
    """The `ShareInfo` of an item (an entry, a result) shared one at a time into the journal
    kept for `peer` (`Sharing.items_journal`): read, without an end date, kind "items"."""
    return ShareInfo(
        target.name,
        target.journal_id.hex(),
        peer.username,
        "read",
        None,
        False,
        kind="items",
        member_id=peer.account_id.hex(),
    )


class Sharing:
    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.store = replica.store
        self.profile = replica.profile
        self._nothing_pending_at: tuple[int, int] | None = None
        """The store's version when `departures` last found nothing pending (issue 10)."""
        self._erased_refused = False
        """The server refused an audit request with `with_erased` as 400 invalid_field (a
        server from before the field): this client asks without it, and erased members'
        entries come as before it (named by the username they had, `erased` False)."""

    # --- identities -----------------------------------------------------------------------------

    async def identity(self, username: str) -> wire.Identity:
        name = normalize_username(username)
        answers = _IDENTITY_ANSWERS.get()
        key = (self.profile.server_url, self.profile.account_id.hex(), name)
        try:
            identity = answers.get(key) if answers is not None else None
            if identity is None:
                identity = await self.replica.transport.call(
                    "/v1/account/identity", wire.IdentityRequest(name), wire.Identity
                )
        except NotFound as missing:
            if missing.subject == NOT_A_JOURNAL_SERVER:  # a page's 404 says no such thing
                raise
            peers = {p.username for p in await self.store.peers() if p.username}
            known = name in peers
            # a typo of an account this device knows: named, as every command names one
            hint = did_you_mean(name, peers - {self.profile.username})
            error = NotFound(
                f"no account is named {quoted_name(name)} any more: this device knew {name}'s account, so "
                "it was most likely deleted (or the server withholds it); what this device "
                "holds of their journals stays until you discard it"
                if known  # NU36 #13: "check the spelling" of a name that was right
                else f"no account is named {quoted_name(name)}{hint}: check the spelling",
                subject=ACCOUNT_GONE if known else NO_SUCH_ACCOUNT,
                names={"username": name} if known else None,
            )
            error.code, error.detail = missing.code, missing.detail
            raise error from None
        if identity.username != name:
            raise KeyChangedError(f"the server answered with the identity of {identity.username}")
        keys.verify_identity(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
            identity.signature,
        )  # every use, a kept answer too (`identity_asked_once`)
        if answers is not None:
            answers[key] = identity
        await self.replica.note_account_exists(identity.account_id)
        return identity

    async def confirmed_peer(
        self,
        username: str,
        fingerprint: str | None,
        trust_on_first_use: bool,
        *,
        verifying: bool = False,
    ) -> Peer:
        """The member's keys, checked against the fingerprint read out in session, or pinned.
        `verifying`: for `verify_peer`, which shares nothing (its refusal says so)."""
        identity = await self.identity(username)
        if fingerprint is not None:
            await self._check_typed(identity, fingerprint, sharing=not verifying)
            return await self.replica.pin(identity, verified=True, replace_pin=True)
        pinned = await self._pinned_for(identity)
        if pinned is not None:
            return pinned
        who = access.Identity(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
        )
        if not verifying and await self._signed_by_this_account(who):
            # Another device of this account shared with these very keys: the owner's own
            # signed chain names them, so this device need not ask again (NU20 C8).
            return await self.replica.pin(identity, verified=False)
        if not trust_on_first_use:
            raise InvalidInput(
                f"confirm {identity.username}'s fingerprint first (they read it out from their "
                "device), then pass it, or explicitly trust it on first use",
                subject="fingerprint",
            )
        return await self.replica.pin(identity, verified=False)

    async def _pinned_for(self, identity: wire.Identity) -> Peer | None:
        """The pin of `identity`'s account, when its keys are the pinned ones; None when
        this device pinned no account under the name. KeyChangedError when the server gives
        the name another account than the one pinned (`changed_account`) or the pinned
        account other keys."""
        if await self.replica.pinned_as(identity.username, identity.account_id):
            raise changed_account(identity.username)
        pinned = await self.store.peer(identity.account_id)
        if pinned is None:
            return None
        candidate = Peer(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
            False,
        )
        if not same_keys(pinned, candidate):
            raise KeyChangedError(
                f"the identity keys of {identity.username} changed since you pinned them: "
                "nothing was shared. Compare fingerprints in person, then accept the new "
                "keys{verify} and share again.",
                username=identity.username,
            )
        return pinned

    async def account_for(self, username: str, fingerprint: str | None) -> bytes:
        """The account a share with `username` goes to (`confirmed_peer`'s), pinning
        nothing: with `fingerprint`, the one the server gives the name, which it must match
        (KeyChangedError otherwise: a name an erased account freed may be another person's
        now); without, the one pinned here under the name (KeyChangedError, as
        `_pinned_for`, when the server gives the name another account or other keys); for a
        name pinned nowhere here, the account the server gives it. Needs the network;
        raises NotFound for an unknown username."""
        identity = await self.identity(username)
        if fingerprint is not None:
            await self._typed_matches(identity, fingerprint, sharing=True)
        else:
            await self._pinned_for(identity)
        return identity.account_id

    async def member_named(self, username: str, fingerprint: str | None) -> bytes | None:
        """The account a share with `username` goes to, as this device knows it without
        asking the server (`Shares.member_id`): with `fingerprint`, the account whose keys
        it matches among the keys pinned here (also pins replaced since) and those the
        verified access chains of this account's journals name (members, current or
        ended, and field-level shares); without, the account pinned here under the name,
        else the one account the chains name under it. Only a fingerprint this device
        holds no keys for is checked against the server's answer (which it then must
        match). None when this device cannot tell (several accounts under the name and
        none pinned; the server unreachable or its answer not matching)."""
        name = normalize_username(username)
        owned = {j.journal_id for j in await self.store.journals() if j.role == "owner"}
        named: list[access.Identity] = []
        for journal_id, state in self.replica.chains.states().items():
            if journal_id in owned:
                members = (*state.members.values(), *state.ended.values())
                named += [m.who for m in members if m.who is not None]
                named += [s.who for s in state.limited.values() if s.who is not None]
        pins = await self.store.peers()
        if fingerprint is None:
            pinned = {p.account_id for p in pins if p.username == name}
            accounts = pinned or {who.account_id for who in named if who.username == name}
            return next(iter(accounts)) if len(accounts) == 1 else None
        typed = keys.normalize_fingerprint(fingerprint)
        held = [
            (p.account_id, p.username, p.sign_public_key, p.box_public_key)
            for p in (*pins, *await self.store.replaced_under(name))
        ]
        held += [(w.account_id, w.username, w.sign_public_key, w.box_public_key) for w in named]
        for account_id, held_name, sign_key, box_key in held:
            if (
                held_name == name
                and keys.fingerprint(*(account_id, held_name, sign_key, box_key)) == typed
            ):
                return account_id
        try:
            return await self.account_for(name, fingerprint)
        except TJError:
            return None

    async def _signed_by_this_account(self, identity: access.Identity) -> bool:
        """Whether an access chain of a journal this account owns, as this device verified it
        (signed by this account's key: by one of its devices), names exactly this identity
        (account, username and both keys) as a member, current or lapsed by its end date, or
        in a field-level share in force: the keys another device of this account confirmed
        before sharing with them (a removed member's are not taken).
        Never the server's word: a key the server swapped in matches no signed entry."""
        owned = {j.journal_id for j in await self.store.journals() if j.role == "owner"}
        for journal_id, state in self.replica.chains.states().items():
            if journal_id not in owned or self.replica.chains.problem(journal_id):
                continue
            named = [m.who for m in (*state.members.values(), *state.ended.values())]
            named += [s.who for s in state.limited.values()]
            if identity in named:
                return True
        return False

    async def verify_replaces(
        self, username: str, fingerprint: str, *, sharing: bool = False
    ) -> HeldKeys | None:
        """What `verify_peer` (or a share with this `fingerprint`: `confirmed_peer`) would
        replace, marking nothing: the keys pinned here for the username under another
        account than the server gives it now, or other keys of that account (verified ones
        first); None when there are none. The fingerprint is checked first, as `verify_peer`
        checks it (`sharing`: as a share does, its refusal saying nothing was shared)."""
        name = normalize_username(username)
        identity = await self.identity(name)
        await self._check_typed(identity, fingerprint, sharing=sharing)
        now = Peer(
            identity.account_id,
            identity.username,
            identity.sign_public_key,
            identity.box_public_key,
            True,
        )
        held = [
            p
            for p in await self.store.peers()
            if (p.username == name or p.account_id == identity.account_id)
            and not (p.account_id == identity.account_id and same_keys(p, now))
        ]
        if not held:
            return None
        pin = sorted(held, key=lambda p: not p.verified)[0]
        times = [
            v.verified_at
            for v in await self.store.peer_verifications(pin.account_id)
            if same_keys(v.peer, pin) and v.verified_at
        ]
        return HeldKeys(
            pin.username,
            pin.account_id.hex(),
            pin.verified,
            to_datetime(min(times)) if pin.verified and times else None,
            pin.account_id != identity.account_id,
        )

    async def _check_typed(
        self, identity: wire.Identity, fingerprint: str, *, sharing: bool = False
    ) -> None:
        """`_check_typed`, whose refusal says so when the fingerprint typed is that of an
        earlier account that bore the username here, its pin replaced since (an account
        erased, its name taken by someone new: NU46 #12); for a verify (not `sharing`), it
        ends with what stays when this device holds `identity`'s keys as verified already
        (`_verified_still`)."""
        try:
            await self._typed_matches(identity, fingerprint, sharing=sharing)
        except KeyChangedError as error:
            if sharing:
                raise
            raise await self._verified_still(identity, error) from None

    async def _verified_still(
        self, identity: wire.Identity, error: KeyChangedError
    ) -> KeyChangedError:
        """`error`, a fingerprint typed to verify that does not match `identity`, the keys
        the server gave for this very check, ending with what stays when this device holds
        exactly those keys as verified already (a mistyped number marks nothing and unmarks
        nothing): "drlee's keys stay verified on this device, as you compared them before."
        Else `error` itself. Decided on `identity`, never on another answer of the server's
        (which could give the pinned keys there and others to the check)."""
        if error.username is not None:  # it asks to accept new keys: not a typing slip
            return error
        held = await self.store.peer(identity.account_id)
        if (
            held is None
            or not held.verified
            or (held.username, held.sign_public_key, held.box_public_key)
            != (identity.username, identity.sign_public_key, identity.box_public_key)
        ):
            return error
        return KeyChangedError(
            f"{error} {identity.username}'s keys stay verified on this device, as you "
            "compared them before.",
            subject=FINGERPRINT_MISMATCH,
        )

    async def _typed_matches(
        self, identity: wire.Identity, fingerprint: str, *, sharing: bool = False
    ) -> None:
        try:
            _check_typed(identity, fingerprint, sharing=sharing)
        except KeyChangedError as error:
            typed = keys.normalize_fingerprint(fingerprint)
            for old in await self.store.replaced_under(identity.username):
                held = keys.fingerprint(
                    old.account_id, old.username, old.sign_public_key, old.box_public_key
                )
                if held == typed and old.account_id != identity.account_id:
                    raise KeyChangedError(
                        f"{error} It is the fingerprint of the earlier account named "
                        f"{old.username} on this device (account {old.account_id.hex()[:8]}), "
                        f"not of the account the server gives that name now: the earlier one "
                        "was most likely erased and its name taken by someone new."
                    ) from None
            raise

    async def verify_peer(self, username: str, fingerprint: str) -> bool:
        """Re-pin a peer whose keys changed, after comparing the new fingerprint in person.
        False when this device held exactly these keys as verified already (nothing
        changed), else True."""
        name = normalize_username(username)
        before = {p.account_id: p for p in await self.store.peers() if p.username == name}
        peer = await self.confirmed_peer(name, fingerprint, False, verifying=True)
        known = before.get(peer.account_id)
        return not (known is not None and known.verified and same_keys(known, peer))

    # --- whole-journal shares --------------------------------------------------------------------

    async def share(
        self,
        journal: LocalJournal,
        username: str,
        role: str | None = None,
        until: datetime | None = None,
        fingerprint: str | None = None,
        trust_on_first_use: bool = False,
        only: list[str] | tuple[str, ...] | None = None,
        no_end: bool = False,
        full: bool = False,
        full_if_new: bool = False,
        again: Collection[str] = (),
        confirm: Callable[[], Awaitable[None]] | None = None,
        readers_only: bool = False,
    ) -> ShareInfo:
        """`again`: see `Shares.grant`. `readers_only`: a whole-journal share only for a member
        who reads it now, by the chain signed on (`_grant_held`): NotReadingNow otherwise
        (`Shares.grant` with `safety_flags=True`, without `full=True`: rev31b F1). `confirm`: awaited after this call's sync, on the
        chain and the owner's documents (the safety plan) as that sync left them, before
        anything is signed for the member (new terms, or, with `only`, before the copy is
        made and again where the wider share ends); an error it raises leaves nothing signed
        (`Shares.grant`'s FlagsWouldStop, R49 F1). `full_if_new`: share the whole journal (as `full`) only when its verified chain
        never named the account (no membership, current, lapsed or removed; no field-level
        share) and this device keeps no copy of it for them, checked again on the chain
        signed on; otherwise as without `full` (R24 F2: never inferred from the server's
        silence)."""
        if journal.role != "owner":
            raise AccessError(f"only the owner of {quoted_name(journal.name)} can share it")
        if full and only is not None:
            raise InvalidInput(
                "share the whole journal (full) or some fields (only), not both", subject=BAD_VALUE
            )
        if role is not None and role not in keys.ROLES:
            raise InvalidInput(
                f"a share's role is one of {', '.join(keys.ROLES)}", subject=BAD_VALUE
            )
        if until is not None and no_end:
            raise InvalidInput(
                "give an end date (expires_at) or no_end=True, not both", subject=BAD_VALUE
            )
        # None: keep the member's current end date (none for a new member); 0: no end date.
        expires_at: int | None = 0 if no_end else (share_expiry(until) if until else None)
        if only is not None:  # a field misspelt: said before any fingerprint is asked for
            check_fields(only)
        if normalize_username(username) == self.profile.username:  # before any fingerprint
            raise InvalidInput("you cannot share a journal with yourself", subject=YOURSELF)
        peer = await self.confirmed_peer(username, fingerprint, trust_on_first_use)
        if peer.account_id == self.profile.account_id:
            raise InvalidInput("you cannot share a journal with yourself", subject=YOURSELF)
        copy = await self._copy_of(journal)
        if copy is not None:  # a field-level copy: what the member reads is its fields (NU21 C1)
            return await self._share_copy(
                journal, peer, copy, role, expires_at, widen=only is not None or full
            )
        basis: Basis | None = None  # None: a new membership is asked for (full, only)
        if full_if_new and only is None and not full:
            await self.replica.refresh_journals()
            chain = self.replica.chains.state(journal.journal_id)
            copies = [
                d
                for d in self.kept_disclosures().values()
                if d.kind == "mirror"
                and d.mirror_of == journal.journal_id
                and d.member_id == peer.account_id
            ]
            first = basis_of(chain, peer)
            if first == (None, frozenset(), False) and not copies:
                full, basis = True, first
        if only is None and not full:
            limited = await self.limited_share(journal, peer.account_id)
            if limited is not None:  # new terms for what they read today, never more
                target, settings, terms = limited
                terms_before: list[access.Member] = []
                role, expires_at = await self._grant(
                    target,
                    peer,
                    role or terms.role,
                    expires_at,
                    basis=basis_of(self.replica.chains.state(target.journal_id), peer),
                    before=terms_before,
                    confirm=confirm,
                )
                return ShareInfo(
                    target.name,
                    target.journal_id.hex(),
                    peer.username,
                    role,
                    to_datetime(expires_at) if expires_at else None,
                    False,
                    settings.fields or DISCLOSABLE,
                    journal.name,
                    kind="mirror",
                    since=self.copies_from(target.journal_id),
                    **previous_terms(terms_before),
                    member_id=peer.account_id.hex(),
                )
        if only is None and not full:
            self._refuse_new_member(journal, peer, given_terms=(role, expires_at) != (None, None))
            basis = basis_of(self.replica.chains.state(journal.journal_id), peer)
        if only is None:
            given = role, expires_at  # new terms reach every share of it they hold (R24 F7)
            if given != (None, None):  # ... so one this device cannot see refuses them
                await self._refuse_unseen_copies(
                    journal, peer.username, [peer.account_id], "given the new terms"
                )
            kept_terms: tuple[str, ...] = ()
            kept_from = ""
            if full and (role is None or expires_at is None):  # widening keeps the terms
                asked = role, expires_at
                role, expires_at = await self._copy_terms(journal, peer, role, expires_at)
                kept_terms = tuple(
                    what
                    for what, before, now in (
                        ("role", asked[0], role),
                        ("end date", asked[1], expires_at),
                    )
                    if before is None and now  # an end date 0 (none) is no term kept
                )
                if kept_terms:  # said plainly by the caller (NU61 F7: a silent end date kept)
                    with contextlib.suppress(InvalidInput):
                        limited = await self.limited_share(journal, peer.account_id)
                        kept_from = limited[0].name if limited is not None else ""
            left: list[int] = []
            before: list[access.Member] = []
            role, expires_at = await self._grant(
                journal,
                peer,
                role,
                expires_at,
                basis=basis,
                left=left,
                before=before,
                confirm=confirm,
                readers_only=readers_only,
            )
            same_terms = await self._terms_for_copies(journal, peer, *given)
            return ShareInfo(
                journal.name,
                journal.journal_id.hex(),
                peer.username,
                role,
                to_datetime(expires_at) if expires_at else None,
                False,
                copies_too=tuple(same_terms),
                left_before=to_datetime(left[0]) if left else None,
                **previous_terms(before),
                member_id=peer.account_id.hex(),
                kept_terms=kept_terms,
                kept_from=kept_from,
            )
        fields = check_fields(only)
        if confirm is not None:  # on what the narrowing is signed on, before anything changes
            await self.replica.keep_told(await self.replica.sync())  # (a plan changed: R49 F1)
            await confirm()
        # The mirror copies the entries this device reads: not while the owner's newer
        # changes wait unread here (they could remove what it would copy), R20 F4.
        await self.replica.refuse_while_parked(journal, "share part of it")
        # A copy the source's chain names that this device cannot end (unseen, or its chain
        # has a problem) would stay in force: refuse before anything changes (R24 F3).
        await self.replica.refresh_journals()
        await self._refuse_unseen_copies(journal, peer.username, [peer.account_id], "narrowed")
        # Narrowing: end what lets the member read more first (a failure after this leaves
        # them reading less, never more), then start the field-level share.
        if expires_at is None or role is None:  # the narrower share keeps the terms of the
            await self.replica.refresh_journals()  # one it replaces, unless new ones are given
            chain = self.replica.chains.current(journal.journal_id)
            wider = chain.member_by_account(peer.account_id)
            if wider is not None and not wider.ended(now_ms()):
                expires_at = wider.expires_at if expires_at is None else expires_at
                role = role or wider.role
            elif wider is None:  # other fields instead: the terms of that copy (NU20 C3)
                role, expires_at = await self._copy_terms(journal, peer, role, expires_at)
        # The copy exists (with nobody sealed to) before anything else changes: the source's
        # chain names it in the same rotation that ends the wider share, so a device that
        # never saw the copy (the server hides it) still learns of it (R23 F1).
        target = await self.disclosure_journal(
            peer,
            f"{journal.name} ({', '.join(fields)}) for {peer.username}",
            mirror_of=journal.journal_id,
            fields=fields,
            since=now_ms(),
            kind="mirror",
        )
        kept = self.replica.chains.state(target.journal_id)
        if kept is None or kept.member_by_account(peer.account_id) is None:
            # The copy kept from an ended share, shared again: what it holds goes too, never
            # unsaid ("from now on", NU24 C8); before anything ends.
            await self._refuse_shared_again(target, peer, None, again)
        ended = await self._end_wider_shares(journal, peer, fields, target.journal_id, confirm)
        lapsed: list[access.Member] = []  # the same copy renewed: its terms before
        role, expires_at = await self._grant(target, peer, role, expires_at, before=lapsed)
        return ShareInfo(
            target.name,
            target.journal_id.hex(),
            peer.username,
            role,
            to_datetime(expires_at) if expires_at else None,
            False,
            fields,
            journal.name,
            tuple(ended),
            kind="mirror",
            since=self.copies_from(target.journal_id),
            **previous_terms(lapsed),
            member_id=peer.account_id.hex(),
        )

    async def _share_copy(
        self,
        journal: LocalJournal,
        peer: Peer,
        copy: tuple[access.Disclosure, str | None],
        role: str | None,
        expires_at: int | None,
        *,
        widen: bool,
    ) -> ShareInfo:
        """`share` of a field-level copy kept for a member (by the copy's own name): a new
        role or end date for that member, who still reads only the copy's fields (reported
        as such: kind "mirror", `fields`, `source`). What a copy holds is chosen on its
        source (`only`, `full`), and a copy is shared with no one else: ScopeNeeded names
        the source, also when the member is no longer in the copy (they left, or the share
        was ended: sharing again is a choice of what they read, NU21 C7)."""
        settings, source = copy
        fields = settings.fields or DISCLOSABLE
        await self.replica.refresh_journals()  # the member's terms in the copy as they are
        if settings.kind != "mirror":
            return await self._share_helper(journal, peer, settings, role, expires_at, widen)
        kept_for = self.replica.chains.state(journal.journal_id)
        who = kept_for.signers.get(settings.member_id) if kept_for is not None else None
        kept_name = who.username if who is not None else "another account"
        what = (
            f"{quoted_name(journal.name)} is a copy of {quoted_name(source or 'a journal no longer on this device')} "
            f"kept for {kept_name} with the {', '.join(fields)} of each entry"
        )
        if settings.member_id != peer.account_id:
            raise ScopeNeeded(
                f"{what}, so nothing was shared with {peer.username}: share the journal "
                "itself with them instead",
                journal=source,
                journal_id=settings.mirror_of.hex() if settings.mirror_of else None,
                member=peer.username,
            )
        if widen:
            raise ScopeNeeded(
                f"{what}: what they read is chosen on the journal it copies, so nothing was "
                "changed",
                journal=source,
                journal_id=settings.mirror_of.hex() if settings.mirror_of else None,
                member=peer.username,
            )
        if kept_for is None or kept_for.last_terms(peer.account_id) is None:
            raise ScopeNeeded(
                f"{what}, and they no longer read it (they left, or the share was ended), so "
                "nothing was shared",
                journal=source,
                journal_id=settings.mirror_of.hex() if settings.mirror_of else None,
                member=peer.username,
                fields=fields,
            )
        before: list[access.Member] = []
        role, expires_at = await self._grant(
            journal, peer, role, expires_at, basis=basis_of(kept_for, peer), before=before
        )
        # What the member reads of the source is on the source's own verified chain: never
        # report "only the copy's fields" without reading it (R33 F2).
        whole = self.replica.chains.state(settings.mirror_of) if settings.mirror_of else None
        return ShareInfo(
            journal.name,
            journal.journal_id.hex(),
            peer.username,
            role,
            to_datetime(expires_at) if expires_at else None,
            False,
            fields,
            source or journal.name,
            kind="mirror",
            since=self.copies_from(journal.journal_id),
            whole_too=whole is not None and whole.member_by_account(peer.account_id) is not None,
            **previous_terms(before),
            member_id=peer.account_id.hex(),
        )

    async def _copy_terms(
        self, journal: LocalJournal, peer: Peer, role: str | None, expires_at: int | None
    ) -> tuple[str | None, int | None]:
        """`role` and `expires_at`, each given or else the one of the field-level share of
        `journal` the member reads today (`limited_share`) that a wider or other share
        replaces: changing what is shared never silently changes a role or lifts an end
        date (NU20 C3). An end date already passed is not carried over; no such share (or
        one this device cannot be sure of) leaves them as given."""
        try:
            limited = await self.limited_share(journal, peer.account_id)
        except InvalidInput:
            return role, expires_at
        if limited is None:
            return role, expires_at
        terms = limited[2]
        if expires_at is None and not terms.ended(now_ms()):
            expires_at = terms.expires_at
        return role or terms.role, expires_at

    async def refuse_unscoped_terms(
        self, journal: LocalJournal, username: str, fingerprint: str | None = None
    ) -> None:
        """Raise ScopeNeeded where `share(journal, username, role=...)` with `full_if_new`,
        without `full` or `only`, would refuse before anything is signed: the account, pinned
        here, is named by the journal's verified chain (refreshed first) but holds no
        membership of it, current or lapsed, nor a field-level share (removed: `revoke`,
        `tj unshare`). Nothing for an account not pinned here (`share` asks for its keys), a
        journal not this account's or kept only to share with a member. With the
        `fingerprint` the share is to be given: the account the server gives the name, which
        it matches (the one the share goes to, pinned here or not: a name an erased account
        freed may be another's now, rev31d F2); nothing when it does not match (`share`
        refuses it). For an app to say the refusal before asking anything (`tj share
        --safety-flags`, fix31e); `share` decides again on the chain it signs on. Raises
        NetworkError offline, and as `limited_share`."""
        name = normalize_username(username)
        if journal.role != "owner" or await self._copy_of(journal):
            return
        if fingerprint is not None:
            try:
                identity = await self.identity(name)
                await self._typed_matches(identity, fingerprint, sharing=True)
            except KeyChangedError:
                return
            peer = await self.store.peer(identity.account_id) or Peer(
                identity.account_id,
                identity.username,
                identity.sign_public_key,
                identity.box_public_key,
                False,
            )
        else:
            peers = [p for p in await self.store.peers() if p.username == name]
            if len(peers) != 1:
                return
            peer = peers[0]
        if await self.limited_share(journal, peer.account_id) is not None:  # refreshes first
            return  # new terms for what they read today
        chain = self.replica.chains.state(journal.journal_id)
        copies = [
            d
            for d in self.kept_disclosures().values()
            if d.kind == "mirror"
            and d.mirror_of == journal.journal_id
            and d.member_id == peer.account_id
        ]
        if basis_of(chain, peer) == (None, frozenset(), False) and not copies:
            return  # never named: the whole journal is shared
        self._refuse_new_member(journal, peer, given_terms=True)

    def _refuse_new_member(
        self, journal: LocalJournal, peer: Peer, *, given_terms: bool = False
    ) -> None:
        """Raise ScopeNeeded when the account has no membership, current or lapsed, in the
        journal's verified chain: new terms for them are not a request to share the whole
        journal, and that they read none of it through a copy is never taken from the
        server's silence (R23 F1). The reason says what the caller did (NU33 #5): a role or
        an end date given (`given_terms`) is not a share; without them, nothing chose what
        they are to read, and one removed from the journal (`tj unshare`) read it before."""
        state = self.replica.chains.state(journal.journal_id)
        if state is not None and state.last_terms(peer.account_id) is not None:
            return
        if given_terms:
            why = "a role or an end date alone never shares a whole journal"
        else:
            before = state is not None and bool(state.handles.get(peer.account_id))
            why = (
                f"{'they read it before, and ' if before else ''}sharing it "
                f"{'again ' if before else ''}needs a choice of what they are to read: the "
                "whole journal or some fields of it"
            )
        raise ScopeNeeded(
            f"{peer.username} is not a member of {quoted_name(journal.name)}, so nothing was shared: {why}",
            journal=journal.name,
            journal_id=journal.journal_id.hex(),
            member=peer.username,
        )

    async def _share_helper(
        self,
        journal: LocalJournal,
        peer: Peer,
        settings: access.Disclosure,
        role: str | None,
        expires_at: int | None,
        widen: bool,
    ) -> ShareInfo:
        """`share` of the journal of single items kept for a member: new terms for that
        member only, reported as what it is (`ShareInfo.kind` "items", never the whole of a
        journal); anything else is refused (InvalidInput, subject
        "items journal"): items are shared one at a time (`share_entry`)."""
        state = self.replica.chains.state(journal.journal_id)
        kept = f"{quoted_name(journal.name)} holds only what you share with one member one item at a time"
        if settings.member_id != peer.account_id or widen:
            raise InvalidInput(
                f"{kept}: nothing was shared with {peer.username} or changed",
                subject="items journal",
            )
        if state is None or state.last_terms(peer.account_id) is None:
            raise InvalidInput(
                f"{kept}, and {peer.username} no longer reads it (they left, or the share was "
                "ended): nothing was shared",
                subject="items journal",
            )
        before: list[access.Member] = []
        role, expires_at = await self._grant(
            journal, peer, role, expires_at, basis=basis_of(state, peer), before=before
        )
        return ShareInfo(
            journal.name,
            journal.journal_id.hex(),
            peer.username,
            role,
            to_datetime(expires_at) if expires_at else None,
            False,
            settings.fields,
            kind=settings.kind,
            **previous_terms(before),
            member_id=peer.account_id.hex(),
        )

    async def _copy_of(self, journal: LocalJournal) -> tuple[access.Disclosure, str | None] | None:
        """When `journal` is one this account keeps only to share with a member (a
        field-level copy, `tj share --only`; the journal of single items): its
        settings (from the verified disclosure) and, for a copy, its source's name (None
        when this device no longer holds the source); None for any other journal."""
        settings = self.kept_disclosures().get(journal.journal_id)
        if settings is None or settings.kind == "brief":  # a brief's: Briefs.share grants it
            return None
        if settings.kind != "mirror":  # one item at a time: never a whole journal
            return settings, None
        sources = {j.journal_id: j.name for j in await self.store.journals()}
        return settings, sources.get(settings.mirror_of or b"")

    def _limited_changes(
        self, state: access.AccessState, peer: Peer, mirror_id: bytes
    ) -> list[tuple[str, dict[str, Any]]]:
        """The entries that make the source's chain (`state`) say that `peer` reads some of
        it through the copy `mirror_id` and no other: a `limited` entry (unless one in
        force says so already) and the end of those naming other copies of it for them
        (whose shares `_end_wider_shares` ends)."""
        in_force, _ = state.limited_of(peer.account_id)
        changes = [access.limited_removed(s.handle) for s in in_force if s.mirror != mirror_id]
        if not any(s.mirror == mirror_id for s in in_force):
            who = access.Identity(
                peer.account_id, peer.username, peer.sign_public_key, peer.box_public_key
            )
            account_key = self.profile.secrets.account_key
            changes.append(access.limited(who, mirror_id, state.journal_id, account_key))
        return changes

    async def limited_share(
        self, source: LocalJournal, account_id: bytes
    ) -> tuple[LocalJournal, access.Disclosure, access.Member] | None:
        """The field-level share through which the account reads `source` (its copy kept for
        them, that copy's settings and the member's terms there), when they have no current
        whole-journal share of it; None otherwise. One whose end date passed counts, also
        once an `ended` entry was signed for it (renewing it renews it); one the owner
        removed (unshared) does not. Read from the chains this device verified and keeps,
        refreshed first: a copy's chain counts whatever the server lists now (R22 F1).

        Raises ChainUpdateNeeded when a copy kept for the member holds an entry of a newer
        chain version; ScopeNeeded when a copy kept for the member that this
        device verified cannot be acted on (another problem of its chain, or the server no
        longer lists the journal), and when the member has no share of `source` left but
        read it through a copy once (removed since: by the owner, or on the server's word
        when it stopped serving them). Widening is never the answer to a server's silence,
        nor a side effect of new terms.

        The source's own chain names every field-level share of it (`limited` entries, R23
        F1): one in force whose copy this device has not verified (a new device, the server
        not listing the copy) is "unsure" as above, and one ended (`limited_removed`) is an
        ended share as above, whichever copies this device ever saw. A lapsed whole-journal
        share does not make new terms renew it while a copy was ever kept for them: which of
        the two the owner chose last is not signed in one chain (a copy renewed or narrowed
        to again signs nothing in the source's), so `full=True` says it (rev-nu29b B1)."""
        await self.replica.refresh_journals()
        now = now_ms()
        # state(), not current(): a journal created offline has no chain until the sync in
        # _grant sends it, and a chain with a problem fails there; neither has a mirror.
        chain = self.replica.chains.state(source.journal_id)
        whole = chain.member_by_account(account_id) if chain is not None else None
        if whole is not None and not whole.ended(now):
            return None
        # Their latest whole-journal membership, lapsed (its end date passed, closed by an
        # `ended` entry or not yet); None when never granted, or removed since: only how a
        # refusal reads.
        last = chain.last_terms(account_id) if chain is not None else None
        lapsed_whole = last[0] if last is not None else None
        owned = {j.journal_id: j for j in await self.store.journals() if j.role == "owner"}
        found = []
        unsure: list[str] = []
        removed: list[tuple[str, tuple[str, ...] | None]] = []
        acted: set[bytes] = set()  # copies this device verified and can tell the share of
        for journal_id, settings in self.kept_disclosures().items():
            if not (
                settings.kind == "mirror"
                and settings.mirror_of == source.journal_id
                and settings.member_id == account_id
            ):
                continue
            state = self.replica.chains.state(journal_id)
            last = state.last_terms(account_id) if state is not None else None
            if last is None:
                if state is not None and state.handles.get(account_id):
                    acted.add(journal_id)
                    removed.append((state.signers[account_id].username, settings.fields))
                continue  # never granted, or removed: no share to change
            member, current = last
            if self.replica.chains.needs_update(journal_id):  # "update", not "can't tell"
                self.replica.chains.raise_problem(journal_id)
            if self.replica.chains.problem(journal_id) or journal_id not in owned:
                unsure.append(member.username)
                continue
            acted.add(journal_id)
            lapsed = not current or member.ended(now)
            found.append((lapsed, -settings.since, owned[journal_id], settings, member))
        in_force, closed = chain.limited_of(account_id) if chain is not None else ([], [])
        for share in in_force:  # the source's chain says a copy is shared: which, and how
            if share.mirror not in acted and share.who is not None:
                unsure.append(share.who.username)
        for share in closed:
            if share.mirror not in acted and share.who is not None:
                removed.append((share.who.username, None))
        if not found and unsure:
            raise ScopeNeeded(
                f"can't tell whether {unsure[0]} reads only some fields of {quoted_name(source.name)}: "
                "this device verified a copy of it kept for them, but the server no longer "
                "shows that copy as it was (its access chain has a problem, or it is not "
                "listed), so nothing was changed. Sync and try again, or choose what they "
                "read",
                journal=source.name,
                journal_id=source.journal_id.hex(),
                member=unsure[0],
            )
        # `whole`, if any, lapsed here (its end date passed) with or without the `ended`
        # entry a sync signs: the same answer either way, never a renewal of the whole
        # journal decided by whether that sync ran yet (rev-lead L1).
        if not found and removed:
            # A removal is signed by an owner device, but may be one made on the server's
            # word (Sharing._drop_departed: "the server no longer serves them"): sharing
            # again is a choice of what they read, never a side effect of new terms.
            name, fields = removed[0]
            which = f"the {', '.join(fields or DISCLOSABLE)}" if fields else "some fields"
            if lapsed_whole is not None:  # its end date passed: renewing it is a choice too
                read = (
                    f"{name} read all of {quoted_name(source.name)} until its end date passed, and "
                    f"{which} of it through a copy whose share was ended"
                )
            elif chain is not None and chain.handles.get(account_id):
                read = (
                    f"{name} read all of {quoted_name(source.name)}, and {which} of it through a copy; "
                    "both shares were ended"
                )
            else:
                read = (
                    f"{name} read only {which} of {quoted_name(source.name)} through a copy whose "
                    "share was ended"
                )
            raise ScopeNeeded(
                f"{read} (by you, or by a device of yours because the server no longer "
                "served them, or they left): nothing was changed. To share with them again, "
                "choose what they read",
                journal=source.name,
                journal_id=source.journal_id.hex(),
                member=name,
                fields=fields,
            )
        if not found:
            return None  # nothing limited: new terms are for the whole share
        _, _, journal, settings, member = min(found, key=lambda f: f[:2])  # live, then newest
        return journal, settings, member

    async def name_older_copies(self) -> int:
        """Sign a `limited` entry into a source journal's chain for each field-level copy of
        it this device verified (listed, no problem) whose member's share is on or lapsed
        there, and that the source's chain does not name yet (in force or ended): a copy an
        app made before `limited` entries existed. Then a device the server hides that copy
        from still learns of it from the source's signed chain, and never widens on the
        server's silence (R24 F2). One rotation of the source per such copy, once; returns
        how many were named. A network failure or a conflict leaves it for the next sync."""
        unnamed: list[tuple[bytes, bytes, access.Identity]] = []  # (copy, source, member)
        for journal_id, settings in self.disclosures().items():  # in memory: no store read
            source_id = settings.mirror_of
            if settings.kind != "mirror" or source_id is None:
                continue
            state = self.replica.chains.state(source_id)
            copy = self.replica.chains.state(journal_id)
            if state is None or copy is None or self.replica.chains.problem(source_id):
                continue
            last = copy.last_terms(settings.member_id)
            in_force, closed = state.limited_of(settings.member_id)
            if last is None or last[0].who is None:
                continue  # nobody reads it (never shared, or removed)
            if not any(s.mirror == journal_id for s in (*in_force, *closed)):
                unnamed.append((journal_id, source_id, last[0].who))
        if not unnamed:
            return 0
        owned = {j.journal_id: j for j in await self.store.journals() if j.role == "owner"}
        account_key = self.profile.secrets.account_key
        named = 0
        for journal_id, source_id, who in unnamed:
            source = owned.get(source_id)
            if source is None or journal_id not in owned:
                continue

            def still_unnamed(now: access.AccessState, mirror: bytes = journal_id) -> None:
                shares = (*now.limited.values(), *now.limited_removed.values())
                if any(s.mirror == mirror for s in shares):
                    raise ConflictError("another device named this copy meanwhile")

            try:
                await self.replica.change_access(
                    source,
                    [access.limited(who, journal_id, source_id, account_key)],
                    still_unnamed,
                )
            except (NetworkError, ConflictError, AccessError):
                continue  # tried again at the next sync
            named += 1
        return named

    def kept_disclosures(self) -> dict[bytes, access.Disclosure]:
        """Like `disclosures`, but also of the chains this device verified that now have a
        problem or are no longer listed (their last verified state, kept in the store until
        the owner deletes the journal here): what the owner signed stays known whatever the
        server shows now."""
        return self._opened_disclosures(with_problems=True)

    async def _end_wider_shares(
        self,
        source: LocalJournal,
        peer: Peer,
        fields: tuple[str, ...],
        mirror_id: bytes,
        confirm: Callable[[], Awaitable[None]] | None = None,
    ) -> list[str]:
        """End, each with a key rotation signed into its access chain, every share that lets
        `peer` read `source` otherwise than through exactly `fields`: the whole-journal share
        and field-level shares of `source` with other fields. The source's rotation also
        signs that `peer` reads it through the copy `mirror_id` (`_limited_changes`; always
        one rotation of the source). Returns the names of the journals whose share ended.
        `confirm`: as `_end_shares`'s, on what its sync left (`share`'s `confirm`)."""

        def candidates() -> list[bytes]:
            return [source.journal_id] + [
                journal_id
                for journal_id, settings in self.disclosures().items()
                if settings.kind == "mirror"
                and settings.mirror_of == source.journal_id
                and settings.member_id == peer.account_id
                and settings.fields != fields
            ]

        def of_peer(state: access.AccessState) -> access.Member | None:
            return state.member_by_account(peer.account_id)

        def limited(journal_id: bytes, state: access.AccessState, ending: set[bytes]) -> list[Any]:
            if journal_id != source.journal_id:
                return []
            # On the state signed on: every copy whose `limited` this closes is one this
            # operation ends too, never one this device cannot see (R24 F3).
            unseen = [
                s
                for s in state.limited_of(peer.account_id)[0]
                if s.mirror not in ending and s.mirror != mirror_id
            ]
            if unseen:
                raise InvalidInput(
                    unseen_copy_text(source.name, peer.username, "narrowed"), subject=UNSEEN_COPY
                )
            return self._limited_changes(state, peer, mirror_id)

        # A journal whose chain has a problem is not skipped: narrowing stops there (the
        # member keeps reading less or the same, never more).
        def theirs(owed: owed_shares.Owed) -> bool:
            return _owed_to(owed, peer.account_id, peer.username)

        return await self._end_shares(
            candidates,
            of_peer,
            skip_problems=False,
            also=limited,
            confirm=confirm,
            withdraw=theirs,
        )

    async def _terms_for_copies(
        self, source: LocalJournal, peer: Peer, role: str | None, expires_at: int | None
    ) -> list[str]:
        """Give the new terms of `peer`'s whole-journal share of `source` (`role`, `expires_at`
        as the caller gave them: None keeps each copy's own) to each field-level copy of it
        this device verified whose share with them is on: an end date set on the whole share
        reaches everything they read of it (R24 F7). A copy whose share lapsed or ended is
        not renewed. Returns the names of the copies whose terms changed."""
        if role is None and expires_at is None:
            return []
        owned = {j.journal_id: j for j in await self.store.journals() if j.role == "owner"}
        now = now_ms()
        changed = []
        for journal_id, settings in self.disclosures().items():
            if not (
                settings.kind == "mirror"
                and settings.mirror_of == source.journal_id
                and settings.member_id == peer.account_id
            ):
                continue
            copy, state = owned.get(journal_id), self.replica.chains.state(journal_id)
            member = state.member_by_account(peer.account_id) if state is not None else None
            if copy is None or member is None or member.ended(now):
                continue
            basis = basis_of(state, peer)
            await self._grant(copy, peer, role, expires_at, basis=basis)
            changed.append(copy.name)
        return changed

    async def _end_shares(
        self,
        candidates: Callable[[], list[bytes]],
        member_of: Callable[[access.AccessState], access.Member | None],
        *,
        skip_problems: bool,
        also: Callable[[bytes, access.AccessState, set[bytes]], list[Any]] | None = None,
        required: Collection[bytes] = (),
        checked: Callable[[], None] | None = None,
        confirm: Callable[[], Awaitable[None]] | None = None,
        withdraw: Callable[[owed_shares.Owed], bool] | None = None,
    ) -> list[str]:
        """End a member's share of each journal `candidates()` names (ids, computed after
        the sync below), with the member `member_of` picks from its chain: the member
        removed and the key rotated, in one request per journal. The one path for ending a
        member's share (`unshare`, and narrowing with `share(only=...)`).

        The removal signs the member's devices' last counters this device accounts for
        (access.with_counters): every device then refuses that member's records beyond them.
        So this device first takes in what the member wrote until now (a sync): a note the
        server acknowledged to the member before the share ended is kept, not refused.

        `also(journal id, state, ending)`: more entries to sign in that journal's rotation
        (the `limited` / `limited_removed` entries of a source journal, R23 F1); a journal
        rotates for them even where the member is no member, and is then not named in the
        result. `ending`: the candidates this call acts on (listed, owned, and without a
        problem where those are skipped): a `limited_removed` may name only their copies
        (R24 F3, F4).

        Before anything is signed, a journal this call would act on, or one of `required` (the
        journals the user named: never skipped), whose chain has a problem raises it:
        ChainUpdateNeeded ("update the app") or RollbackError, with nothing ended anywhere,
        never a partial end nor "not shared" (R30 F3); so does `checked()`, called then (on
        the chains as the sync left them), for what the caller checks besides, and then
        `confirm()` (awaited: e.g. whether safety flags would stop, R49 F1).

        `withdraw(owed)`: whether a share of this device still owed in one of the candidates
        (`owed_shares`) is one this call ends: no sync of this process signs that grant again
        or seals its boundary while this call runs (`Replica.holding_owed`: its own sync
        included), and once the checks above passed its note is withdrawn (with any grant of
        theirs withdrawn by an earlier call that failed) and ruled out
        (`Replica.end_withdrawn`: its position taken, or its member removed should it have
        landed, planned on each attempt's chain: REV-OWED F6, F9); that journal is named in
        the result. Should this call raise before, the note stays, as if it had not run;
        should the rotation fail, it stays withdrawn and every sync tries again."""
        held = frozenset(candidates()) if withdraw is not None else frozenset[bytes]()
        async with self.replica.holding_owed(held):
            await self.replica.keep_told(await self.replica.sync())
            owned = {j.journal_id: j for j in await self.store.journals() if j.role == "owner"}
            ended = []
            ids = candidates()
            ending = {
                journal_id
                for journal_id in ids
                if journal_id in owned
                and not (skip_problems and self.replica.chains.problem(journal_id))
            }
            for journal_id in ids:
                if journal_id in ending or (journal_id in owned and journal_id in required):
                    self.replica.chains.raise_problem(journal_id)
            if checked is not None:
                checked()
            if confirm is not None:
                await confirm()
            withdrawn = (
                await self.replica.withdraw_owed(ids, withdraw) if withdraw is not None else []
            )
            # Whom each journal's share ends for, on the chains as this call's sync left them: a
            # share another device of the owner ends meanwhile (a race: this device's rotation
            # is refused as stale, or its chain shows it once refreshed) is ended all the same.
            aimed = {}
            for journal_id in ending:
                known = self.replica.chains.state(journal_id)
                aimed[journal_id] = member_of(known) is not None if known is not None else False
            for journal_id in ids:
                target = owned.get(journal_id)
                if journal_id not in ending or target is None:
                    continue

                def plan(
                    state: access.AccessState, journal_id: bytes = journal_id
                ) -> list[tuple[str, dict[str, Any]]]:
                    """What is still to sign on `state` (each attempt of the rotation reads it
                    again): the member's removal while they are one, and `also`'s entries."""
                    member = member_of(state)
                    more = also(journal_id, state, ending) if also is not None else []
                    removal = [access.removed(member.handle)] if member is not None else []
                    return [*removal, *more]

                state = self.replica.chains.current(journal_id)
                if plan(state):
                    await self.replica.change_access(target, plan)
                if aimed[journal_id] or member_of(state) is not None:
                    ended.append(target.name)
            for owed in withdrawn:
                target = owned.get(owed.journal_id)
                if target is None:
                    continue
                # Its position taken, or its member removed should it have landed (another
                # process's grant signed again, the server storing a held request): decided
                # on each attempt's chain; kept withdrawn should this fail (REV-OWED F6, F9).
                await self.replica.end_withdrawn(target, owed)
                if target.name not in ended:
                    ended.append(target.name)
            return ended

    async def _grant(
        self,
        journal: LocalJournal,
        peer: Peer,
        role: str | None,
        expires_at: int | None,
        *,
        basis: Basis | None = None,
        left: list[int] | None = None,
        before: list[access.Member] | None = None,
        confirm: Callable[[], Awaitable[None]] | None = None,
        readers_only: bool = False,
    ) -> tuple[str, int]:
        """`_grant_held`, with the journal's owed grant held (`Replica.holding_owed`): no sync
        of this process signs it again nor seals its boundary while the owner signs new
        terms for the member (REV-OWED F2: the owed grant's wider terms never land first);
        when that owed grant is the member's (the same account), it is withdrawn just before
        the new terms are signed, and the new grant takes its position. Another member's
        owed grant is not held: the call's sync may sign it again (still wanted)."""
        noted = owed_shares.decode(await self.store.setting(owed_shares.SETTING))
        owed = noted.get(journal.journal_id)
        theirs = owed is not None and _owed_to(owed, peer.account_id, peer.username)
        held = frozenset({journal.journal_id}) if theirs else frozenset[bytes]()
        async with self.replica.holding_owed(held):
            return await self._grant_held(
                journal,
                peer,
                role,
                expires_at,
                basis=basis,
                left=left,
                before=before,
                confirm=confirm,
                readers_only=readers_only,
            )

    async def _grant_held(
        self,
        journal: LocalJournal,
        peer: Peer,
        role: str | None,
        expires_at: int | None,
        *,
        basis: Basis | None = None,
        left: list[int] | None = None,
        before: list[access.Member] | None = None,
        confirm: Callable[[], Awaitable[None]] | None = None,
        readers_only: bool = False,
    ) -> tuple[str, int]:
        """Sign the member's terms into the chain. A new member starts a new epoch whose
        documents are fresh snapshots (nothing from before the share reaches them); a
        member's new terms are re-sealed under a new epoch too. `role` None keeps a current
        member's role, or the role of their membership that lapsed by its end date when this
        renews it ("read" for a new one: a new end date never silently changes it);
        `expires_at` None keeps a current member's end date (a new role never silently lifts
        it; one already passed is not carried over); returns the role and the end date
        signed (ms, UTC; 0 = none).

        `basis`: new terms for what the member holds, decided on the chain as `basis_of`
        read it before this call's sync; None only when the caller asked for a new
        membership (full=True, a copy for only=..., the journal of single items). The chain
        signed on (after the sync, and on each retry of the rotation) must still show the
        same: else another device changed the member's share meanwhile (narrowed it, ended
        it, named a copy) and InvalidInput is raised with nothing signed. New terms are never
        a new membership the caller did not ask for (R24 F1).

        A member the chain lists whom the server no longer serves (they left: /v1/shares/
        leave, or their account was deleted) is taken off the chain first, as a sync's
        departure check does (`_drop_departed`: the server's word, which only narrows): new
        terms signed for them (`changed`) would make the server serve them again under the
        membership their device left, which it keeps as left (no "shared again", no end told
        later), while the owner was never told they had left. With `basis` (new terms for
        what they hold) nothing is then signed: InvalidInput says they left and how to share
        again, and this device's next sync does not report that departure again (told once,
        `_told_by_refusal`); without it, a new membership is granted, and its time is appended
        to `left` (ms, UTC) when given. `before`, when given, gets the member's terms as the
        chain signed on held them when this call signed new terms for that membership
        (`changed`), so that the caller tells a change as one (NU26 C5); or, when this call
        granted a new membership that renews one which reached its signed end date
        (`lapsed_membership`: an `ended` entry closed it, the key changing, or its keys
        changed after it lapsed), that membership's terms, so that the caller tells a
        renewal as one, as the account's other devices do (NU30 #4). `confirm`, when
        given, is awaited after the sync (on the chain and the owner's plan as it left them)
        and before anything is signed: what it raises leaves nothing signed (R49 F1).
        `readers_only`: new terms only for a member who reads the journal now (a current
        membership, its end date not passed) by the chain signed on, after the sync and on
        each retry of the rotation; else NotReadingNow, nothing signed: a renewal or a first
        share gives them the whole journal, decided on that chain, never on this device's
        older copy (rev31b F1)."""
        # What was written before the share stays before it, and the share's snapshots can
        # account for every record the server holds so far (no false gap for the member).
        await self.replica.keep_told(await self.replica.sync())
        if await self._dropped_as_departed(journal, peer):
            if basis is not None:
                raise await self._told_by_refusal(journal, peer)
            if left is not None:
                left.append(now_ms())
        if confirm is not None:
            await confirm()

        def check(state: access.AccessState) -> None:
            if readers_only:
                reading = state.member_by_account(peer.account_id)
                if reading is None or reading.ended(now_ms()):
                    raise not_reading_now(journal, peer, state)
            if basis is not None and basis_of(state, peer) != basis:
                raise InvalidInput(
                    f"{peer.username}'s share of {quoted_name(journal.name)} changed on another device "
                    "of yours meanwhile (narrowed, ended or renewed there), so nothing was "
                    "changed: look at your shares and try again",
                    subject=SHARE_CHANGED_ELSEWHERE,
                )

        state = self.replica.chains.current(journal.journal_id)
        check(state)
        current = state.member_by_account(peer.account_id)
        who = access.Identity(
            peer.account_id, peer.username, peer.sign_public_key, peer.box_public_key
        )
        if expires_at is None:
            kept = current.expires_at if current is not None else 0
            expires_at = 0 if current is not None and current.ended(now_ms()) else kept

        def theirs(owed: owed_shares.Owed) -> bool:
            return _owed_to(owed, peer.account_id, peer.username)

        if role is None:  # a renewal keeps the role of the share that lapsed (NU20 C2)
            last = state.last_terms(peer.account_id)
            role = current.role if current is not None else last[0].role if last else "read"
        if current is not None and current.who == who:
            # A grant of theirs still owed here: ruled out by this rotation (its position).
            await self.replica.withdraw_owed([journal.journal_id], theirs)
            await self.replica.change_access(
                journal, [access.changed(current.handle, role, expires_at)], check
            )
            if before is not None:  # told as a change, never as a new share (NU26 C5)
                before.append(current)
            return role, expires_at
        # The new epoch's snapshots hold what this device reads: not records kept for a
        # newer app version, which the member would then never receive.
        await self.replica.refuse_while_parked(journal, "share it with someone new")
        # Every snapshot the share needs fits in a record, checked before anything is signed:
        # a refused share leaves no share (R41 F4).
        await self.replica.check_snapshots(journal)
        if before is not None:  # a renewal, told as one on this device too (NU30 #4)
            lapsed = lapsed_membership(state, peer.account_id, current, now_ms())
            before.extend([lapsed] if lapsed is not None else [])
        account_key = self.profile.secrets.account_key
        grant = access.granted(who, role, expires_at, journal.journal_id, account_key)
        # Once the grant is pushed the share exists: its boundary, if this call cannot seal
        # it, is sealed by a later sync (noted once signed, before it is sent:
        # `owing_share`, REV-S1 F1, REV-S2 F1/F2).
        # A grant of theirs still owed here (other terms): withdrawn, this one takes its
        # position (REV-OWED F2); any other member's stays owed (a later sync finishes it).
        await self.replica.withdraw_owed([journal.journal_id], theirs)
        signed_as: list[access.Member] = []

        def plan(state: access.AccessState) -> list[tuple[str, dict[str, Any]]]:
            # Planned on the chain each attempt signs on (REV-OWED2 G2): when a grant of this
            # account's other device for the same keys landed just before (a chain
            # conflict, retried), the member is current there: their terms are changed to
            # the ones asked for now, never a second grant (refused) nor theirs kept.
            now_current = state.member_by_account(peer.account_id)
            if now_current is not None and now_current.who == who:
                signed_as[:] = [now_current]
                return [access.changed(now_current.handle, role, expires_at)]
            signed_as.clear()
            if now_current is not None:  # keys changed and verified again: a new membership
                return [access.removed(now_current.handle), grant]
            return [grant]

        async with self.replica.owing_share(journal, grant[1]["member"], peer.username, who):
            await self.replica.change_access(journal, plan, check, rotate_anyway=True)
            if signed_as:
                if before is not None:  # told as a change (NU26 C5)
                    before.append(signed_as[0])
                return role, expires_at
            fresh = {j.journal_id: j for j in await self.store.journals()}[journal.journal_id]
            try:
                await self.replica.seal_snapshots(fresh)
            except InvalidInput as error:
                raise InvalidInput(
                    f"{peer.username} now shares {quoted_name(journal.name)} (signed), but "
                    + owed_shares.unfinished(peer.username, error),
                    subject="too large",
                ) from None
        await self.replica.push_outbox()
        return role, expires_at

    async def _told_by_refusal(self, journal: LocalJournal, peer: Peer) -> InvalidInput:
        """The refusal of new terms for `peer`, a member `_dropped_as_departed` just took off
        `journal`'s chain: why the server no longer serves them ("the server says they left
        the share (not signed by them)", or that their account was deleted, or that it did
        not say why) and how to share again (`--full`; for a field-level copy, its source
        with `--only` and the copy's fields, NU21 C7). The refusal tells the departure, so it
        is taken out of what the next sync reports on this device: told once (the owner's
        other devices still tell it, as they verify the signed removal). A field-level copy
        of the journal still shared with them is named too, as the sync's notice names it
        (NU26 C2)."""
        journal_id = journal.journal_id.hex()
        found: list[Departure] = []
        async with self.store.transaction() as tx:
            pending = departures.decode(await tx.setting(departures.PENDING))
            for d in pending.told:
                if (
                    not d.owner
                    and d.journal_id == journal_id
                    and normalize_username(d.member) == normalize_username(peer.username)
                    and d.reason in (departures.LEFT, departures.ERASED, departures.UNKNOWN)
                ):
                    found.append(d)
            if found:
                pending.told = [d for d in pending.told if d not in found]
                await tx.set_setting(departures.PENDING, pending.encode())
        said = departures.server_word(found[-1].reason if found else departures.LEFT)
        names = {j.journal_id: j.name for j in await self.store.journals()}
        copy = self._copy_kept_for(found[-1], names) if found else ""
        if copy:
            said += f" ({departures.copy_still_read(copy)})"
        named = {
            "journal": journal.name,
            "journal id": journal.journal_id.hex(),
            "member": peer.username,
        }
        if found:  # the terms they held, by the verified chain: the share given again (fix34b)
            held = found[-1]
            named["role"] = held.held_role
            named |= {"until": str(held.held_until)} if held.held_until else {}
            named |= {"fingerprint": held.held_fingerprint} if held.held_fingerprint else {}
        again = "share the whole journal with them"
        settings = self.kept_disclosures().get(journal.journal_id)
        if settings is not None and settings.kind == "mirror" and settings.mirror_of:
            source = names.get(settings.mirror_of)
            if source is not None:
                fields = ",".join(settings.fields or DISCLOSABLE)
                named |= {
                    "source": source,
                    "source id": settings.mirror_of.hex(),
                    "fields": fields,
                }
                again = f"share the fields {fields.replace(',', ', ')} of {quoted_name(source)} with them"
        situation = (
            f"{peer.username} no longer reads {quoted_name(journal.name)}: {said}, so this device removed "
            "them from the journal's access and nothing else was changed"
        )
        return InvalidInput(
            f"{situation}. To share it with them again, {again}",
            subject=SHARE_ENDED_ELSEWHERE,
            situation=situation,
            names=named,
        )

    async def _dropped_as_departed(self, journal: LocalJournal, peer: Peer) -> bool:
        """Whether `peer`, a current member of `journal` by its verified chain, is one the
        server no longer serves, now taken off the chain (`_drop_departed` for this journal:
        a signed `removed` entry, NOT_SERVED, and a new key epoch; the departure is kept for
        the next sync's report, as a sync's check keeps it). False, with nothing signed,
        for a member the server still serves, or one the chain does not list."""
        state = self.replica.chains.state(journal.journal_id)
        if state is None or state.member_by_account(peer.account_id) is None:
            return False
        if peer.account_id in (await self.replica.served_members()).get(journal.journal_id, set()):
            return False
        await self._drop_departed({journal.journal_id})
        after = self.replica.chains.state(journal.journal_id)
        return after is not None and after.member_by_account(peer.account_id) is None

    async def unshare(
        self,
        journal: LocalJournal,
        username: str,
        same_named: list[LocalJournal] | None = None,
        *,
        new_key_if_not_shared: bool = True,
    ) -> list[str]:
        """End every way `journal` reaches the member: their share of the journal itself and
        of each field-level copy of it kept for them (and of `same_named`, other journals of
        this account shown under the same name). Each ends with the member removed from the
        chain and a key rotation, in one request per journal, so that records written
        afterwards stay unreadable to them. Returns the names of the journals whose share
        ended; raises ShareAlreadyEnded (a NotFound) when a verified chain shows the member's
        share ended before this call (by another device of this account at the same moment,
        or earlier) and none is left to end, NotFound when none of them is shared with the
        member otherwise; with `new_key_if_not_shared` False, NotShared (nothing signed) when
        no chain of them names the member at all (`_never_named`)."""
        if journal.role != "owner":
            raise AccessError(f"only the owner of {quoted_name(journal.name)} can stop sharing it")
        name = normalize_username(username)
        sources = {journal.journal_id} | {j.journal_id for j in same_named or []}

        def candidates() -> list[bytes]:
            copies = [
                journal_id
                for journal_id, settings in self.disclosures().items()
                if settings.kind == "mirror" and settings.mirror_of in sources
            ]
            return [journal.journal_id, *(sources - {journal.journal_id}), *copies]

        def named(state: access.AccessState) -> access.Member | None:
            return next((m for m in state.members.values() if m.username == name), None)

        unseen: dict[bytes, list[access.Limited]] = {}
        """source -> the copies it names that this call cannot end, as planned on the chain
        state last signed on (each attempt plans again: never one a retry no longer sees)."""

        def closed(journal_id: bytes, state: access.AccessState, ending: set[bytes]) -> list[Any]:
            # Every copy of a source kept for them ends: its chain says so too (R23 F1); but
            # only one this call ends (or whose share ended already), never one this device
            # cannot see or act on: that one stays named, and the caller is told (R24 F4).
            if journal_id not in sources:
                return []
            mine = [
                s for s in state.limited.values() if s.who is not None and s.who.username == name
            ]
            unseen[journal_id] = [s for s in mine if s.mirror not in ending]
            return [access.limited_removed(s.handle) for s in mine if s.mirror in ending]

        def copies_updated() -> None:  # a copy of theirs needing an update: nothing ends
            for source_id in sources:
                source_state = self.replica.chains.state(source_id)
                if source_state is not None:
                    self._raise_copies_update(
                        s
                        for s in source_state.limited.values()
                        if s.who is not None and s.who.username == name
                    )

        def theirs(owed: owed_shares.Owed) -> bool:
            return _owed_to(owed, None, name)

        ended = await self._end_shares(
            candidates,
            named,
            skip_problems=True,
            also=closed,
            required=sources,
            checked=copies_updated,
            withdraw=theirs,
        )
        if any(unseen.values()):
            done = (
                f"ended {name}'s share of {', '.join(quoted_name(e) for e in ended)}, but "
                if ended
                else ""
            )
            raise InvalidInput(
                f"{done}{unseen_copy_text(journal.name, name, 'ended')}",
                subject=UNSEEN_COPY,
            )
        if not ended:
            found, doubtful = await self._still_reaching(sources, name)
            for journal_id, _ in doubtful:  # "update the app", not "cannot tell" (S7b)
                if self.replica.chains.needs_update(journal_id):
                    self.replica.chains.raise_problem(journal_id)
            reading, unsure = [n for _, n in found], [n for _, n in doubtful]
            if reading or unsure:  # never "already ended" while they read part of it (R33 F3)
                what = " and ".join(quoted_name(j) for j in (*reading, *unsure))
                raise StillShared(
                    f"{quoted_name(journal.name)} itself is not shared with {name} any more, but "
                    + (
                        f"{name} still reads entries or results of it in {what}"
                        if reading and not unsure
                        else f"{name} may still read part of it in {what} (this device "
                        "cannot tell: its signed access history has a problem)"
                    )
                    + ": nothing was ended",
                    member=name,
                    reading=tuple(reading),
                    unsure=tuple(unsure),
                    journal_ids=tuple(j.hex() for j, _ in (*found, *doubtful)),
                )
            if not new_key_if_not_shared:
                await self._never_named(journal, candidates(), name)
            taken, removed = await self._take_pending_grants(journal, name)
            if removed:  # the held grant landed meanwhile: this rotation ended it (G1)
                await self._drop_unshared(candidates(), name)
                return [journal.name]
            if self._ended_before(candidates(), name):
                await self._drop_unshared(candidates(), name)
                raise ShareAlreadyEnded(
                    f"{quoted_name(journal.name)} is no longer shared with {name}: the share was already "
                    "ended (the journal's signed access history says so: by another device "
                    f"of yours, or earlier); nothing more to do{taken}",
                    journal=journal.name,
                    member=name,
                )
            raise NotFound(f"{quoted_name(journal.name)} is not shared with {name}{taken}")
        await self._drop_unshared(candidates(), name)
        return ended

    async def _take_pending_grants(self, journal: LocalJournal, name: str) -> tuple[str, bool]:
        """An unshare of a member the verified chain of `journal` does not list (REV-OWED F1):
        another device of this account may hold a grant for them that the server never
        stored, which that device signs again at each sync (protocol.md 4.19 "The grant
        signed again") and which only it knows of. A plain rotation signed here takes the
        next position of the chain: every such grant, signed on the chain as it was, can
        then never land (the server refuses it as a chain conflict, and that device's sync
        drops its note and says the share can no longer be). Each attempt is planned on the
        chain it signs on (REV-OWED2 G1): when such a grant landed just before (a chain
        conflict, retried), `name` (a normalized username) is a current member there and the
        rotation removes them, so the unshare ends that share. Returns (the words for the
        caller's error, "" when the chain has a problem: nothing is signed on it; whether the
        rotation stored removed a member named `name`)."""
        if self.replica.chains.problem(journal.journal_id) is not None:
            return "", False
        planned: list[bytes] = []

        def plan(state: access.AccessState) -> list[tuple[str, dict[str, Any]]]:
            planned[:] = [m.handle for m in state.members.values() if m.username == name]
            return [access.removed(handle) for handle in planned]

        await self.replica.change_access(journal, plan, rotate_anyway=True)
        words = (
            " (to be safe, the journal got a new key anyway: a share with them made on another "
            "of your devices that the server has not stored yet can no longer start)"
        )
        return words, bool(planned)

    async def _never_named(
        self, journal: LocalJournal, journal_ids: list[bytes], username: str
    ) -> None:
        """Raise NotShared when no verified chain of `journal_ids` names `username` (a
        normalized username) as a member, current or former, nor holds a share for them
        waiting to be stored (`owed_shares`): a mistyped name, most often. Its `close` names
        the members whose names are close to it. Nothing is raised while a chain has a
        problem (this device cannot tell)."""
        names: set[str] = set()
        for journal_id in journal_ids:
            if self.replica.chains.problem(journal_id) is not None:
                return
            state = self.replica.chains.state(journal_id)
            if state is None:
                continue
            names |= {
                who.username
                for account_id, who in state.signers.items()
                if who.username and state.handles.get(account_id)
            }
        noted = owed_shares.decode(await self.store.setting(owed_shares.SETTING))
        owed = [noted[j] for j in journal_ids if j in noted]
        if username in names or any(_owed_to(o, None, username) for o in owed):
            return
        close = tuple(close_names(username, names, most=3))
        hint = did_you_mean(username, names, most=3)  # as every other command says it
        raise NotShared(
            f"{quoted_name(journal.name)} is not shared with {username}{hint}: nothing was changed",
            journal=journal.name,
            member=username,
            close=close,
        )

    def _ended_before(self, journal_ids: list[bytes], username: str) -> bool:
        """Whether the verified chains of `journal_ids` (as this call's sync left them) show
        `username` as a former member of one and a current member of none, none of them
        with a problem: a share ended already (removed, or closed by its end date), e.g. by
        another device of this account at the same moment (NU21 C4); its removal is newer
        than their latest grant in every one of them (R33 F3). Never the server's word: the
        owner signed it."""
        former = False
        for journal_id in journal_ids:
            state = self.replica.chains.state(journal_id)
            if state is None:
                continue
            for account_id, who in state.signers.items():
                if who.username != username or not state.handles.get(account_id):
                    continue
                if self.replica.chains.problem(journal_id):
                    return False
                if state.member_by_account(account_id) is not None:
                    return False
                former = True
        return former

    async def still_reading(
        self, sources: set[bytes], username: str
    ) -> tuple[list[str], list[str]]:
        """The journals kept for `username` through which they may still read part of
        `sources` (verified chains, kept also when they have a problem or are not listed):
        each field-level copy of one of them, and the journal of single items when it holds
        a copy of one of their entries or results. Returns (names of those whose chain
        shows them a current member, names of those, and of `sources`, whose chain has a
        problem, or which are no longer listed, while it names them): R33 F3."""
        reading, unsure = await self._still_reaching(sources, username)
        return [name for _, name in reading], [name for _, name in unsure]

    async def _still_reaching(
        self, sources: set[bytes], username: str
    ) -> tuple[list[tuple[bytes, str]], list[tuple[bytes, str]]]:
        """`still_reading`, each journal as (id, name)."""
        reading: list[tuple[bytes, str]] = []
        unsure: list[tuple[bytes, str]] = []
        names = {j.journal_id: j.name for j in await self.store.journals()}
        account_key = self.profile.secrets.account_key
        originals: list[bytes] | None = None
        for journal_id in sources:
            state = self.replica.chains.state(journal_id)
            if state is None or not self.replica.chains.problem(journal_id):
                continue
            if any(w.username == username for w in state.signers.values()):
                unsure.append((journal_id, names.get(journal_id, journal_id.hex()[:8])))
        for journal_id, settings in self.kept_disclosures().items():
            state = self.replica.chains.state(journal_id)
            who = state.signers.get(settings.member_id) if state is not None else None
            if state is None or who is None or who.username != username:
                continue
            if settings.kind == "mirror":
                if settings.mirror_of not in sources:
                    continue
            elif settings.kind == "items":
                if originals is None:
                    originals = [d for j, d in await self.store.document_ids() if j in sources]
                copies = [keys.disclosure_doc_id(account_key, d, journal_id) for d in originals]
                if not copies or not await self.store.documents_by_ids(copies):
                    continue
            else:
                continue
            name = names.get(journal_id, f"a journal kept for {username}")
            if self.replica.chains.problem(journal_id) or journal_id not in names:
                unsure.append((journal_id, name))  # not listed, or a problem: never ended
            elif state.member_by_account(settings.member_id) is not None:
                reading.append((journal_id, name))
        return reading, unsure

    async def _refuse_unseen_copies(
        self, source: LocalJournal, username: str, accounts: list[bytes], what: str
    ) -> None:
        """Raise InvalidInput when the source's verified chain names a field-level share
        (`limited` in force) of one of `accounts` through a copy this device cannot end:
        not listed, never verified here, or its chain has a problem (R24 F3)."""
        chain = self.replica.chains.state(source.journal_id)
        if chain is None:
            return
        owned = {j.journal_id for j in await self.store.journals() if j.role == "owner"}
        seen = set(self.disclosures()) & owned
        for account_id in accounts:
            unseen = [s for s in chain.limited_of(account_id)[0] if s.mirror not in seen]
            self._raise_copies_update(unseen)
            if unseen:
                raise InvalidInput(
                    unseen_copy_text(source.name, username, what), subject=UNSEEN_COPY
                )

    def _raise_copies_update(self, shares: Iterable[access.Limited]) -> None:
        """ChainUpdateNeeded ("update the app") for the first copy among `shares` (field-level
        shares a source's verified chain names) whose own chain holds an entry of a newer
        chain version: such a copy is not "unseen", and nothing of it can be told or changed
        until the app is updated (its verified chain decides, never the server)."""
        for share in shares:
            if share.mirror is not None and self.replica.chains.needs_update(share.mirror):
                self.replica.chains.raise_problem(share.mirror)

    async def leave(self, journal: LocalJournal, leave_undelivered: Collection[str] = ()) -> None:
        """Stop being a member of a journal shared with this account (protocol.md,
        /v1/shares/leave): the server stops serving it at once and the journal leaves this
        device's list; the owner's devices drop this account from the access chain at their
        next change of members. What was already downloaded stays on this device, which
        remembers that this account left (forgotten.LEFT: `forget` may then discard it).
        Changes this device made in the journal and has not sent (an acknowledgement of a
        safety flag among them) are sent first, and the leave is asked for only once the
        server took them (`_send_before_leaving`, which sends an acknowledgement the server
        set aside once more); raises InvalidInput (subject UNSENT_BEFORE_LEAVING) when it did
        not, and the leave is not asked for (rev34a F3), unless the server refused for good
        only acknowledgements of flags in `leave_undelivered` (rev34b F2)."""
        if journal.role == "owner":
            raise InvalidInput(
                f"{quoted_name(journal.name)} is your own journal: delete it or stop sharing it instead",
                subject="refused",
            )
        await self._send_before_leaving(journal, leave_undelivered)
        await self.replica.transport.call(
            "/v1/shares/leave", wire.JournalRequest(journal.journal_id), wire.Empty
        )
        held = held_membership(
            self.replica.chains.state(journal.journal_id), self.profile.account_id
        )
        async with self.store.transaction() as tx:
            left = forgotten.decode(await tx.setting(forgotten.LEFT))
            await tx.set_setting(
                forgotten.LEFT, forgotten.encode(left | {forgotten.tag(journal.journal_id)})
            )
            when = forgotten.decode_left_at(await tx.setting(forgotten.LEFT_AT))
            when[forgotten.tag(journal.journal_id)] = now_ms()  # said as "left DATE"
            await tx.set_setting(forgotten.LEFT_AT, forgotten.encode_left_at(when))
            if held is not None:  # the membership left: kept ended (R40 F4)
                ended = forgotten.decode_ended(await tx.setting(forgotten.ENDED_UNDER))
                ended[forgotten.tag(journal.journal_id)] = held
                await tx.set_setting(forgotten.ENDED_UNDER, forgotten.encode_ended(ended))
        await self.replica.refresh_journals()

    async def unsent_acknowledgements(self, journal_id: bytes) -> list[str]:
        """The ids (hex) of the safety flags of the journal `journal_id` whose acknowledgement
        by this device waits in the outbox, not yet taken by the server: until it is, the
        flag's owner sees no acknowledgement. No network."""
        found = await self.undelivered_acknowledgements(journal_id)
        return sorted(flag for flag, state in found.items() if state == ACK_WAITING)

    async def undelivered_acknowledgements(self, journal_id: bytes) -> dict[str, str]:
        """The safety flags of the journal `journal_id` whose acknowledgement by this device
        is not on the server, by id (hex): ACK_WAITING, in the outbox (offline, a server
        answering 503), or ACK_SET_ASIDE, refused by the server for good and set aside (a
        full account: `Client.set_aside`); until the server takes it, the flag's owner sees
        it "may NOT have been delivered" (rev34b F2). A flag with one acknowledgement
        waiting is ACK_WAITING. No network."""
        waiting = await self.store.outbox_documents([journal_id], SAFETY_ACK)
        aside = await self.store.set_aside_documents()
        if not waiting and not aside:
            return {}
        found: dict[str, str] = {}
        for stored in await self.store.documents(journal_id, (SAFETY_ACK,)):
            if stored.doc_id not in waiting and stored.doc_id not in aside:
                continue
            if ack := ack_view(stored_document(stored)):
                state = ACK_WAITING if stored.doc_id in waiting else ACK_SET_ASIDE
                if found.get(ack[0]) != ACK_WAITING:
                    found[ack[0]] = state
        return found

    async def set_aside_of(self, journal_id: bytes) -> set[bytes]:
        """The documents (ids) of the journal `journal_id` with a change of this device the
        server refused for good and set aside (`Client.set_aside`): acknowledgements of
        safety flags, notes, entries, any kind. No network."""
        return {
            row.record.doc_id
            for row in await self.store.set_aside()
            if row.record.journal_id == journal_id and row.record.doc_id is not None
        }

    async def ack_documents(self, journal_id: bytes) -> set[bytes]:
        """The documents (ids) of the journal that are acknowledgements of safety flags."""
        return {stored.doc_id for stored in await self.store.documents(journal_id, (SAFETY_ACK,))}

    async def _send_before_leaving(
        self, journal: LocalJournal, leave_undelivered: Collection[str]
    ) -> None:
        """Push this device's outbox when it holds changes of `journal`, so that none of them
        (an acknowledgement of a safety flag: the owner is told whether the therapist read
        it) is set aside as refused for good once the share ended; every change of the
        journal the server set aside before (an acknowledgement, a note, any kind:
        `set_aside_of`) is put back and sent once more (rev34b F2, rev34d F2). Raises
        InvalidInput (subject UNSENT_BEFORE_LEAVING, `names`: "journal", the journal's
        owner/name, and "journal id"; "acknowledgements", the flags' ids whose
        acknowledgement is not on the server, space-separated; "waiting", how many changes;
        "set aside", the flags' ids whose acknowledgement the server refused for good;
        "changes set aside", the documents' ids, hex, of the journal's other changes refused
        for good and not in `leave_undelivered`: after a leave none can be delivered)
        when the push fails (offline, a server answering 503) or leaves any change unsent,
        or when the server refused (set aside) an acknowledgement of a flag, or another
        change of the journal, not in `leave_undelivered` (ids, hex, of flags and of
        documents: those its user was told are not delivered and leaves all the same): the leave is not asked for (rev34a F3). Decided on the state after
        the push, whoever pushed (a `sync --watch` of this device too)."""
        again = await self.set_aside_of(journal.journal_id)
        if again:  # sent once more: the server may take them now (space freed)
            async with self.store.transaction() as tx:
                await tx.restore_set_aside_of(journal.journal_id, again)
        if journal.journal_id not in await self.store.outbox_journals():
            return
        acks = await self.unsent_acknowledgements(journal.journal_id)
        why = "the server could not be reached to send {them} (offline, or it is unavailable)"
        with contextlib.suppress(NetworkError):  # RateLimited too: said the same way
            await self.replica.push_outbox()
            why = "the server did not take {them}"
        waiting = await self.store.unsent(journal.journal_id)
        still = journal.journal_id in await self.store.outbox_journals()
        after = await self.undelivered_acknowledgements(journal.journal_id)
        refused = sorted(
            flag
            for flag, state in after.items()
            if state == ACK_SET_ASIDE and flag not in leave_undelivered
        )
        ack_docs = await self.ack_documents(journal.journal_id)
        others = sorted(
            doc_id.hex()
            for doc_id in await self.set_aside_of(journal.journal_id)
            if doc_id not in ack_docs and doc_id.hex() not in leave_undelivered
        )
        if not still and not refused and not others:
            return
        label = f"{journal.owner_name}/{journal.name}"
        names = {
            "journal": label,
            "journal id": journal.journal_id.hex(),
            "acknowledgements": " ".join(sorted(after)),
            "waiting": str(waiting),
            "set aside": " ".join(refused),
            "changes set aside": " ".join(others),
        }
        if not still and others:
            many = len(others) > 1
            it = "them" if many else "it"
            raise InvalidInput(
                f"{len(others)} change{'s' if many else ''} of this device in "
                f"{quoted_name(label)} (document{'s' if many else ''} "
                + ", ".join(d[:12] for d in others)
                + f") {'were' if many else 'was'} refused by the server for good and set "
                f"aside: NOT delivered, and once you leave {it} never can be. You did not "
                f"leave (still a member): send {it} again once the server takes {it} (retry "
                f"the changes set aside, then sync), or leave again knowing {it} will not be "
                "delivered",
                subject=UNSENT_BEFORE_LEAVING,
                names=names,
            )
        if not still:
            many = len(refused) > 1
            it = "them" if many else "it"
            raise InvalidInput(
                f"your acknowledgement{'s' if many else ''} of safety flag{'s' if many else ''} "
                + ", ".join(a[:12] for a in refused)
                + f" in {quoted_name(label)} {'were' if many else 'was'} refused by the server "
                f"for good and set aside: NOT delivered, so {journal.owner_name}'s devices say "
                f"the flag{'s' if many else ''} may NOT have been delivered to you. You did not "
                f"leave (still a member): send {it} again once the server takes {it} (retry "
                f"the changes set aside, then sync), or leave again, which then leaves without "
                f"{it}, and tell {journal.owner_name} yourself that you read {it}",
                subject=UNSENT_BEFORE_LEAVING,
                names=names,
            )
        changes = "1 change" if waiting == 1 else f"{waiting:,} changes"
        them = "it" if waiting == 1 else "them"
        acked = (
            f" ({'among them ' if waiting > len(acks) else ''}your acknowledgement"
            f"{'s' if len(acks) > 1 else ''} of safety flag{'s' if len(acks) > 1 else ''} "
            + ", ".join(a[:12] for a in acks)
            + f", which {journal.owner_name} sees only once the server has it)"
            if acks
            else ""
        )
        raise InvalidInput(
            f"{quoted_name(label)} has {changes} of this device not yet on the server{acked}, "
            f"and {why.format(them=them)}: once you leave, the server takes no more of {them} "
            f"and {them} would be set aside. You did not leave (still a member): sync first, then leave again",
            subject=UNSENT_BEFORE_LEAVING,
            names=names,
        )

    async def forget(
        self, journal: LocalJournal, label: str, unlisted: bool = False, check_only: bool = False
    ) -> bool:
        """Discard the read-only copy of an ended share from this device (`Replica.forget_copy`);
        `label` names the journal in errors. Returns whether the store's files were scrubbed
        too (`Store.scrub`).

        Whether the share ended is decided on the owner's signed access chain as this device
        verified it, never on the server's journal list (protocol.md, attack table: "server
        omits an active share to get it forgotten"): this account's membership ended there
        (removed, or its signed end date passed by this device's clock), or this account
        left it on this device (`leave`), or `unlisted` is True and the server no longer
        lists the journal (the user's word that the share ended: a member the owner removed
        is no longer served the chain entry that says so, protocol.md 4.19, so its
        device cannot tell a removal from a server withholding the journal). Online, the
        journal list and chains are refreshed
        first, as a sync does, so that an end date the owner lifted or moved since is seen;
        offline, the chain this device last verified decides.

        Runs under the client's `Replica.sync_lock`: never while a sync of this client runs in
        this process (it waits for it), so no pull or journal list writes the journal back.
        Another process syncing the same profile at that moment (another `tj`) is not
        serialised with it: the store refuses to write the journal's row back once its
        forgotten tag is set (Transaction.put_journal), but that process's pull may still
        store what it was applying (documents, seen records) under a journal with no row;
        forget with no other process syncing this profile.

        Raises InvalidInput for a journal of this account, a share the owner's chain still
        grants (whatever the server lists), or a journal with records of this device not yet
        on the server (outbox or set aside: they would be lost). `check_only`: the checks
        alone; nothing is discarded (returns False)."""
        if journal.owner_id == self.profile.account_id:
            raise InvalidInput(
                f"{quoted_name(label)} is your own journal: delete it instead",
                subject=OWN_JOURNAL,
                names={"journal": label},
            )
        async with self.replica.sync_lock:
            try:
                await self.replica.refresh_journals()
            except NetworkError:
                pass  # offline: the chain this device last verified decides
            await self.replica.load_access()
            journal_id = journal.journal_id
            now = {j.journal_id: j for j in await self.store.journals()}
            if journal_id not in now:
                raise NotFound(f"no journal {quoted_name(label)} on this device", subject="journal")
            journal = now[journal_id]
            state = self.replica.chains.state(journal_id)
            # Left on this device, and not listed again since (a later share of it is on).
            left = journal.role == REVOKED and forgotten.tag(journal_id) in forgotten.decode(
                await self.store.setting(forgotten.LEFT)
            )
            granted = (
                state.current_terms(self.profile.account_id, now_ms())
                if state is not None
                else None
            )
            if state is None and not left:
                raise InvalidInput(
                    f"this device has no verified access chain of {quoted_name(label)}, so it cannot "
                    "tell whether the share ended: sync, then try again",
                    subject="refused",
                )
            if granted is not None and not left and journal.role != REVOKED:
                raise await self._still_active(label, journal, now)
            if granted is not None and not left and not unlisted:
                situation = (
                    f"{quoted_name(label)} is no longer served to this device: usually the owner ended "
                    "the share (or you left it on another device), but the server does not "
                    "show this device that signed change, so it could also be the server "
                    "withholding it; its copy is kept"
                )
                raise InvalidInput(
                    f"{situation}. Once you know the share ended, discard it again, saying so",
                    subject=SHARE_STILL_SERVED,
                    situation=situation,
                    names={"journal": label, "journal id": journal_id.hex()},
                )
            unsent = await self.store.unsent(journal_id)
            if unsent:
                refused = [
                    r for r in await self.store.set_aside() if r.record.journal_id == journal_id
                ]
                raise unsent_error(label, unsent - len(refused), refused, unlisted, journal_id)
            if check_only:  # every check passed: what a confirmation may now ask about
                return False
            from client_sdk.private_notes import stamp_client  # imports context, which imports this

            await stamp_client(self.replica, journal)  # notes about it stay about its owner
            return await self.replica.forget_copy(journal)

    async def shares(self, *, local_only: bool = False) -> list[ShareInfo]:
        """Members of this account's journals, from their verified access chains (members
        whose account was erased meanwhile are removed from the chain first), as this device
        holds them (`Replica.verified_shares`: never a saved list, which a refresh cut short
        left behind the chains, REV-37 F1). `local_only`: the chains as loaded
        from the store, no network (nobody removed)."""
        if local_only:
            await self.replica.fresh_access()
        else:
            await self.replica.refresh_journals()
            await self._drop_departed(None)
        journals = {j.journal_id: j for j in await self.store.journals()}
        names = {journal_id: j.name for journal_id, j in journals.items()}
        disclosures = self.disclosures()
        now = now_ms()
        erased_rows = await self._erased()
        erased = {(r["journal_id"], r["member"]) for r in erased_rows}  # listed as erased
        refused = self.replica.unserved_refused  # removals the server refused (`_drop_departed`)
        found = []
        for s in self.replica.verified_shares(now):
            refused_at = refused.get(s.journal_id, {}).get(s.member_id)
            settings = disclosures.get(s.journal_id)
            mirror = settings is not None and settings.kind == "mirror"
            found.append(
                ShareInfo(
                    names.get(s.journal_id, s.journal_id.hex()),
                    s.journal_id.hex(),
                    s.member_name,
                    s.role,
                    read_time(s.expires_at) if s.expires_at else None,  # signed: any number
                    s.ended(now),
                    settings.fields if settings is not None and mirror else None,
                    names.get(settings.mirror_of) if settings and settings.mirror_of else None,
                    source_id=settings.mirror_of.hex() if settings and settings.mirror_of else None,
                    kind=settings.kind if settings is not None else "journal",
                    since=self.copies_from(s.journal_id) if mirror else None,
                    member_id=s.member_id.hex(),
                    removal_refused=to_datetime(refused_at) if refused_at is not None else None,
                )
            )
        me = self.profile.account_id
        for journal_id, state in self.replica.chains.states().items():
            settings = disclosures.get(journal_id)
            if (
                state.owner_id != me
                or journal_id not in journals
                or (settings is not None and settings.kind == "brief")  # for one session
            ):
                continue
            mirror = settings is not None and settings.kind == "mirror"
            for account_id, handles in state.handles.items():
                # Only the latest membership of an account not a member now tells how its
                # share ended (NU22 C9): a lapse (`ended`), or a removal on the server's word
                # (they left); one the owner removed is not listed. An older lapse of a share
                # renewed since is history, not when the share ended.
                latest = handles[-1] if handles else None
                if latest is None or state.member_by_account(account_id) is not None:
                    continue
                dropped = state.not_served.get(latest)
                m = state.ended.get(latest) or (dropped[0] if dropped else None)
                if m is None or m.who is None or (journal_id.hex(), m.username) in erased:
                    continue
                found.append(
                    ShareInfo(
                        names[journal_id],
                        journal_id.hex(),
                        m.username,
                        m.role,
                        read_time(m.expires_at) if m.expires_at else None,  # signed
                        True,
                        settings.fields if settings is not None and mirror else None,
                        names.get(settings.mirror_of) if settings and settings.mirror_of else None,
                        source_id=(
                            settings.mirror_of.hex() if settings and settings.mirror_of else None
                        ),
                        kind=settings.kind if settings is not None else "journal",
                        dropped_at=to_datetime(dropped[1]) if dropped else None,
                        since=since_of(settings) if mirror else None,  # no member now: its start
                        member_id=m.who.account_id.hex(),
                    )
                )
        shown = {(s.journal_id, s.member) for s in found}
        for journal_id, state in self.replica.chains.states().items():
            if state.owner_id != me or journal_id not in journals:
                continue
            for share in state.limited.values():  # in force: the source's signed word
                if share.who is None or share.mirror is None:
                    continue
                if (share.mirror.hex(), share.who.username) in shown or (
                    share.mirror in disclosures and share.mirror in journals
                ):
                    continue  # listed, or its own verified chain says who reads it
                found.append(
                    ShareInfo(
                        names.get(share.mirror, share.mirror.hex()),
                        share.mirror.hex(),
                        share.who.username,
                        "unknown",
                        None,
                        False,
                        None,
                        names[journal_id],
                        source_id=journal_id.hex(),
                        kind="mirror",
                        unseen=True,
                    )
                )
        for row in erased_rows:
            found.append(
                ShareInfo(
                    names.get(bytes.fromhex(row["journal_id"]), row["journal"]),
                    row["journal_id"],
                    row["member"],
                    row["role"],
                    None,
                    True,
                    account_erased=to_datetime(row["at"]),
                    member_id=row.get("member_id")
                    if isinstance(row.get("member_id"), str)
                    else None,
                )
            )
        return found

    async def kept_copies(self, only: Collection[bytes] | None = None) -> list[KeptCopy]:
        """The journals this account keeps for one member whose share the owner ended
        (`KeptCopy`), from the verified chains as the last sync left them (`only`: of these
        journal ids), oldest end first. One whose share lapsed by its end date, or whose
        member an owner device removed on the server's word (they left), is not among them:
        `shares()` lists those as ended shares."""
        journals = {j.journal_id: j for j in await self.store.journals()}
        found = []
        for journal_id, settings in self.disclosures().items():
            local = journals.get(journal_id)
            state = self.replica.chains.state(journal_id)
            if (
                settings.kind not in ("mirror", "items")
                or local is None
                or local.role != "owner"
                or state is None
                or (only is not None and journal_id not in only)
                or state.member_by_account(settings.member_id) is not None
            ):
                continue
            handles = state.handles.get(settings.member_id, [])
            unshared = state.unshared.get(handles[-1]) if handles else None
            who = state.signers.get(settings.member_id)
            if unshared is None or who is None:
                continue
            counts: dict[str, int] = {}
            for stored in await self.store.documents(journal_id):
                if stored_document(stored).field("deleted") is not True:
                    counts[stored.kind] = counts.get(stored.kind, 0) + 1
            source = journals.get(settings.mirror_of) if settings.mirror_of else None
            mirror = settings.kind == "mirror"
            found.append(
                KeptCopy(
                    local.name,
                    journal_id.hex(),
                    who.username,
                    settings.kind,
                    settings.fields if mirror else None,
                    source.name if source is not None else None,
                    to_datetime(unshared[1]),
                    tuple(sorted(counts.items())),
                    source.journal_id.hex() if source is not None else None,
                )
            )
        return sorted(found, key=lambda k: (k.ended_at or EPOCH, k.journal))

    async def departures(
        self,
        keep: int = 0,
        finish: Callable[[list[Departure]], Awaitable[list[Departure]]] | None = None,
    ) -> list[Departure]:
        """Shares that ended since the last call, each given once (departures.py): members
        this device dropped from this account's journals because the server no longer serves
        them (they left, or their account was deleted: the server's word) or because their
        signed end date passed, except a member the verified chain lists again (the owner
        shared again meanwhile: R22 F8), and shares with this account that ended (kept when a
        journal list was verified: `Replica._shares_ended`); not a pre-session brief's, nor
        one of a journal this device no longer holds (removed or forgotten meanwhile:
        REV-NEWS3 F2). `finish`: what the caller adds to each before they are taken
        (`Client._flag_choices`; reads the store only). `keep`: when above 0, they are also
        kept for `Client.unseen_departures` (`departures.UNSEEN`, at most `keep`:
        `departures.kept_told`) in the transaction that takes them from `PENDING`, with no
        request to the server between: a sync cut off later (a server stalling a request
        past a command's limit, a Ctrl-C) loses none (REV-NEWS3 F1).
        `Client.sync` puts them in its report. Asks /v1/shares/list only for journals a journal list showed changed without
        a rotation (`Replica._maybe_departed`), once; reads the store only when it changed
        since nothing was pending (a sync with nothing new reads and asks nothing more:
        issue 10), and the pending checks only once the settings table changed. A network failure or a conflict leaves the check for the next call."""
        version = self.replica.synced_version
        if version is not None and version == self._nothing_pending_at:
            return []
        # As of the sync's last version: read again only once the settings table changed
        # (Store.setting `as_of`: this connection's change counts, and other processes'
        # commits): a sync that pulled records (a live notice's) changed no setting.
        pending = departures.decode(await self.store.setting(departures.PENDING, as_of=version))
        if pending.empty:
            self._nothing_pending_at = version
            return []
        checked = set(pending.journals)
        if checked:
            try:
                refused = await self._drop_departed({bytes.fromhex(j) for j in checked})
                checked -= {j.hex() for j in refused}  # the removal sent again next sync
            except (NetworkError, ConflictError):
                checked = set()  # asked again at the next sync
        await self._members_erased(pending.told)
        for _ in range(TAKE_TRIES):
            taken = await self._take_departures(checked, keep, finish)
            if taken is not None:
                return taken
        return []  # another process took or added some at every try: left for the next sync

    async def _members_erased(self, told: list[Departure]) -> None:
        """Mark in `PENDING` the departures of `told` whose member the server says was erased
        (`Departure.member_erased`, with the account that bears their username now,
        `member_now`): those told to the owner as "dropped on the server's word" or
        "unknown", asked once each (at most departures.ASK_AT_MOST accounts a sync), before
        they are taken, so that no share is offered again with a username another person
        may hold now without the fingerprint check. Best effort: a question that fails
        leaves the notice as it is. Asks nothing when no such departure is pending."""
        asked = {
            d.member_id: d.member
            for d in told
            if not d.owner
            and d.reason in (departures.DROPPED, departures.UNKNOWN)
            and d.member_id
            and not d.member_erased
        }
        if not asked:
            return
        known = dict(self.replica.erased_known)
        erased: dict[str, str] = {}
        for member_id, member in list(asked.items())[: departures.ASK_AT_MOST]:
            try:
                if not await self.replica._erased(bytes.fromhex(member_id), known):
                    continue
            except (TJError, ValueError):
                continue
            try:
                now = (await self.identity(member)).account_id.hex()
            except TJError:
                now = ""
            erased[member_id] = "" if now == member_id else now
        if not erased:
            return
        async with self.store.transaction() as tx:
            pending = departures.decode(await tx.setting(departures.PENDING))
            pending.told = [
                replace(d, member_erased=True, member_now=erased[d.member_id])
                if not d.owner
                and d.reason in (departures.DROPPED, departures.UNKNOWN)
                and d.member_id in erased
                else d
                for d in pending.told
            ]
            await tx.set_setting(departures.PENDING, pending.encode())

    async def _take_departures(
        self,
        checked: set[str],
        keep: int,
        finish: Callable[[list[Departure]], Awaitable[list[Departure]]] | None,
    ) -> list[Departure] | None:
        """One try of `departures`' take: the departures pending as read now, worded (store
        reads only), then taken from `PENDING` (and kept in `UNSEEN` when `keep`) in one
        transaction, if no other process changed them meanwhile; else None (`checked` is
        taken off the journals to check all the same)."""
        read = departures.decode(await self.store.setting(departures.PENDING))
        told = [
            d
            for d in await self._not_briefs(read.told)
            if d.owner or self._listed(d) == (d.reason in departures.GIVEN)
        ]  # new terms or a share given to a member still listed; an end of one no longer
        told = await self._narrowed(await self._with_sources(told))
        if finish is not None:
            told = await finish(told)
        names = (departures.PENDING, departures.UNSEEN)
        taken: list[list[Departure]] = []
        left: list[bool] = []

        def take(values: dict[str, Any], cursors: dict[bytes, int]) -> dict[str, Any]:
            now = departures.decode(values[departures.PENDING])
            journals = [j for j in now.journals if j not in checked]
            left.append(bool(journals))
            if now.told != read.told:  # taken, or more added, by another process meanwhile
                return {
                    departures.PENDING: departures.Pending(journals, now.told, now.sent).encode()
                }
            held = {journal_id.hex() for journal_id in cursors}
            mine = [d for d in told if d.journal_id in held]  # not one removed since (F2)
            taken.append(mine)
            written = {departures.PENDING: departures.Pending(journals, [], now.sent).encode()}
            if keep > 0 and mine:
                kept = departures.decode_told(values[departures.UNSEEN])
                written[departures.UNSEEN] = departures.encode_told(
                    departures.kept_told(kept, mine, keep)
                )
            return written

        # A write of these settings alone keeps a sync that left nothing to do as it was (its
        # next sync as quiet, a live notice taken: Replica.settings_written).
        moved = await self.store.merge_settings(names, take)
        if moved is not None:
            self.replica.settings_written(*moved)
        if not taken:
            self._nothing_pending_at = None
            return None
        self._nothing_pending_at = None if any(left) else await self.store.version()
        return taken[-1]

    async def _narrowed(self, told: list[Departure]) -> list[Departure]:
        """`told`, each "unshared" departure from a whole journal whose verified chain now
        names a field-level copy the member reads it through (a `limited` entry in force: the
        share was narrowed, `grant(only=...)`) given that copy's name (`Departure.narrowed`):
        the owner's other devices are told of the narrowing as of an unshare (NU24 C10)."""
        journals = await self.store.journals()
        names = {j.journal_id: j.name for j in journals}
        found = []
        for d in told:
            state = self.replica.chains.state(bytes.fromhex(d.journal_id))
            if d.owner and d.reason in departures.WHOLE_ENDED:  # told to the member (NU24 C11)
                copy = self._copy_still_read(d, journals)
                replaced = bool(copy) and self._replaced_by(d, copy, journals)
                found.append(replace(d, copy=copy, replaced=replaced))
                continue
            if not d.owner and d.reason in departures.LEFT_WHOLE and not d.source:  # NU26 C2
                found.append(replace(d, copy=self._copy_kept_for(d, names)))
                continue
            if d.owner or d.reason != departures.UNSHARED or d.source or state is None:
                found.append(d)
                continue
            copies = [
                s
                for s in state.limited.values()
                if s.who is not None and s.who.username == d.member
            ]
            if copies:
                copy = names.get(copies[0].mirror or b"", "") or "a copy kept for them"
                d = replace(d, narrowed=copy)
            found.append(d)
        # The copy a narrowed share is now read through is named by that departure: its first
        # share is not told again beside it (NU25 C4 with NU24 C11: one event, one notice).
        named = {(d.owner, d.copy) for d in found if d.owner and d.copy}
        named |= {("", d.narrowed) for d in found if not d.owner and d.narrowed}  # the owner's
        return [
            d for d in found if d.reason != departures.SHARED or (d.owner, d.journal) not in named
        ]

    def _copy_kept_for(self, told: Departure, names: dict[bytes, str]) -> str:
        """Told to the owner that a member left a journal or was dropped from it: the name of
        a field-level copy of that journal this account keeps for the member
        (`kept_disclosures`, a "mirror" of it) whose verified chain still grants them now,
        so what it copies of new entries still reaches them (NU26 C2); "" otherwise."""
        now = now_ms()
        for mirror_id, settings in self.kept_disclosures().items():
            if settings.kind != "mirror" or settings.mirror_of is None:
                continue
            if settings.mirror_of.hex() != told.journal_id or mirror_id not in names:
                continue
            state = self.replica.chains.state(mirror_id)
            terms = state.current_terms(settings.member_id, now) if state is not None else None
            if terms is not None and terms.username == told.member:
                return names[mirror_id]
        return ""

    def _copy_still_read(self, told: Departure, journals: list[LocalJournal]) -> str:
        """`Replica.copy_still_read` for the journal `told` of (NU24 C11); for a field-level
        copy that ended, `Replica.source_still_read`: the journal it copies, or another copy
        of it, that the owner-signed chain grants this account now (a copy replaced by one
        of other fields, `tj share --only`: NU64 F13); "" when this device no longer holds
        it or there is none."""
        ended = next((j for j in journals if j.journal_id.hex() == told.journal_id), None)
        if ended is None:
            return ""
        return self.replica.copy_still_read(ended, journals) or self.replica.source_still_read(
            ended, journals
        )

    def _replaced_by(self, told: Departure, copy: str, journals: list[LocalJournal]) -> bool:
        """For a member's share of a field-level copy that ended (`told`) while it reads the
        journal `copy` (`_copy_still_read`): whether the owner signed that end (a `removed`
        entry of their own decision, or the signed end date) and granted this account `copy`
        with it or after it, by both verified chains (`Departure.replaced`). An end on the
        server's word, or a share of `copy` older than the end (this account read both), is
        not a replacement (the owner replaced nothing)."""
        if told.reason not in (departures.REMOVED, departures.EXPIRED):
            return False
        me = self.replica.profile.account_id
        ended = next((j for j in journals if j.journal_id.hex() == told.journal_id), None)
        state = self.replica.chains.state(ended.journal_id) if ended is not None else None
        if ended is None or state is None or not state.handles.get(me):
            return False
        if told.reason == departures.EXPIRED:
            end: int | None = told.at  # the signed end date (Replica: the terms' `expires_at`)
        else:
            unshared = state.unshared.get(state.handles[me][-1])
            end = unshared[1] if unshared is not None else None
        if not end:
            return False
        return self.replica.granted_since(ended, copy, end, journals) is not None

    async def _with_sources(self, told: list[Departure]) -> list[Departure]:
        """`told`, each departure from a field-level copy this account keeps given the name
        of the journal it copies and its fields (`Departure.source`): sharing again is done
        on that journal, never on the copy (NU21 C7); and one from the journal of single
        items marked so (`Departure.items`)."""
        copies = {
            j.hex(): d for j, d in self.kept_disclosures().items() if d.kind in ("mirror", "items")
        }
        if not any(not d.owner and d.journal_id in copies for d in told):
            return told
        names = {j.journal_id: j.name for j in await self.store.journals()}
        found = []
        for d in told:
            settings = copies.get(d.journal_id) if not d.owner else None
            if settings is not None and settings.kind == "items":
                d = replace(d, items=True)
            source = names.get(settings.mirror_of or b"") if settings is not None else None
            if settings is not None and source is not None:
                d = replace(
                    d,
                    source=source,
                    source_id=(settings.mirror_of or b"").hex(),
                    fields=settings.fields or DISCLOSABLE,
                )
            found.append(d)
        return found

    def _listed(self, departure: Departure) -> bool:
        """Whether the journal's verified chain lists the member again (the owner shared
        again before this was told) or still (the rotation that was to remove them did not
        go through): then there is no departure to tell (R22 F8). For a share ended from one
        of the owner's devices ("unshared"), also when the member reads the journal (or, for
        a field-level copy, its source) still, otherwise: as a member of it, or through a
        copy of its source (a `limited` entry in force names them): widened, or other
        fields: new terms, no end (NU21 C4). A whole journal they now read only through a
        copy is not listed: narrowing ended its share, told as such (NU24 C10). From the
        verified chains only."""
        state = self.replica.chains.state(bytes.fromhex(departure.journal_id))
        if state is None:
            return False
        name = departure.member
        if any(m.username == name for m in state.members.values()):
            return True
        if departure.reason != departures.UNSHARED:
            return False
        settings = self.disclosures().get(state.journal_id)
        if settings is None or settings.kind != "mirror" or not settings.mirror_of:
            # A whole journal the member now reads only through a copy: its share was
            # narrowed, which ended it: told (`_narrowed`), as an unshare is (NU24 C10).
            return False
        source = self.replica.chains.state(settings.mirror_of)  # the copy's source
        if source is None:
            return False
        ended = state.journal_id  # the copy whose share ended names them no more
        return any(m.username == name for m in source.members.values()) or any(
            s.who is not None and s.who.username == name and s.mirror != ended
            for s in source.limited.values()
        )

    async def _drop_unshared(self, journal_ids: list[bytes], name: str) -> None:
        """Drop the "unshared" notices not yet reported of `name`'s shares of `journal_ids`:
        this device's `unshare` just told the user that those shares ended (by this call, or
        already, from another device: NU21 C4), so a sync does not tell it again."""
        hexes = {j.hex() for j in journal_ids}
        async with self.store.transaction() as tx:
            pending = departures.decode(await tx.setting(departures.PENDING))
            kept = [
                d
                for d in pending.told
                if d.owner
                or d.reason != departures.UNSHARED
                or d.member != name
                or d.journal_id not in hexes
            ]
            if len(kept) != len(pending.told):
                pending.told = kept
                await tx.set_setting(departures.PENDING, pending.encode())

    async def _not_briefs(self, told: list[Departure]) -> list[Departure]:
        """`told` without the shares of a pre-session brief ending: a brief is shared for one
        session, until an end date, and its end is no news to either side. A brief shared
        with this account is told as one (`Departure.brief`, NU47 #4: "ana shared 'Brief
        ...' with you" sent the user to read it as a journal) while this device holds nothing
        of it yet (held back until its owner is verified); once downloaded, the sync's
        summary tells it ("1 new brief from ana")."""
        said = (departures.LEFT, departures.ERASED, departures.DROPPED)
        if not any(d.reason not in said for d in told):
            return told
        owned = {j.hex() for j, d in self.disclosures().items() if d.kind == "brief"}
        await self.replica.load_access()
        journals = await self.store.journals()
        holding = await self.store.journals_holding_any()  # read once for both
        received = {j.hex() for j in await self.replica.briefs_shared_with_me(journals, holding)}
        downloaded = {j.hex() for j in holding}
        kept = []
        for d in told:
            if d.reason in said or d.journal_id not in (received if d.owner else owned):
                kept.append(d)
            elif d.reason == departures.SHARED and d.journal_id not in downloaded:
                kept.append(replace(d, brief=True))
        return kept

    async def drop_departed(self, journal_ids: set[bytes]) -> None:
        """`_drop_departed` for these owned journals: before a sync excuses the records of a
        current member whose account the server says was erased, that member is taken off
        the chain if the server no longer serves them (Replica.settle_erasures). Raises
        NetworkError or ConflictError when it cannot ask or sign."""
        await self._drop_departed(journal_ids)

    async def _drop_departed(self, only: set[bytes] | None) -> set[bytes]:
        """Remove from the chains of owned journals (those of `only`, or all) the members the
        server no longer serves, with a signed `removed` entry and a new key epoch: removing
        only narrows access, so the server's word is enough (protocol.md /v1/shares/leave).
        The rotation keeps each for the next sync's report (Replica._keep_departed). A
        journal whose rotation the server refuses (403, 404, 400, 409) is that journal's problem
        (`Replica.removal_refused`: told by the sync, its members kept as the server no
        longer serves them), the others go on (rev33d F3); returns those journals' ids, left
        to be removed again at the next sync."""
        journals = {j.journal_id: j for j in await self.store.journals()}
        served = await self.replica.served_members()
        refused: set[bytes] = set()
        try:
            for journal_id, state in self.replica.chains.states().items():
                journal = journals.get(journal_id)
                if (
                    (only is not None and journal_id not in only)
                    or journal is None
                    or journal.role != "owner"
                    or self.replica.chains.problem(journal_id)
                ):
                    continue
                gone = self.replica.vanished(state, served)
                if gone:
                    await self._remember_erased(journal.name, journal_id, state, gone)
                    try:
                        await self.replica.change_access(journal, [])
                    except (InvalidInput, AccessError, NotFound, ConflictError) as error:
                        # a 409 too: a conflict that three tries did not get past, or one that
                        # is no chain conflict (`Replica.change_access`), is refused as well
                        if error.code is None:
                            raise  # this device's own error, not the server's refusal
                        self.replica.removal_refused(journal, state, gone, error)
                        refused.add(journal_id)
                        continue
                self.replica.removal_through(journal_id)
        finally:
            self.replica.erased_known.clear()  # an account may be erased later
        return refused

    async def _erased(self) -> list[dict[str, Any]]:
        """Shares ended because the member's account was erased (store setting, JSON)."""
        return decode_erased(await self.store.setting(ERASED_SHARES))

    async def _remember_erased(
        self, name: str, journal_id: bytes, state: access.AccessState, handles: list[bytes]
    ) -> None:
        rows = await self._erased()
        known = self.replica.erased_known
        for handle in handles:
            member = state.members[handle]
            if member.who is None or not await self.replica._erased(member.who.account_id, known):
                continue  # a member who left: the server still knows the account
            rows.append(
                {
                    "journal": name,
                    "journal_id": journal_id.hex(),
                    "member": member.who.username,
                    "member_id": member.who.account_id.hex(),
                    "role": member.role,
                    "at": now_ms(),
                }
            )
        async with self.store.transaction() as tx:
            await tx.set_setting(ERASED_SHARES, json.dumps(rows))

    def _still_granted(self, journal: LocalJournal, now: int) -> bool:
        """Whether the owner's access chain this device verified grants `journal` to this
        account at `now` (ms): for a copy the server no longer serves, that it ended by the
        server's word only (`forget` then needs `unlisted`)."""
        state = self.replica.chains.state(journal.journal_id)
        return state is not None and state.current_terms(self.profile.account_id, now) is not None

    async def _still_active(
        self, label: str, journal: LocalJournal, journals: dict[bytes, LocalJournal]
    ) -> InvalidInput:
        """Why `forget` refuses `journal`, a share still active: leave it first (subject
        SHARE_ACTIVE, `names["journal"]`). When this device also keeps read-only copies of
        another account that bore its owner's username (erased, the name taken again: NU46
        #1), those are named first (`names["copies"]`, a JSON list, and among them
        `names["unlisted copies"]` those discarded only on the user's word that the share
        ended): a forget command written down before the name was taken again names this
        journal now, and leaving it would end the new account's share."""
        leave = "leave it first, then forget its copy"
        named = {"journal": label, "journal id": journal.journal_id.hex()}
        me, now = self.profile.account_id, now_ms()
        copies = [
            j
            for j in journals.values()
            if j.role == REVOKED
            and j.owner_id not in (me, journal.owner_id)
            and j.owner_name.casefold() == journal.owner_name.casefold()
        ]
        if not copies:
            situation = f"the share of {quoted_name(label)} is still active"
            return InvalidInput(
                f"{situation}: {leave}", subject=SHARE_ACTIVE, situation=situation, names=named
            )
        left = forgotten.decode(await self.store.setting(forgotten.LEFT))
        names, unlisted = [], []
        for copy in sorted(copies, key=self.replica.shown_name):
            names.append(self.replica.shown_name(copy))
            if self._still_granted(copy, now) and forgotten.tag(copy.journal_id) not in left:
                unlisted.append(names[-1])
        named |= {
            "owner": self.replica.owner_label(journal),
            "earlier owner": journal.owner_name,
            # lists as JSON: a name may hold any character a separator could be (REV-S9B S9B-5)
            "copies": json.dumps(names),
            "unlisted copies": json.dumps(unlisted),
        }
        situation = (
            f"{quoted_name(label)} is the journal {named['owner']} shares with you now. If you meant the "
            f"read-only copy kept of another account once named {journal.owner_name} (an "
            "account erased, its username taken again)"
        )
        return InvalidInput(
            f"{situation}, discarding {' or '.join(quoted_name(n) for n in names)} removes it. This "
            f"one's share is still active: {leave}",
            subject=SHARE_ACTIVE,
            situation=situation,
            names=named,
        )

    async def ask_erased_owners(self, retry: RetryPolicy | None = None) -> list[str]:
        """Ask the server (/v1/account/known, one question) whether the owners of shares
        that ended here (every share of theirs with this account ended on this device) still
        have an account, and keep its answer for the words of the caseload and
        `shared_with_me` ("appears erased": `departures.ERASED_OWNERS`), so that an owner who
        erased their account after the share ended is said so too (NU49 F6). Asks only about
        owners due (`departures.owners_due`: a share first seen ended, else once a week,
        whether its copy is kept or was discarded since), at most
        `departures.ASK_AT_MOST`; none due, nothing is asked. `retry`: the RetryPolicy of
        the question (`QUICK_TRY`: one try), the transport's by default. Returns the owners
        (account id, hex) it says no longer exist. The server's word, for words only: no
        pin, verified mark or kept copy changes."""
        me = self.profile.account_id
        now = now_ms()
        journals = [
            replace(k, role=REVOKED) if self.replica.share_lapsed(k, now) else k
            for k in await self.store.journals()
        ]
        served = {j.owner_id.hex() for j in journals if j.role != REVOKED}
        ended = {j.owner_id.hex() for j in journals if j.role == REVOKED and j.owner_id != me}
        stored = departures.decode_asked(await self.store.setting(departures.OWNERS_ASKED))
        remembered, due = departures.owners_due(stored, ended, served, now)
        known: dict[str, bool] = {}
        if due:
            reply = await self.replica.transport.call(
                "/v1/account/known",
                wire.AccountsRequest([bytes.fromhex(owner) for owner in due]),
                wire.AccountsKnown,
                retry=retry,
            )
            found = {account_id.hex() for account_id in reply.account_ids}
            known = {owner: owner in found for owner in due}
        if not known and remembered == stored:
            return []
        async with self.store.transaction() as tx:
            # read again in the transaction: another process of this profile may have asked
            current = departures.decode_asked(await tx.setting(departures.OWNERS_ASKED))
            kept, _ = departures.owners_due(current, ended, served, now)
            kept.update((owner, now) for owner in known)
            await tx.set_setting(departures.OWNERS_ASKED, json.dumps(kept) if kept else None)
            if known:
                before = departures.decode_owners(await tx.setting(departures.ERASED_OWNERS))
                after = departures.owners_said(before, known)
                if after != sorted(before):
                    await tx.set_setting(
                        departures.ERASED_OWNERS, json.dumps(after) if after else None
                    )
        return sorted(owner for owner, still in known.items() if not still)

    async def shared_with_me(self, *, refresh: bool = True) -> list[SharedJournal]:
        """Journals shared with this account, and kept copies of ended shares; not those
        made to share a brief, downloaded or not (`Replica.briefs_shared_with_me`;
        client.briefs.received lists the briefs). `refresh`: the
        journal list is read from the server first."""
        if refresh:
            await self.replica.refresh_journals()
        await self.replica.load_access()
        briefs = await self.replica.briefs_shared_with_me(await self.store.journals())
        now = now_ms()
        left = forgotten.decode(await self.store.setting(forgotten.LEFT))  # left here
        left_at = forgotten.decode_left_at(await self.store.setting(forgotten.LEFT_AT))
        erased = set(departures.decode_owners(await self.store.setting(departures.ERASED_OWNERS)))
        held = [  # a signed end date passed ends it here, before a sync stores it so
            replace(k, role=REVOKED) if self.replica.share_lapsed(k, now) else k
            for k in await self.store.journals()
        ]
        return [
            SharedJournal(
                j.name,
                j.journal_id.hex(),
                j.owner_name,
                j.role,
                read_time(j.expires_at) if j.expires_at else None,  # signed: any number
                await self.owner_verified(j),
                j.role == REVOKED,
                # as `Journal.unlisted` and each entry say it: the server's word alone
                self.replica.unlisted(j, now, left),
                self.replica.shown_name(j),
                j.owner_id.hex(),
                j.role == REVOKED and j.owner_id.hex() in erased,  # the server's word
                read_time(left_at[forgotten.tag(j.journal_id)])
                if j.role == REVOKED
                and forgotten.tag(j.journal_id) in left
                and forgotten.tag(j.journal_id) in left_at
                else None,
                self._replacement_name(j, held),
            )
            for j in held
            if (
                j.role in keys.ROLES
                or (j.role == REVOKED and j.owner_id != self.profile.account_id)
            )
            and j.journal_id not in briefs
        ]

    def _replacement_name(self, journal: LocalJournal, held: list[LocalJournal]) -> str:
        """`SharedJournal.replaced_by` of `journal` among the journals `held` here."""
        if journal.role != REVOKED or not self.replica.is_copy_shared_with_me(journal):
            return ""
        by = self.replica.replacement(journal, held)
        return self.replica.shown_name(by) if by is not None else ""

    async def _audit_log(self, journal_id: bytes, with_erased: bool) -> list[wire.AuditEntry]:
        return await self.replica.transport.pages(
            "/v1/shares/audit",
            wire.AuditLog,
            lambda page: page.entries,
            lambda entry: entry,  # a row is its whole content: no id of its own
            lambda after: wire.AuditRequest(journal_id, after, with_erased=with_erased),
        )

    async def owner_verified(self, journal: LocalJournal) -> bool:
        """As `Replica.owner_verified`, read from the store."""
        if journal.owner_id == self.profile.account_id:
            return True
        owner = await self.store.peer(journal.owner_id)
        if owner is None:  # a verified pin replaced by another account's (NU43 #1)
            return journal.owner_id in await self.store.replaced_verified()
        return owner.verified

    async def audit(self, journal: LocalJournal) -> list[AuditInfo]:
        try:
            log = await self._audit_log(journal.journal_id, not self._erased_refused)
        except InvalidInput as error:
            if self._erased_refused or error.code != "invalid_field":
                raise
            self._erased_refused = True  # a server from before `with_erased`: ask without it
            log = await self._audit_log(journal.journal_id, False)
        records = await self._kinded_records(journal)
        seqs = [record[0] for record in records]
        state = self.replica.chains.state(journal.journal_id)
        after: dict[tuple[bytes, bytes], int] = {}
        found = []
        for e in log:
            # A device's fetches follow its cursor: this one held the records after its last.
            start = after.get((e.account_id, e.device_id), 0)
            after[(e.account_id, e.device_id)] = e.up_to_seq
            fetched = records[
                bisect.bisect_right(seqs, start) : bisect.bisect_right(seqs, e.up_to_seq)
            ]
            by_kind: dict[str, dict[str, None]] = {}
            for _, doc_id, epoch, kind, author in fetched:
                # what they wrote themselves (a note, an acknowledgement) they did not read
                if author == e.account_id:
                    continue
                if state is None or state.may_read(e.account_id, epoch):
                    by_kind.setdefault(kind, {})[doc_id.hex()] = None
            found.append(
                AuditInfo(
                    e.username,
                    e.device_id.hex(),
                    to_datetime(e.at),
                    e.up_to_seq,
                    e.records,
                    tuple(by_kind.get(ENTRY, ())),
                    e.erased,
                    e.account_id.hex(),
                    {kind: tuple(ids) for kind, ids in by_kind.items()},
                )
            )
        return found

    async def _kinded_records(
        self, journal: LocalJournal
    ) -> list[tuple[int, bytes, int, str, bytes | None]]:
        """(seq, doc id, epoch, document kind, author) of the records of the journal this
        device verified, by seq."""
        kinds = {d.doc_id: d.kind for d in await self.store.documents(journal.journal_id)}
        found = [
            (r.seq, r.doc_id, r.epoch, kinds[r.doc_id], r.author)
            for r in await self.store.verified_records(journal.journal_id)
            if r.doc_id in kinds
        ]
        return sorted(found, key=lambda record: record[0])

    # --- disclosure journals ---------------------------------------------------------------------

    def disclosures(self) -> dict[bytes, access.Disclosure]:
        """journal id -> disclosure settings of this account's disclosure journals, opened
        from their owner-signed chains (never from metadata a member could re-seal)."""
        return self._opened_disclosures(with_problems=False)

    def _opened_disclosures(self, *, with_problems: bool) -> dict[bytes, access.Disclosure]:
        """The disclosure settings of this account's chains (`with_problems`: those with a
        problem too), opened; one that does not open is left out."""
        found = {}
        for journal_id, state in self.replica.chains.states().items():
            if state.owner_id != self.profile.account_id or state.disclosure is None:
                continue
            if not with_problems and self.replica.chains.problem(journal_id):
                continue
            try:
                found[journal_id] = access.open_disclosure_cached(
                    self.profile.secrets.account_key, journal_id, state.disclosure
                )
            except IntegrityError:
                continue
        return found

    async def disclosure_journal(
        self,
        peer: Peer,
        name: str,
        mirror_of: bytes | None,
        fields: tuple[str, ...] | None,
        since: int,
        kind: str = "items",
    ) -> LocalJournal:
        """The owner's journal kept for `peer` with this purpose, created on demand (a
        "brief" journal is new each time: one per brief)."""
        # This device may not have read the chains yet, and another device of this account
        # may have made the journal: look at the verified chains as the server lists them now.
        await self.replica.refresh_journals()
        journals = {j.journal_id: j for j in await self.store.journals()}
        for journal_id, settings in self.kept_disclosures().items():
            same = (settings.member_id, settings.mirror_of, settings.fields, settings.kind) == (
                peer.account_id,
                mirror_of,
                fields,
                kind,
            )
            if not same or kind == "brief" or journal_id not in journals:
                continue
            if self.replica.chains.needs_update(journal_id):  # never a second one beside it
                self.replica.chains.raise_problem(journal_id)
            if not self.replica.chains.problem(journal_id):
                return journals[journal_id]
        settings = access.Disclosure(peer.account_id, mirror_of, fields, since, kind)
        mine = [j.name for j in journals.values() if j.owner_id == self.profile.account_id]
        return await self.replica.create_disclosure_journal(free_name(name, mine), settings)

    async def share_entry(
        self,
        source: LocalJournal,
        document: Document,
        username: str,
        only: list[str] | tuple[str, ...] | None = None,
        fingerprint: str | None = None,
        trust_on_first_use: bool = False,
        again: Collection[str] = (),
    ) -> ShareInfo:
        """Copy one entry (or some of its fields) into the journal kept for this therapist
        (`items_journal`: `again` as there)."""
        if source.role != "owner":
            raise AccessError("only the entry's owner can share it")
        fields = check_fields(only) if only is not None else ENTRY_FIELDS
        if not any(f in ENTRY_FIELDS for f in fields):
            raise InvalidInput(
                f"an entry's fields to share are some of {', '.join(ENTRY_FIELDS)}",
                subject=BAD_VALUE,
            )
        if normalize_username(username) == self.profile.username:
            raise InvalidInput("you cannot share an entry with yourself", subject="yourself")
        peer = await self.confirmed_peer(username, fingerprint, trust_on_first_use)
        if peer.account_id == self.profile.account_id:
            raise InvalidInput("you cannot share an entry with yourself", subject="yourself")
        # The copy is of what this device reads: not while the owner's newer changes of the
        # journal wait unread here (records name no document before they are read), R20 F4.
        await self.replica.refuse_while_parked(source, "share an entry of it")
        # The copy's size before anything is signed: a share listed, then refused, would
        # leave the member a share without its entry (R41 F4 for `grant`, R43 F4).
        sized = Document(document.doc_id, ENTRY).change(
            fields=disclosed_fields(document, fields),
            texts={"body": document.text("body") if "body" in fields else ""},
        )
        if not snapshot_fits(sized):
            raise InvalidInput(too_large_to_snapshot(source, document, sized), subject="too large")
        target = await self.items_journal(peer, document.doc_id, again)
        # Read again: making the journal kept for them syncs, and may bring another
        # device's trash or delete of the entry (REV-DEL7 A: the copy was written from the
        # entry as read before it, words and all).
        now = await self.store.document(document.doc_id)
        if now is None or removed(stored_document(now)):
            raise NotFound(
                "this entry was moved to the trash or deleted on another of your devices "
                "meanwhile: it was not shared",
                subject="document",
            )
        document = stored_document(now)
        await self.copy_entry(target, document, fields, single=True)
        return items_share(target, peer)

    async def items_journal(
        self, peer: Peer, item: bytes | None = None, again: Collection[str] = ()
    ) -> LocalJournal:
        """The journal of single items (entries, results, briefs) shared with `peer`, created
        and shared read-only on first use, to copy the document `item` (its id) into.

        When `peer`'s share of it had ended (`tj unshare`), sharing it again gives them, as
        a new member, what it still holds: raises SharedAgain, with nothing changed, naming
        those items (not the copy of `item`, nor what is in the trash) unless `again` holds
        every one's id (hex: the caller named them to the user and they agreed); widening
        is never the side effect of sharing one item (NU24 C8). Read from the verified chain
        (who is a member) and this device's store (what the journal holds)."""
        target = await self.disclosure_journal(
            peer, f"Shared with {peer.username}", mirror_of=None, fields=None, since=now_ms()
        )
        state = self.replica.chains.current(target.journal_id)
        if state.member_by_account(peer.account_id) is None:
            await self._refuse_shared_again(target, peer, item, again)
            await self._grant(target, peer, "read", 0)
            target = {j.journal_id: j for j in await self.store.journals()}[target.journal_id]
        return target

    async def _refuse_shared_again(
        self, target: LocalJournal, peer: Peer, item: bytes | None, again: Collection[str]
    ) -> None:
        """Raise SharedAgain when sharing `target` (a journal kept for `peer`, who is no
        member of it now) would give them what it still holds (`_items_held`), unless
        `again` names each of those items (NU24 C8): nothing is changed before."""
        held = await self._items_held(target, item)
        if any(i.id not in again for i in held):
            raise SharedAgain(
                f"{peer.username}'s share of {quoted_name(target.name)} was ended: sharing it with them "
                "again gives them what it still holds too, "
                f"{len(held)} item{'s' if len(held) > 1 else ''} shared with them before. "
                "Nothing was shared",
                journal=target.name,
                member=peer.username,
                items=tuple(held),
            )

    async def _items_held(self, journal: LocalJournal, item: bytes | None) -> list[ItemAgain]:
        """What a new member of the journal of single items would receive (the owner's
        documents in it, not removed: `Replica._snapshot_plan`), but the copy of `item`,
        oldest first."""
        skip = (
            keys.disclosure_doc_id(self.profile.secrets.account_key, item, journal.journal_id)
            if item is not None
            else None
        )
        stored = await self.store.documents(journal.journal_id)
        creators = await self.store.creators([d.doc_id for d in stored])
        held = []
        for found in stored:
            document = stored_document(found)
            creator = creators.get(found.doc_id, self.profile.account_id)
            if found.doc_id == skip or creator != journal.owner_id or removed(document):
                continue
            held.append(item_again(document))
        return sorted(held, key=lambda i: i.at)

    async def copy_entry(
        self,
        target: LocalJournal,
        document: Document,
        fields: tuple[str, ...],
        written: EntryView | None = None,
        *,
        single: bool = False,
    ) -> None:
        """Copy the entry into `target` as far as `fields` disclose it. `written`: the view
        of an entry just created here (`entries.write`): its copy cannot exist yet (the
        copy's id derives from the entry's fresh random id, which no other device holds
        yet), so it is created without reading the store, from that view instead of the
        CRDT, and stored as a new document (`Replica.commit_new`: issue 10)."""
        copy_id = keys.disclosure_doc_id(
            self.profile.secrets.account_key, document.doc_id, target.journal_id
        )
        if written is not None and (written.deleted or written.trashed_at is not None):
            return  # removed before any copy of it: none, ever
        if written is None and removal(document):
            await self._copy_removal(target, document, copy_id)
            return
        if written is not None:
            copy = Document(copy_id, ENTRY)
            update = copy.change(
                fields=disclosed_fields(document, fields, written),
                texts={"body": written.body if "body" in fields else ""},
            )
            await self.replica.commit(target, copy, update, new=True, copy=True)
            return
        stored = await self.store.document(copy_id)
        copy = stored_document(stored) if stored else Document(copy_id, ENTRY)
        chosen = disclosed_fields(document, fields)
        if single and stored is not None:  # shared again: no trash of before is its state
            chosen |= {TRASHED_WITH: False, TRASHED_BY_HAND: False}  # (REV-DEL6 A)
        update = copy.change(
            fields=chosen, texts={"body": document.text("body") if "body" in fields else ""}
        )
        await self.replica.commit(target, copy, update, copy=True)

    async def single_copies(self, document: Document) -> list[tuple[LocalJournal, Document]]:
        """The copies of `document` (an entry) kept in this account's journals of single
        items (`share_entry`: "Shared with NAME"), each with its journal: what a trash, a
        restore or a delete of the entry also does to them (`Entries.delete`, `restore`,
        `empty_trash`; NU41 #1: the therapist kept reading an entry deleted for good). A
        copy is a snapshot of what was shared: an edit of the entry is never copied (a
        copy's fields follow no later change: REV-DEL2 A, C). Journals whose chain has a
        problem are included, so that the change is refused before anything is written
        (`Replica.check_commit`: REV-DEL2 D), and those whose share ended too (removing
        the copy there leaks nothing)."""
        if document.kind != ENTRY:
            return []
        return await self.copies_in(self.items_journals(), document)

    def is_single_copy(self, journal: LocalJournal, document: Document) -> bool:
        """Whether `document` is an entry in one of this account's journals of single items
        (a copy shared one by one)."""
        if document.kind != ENTRY or journal.owner_id != self.profile.account_id:
            return False
        settings = self._opened_disclosures(with_problems=True).get(journal.journal_id)
        return settings is not None and settings.kind == "items"

    def items_journals(self) -> list[bytes]:
        """This account's journals of single items ("Shared with NAME"), those with a chain
        problem included (`single_copies`)."""
        return [
            journal_id
            for journal_id, settings in self._opened_disclosures(with_problems=True).items()
            if settings.kind == "items"
        ]

    async def copies_in(
        self,
        singles: list[bytes],
        document: Document,
        local: dict[bytes, LocalJournal] | None = None,
    ) -> list[tuple[LocalJournal, Document]]:
        """The copies of `document` in the journals `singles` (ids: `items_journals` for
        `single_copies`; any of this account's disclosure journals), each with its journal:
        a document of `document`'s kind under its disclosure id in that journal. `local`
        (the local journals by id) saves reading them again when the caller has them."""
        if not singles:
            return []
        if local is None:
            local = {j.journal_id: j for j in await self.store.journals()}
        account_key = self.profile.secrets.account_key
        found = []
        for journal_id in singles:
            copy_id = keys.disclosure_doc_id(account_key, document.doc_id, journal_id)
            stored = await self.store.document(copy_id)
            if (  # in that journal, of its kind (REV-DEL4 E: never a document squatting its id)
                stored is not None
                and stored.journal_id == journal_id
                and stored.kind == document.kind
                and journal_id in local
            ):
                found.append((local[journal_id], stored_document(stored)))
        return found

    async def mirror(
        self,
        source: LocalJournal,
        document: Document,
        created: int | None = None,
        journals: list[LocalJournal] | None = None,
        *,
        written: EntryView | None = None,
    ) -> None:
        """Keep field-level disclosure journals of `source` current after a local change of
        an entry, a measure result or homework (what each field set carries: DISCLOSABLE and
        care_disclosure.py). `created` (the document's creation time) and `journals` (the
        local journals) save reading them again when the caller has them; `written` is the
        view of an entry just created here (see `copy_entry`)."""
        if not await self._mirror_now(source, document):
            return  # no copy to write now, or copied after the sync (`follow_mirrors`)
        # Read once for the copies written and left: `_mirror_now` found this device holds
        # nothing of the owner's unread, and the journals are those of this write.
        journals = journals or await self.store.journals()
        for journal, fields in await self.mirror_targets(
            source, document, created, journals, unread=False
        ):
            if document.kind != ENTRY:
                await self.copy_care(journal, document, fields)
            else:
                await self.copy_entry(journal, document, fields, written)
        if written is None:  # a new entry has no copy anywhere yet
            for journal, copy in await self.mirror_leaving(
                source, document, created, journals, unread=False
            ):
                await self.trash_left_copy(journal, copy)

    async def mirror_leaving(
        self,
        source: LocalJournal,
        document: Document,
        created: int | None = None,
        journals: list[LocalJournal] | None = None,
        *,
        unread: bool | None = None,
    ) -> list[tuple[LocalJournal, Document]]:
        """The copies of `document` (an entry of `source`) shown in a field-level copy that
        no longer covers it (its date moved to before the copy's start), each with its
        journal: what `trash_left_copy` takes out of the copy, as the entry's trash would
        (its date and fields as they were are not the entry's any more, and later changes
        never reach it). An entry moved back in is copied again (`mirror_targets`). `created`,
        `journals` and `unread` as in `mirror_targets`."""
        if document.kind != ENTRY or source.role != "owner":
            return []
        mirrors = self._live_mirrors_of(source.journal_id)
        if not mirrors:
            return []
        if unread is None:
            unread = await self.replica.holds_unread_owner_changes(source)
        if unread:
            return []
        if created is None:
            created = entry_view(document).created_at
        local = {j.journal_id: j for j in journals or await self.store.journals()}
        leaving = [
            local[journal_id]
            for journal_id, settings in mirrors
            if journal_id in local and created < self._mirror_start(journal_id, settings)
        ]
        found = []
        for journal, copy in await self.copies_in([j.journal_id for j in leaving], document, local):
            view = entry_view(copy)
            if not view.deleted and view.trashed_at is None:
                found.append((journal, copy))
        return found

    async def trash_left_copy(self, journal: LocalJournal, copy: Document) -> None:
        """Put the copy `copy` in `journal` in the trash: its entry left what the copy
        covers (`mirror_leaving`)."""
        moment = now_ms()
        update = copy.change(fields={"trashed_at": moment, "updated_at": moment})
        await self.replica.commit(journal, copy, update, copy=True)

    async def mirror_targets(
        self,
        source: LocalJournal,
        document: Document,
        created: int | None = None,
        journals: list[LocalJournal] | None = None,
        *,
        unread: bool | None = None,
    ) -> list[tuple[LocalJournal, tuple[str, ...]]]:
        """The field-level disclosure journals `mirror` writes to after a change of
        `document` in `source`, each with the fields it discloses: what an action checks
        (`check_mirror`) before changing anything (R40 F5). `created` (the document's
        creation time), `journals` (the local journals) and `unread` (whether this device
        holds `source`'s owner's changes unread: `Replica.holds_unread_owner_changes`) save
        reading them again when the caller has them."""
        if document.kind not in MIRRORED_KINDS or source.role != "owner":
            return []
        mirrors = self._live_mirrors_of(source.journal_id)  # an ended share copies nothing more
        if not mirrors:
            return []  # nothing of this journal is disclosed field by field
        if unread is None:
            unread = await self.replica.holds_unread_owner_changes(source)
        if unread:
            # This device's view may be older than the owner's newer changes it keeps unread:
            # a copy now could bring back what they removed. The newer device mirrors them
            # itself; this one copies again at the document's next change after its update.
            return []
        found = await self._copy_rule(source, document, mirrors, created, journals)
        return [(journal, fields) for journal, fields, carried in found if carried]

    async def _copies_left_out(self, source: LocalJournal, document: Document) -> list[bytes]:
        """The live field-level copies of `source` (journal ids) that would disclose some of
        `document` but do not carry it, by the rule every owner device copies by
        (`mirror_targets`): it is dated, or was recorded, before the copy's start by the
        clock of the device that recorded it (a paper form entered with its date, or a
        device whose clock is behind the one that made the copy). Reads only."""
        if document.kind not in MIRRORED_KINDS or source.role != "owner":
            return []
        mirrors = self._live_mirrors_of(source.journal_id)
        if not mirrors:
            return []
        found = await self._copy_rule(source, document, mirrors)
        return [journal.journal_id for journal, _, carried in found if not carried]

    async def _copy_rule(
        self,
        source: LocalJournal,
        document: Document,
        mirrors: list[tuple[bytes, access.Disclosure]],
        created: int | None = None,
        journals: list[LocalJournal] | None = None,
    ) -> list[tuple[LocalJournal, tuple[str, ...], bool]]:
        """Each of `mirrors` (copies of `source`) that discloses some of `document`, held
        here, with the fields it discloses and whether it carries `document` by its dates
        (`mirror_targets`, `_copies_left_out`)."""
        if created is None:
            created = (
                entry_view(document).created_at if document.kind == ENTRY else _created(document)
            )
        # A result is dated when it was taken (`taken_at`), as an entry by its date: one
        # dated before the copy's start (a paper form entered later) is not carried, as the
        # client is told (protocol.md 4.16). An older app carried it when recorded after the
        # start: that copy stays, and its later changes (a delete) still reach it.
        dated = _taken(document) if document.kind != ENTRY else created
        local = {j.journal_id: j for j in journals or await self.store.journals()}
        found = []
        for journal_id, settings in mirrors:
            journal = local.get(journal_id)
            if journal is None:
                continue
            fields = settings.fields or DISCLOSABLE
            if document.kind == ENTRY and not any(f in ENTRY_FIELDS for f in fields):
                continue
            if document.kind != ENTRY and disclosed_care(document, fields) is None:
                continue  # discloses none of it: nothing copied
            start = self._mirror_start(journal_id, settings)
            carried = created >= start and (
                dated >= start or await self._copied_before(journal, document)
            )
            found.append((journal, fields, carried))
        return found

    async def check_mirror(self, source: LocalJournal, document: Document) -> None:
        """Raise what `mirror` after a change of `document` in `source` would refuse in a
        disclosure journal (archived, its chain rolled back: `Replica.check_commit`), before
        anything is changed: an action that changes the original and then fails on a copy
        would leave the copy as it was, shared, where a retry no longer reaches it (R40 F5)."""
        for journal, _ in await self.mirror_targets(source, document):
            await self.replica.check_commit(journal, document.kind, copy=True)
        for journal, _ in await self.mirror_leaving(source, document):
            await self.replica.check_commit(journal, document.kind, copy=True)

    def _live_mirrors_of(self, source_id: bytes) -> list[tuple[bytes, access.Disclosure]]:
        """The live field-level copies of the journal `source_id` (`live_mirrors`), as
        (copy journal id, settings) pairs."""
        return [
            (journal_id, settings)
            for journal_id, settings in self.live_mirrors().items()
            if settings.mirror_of == source_id
        ]

    def live_mirrors(self) -> dict[bytes, access.Disclosure]:
        """This account's field-level copies of a journal (`kind` "mirror") with a member
        whose share has not ended, by journal id: those every owner device keeps current."""
        held = self.disclosures()
        if not held:
            return {}  # (an account that shares nothing: a sync's few calls, no more)
        now = now_ms()
        return {
            journal_id: settings
            for journal_id, settings in held.items()
            if settings.kind == "mirror"
            and settings.mirror_of is not None
            and self._has_live_member(journal_id, now)
        }

    def _troubled_mirror_sources(self) -> set[bytes]:
        """The source journals of this account's field-level copies with a member whose
        share has not ended that `live_mirrors` leaves out because the copy's chain has a
        problem now (`follow_mirrors` keeps their documents noted)."""
        now = now_ms()
        return {
            settings.mirror_of
            for journal_id, settings in self._opened_disclosures(with_problems=True).items()
            if settings.kind == "mirror"
            and settings.mirror_of is not None
            and self.replica.chains.problem(journal_id)
            and self._has_live_member(journal_id, now)
        }

    async def _mirror_now(self, source: LocalJournal, document: Document) -> bool:
        """Whether a change of `document` in `source` is copied now: `source` has a
        field-level copy `live_mirrors` keeps, and this device holds none of its owner's
        newer changes unread (`mirror_targets`, `mirror_leaving` need not ask again). A change
        that cannot be copied now because of them is noted (`replica.COPIES_TO_FOLLOW`,
        "mirrored") for `follow_mirrors` after the next sync, never dropped (it waited for
        the document's next change, which may never come). Also noted, while the other
        copies are still written now, when a copy of `source` cannot be written because its
        chain has a problem (`_troubled_mirror_sources`): its change (a date moved out of the
        copy, an edit, a new entry) reaches that copy once the problem clears."""
        if document.kind not in MIRRORED_KINDS or source.role != "owner":
            return False
        now = now_ms()  # one pass: `live_mirrors` and `_troubled_mirror_sources` of `source`
        problems = [
            bool(self.replica.chains.problem(journal_id))
            for journal_id, settings in self._opened_disclosures(with_problems=True).items()
            if settings.kind == "mirror"
            and settings.mirror_of == source.journal_id
            and self._has_live_member(journal_id, now)
        ]
        if not problems:
            return False
        unread = await self.replica.holds_unread_owner_changes(source)
        if unread or any(problems):
            async with self.store.transaction() as tx:
                kept = decode_to_follow(await tx.setting(COPIES_TO_FOLLOW))
                kept["mirrored"] = sorted(set(kept["mirrored"]) | {document.doc_id.hex()})
                await tx.set_setting(COPIES_TO_FOLLOW, json.dumps(kept))
        return not unread and not all(problems)  # (a copy with a problem is not written now)

    async def follow_mirrors(
        self, doc_ids: Collection[bytes], as_of: tuple[int, int] | None = None
    ) -> tuple[list[str], set[bytes], int]:
        """After a sync: bring this account's field-level copies (`live_mirrors`) up to what
        their source journal holds on this device, whichever owner device wrote it. Each copy
        is a function of its source document (its id derives from the source's, its fields
        are the disclosed ones), so every owner device that finds it missing or behind writes
        the same copy, and two devices racing merge into one. Looked at: the documents
        `doc_ids` (noted when a pulled page brought them, or when a write here could not copy
        them) and, once per copy and start on this device (`MIRRORS_CAUGHT_UP`), every
        document of the source: what a device wrote before it knew of the copy (written
        offline, or before its first sync after the share on another device). A copy already
        current is not written again. Returns why each copy that could not be written was
        not (for the sync's problems: never dropped silently) and the ids of `doc_ids` left
        to look at again (this device holds its owner's newer changes unread, or a write was
        refused), and how many copies it wrote. `as_of`: the store version the caller read (a sync with nothing to do
        reads the setting from memory). Raises nothing but a store error."""
        mirrors = self.live_mirrors()
        # Copies left out of `live_mirrors` only because their chain has a problem at this
        # sync (a rollback the server shows, a newer chain version): what their source
        # holds noted stays noted until they are copied, never cleared as done.
        troubled = self._troubled_mirror_sources() if doc_ids else set()
        if not mirrors:
            if not troubled:
                return [], set(), 0
            held = await self.store.documents_by_ids(sorted(set(doc_ids)))
            return [], {s.doc_id for s in held if s.journal_id in troubled}, 0
        caught = decode_caught_up(await self.store.setting(MIRRORS_CAUGHT_UP, as_of=as_of))
        starts = {j: self._mirror_start(j, settings) for j, settings in mirrors.items()}
        scans = [j for j in mirrors if caught.get(j.hex()) != starts[j]]
        if not doc_ids and not scans:
            return [], set(), 0
        local = {j.journal_id: j for j in await self.store.journals()}
        journals = list(local.values())  # read once, for every document below
        asked = set(doc_ids)
        wanted: dict[bytes, StoredDocument] = {
            s.doc_id: s for s in await self.store.documents_by_ids(sorted(asked))
        }
        for journal_id in scans:
            source_id = mirrors[journal_id].mirror_of
            if source_id is not None and source_id in local:
                for stored in await self.store.documents(source_id, MIRRORED_KINDS):
                    wanted[stored.doc_id] = stored
        problems: dict[str, str] = {}
        wrote = 0
        left: set[bytes] = set()
        waiting: set[bytes] = set()  # sources holding newer owner changes unread
        # Asked once a source: the copies written below park no record of its owner.
        asked_unread: dict[bytes, bool] = {}
        for stored in wanted.values():
            source = local.get(stored.journal_id)
            if source is None or source.role != "owner" or stored.kind not in MIRRORED_KINDS:
                continue
            if stored.journal_id in troubled:
                left.add(stored.doc_id)  # its copy there waits for its chain (see above)
            if source.journal_id not in asked_unread:
                unread = await self.replica.holds_unread_owner_changes(source)
                asked_unread[source.journal_id] = unread
            if asked_unread[source.journal_id]:
                waiting.add(source.journal_id)
                left.add(stored.doc_id)
                continue
            document = stored_document(stored)
            for journal, fields in await self.mirror_targets(
                source, document, journals=journals, unread=False
            ):
                if await self._copy_current(journal, document, fields):
                    continue
                try:
                    if document.kind == ENTRY:
                        await self.copy_entry(journal, document, fields)
                    else:
                        await self.copy_care(journal, document, fields)
                    wrote += 1
                except TJError as error:
                    problems[journal.name] = str(error)
                    left.add(stored.doc_id)
            if stored.doc_id not in asked:
                continue  # a look through: only what was written before the copy was known
            for journal, copy in await self.mirror_leaving(
                source, document, journals=journals, unread=False
            ):
                try:
                    await self.trash_left_copy(journal, copy)
                    wrote += 1
                except TJError as error:
                    problems[journal.name] = str(error)
                    left.add(stored.doc_id)
        done = {
            j.hex(): starts[j]
            for j in scans
            if mirrors[j].mirror_of not in waiting
            and local.get(j) is not None
            and local[j].name not in problems
        }
        if done:
            async with self.store.transaction() as tx:
                kept = decode_caught_up(await tx.setting(MIRRORS_CAUGHT_UP))
                kept.update(done)
                await tx.set_setting(MIRRORS_CAUGHT_UP, json.dumps(kept, sort_keys=True))
        said = [
            f"what {quoted_name(name)} copies was not brought up to date on this device: "
            f"{why}; the next sync tries again"
            for name, why in sorted(problems.items())
        ]
        return said, left & set(doc_ids), wrote

    async def _copy_current(
        self, journal: LocalJournal, document: Document, fields: tuple[str, ...]
    ) -> bool:
        """Whether the copy of `document` in `journal` already holds what `fields` disclose
        of it (a document of any kind deleted or in the trash: no copy, or its copy marked
        removed: `removal_marks`)."""
        copy_id = keys.disclosure_doc_id(
            self.profile.secrets.account_key, document.doc_id, journal.journal_id
        )
        stored = await self.store.document(copy_id)
        if stored is not None and (
            stored.journal_id != journal.journal_id or stored.kind != document.kind
        ):
            return True  # never a document squatting its id (REV-DEL4 E)
        copy = stored_document(stored) if stored is not None else None
        if removal(document):  # removed: no copy ever made of it, or one marked removed
            if copy is None:
                return True
            marks, cleared = removal_marks(document)
            return all(copy.field(k) == v for k, v in marks.items() if k != "updated_at") and (
                cleared is None or copy.text("body") == cleared
            )
        if document.kind == ENTRY:
            view = entry_view(document)
            if copy is None:
                return False
            body = document.text("body") if "body" in fields else ""
            chosen = disclosed_fields(document, fields, view)
            return copy.text("body") == body and all(copy.field(k) == v for k, v in chosen.items())
        copied = disclosed_care(document, fields)
        if copied is None:
            return True
        return copy is not None and all(copy.field(k) == v for k, v in copied.items())

    async def _copied_before(self, journal: LocalJournal, document: Document) -> bool:
        """Whether `journal` already holds a copy of `document` (a result dated before the
        copy's start that an older app carried because it was recorded after it)."""
        copy_id = keys.disclosure_doc_id(
            self.profile.secrets.account_key, document.doc_id, journal.journal_id
        )
        stored = await self.store.document(copy_id)
        return stored is not None and stored.journal_id == journal.journal_id

    def _mirror_start(self, journal_id: bytes, settings: access.Disclosure) -> int:
        """From when (ms) what is dated is copied into the field-level copy `journal_id`:
        the copy's start (`settings.since`), or the start of the member's current membership
        as the owner signed it when later (a share made again, or renewed after it lapsed,
        copies nothing dated while it was off: REV-COPIES F3, F1)."""
        state = self.replica.chains.state(journal_id)
        member = state.member_by_account(settings.member_id) if state is not None else None
        if state is None or member is None:
            return settings.since
        return max(settings.since, state.granted_at.get(member.handle, settings.since))

    def copies_from(self, journal_id: bytes) -> datetime | None:
        """`ShareInfo.since` of the field-level copy `journal_id` (`_mirror_start`, UTC);
        None without its settings."""
        settings = self.disclosures().get(journal_id)
        if settings is None:
            return None
        return to_datetime(self._mirror_start(journal_id, settings))

    def _has_live_member(self, journal_id: bytes, now: int) -> bool:
        state = self.replica.chains.state(journal_id)
        return state is not None and any(not m.ended(now) for m in state.members.values())

    async def _copy_removal(self, target: LocalJournal, document: Document, copy_id: bytes) -> None:
        """Follow the removal of `document` (deleted, or in the trash) in its copy `copy_id`
        in `target`: a copy that exists gets the removal's marks only (`removal_marks`), never
        what the source holds besides (an edit made before the removal was never disclosed);
        a document removed before any copy of it gets none, ever (whichever path writes:
        a write here, the catch-up after a sync, a delete cut short)."""
        stored = await self.store.document(copy_id)
        if stored is None or stored.journal_id != target.journal_id or stored.kind != document.kind:
            return  # no copy (or a document squatting its id, REV-DEL4 E): nothing written
        copy = stored_document(stored)
        fields, body = removal_marks(document)
        texts = {"body": body} if body is not None else None
        await self.replica.commit(target, copy, copy.change(fields=fields, texts=texts), copy=True)

    async def copy_care(
        self, target: LocalJournal, document: Document, fields: tuple[str, ...]
    ) -> None:
        """Copy a measure result or homework into `target` as far as `fields` disclose it
        (nothing when they disclose none of it)."""
        copied = disclosed_care(document, fields)
        if copied is None:
            return
        copy_id = keys.disclosure_doc_id(
            self.profile.secrets.account_key, document.doc_id, target.journal_id
        )
        if removal(document):
            await self._copy_removal(target, document, copy_id)
            return
        stored = await self.store.document(copy_id)
        copy = stored_document(stored) if stored else Document(copy_id, document.kind)
        await self.replica.commit(target, copy, copy.change(fields=copied), copy=True)

    # --- notes and prompts -------------------------------------------------------------------------

    async def add_note(self, journal: LocalJournal, kind: str, text: str) -> Note:
        if kind not in (NOTE, PROMPT):
            raise InvalidInput("a note's kind is note or prompt", subject=BAD_VALUE)
        if not text.strip() or len(text) > 10_000:
            raise InvalidInput("a note is 1 to 10000 characters", subject=BAD_VALUE)
        check_text(text, "a note" if kind == NOTE else "a prompt", multiline=True)
        document = Document(keys.new_doc_id(self.profile.account_id), kind)
        update = document.change(fields={"created_at": now_ms()}, texts={"body": text})
        await self.replica.commit(journal, document, update)
        return await self._note(journal, document, self.profile.account_id)

    async def notes(self, journal: LocalJournal | None = None) -> list[Note]:
        journals = {j.journal_id: j for j in await self.store.journals()}
        refused = await self.store.set_aside_documents()
        found = []
        documents = [
            stored
            for stored in await self.store.documents(
                journal.journal_id if journal else None, (NOTE, PROMPT)
            )
            if stored.kind in (NOTE, PROMPT) and stored.journal_id in journals
        ]
        late = await self.replica.past_write_limit(documents, journals)
        for stored in documents:
            creators = await self.store.creators([stored.doc_id])
            journal_of = journals[stored.journal_id]
            author = creators.get(stored.doc_id, journal_of.owner_id)
            note = await self._note(journal_of, stored_document(stored), author)
            if stored.doc_id in refused:  # the server refused it: set aside, says why
                note = replace(note, delivered=False)
            elif stored.doc_id in late:
                note = replace(note, delivered=False, late=late_text(journal_of))
            found.append(note)
        return sorted(found, key=lambda n: (not n.by_therapist, n.created_at), reverse=False)

    async def _note(self, journal: LocalJournal, document: Document, author: bytes) -> Note:
        name = await self.replica.member_name(journal, author)
        return Note(
            document.doc_id.hex(),
            self.replica.shown_name(journal),
            document.kind,
            document.text("body"),
            name,
            author != journal.owner_id,
            read_time(document.field("created_at")) or EPOCH,  # unreadable: as if absent
            journal_id=journal.journal_id.hex(),
        )


def unsent_error(
    label: str,
    waiting: int,
    refused: list[SetAsideRow],
    unlisted: bool,
    journal_id: bytes = b"",
) -> InvalidInput:
    """Why `forget` keeps the copy `label` (NU30 F1): `waiting` changes of this device still
    in the outbox (a sync sends them or sets them aside), and those the server `refused` for
    good (set aside), which only the user can let go: keep their words, drop them (one drop
    per document: `names["set aside"]` holds the first 3 documents' ids, space-separated,
    12 hex digits each), then discard it again (`unlisted`: the user said the share ended).
    `names["journal id"]`: the copy's `journal_id` in hex ("" when not given). Subject
    UNSENT_COPY."""
    lose = "it" if waiting + len(refused) == 1 else "them"
    first: dict[bytes, bytes] = {}  # one drop per document: it drops all of its changes
    for r in refused:
        first.setdefault(r.record.doc_id or r.record.record_id, r.record.record_id)
    named = {
        "journal": label,
        "journal id": journal_id.hex(),
        "unlisted": "yes" if unlisted else "",
        "waiting": str(waiting),
        "set aside count": str(len(refused)),
        "set aside documents": str(len(first)),
        "set aside": " ".join(i.hex()[:12] for i in list(first)[:3]),  # NU41 #8
    }
    if waiting:
        changes = "1 change" if waiting == 1 else f"{waiting:,} changes"
        also = f" and {len(refused)} the server refused for good (set aside)" if refused else ""
        return InvalidInput(
            f"{quoted_name(label)} has {changes} of this device not yet on the server (waiting to be "
            f"sent){also}: forgetting the copy would lose {lose}; sync first, then discard it "
            "again",
            subject=UNSENT_COPY,
            names=named,
        )
    drops = ", ".join(named["set aside"].split())
    if len(first) > 3:
        drops = "each one in the set-aside list"
    changes = "1 change" if len(refused) == 1 else f"{len(refused):,} changes"
    their = "its" if lose == "it" else "their"
    return InvalidInput(
        f"{quoted_name(label)} has {changes} of this device the server refused for good (set aside, not "
        f"on the server): forgetting the copy would lose {lose}; keep {their} words (the "
        f"set-aside list gives them), then drop {lose} ({drops}), then discard the copy again",
        subject=UNSENT_COPY,
        names=named,
    )


def free_name(name: str, taken: Iterable[str]) -> str:
    """`name`, or "`name` (2)", "(3)"... the first that none of `taken` (this account's
    journals' names) bears as names are compared (case and runs of spaces ignored): a
    journal kept for a member never takes the name of one of the user's own, which a
    command naming it would then name ambiguously. Kept within 100 characters. Pure."""
    used = {squeezed(t).casefold() for t in taken}
    found, n = name, 1
    while squeezed(found).casefold() in used:
        n += 1
        suffix = f" ({n})"
        found = name[: 100 - len(suffix)].rstrip() + suffix
    return found


MIRRORS_CAUGHT_UP = "mirrors_caught_up_2"
"""The store setting naming the field-level copies whose source this device has looked
through once (`Sharing.follow_mirrors`): JSON {copy journal id (hex): the copy's start (ms)
when it did}; a copy not named, or named with another start, is looked through again. (Its
name changed once so that every copy is looked through again after an update: an earlier
version wrote nothing into a copy its owner had archived, while its source took entries.)"""


def decode_caught_up(value: Any) -> dict[str, int]:
    """`MIRRORS_CAUGHT_UP` read back; a damaged value, or part, reads as none."""
    raw = read_json(value, {})
    if not isinstance(raw, dict):
        return {}
    return {
        k: v
        for k, v in raw.items()
        if isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
    }


def removal_marks(document: Document) -> tuple[dict[str, Any], str | None]:
    """What the existing copy of `document`, deleted or in the trash (any kind), is written
    with: the marks of its removal and nothing else of the source (`removal`): deleted for
    good, `deleted` and its time (an entry's copy also cleared, as `delete_entry_update`
    clears the entry: its body, the second value, "" then); in the trash, `trashed_at` and
    its time. The body is None when the copy's text is left as it is."""
    deleted, trashed_at = document.removal_fields()
    updated = document.field("updated_at")
    if deleted is True:
        if document.kind == ENTRY:
            cleared: dict[str, Any] = {"title": "", "mood": None, "tags": [], "emotions": []}
            return {"deleted": True, "updated_at": updated, **cleared}, ""
        return {"deleted": True, "updated_at": updated}, None
    return {"trashed_at": trashed_at, "updated_at": updated}, None


def disclosed_fields(
    document: Document, fields: tuple[str, ...], view: EntryView | None = None
) -> dict[str, Any]:
    """The entry's map fields a disclosure copy carries: the chosen ones, plus timestamps and
    the deleted flag so the copy follows the entry's life. `view`: the document's view, when
    the caller has it (`entry_view(document)` otherwise)."""
    if view is None:
        view = entry_view(document)
        emotions = document.field("emotions")
    else:
        emotions = view.emotions
    chosen: dict[str, Any] = {
        "created_at": view.created_at,
        "updated_at": view.updated_at,
        "deleted": view.deleted,
        "title": view.title if "title" in fields else "",
        "mood": view.mood if "mood" in fields else None,
        "tags": list(view.tags) if "tags" in fields else [],
    }
    # Empty when not shared, never left out: a copy shared again with fewer fields must
    # not keep the emotions it showed before (REV-DEL2 C).
    chosen["emotions"] = list(emotions or []) if "emotions" in fields else []
    if view.utc_offset is not None:
        chosen["utc_offset"] = view.utc_offset
    chosen["trashed_at"] = view.trashed_at
    return chosen


def item_again(document: Document) -> ItemAgain:
    """An item of the journal of single items, as `SharedAgain` names it."""
    if document.kind == ENTRY:
        view = entry_view(document)
        words = " ".join((view.title or view.body).split())
        if not words:
            shown = [f"mood {view.mood}"] if view.mood is not None else []
            words = ", ".join(shown + list(view.tags)) or "no text"
        summary = words if len(words) <= 60 else words[:59] + "…"
        written = read_time(view.created_at) or EPOCH
        return ItemAgain("entry", document.doc_id.hex(), written, summary)
    # Imported here: everyday commands never name a result, and load no scoring module.
    from client_sdk.results import MEASURE, result_view

    result = result_view(document, "", "")
    if result is not None:
        summary = f"{result.name}, score {result.score}"
        return ItemAgain("result", document.doc_id.hex(), result.taken_at, summary)
    kind = "result" if document.kind == MEASURE else document.kind
    return ItemAgain(kind, document.doc_id.hex(), read_time(_created(document)) or EPOCH, kind)


def _created(document: Document) -> int:
    value = document.field("created_at")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _taken(document: Document) -> int:
    """When a result was taken (ms; `taken_at`, which a form done on paper earlier dates
    back), else its `created_at`: the date a field-level copy's start is compared with."""
    value = document.field("taken_at")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    return _created(document)


def share_expiry(until: datetime | None) -> int:
    """A share's end as ms since 1970 UTC (0: none): an aware datetime, or a naive one in
    local time. Raises InvalidInput for one not in the future or past what the server
    takes (protocol.md 2.5)."""
    if until is None:
        return 0
    if until.tzinfo is None:
        until = until.astimezone()
    expires_at = int(until.timestamp() * 1000)
    if expires_at <= now_ms():
        raise InvalidInput("a share's end date must be in the future", subject=BAD_VALUE)
    if expires_at > wire.MAX_TIME_MS:  # the server refuses it (protocol.md 2.5)
        raise InvalidInput("a share's end date must be before 9999-12-30 (UTC)", subject=BAD_VALUE)
    return expires_at


def since_of(settings: access.Disclosure | None) -> datetime | None:
    """When a disclosure journal began copying (`Disclosure.since`, UTC); None: no settings."""
    return to_datetime(settings.since) if settings is not None else None


def _owed_to(owed: owed_shares.Owed, account_id: bytes | None, username: str) -> bool:
    """Whether the owed share `owed` is with the account `account_id` (when given and the
    note names the member's identity) or, otherwise, the user `username`."""
    if account_id is not None and owed.who is not None:
        return owed.who.account_id == account_id
    return normalize_username(owed.member) == normalize_username(username)


def decode_erased(raw: Any) -> list[dict[str, Any]]:
    """`ERASED_SHARES` as stored; anything unreadable, or a row without its keys, is none."""
    rows = read_json(raw, [])
    if not isinstance(rows, list):
        return []
    keys_ = {"journal", "journal_id", "member", "role", "at"}
    return [r for r in rows if isinstance(r, dict) and keys_ <= set(r)]


def _check_typed(identity: wire.Identity, fingerprint: str, *, sharing: bool = False) -> None:
    """KeyChangedError unless `fingerprint` (typed by the user for a verify, or with
    `sharing` for a share) is `identity`'s."""
    actual = keys.fingerprint(
        identity.account_id,
        identity.username,
        identity.sign_public_key,
        identity.box_public_key,
    )
    if keys.normalize_fingerprint(fingerprint) == actual:
        return
    if sharing:
        raise KeyChangedError(
            f"the fingerprint you entered does not match {identity.username}'s keys as this "
            "device sees them: nothing was shared. Compare it again in person.",
            subject=FINGERPRINT_MISMATCH,
        )
    raise KeyChangedError(
        f"the fingerprint you typed does not match {identity.username}'s keys as this "
        "device sees them: nothing was marked verified. Compare it again in person.",
        subject=FINGERPRINT_MISMATCH,
    )
