"""Shares that ended, told once by a sync: first, members who stopped reading this account's
journals, told to the owner (NU18 C4).

A member leaves with /v1/shares/leave: the server stops serving it and raises the journal's
`meta_version`, but it cannot take itself off the owner-signed access chain, and the leave
is not signed by the member (protocol.md, /v1/shares/leave). So "a member left" is the
server's word: an owner device takes it only to narrow access (a signed `removed` entry and a
new key epoch, made by the owner's own device, as for a revocation), and tells the owner so,
as the server's word, never as the member's.

The owner's device learns of a leave only when something changed: the sync page of the
journal carries a new `meta_version`, the device re-reads the journal list (as it does for a
rename or a rotation), and a journal whose `meta_version` moved while its verified chain did
not is kept here as one to check (`PENDING`, a store setting). The next sync then asks
/v1/shares/list once for those journals; a sync with nothing new asks nothing more than
before. What the check finds, and every member a rotation drops because the server no longer
serves it (replica.Replica._rotate), waits here until a sync reports it (`SyncReport
.departures`), once. A rotation stores its departures before it is sent, with reason
"unknown" unless already known, and rewords them once the server says whether the account
still exists (R22 F3); a departure whose member the journal's verified chain lists (the
rotation did not go through, or the owner shared again) is not reported (R22 F8).

Shares that end otherwise are told the same way, once (NU19 C6, C8): to the owner, a member
whose signed end date passed and whom a rotation of this device ended ("end date",
Replica._tell_expired); to a member, when a journal list it verified shows its own share
ended or narrowed by the owner-signed chain ("end date", "removed", "narrowed"), or a journal
the server stopped listing while that chain still grants it ("no longer served": the
server's word, said as such), found by Replica._shares_ended.

And to the owner's other devices (NU21 C4): a share that another device of the owner ended
("unshared": a signed `removed` entry without `because`, from `tj unshare`), or closed at its
end date ("end date": a signed `ended` entry), found in owner-signed chain entries this
device verifies for the first time (Replica._ended_elsewhere), worded without saying which
device did it ("from one of your devices": also true when the entry is this device's own,
its rotation's reply lost). Never from a server answer: a server that withholds the entry
only delays the notice, and one that makes the member look gone makes none of these. A
chain this device verifies for the first time (a new device) tells none of its past
endings; a share the chain shows shared again (or narrowed to a field-level copy, or widened
from one) by the time the sync reports is not told (Sharing.departures). New terms, a share
given anew and a lapsed share renewed by another device are told to them the same way
("changed", "shared", "renewed": Replica._changed_elsewhere, NU26 C5, NU30 #4), while the
chain still lists the member.

What is told once is decided per membership (each grant the owner signs), never per journal
(NU23 C6): a member who left a share on this device is not told of that share's end (they
ended it), but once the owner-signed chain grants them a new membership of the journal, its
end is told as any other's; and the new membership itself is told ("shared again", RETURNED,
NU23 C9), whether the copy of the earlier share was kept or forgotten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from client_sdk.models import and_words, named_in_text, quoted_name, read_json

PENDING = "departures_pending"
"""Store setting: JSON {"journals": [journal id hex, ...], "told": [Departure dict, ...],
"sent": [Sent dict, ...]}."""
UNSEEN = "unseen_departures"
"""Store setting: `encode_told` of the departures syncs told that the user has not seen
(`Client.unseen_departures`); those of a journal removed from the device go with it
(`without_journal`)."""

LEFT = "left"
"""Told to the owner: the server says the member left the share (not signed by them); an
owner device removed them from the journal's access."""
ERASED = "account deleted"
"""Told to the owner: the server says the member's account was deleted; an owner device
removed them from the journal's access."""
UNKNOWN = "unknown"
"""The reason when the server did not answer whether the account still exists: the notice
is kept with the removal all the same, worded without a reason."""
EXPIRED = "end date"
"""A share's end date, as the owner signed it in the chain, passed (by the device's clock)."""
REMOVED = "removed"
"""This account's share ended by the owner's signed access chain (not sealed to it any more)."""
UNLISTED = "no longer served"
"""The server stopped serving this account a journal shared with it while the owner-signed
chain this device verified still grants it: the owner stopped sharing it (a removed member is
not served the removal, protocol.md /v1/shares/leave), or the server is withholding it. The
server's word: it only names a journal this device no longer receives."""
DROPPED = "dropped on the server's word"
"""An owner device removed the member because the server said it no longer serves them
(they left, or their account was deleted): the `removed` entry says so, signed by the owner
(access.NOT_SERVED). Told to the owner's other devices (not the one that made the
removal, which tells "left"/"account deleted"/"unknown"), and to the member: the server's
word that an owner device acted on, not the owner's decision."""
RETURNED = "shared again"
"""Told to a member: the owner shared a journal with this account again, by an owner-signed
grant of a new membership (or a renewal of one whose signed end date had passed) that this
device verified, after the share had ended on this device (left, unshared, end date):
`Departure.discarded` says whether the copy had been forgotten here first
(forgotten.shared_again: the device takes it back) or was kept read-only.
Never on the server's word: a journal the server listed again under the membership this
device already knew (it had withheld it) is not told."""
SHARED = "shared"
"""Told to a member: the owner shared a journal with this account, by an owner-signed grant
this device verified, the first time this device holds that journal; `at` is the grant's
signed time. Not told on a device's
first journal list (a login: what was shared before it is not news), nor on the server's
word (a journal listed without such a grant). With `owner` "", told to the owner's other
devices: one of its devices shared the journal with `member` anew (a `granted` entry this
device verified for the first time, not a renewal: RENEWED), `role` and `until`
the terms given."""
RELISTED = "served again"
"""Told to a member: the server lists again a journal it had stopped listing (told
UNLISTED, "no longer served") under the same membership, whose owner-signed terms did not
change meanwhile (a change is told as NARROWED or CHANGED). The server's word: it
only names a journal this device receives again."""
NARROWED = "narrowed"
"""The owner-signed chain took this account's right to annotate (its role is now "read")."""
CHANGED = "changed"
"""Told to the owner's other devices: one of its devices gave a member new terms (a
`changed` entry this device verified for the first time), device-neutrally as
UNSHARED is (new terms signed after the end date had passed are RENEWED). Told to a member: the owner-signed chain gave this account's membership of the journal
new terms (a `changed` entry) other than taking its right to annotate (NARROWED): the role
became "annotate", or the end date was set, moved or lifted. Decided by comparing the membership's terms in the
chain this device verified before the refresh with those of the chain it verified now,
the same membership (handle) on both sides; `Departure.was_role` / `role` and `was_until`
/ `until` say what changed. Never on the server's word, nor told of a new membership (that
is "shared" or "shared again")."""
RENEWED = "renewed"
"""Told to the owner's other devices: one of its devices renewed a member's share whose
signed end date had passed: a `granted` entry of a new membership for an account
whose previous membership an `ended` entry closed, or a `changed` entry signed after the
membership's end date had passed; `role` and `until` (ms UTC, 0 none) are the terms given.
Found in owner-signed entries this device verified for the first time, device-neutrally
("from one of your devices"), as CHANGED is; never on the server's word. A first share of
a journal is told to them as SHARED (with `owner` "")."""
UNSHARED = "unshared"
"""Told to the owner: one of its devices ended the member's share (a signed `removed` entry
without `because`: `client.shares.unshare`, `tj unshare`), found by another device of the
owner when it verified that entry. Device-neutral: "from one of your devices"."""
GONE = "no longer on the server"
"""Told to the owner's devices: a journal of this account that the server stopped listing
(its read-only copy stays on this device: Replica.refresh_journals). It was deleted on
another of this account's devices, or the server is withholding it: a deletion is not
signed, so the device cannot tell which (protocol.md "Withholding"). The
server's word, told once per disappearance (a journal listed again and then left out again
is told again), `member` "" and `owner` "". This device's own records that the server
acknowledged there and never served back are reported as withheld at every sync as long as
the copy is kept (`SyncReport.withheld`)."""
REASONS = (
    LEFT, ERASED, UNKNOWN, EXPIRED, REMOVED, UNLISTED, DROPPED, RETURNED, SHARED, RELISTED,
    NARROWED, CHANGED, RENEWED, UNSHARED, GONE,
)  # fmt: skip
"""Every `Departure.reason`."""
GIVEN = (CHANGED, RENEWED, SHARED)
"""Reasons told to the owner's other devices (`owner` "") of a share given, renewed or
given new terms: told only while the verified chain still lists the member (one ended
since is told as ended)."""
LEFT_WHOLE = (LEFT, UNKNOWN, DROPPED)
"""Reasons told to the owner that a member no longer reads a journal on the server's word
(they left, or it did not say why): with them, a field-level copy of it this account still
shares with the member is named (`Departure.copy`)."""
WHOLE_ENDED = (EXPIRED, REMOVED, UNLISTED, DROPPED)
"""Reasons told to a member whose share of a whole journal ended: with them, a field-level
copy of it the owner still shares with the member is named (`Departure.copy`)."""
SERVER_SAID = (UNLISTED, RELISTED, GONE)
"""Reasons told on the server's word alone, with no owner-signed change behind them: what a
hostile server can make a device tell again and again (stop serving a journal, serve it
again). Kept for "Earlier" (`kept_told`) after the others when too many are kept. LEFT, UNKNOWN, ERASED and DROPPED are the server's word too, but each comes
with a removal an owner device signed, which the server cannot repeat alone."""


def copied_name(name: str, member: str) -> str:
    """The name of the journal a field-level copy kept for `member` copies, read from the
    copy's name as the SDK makes it ("<journal> (<fields>) for <member>", protocol.md 4.14):
    "Personal" for "Personal (mood, tags) for drsmith"; "" for any other name."""
    found = re.fullmatch(rf"(.+) \(([^()]+)\) for {re.escape(member)}", name) if member else None
    return found.group(1) if found else ""


def server_word(reason: str) -> str:
    """Why the server no longer serves a member, as its word (never the member's), for a
    departure told to the owner with `reason` LEFT, ERASED or UNKNOWN (any other: as
    UNKNOWN): "the server says they left the share (not signed by them)"."""
    return {
        ERASED: "the server says their account was deleted",
        LEFT: "the server says they left the share (not signed by them)",
    }.get(reason, "the server no longer serves them and did not say why")


def erased_words(owner: str) -> str:
    """That the server says `owner`'s account no longer exists, as its word (NU43 #8)."""
    return f"{owner}'s account appears to have been erased (the server no longer knows it)"


ERASED_OWNERS = "owners_said_erased"
"""Store setting: JSON list of the account ids (hex) of owners whose share with this account
the server stopped serving while saying their account no longer exists (`Departure.
owner_erased`), for the caseload's words (NU43 #8); an owner whose journal the server lists
again, or who it says exists when another share ends, leaves it. Words only."""


def decode_owners(raw: Any) -> list[str]:
    """`ERASED_OWNERS` as stored; anything unreadable is none (never raises)."""
    value = read_json(raw, [])
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def owners_said(before: Iterable[str], known: Mapping[str, bool]) -> list[str]:
    """`ERASED_OWNERS` (`before`) after the server's answer `known` (owner id hex -> whether
    it still has that account: /v1/account/known, NU49 F6): those it no longer knows in,
    those it knows out, the others as they were. Its word, for words only."""
    said = set(before) | {owner for owner, still in known.items() if not still}
    return sorted(said - {owner for owner, still in known.items() if still})


OWNERS_ASKED = "owners_asked_known"
"""Store setting: JSON object, owner account id (hex) -> when this device (its clock, ms)
last had the server's answer to whether that owner still has an account (/v1/account/known;
0: not yet). It holds every owner of an ended share this device held a copy of, kept or
discarded since, until a journal of theirs is served here again (`owners_due`): each is
noted (0) when its share is first seen ended and when its copy is discarded
(`owners_seen_ended`), asked about then, then at most once per ASK_AGAIN_MS, whatever the
device keeps, so the questions tell the server neither which copies this device still keeps
nor when it discarded one (REV-S11 S11-3)."""

ASK_AGAIN_MS = 7 * 24 * 3600 * 1000
"""A week: how often an owner of an ended share is asked about again (`OWNERS_ASKED`)."""

ASK_AT_MOST = 20
"""Owners one /v1/account/known question names at most: those asked longest ago (never
first); the server counts each as one lookup by id (per account, 600 a minute by default:
its `--id-lookups-per-minute`), so a device with many former clients asks about the rest
later."""


def decode_asked(raw: Any) -> dict[str, int]:
    """`OWNERS_ASKED` as stored; anything unreadable is none (never raises)."""
    value = read_json(raw, {})
    if not isinstance(value, dict):
        return {}
    return {
        owner: when
        for owner, when in value.items()
        if isinstance(owner, str) and isinstance(when, int) and not isinstance(when, bool)
    }


def owners_seen_ended(asked: Mapping[str, int], owners: Iterable[str]) -> dict[str, int]:
    """`OWNERS_ASKED` (`asked`, as stored) with `owners` (hex), whose share this device now
    sees ended or whose copy it discards, in as not yet asked (0) unless remembered: due at
    the next question whatever the device keeps of them. Raises nothing."""
    noted = dict(asked)
    for owner in owners:
        noted.setdefault(owner, 0)
    return noted


def owners_due(
    asked: Mapping[str, int], ended: Iterable[str], served: Iterable[str], now: int
) -> tuple[dict[str, int], list[str]]:
    """(`OWNERS_ASKED` to keep, the owners to ask about now) from `asked` (as stored), the
    owners (hex) of the shares ended here whose journals none is served (`ended`), the
    owners of journals served here (`served`: never asked about, and forgotten) and `now`
    (ms): a new owner of `ended` is asked at once, a remembered one once ASK_AGAIN_MS has
    passed since it was (or its time is ahead of `now`: a clock set back), ASK_AT_MOST of
    them, those asked longest ago first."""
    live = set(served)
    kept = {owner: when for owner, when in asked.items() if owner not in live}
    for owner in ended:
        if owner not in live:
            kept.setdefault(owner, 0)
    due = sorted(
        (when, owner)
        for owner, when in kept.items()
        if when <= 0 or when > now or now - when >= ASK_AGAIN_MS
    )
    return kept, [owner for _, owner in due[:ASK_AT_MOST]]


def copy_still_read(copy: str) -> str:
    """Told to the owner that a member no longer reads a whole journal: the field-level
    copy of it named `copy` that they still read (NU26 C2)."""
    return (
        f"they still read {quoted_name(copy)}, the copy of some of its fields you keep for them, so what "
        "it copies of new entries still reaches them"
    )


@dataclass(frozen=True)
class Departure:
    """A share that ended, told once by a sync report. `member` (username, as the
    owner-signed chain names them), `journal` (name: as this device names the journal when
    `Client.sync` or `Client.unseen_departures` hands the change out, so one renamed on
    another device since, the rename brought by the same sync, is named as it is now; as is
    `source`) and `journal_id` (hex), `reason`, `at`
    (ms since the Unix epoch, UTC: the signed end date for "end date", else when this device
    learnt it) and `owner` (username of the journal's owner, as its pinned identity names it;
    "" when this account owns the journal).

    Told to the owner (`owner` ""): a member this account's device dropped from an owned
    journal because the server no longer serves them, `reason` as the server has it: "left"
    (the member left the share with /v1/shares/leave), "account deleted", or "unknown" (the
    server did not answer the question when the removal was made). None is signed
    by the member: a hostile server can claim either, and the member then stops getting what
    is written (deny service, as a server always can); sharing again
    (`client.shares.grant`) undoes it. Or "end date": the end date this account signed
    passed, and its device removed the member (a signed `ended` entry and a new key epoch).
    Or "dropped on the server's word": another device of this account removed the member
    because the server said it no longer serves them (the signed `removed` entry says so).
    Or "unshared": a device of this account ended the share (`unshare`), told to the
    account's devices that verify that signed entry after it was made; "end date"
    too is told to them when another device signed the `ended` entry, and "changed" when
    another device gave the member new terms (`was_role`/`role`, `was_until`/`until`); "renewed"
    when another device renewed a share whose signed end date had passed (a new membership after the
    `ended` one, or new terms signed after the end date), and "shared" when it shared the journal
    anew, both with the terms given (`role`, `until`) and `at` the entry's signed time.

    Told to a member (`owner` set, `member` is this account): "end date" (the owner's
    signed end date passed by this device's clock), "removed" (the owner's signed chain no
    longer grants this account), "dropped on the server's word" (the owner's device removed
    this account because the server said it had left: the owner did not decide it),
    "narrowed" (the signed chain made its role "read"), "changed" (the signed chain gave
    its membership other new terms: annotate, or another end date), or "no
    longer served" (the server
    stopped listing the journal while the signed chain still grants it: the owner stopped
    sharing it, or the server withholds it; said as such). And, in the same list, "shared
    again": the owner-signed chain grants this account a new membership after its share had
    ended on this device (`discarded`: whether the copy had been forgotten first); and
    "shared": the owner-signed chain grants this account a journal this device holds for the
    first time."""

    member: str
    journal: str
    journal_id: str
    reason: str
    at: int = 0
    owner: str = ""
    source: str = ""
    """Told to the owner about a field-level copy kept for the member (`tj share --only`): the name
    of the journal it copies ("" otherwise, or when this device no longer holds it); sharing again
    is done on that journal, with `fields`."""
    fields: tuple[str, ...] = ()
    """With `source`: the fields of each entry the copy held."""
    source_id: str = ""
    """With `source`: that journal's id (hex), from the copy's owner-sealed disclosure
    settings: how a command names it when its name would not paste back."""
    items: bool = False
    """Told to the owner: the journal is the one of single items kept for the member
    ("Shared with NAME"): sharing again is done an item at a time (`grant_entry`)."""
    discarded: bool = False
    """With "shared again": this device had discarded the copy of the ended share
    (`client.shares.forget`) and takes the journal back; False, the copy had been kept."""
    copy: str = ""
    """Told to a member that a share of the owner's whole journal ended ("removed", "end date", "no
    longer served", "dropped on the server's word"): the name of a field-level copy of that journal
    the owner still shares with this account ("Personal (mood, tags) for drsmith": the share was
    most likely narrowed to it, `tj share --only`), as its owner-signed chain and name show. Told to
    the owner that a member left a whole journal ("left", "unknown", "dropped on the server's
    word"): the name of a field-level copy of it this account still shares with them, so what it
    copies of new entries still reaches them. Told to a member that a field-level copy kept for
    them ended (its name "<journal> (<fields>) for <member>"): the journal it copied, or another
    copy of it, that the owner-signed chain grants this account now (the copy was most likely
    replaced by one of other fields: `replaced_copy`). "" otherwise."""
    narrowed: str = ""
    """Told to the owner with "unshared": the whole-journal share was ended by narrowing it to some
    fields (`grant(only=...)`, `tj share --only`), and the member now reads those through this
    field-level copy ("Personal (mood, tags) for drsmith"; "a copy kept for them" when this device
    does not hold it): the source's signed chain names that copy. "" otherwise."""

    was_role: str = ""
    """With "narrowed" or "changed": the role ("read" or "annotate") the membership held before the
    owner-signed change, and `role` the one it holds now; both "" when the role did not change."""
    role: str = ""
    """See `was_role`."""
    was_until: int | None = None
    """With "narrowed" or "changed": the end date (ms UTC, 0 none) the membership had before the
    owner-signed change, and `until` the one it has now; both None when it did not change."""
    until: int | None = None
    """See `was_until`. Told to the owner's other devices with "renewed" or "shared": `role`
    and `until` (0: no end date) are the terms given, `was_role` "" and `was_until` None."""
    held_role: str = field(default="", compare=False)
    """Told to the owner with "left", "account deleted", "unknown" or "dropped on the
    server's word": the role ("read" or "annotate") the member held when this account's
    device removed them, by its verified chain, so that the share offered again restores it
    ("" when not known, e.g. kept by an older version)."""
    held_until: int = field(default=0, compare=False)
    """With `held_role`: the end date (ms UTC, 0 none or not known) the membership had by the
    verified chain when the member left, so that the share offered again keeps it (nu84 F1)."""
    held_fingerprint: str = field(default="", compare=False)
    """With `held_role`: the member's fingerprint computed from the identity the owner-signed,
    verified chain holds for them (never the server's word), so that the share offered again
    works as printed on any of the owner's devices ("" when not known; nu84 F5)."""
    member_id: str = field(default="", compare=False)
    """Told to the owner with "end date", "unshared", "unknown" or "dropped on the server's word":
    the account id (hex) of the member whose membership ended, as the owner-signed chain names it
    ("" when not known, e.g. kept by an older version): what is decided about that member goes by
    it, never by `member` (another account may bear the name)."""
    member_erased: bool = field(default=False, compare=False)
    """Told to the owner with "dropped on the server's word" or "unknown": the server says the
    member's account (`member_id`) no longer exists (asked once, by the sync that tells the
    notice), so their username is free, and may be another person's now: an app
    offers no share again with that username without comparing the fingerprint of whoever holds it
    now. The server's word, said as such; it decides nothing."""
    member_now: str = field(default="", compare=False)
    """With `member_erased`: the account id (hex) the server gives the username now, another
    account than `member_id` ("" when no account bears it, or it was not asked)."""
    owner_erased: bool = False
    """Told to a member with "no longer served": the server says the owner's account no longer
    exists (asked once when the share ended here: /v1/account/identity-by-id answered not found), so
    the owner most likely erased it. The server's word, said as such beside "or the server is
    withholding it"; nothing is decided on it."""
    # found by SafetyPath._ended_share_had_flags
    safety_flags: bool = field(default=False, compare=False)
    """Told to the owner with "end date" for a whole journal: the client's own signed safety plan
    had opted this member (`member_id`) in for the share that ended, so the renewal the notice gives
    asks for `--safety-flags` again (an opt-in is never carried over by itself). Told to the
    owner with "shared", "renewed" or "changed" for a whole journal: safety flags reach the
    member now, which the notice says. Set by `Client.sync`, not kept."""
    # the journals of Context.brief_journals (NU47 #4)
    brief: bool = False
    """Told to a member with "shared": the journal is one the owner made to share a pre-session
    brief, not a journal to read as one: "ana sent you a pre-session brief (01:38)". Told only while
    this device holds nothing of it (held back until the owner is verified); a brief downloaded is
    told by the sync's summary instead."""
    # Replica.owner_label (NU46 #1)
    owner_label: str = field(default="", compare=False)
    """Told to a member: how this device names the owner now, where that is not `owner`: "kim
    (account 1a2b3c4d)" while journals of another account named kim are on this device too; ""
    otherwise. Set by `Client.sync` and `Client.unseen_departures`, not kept."""
    # Client._owners_named (NU64 F20)
    items_held: tuple[str, ...] = field(default=(), compare=False)
    """Told to the owner with `items` (the journal of single items kept for the member): the
    kinds of what it holds on this device, sorted ("entry", "measure"), so that the share
    offered again is the one that sends what it held (`tj measure share` for results only);
    () when not known. Set by `Client.sync` and `Client.unseen_departures`, not kept."""
    set_aside: tuple[str, ...] = field(default=(), compare=False)
    """Told to the owner with "no longer on the server": the ids (hex) of the documents of that
    journal with changes written on this device that the server refused for good (set aside,
    oldest first, one per document): on no server and no other device, so deleting the copy
    would lose their words (`Journals.delete` refuses it: keep them, drop them first); () when
    none. Set by `Client.sync` and `Client.unseen_departures`, not kept."""
    # Context.client_label (REV-S9B S9B-1)
    command_owner: str = field(default="", compare=False)
    """Told to a member: how the commands a notice prints (`tj forget`, `tj export --client`) name
    the owner, where that is not as `owner_label` (or `owner`) names them: "kim (account 1a2b3c4d)"
    for the copy kept of a share that ended, which a later verify of another account under the
    username must not make a command about (a command naming just the username could then act on the
    other account's journals); "" otherwise. Set as `owner_label`, not kept."""
    replaced: bool = False
    """Told to a member with `copy` for a field-level copy kept for this account that ended
    ("removed" or "end date"): the owner signed that end and granted this account `copy`
    with it or after it (the other journal's verified chain), so `copy` replaces it
    (`replaced_copy`). False for an end on the server's word ("dropped on the server's
    word"), or when `copy` was shared before the end (this account read both)."""

    @property
    def replaced_copy(self) -> bool:
        """Told to a member: the journal that ended is a field-level copy kept for this
        account (its owner-signed name says so) and `copy` names what of the same journal
        the owner shares with it now, granted with or after the end the owner signed
        (`replaced`), or the server no longer serves the copy ("no longer served": said as
        most likely, the server's word): the copy was replaced (`tj share --only` with
        other fields), not the sharing stopped."""
        return bool(
            self.owner
            and self.copy
            and copied_name(self.journal, self.member)
            and (self.replaced or self.reason == UNLISTED)
        )

    @property
    def when(self) -> datetime | None:
        """`at` as an aware UTC datetime, as every other time of the SDK (`at` stays
        milliseconds, as `describe`'s clock and `tj sync --json` take it); None when `at` is
        0 (not known)."""
        return datetime.fromtimestamp(self.at / 1000, UTC) if self.at else None

    def __str__(self) -> str:
        return self.describe()

    def describe(
        self,
        clock: Callable[[int], str] | None = None,
        ends: Callable[[int], str] | None = None,
        *,
        ends_copy: str = "",
    ) -> str:
        """The departure in a sentence, its time written by `clock` (ms since the Unix
        epoch -> text; default "2026-12-01 18:47 UTC"): a CLI gives local time, as its
        other notices; a share's end dates by `ends` (default `clock`). Told to the
        owner of a member who left while a field-level copy of the journal is still shared
        with them, the sentence says what ends that too, in `ends_copy`'s words when given
        (the CLI: "`tj unshare Personal drsmith`"), else in no app's. Told to a
        member (`owner` set), the journal's name is quoted ("the server no longer serves
        ana's 'Personal' to you", "ana shared 'Shared with drsmith' with you"), as `tj`'s
        notices quote it."""
        clock = clock or _utc
        if self.reason == GONE:
            return (
                f"{named_in_text(self.journal)} is no longer on the server ({clock(self.at)}): it was deleted "
                "on another of your devices, or the server is withholding it; what this device "
                "holds of it stays here, read-only"
            )
        if self.reason in (NARROWED, CHANGED):
            return self._terms_text(clock, ends or clock)
        if self.reason in (RENEWED, SHARED) and not self.owner:
            return self._given_text(clock, ends or clock)
        if self.reason == DROPPED:
            return self._dropped_text(clock, ends_copy)
        if self.reason == UNSHARED and not self.owner:
            return self._unshared_text(clock)
        if self.owner or self.reason not in (LEFT, ERASED, UNKNOWN):
            return self._ended_text(clock)
        said = server_word(self.reason)
        when = f" ({clock(self.at)})" if self.at else ""  # worded as DROPPED is (NU24 C4)
        return (
            f"{self.member} no longer reads {named_in_text(self.journal)}{when}: {said}; this "
            "device removed them from the journal's access and changed its key, so new "
            f"{self._no_longer_reach()}{self._copy_kept(ends_copy)}"
        )

    def _no_longer_reach(self) -> str:
        """What stops reaching a member removed from the journal: "entries and safety flags
        no longer reach them"; for a copy kept for them (`source`, `items`), which never
        carries a safety flag, "entries no longer reach them"."""
        if self.source or self.items:
            return "entries no longer reach them"
        return "entries and safety flags no longer reach them"

    def _copy_kept(self, ends_copy: str) -> str:
        """Told to the owner: the field-level copy of the journal still shared with the
        member (NU26 C2), and what ends it (`ends_copy`), else ""."""
        if self.owner or not self.copy:
            return ""
        ends = f"{ends_copy} ends it" if ends_copy else "ending your share with them ends it"
        return f" through it; {copy_still_read(self.copy)} ({ends})"

    def _dropped_text(self, clock: Callable[[int], str], ends_copy: str = "") -> str:
        when = clock(self.at)
        if self.owner:
            return (
                f"your share of {self.owner}'s {quoted_name(self.journal)} ended ({when}): the server said "
                f"you had left, and {self.owner}'s device removed you on its word (not a "
                f"decision of {self.owner}'s; if you did not leave, ask them to share again)"
            )
        return (
            f"{self.member} no longer reads {named_in_text(self.journal)} ({when}): the server "
            "says they left "
            "the share or their account was deleted (not signed by them); another of your "
            "devices removed them from the journal's access and changed its key, so new "
            f"{self._no_longer_reach()}{self._copy_kept(ends_copy)}"
        )

    def _given_text(self, clock: Callable[[int], str], ends: Callable[[int], str]) -> str:
        """RENEWED or SHARED told to the owner's other devices: "drsmith's share of Personal
        was renewed from one of your devices (22:27): annotate until 2027-06-30 00:00 UTC",
        "Personal was shared with drsmith from one of your devices (22:27): read, with no end
        date" (NU30 #4)."""
        when = clock(self.at)
        terms = (
            f"{self.role} until {ends(self.until)}"
            if self.until
            else f"{self.role}, with no end date"
        )
        if self.reason == RENEWED:
            done = f"{self.member}'s share of {named_in_text(self.journal)} was renewed"
        elif self.source and self.fields:  # a field-level copy kept for the member
            said = and_words(["text" if f == "body" else f for f in self.fields])
            done = (
                f"{self.member} was given the {said} of {named_in_text(self.source)} (a copy "
                "kept for them)"
            )
        else:
            done = f"{named_in_text(self.journal)} was shared with {self.member}"
        flags = "; safety flags reach them" if self.safety_flags else ""
        return f"{done} from one of your devices ({when}): {terms}{flags}"

    def _unshared_text(self, clock: Callable[[int], str]) -> str:
        when = clock(self.at)
        ended = f"the share was ended from one of your devices ({when})"
        if self.source and self.fields:  # a field-level copy kept for the member (NU21 C7)
            said = and_words(["text" if f == "body" else f for f in self.fields])
            return (
                f"{self.member} no longer reads the {said} of {named_in_text(self.source)} (a copy kept for "
                f"them): {ended}"
            )
        if self.items:  # the journal of single items kept for the member
            return (
                f"the entries and results you shared one by one with {self.member} "
                f"({quoted_name(self.journal)}) are no longer shared with them: {ended}"
            )
        if self.narrowed:  # narrowed to some fields (NU24 C10)
            return (
                f"{self.member} no longer reads all of {named_in_text(self.journal)}: {ended}; they read only "
                f"what {quoted_name(self.narrowed)} copies of it now"
            )
        return f"{named_in_text(self.journal)} is no longer shared with {self.member}: {ended}"

    def _ended_text(self, clock: Callable[[int], str]) -> str:
        if self.replaced_copy:  # another copy of the same journal now (NU64 F13)
            return (
                f"{self._ended_alone(clock)}; {self.owner} now shares "
                f"{quoted_name(copied_name(self.journal, self.member))} with you through "
                f"{quoted_name(self.copy)}"
            )
        if self.owner and self.copy and copied_name(self.journal, self.member):
            return (  # a copy ended, not replaced: what else of that journal is read still
                f"{self._ended_alone(clock)}; you still read {quoted_name(self.copy)}, which "
                f"{self.owner} shares with you"
            )
        if self.owner and self.copy:  # still read through a copy of it (NU24 C11)
            return (
                f"{self._ended_alone(clock)}; you still read {quoted_name(self.copy)}, the copy of some of its "
                f"fields {self.owner} keeps for you"
            )
        return self._ended_alone(clock)

    def _ended_alone(self, clock: Callable[[int], str]) -> str:
        when = clock(self.at)
        if not self.owner:  # EXPIRED, told to the owner
            return (
                f"your share of {named_in_text(self.journal)} with {self.member} ended (its end date, {when}); "
                "one of your devices removed them from the journal's access and changed its key"
            )
        if self.reason == EXPIRED:
            return f"{self.owner}'s share of {quoted_name(self.journal)} with you ended (its end date, {when})"
        if self.reason == REMOVED:
            return f"{self.owner} stopped sharing {quoted_name(self.journal)} with you ({when})"
        if self.reason == RETURNED and self.discarded:
            return (
                f"{self.owner} shared {quoted_name(self.journal)} with you again ({when}), after you had "
                "discarded it on this device: this device reads it again"
            )
        if self.reason == RETURNED:
            return f"{self.owner} shared {quoted_name(self.journal)} with you again ({when})"
        if self.reason == SHARED and self.brief:  # NU47 #4
            return f"{self.owner} sent you a pre-session brief ({when})"
        if self.reason == SHARED:
            return f"{self.owner} shared {quoted_name(self.journal)} with you ({when})"
        if self.reason == RELISTED:  # the server's word (R49 F2)
            return (
                f"the server serves {self.owner}'s {quoted_name(self.journal)} to you again ({when}), with "
                f"the same terms {self.owner} signed before it stopped"
            )
        if self.owner_erased:  # the server's word (NU43 #8)
            return (
                f"the server no longer serves {self.owner}'s {quoted_name(self.journal)} to you ({when}): "
                f"{erased_words(self.owner)}, or the server is withholding it"
            )
        return (
            f"the server no longer serves {self.owner}'s {quoted_name(self.journal)} to you ({when}): "
            f"{self.owner} stopped sharing it or now shares less of it (the server no longer "
            "shows this device their signed change), or the server is withholding it"
        )

    def end_change(self, clock: Callable[[int], str], lead: str) -> str:
        """The change of end date (`was_until` -> `until`) after `lead`: "changed its end
        from no end date to 2027-06-30 00:00 UTC"; "" when it did not change."""
        end = self._end_moved(clock)
        return f"{lead}changed {end}" if end else ""

    def _end_moved(self, clock: Callable[[int], str]) -> str:
        """ "its end from no end date to 2027-06-30 00:00 UTC" (`end_words`); "" when the end
        date did not change."""
        words = self.end_words(clock)
        return f"its end from {words[0]} to {words[1]}" if words else ""

    def terms_change(self, ends: Callable[[int], str]) -> str:
        """What changed, in words: "from read to annotate", "its end from no end date to
        DATE", or both joined by ", and "."""
        role = (
            f"from {self.was_role} to {self.role}"
            if self.was_role and self.role and self.was_role != self.role
            else ""
        )
        end = self._end_moved(ends)
        if role and end:
            return f"{role}, and {end}"
        return role or end or "the same terms"

    def end_words(self, clock: Callable[[int], str]) -> tuple[str, str] | None:
        """The end date before and after the change, each written by `clock` or "no end
        date"; None when it did not change."""
        if self.was_until is None or self.until is None or self.was_until == self.until:
            return None
        before = clock(self.was_until) if self.was_until else "no end date"
        return before, clock(self.until) if self.until else "no end date"

    def _terms_text(self, clock: Callable[[int], str], ends: Callable[[int], str]) -> str:
        """NARROWED or CHANGED told to the member: "ana made your share of 'Personal'
        read-only (14:09)", "ana changed your access to 'Personal' from read to annotate
        (14:09)", "ana changed the end of your share of 'Personal' from no end date to
        2027-06-30 00:00 UTC (14:09)", each with the change of end date when there is one
        (NU26 C5)."""
        when = clock(self.at)
        if not self.owner:  # new terms given from one of this account's devices
            return (
                f"{self.member}'s share of {named_in_text(self.journal)} was given new terms from one of your "
                f"devices ({when}): {self.terms_change(ends)}"
                f"{'; safety flags reach them' if self.safety_flags else ''}"
            )
        if self.reason == NARROWED:
            return (
                f"{self.owner} made your share of {quoted_name(self.journal)} read-only ({when})"
                f"{self.end_change(ends, ', and ')}"
            )
        if self.was_role and self.role and self.was_role != self.role:
            return (
                f"{self.owner} changed your access to {quoted_name(self.journal)} from {self.was_role} to "
                f"{self.role} ({when}){self.end_change(ends, ', and ')}"
            )
        words = self.end_words(ends) or ("its terms", "new ones")
        return (
            f"{self.owner} changed the end of your share of {quoted_name(self.journal)} from {words[0]} to "
            f"{words[1]} ({when})"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: `at` in milliseconds since the Unix epoch, UTC, as the field is; ids
        as hex; "set_aside" a list of document ids (hex, `set_aside`). A text this departure
        does not have (`member`, `owner`, `source`, `source_id`, `copy`, `narrowed`,
        `was_role`, `role`, `member_now` empty) is null, as `was_until` and `until` are: absent values are
        JSON null, never "". Told to a member (`owner` set), "journal" and "copy" name the
        owner's journals as every other row of the member's names another account's journal,
        "ana/Personal" (the owner as `owner_label` names them, else `owner`); `journal` itself
        is the owner's own name ("Personal"). "fields" is null but for a field-level copy
        (`source`), as a whole-journal share's fields are in `ShareInfo.to_dict`."""
        shown = self._dict()
        if self.owner:  # another account's journals: "owner/name", as the commands take them
            prefix = f"{self.owner_label or self.owner}/"
            shown["journal"] = prefix + self.journal if self.journal else self.journal
            shown["copy"] = prefix + self.copy if self.copy else self.copy
        shown["fields"] = list(self.fields) or None
        return {k: None if k in _ABSENT_AS_NULL and v == "" else v for k, v in shown.items()}

    def _dict(self) -> dict[str, Any]:
        """`to_dict` as the fields are ("" kept): what `stored` keeps and `decode` reads."""
        return {
            "member": self.member,
            "journal": self.journal,
            "journal_id": self.journal_id,
            "reason": self.reason,
            "at": self.at,
            "owner": self.owner,
            "source": self.source,
            "source_id": self.source_id,
            "fields": list(self.fields),
            "items": self.items,
            "discarded": self.discarded,
            "narrowed": self.narrowed,
            "copy": self.copy,
            "replaced": self.replaced,
            "was_role": self.was_role,
            "role": self.role,
            "was_until": self.was_until,
            "until": self.until,
            "owner_erased": self.owner_erased,
            "member_erased": self.member_erased,
            "member_now": self.member_now,
            "brief": self.brief,
            "set_aside": list(self.set_aside),
        }

    def stored(self) -> dict[str, Any]:
        """`to_dict` with `member_id` and `held_role`, as kept in `PENDING` (`decode` reads it
        back), without `set_aside` (set when told, not kept)."""
        kept = {k: v for k, v in self._dict().items() if k != "set_aside"}
        return {
            **kept,
            "member_id": self.member_id,
            "held_role": self.held_role,
            "held_until": self.held_until,
            "held_fingerprint": self.held_fingerprint,
        }


_ABSENT_AS_NULL = frozenset(
    ("member", "owner", "source", "source_id", "copy", "narrowed", "was_role", "role", "member_now")
)
"""`Departure.to_dict`'s texts that are null, not "", when the departure has none."""


@dataclass(frozen=True)
class Sent:
    """A `removed` entry with `because` (R22 F5) that this device signed and sent in a
    rotation, kept from before the request leaves until its reply arrives: when the reply is
    lost and the device verifies the entry later as one it had not seen, it is told as this
    device's own removal (`departure`, with its reason), never as another device's (R25 F2).
    Keyed by the member's handle and the entry's signed time (`at`, ms UTC), which another
    device's removal of the same member does not share."""

    handle: str
    at: int
    departure: Departure
    entry: str = ""
    """The hash (hex) of the `removed` entry signed (R27 F3: matched by the entry, which only
    the device that signed it knows before it is verified); "" in records kept before."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.departure.journal_id, self.handle, self.entry or f"at {self.at}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "handle": self.handle,
            "at": self.at,
            "departure": self.departure.stored(),
            "entry": self.entry,
        }


SENT_PER_MEMBER = 8
"""`Sent` records kept per journal and membership (the latest): one per rotation this device
sent to remove them whose outcome it has not seen; a server that keeps refusing the rotation
(each sync tries again) cannot make the setting grow without bound."""


def latest_sent(sent: list[Sent]) -> list[Sent]:
    """`sent` with at most SENT_PER_MEMBER records (the latest) per journal and membership."""
    counts: dict[tuple[str, str], int] = {}
    kept: list[Sent] = []
    for record in sorted(sent, key=lambda r: r.at, reverse=True):
        member = (record.departure.journal_id, record.handle)
        counts[member] = counts.get(member, 0) + 1
        if counts[member] <= SENT_PER_MEMBER:
            kept.append(record)
    return sorted(kept, key=lambda r: r.at)


@dataclass
class Pending:
    """What waits in `PENDING`: journals to check, departures not yet reported, and removals
    this device sent whose outcome it has not seen yet (`Sent`)."""

    journals: list[str]
    told: list[Departure]
    sent: list[Sent] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.journals and not self.told

    def add(self, told: list[Departure]) -> None:
        """Keep `told` too, one per member and journal (a later one replaces an earlier)."""
        fresh = {(d.member, d.journal_id) for d in told}
        self.told = [d for d in self.told if (d.member, d.journal_id) not in fresh] + told

    def encode(self) -> str:
        return json.dumps(
            {
                "journals": self.journals,
                "told": [d.stored() for d in self.told],
                "sent": [s.to_dict() for s in self.sent],
            },
            sort_keys=True,
        )


def decode(raw: Any) -> Pending:
    """`PENDING` as stored; anything unreadable is nothing pending (never raises)."""
    value = read_json(raw, {})
    if not isinstance(value, dict):
        value = {}
    journals = value.get("journals", [])
    told = value.get("told", [])
    sent = value.get("sent", [])
    return Pending(
        [j for j in journals if _journal_hex(j)] if isinstance(journals, list) else [],
        [d for d in map(_departure, told if isinstance(told, list) else []) if d is not None],
        [s for s in map(_sent, sent if isinstance(sent, list) else []) if s is not None],
    )


def _departure(t: Any) -> Departure | None:
    fields = ("member", "journal", "journal_id", "reason")
    if not isinstance(t, dict) or not all(isinstance(t.get(f), str) for f in fields):
        return None
    return Departure(
        t["member"],
        t["journal"],
        t["journal_id"],
        t["reason"],
        at=t["at"] if isinstance(t.get("at"), int) else 0,
        owner=t["owner"] if isinstance(t.get("owner"), str) else "",
        # Kept before NU23 C9, "shared again" was told only of a discarded copy.
        discarded=t.get("discarded", t["reason"] == RETURNED) is True,
        was_role=_text(t.get("was_role")),
        role=_text(t.get("role")),
        was_until=_ms(t.get("was_until")),
        until=_ms(t.get("until")),
        member_id=_text(t.get("member_id")),
        owner_erased=t.get("owner_erased") is True,
        held_role=_text(t.get("held_role")),
        held_until=_held_until(t.get("held_until")),
        held_fingerprint=_text(t.get("held_fingerprint")),
        member_erased=t.get("member_erased") is True,
        member_now=_text(t.get("member_now")),
    )


def _held_until(value: Any) -> int:
    """`Departure.held_until` as kept: ms >= 0, else 0 (not known)."""
    return value if type(value) is int and value >= 0 else 0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _ms(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _sent(t: Any) -> Sent | None:
    if not isinstance(t, dict) or not isinstance(t.get("handle"), str):
        return None
    departure = _departure(t.get("departure"))
    if departure is None or not isinstance(t.get("at"), int):
        return None
    entry = t.get("entry", "")
    return Sent(t["handle"], t["at"], departure, entry if isinstance(entry, str) else "")


def _utc(at: int) -> str:
    """`at` (ms since the Unix epoch) as "2026-12-01 18:47 UTC"; a time out of range as is."""
    try:
        return datetime.fromtimestamp(at / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, ValueError, OSError):
        return f"{at} ms"


def _journal_hex(value: Any) -> bool:
    """Whether `value` is a journal id as kept here: 16 bytes in lowercase hex."""
    return (
        isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)
    )


def encode_told(told: list[Departure]) -> str:
    """`told` as JSON text (a store setting, `Client.unseen_departures`: `decode_told` reads
    it back), each with `member_id` and `safety_flags`."""
    return json.dumps(
        [{**d.stored(), "safety_flags": d.safety_flags} for d in told], separators=(",", ":")
    )


def decode_told(text: object) -> list[Departure]:
    """`encode_told`'s text read back; an item of another form (another version's, a hand
    edit: a field missing or of another type, a reason not in REASONS) left out, and [] for
    anything else: kept share changes are a courtesy, never an error (never raises)."""
    items = read_json(text, [])
    if not isinstance(items, list):
        return []
    return [d for d in map(_told, items) if d is not None]


_TOLD_TEXTS = (
    "member", "journal", "reason", "owner", "source", "narrowed", "copy", "was_role", "role",
    "member_id",
)  # fmt: skip


def _told(item: object) -> Departure | None:
    """One of `encode_told`'s items, each field of its type, else None."""
    if not isinstance(item, dict) or not all(type(item.get(k)) is str for k in _TOLD_TEXTS):
        return None
    if item["reason"] not in REASONS or not _journal_hex(item.get("journal_id")):
        return None
    if not all(type(item.get(k)) is bool for k in ("items", "discarded", "safety_flags")):
        return None
    fields, at, ends = (
        item.get("fields"),
        item.get("at"),
        (item.get("was_until"), item.get("until")),
    )
    if not isinstance(fields, list) or not all(type(f) is str for f in fields):
        return None
    if type(at) is not int or at < 0 or not all(_end(end) for end in ends):
        return None
    return Departure(
        item["member"],
        item["journal"],
        item["journal_id"],
        item["reason"],
        at=at,
        owner=item["owner"],
        source=item["source"],
        source_id=_text(item.get("source_id")),  # not kept before it was added
        fields=tuple(fields),
        items=item["items"],
        discarded=item["discarded"],
        copy=item["copy"],
        replaced=item.get("replaced") is True,  # not kept before it was added
        narrowed=item["narrowed"],
        was_role=item["was_role"],
        role=item["role"],
        was_until=ends[0],
        until=ends[1],
        member_id=item["member_id"],
        held_role=_text(item.get("held_role")),  # not kept before it was added
        held_until=_held_until(item.get("held_until")),  # nor this (nu84 F1)
        held_fingerprint=_text(item.get("held_fingerprint")),
        member_erased=item.get("member_erased") is True,
        member_now=_text(item.get("member_now")),
        safety_flags=item["safety_flags"],
        brief=item.get("brief") is True,
    )


def _end(value: object) -> bool:
    """Whether `value` is an end date as `Departure.until` keeps it: None, or ms >= 0."""
    return value is None or (type(value) is int and value >= 0)


def without_journal(text: object, journal_id: bytes) -> tuple[bool, str | None]:
    """The `UNSEEN` setting `text` without the departures of the journal `journal_id` (a
    journal removed from this device: nothing left names it): whether any was taken off,
    and the setting's new value (None: none left)."""
    told = decode_told(text)
    left = [d for d in told if d.journal_id != journal_id.hex()]
    return len(left) != len(told), encode_told(left) if left else None


def pending_without(text: object, journal_id: bytes) -> tuple[bool, str | None]:
    """The `PENDING` setting `text` without the departures not yet reported of the journal
    `journal_id` and without it among the journals to check (a journal removed from this
    device: no sync tells it afterwards, REV-NEWS3 F2): whether anything was taken off, and
    the setting's new value (None: nothing left pending). The `Sent` records stay: they
    only word a removal this device signed, should the journal come back."""
    pending = decode(text)
    hex_id = journal_id.hex()
    journals = [j for j in pending.journals if j != hex_id]
    told = [d for d in pending.told if d.journal_id != hex_id]
    if len(journals) == len(pending.journals) and len(told) == len(pending.told):
        return False, None
    left = Pending(journals, told, pending.sent)
    return True, None if left.empty and not left.sent else left.encode()


def kept_told(kept: list[Departure], more: list[Departure], limit: int) -> list[Departure]:
    """`kept` then `more`, at most `limit` of them (`Client.unseen_departures`): when there
    are more, first a journal the server stopped serving and then served again (UNLISTED,
    then RELISTED of the same journal and owner: nothing changed) is left out, then the
    oldest of those told on the server's word alone (SERVER_SAID), and only then the oldest
    of the others: a server that flaps never pushes out a change its owner signed
    (REV-NEWS3 F5). In the order told. Pure."""
    told = [*kept, *more]
    if len(told) <= limit:
        return told
    dropped: set[int] = set()
    stopped: dict[tuple[str, str], int] = {}  # journal, owner -> the UNLISTED still open
    for i, d in enumerate(told):
        key = (d.journal_id, d.owner)
        if d.reason == UNLISTED:
            stopped[key] = i
        elif d.reason == RELISTED and key in stopped:
            dropped |= {stopped.pop(key), i}
    told = [d for i, d in enumerate(told) if i not in dropped]
    over = len(told) - limit
    if over <= 0:
        return told
    said = [i for i, d in enumerate(told) if d.reason in SERVER_SAID][:over]
    told = [d for i, d in enumerate(told) if i not in set(said)]
    return told[-limit:] if limit > 0 else []


def told_without(kept: list[Departure], seen: list[Departure]) -> list[Departure]:
    """`kept` less `seen`, each departure of `seen` taking off one equal to it but for the
    names of its journals (`journal`, `source`: handed out as this device names them now,
    kept as they were told; `journal_id` and `source_id` say which): what is still unseen
    once `seen` was shown (as sync.news_without does for news). Pure."""
    left = [_unnamed(d) for d in seen]
    unseen = []
    for told in kept:
        if (found := _unnamed(told)) in left:
            left.remove(found)
        else:
            unseen.append(told)
    return unseen


def _unnamed(told: Departure) -> Departure:
    """`told` without the names of its journals, for `told_without`."""
    return replace(told, journal="", source="")
