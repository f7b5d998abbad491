"""Shares whose boundary is still owed, pure (REV-S1 F1; protocol.md 4.19 "A share's
boundary owed").

A history-free share signs the new member into the chain (a new epoch, pushed) and only then
seals the journal's boundary under that epoch: a fresh snapshot of every live document and
the cut (`Replica.seal_snapshots`). Its size is checked on the very records it will seal
before anything is signed (`Replica.check_snapshots`: a refused share leaves no share,
R41 F4), but the boundary can still fail after the grant is pushed (the app stops, the
journal changed in between, a key cannot be read): the member would then be on the signed
chain and read nothing, and nothing would repair it.

So the sharing device notes, in the same store, before it signs the grant, the journal, its
epoch before the grant and the new membership's handle (random per grant,
`access.granted`): `owe`. The boundary, once sealed, clears it in the same transaction
(`settled`). A sync that finds one still noted (`Replica._finish_shares`) seals the
boundary itself when the verified chain shows that very membership current and its grant
the journal's latest cut (`due`), tells it (`finished`), or tells why not (`unfinished`),
and tries again at the next sync; a grant that never reached the chain (refused, or another
device's share since) is forgotten. Read only from this device's store and its verified
chain, never from the server's word.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from client_sdk.access import AccessState

SETTING = "owed-share-boundaries"
"""The setting holding them: JSON, journal id (hex) -> [epoch before the grant, handle (hex)]."""


@dataclass(frozen=True)
class Owed:
    """The boundary of one share this device signed (or was about to sign) and has not
    sealed yet: the journal's epoch before the grant and the membership's handle."""

    journal_id: bytes
    epoch: int
    handle: bytes


def decode(value: str | None) -> dict[bytes, Owed]:
    """journal id -> what is owed there (the latest grant this device signed in it); {} for
    nothing or a value this SDK cannot read."""
    if not value:
        return {}
    try:
        raw = json.loads(value)
        return {
            bytes.fromhex(journal): Owed(bytes.fromhex(journal), int(epoch), bytes.fromhex(handle))
            for journal, (epoch, handle) in raw.items()
        }
    except (ValueError, TypeError, AttributeError):
        return {}


def encode(owed: dict[bytes, Owed]) -> str | None:
    """The setting's value (None: nothing owed, the setting removed)."""
    if not owed:
        return None
    return json.dumps(
        {o.journal_id.hex(): [o.epoch, o.handle.hex()] for o in sorted(owed.values(), key=_key)},
        sort_keys=True,
    )


def _key(owed: Owed) -> bytes:
    return owed.journal_id


def owe(value: str | None, owed: Owed) -> str | None:
    """`value` with `owed` noted (replacing an earlier grant's in the same journal: the
    latest share's boundary covers what an earlier one's would)."""
    found = decode(value)
    found[owed.journal_id] = owed
    return encode(found)


def settled(value: str | None, journal_id: bytes) -> str | None:
    """`value` without the journal's owed boundary."""
    found = decode(value)
    found.pop(journal_id, None)
    return encode(found)


def due(owed: Owed, state: AccessState) -> bool:
    """Whether the verified chain `state` shows the owed share signed and still the one a
    boundary now seals for: the membership `owed.handle` is current, it began after
    `owed.epoch`, and the journal's latest cut is where it began. Otherwise the grant never
    reached the chain, the member is gone, or a later share (another device's) sealed its own
    boundary: nothing is owed any more."""
    first = state.first_epoch.get(owed.handle)
    return (
        owed.handle in state.members
        and first is not None
        and first > owed.epoch
        and state.cut == first
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
