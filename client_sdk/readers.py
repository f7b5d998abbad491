"""Who reads a journal besides its owner, by its verified, owner-signed access chain
(`access.AccessState`), never a server answer: the one rule behind every answer the SDK
gives about it (`client.journals.readers`, `client.journals.set_default`'s refusals, an
import's summary and its question, `tj write --draft`'s words). Pure: no I/O, no clock
(callers pass `now`, and `viewer`: the account whose device asks).

A member whose signed end date passed (`access.Member.ended`) stays in the chain, and holds
the keys of every epoch sealed to it, until a device of the owner ends the share (an
`ended` entry and a new key: `Replica.rotate_expired`, which every sync and push runs
first). So there are two answers, and each caller says which it asks (`ended`):

- what is written NEXT (`ended=False`): on a device of the journal's owner, a record is
  pushed only under the current epoch of its journal's verified chain, whose key no ended or
  removed member holds (the push ends the share and rotates the key first, or keeps the
  record in the outbox: `Replica.unsafe_epoch`), so a member past their end date receives it
  only if the owner renews their share on another device, which this device has not seen
  yet, as for any share made elsewhere since (no device can prove from a server answer that
  a chain has no newer entries): they do not count. A member's device (`viewer` is not the
  owner) can neither end the share nor rotate the key, and its push is not held: what it
  writes next is sealed under the current epoch of the chain it verified, so a member past
  their end date whose copy of that epoch's key the owner sealed (no rotation since, as far
  as this device has verified) receives it and counts, until this device sees the owner's
  rotation (fail closed: rev29b F1);
- what the journal holds already (`ended=True`): that member may have read it, and holds
  its keys: they count.

A membership a `removed` or `ended` entry closed whose copy of the CURRENT epoch's key the
owner sealed (`AccessState.former_holders`: the `rotated` entry signed with that entry not
verified here, which a server can withhold) counts in both, on every device, marked `ended`:
it holds the key of what is sealed next under that epoch, member or not (rev29c F1). An
owner's device keeps such records in the outbox (`Replica.unsafe_epoch`) and rotates the key
itself (`Replica.rotate_expired`); a member's device cannot.

A field-level share (`limited`) counts in both until its owner signs its end
(`access.field_shares_in_force`: a date passed in its copy's chain ends nothing, as a server
can withhold the owner's renewal from that chain)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from client_sdk.access import AccessState, Member, field_shares_in_force
from client_sdk.models import json_time, to_datetime

FIELDS = "fields"
"""`JournalReader.role` of an account that reads some fields of the journal through a copy
kept for them (a field-level share): no member of the journal itself."""

UNKNOWN_READER = "an account"
"""`JournalReader.username` of a reader this device cannot name: another member, or a
field-level share, seen from a member's device (members do not learn each other,
protocol.md 4.13)."""


@dataclass(frozen=True)
class JournalReader:
    """One account, other than the journal's owner, that reads a journal, by its access
    chain verified on this device. `account_id`: the account's id (hex), "" when this
    device cannot tell which account (`username` is then "an account": another member, or
    a field-level share, seen from a member's device). `username`: as the owner signed it
    when sharing. `role`: "read" or "annotate" for a member of the journal, "fields" for an
    account that reads some of its fields through a copy kept for them (a field-level
    share). `expires_at`: the end date the owner signed for the membership (UTC), None for
    none and for a field-level share (its terms are its copy's). `ended`: a member whose
    signed end date has passed, who still holds the keys of what the journal held until a
    device of the owner ends the share (only in an answer that counts them: `ended=True`, or
    what a member's device writes next under a key they hold), or whose share a `removed` or
    `ended` entry closed while this device has verified no new key since (the current
    epoch's key was sealed to them: they count in both answers)."""

    account_id: str
    username: str
    role: str
    expires_at: datetime | None = None
    ended: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields: "account_id" hex ("" when not known),
        "expires_at" ISO 8601 in UTC (`models.json_time`) or null."""
        return {
            "account_id": self.account_id,
            "username": self.username,
            "role": self.role,
            "expires_at": None if self.expires_at is None else json_time(self.expires_at),
            "ended": self.ended,
        }


def journal_readers(
    state: AccessState | None, now: int, *, ended: bool, viewer: bytes
) -> list[JournalReader]:
    """The accounts other than the owner that a journal's verified access chain (`state`;
    None: none held here, so none) says read it at `now` (ms, UTC), as seen from a device of
    the account `viewer` (account id): its members, those whose signed end date passed by
    `now` only when `ended` (see the module's docstring: True for who holds what it holds,
    False for who receives what is written next) or, when `viewer` is not the owner, when
    the current epoch's key was sealed to them (no device of `viewer` can end the share or
    rotate the key first: what it writes next reaches them), the accounts whose share was
    closed while the current epoch's key was sealed to them, in both answers
    (`AccessState.former_holders`, marked `ended`), and the accounts
    of its field-level shares in force (`access.field_shares_in_force`, whatever `ended`).
    One per account (a member that also has a field-level share: as the member); readers
    this device cannot name (`UNKNOWN_READER`) each once by their handle. Sorted by
    username, then account id. Pure."""
    if state is None:
        return []
    found: dict[bytes, JournalReader] = {}
    for member in state.members.values():
        gone = member.ended(now)
        if gone and not ended and not _holds_next(state, member.handle, viewer):
            continue
        key = member.who.account_id if member.who is not None else member.handle
        if key == state.owner_id:
            continue
        found[key] = _member_reader(member, ended=gone)
    for member in state.former_holders().values():
        key = member.who.account_id if member.who is not None else member.handle
        if key == state.owner_id or key in found:
            continue
        found[key] = _member_reader(member, ended=True)
    for share in field_shares_in_force(state):
        key = share.who.account_id if share.who is not None else share.handle
        if key == state.owner_id or key in found:
            continue
        found[key] = JournalReader(
            account_id=share.who.account_id.hex() if share.who is not None else "",
            username=share.who.username if share.who is not None else UNKNOWN_READER,
            role=FIELDS,
        )
    return sorted(found.values(), key=lambda r: (r.username, r.account_id))


def _member_reader(member: Member, *, ended: bool) -> JournalReader:
    """A membership of the verified chain as a `JournalReader` (`ended` as judged by the
    caller)."""
    return JournalReader(
        account_id=member.who.account_id.hex() if member.who is not None else "",
        username=member.who.username if member.who is not None else UNKNOWN_READER,
        role=member.role,
        expires_at=to_datetime(member.expires_at) if member.expires_at else None,
        ended=ended,
    )


def _holds_next(state: AccessState, handle: bytes, viewer: bytes) -> bool:
    """Whether a member (`handle`) whose end date passed receives what a device of `viewer`
    writes next in the journal of `state`: never on the owner's devices (a push ends the
    share and rotates the key first), else when the owner sealed the current epoch's key
    to it (the epoch a member's device seals under). Pure."""
    return viewer != state.owner_id and handle in state.sealed_to.get(state.epoch, frozenset())


def reader_names(readers: Iterable[JournalReader], *, besides: str = "") -> list[str]:
    """The usernames of `readers`, sorted, each once ("an account" once for any number this
    device cannot name), leaving out the account `besides` (hex id: this account, on a
    member's device). Pure."""
    return sorted({r.username for r in readers if not besides or r.account_id != besides})
