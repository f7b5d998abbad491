"""Shares whose boundary is still owed, pure (REV-S1 F1, REV-S2 F1/F2; protocol.md 4.19 "A
share's boundary owed").

A history-free share signs the new member into the chain (a new epoch, pushed) and only then
seals the journal's boundary under that epoch: a fresh snapshot of every live document and
the cut (`Replica.seal_snapshots`). Its size is checked on the very records it will seal
before anything is signed (`Replica.check_snapshots`: a refused share leaves no share,
R41 F4), but the boundary can still fail after the grant is pushed (the app stops, the
journal changed in between, a key cannot be read): the member would then be on the signed
chain and read nothing, and nothing would repair it.

So the sharing device notes, in the same store, once the grant is signed and before its
request is sent (`Replica._rotate`, for the share `owing_share` names), what identifies it:
the journal, its epoch before the grant, the new membership's handle (random per grant,
`access.granted`: only that signed entry ever carries it) and the grant entry's position in
the chain (`owe`; a retry signed on a longer chain moves it on, never back). A request
provably never sent (no connection made) takes its note back. The boundary, once sealed,
clears it in the same transaction (`settled`). A sync that finds one still noted
(`Replica._finish_shares`) decides on the verified chain alone (`standing`):

- the handle is on the chain: the grant is there. The sync seals the boundary when that
  membership is current and its grant the journal's latest cut (`due`) and tells it
  (`finished`), or tells why not (`unfinished`) and tries again at the next sync; a member
  gone since, or a later share that sealed its own boundary, leaves nothing owed;
- the chain is longer than the grant's position and has not the handle: another entry took
  that position (another device's change), so the grant can never be applied: forgotten;
- the chain has not reached the position: the grant may still show (a lost reply, a server
  that serves it late, a request of another process on its way). Kept, and told at every
  sync as pending (`pending`), never dropped on a chain that merely lacks it yet.

A grant the server never stored (the request left, then a crash before its commit, a cut
connection, a server dropping it) is signed again by a sync (`Replica._grant_again`, protocol.md
4.19 "The grant signed again"): the note keeps the signed `granted` payload, the member's
identity and the chain length it was signed on, and the same grant (same handle) is signed
on the current verified chain in a new rotation, never its first request word for word
(which seals the key to the members of then, and the name of then). Only at the same
position (`again`), not while another process may still be sending it (`under_way`), never
for a share no longer wanted (`unwanted`: its end date passed, the member's keys changed;
the owner ending it withdraws the note, `Replica.withdraw_owed`: kept in `WITHDRAWN` until
the verified chain rules the grant out, `ending`, REV-OWED F6, F9).

Read only from this device's store and its verified chain, never from the server's word.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import msgpack

from client_sdk import access, json_settings
from client_sdk.access import AccessState, Identity
from client_sdk.models import quoted_name

SETTING = "owed-share-boundaries"
"""The setting holding them: JSON, journal id (hex) -> [epoch before the grant, handle (hex),
position of the grant entry in the chain, member's username] and, from notes written by this
SDK on, a fifth item: {"grant": the signed `granted` payload (msgpack, hex), "who": [account
id, username, signing key, box key] (hex, hex, str, hex), "length": the chain's length the
grant was signed on, "signed_at": when it was first signed (ms, UTC), "sending": when its
latest request was sent while the call may still be under way (ms, UTC; 0: none)}. A note
without it (an older SDK's) is kept and told as before, never sent again."""

SENDING_LEASE_MS = 10 * 60 * 1000
"""How long a grant's request another process noted as being sent (`Owed.sending`) may still
be under way: past it (the transport's 60 s a request, a few retries, an app killed mid-
request), a sync may sign the grant again (`resend`)."""

DUE = "due"
PENDING = "pending"
GONE = "gone"

WITHDRAWN = "withdrawn-share-grants"
"""The setting holding the owed grants whose share the owner ended before the verified chain
ruled them out (REV-OWED F6, F9): JSON, the grant's handle (hex) -> [journal id (hex), then
the note's items as in SETTING]. Each stays until the verified chain shows the grant can no
longer make its member a member (`ending` ENDED): a rotation of this device takes its
position, or removes the member should the grant have landed; every sync tries that again
and tells it while it is not done (`not_ended`)."""

ENDED = "ended"
REMOVE = "remove"
TAKE = "take"


@dataclass(frozen=True)
class Owed:
    """The boundary of one share this device signed and has not sealed yet: the journal's
    epoch before the grant, the membership's handle, the grant entry's position in the
    chain (0-based: the chain's length when it was signed, plus its index in the request)
    and the member's username (for the words only)."""

    journal_id: bytes
    epoch: int
    handle: bytes
    position: int
    member: str
    grant: bytes | None = None
    """The signed `access.granted` payload (msgpack), to sign the same grant again
    (`again`); None in an older SDK's note (then never sent again, only told)."""
    who: Identity | None = None
    """The member's identity the grant names (what `Sharing._grant` signed it for)."""
    length: int | None = None
    """The chain's length the grant was signed on (its request's previous length)."""
    signed_at: int = 0
    """When the grant was first signed (ms, UTC; 0: not known)."""
    sending: int = 0
    """When its latest request was sent, while that call may still be under way (ms, UTC;
    0: none: the call ended, with a reply or an error)."""
    tries: int = 0
    """How many times a sync signed it again (`again`) since it was first signed."""
    tried_at: int = 0
    """When it was last signed, first or again (ms, UTC; 0: not known)."""

    @property
    def terms(self) -> dict[str, Any] | None:
        """The signed `granted` payload, or None (an older note, or one this SDK cannot
        read: never sent again)."""
        if self.grant is None:
            return None
        try:
            payload = msgpack.unpackb(self.grant, raw=False)
        except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
            return None
        if not isinstance(payload, dict) or payload.get("member") != self.handle:
            return None
        return payload

    @property
    def expires_at(self) -> int:
        """The end date the grant signs (ms, UTC; 0: none, or not known)."""
        terms = self.terms
        value = terms.get("expires_at") if terms is not None else 0
        return value if isinstance(value, int) else 0


def decode(value: str | None) -> dict[bytes, Owed]:
    """journal id -> what is owed there (the latest grant this device signed in it); {} for
    nothing or a value this SDK cannot read."""
    if not value:
        return {}  # (every sync asks: an idle one makes no further call)
    return json_settings.by_id(value, _decoded)


def _decoded(
    journal: str, epoch: int, handle: str, position: int, member: str, more: Any = None
) -> Owed:
    owed = Owed(
        bytes.fromhex(journal), int(epoch), bytes.fromhex(handle), int(position), str(member)
    )
    if not isinstance(more, dict):
        return owed
    account, username, sign, box = more["who"]
    return replace(
        owed,
        grant=bytes.fromhex(more["grant"]),
        who=Identity(
            bytes.fromhex(account), str(username), bytes.fromhex(sign), bytes.fromhex(box)
        ),
        length=int(more["length"]),
        signed_at=int(more["signed_at"]),
        sending=int(more["sending"]),
        tries=int(more.get("tries", 0)),
        tried_at=int(more.get("tried_at", 0)),
    )


def _encoded(o: Owed) -> list[Any]:
    items: list[Any] = [o.epoch, o.handle.hex(), o.position, o.member]
    if o.grant is not None and o.who is not None and o.length is not None:
        who = o.who
        items.append(
            {
                "grant": o.grant.hex(),
                "who": [
                    who.account_id.hex(),
                    who.username,
                    who.sign_public_key.hex(),
                    who.box_public_key.hex(),
                ],
                "length": o.length,
                "signed_at": o.signed_at,
                "sending": o.sending,
                "tries": o.tries,
                "tried_at": o.tried_at,
            }
        )
    return items


def encode(owed: dict[bytes, Owed]) -> str | None:
    """The setting's value (None: nothing owed, the setting removed)."""
    if not owed:
        return None
    return json.dumps(
        {o.journal_id.hex(): _encoded(o) for o in sorted(owed.values(), key=_key)},
        sort_keys=True,
    )


def _key(owed: Owed) -> bytes:
    return owed.journal_id


def withdrawn(value: str | None) -> dict[bytes, Owed]:
    """handle -> the withdrawn grant (`WITHDRAWN`); {} for none or a value this SDK cannot
    read."""
    if not value:
        return {}  # (every sync asks: an idle one makes no further call)
    return json_settings.by_id(value, _decoded, with_key=False)


def _withdrawn_value(found: dict[bytes, Owed]) -> str | None:
    if not found:
        return None
    return json.dumps(
        {h.hex(): [o.journal_id.hex(), *_encoded(o)] for h, o in sorted(found.items())},
        sort_keys=True,
    )


def withdraw(value: str | None, owed: Owed) -> str | None:
    """`value` (`WITHDRAWN`) with `owed` kept until its position is taken (`ending`); its
    tries start again from none (they now count the rotations that rule it out: `tried`)."""
    found = withdrawn(value)
    found[owed.handle] = replace(owed, tries=0, tried_at=0)
    return _withdrawn_value(found)


def tried(value: str | None, handle: bytes, now: int) -> str | None:
    """`value` (`WITHDRAWN`) with one more try (at `now`, ms UTC) of the rotation that rules
    out the withdrawn grant `handle` counted, so that `resting` spaces the next ones (REV-OWED2
    G5: a server that drops every rotation gets at most one per `rest_ms`, as for a grant
    signed again)."""
    found = withdrawn(value)
    owed = found.get(handle)
    if owed is not None:
        found[handle] = replace(owed, tries=owed.tries + 1, tried_at=now)
    return _withdrawn_value(found)


def ruled_out(value: str | None, handle: bytes) -> str | None:
    """`value` (`WITHDRAWN`) without the withdrawn grant `handle` (`ending` ENDED)."""
    found = withdrawn(value)
    found.pop(handle, None)
    return _withdrawn_value(found)


def ending(owed: Owed, state: AccessState) -> str:
    """What the verified chain `state` still needs for a withdrawn grant (the owner ended
    that share, `WITHDRAWN`) never to make its member a member: ENDED when the grant landed
    and its membership is no longer current (removed, ended since), or the chain is past
    the length the grant was signed on without it (another entry holds that position: the
    server refuses every request of it, a chain never forks or rolls back on a device);
    REMOVE when its membership is current (it landed after all: the owner's decision is
    signed as its removal); TAKE when the chain has not passed that length (a request of it
    may still land: a rotation signed there rules it out). An older note without the
    length counts its position instead (at most one rotation more)."""
    if owed.handle in state.members:
        return REMOVE
    if owed.handle in state.seen_handles:
        return ENDED
    bound = owed.length if owed.length is not None else owed.position
    return ENDED if state.length > bound else TAKE


def not_ended(owed: Owed, error: object) -> str:
    """What each sync tells while a withdrawn grant (`ending` not ENDED) could not be ruled
    out (`error`: why the rotation that would do it was not stored)."""
    return (
        f"ending the share with {owed.member} is not confirmed: the access change this "
        f"device signed to share it may still reach the journal's access chain, and the "
        f"change that rules it out was not stored ({error}); every sync tries again "
        f"(should it land, {owed.member} is removed)"
    )


def owe(value: str | None, owed: Owed) -> str | None:
    """`value` with `owed` noted (replacing an earlier grant's in the same journal: the
    latest share's boundary covers what an earlier one's would). The same grant signed again
    (a retry on a longer chain) keeps the furthest position it was signed at: it can land
    at most there, and a position only a lost attempt held must not drop it; and the time it
    was first signed (a sync that signs it again, `again`, keeps it)."""
    found = decode(value)
    earlier = found.get(owed.journal_id)
    if earlier is not None and earlier.handle == owed.handle:
        if earlier.position > owed.position:
            owed = replace(owed, epoch=earlier.epoch, position=earlier.position)
            owed = replace(owed, length=earlier.length if earlier.length is not None else None)
        if earlier.signed_at:
            owed = replace(owed, signed_at=earlier.signed_at)
    found[owed.journal_id] = owed
    return encode(found)


def sent(value: str | None, owed: Owed) -> str | None:
    """`value` with the request of `owed` (what `owe` noted) no longer under way (its call
    ended without a reply that it was stored: an error, a lost connection): a sync of any
    process may sign it again at once (`resend`). Unchanged when the note is no longer that
    grant's."""
    found = decode(value)
    noted = found.get(owed.journal_id)
    if noted is None or noted.handle != owed.handle or not noted.sending:
        return value
    found[owed.journal_id] = replace(noted, sending=0)
    return encode(found)


def restored(value: str | None, written: Owed, earlier: Owed | None) -> str | None:
    """`value` with `written` (what `owe` noted for a request provably never sent) taken
    back: `earlier` (what was noted before it) again, or nothing; unchanged when the note is
    no longer `written` (a sync sealed it, a later share replaced it)."""
    found = decode(value)
    if found.get(written.journal_id) != written:
        return value
    if earlier is None:
        found.pop(written.journal_id)
    else:
        found[written.journal_id] = earlier
    return encode(found)


def settled(value: str | None, journal_id: bytes, only: Owed | None = None) -> str | None:
    """`value` without the journal's owed boundary (with `only`: when it is still that
    grant's, its handle, not a note of another grant written since it was read)."""
    found = decode(value)
    noted = found.get(journal_id)
    if only is None or (noted is not None and noted.handle == only.handle):
        found.pop(journal_id, None)
    return encode(found)


def due(owed: Owed, state: AccessState) -> bool:
    """Whether the verified chain `state` shows the owed share signed and still the one a
    boundary now seals for: the membership `owed.handle` is current, it began after
    `owed.epoch`, and the journal's latest cut is where it began. Otherwise the grant is not
    on the chain (`standing` tells whether it still may be), the member is gone, or a later
    share (another device's) sealed its own boundary."""
    first = state.first_epoch.get(owed.handle)
    return (
        owed.handle in state.members
        and first is not None
        and first > owed.epoch
        and state.cut == first
    )


def standing(owed: Owed, state: AccessState) -> str:
    """What the verified chain `state` says of the owed grant: DUE (its boundary is to be
    sealed now), GONE (nothing owed any more: on the chain and no longer due, or its
    position taken by another entry, so it can never be applied) or PENDING (the chain has
    not reached its position: it may still be applied). The handle is random and carried by
    that signed entry only, so "on the chain" is its handle among the chain's; a chain past
    the position without it holds another entry there, and a chain never forks or rolls
    back on a device (access.verify, chains.check_length)."""
    if owed.handle in state.seen_handles:
        return DUE if due(owed, state) else GONE
    return GONE if state.length > owed.position else PENDING


def again(owed: Owed, state: AccessState) -> list[tuple[str, dict[str, Any]]] | None:
    """The changes that sign the owed grant again on the verified chain `state` (protocol.md
    4.19 "A share's boundary owed"): its very `granted` payload (same handle, so `standing`
    and the seal that follows see it as the grant noted), after the removal of the member's
    current membership when the chain lists one (a member whose keys changed: what
    `Sharing._grant` signed with it). None when it must not be signed now: a note without
    the grant (an older SDK's), a chain that is not the length the grant was signed on
    (another entry took that position, or the grant's own is there: `standing` tells
    which), its handle already on the chain, or a grant entry that would not land at the
    noted position. Decided on the device's verified chain alone, which never rolls back
    (access.verify, chains.check_length): a server that serves a shorter chain cannot make
    it sign on an earlier state, and one that drops every request gets the same grant at
    the same position, at most once a sync (`Replica._grant_again`)."""
    terms = owed.terms
    if (
        terms is None
        or owed.who is None
        or owed.length is None
        or state.length != owed.length
        or owed.handle in state.seen_handles
    ):
        return None
    current = state.member_by_account(owed.who.account_id)
    changes = [access.removed(current.handle)] if current is not None else []
    if state.length + len(changes) != owed.position:
        return None
    return [*changes, (access.GRANTED, dict(terms))]


def unwanted(owed: Owed, now: int, pinned: Identity | None, renamed: bool = False) -> str | None:
    """Why the owed grant, not on the chain, must not be signed again (the note is then
    dropped and this told once), or None: its end date passed (`now`, ms UTC: a share
    whose period is over is not started), or the member's identity pinned on this device
    (`pinned`, None: none) is no longer the one the grant names (the user accepted new keys
    for them since: a grant to the old ones is not what they share with now), or no pin of
    the grant's account is left while the member's username is pinned to another account
    (`renamed`: the user verified a new account under that name, REV-OWED F5), or no pin of
    it at all (the user forgot it: nothing confirms those keys any more)."""
    expires_at = owed.expires_at
    if expires_at and expires_at <= now:
        return "its end date has passed"
    if owed.who is not None and pinned is not None and pinned != owed.who:
        return f"{owed.member}'s keys changed since"
    if owed.who is not None and pinned is None:
        if renamed:
            return f"the name {owed.member} is now verified for another account"
        return f"{owed.member}'s keys are no longer pinned on this device"
    return None


FREE_TRIES = 5
"""How many times a grant is signed again at consecutive syncs before `resting` spaces them."""

REST_MS = 60 * 1000
"""The first interval `resting` keeps between two grants signed again (doubling each time)."""

MAX_REST_MS = 60 * 60 * 1000
"""The longest interval `resting` keeps (an hour)."""


def rest_ms(owed: Owed) -> int:
    """The interval kept before `owed` is signed again (ms): 0 for its first FREE_TRIES
    tries, then REST_MS doubling at each try, at most MAX_REST_MS."""
    if owed.tries < FREE_TRIES:
        return 0
    return min(REST_MS << min(owed.tries - FREE_TRIES, 16), MAX_REST_MS)


def resting(owed: Owed, now: int) -> bool:
    """Whether a sync at `now` (ms, UTC) must not sign `owed` again yet (REV-OWED F8): a
    server that drops every request and sends live notices (each a sync) would otherwise
    get a signed rotation, a new epoch key and a size check of the whole journal per
    notice. After FREE_TRIES tries the grant is signed again at most once per `rest_ms`;
    a clock set back (`now` before the last try) waits the whole interval from now on."""
    rest = rest_ms(owed)
    return rest > 0 and (now < owed.tried_at or now - owed.tried_at < rest)


def under_way(owed: Owed, now: int) -> bool:
    """Whether the grant's latest request may still be under way in another process (sent
    less than SENDING_LEASE_MS ago, `now` ms UTC, and its call not ended): a sync then only
    tells it pending (REV-S2 F2: never a second grant racing the first)."""
    return bool(owed.sending) and now - owed.sending < SENDING_LEASE_MS


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def pending(owed: Owed) -> str:
    """Why a sync keeps an owed boundary it cannot seal yet: the grant is not on the chain
    the server serves (a problem of the sync, told at every sync while so). A note with its
    grant (`Owed.terms`) says that it is signed and sent again at each sync."""
    if owed.terms is None or owed.who is None:
        return (
            f"the share with {owed.member} is not confirmed: the access change this device "
            f"signed for it is not on the journal's access chain the server serves yet, so "
            f"{owed.member} reads none of this journal; every sync checks again and finishes "
            "the share once it shows (should the share have failed here, share it again)"
        )
    since = f" on {_when(owed.signed_at)}" if owed.signed_at else ""
    rest = rest_ms(owed)
    spaced = (
        f" (sent {owed.tries} times already: now at most once every {rest // 60000} min)"
        if rest
        else ""
    )
    return (
        f"the share with {owed.member} is not confirmed: the access change this device "
        f"signed for it{since} is not on the journal's access chain the server serves yet, so "
        f"{owed.member} reads none of this journal; every sync signs it again and sends "
        f"it{spaced}, and finishes the share once the server stores it (to stop it, unshare "
        f"{owed.member} on this device)"
    )


def superseded(owed: Owed) -> str:
    """What a sync tells, once, when it drops an owed grant (one it was sending again,
    `Owed.terms`) because another entry took its position on the verified chain (another
    device's change, this device's own rotation for an end date that passed): it can never
    be applied, and the user was told it is sent again (`pending`). Not told when the
    grant is on the chain (its member removed since, or a later share sealed its own)."""
    return (
        f"the share with {owed.member} was never confirmed and can no longer be: another "
        f"change of this journal's access took its place, so {owed.member} reads none of "
        "it (share it again if you want them to)"
    )


def shared_elsewhere(owed: Owed, role: str) -> str:
    """What a sync tells, once, when it drops an owed grant whose position another entry
    took while the verified chain lists its member current by another grant (another
    device of the owner shared with them too, REV-OWED F7)."""
    return (
        f"the share with {owed.member} this device signed was never confirmed and is no "
        f"longer sent: {owed.member} reads this journal ({role}) by a share signed on "
        "another device of yours (its signed access history says so); nothing more to do"
    )


def replaced(owed: Owed, member: str) -> str:
    """What is told when a share with `member` replaces the pending note of another
    member's share in the same journal (one note a journal, `owe`, REV-OWED F4): that
    share is no longer signed again by this device."""
    return (
        f"the share with {owed.member} was never confirmed, and this device no longer sends "
        f"it again: the share with {member} replaced it as the one this device finishes, so "
        f"{owed.member} reads none of this journal unless its first request still lands "
        f"(share it with {owed.member} again if you want them to)"
    )


def dropped(owed: Owed, why: str) -> str:
    """What a sync tells, once, when it drops an owed grant not on the chain rather than
    sign it again (`unwanted`)."""
    return (
        f"the share with {owed.member} was never confirmed and {why}: this device no longer "
        f"sends it, and {owed.member} reads none of this journal (share it again if you want "
        "them to)"
    )


def finished(member: str, journal: str, *, resent: bool = False) -> str:
    """What a sync that sealed an owed boundary tells (`SyncReport.finished_shares`);
    `resent`: its grant was signed again and stored at this sync (`again`)."""
    if resent:
        return (
            f"the share of {quoted_name(journal)} with {member} is complete: the access change for it, "
            "which the server had not stored, was sent again and stored at this sync, and "
            "the journal's entries were sealed for them"
        )
    return (
        f"the share of {quoted_name(journal)} with {member} is complete: the journal's entries were "
        "sealed for them at this sync (the device that shared it stopped before it could)"
    )


def unfinished(member: str, error: object) -> str:
    """Why a sync could not seal an owed boundary (a problem of the sync: told at every
    sync until it can)."""
    return (
        f"the share with {member} is not complete: {member} reads none of this journal "
        f"until its entries are sealed for them ({error}); every sync tries again"
    )
