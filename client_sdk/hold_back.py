"""The bound on what a device downloads and keeps for journals shared by owners this account
has not verified, as pure bookkeeping for one pull (protocol.md 4.11, "Shares from unverified
owners are bounded"; the I/O is `Replica._pull`).

Any account can share a journal with any username, without the member agreeing (R9B finding
6). One budget, UNVERIFIED_SHARE_BYTES, bounds the bytes received for *all* such journals
together (R15 finding 1): a bound per journal or per owner bounds nothing, since an account
may own a thousand journals and the server can invent accounts.

The budget counts the ciphertext a device *received* for those journals, over every pull
(`downloaded`, kept in the store), whether their records were kept or not (a record whose
payload inflates to more than its ciphertext, a compressed one, counts its payload: rev-zip
Z1): records sealed
before the member's share (no key opens them, by design) and refused records take bandwidth
too (R15 finding O2: counting only the document state kept let each sync download another
512 KiB of a journal whose history the member never keeps). What is kept is part of what
was received, so storage is bounded too.

That a journal's download stopped at the bound is this device's own record, never the
server's word (R15 finding 2): `announced` holds, per journal held back, the highest head a
server announced for it while it was held back. It is kept in the store (setting `SETTING`)
until the journal's cursor reaches that head; meanwhile the journal is reported held back at
every sync while its owner is unverified, and a page whose head is below it is an incomplete
pull whether the owner is verified or not (a head never goes down on an honest server).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from client_sdk import wire
from client_sdk.models import and_words, quoted_name, read_json

UNVERIFIED_SHARE_BYTES = 512 * 1024
"""Bytes of ciphertext a device lets through at most (so keeps at most) for all the journals
shared with it by owners this account has not verified, together, over all its syncs (what
crosses the network can be more: protocol.md 4.11): any
account can share a journal with any username (R9B finding 6), so strangers (or accounts the
server invents) could otherwise fill the device, 2 GiB an account, or make it download that
much. 512 KiB holds hundreds of ordinary entries, so a real therapist's or client's share
reads in full before anyone compares fingerprints; past it the pull of those journals stops
(their cursors kept, nothing skipped) until their owners are verified
(`client.shares.verify`, `tj verify`)."""
SETTING = "held_back"
"""The store setting holding `announced` and `downloaded`: JSON, {"announced": {journal id
(hex): head}, "downloaded": {journal id (hex): bytes}} (before R15 finding O2: `announced`
alone, which still reads)."""


@dataclass
class HoldBack:
    """One pull's view of the bound. `announced` is read from the store and written back
    (`encode`) when it changed."""

    announced: dict[bytes, int]
    downloaded: dict[bytes, int] = field(default_factory=dict)
    """Per journal of an unverified owner, the ciphertext bytes this device received for it,
    kept or not, over every pull (at least its document state: `count`)."""
    kept: int = 0
    """Bytes counted against the budget in this pull: `downloaded` of each journal of an
    unverified owner on the device (`count`: those pulled when the pull first meets them,
    the copies of ended shares before its first request), plus the ciphertext of records
    this pull let through."""
    counted: set[bytes] = field(default_factory=set)
    held: set[bytes] = field(default_factory=set)
    """Journals this pull asks nothing more of (the request names `after` = 2^63-1)."""
    read: dict[bytes, int] = field(default_factory=dict)
    """`downloaded` as read from the store when the pull started (`decode`)."""
    added: dict[bytes, int] = field(default_factory=dict)
    """Per journal, the ciphertext bytes this pull itself let through (`cut`): what `merge`
    adds to the stored count, whatever another client of this profile stored meanwhile."""

    @property
    def empty(self) -> bool:
        """Nothing announced nor downloaded (so nothing `added`): `merge` with a store that
        holds nothing gives nothing, as `encode(HoldBack({}))`."""
        return not self.announced and not self.downloaded

    @property
    def full(self) -> bool:
        return self.kept >= UNVERIFIED_SHARE_BYTES

    def count(self, journal_id: bytes, stored: int) -> None:
        """Add what was received for a journal of an unverified owner, once a pull: its
        `downloaded` bytes, or `stored`, the document state the device holds for it
        (`Store.journal_bytes`), if more (a journal kept before `downloaded` was)."""
        if journal_id not in self.counted:
            self.counted.add(journal_id)
            received = max(self.downloaded.get(journal_id, 0), stored)
            self.downloaded[journal_id] = received
            self.kept += received

    def announce(self, journal_id: bytes, head: int) -> None:
        """A server announced `head` for a journal this device holds back."""
        self.announced[journal_id] = max(self.announced.get(journal_id, 0), head)

    def lowered(self, journal_id: bytes, head: int) -> int | None:
        """The head announced before, if `head` is below it (a head that went down)."""
        before = self.announced.get(journal_id)
        return before if before is not None and head < before else None

    def within(self, page: wire.JournalPage) -> list[wire.StoredRecord]:
        """The records of `page` that `cut` may let through, counting their ciphertext only
        (counting their payloads too lets through these or fewer): those whose payloads
        `cut` needs to know (`Replica._pull_pages` opens them first)."""
        kept, room = [], UNVERIFIED_SHARE_BYTES - self.kept
        for record in page.records:
            if room <= 0:
                break
            kept.append(record)
            room -= len(record.ciphertext)
        return kept

    def cut(
        self,
        cursor: int,
        page: wire.JournalPage,
        payloads: Mapping[bytes, int] | None = None,
    ) -> wire.JournalPage:
        """A page of a journal of an unverified owner (whose cursor on this device is
        `cursor`), cut where the bytes kept reach UNVERIFIED_SHARE_BYTES: the records up to
        and including the one that reaches it, the page's cursor at that record's `seq`
        (nothing skipped: the next pull asks from there). A cut page, or one the budget ran
        out at before its head, puts the journal in `held` and announces the page's head.

        Each record counts its ciphertext, or its payload as opened, if more (`payloads`:
        record id -> bytes of its payload, inflated; records that did not open are absent):
        a compressed payload is kept inflated, up to 8 times its ciphertext (rev-zip Z1)."""
        known = payloads or {}
        kept: list[wire.StoredRecord] = []
        for record in page.records:
            if self.full:
                break
            kept.append(record)
            size = max(len(record.ciphertext), known.get(record.record_id, 0))
            self.kept += size
            self.downloaded[page.journal_id] = self.downloaded.get(page.journal_id, 0) + size
            self.added[page.journal_id] = self.added.get(page.journal_id, 0) + size
        if len(kept) == len(page.records):
            if self.full and page.cursor < page.head:
                self.hold(page.journal_id, page.head)
            return page
        self.hold(page.journal_id, page.head)
        last = kept[-1].seq if kept else cursor
        return replace(page, records=kept, cursor=max(last, cursor))

    def hold(self, journal_id: bytes, head: int) -> None:
        self.held.add(journal_id)
        self.announce(journal_id, head)

    def forget(self, journal_id: bytes) -> None:
        """The member discarded the copy of this journal from the device
        (`client.shares.forget`): what was downloaded for it no longer sits on the device, so
        it no longer counts, and nothing is announced for it any more."""
        self.announced.pop(journal_id, None)
        self.downloaded.pop(journal_id, None)
        self.counted.discard(journal_id)
        self.held.discard(journal_id)

    def merge(self, value: Any, cursors: dict[bytes, int], verified: set[bytes]) -> str:
        """The stored form (`encode`) of this pull's bookkeeping merged with `value`, the one
        stored when the pull ends (read in the transaction that writes the result, `Store.
        merge_setting`): another client of this profile (another process) may have pulled
        meanwhile, and what it counted must not be lost (R18 finding 1).

        - `downloaded`: per journal, the larger of the stored count and this pull's count
          before its own increments, plus those increments (`added`): overlapping pulls add
          up, each counted once.
        - `announced`: per journal, the higher head of the two.
        - Then what is settled is forgotten, against `cursors` (every journal on the
          device, with its cursor, read in that transaction): a head once the journal is
          gone or its cursor reached the head; a count once the journal is gone, or once its
          owner is verified (`verified`: journal ids) and no other client changed the count
          since this pull read it (else it is kept, and the next pull forgets it: a count
          that bounds a stranger is never dropped on a view older than the store's). A share
          that ended leaves its copy on the device, in `cursors`, so what was downloaded for
          it still counts: else a stranger could share a journal, revoke it once the budget
          is spent, share another, and so on (R15 review, the revoked-journal hole)."""
        stored = decode(value)
        announced: dict[bytes, int] = {}
        for journal_id in stored.announced.keys() | self.announced.keys():
            head = max(stored.announced.get(journal_id, 0), self.announced.get(journal_id, 0))
            if journal_id in cursors and cursors[journal_id] < head:
                announced[journal_id] = head
        downloaded: dict[bytes, int] = {}
        for journal_id in stored.downloaded.keys() | self.downloaded.keys():
            added = self.added.get(journal_id, 0)
            own = self.downloaded.get(journal_id, 0) - added
            count = max(stored.downloaded.get(journal_id, 0), own) + added
            untouched = stored.downloaded.get(journal_id) == self.read.get(journal_id)
            if journal_id not in cursors or (journal_id in verified and untouched):
                continue
            downloaded[journal_id] = count
        return encode(HoldBack(announced, downloaded))


def deferred(announced: dict[bytes, int], held: Iterable[bytes]) -> dict[bytes, int]:
    """Of the journals `held` back in a pull, those with a head announced while held back,
    with that head: what the withholding check defers (`Replica._check_withheld`)."""
    return {j: announced[j] for j in held if j in announced}


def decode(value: Any) -> HoldBack:
    """The bookkeeping kept between pulls, from its stored form (`SETTING`); a damaged value
    reads as nothing announced nor downloaded."""
    raw = read_json(value, None)
    if not isinstance(raw, dict):
        return HoldBack({})
    if "announced" not in raw:  # the form before R15 finding O2: `announced` alone
        return HoldBack(_by_journal(raw))
    downloaded = _by_journal(raw.get("downloaded"))
    return HoldBack(_by_journal(raw.get("announced")), downloaded, read=dict(downloaded))


def _by_journal(raw: Any) -> dict[bytes, int]:
    try:
        return {bytes.fromhex(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    except (ValueError, TypeError):
        return {}


def encode(hold: HoldBack) -> str:
    """What `decode` reads back: `announced` and `downloaded`."""
    return json.dumps(
        {
            "announced": {k.hex(): v for k, v in sorted(hold.announced.items())},
            "downloaded": {k.hex(): v for k, v in sorted(hold.downloaded.items())},
        }
    )


@dataclass(frozen=True)
class HeldBack:
    """A journal shared by an owner this account has not verified whose download stopped at
    UNVERIFIED_SHARE_BYTES (`SyncReport.held_back`): `journal` its name, `journal_id`, and
    `owner` (their username, or the start of their account id when unknown). Verifying the
    owner (`client.shares.verify(owner, fingerprint)`, after comparing fingerprints in
    person) lets the next sync download the rest. `str()` is `line()`."""

    journal: str
    journal_id: bytes
    owner: str

    def line(self, *, verify: str = "") -> str:
        """What to tell the user, in words that name no app's commands: "journal 'Personal'
        is shared by ana, whose fingerprint this account has not verified: this device
        stopped downloading it at the 512 KiB it downloads for all owners not verified. If
        you know ana, compare fingerprints in person and verify theirs; the next sync
        downloads the rest". `verify`: how the app verifies them, in its own words (the CLI:
        "`tj verify ana FINGERPRINT`"), said as "compare fingerprints and run <verify>"."""
        how = f"and run {verify}" if verify else "in person and verify theirs"
        return (
            f"journal {quoted_name(self.journal)} is shared by {self.owner}, whose fingerprint this "
            f"account has not verified: this device stopped downloading it at the "
            f"{UNVERIFIED_SHARE_BYTES // 1024} KiB it downloads for all owners not verified. "
            f"If you know {self.owner}, compare fingerprints {how}; the next sync downloads "
            "the rest"
        )

    def __str__(self) -> str:
        return self.line()

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: ids as hex."""
        return {"journal": self.journal, "journal_id": self.journal_id.hex(), "owner": self.owner}


NAMED_OWNERS = 6
"""`grouped_line` names this many owners, and counts the others ("and 24 more")."""


def grouped_line(held: Sequence[HeldBack], *, verify: str = "") -> str:
    """One sentence for every journal held back (`SyncReport.held_back`, NU47 #3: a notice
    each, 52 of them at every sync, flooded a therapist's): one journal as `HeldBack.line`
    says it; several as "not downloading all of 52 journals of 30 people whose fingerprints
    this account has not verified (ana, ana-b, ana.b, anna, ben, carla and 24 more): this
    device stopped at the 512 KiB it downloads for all owners not verified. If you know
    them, compare fingerprints in person and verify theirs; the next sync downloads the
    rest". `verify`: how the app verifies one, in its own words (the CLI: "`tj verify NAME
    FINGERPRINT` ..."), said as "compare fingerprints and run <verify>". Pure."""
    if len(held) == 1:
        return held[0].line(verify=verify)
    owners = sorted({h.owner for h in held})
    how = f"and run {verify}" if verify else "in person and verify theirs"
    stopped = (
        f"this device stopped at the {UNVERIFIED_SHARE_BYTES // 1024} KiB it downloads for all "
        "owners not verified"
    )
    if len(owners) == 1:
        return (
            f"not downloading all of {len(held)} journals shared by {owners[0]}, whose "
            f"fingerprint this account has not verified: {stopped}. If you know {owners[0]}, "
            f"compare fingerprints {how}; the next sync downloads the rest"
        )
    if len(owners) <= NAMED_OWNERS + 1:  # never "and 1 more"
        names = and_words(owners)
    else:
        names = f"{', '.join(owners[:NAMED_OWNERS])} and {len(owners) - NAMED_OWNERS} more"
    return (
        f"not downloading all of {len(held)} journals of {len(owners)} people whose "
        f"fingerprints this account has not verified ({names}): {stopped}. If you know them, "
        f"compare fingerprints {how}; the next sync downloads the rest"
    )
