"""`HoldBack.merge`: a pull's bookkeeping of the unverified-owner budget merged with what
another client of the same profile stored meanwhile (R18 finding 1). Pure: no I/O."""

from __future__ import annotations

from client_sdk import hold_back
from client_sdk.hold_back import HoldBack

A, B, C = b"a" * 16, b"b" * 16, b"c" * 16


def stored(announced: dict[bytes, int], downloaded: dict[bytes, int]) -> str:
    return hold_back.encode(HoldBack(announced, downloaded))


def test_concurrent_increments_add_up_and_heads_take_the_higher() -> None:
    hold = hold_back.decode(stored({A: 10}, {A: 100}))  # what this pull read at its start
    hold.count(A, 0)
    hold.added[A] = 50  # this pull let 50 bytes through (`cut`)
    hold.downloaded[A] += 50
    hold.announce(A, 12)
    # Meanwhile another client counted 70 more of A, and learned B.
    merged = hold_back.decode(
        hold.merge(stored({A: 15, B: 9}, {A: 170, B: 30}), {A: 5, B: 0}, set())
    )
    assert merged.downloaded == {A: 220, B: 30}
    assert merged.announced == {A: 15, B: 9}


def test_what_this_pull_read_is_not_counted_twice() -> None:
    hold = hold_back.decode(stored({}, {A: 100}))
    hold.count(A, 0)
    merged = hold_back.decode(hold.merge(stored({}, {A: 100}), {A: 0}, set()))
    assert merged.downloaded == {A: 100}


def test_a_head_is_forgotten_only_once_the_stored_cursor_reached_the_higher_head() -> None:
    hold = hold_back.decode(stored({A: 10, B: 10, C: 10}, {}))
    # Another client announced a higher head for A; C's journal is gone from the device.
    merged = hold_back.decode(hold.merge(stored({A: 20, B: 10, C: 10}, {}), {A: 10, B: 10}, set()))
    assert merged.announced == {A: 20}


def test_a_count_another_client_raised_is_kept_even_if_this_pull_saw_the_owner_verified() -> None:
    hold = hold_back.decode(stored({}, {A: 100, B: 100}))
    merged = hold_back.decode(
        hold.merge(stored({}, {A: 100, B: 160, C: 40}), {A: 0, B: 0, C: 0}, {A, B, C})
    )
    # A: untouched since this pull read it, owner verified: forgotten. B and C: counted by
    # another client meanwhile: kept until a pull that sees them as they are forgets them.
    assert merged.downloaded == {B: 160, C: 40}
    again = hold_back.decode(stored({}, merged.downloaded))
    assert hold_back.decode(again.merge(stored({}, merged.downloaded), {B: 0, C: 0}, {B, C})) == (
        HoldBack({}, {})
    )


def test_a_count_of_a_journal_gone_from_the_device_is_forgotten() -> None:
    hold = hold_back.decode(stored({}, {A: 100}))
    merged = hold_back.decode(hold.merge(stored({}, {A: 130, B: 5}), {B: 0}, set()))
    assert merged.downloaded == {B: 5}
