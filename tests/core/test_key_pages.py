"""key_pages.KeyWalk: the checks on /v1/journals/keys replies, without I/O."""

from __future__ import annotations

import pytest

from client_sdk import wire
from client_sdk.errors import IntegrityError
from client_sdk.key_pages import MAX_KEY_PAGES, KeyWalk

JOURNAL = bytes(16)
ENVELOPE = bytes(72)


def page(*epochs: int, done: bool) -> wire.KeyPage:
    return wire.KeyPage([wire.KeyEnvelope(e, ENVELOPE) for e in epochs], done)


def test_a_walk_asks_from_the_epoch_after_the_last_received_until_done() -> None:
    walk = KeyWalk(JOURNAL, 3, 9)
    assert walk.request() == wire.KeyPageRequest(JOURNAL, 3, 9)
    assert [k.epoch for k in walk.accept(page(3, 4, 6, done=False))] == [3, 4, 6]
    assert walk.request() == wire.KeyPageRequest(JOURNAL, 7, 9)
    walk.accept(page(9, done=True))
    assert walk.finished


def test_a_walk_that_covered_its_range_is_finished_whatever_the_server_says() -> None:
    walk = KeyWalk(JOURNAL, 0, 1)
    walk.accept(page(0, 1, done=False))
    assert walk.finished


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (page(2, 3, done=False), "a repeated page"),  # epoch 3 again after 2, 3
        (page(1, done=True), "outside the range"),
        (page(10, done=True), "outside the range"),
        (page(5, 4, done=True), "outside the range"),  # out of order
        (page(done=False), "was not the last"),
    ],
)
def test_a_lying_page_is_refused(reply: wire.KeyPage, reason: str) -> None:
    walk = KeyWalk(JOURNAL, 2, 9)
    walk.accept(page(2, 3, done=False))
    with pytest.raises(IntegrityError, match=reason):
        walk.accept(reply)


def test_a_server_that_trickles_one_envelope_a_page_is_stopped_after_max_key_pages() -> None:
    walk = KeyWalk(JOURNAL, 0, wire.U32)
    for epoch in range(MAX_KEY_PAGES):
        walk.request()
        walk.accept(page(epoch, done=False))
    with pytest.raises(IntegrityError, match="without finishing"):
        walk.request()


def test_a_server_that_trickles_envelopes_over_a_short_range_is_stopped_at_its_honest_bound() -> (
    None
):
    """1,000 epochs need at most 2 honest replies of 500, plus the slack of 2: a server
    sending one envelope a reply is stopped at the fourth, not after 2,000 requests."""
    walk = KeyWalk(JOURNAL, 0, 999)
    assert walk.reply_bound == 4
    for epoch in range(4):
        walk.request()
        walk.accept(page(epoch, done=False))
    with pytest.raises(IntegrityError, match="without finishing"):
        walk.request()


def test_an_honest_server_filling_each_reply_finishes_within_the_bound() -> None:
    walk = KeyWalk(JOURNAL, 0, 1499)
    for first in range(0, 1500, 500):
        walk.request()
        walk.accept(page(*range(first, first + 500), done=first == 1000))
    assert walk.finished and walk.replies == 3 <= walk.reply_bound
