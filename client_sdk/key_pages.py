"""Paging through a journal's older key envelopes (/v1/journals/keys), as pure bookkeeping.

A journal list carries only the newest epochs' envelopes of a journal rotated more than a
thousand times or so (protocol.md /v1/journals/list, `keys_complete`); a device that meets a
record under an epoch it holds no key for asks the server for the missing range, a bounded
page at a time. The server is trusted for nothing here: a page must hold envelopes of the
range asked, in strictly rising epochs after those already received, and a page that is not
the last must bring at least one; the walk stops after the replies an honest server needs
for the range (`reply_bound`: one per MAX_KEY_PAGE epochs, plus two), and never follows more
than `MAX_KEY_PAGES`. So a server
that repeats a page, answers outside the range, or never says it is done ends in an
`IntegrityError`, never a loop. Every envelope is then verified like one from the journal
list (keys.unwrap_journal_key, keys.open_share_envelope): the server cannot substitute a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from client_sdk import wire
from client_sdk.errors import IntegrityError

REPLY_SLACK = 2
MAX_KEY_PAGES = 2000
"""Replies one walk follows at most: a million envelopes at the server's 500 a page (a journal rotated
every minute for two years has about one)."""


@dataclass
class KeyWalk:
    """The walk over the epochs `from_epoch..to_epoch` (inclusive) of one journal."""

    journal_id: bytes
    from_epoch: int
    to_epoch: int
    next_epoch: int = field(init=False)
    replies: int = field(default=0, init=False)
    finished: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if not 0 <= self.from_epoch <= self.to_epoch <= wire.U32:
            raise ValueError("a key walk needs 0 <= from_epoch <= to_epoch < 2**32")
        self.next_epoch = self.from_epoch

    @property
    def reply_bound(self) -> int:
        """The most replies an honest server needs for this range: each carries up to
        MAX_KEY_PAGE envelopes (at most one per epoch), plus REPLY_SLACK; at most
        MAX_KEY_PAGES."""
        epochs = self.to_epoch - self.from_epoch + 1
        return min(-(-epochs // wire.MAX_KEY_PAGE) + REPLY_SLACK, MAX_KEY_PAGES)

    def request(self) -> wire.KeyPageRequest:
        """The next request; IntegrityError once the server had `reply_bound` replies."""
        if self.finished:
            raise ValueError("the key walk is finished")
        if self.replies >= self.reply_bound:
            raise IntegrityError(
                f"the server sent {self.replies} pages of key envelopes of journal "
                f"{self.journal_id.hex()} without finishing (epochs {self.from_epoch} to "
                f"{self.to_epoch})"
            )
        return wire.KeyPageRequest(self.journal_id, self.next_epoch, self.to_epoch)

    def accept(self, page: wire.KeyPage) -> list[wire.KeyEnvelope]:
        """Check one reply to `request()`; its envelopes, unverified. Sets `finished` when the
        range is covered. Raises IntegrityError for a page outside the range asked, out of
        order, repeating an epoch already received, or empty without being the last."""
        self.replies += 1
        what = f"key envelopes of journal {self.journal_id.hex()}"
        for key in page.keys:
            if key.epoch < self.next_epoch or key.epoch > self.to_epoch:
                raise IntegrityError(
                    f"the server sent {what} for epoch {key.epoch} when asked for epochs "
                    f"{self.next_epoch} to {self.to_epoch} (a repeated page, or outside the range)"
                )
            self.next_epoch = key.epoch + 1
        if not page.done and not page.keys:
            raise IntegrityError(f"the server sent an empty page of {what} that was not the last")
        self.finished = page.done or self.next_epoch > self.to_epoch
        return list(page.keys)
