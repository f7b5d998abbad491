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

Read only from this device's store and its verified chain, never from the server's word.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from client_sdk.access import AccessState

SETTING = "owed-share-boundaries"
"""The setting holding them: JSON, journal id (hex) -> [epoch before the grant, handle (hex),
position of the grant entry in the chain, member's username]."""

DUE = "due"
PENDING = "pending"
GONE = "gone"


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


def decode(value: str | None) -> dict[bytes, Owed]:
    """journal id -> what is owed there (the latest grant this device signed in it); {} for
    nothing or a value this SDK cannot read."""
    if not value:
        return {}
    try:
        raw = json.loads(value)
        return {
            bytes.fromhex(journal): Owed(
                bytes.fromhex(journal),
                int(epoch),
                bytes.fromhex(handle),
                int(position),
                str(member),
            )
            for journal, (epoch, handle, position, member) in raw.items()
        }
    except (ValueError, TypeError, AttributeError):
        return {}


def encode(owed: dict[bytes, Owed]) -> str | None:
    """The setting's value (None: nothing owed, the setting removed)."""
    if not owed:
        return None
    return json.dumps(
        {
            o.journal_id.hex(): [o.epoch, o.handle.hex(), o.position, o.member]
            for o in sorted(owed.values(), key=_key)
        },
        sort_keys=True,
    )


def _key(owed: Owed) -> bytes:
    return owed.journal_id


def owe(value: str | None, owed: Owed) -> str | None:
    """`value` with `owed` noted (replacing an earlier grant's in the same journal: the
    latest share's boundary covers what an earlier one's would). The same grant signed again
    (a retry on a longer chain) keeps the furthest position it was signed at: it can land
    at most there, and a position only a lost attempt held must not drop it."""
    found = decode(value)
    earlier = found.get(owed.journal_id)
    if earlier is not None and earlier.handle == owed.handle and earlier.position > owed.position:
        owed = Owed(owed.journal_id, earlier.epoch, owed.handle, earlier.position, owed.member)
    found[owed.journal_id] = owed
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
    """`value` without the journal's owed boundary (with `only`: when it is still that one,
    not a note another process wrote since it was read)."""
    found = decode(value)
    if only is None or found.get(journal_id) == only:
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


def pending(owed: Owed) -> str:
    """Why a sync keeps an owed boundary it cannot seal yet: the grant is not on the chain
    the server serves (a problem of the sync, told at every sync while so)."""
    return (
        f"the share with {owed.member} is not confirmed: the access change this device signed "
        f"for it is not on the journal's access chain the server serves yet, so {owed.member} "
        "reads none of this journal; every sync checks again and finishes the share once it "
        "shows (should the share have failed here, share it again)"
    )


def finished(member: str, journal: str) -> str:
    """What a sync that sealed an owed boundary tells (`SyncReport.finished_shares`)."""
    return (
        f"the share of {journal!r} with {member} is complete: the journal's entries were "
        "sealed for them at this sync (the device that shared it stopped before it could)"
    )


def unfinished(member: str, error: object) -> str:
    """Why a sync could not seal an owed boundary (a problem of the sync: told at every
    sync until it can)."""
    return (
        f"the share with {member} is not complete: {member} reads none of this journal "
        f"until its entries are sealed for them ({error}); every sync tries again"
    )
