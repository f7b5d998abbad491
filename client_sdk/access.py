"""The access chain of a journal: who may read it, with which role, until when, under which
key epoch, and what a disclosure journal mirrors, as an append-only list of entries signed
by the owner's identity key, each holding the hash of the one before. Pure: no I/O, no
clock (callers pass `now`).

    body      = msgpack [version, journal_id, position, previous (32 bytes), kind, at, payload]
    signed    = frame("tj/access-chain/v1", body)
    signature = Ed25519-sign(owner's identity key, signed)
    entry     = msgpack [body (bin), signature (bin)]
    hash      = BLAKE2b-256(signed)                      (the next entry's `previous`)

Every device verifies a journal's chain from its start (or from the head it verified
before) and reads members, roles, end dates, epochs and disclosure settings only from it.
A chain shorter than, or different from, the one a device verified is a RollbackError.

Versions (protocol.md 4.19, "Chain versions"): `version` is the first element of every body,
and the entry layout, the signing frame and the first four body elements are the same in
every version. Version 1: entries signed before version 2 existed, read as they were written
(their `granted` owner_copy unpadded). Version 2: a `granted` entry's owner_copy is padded and
sealed under another context. Version 3 (CHAIN_VERSION): what this SDK signs; `created` and
`rotated` carry the key check of the epoch they start, so that the chain commits to exactly
one key per epoch (an epoch a version 1 or 2 entry started has none). A chain's versions
never decrease. An entry of a version above CHAIN_VERSION whose owner signature, journal,
position and previous hash verify is ChainUpdateNeeded ("update the app"), not an
IntegrityError: nothing is read past it until this app is updated.
Payloads, by kind (exactly these keys, and the optional ones shown):

    created     {"owner": bin 16, "epoch": int}                        position 0 only
    granted     {"member": handle, "commit": bin 32, "owner_copy": bin, "member_copy": bin,
                 "role": "read"|"annotate", "expires_at": int}         a new member
    changed     {"member": handle, "role": str, "expires_at": int,     new terms of a member
                 "counters": [[device, int], ...]}
    removed     {"member": handle, "counters": [[device, int], ...]}   revoked by the owner;
                optional "because": "server-no-longer-serves"          or dropped by an owner
                                                                       device on the server's
                                                                       word (R22 F5)
    ended       {"member": handle, "counters": [[device, int], ...]}   reached its end date
    (`changed` to a role other than `annotate`, `removed` and `ended` may also carry
    "gaps": [[device, [[lo, hi], ...]], ...]: below)
    rotated     {"epoch": int, "members": [handle, ...]}               new key, sealed to
                                                                       exactly these members
    (from version 3, KEY_CHECKED, `created` and `rotated` also carry "check": bin 32, the
    key check of the epoch they start: `key_check`)
    disclosure  {"sealed": bin}                                        settings, sealed for
                                                                       the owner's devices
    limited     {"share": bin 16, "owner_copy": bin}                   an account reads some
                                                                       fields through a mirror
    limited_removed {"share": bin 16}                                  that share was ended

`limited` (R23 F1) tells the owner's devices, from the journal's own chain, that an account
reads part of this journal through a field-level copy (a disclosure journal of kind
"mirror"): `owner_copy` seals the account's identity and the copy's journal id for the
owner's devices (see `limited`). It is no membership: nothing is sealed to it, it holds no
role, and a rotation's members never include it. `limited_removed` closes it when the owner
ends that copy's share; the copy's own chain says whether a share in force lapsed.

`counters` bounds what a member whose right to write ends (removed, ended, or changed to
`read`) ever wrote: for each of its devices, the highest counter in this journal the owner's
device accounted for when it signed (devices sorted, each once; empty when the new role is
`annotate`). Every device refuses that membership's records with a higher counter, or from a
device not listed, whatever key epoch they are sealed under: a member keeps the keys of the
epochs it annotated in, and could otherwise keep writing with them after it left. `gaps`
(present only when there is one) names, per device listed, the counters below its limit
that the owner's device never received (neither a record nor a cover: `limits_and_gaps`):
refused too, so a member that skipped counters while it could write cannot fill them after
(protocol.md 4.19 "Write limits"). At most MAX_LIMIT_DEVICES devices within MAX_LIMIT_BYTES
are named, and a later entry never widens an earlier one's limit (`narrowed`). A device of an
SDK before `gaps` cannot read such an entry (an unknown key): it reports it malformed and
stays on the chain before it until updated.

A member appears in the chain only as a random 16-byte `handle`: its account id, username
and identity keys are in `owner_copy` (sealed with the owner's account key) and bound by
`commit` = BLAKE2b-256(frame("tj/access-member/v1", journal_id, handle, salt, account_id,
username, sign_key, box_key)) with a random 32-byte `salt`; `member_copy` is the salt in a
sealed box to the member's box key, so the member (and nobody else) recognises its own
entry. The server, which knows every account's public keys, learns only handles, roles and
end dates, and nothing of the chain names an account once it is erased.
"""

from __future__ import annotations

import bisect
import copy
import functools
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import msgpack
import nacl.public
import nacl.signing

from client_sdk import crypto, keys
from client_sdk.crypto import Context
from client_sdk.errors import ChainUpdateNeeded, IntegrityError, RollbackError
from client_sdk.withholding import Cover, Range, add_range, in_ranges
from client_sdk.withholding import gaps as counter_gaps

CHAIN_VERSION = 3
"""The entry version this SDK signs, and the newest it reads (protocol.md 4.19, "Chain
versions"). Bump it whenever an entry kind, a payload key or a payload's meaning is added or
changed: a device reading an entry of a newer version says "update the app" (ChainUpdateNeeded)
instead of refusing it as tampering, and a device of an older version never mistakes it for
one it knows."""
FIRST_VERSION = 1
"""The oldest entry version read: entries signed before versions were compared, which hold
every kind and key of version 2 (the SDK of R23/R22 signed `limited`, `limited_removed` and
`removed` with `because` as version 1); only `granted` differs (owner_copy unpadded)."""
PADDED_GRANTED = 2
"""From this version on, a `granted` entry's owner_copy is padded, so that its length does
not tell the journal's other members (who see the entry) the length of the username in it."""
KEY_CHECKED = 3
"""From this version on, `created` and `rotated` carry "check", the key check of the epoch
they start (`key_check`): a device that verified the entry starting an epoch takes a key
for that epoch only when it matches, so that an owner's device shown a stale chain, which
signs an epoch that exists already again with another key, never has that key taken by it.
A device served that refused rotation as its chain's continuation (a member's device that
had not verified the honest entry yet) is on a fork: only comparing its verify-head code
with the owner's shows it, not comparing two of the owner's own devices (protocol.md 4.20).
Entries of older versions carry none (their epochs are "legacy": a device keeps the first
key it holds for one, `Replica._verified_key`, and a device that holds none takes the first
envelope that verifies, protocol.md 4.19 "Legacy epochs"). An owner's device rotates a journal
whose current epoch is legacy to a checked epoch, signing at most one such rotation per chain
head (`Replica._rotate_unchecked`, `legacy_upgrade`)."""
GENESIS = bytes(32)  # `previous` of the entry at position 0
ROLES = ("read", "annotate")
CREATED, GRANTED, CHANGED, REMOVED, ENDED, ROTATED, DISCLOSURE = (
    "created",
    "granted",
    "changed",
    "removed",
    "ended",
    "rotated",
    "disclosure",
)
LIMITED, LIMITED_REMOVED = "limited", "limited_removed"
PAYLOAD_KEYS: dict[str, frozenset[str]] = {
    CREATED: frozenset({"owner", "epoch"}),
    GRANTED: frozenset({"member", "commit", "owner_copy", "member_copy", "role", "expires_at"}),
    CHANGED: frozenset({"member", "role", "expires_at", "counters"}),
    REMOVED: frozenset({"member", "counters"}),
    ENDED: frozenset({"member", "counters"}),
    ROTATED: frozenset({"epoch", "members"}),
    DISCLOSURE: frozenset({"sealed"}),
    LIMITED: frozenset({"share", "owner_copy"}),
    LIMITED_REMOVED: frozenset({"share"}),
}
CHECKED_KEYS: dict[str, frozenset[str]] = {
    CREATED: frozenset({"check"}),
    ROTATED: frozenset({"check"}),
}
"""Keys a payload of that kind carries besides PAYLOAD_KEYS from version KEY_CHECKED on (and
never before)."""
CHECK_BYTES = 32
OPTIONAL_KEYS: dict[str, frozenset[str]] = {
    REMOVED: frozenset({"because", "gaps"}),
    ENDED: frozenset({"gaps"}),
    CHANGED: frozenset({"gaps"}),
}
"""Keys a payload of that kind may carry besides PAYLOAD_KEYS (absent in older entries)."""
MAX_GAP_RANGES = 64
"""The most counter ranges one entry's `gaps` names (all devices together): `limits_and_gaps`."""
MAX_LIMIT_DEVICES = 32
"""The most devices of a member one entry's `counters` names (`limits_and_gaps`): a device not
named has limit 0, so every record of it is refused. A member chooses its device ids freely
(any 16 bytes), so without this bound it could make the entry ending its right to write larger
than the server accepts, and its revocation impossible."""
MAX_LIMIT_BYTES = 2560
"""The most bytes the `counters` and `gaps` of one entry take, encoded (`limits_and_gaps`,
counted at their largest): with the rest of the largest entry that carries them, under
wire.MAX_CHAIN_ENTRY_BYTES whatever devices and gaps a member left."""
_LIST_BYTES = 3  # a msgpack array header, up to 65535 items
_COUNTER_BYTES = 1 + 18 + 9  # [device (bin 16), counter (int64)]
_GAP_DEVICE_BYTES = 1 + 18 + _LIST_BYTES  # [device, [ranges...]]
_RANGE_BYTES = 1 + 9 + 9  # [lo, hi]
NOT_SERVED = "server-no-longer-serves"
"""The one value of a `removed` entry's `because`: the owner's device removed the member
because the server said it no longer serves them (they left, or their account was deleted:
departures.py), i.e. on the server's word, not as the owner's own decision. Signed like the
rest of the entry, so a server can neither add nor strip it (R22 F5)."""
DISCLOSURE_KINDS = ("mirror", "items", "brief")
ANNOTATION_KINDS = ("note", "prompt", "crisis_line", "safety_ack", "assignment")
"""What a member with the annotate role may write (each only in documents it created)."""
CODE_GROUPS = 5  # verify-head code: five groups of five digits (about 83 bits)


@dataclass(frozen=True)
class Identity:
    """Who a member is: known to the owner's devices, and to the member itself."""

    account_id: bytes
    username: str
    sign_public_key: bytes
    box_public_key: bytes


@dataclass(frozen=True)
class Member:
    """A member's terms as the owner signed them; `who` is None where this device cannot
    open the member's identity (another member, seen from a member's device)."""

    handle: bytes
    role: str
    expires_at: int  # ms since the Unix epoch, UTC; 0 = no end date
    who: Identity | None

    def ended(self, now: int) -> bool:
        return bool(self.expires_at) and self.expires_at <= now

    @property
    def account_id(self) -> bytes | None:
        return self.who.account_id if self.who else None

    @property
    def username(self) -> str:
        return self.who.username if self.who else f"member {self.handle.hex()[:8]}"


@dataclass(frozen=True)
class Reader:
    """The device verifying a chain: the owner's devices open members' identities with the
    account key; a member's device recognises its own entry with its box key."""

    account_id: bytes
    username: str
    account_key: bytes = field(repr=False)
    box_secret: bytes = field(repr=False)
    sign_public_key: bytes
    box_public_key: bytes


@dataclass(frozen=True)
class Entry:
    """One verified entry."""

    position: int
    previous: bytes
    kind: str
    at: int
    payload: dict[str, Any]
    hash: bytes
    raw: bytes
    version: int = CHAIN_VERSION


@dataclass(frozen=True)
class Disclosure:
    """What a disclosure journal mirrors, for whom (readable by the owner's devices only)."""

    member_id: bytes
    mirror_of: bytes | None  # the source journal; None: items copied one by one
    fields: tuple[str, ...] | None  # None: every disclosable field
    since: int  # ms: entries created from then on are mirrored
    kind: str = "items"  # "mirror" (of a journal), "items" (chosen one by one), "brief"


@dataclass(frozen=True)
class Limited:
    """A field-level share of this journal, as a `limited` entry names it: the account that
    reads some fields of it through the copy `mirror` (a journal id). `who` and `mirror` are
    None where this device cannot open the entry (any device but the owner's). Not a
    membership: the account holds no key of this journal through it."""

    handle: bytes
    who: Identity | None
    mirror: bytes | None
    position: int

    @property
    def account_id(self) -> bytes | None:
        return self.who.account_id if self.who else None


@dataclass
class AccessState:
    """What a verified chain says, folded from its entries. Members are keyed by handle."""

    journal_id: bytes
    owner_id: bytes
    length: int = 0
    head: bytes = GENESIS
    version: int = FIRST_VERSION
    """The version of the latest entry: the next may not be older (chain versions never
    decrease)."""
    epoch: int = 0
    members: dict[bytes, Member] = field(default_factory=dict)
    """Current members: granted and neither removed nor ended (an end date may have passed
    without an `ended` entry yet: see `Member.ended`)."""
    sealed_to: dict[int, frozenset[bytes]] = field(default_factory=dict)
    """epoch -> the handles of the members whose copy of that epoch's key the owner sealed."""
    annotators: dict[int, set[bytes]] = field(default_factory=dict)
    """epoch -> handles of members holding the annotate role at some point of that epoch."""
    handles: dict[bytes, list[bytes]] = field(default_factory=dict)
    """account id -> its handles, oldest first (one per membership), where this device knows."""
    signers: dict[bytes, Identity] = field(default_factory=dict)
    """account id -> identity of every member this device knows of, current or former."""
    first_epoch: dict[bytes, int] = field(default_factory=dict)
    """Current member's handle -> the first epoch of its membership (its history starts there)."""
    write_limits: dict[bytes, dict[bytes, int]] = field(default_factory=dict)
    """Handle -> device id -> the highest counter of that membership's records accepted, once
    its right to write ended (removed, ended, changed to `read`); absent: no limit."""
    write_gaps: dict[bytes, dict[bytes, list[Range]]] = field(default_factory=dict)
    """Handle -> device id -> the counters below its write limit that the owner's device
    signing it had never received (`gaps`, protocol.md 4.19 "Write limits"): refused like
    counters above the limit. Set (empty when the entry names none) with `write_limits`."""
    cut: int = 0
    """The epoch started by the latest grant: every document was sealed again as a snapshot
    under it, so the history before it is nobody's business but the owner's."""
    cuts: list[int] = field(default_factory=list)
    """Every epoch that was `cut` in turn (the journal's first epoch, then each epoch a grant
    started), ascending: which cut a record sealed under an epoch belongs to (`cut_at`)."""
    disclosure: bytes | None = None
    ended: dict[bytes, Member] = field(default_factory=dict)
    """Handle -> the terms of a membership an `ended` entry closed (its signed end date had
    passed), in chain order: how the owner's devices list a share that reached its end."""
    granted_since_rotation: bool = False
    key_checks: dict[int, bytes] = field(default_factory=dict)
    """epoch -> the key check (`key_check`) the owner signed for that epoch's key, in the
    `created` or `rotated` entry that started it (chain version KEY_CHECKED on); absent for
    an epoch an older entry started (a legacy epoch: `key_matches` says None)."""
    seen_handles: set[bytes] = field(default_factory=set)
    limited: dict[bytes, Limited] = field(default_factory=dict)
    """Handle -> a field-level share of this journal in force (`limited`, not closed)."""
    limited_removed: dict[bytes, Limited] = field(default_factory=dict)
    """Handle -> a field-level share whose end the owner signed (`limited_removed`)."""
    not_served: dict[bytes, tuple[Member, int]] = field(default_factory=dict)
    """Handle -> (terms, `at` of the entry) of a membership a `removed` entry with `because`
    NOT_SERVED closed: an owner device dropped it on the server's word (R22 F5), in chain
    order."""
    granted_at: dict[bytes, int] = field(default_factory=dict)
    """Handle -> `at` of its `granted` entry (ms, the owner's clock, as signed): when that
    membership began (a late safety flag goes only to a membership older than the answer,
    NU22 C3); a `changed` entry signed after the membership's end date had passed (a
    renewal of a lapsed membership) sets it to its own `at` (R37 F1 residual)."""
    not_served_entry: dict[bytes, bytes] = field(default_factory=dict)
    """Handle -> hash of that `removed` entry (as `not_served`): how a device tells the
    removal it signed from another device's of the same membership (R27 F3)."""
    terms_at: dict[bytes, int] = field(default_factory=dict)
    """Handle -> `at` (ms, the owner's clock, as signed) of the entry that gave that
    membership its latest terms: its `granted` entry, or the latest `changed` one (when a
    member's device tells of new terms, NU26 C5)."""
    annotate_since: dict[bytes, int] = field(default_factory=dict)
    """Current member's handle -> `at` of the `changed` entry that gave it the annotate role
    back after a `changed` entry had made it read-only (or renewed it after its end date had
    passed: as `granted_at`); absent while it has held the annotate role since its `granted`
    entry, or holds another role. A safety flag goes only to a member holding the annotate
    role, and a late flag only for an answer given after they hold it again (NU26 role
    flags: a member made read-only, then annotate again, gets none for an answer given while
    they only read)."""
    unshared: dict[bytes, tuple[Member, int]] = field(default_factory=dict)
    """Handle -> (terms, `at` of the entry) of a membership a `removed` entry without
    `because` closed: the owner's own decision, signed on one of its devices (an unshare, or
    new terms that needed a new membership), in chain order (NU21 C4)."""

    def limited_of(self, account_id: bytes) -> tuple[list[Limited], list[Limited]]:
        """The field-level shares of this journal naming the account, in chain order: those
        in force and those ended (`limited_removed`). Owner devices only (elsewhere the
        entries name nobody this device can tell)."""
        in_force = [s for s in self.limited.values() if s.account_id == account_id]
        closed = [s for s in self.limited_removed.values() if s.account_id == account_id]
        return in_force, closed

    def key_matches(self, epoch: int, key: bytes) -> bool | None:
        """Whether `key` is the key of `epoch` this chain commits to (its key check, compared
        in constant time); None when the chain holds no check for that epoch (an epoch a
        version 1 or 2 entry started, or one past the chain: nothing to compare with)."""
        check = self.key_checks.get(epoch)
        if check is None:
            return None
        return crypto.same_secret(check, key_check(self.journal_id, epoch, key))

    def former_holders(self) -> dict[bytes, Member]:
        """Handle -> the last terms of each membership that the owner sealed the CURRENT
        epoch's key to (`sealed_to`) and that is no member now: a `removed` or `ended` entry
        closed it and no `rotated` entry followed, as far as this chain goes (an honest
        server serves both in one piece; a hostile one may withhold the rotation, rev29c
        F1). Such an account holds the key of what is sealed next under this epoch, member
        or not: empty on a chain whose every removal or end was followed by its rotation."""
        found: dict[bytes, Member] = {}
        beyond = self.sealed_to.get(self.epoch, frozenset()) - self.members.keys()
        for handle in sorted(beyond):  # no comprehension: a no-op sync asks this (its calls)
            if handle in self.ended:
                found[handle] = self.ended[handle]
            elif handle in self.not_served:
                found[handle] = self.not_served[handle][0]
            elif handle in self.unshared:
                found[handle] = self.unshared[handle][0]
        return found

    def member_by_account(self, account_id: bytes) -> Member | None:
        for handle in reversed(self.handles.get(account_id, [])):
            if handle in self.members:
                return self.members[handle]
        return None

    def last_terms(self, account_id: bytes) -> tuple[Member, bool] | None:
        """The terms of the account's latest membership and whether it is current (False:
        it lapsed, an `ended` entry); None when it never was a member, or an owner device
        removed it (`removed`) since. Where this device knows the account (`handles`). R22
        F2: renewing a lapsed field-level share renews it."""
        latest = self.handles.get(account_id, [])
        if not latest:
            return None
        handle = latest[-1]
        if handle in self.members:
            return self.members[handle], True
        if handle in self.ended:
            return self.ended[handle], False
        return None

    def current_terms(self, account_id: bytes, now: int) -> Member | None:
        """A member's terms if its share is on at `now` (ms, the device's own clock): a
        current member, its signed end date not reached, sealed the current epoch's key.
        None otherwise, whatever the server lists: how a member's device honours its end."""
        terms = self.member_by_account(account_id)
        if terms is None or terms.ended(now) or not self.may_read(account_id, self.epoch):
            return None
        return terms

    def membership_epochs(self, account_id: bytes) -> frozenset[int]:
        """The epochs whose key the owner sealed to the account's latest membership (the
        records a device of that membership can hold: its history starts there), empty
        when this device knows none of its memberships (protocol.md 4.20)."""
        handles = self.handles.get(account_id, [])
        if not handles:
            return frozenset()
        latest = handles[-1]
        return frozenset(e for e, sealed in self.sealed_to.items() if latest in sealed)

    def held_epochs(self, account_id: bytes) -> frozenset[int]:
        """The epochs whose key the owner sealed to any membership of the account, current
        or earlier (a device of it that read an earlier share may still hold its records),
        empty when this device knows none (R46 F7: which removals a share carries again)."""
        handles = set(self.handles.get(account_id, []))
        return frozenset(e for e, sealed in self.sealed_to.items() if handles & sealed)

    def may_read(self, account_id: bytes, epoch: int) -> bool:
        sealed = self.sealed_to.get(epoch, frozenset())
        return account_id == self.owner_id or any(
            h in sealed for h in self.handles.get(account_id, [])
        )

    def may_annotate(
        self, account_id: bytes, epoch: int, device: bytes | None = None, counter: int = 0
    ) -> bool:
        """Whether a record of `account_id`, sealed under `epoch` by `device` with `counter`,
        may add annotations: a membership holding `annotate` during that epoch, within the
        counters the owner signed when that right ended (if it did)."""
        annotating = self.annotators.get(epoch, set())
        return any(
            h in annotating and self.within_limit(h, device, counter)
            for h in self.handles.get(account_id, [])
        )

    def within_limit(self, handle: bytes, device: bytes | None, counter: int) -> bool:
        """Whether the membership `handle` may have written `counter` of `device`: no limit
        signed, or at most its device's limit and in none of the gaps signed with it."""
        limits = self.write_limits.get(handle)
        if limits is None:
            return True
        if device is None or counter > limits.get(device, 0):
            return False
        return not in_ranges(self.write_gaps.get(handle, {}).get(device, []), counter)

    def writable(self, account_id: bytes, device: bytes) -> list[Range] | None:
        """The counters of `device` whose record of `account_id` (not the owner) this chain
        can accept, sorted disjoint ranges: for each of its memberships that held `annotate`,
        up to the limit signed when it lost that right (removed, ended, changed to `read`),
        less the gaps signed with it. None when one of them still holds it, or this device
        cannot tell (an account whose memberships it does not know). A counter outside them
        never counts as delivered nor as withheld: no device accepts its record, whoever says
        it exists (NU22 C17)."""
        handles = self.handles.get(account_id, [])
        writing = [h for h in handles if any(h in a for a in self.annotators.values())]
        if not handles or any(h not in self.write_limits for h in writing):
            return None
        found: list[Range] = []
        for h in writing:
            top = self.write_limits[h].get(device, 0)
            for lo, hi in counter_gaps(self.write_gaps.get(h, {}).get(device, []), top):
                add_range(found, lo, hi)
        return found

    def cut_at(self, epoch: int) -> int:
        """The latest cut at or before `epoch` (the journal's first epoch if none): the cut
        a share's cut record sealed under `epoch` belongs to (protocol.md 4.18, "Cuts")."""
        i = bisect.bisect_right(self.cuts, epoch)
        return self.cuts[i - 1] if i else (self.cuts[0] if self.cuts else 0)

    def first_epoch_of(self, account_id: bytes) -> int:
        member = self.member_by_account(account_id)
        return self.first_epoch.get(member.handle, self.epoch) if member else 0

    def shared_before(self, account_id: bytes) -> int | None:
        """For an account that is a member now and held an earlier membership of this
        journal (a share that ended, then a new one: its key was sealed to an older handle
        of the account under an epoch before the current membership's first), the `at` (ms,
        the owner's clock) of the current membership's `granted` entry; None otherwise.
        The records of that earlier share (the member's own notes and acknowledgements
        included) are under keys the new membership never receives (protocol.md 4.19,
        "History-free shares"): a device that did not read them then cannot (NU22 C7)."""
        member = self.member_by_account(account_id)
        if member is None:
            return None
        first = self.first_epoch.get(member.handle, self.epoch)
        earlier = [h for h in self.handles.get(account_id, []) if h != member.handle]
        held = any(
            h in sealed
            for epoch, sealed in self.sealed_to.items()
            if epoch < first
            for h in earlier
        )
        return self.granted_at.get(member.handle, 0) if held else None

    def unidentified_annotator(self, epoch: int) -> bool:
        """Whether, during `epoch`, a member this device cannot identify held the annotate
        role: another member, seen from a member's device (members do not learn each other,
        protocol.md 4.13). Its records are expected and cannot be verified here; a record
        by an unknown signer where no such member exists is a forgery."""
        identified = {h for handles in self.handles.values() for h in handles}
        return bool(self.annotators.get(epoch, set()) - identified)

    def sign_key_of(self, account_id: bytes) -> bytes | None:
        signer = self.signers.get(account_id)
        return signer.sign_public_key if signer else None


@dataclass(frozen=True)
class MemberWrite:
    """What a record by a member changes: who wrote it (account, device), which document
    (id, kind), under which key epoch."""

    author: bytes
    doc_id: bytes
    doc_kind: str
    epoch: int
    device: bytes


def member_may_change(state: AccessState, change: MemberWrite, counter: int) -> bool:
    """Whether a record by a member (not the owner: the owner may change anything) is
    accepted (protocol.md 4.15): a document of an annotation kind, that the member created
    (its id names it: keys.created_by, so the order records arrive in does not matter), while
    the member held `annotate` during the record's epoch, within its write limit."""
    return (
        change.doc_kind in ANNOTATION_KINDS
        and keys.created_by(change.doc_id, change.author)
        and state.may_annotate(change.author, change.epoch, change.device, counter)
    )


def field_shares_in_force(state: AccessState | None) -> list[Limited]:
    """The field-level shares of a journal in force, by the journal's own verified chain
    `state` (None: none held here, so none): each `limited` entry its owner signed and has not
    closed by a `limited_removed`, in chain order. Nothing else ends one: not the copy's chain
    showing the member's membership `ended` or its signed end date (`expires_at`) passed, for a
    server can serve a device a chain without the owner's later renewal or re-grant (a prefix
    is all it must serve), and an absence is a server answer; so a share lapsed by date counts
    until its owner ends it (`tj unshare`, which signs the `limited_removed`), fail closed. A
    share this device cannot open (`who` None: any device but the owner's) counts. Pure."""
    return [] if state is None else list(state.limited.values())


def lapsed_field_shares(
    state: AccessState | None, copy_state: Callable[[bytes], AccessState | None], now: int
) -> list[Limited]:
    """The field-level shares in force by `state` (`field_shares_in_force`: no
    `limited_removed` signed) whose copy's verified chain (`copy_state(copy id)`, None when
    not held here: not named) says the member's latest membership ended by its signed end
    date (its date passed by `now`, ms UTC, or an `ended` entry closed it; never a removal):
    shares that still count as readers until the owner unshares, though their date passed.
    Only those this device can open (`who` and `mirror` known). Pure."""
    found = []
    for limited in field_shares_in_force(state):
        if limited.who is None or limited.mirror is None:
            continue
        copy = copy_state(limited.mirror)
        if copy is None:
            continue
        current = copy.member_by_account(limited.who.account_id)
        handles = copy.handles.get(limited.who.account_id, [])
        if current is not None:
            ended = current.ended(now)
        else:
            ended = bool(handles) and handles[-1] in copy.ended
        if ended:
            found.append(limited)
    return found


# --- building entries (owner) -------------------------------------------------------------


def key_check(journal_id: bytes, epoch: int, key: bytes) -> bytes:
    """The key check of a journal key (protocol.md 4.19, "Key checks"): keyed BLAKE2b-256
    with the 32-byte journal key as its key, over frame("tj/epoch-key-check/v1", journal_id,
    u64be(epoch)) (`crypto.frame`: each part preceded by its length as u32be). It commits the
    chain to one key for the epoch and tells nothing of the key. Raises ValueError for a key
    that is not 32 bytes."""
    return crypto.keyed_hash32(
        key, crypto.frame(Context.EPOCH_KEY_CHECK.value, journal_id, epoch.to_bytes(8, "big"))
    )


def created(owner_id: bytes, epoch: int, check: bytes) -> tuple[str, dict[str, Any]]:
    """The first entry: `owner` created the journal at `epoch`, whose key's check is `check`
    (`key_check`)."""
    return CREATED, {"owner": owner_id, "epoch": epoch, "check": check}


def granted(
    who: Identity, role: str, expires_at: int, journal_id: bytes, owner_account_key: bytes
) -> tuple[str, dict[str, Any]]:
    """A new member under a fresh random handle (see the module docstring), for an entry of
    version CHAIN_VERSION: owner_copy = seal(account key, pad(msgpack [account_id, username,
    sign_public_key, box_public_key, salt]), frame("tj/access-owner/v2", journal_id, handle)),
    padded (crypto.pad: 256 bytes for any username the server accepts) so that its length does
    not tell the username's to the journal's other members or the server."""
    handle = crypto.random_bytes(16)
    salt = crypto.random_bytes(32)
    details: bytes = msgpack.packb(
        [who.account_id, who.username, who.sign_public_key, who.box_public_key, salt],
        use_bin_type=True,
    )
    sealed = crypto.seal(
        owner_account_key, crypto.pad(details), _padded_owner_ad(journal_id, handle)
    )
    return GRANTED, {
        "member": handle,
        "commit": member_commit(journal_id, handle, salt, who),
        "owner_copy": sealed,
        "member_copy": crypto.seal_to(who.box_public_key, salt),
        "role": role,
        "expires_at": expires_at,
    }


def member_commit(journal_id: bytes, handle: bytes, salt: bytes, who: Identity) -> bytes:
    return crypto.hash32(
        crypto.frame(
            Context.ACCESS_MEMBER.value,
            journal_id,
            handle,
            salt,
            who.account_id,
            who.username.encode(),
            who.sign_public_key,
            who.box_public_key,
        )
    )


def _owner_ad(journal_id: bytes, handle: bytes) -> bytes:
    return crypto.associated_data(Context.ACCESS_OWNER, journal_id, handle)


def _padded_owner_ad(journal_id: bytes, handle: bytes) -> bytes:
    return crypto.associated_data(Context.ACCESS_OWNER_PADDED, journal_id, handle)


def _limited_ad(journal_id: bytes, handle: bytes) -> bytes:
    return crypto.associated_data(Context.ACCESS_LIMITED, journal_id, handle)


def limited(
    who: Identity, mirror_id: bytes, journal_id: bytes, owner_account_key: bytes
) -> tuple[str, dict[str, Any]]:
    """`who` reads some fields of journal `journal_id` through the copy `mirror_id`, under a
    fresh random handle: owner_copy = seal(account key, pad(msgpack [account_id, username,
    sign_public_key, box_public_key, mirror_id]), frame("tj/access-limited/v1", journal_id,
    handle)), padded (crypto.pad, libsodium's ISO/IEC 7816-4 padding to 256-byte blocks)
    so that its length does not tell the username's to other members of the source (R24
    F5). Only the owner's devices can tell whom and which copy it names."""
    handle = crypto.random_bytes(16)
    details: bytes = msgpack.packb(
        [who.account_id, who.username, who.sign_public_key, who.box_public_key, mirror_id],
        use_bin_type=True,
    )
    sealed = crypto.seal(owner_account_key, crypto.pad(details), _limited_ad(journal_id, handle))
    return LIMITED, {"share": handle, "owner_copy": sealed}


def limited_removed(handle: bytes) -> tuple[str, dict[str, Any]]:
    """The field-level share `handle` (a `limited` entry in force) was ended by the owner."""
    return LIMITED_REMOVED, {"share": handle}


Counters = dict[bytes, int]
"""Device id -> the highest counter in the journal (a member's write limit)."""


def changed(
    member_id: bytes, role: str, expires_at: int, counters: Counters | None = None
) -> tuple[str, dict[str, Any]]:
    return CHANGED, {
        "member": member_id,
        "role": role,
        "expires_at": expires_at,
        "counters": encode_counters(counters or {}),
    }


def removed(
    member_id: bytes, counters: Counters | None = None, *, because: str | None = None
) -> tuple[str, dict[str, Any]]:
    """A `removed` entry; `because` NOT_SERVED when the device acts on the server's word."""
    payload: dict[str, Any] = {"member": member_id, "counters": encode_counters(counters or {})}
    if because is not None:
        payload["because"] = because
    return REMOVED, payload


def ended(member_id: bytes, counters: Counters | None = None) -> tuple[str, dict[str, Any]]:
    return ENDED, {"member": member_id, "counters": encode_counters(counters or {})}


def encode_counters(counters: Counters) -> list[list[Any]]:
    return [[device, counters[device]] for device in sorted(counters)]


Gaps = dict[bytes, list[Range]]
"""Device id -> counter ranges below its write limit that no record of it may fill."""


def encode_gaps(gaps: Gaps) -> list[list[Any]]:
    return [[d, [[lo, hi] for lo, hi in gaps[d]]] for d in sorted(gaps) if gaps[d]]


def limits_and_gaps(
    tops: Counters,
    received: dict[bytes, list[Range]],
    counts: dict[bytes, int] | None = None,
    before: tuple[Counters, Gaps] | None = None,
) -> tuple[Counters, Gaps]:
    """The write limit an owner device signs for a member's devices (protocol.md 4.19 "Write
    limits"): `tops` (device -> the highest counter of a verified record of it held) and,
    per device, the counters below that top it never received (`received`: delivered in a
    verified record, or accounted for by a cover it accepted), which every device then
    refuses as it refuses counters above the limit. An honest member's device leaves no such
    gap (refusals and cut-offs are withdrawn by a cover); one the server withheld from the
    signing device is excluded, which it could do anyway by never storing it.

    `before`: the limit and gaps the chain already holds for that membership (an earlier
    entry ended its right to write): the result allows only counters that one allows too
    (`narrowed`: none for a device it does not name, never a counter in one of its gaps), so
    a later entry never widens what an earlier one signed.

    Bounded so the entry always fits (MAX_LIMIT_DEVICES, MAX_GAP_RANGES, MAX_LIMIT_BYTES): the
    devices with the most verified records held (`counts`, device -> records) come first,
    ties by id, and a device past MAX_LIMIT_DEVICES is not named (limit 0: all its records
    refused). A member chooses its device ids and counters freely, but each record it counts
    was stored and verified. Then gaps are named in that order while there is room; past it
    a device's limit is lowered to just below its first gap not named (a device left with
    limit 0 is not named), so no counter the signing device never received stays writable."""
    limits = dict(tops)
    gaps: Gaps = {}
    for device, top in tops.items():
        missing = counter_gaps(received.get(device, []), top - 1)  # its top: a record held
        if missing:
            gaps[device] = missing
    if before is not None:
        limits, gaps = narrowed(before, (limits, gaps))
    ranked = sorted(limits, key=lambda d: (-(counts or {}).get(d, 0), d))[:MAX_LIMIT_DEVICES]
    ranges = MAX_GAP_RANGES
    room = MAX_LIMIT_BYTES - 2 * _LIST_BYTES - len(ranked) * _COUNTER_BYTES
    counters: Counters = {}
    kept: Gaps = {}
    for device in ranked:
        top, missing = limits[device], gaps.get(device, [])
        if missing:
            fit = min(len(missing), ranges, max(0, (room - _GAP_DEVICE_BYTES) // _RANGE_BYTES))
            if fit < len(missing):
                top = missing[fit][0] - 1
                missing = missing[:fit]
            if missing:
                ranges -= len(missing)
                room -= _GAP_DEVICE_BYTES + _RANGE_BYTES * len(missing)
        if top > 0:
            counters[device] = top
            if missing:
                kept[device] = missing
    return counters, kept


def narrowed(before: tuple[Counters, Gaps], after: tuple[Counters, Gaps]) -> tuple[Counters, Gaps]:
    """The write limit of a membership whose writes an entry limited (`before`: limits and
    gaps) once a later entry limits them again (`after`): for each device, exactly the
    counters both allow. The lower of the two limits (a device one of them does not name:
    none), lowered to just below the gap it falls in when one of either entry's gaps holds
    it, and the union of both entries' gaps below it; a device left at 0 is not named.
    Applied when an entry is signed (`limits_and_gaps`) and when it is read, so that once a
    membership's writes are limited no entry widens them (protocol.md 4.19 "Write limits")."""
    limits: Counters = {}
    gaps: Gaps = {}
    for device, top in after[0].items():
        if device not in before[0]:
            continue
        top = min(top, before[0][device])
        merged: list[Range] = []
        for lo, hi in sorted([*before[1].get(device, []), *after[1].get(device, [])]):
            add_range(merged, lo, hi)
        for lo, hi in merged:  # merged gaps are apart: one step leaves `top` in none
            if lo <= top <= hi:
                top = lo - 1
                break
        if top > 0:
            limits[device] = top
            kept = [(lo, hi) for lo, hi in merged if hi < top]
            if kept:
                gaps[device] = kept
    return limits, gaps


def with_counters(
    change: tuple[str, dict[str, Any]], counters: Counters, gaps: Gaps | None = None
) -> tuple[str, dict[str, Any]]:
    """`change` with the write limit of the member it ends the right to write of (a
    `removed`, an `ended`, or a `changed` to `read`): `counters`, and `gaps` (the counters
    below them never received, `limits_and_gaps`) when there are any; any other change as
    it is. An entry with no gap carries no `gaps` key, so its bytes are as before."""
    kind, payload = change
    ends_writing = kind in (REMOVED, ENDED) or (kind == CHANGED and payload["role"] != "annotate")
    if not ends_writing:
        return change
    limited = {**payload, "counters": encode_counters(counters)}
    limited.pop("gaps", None)
    if gaps and any(gaps.values()):
        limited["gaps"] = encode_gaps(gaps)
    return kind, limited


def rotated(epoch: int, handles: Iterable[bytes], check: bytes) -> tuple[str, dict[str, Any]]:
    """A new key epoch `epoch`, its key sealed to exactly the members `handles`, the key's
    check `check` (`key_check`)."""
    return ROTATED, {"epoch": epoch, "members": sorted(handles), "check": check}


def disclosure(sealed: bytes) -> tuple[str, dict[str, Any]]:
    return DISCLOSURE, {"sealed": sealed}


def encode_body(
    journal_id: bytes,
    position: int,
    previous: bytes,
    kind: str,
    at: int,
    payload: dict[str, Any],
    version: int = CHAIN_VERSION,
) -> bytes:
    """An entry's body; `version` other than CHAIN_VERSION only to reproduce older entries
    (test vectors)."""
    packed: bytes = msgpack.packb(
        [version, journal_id, position, previous, kind, at, payload], use_bin_type=True
    )
    return packed


def signed_input(body: bytes) -> bytes:
    return crypto.frame(Context.ACCESS_CHAIN.value, body)


def sign_entry(signing_key: nacl.signing.SigningKey, body: bytes) -> bytes:
    packed: bytes = msgpack.packb(
        [body, crypto.sign(signing_key, signed_input(body))], use_bin_type=True
    )
    return packed


def extend(
    state: AccessState,
    reader: Reader,
    signing_key: nacl.signing.SigningKey,
    changes: list[tuple[str, dict[str, Any]]],
    at: int,
) -> tuple[list[bytes], AccessState]:
    """Sign `changes` as the next entries of the chain; returns them and the state after
    them (checked by the same rules every reader applies, so a bad change fails here)."""
    after = copy.deepcopy(state)
    entries = []
    for kind, payload in changes:
        body = encode_body(after.journal_id, after.length, after.head, kind, at, payload)
        raw = sign_entry(signing_key, body)
        entry = _entry(raw, body, after.length, after.head, kind, at, payload, CHAIN_VERSION)
        _apply(after, reader, entry)
        entries.append(raw)
    return entries, after


def genesis(
    journal_id: bytes,
    reader: Reader,
    signing_key: nacl.signing.SigningKey,
    at: int,
    more: Iterable[tuple[str, dict[str, Any]]] = (),
    *,
    key: bytes,
) -> tuple[list[bytes], AccessState]:
    """The first entries of a new journal's chain: `created` at epoch 0 with the check of
    `key` (the journal key of epoch 0, 32 bytes), then `more`."""
    owner_id = reader.account_id
    start = AccessState(journal_id, owner_id)
    first = created(owner_id, 0, key_check(journal_id, 0, key))
    return extend(start, reader, signing_key, [first, *more], at)


# --- verifying ---------------------------------------------------------------------------------


def check_length(known: AccessState | None, served_length: int) -> None:
    """A chain shorter than the one this device verified is a rollback."""
    if known is not None and served_length < known.length:
        raise RollbackError(
            f"the access chain of journal {known.journal_id.hex()} has {served_length} "
            f"entries on the server, fewer than the {known.length} this device already "
            "verified: the server rolled it back"
        )


def verify(
    known: AccessState | None,
    reader: Reader,
    journal_id: bytes,
    owner_id: bytes,
    owner_sign_public_key: bytes,
    entries: list[bytes],
) -> AccessState:
    """Extend the state this device verified (None: nothing yet) with `entries`, the ones the
    server serves from position `known.length` on.

    Raises RollbackError if they do not continue the verified chain (a different entry at a
    known position: another history), IntegrityError if an entry is not signed by the
    owner, is malformed, or breaks a rule of the chain, ChainUpdateNeeded if an entry that
    is signed by the owner and continues the chain is of a version newer than CHAIN_VERSION
    (its `state` is the one verified up to it).
    """
    state = copy.deepcopy(known) if known else AccessState(journal_id, owner_id)
    for raw in entries:
        entry = parse_entry(raw, journal_id, owner_sign_public_key)
        _link(state, entry)
        _newer(state, entry)
        _apply(state, reader, entry)
    return state


def check_signer(last: bytes, journal_id: bytes, owner_sign_public_key: bytes) -> None:
    """Raise IntegrityError unless `last`, the last entry of the chain this device verified
    for the journal, is signed by `owner_sign_public_key`: a verified chain is extended only
    under the key that signed it, whatever key the device pins for the owner now (a server
    that had an owner's id pinned again with keys of its own: REV-ERASED F1)."""
    try:
        parse_entry(last, journal_id, owner_sign_public_key)
    except IntegrityError:
        raise IntegrityError(
            f"the key this device now holds for the owner of journal {journal_id.hex()} did "
            "not sign the access chain it verified: nothing is added to that chain (the "
            "owner's keys changed, or the server gave other ones)"
        ) from None


def replay(reader: Reader, journal_id: bytes, entries: list[bytes]) -> AccessState:
    """The state of entries this device verified before (read back from its own store). The
    owner is the one the `created` entry names (verified with that owner's key when it was
    stored), never a server's word. Raises IntegrityError if the entries do not replay."""
    state = AccessState(journal_id, chain_owner(journal_id, entries))
    for raw in entries:
        entry = _parse(raw, journal_id)[0]
        _link(state, entry)
        _newer(state, entry)
        _apply(state, reader, entry)
    return state


def _newer(state: AccessState, entry: Entry) -> None:
    """ChainUpdateNeeded if `entry` (signed and linked) is of a version this SDK cannot read."""
    if entry.version > CHAIN_VERSION:
        raise ChainUpdateNeeded(
            f"the access chain of journal {state.journal_id.hex()} holds an entry (position "
            f"{entry.position}) its owner signed with a newer version of the app (chain "
            f"version {entry.version}; this app reads version {CHAIN_VERSION} and older): "
            "update the app on this device. Until then nothing new is shown or sent for this "
            "journal",
            journal_id=state.journal_id,
            version=entry.version,
            state=copy.deepcopy(state),
        )


def chain_owner(journal_id: bytes, entries: list[bytes]) -> bytes:
    """The owner named by a chain's first entry (`created`). Raises IntegrityError if there
    is none."""
    first = _parse(entries[0], journal_id)[0] if entries else None
    if first is None or first.kind != CREATED or not _is_id(first.payload["owner"]):
        raise IntegrityError(
            f"the access chain of journal {journal_id.hex()} does not start with `created`"
        )
    owner: bytes = first.payload["owner"]
    return owner


def _link(state: AccessState, entry: Entry) -> None:
    if entry.position == state.length and entry.previous == state.head:
        return
    what = f"the access chain of journal {state.journal_id.hex()}"
    if entry.position == state.length and state.length > 0:
        raise RollbackError(
            f"{what} differs from the one this device verified at entry {entry.position}: "
            "the server is showing another history"
        )
    raise IntegrityError(f"{what} is out of order at entry {entry.position}")


def parse_entry(raw: bytes, journal_id: bytes, owner_sign_public_key: bytes) -> Entry:
    """Parse one entry and verify the owner's signature over it."""
    entry, body, signature = _parse(raw, journal_id)
    what = f"entry {entry.position} of the access chain of journal {journal_id.hex()}"
    crypto.verify(owner_sign_public_key, signed_input(body), signature, what)
    return entry


def _parse(raw: bytes, journal_id: bytes) -> tuple[Entry, bytes, bytes]:
    """Parse one entry (its signature unchecked). The layout, the first four body elements
    and the signing frame are the same in every version: an entry of a newer version than
    CHAIN_VERSION parses to an Entry of kind "" and an empty payload, so that its signature
    and its place in the chain are checked before a reader says "update" (`_newer`)."""
    what = f"an entry of the access chain of journal {journal_id.hex()}"
    try:
        body, signature = msgpack.unpackb(raw, raw=False)
        fields = msgpack.unpackb(body, raw=False)
        version, chain_journal, position, previous = fields[:4]
    except (ValueError, TypeError, KeyError, msgpack.UnpackException):
        raise IntegrityError(f"{what} is malformed") from None
    common = (
        isinstance(body, bytes)
        and isinstance(signature, bytes)
        and isinstance(fields, list)
        and _is_int(version)
        and version >= FIRST_VERSION
        and chain_journal == journal_id
        and _is_int(position)
        and isinstance(previous, bytes)
        and len(previous) == 32
    )
    if not common:
        raise IntegrityError(f"{what} is malformed")
    if version > CHAIN_VERSION:
        entry = _entry(raw, body, position, previous, "", 0, {}, version)
        return entry, body, signature
    if len(fields) != 7:
        raise IntegrityError(f"{what} is malformed")
    kind, at, payload = fields[4:]
    required = PAYLOAD_KEYS.get(kind, frozenset())
    if version >= KEY_CHECKED:
        required |= CHECKED_KEYS.get(kind, frozenset())
    well_formed = (
        kind in PAYLOAD_KEYS
        and _is_int(at)
        and isinstance(payload, dict)
        and required <= set(payload) <= required | OPTIONAL_KEYS.get(kind, set())
    )
    if not well_formed:
        raise IntegrityError(f"{what} is malformed")
    return _entry(raw, body, position, previous, kind, at, payload, version), body, signature


def _entry(
    raw: bytes,
    body: bytes,
    position: int,
    previous: bytes,
    kind: str,
    at: int,
    payload: dict[str, Any],
    version: int,
) -> Entry:
    hashed = crypto.hash32(signed_input(body))
    return Entry(position, previous, kind, at, payload, hashed, raw, version)


def _apply(state: AccessState, reader: Reader, entry: Entry) -> None:
    """Fold one entry (signature already checked) into `state`, enforcing the chain's rules."""
    p = entry.payload
    bad = f"entry {entry.position} of the access chain of journal {state.journal_id.hex()}"
    if entry.version < state.version:
        raise IntegrityError(
            f"{bad} is of chain version {entry.version}, older than the entry before it "
            f"(version {state.version}): a chain's versions never decrease"
        )
    state.version = entry.version
    if (entry.kind == CREATED) != (entry.position == 0):
        raise IntegrityError(f"{bad}: a chain starts with `created`, and only there")
    if entry.kind == CREATED:
        if p["owner"] != state.owner_id or not _is_int(p["epoch"]):
            raise IntegrityError(f"{bad} names another owner")
        state.epoch = p["epoch"]
        state.sealed_to[state.epoch] = frozenset()
        state.annotators[state.epoch] = set()
        state.cut = state.epoch
        state.cuts.append(state.epoch)
        _keep_check(state, p, entry.version, bad)
    elif entry.kind == GRANTED:
        _grant(state, reader, p, entry.version, bad)
        state.granted_at[p["member"]] = entry.at
        state.terms_at[p["member"]] = entry.at
    elif entry.kind == CHANGED:
        current = _current(state, p["member"], bad)
        if p["role"] not in ROLES or not _is_int(p["expires_at"]):
            raise IntegrityError(f"{bad} has unknown terms")
        limits = _counters(p["counters"], bad)
        gaps = _gaps(p, limits, bad)
        if p["role"] == "annotate" and (limits or gaps):
            raise IntegrityError(f"{bad} limits the writes of a member it lets write")
        updated = Member(current.handle, p["role"], p["expires_at"], current.who)
        state.members[current.handle] = updated
        state.terms_at[current.handle] = entry.at
        if current.ended(entry.at) and current.handle in state.granted_at:
            # terms that renew a membership whose end date had passed when signed: for a
            # late safety flag it began again now (R37 F1 residual: no flag for the gap)
            state.granted_at[current.handle] = entry.at
            state.annotate_since.pop(current.handle, None)
        if updated.role != "annotate":
            state.annotate_since.pop(current.handle, None)
        elif current.role != "annotate":  # annotate again: flags only for answers from now
            state.annotate_since[current.handle] = entry.at
        if updated.role == "annotate":
            state.write_limits.pop(current.handle, None)
            state.write_gaps.pop(current.handle, None)
            if current.handle in state.sealed_to[state.epoch]:
                state.annotators[state.epoch].add(current.handle)
        else:
            _set_write_limit(state, current.handle, limits, gaps)
    elif entry.kind in (REMOVED, ENDED):
        handle = _current(state, p["member"], bad).handle
        limits = _counters(p["counters"], bad)
        _set_write_limit(state, handle, limits, _gaps(p, limits, bad))
        if entry.kind == ENDED:
            state.ended[handle] = state.members[handle]
        elif "because" in p:
            if p["because"] != NOT_SERVED:
                raise IntegrityError(f"{bad} gives an unknown reason")
            state.not_served[handle] = (state.members[handle], entry.at)
            state.not_served_entry[handle] = entry.hash
        else:
            state.unshared[handle] = (state.members[handle], entry.at)
        del state.members[handle]
        state.first_epoch.pop(handle, None)
        state.annotate_since.pop(handle, None)
    elif entry.kind == ROTATED:
        _rotate(state, p, bad)
        _keep_check(state, p, entry.version, bad)
    elif entry.kind == LIMITED:
        _limit(state, reader, p, entry.position, bad)
    elif entry.kind == LIMITED_REMOVED:
        share = state.limited.pop(p["share"], None) if isinstance(p["share"], bytes) else None
        if share is None:
            raise IntegrityError(f"{bad} ends a field-level share that is not in force")
        state.limited_removed[share.handle] = share
    else:  # DISCLOSURE
        if not isinstance(p["sealed"], bytes):
            raise IntegrityError(f"{bad} is malformed")
        state.disclosure = p["sealed"]
    state.length = entry.position + 1
    state.head = entry.hash


def _grant(state: AccessState, reader: Reader, p: dict[str, Any], version: int, bad: str) -> None:
    valid = (
        _is_id(p["member"])
        and isinstance(p["commit"], bytes)
        and len(p["commit"]) == 32
        and isinstance(p["owner_copy"], bytes)
        and isinstance(p["member_copy"], bytes)
        and p["role"] in ROLES
        and _is_int(p["expires_at"])
    )
    if not valid:
        raise IntegrityError(f"{bad} is malformed")
    if p["member"] in state.seen_handles:
        raise IntegrityError(f"{bad} reuses a member's handle")
    state.seen_handles.add(p["member"])
    who = _identify(state, reader, p, version, bad)
    if who is not None and (
        who.account_id == state.owner_id or state.member_by_account(who.account_id)
    ):
        raise IntegrityError(f"{bad} grants an account that is already a member")
    member = Member(p["member"], p["role"], p["expires_at"], who)
    state.members[member.handle] = member
    if who is not None:
        state.handles.setdefault(who.account_id, []).append(member.handle)
        state.signers[who.account_id] = who
    state.granted_since_rotation = True


def _limit(state: AccessState, reader: Reader, p: dict[str, Any], position: int, bad: str) -> None:
    """A `limited` entry: a fresh handle (never used before in this chain, by a member or
    another such entry); on the owner's devices `owner_copy` must open and name an account
    other than the owner and a copy other than this journal. Nothing else of the state
    changes: it is no membership."""
    handle = p["share"]
    if not (_is_id(handle) and isinstance(p["owner_copy"], bytes)):
        raise IntegrityError(f"{bad} is malformed")
    if handle in state.seen_handles:
        raise IntegrityError(f"{bad} reuses a member's handle")
    state.seen_handles.add(handle)
    who: Identity | None = None
    mirror: bytes | None = None
    if reader.account_id == state.owner_id:
        padded = crypto.open_sealed(
            reader.account_key, p["owner_copy"], _limited_ad(state.journal_id, handle), bad
        )
        details = crypto.unpad(padded, bad)
        try:
            account_id, username, sign_key, box_key, mirror = msgpack.unpackb(details, raw=False)
            who = Identity(account_id, username, sign_key, box_key)
        except (ValueError, TypeError, msgpack.UnpackException):
            raise IntegrityError(f"{bad} is malformed") from None
        valid = (
            _is_id(account_id)
            and isinstance(username, str)
            and isinstance(sign_key, bytes)
            and isinstance(box_key, bytes)
            and _is_id(mirror)
            and account_id != state.owner_id
            and mirror != state.journal_id
        )
        if not valid:
            raise IntegrityError(f"{bad} names no account other than the owner, or no copy")
    state.limited[handle] = Limited(handle, who, mirror, position)


def _identify(
    state: AccessState, reader: Reader, p: dict[str, Any], version: int, bad: str
) -> Identity | None:
    """Who a `granted` entry names, if this device may know: the owner's devices open the
    owner's copy (and require the commitment to hold; from PADDED_GRANTED on, the copy must
    be sealed under the padded context and padded exactly as `crypto.pad` pads); a member
    recognises itself."""
    handle = p["member"]
    if reader.account_id == state.owner_id:
        if version >= PADDED_GRANTED:
            padded = crypto.open_sealed(
                reader.account_key, p["owner_copy"], _padded_owner_ad(state.journal_id, handle), bad
            )
            details = crypto.unpad(padded, bad)
            if crypto.pad(details) != padded:
                raise IntegrityError(f"{bad} is not padded as a version {version} entry must be")
        else:
            details = crypto.open_sealed(
                reader.account_key, p["owner_copy"], _owner_ad(state.journal_id, handle), bad
            )
        try:
            account_id, username, sign_key, box_key, salt = msgpack.unpackb(details, raw=False)
            who = Identity(account_id, username, sign_key, box_key)
            commit = member_commit(state.journal_id, handle, salt, who)
        except (ValueError, TypeError, AttributeError, msgpack.UnpackException):
            raise IntegrityError(f"{bad} is malformed") from None
        if commit != p["commit"]:
            raise IntegrityError(f"{bad} does not commit to the member it names")
        return who
    try:
        salt = crypto.open_sealed_box(
            nacl.public.PrivateKey(reader.box_secret), p["member_copy"], bad
        )
    except IntegrityError:
        return None  # another member's entry
    me = Identity(reader.account_id, reader.username, reader.sign_public_key, reader.box_public_key)
    return me if member_commit(state.journal_id, handle, salt, me) == p["commit"] else None


def _rotate(state: AccessState, p: dict[str, Any], bad: str) -> None:
    handles = p["members"]
    if p["epoch"] != state.epoch + 1 or not isinstance(handles, list):
        raise IntegrityError(f"{bad} does not start the next epoch")
    if handles != sorted(set(handles)) or set(handles) != set(state.members):
        raise IntegrityError(f"{bad} seals the key to other accounts than the members")
    previous = state.sealed_to[state.epoch]
    state.epoch = p["epoch"]
    state.sealed_to[state.epoch] = frozenset(handles)
    state.annotators[state.epoch] = {h for h in handles if state.members[h].role == "annotate"}
    for handle in handles:
        if handle not in previous or handle not in state.first_epoch:
            state.first_epoch[handle] = state.epoch
    if state.granted_since_rotation:
        state.cut = state.epoch
        state.cuts.append(state.epoch)
        state.granted_since_rotation = False


def _keep_check(state: AccessState, p: dict[str, Any], version: int, bad: str) -> None:
    """The key check of the epoch a `created` or `rotated` entry (already applied) started,
    from version KEY_CHECKED on: 32 bytes."""
    if version < KEY_CHECKED:
        return
    check = p["check"]
    if not (isinstance(check, bytes) and len(check) == CHECK_BYTES):
        raise IntegrityError(f"{bad} is malformed")
    state.key_checks[state.epoch] = check


def _set_write_limit(state: AccessState, handle: bytes, limits: Counters, gaps: Gaps) -> None:
    """Limit the writes of membership `handle` as an entry ending its right to write signed
    them, narrowed by any limit an earlier entry signed for it (`narrowed`): whatever a later
    entry says, it never widens them."""
    if handle in state.write_limits:
        before = (state.write_limits[handle], state.write_gaps.get(handle, {}))
        limits, gaps = narrowed(before, (limits, gaps))
    state.write_limits[handle] = limits
    state.write_gaps[handle] = gaps


def _counters(value: Any, bad: str) -> Counters:
    """A `counters` payload: [[device (bin 16), counter (int)], ...], devices strictly
    ascending."""
    if not isinstance(value, list):
        raise IntegrityError(f"{bad} is malformed")
    found: Counters = {}
    previous = b""
    for item in value:
        if not (isinstance(item, list) and len(item) == 2):
            raise IntegrityError(f"{bad} is malformed")
        device, counter = item
        if not (_is_id(device) and _is_int(counter) and device > previous):
            raise IntegrityError(f"{bad} is malformed")
        found[device] = counter
        previous = device
    return found


def _gaps(payload: dict[str, Any], limits: Counters, bad: str) -> Gaps:
    """The `gaps` of a payload (the key absent: none; present, never nil nor empty):
    [[device (bin 16), [[lo, hi], ...]], ...], devices strictly ascending and each one `limits`
    names, its ranges non-empty, ascending, apart (a counter between two), 1 <= lo <= hi <
    that device's limit; MAX_GAP_RANGES at most."""
    if "gaps" not in payload:
        return {}
    value = payload["gaps"]
    if not isinstance(value, list) or not value:
        raise IntegrityError(f"{bad} is malformed")
    found: Gaps = {}
    previous = b""
    count = 0
    for item in value:
        if not (isinstance(item, list) and len(item) == 2):
            raise IntegrityError(f"{bad} is malformed")
        device, ranges = item
        if not (_is_id(device) and device > previous and device in limits):
            raise IntegrityError(f"{bad} is malformed")
        if not (isinstance(ranges, list) and ranges):
            raise IntegrityError(f"{bad} is malformed")
        kept: list[Range] = []
        for pair in ranges:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise IntegrityError(f"{bad} is malformed")
            lo, hi = pair
            if not (_is_int(lo) and _is_int(hi) and 1 <= lo <= hi < limits[device]):
                raise IntegrityError(f"{bad} is malformed")
            if kept and lo <= kept[-1][1] + 1:
                raise IntegrityError(f"{bad} is malformed")
            kept.append((lo, hi))
        count += len(kept)
        found[device] = kept
        previous = device
    if count > MAX_GAP_RANGES:
        raise IntegrityError(f"{bad} is malformed")
    return found


def _current(state: AccessState, handle: Any, bad: str) -> Member:
    member = state.members.get(handle) if isinstance(handle, bytes) else None
    if member is None:
        raise IntegrityError(f"{bad} names an account that is not a member")
    return member


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _is_id(value: Any) -> bool:
    return isinstance(value, bytes) and len(value) == 16


# --- disclosure settings (sealed with the account key: members never see them) ------------


def _disclosure_ad(journal_id: bytes) -> bytes:
    return _owner_ad(journal_id, b"")


def seal_disclosure(account_key: bytes, journal_id: bytes, settings: Disclosure) -> bytes:
    plain: bytes = msgpack.packb(
        [
            settings.member_id,
            settings.mirror_of,
            list(settings.fields) if settings.fields is not None else None,
            settings.since,
            settings.kind,
        ],
        use_bin_type=True,
    )
    return crypto.seal(account_key, plain, _disclosure_ad(journal_id))


def open_disclosure(account_key: bytes, journal_id: bytes, sealed: bytes) -> Disclosure:
    what = f"the disclosure settings of journal {journal_id.hex()}"
    plain = crypto.open_sealed(account_key, sealed, _disclosure_ad(journal_id), what)
    try:
        member_id, mirror_of, fields, since, kind = msgpack.unpackb(plain, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise IntegrityError(f"{what} are malformed") from None
    valid = (
        _is_id(member_id)
        and (mirror_of is None or _is_id(mirror_of))
        and (
            fields is None or (isinstance(fields, list) and all(isinstance(f, str) for f in fields))
        )
        and _is_int(since)
        and kind in DISCLOSURE_KINDS
    )
    if not valid:
        raise IntegrityError(f"{what} are malformed")
    chosen = tuple(fields) if fields is not None else None
    return Disclosure(member_id, mirror_of, chosen, since, kind)


@functools.lru_cache(maxsize=256)
def open_disclosure_cached(account_key: bytes, journal_id: bytes, sealed: bytes) -> Disclosure:
    """`open_disclosure`, opened once per sealed settings: a write of an entry checks them
    to copy it, and a pulled page of an owned journal to note what it brings for its copies.
    The same bytes under the same key open to the same (frozen) value; settings that do not
    open raise IntegrityError every time (not kept)."""
    return open_disclosure(account_key, journal_id, sealed)


# --- the verify-head code --------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedRecord:
    """A record this device verified and applied, as the head code counts it."""

    record_id: bytes
    seq: int
    doc_id: bytes
    epoch: int
    snapshot: bool
    author: bytes | None


@dataclass(frozen=True)
class CodeRecord:
    """A record of the journal as the head code reads it (protocol.md 4.20): acknowledged by
    the server (a `seq` is known), verified by this device and applied, or kept unread for
    a newer body version (its signed prefix verified); never a `void`. `author`, `device`
    and `counter` are the signed body's (16, 16 bytes; counter 1 to 2^63 - 1)."""

    record_id: bytes
    author: bytes
    device: bytes
    counter: int
    doc_id: bytes | None = None
    """The signed document id; None for a record kept unread (only its prefix is read)."""
    epoch: int | None = None
    """The epoch it was sealed under (None: not known here)."""


@dataclass(frozen=True)
class CodeCover:
    """The signed `covers` of a record this device verified and the server acknowledged
    (a snapshot's, a `void`'s, an update's withdrawals), with the record's author and,
    for a snapshot, its document (`carries`: the document whose whole state it carries;
    None for a `void` or an update)."""

    author: bytes
    covers: tuple[Cover, ...]
    carries: bytes | None = None


def code_records(
    owner: bytes,
    member: bytes | None,
    records: Iterable[CodeRecord],
    covers: Iterable[CodeCover],
    *,
    readable: AbstractSet[int] = frozenset(),
) -> list[bytes]:
    """The record ids a head code covers (protocol.md 4.20), sorted: the records whose
    author is the journal's `owner` or the one `member` counted (None: the owner-only
    code), less those a cover **signed by one of those accounts** names by (author, device,
    counter) — the owner's covers any account's counters, a member's only its own (as
    records are accepted: 4.18). Nothing is dropped on the server's word (its `seq` order
    let a server hide an owner edit behind a later snapshot: R44 F2), and nothing by epoch
    alone (an owner record no signed cover accounts for is counted whatever its epoch, so a
    record kept from the device that shared, which the new member never receives, shows:
    R44 F3).

    In a pair code (`member` given), a cover leaves a record out only when it carries the
    record's state to that member, or the member could never hold the record: the cover
    is a snapshot of the record's own document (a compaction, a share's fresh snapshot of
    a live document), or the record's epoch is not in `readable` (the epochs whose key the
    member's latest membership was sealed: history from before its share). A withdrawal
    (a `void`'s or an update's covers) or a share's boundary naming a record of a document
    no snapshot carries (a removal, a record the writer set aside on the server's refusal)
    does not hide a record the member could hold: a server that stored such a record and
    served it to the member, or kept it from the member, makes the codes differ (R46 F6,
    F7); with an honest server every party that could hold it does. A record whose
    document is not known here (a member's record kept unread for a newer body version)
    stays counted in the member's epochs, as on the devices that read it: an owner's
    snapshot never carries a member's document (compaction and a share's snapshots seal
    only the owner's own documents). The owner-only code (`member` None) leaves out every record a
    cover names. Two devices shown the same log compute the same list, whichever records
    each pulled before a compaction: a snapshot covers exactly what it supersedes."""
    accounts = {owner} if member is None else {owner, member}
    covered: dict[tuple[bytes, bytes], list[Range]] = {}
    carried: dict[tuple[bytes, bytes, bytes], list[Range]] = {}
    for cover in covers:
        if cover.author not in accounts:
            continue
        for item in cover.covers:
            if cover.author == owner or item.author == cover.author:
                kept = [covered.setdefault((item.author, item.device), [])]
                if cover.carries is not None:
                    kept.append(carried.setdefault((item.author, item.device, cover.carries), []))
                for ranges in kept:
                    for lo, hi in item.ranges:
                        add_range(ranges, lo, hi)

    def left_out(r: CodeRecord) -> bool:
        if not in_ranges(covered.get((r.author, r.device), []), r.counter):
            return False
        if member is None or r.epoch is None or r.epoch not in readable:
            return True
        if r.doc_id is None:
            return False  # kept unread: only an owner's snapshot of a document it created
        return in_ranges(carried.get((r.author, r.device, r.doc_id), []), r.counter)

    counted = {r.record_id for r in records if r.author in accounts and not left_out(r)}
    return sorted(counted)


def head_code(
    state: AccessState,
    record_ids: Iterable[bytes],
    missing: Iterable[tuple[bytes, bytes, int, int]] = (),
) -> str:
    """A short code for comparing, in person, the history two devices were shown:
    BLAKE2b-256(frame("tj/verify-head/v1", journal_id, u32be(length), head, records)), as
    five groups of five digits, where records = BLAKE2b-256(sorted record ids concatenated)
    when this device knows of no `missing` counter range of a counted account (author,
    device, lo, hi: below a later counter of that device it received, so withheld whatever
    else arrives, protocol.md 4.18), and otherwise BLAKE2b-256(that hash ||
    each range, sorted, as author || device || u64be(lo) || u64be(hi)): a device that knows
    it lacks records never shows the code of one that holds them (rev-complete F4)."""
    ids = sorted(set(record_ids))
    records = crypto.hash32(b"".join(ids))
    gaps = sorted(set(missing))
    if gaps:
        records = crypto.hash32(
            records
            + b"".join(
                author + device + lo.to_bytes(8, "big") + hi.to_bytes(8, "big")
                for author, device, lo, hi in gaps
            )
        )
    digest = crypto.hash32(
        crypto.frame(
            Context.VERIFY_HEAD.value,
            state.journal_id,
            state.length.to_bytes(4, "big"),
            state.head,
            records,
        )
    )
    groups = [int.from_bytes(digest[i : i + 5], "big") % 100_000 for i in range(0, 25, 5)]
    return " ".join(f"{group:05d}" for group in groups[:CODE_GROUPS])
