"""Journals whose read-only copy the member discarded from this device
(`client.shares.forget`), as pure bookkeeping: the store keeps a tag of each, never its id.

A discarded copy must stay discarded: the server no longer serves an ended share, but a
hostile one could list the journal again, replaying a journal list from when the share was
active (an older prefix of the owner-signed access chain, with the key envelopes sealed for
this account then). The device then has no chain left to find the rollback against, so it
would take the journal, its keys and its records back. The journal list is therefore read
without the journals this device forgot (`Replica.refresh_journals`), whatever the server
says about them, with one exception: the owner shared the journal with this account AGAIN
after the forget (NU20 C1: a client re-sharing a journal or an `--only` copy, which keeps its
id, must reach the therapist). That is read from owner-signed chain data alone, verified on
this device (`shared_again`): the forget keeps a `Mark` of the chain it had verified (its
length and head hash), and the journal is taken back only when the chain the server now
serves verifies from its start with the owner's pinned key (page by page as it arrives,
stopping at the first page that fails: `Walk`), holds exactly that chain as its
prefix, and, after it, an entry the owner signed that grants this account a membership (or
renews the one it held) that is current now. A replay of the old journal list or chain (as
long as, or shorter than, the mark), another history, or new entries that grant nothing to
this account leave it forgotten. The sync that takes it back tells so
(departures.RETURNED).

The tag is BLAKE2b-256 (libsodium) of the journal id in a frame of its own, so that a
search of the store file for the journal's id finds nothing once its copy is discarded.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from client_sdk import access, crypto
from client_sdk.errors import ChainUpdateNeeded, IntegrityError
from client_sdk.models import read_json

SETTING = "forgotten_journals"
"""The store setting holding the tags: JSON, a sorted list of hex strings."""

LEFT = "left_journals"
"""The store setting holding the tags (`tag`, same encoding) of the journals this account
left *on this device* (`client.shares.leave`): the user's own word that the membership
ended, which the owner's chain does not say until the owner's next change of members, and
which lets `client.shares.forget` discard the copy. It stands for the membership this account
held when it left: removed when the copy is forgotten, and when the owner-signed chain this
device verifies grants the account a new membership of the journal (shared again, NU23 C6),
whose end is then told as any other's."""


DELETED = "deleted_journals"
"""The store setting holding the tags of the journals this account owned and deleted on this
device (same encoding; each `Replica.counters_tag`, keyed with the account's secrets, so the
store file alone does not tell which journal: R38 G1), so that one a server lists again (it
did not carry the deletion out) is never taken back, whatever chain it serves, nor told as a
new journal; its deletion is asked again (`Replica._without_deleted`: REV-NEWS N2, REV-FINAL
F2)."""

DELETE_ASKED = "deleted_journals_asked"
"""The store setting holding the tags (same encoding as DELETED) of the journals deleted on
this device whose deletion it asked of the server (or that the server never acknowledged
creating: a pending creation): one a server lists again (it did not carry the deletion out,
or a backup was restored) is asked to be deleted again (`Replica._without_deleted`). Not the
read-only copies discarded while no journal list named them (DISCARDED): nothing was asked
for those (REV-DEL D2)."""

DISCARDED = "discarded_own_journals"
"""The store setting holding, per tag (`Replica.counters_tag`, hex, as DELETED), the `Mark`
of the chain this device had verified of one of this account's journals whose read-only copy
it discarded while no journal list named it (a copy kept "no longer on the server": deleted
on another device, or withheld). No deletion was asked of the server, so the journal may
still exist: listed again, it is taken back only when the chain the server serves verifies
from its start and continues that mark (`Walk.continued`), never at an older prefix (from
before a member was removed: REV-FINAL F2, REV-DEL D2). JSON as MARKS."""

RETURNED = "returned_journals"
"""The store setting holding the tags (`tag`, same encoding) of the journals whose copy was
discarded on this device and that their owner shared with this account again since (taken
back: `shared_again`): this device then holds nothing of the earlier share because the user
discarded it, not because it was added after that share ended, which is what it tells of
the flags of that share whose acknowledgement it does not hold (NU24 C5). Removed when the
copy is forgotten again."""


ENDED_UNDER = "ended_under"
"""The store setting holding, per tag (`tag`), the membership this device knew this account
held when the journal's share ended here (its copy turned read-only: left, unshared, end date,
no longer listed), from the verified chain: JSON {tag: [handle hex, signed end date ms (0
none)]}. Removed when the journal turns readable again or its copy is forgotten. What "shared
again" and a leave are decided against (R40 F4, F7): the membership the device last acted
on, not the chain's state at the start of one refresh, which a listing with a chain longer
than served can advance without the journal turning readable."""


def decode_ended(value: Any) -> dict[str, tuple[bytes, int]]:
    """The memberships kept (`ENDED_UNDER`); a damaged value, or entry, reads as none."""
    raw = read_json(value, {})
    found = {}
    for key, item in raw.items() if isinstance(raw, dict) else []:
        try:
            handle, expires = item
            found[str(key)] = (bytes.fromhex(handle), int(expires))
        except (TypeError, ValueError):
            continue
    return found


def encode_ended(ended: dict[str, tuple[bytes, int]]) -> str:
    return json.dumps({k: [h.hex(), at] for k, (h, at) in sorted(ended.items())})


MARKS = "forgotten_marks"
"""The store setting holding, per tag, the `Mark` of the chain verified when the copy was
forgotten: JSON {tag: [length, head hex]}. A tag without a mark (a forget made before marks,
or of a journal whose chain this device never verified) is never taken back."""


@dataclass(frozen=True)
class Mark:
    """The owner-signed access chain a device had verified when it forgot the copy: its
    `length` (entries) and `head` (the hash of its last entry, access.py). `checked`: the
    longest chain served since that verified whole, from the mark on, without granting this
    account anything (0: none): a listing no longer than it is not fetched again, since only
    the owner's next entries could change the answer (R28 F2)."""

    length: int
    head: bytes
    checked: int = 0


def mark_of(state: access.AccessState) -> Mark:
    return Mark(state.length, state.head)


def decode_marks(value: Any) -> dict[str, Mark]:
    """The marks kept (`MARKS`); a damaged value, or entry, reads as none."""
    raw = read_json(value, {})
    marks = {}
    for key, item in raw.items() if isinstance(raw, dict) else []:
        try:
            length, head, *rest = item
            checked = rest[0] if rest else 0
            if (
                isinstance(length, int)
                and length > 0
                and isinstance(head, str)
                and isinstance(checked, int)
                and len(rest) <= 1
            ):
                marks[key] = Mark(length, bytes.fromhex(head), max(checked, 0))
        except (TypeError, ValueError):
            continue
    return marks


def encode_marks(marks: dict[str, Mark]) -> str:
    return json.dumps(
        {
            k: [m.length, m.head.hex(), m.checked] if m.checked else [m.length, m.head.hex()]
            for k, m in sorted(marks.items())
        }
    )


class Walk:
    """A forgotten journal's chain, verified page by page as the server serves it from its
    start (R28 F2: a server listing the journal with a long chain of junk gets one page
    fetched, never the whole listing): its first `mark.length` entries must verify with the
    owner's key and end in `mark.head`, and every later entry must continue it. `feed` takes
    the next page and returns False at the first page that fails (the walk stops there);
    `result` is `shared_again`'s answer on what was fed."""

    def __init__(
        self,
        reader: access.Reader,
        journal_id: bytes,
        owner_id: bytes,
        owner_sign_public_key: bytes,
        mark: Mark,
    ) -> None:
        self._reader = reader
        self._journal_id = journal_id
        self._owner_id = owner_id
        self._key = owner_sign_public_key
        self._mark = mark
        self._before: access.AccessState | None = None
        self.state: access.AccessState | None = None
        self.entries: list[bytes] = []  # verified only
        self._later: list[access.Entry] = []
        self.failed = False

    @property
    def length(self) -> int:
        """Entries verified so far."""
        return len(self.entries)

    def feed(self, page: list[bytes]) -> bool:
        if self.failed:
            return False
        try:
            head = page[: max(self._mark.length - self.length, 0)]
            if head:
                self.state = self._verify(head)
                if self.length == self._mark.length:
                    if self.state.head != self._mark.head:
                        raise IntegrityError("another history than the one forgotten")
                    self._before = self.state
            tail = page[len(head) :]
            if tail:
                self._later += [access.parse_entry(r, self._journal_id, self._key) for r in tail]
                self.state = self._verify(tail)
        except (IntegrityError, ChainUpdateNeeded):  # RollbackError too; a newer version:
            self.failed = True  # it stays forgotten until an updated app reads it
            return False
        return True

    def _verify(self, entries: list[bytes]) -> access.AccessState:
        state = access.verify(
            self.state, self._reader, self._journal_id, self._owner_id, self._key, entries
        )
        self.entries += entries
        return state

    def continued(self) -> access.AccessState | None:
        """The verified state when what was fed reaches the mark, ends there in its head and
        continues it (as long, or longer), every entry verified; None otherwise: one of this
        account's own journals whose copy was discarded (DISCARDED), listed again."""
        if self.failed or self._before is None:
            return None
        return self.state

    def result(self, now: int) -> access.AccessState | None:
        """The verified state if what was fed shares the journal with this account again
        (`shared_again`), else None."""
        after, before = self.state, self._before
        if self.failed or after is None or before is None or self.length <= self._mark.length:
            return None
        terms = after.current_terms(self._reader.account_id, now)
        if terms is None:
            return None
        mine = [e.kind for e in self._later if e.payload.get("member") == terms.handle]
        held = before.members.get(terms.handle)
        renewed = access.CHANGED in mine and (held is None or held.ended(now))
        return after if access.GRANTED in mine or renewed else None


def shared_again(
    reader: access.Reader,
    journal_id: bytes,
    owner_id: bytes,
    owner_sign_public_key: bytes,
    mark: Mark,
    entries: list[bytes],
    now: int,
) -> access.AccessState | None:
    """The verified state of a forgotten journal's chain `entries` (served from its start)
    if the owner shared it with this account (`reader`) again after the forget: the chain
    verifies with the owner's key, its first `mark.length` entries end in `mark.head` (the
    chain the device had), and an entry after them, signed by the owner, grants this
    account's current membership (`granted`), or renews one whose end date had passed at the
    mark (`changed`; a mere change of terms of a membership still in force at the mark, as
    one this account left, does not count), that membership being in force at `now` (ms, UTC; its end date not passed, the current epoch's key sealed to
    it). None otherwise (a replay, another history, nothing granted since), never raises."""
    walk = Walk(reader, journal_id, owner_id, owner_sign_public_key, mark)
    walk.feed(entries)
    return walk.result(now)


LEFT_AT = "left_journals_at"
"""The store setting holding when this account left each journal *on this device*
(`client.shares.leave`): JSON {tag: ms UTC}, for words only ("left 2026-12-06 00:02": the
device's own record, which no owner signed); read only while the tag is in LEFT."""


def decode_left_at(value: Any) -> dict[str, int]:
    """The times kept (`LEFT_AT`); a damaged value, or entry, reads as none."""
    raw = read_json(value, {})
    if not isinstance(raw, dict):
        return {}
    return {
        k: v
        for k, v in raw.items()
        if isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v > 0
    }


def encode_left_at(times: dict[str, int]) -> str:
    return json.dumps(dict(sorted(times.items())))


@functools.lru_cache(maxsize=4096)
def tag(journal_id: bytes) -> str:
    """What the store keeps of a forgotten journal (hex). Kept for the last 4,096 ids (a
    journal list read before every push tags every journal listed, issue 10)."""
    return crypto.hash32(crypto.frame(b"tj forgotten journal", journal_id)).hex()


def decode(value: Any) -> set[str]:
    """The tags kept (`SETTING`); a damaged value reads as none."""
    raw = read_json(value, [])
    return {t for t in raw if isinstance(t, str)} if isinstance(raw, list) else set()


def encode(tags: set[str]) -> str:
    return json.dumps(sorted(tags))
