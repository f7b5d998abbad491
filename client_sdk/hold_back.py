"""The bound on what a device keeps for journals shared by owners this account has not
verified, as pure bookkeeping for one pull (protocol.md 4.11, "Shares from unverified owners
are bounded"; the I/O is `Replica._pull`).

Any account can share a journal with any username, without the member agreeing (R9B finding
6). One budget, UNVERIFIED_SHARE_BYTES, bounds the bytes kept for *all* such journals
together (R15 finding 1): a bound per journal or per owner bounds nothing, since an account
may own a thousand journals and the server can invent accounts.

That a journal's download stopped at the bound is this device's own record, never the
server's word (R15 finding 2): `announced` holds, per journal held back, the highest head a
server announced for it while it was held back. It is kept in the store (setting `SETTING`)
until the journal's cursor reaches that head; meanwhile the journal is reported held back at
every sync while its owner is unverified, and a page whose head is below it is an incomplete
pull whether the owner is verified or not (a head never goes down on an honest server).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from client_sdk import wire

UNVERIFIED_SHARE_BYTES = 512 * 1024
"""Bytes of document state (`Store.journal_bytes`) a device keeps at most for all the
journals shared with it by owners this account has not verified, together: any account can
share a journal with any username (R9B finding 6), so strangers (or accounts the server
invents) could otherwise fill the device, 2 GiB an account. 512 KiB holds hundreds of
ordinary entries, so a real therapist's or client's share reads in full before anyone
compares fingerprints; past it the pull of those journals stops (their cursors kept, nothing
skipped) until their owners are verified (`client.shares.verify`, `tj verify`)."""
SETTING = "held_back"
"""The store setting holding `announced`: JSON, journal id (hex) -> head."""


@dataclass
class HoldBack:
    """One pull's view of the bound. `announced` is read from the store and written back
    (`encode`) when it changed."""

    announced: dict[bytes, int]
    kept: int = 0
    """Bytes kept for the journals of unverified owners: their document state when the pull
    first met them (`count`), plus the ciphertext of records this pull let through."""
    counted: set[bytes] = field(default_factory=set)
    held: set[bytes] = field(default_factory=set)
    """Journals this pull asks nothing more of (the request names `after` = 2^63-1)."""

    @property
    def full(self) -> bool:
        return self.kept >= UNVERIFIED_SHARE_BYTES

    def count(self, journal_id: bytes, stored: int) -> None:
        """Add the document state a journal of an unverified owner holds, once a pull."""
        if journal_id not in self.counted:
            self.counted.add(journal_id)
            self.kept += stored

    def announce(self, journal_id: bytes, head: int) -> None:
        """A server announced `head` for a journal this device holds back."""
        self.announced[journal_id] = max(self.announced.get(journal_id, 0), head)

    def lowered(self, journal_id: bytes, head: int) -> int | None:
        """The head announced before, if `head` is below it (a head that went down)."""
        before = self.announced.get(journal_id)
        return before if before is not None and head < before else None

    def cut(self, cursor: int, page: wire.JournalPage) -> wire.JournalPage:
        """A page of a journal of an unverified owner (whose cursor on this device is
        `cursor`), cut where the bytes kept reach UNVERIFIED_SHARE_BYTES: the records up to
        and including the one that reaches it, the page's cursor at that record's `seq`
        (nothing skipped: the next pull asks from there). A cut page, or one the budget ran
        out at before its head, puts the journal in `held` and announces the page's head."""
        kept: list[wire.StoredRecord] = []
        for record in page.records:
            if self.full:
                break
            kept.append(record)
            self.kept += len(record.ciphertext)
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

    def settle(self, cursors: dict[bytes, int]) -> None:
        """Forget the journals whose cursor (`cursors`: every journal still on this device)
        reached the head announced while they were held back, and those no longer here."""
        for journal_id, head in list(self.announced.items()):
            if journal_id not in cursors or cursors[journal_id] >= head:
                del self.announced[journal_id]


def decode(value: Any) -> dict[bytes, int]:
    """`announced` from its stored form; a damaged value reads as nothing announced."""
    try:
        raw = json.loads(value) if isinstance(value, str) else {}
        return {bytes.fromhex(k): int(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    except (ValueError, TypeError):
        return {}


def encode(announced: dict[bytes, int]) -> str:
    return json.dumps({k.hex(): v for k, v in sorted(announced.items())})
