"""The pure withholding checker (client_sdk/withholding.py): counter ranges against a set
model, gaps whatever the delivery order, claims, covers and who may give them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client_sdk.errors import IntegrityError
from client_sdk.withholding import (
    Cover,
    DeviceCounters,
    Gap,
    JournalCounters,
    Seen,
    add_range,
    check_covers,
    check_own_covers,
    compress,
    decode_covers,
    encode_covers,
    gaps,
    in_ranges,
    is_cut,
    merge_covers,
    without,
)

OWNER, MEMBER = b"\x01" * 16, b"\x02" * 16
LAPTOP, PHONE, TABLET = b"\x0a" * 16, b"\x0b" * 16, b"\x0c" * 16
JOURNAL = b"\x22" * 16

spans = st.lists(
    st.tuples(st.integers(1, 60), st.integers(0, 6)).map(lambda p: (p[0], p[0] + p[1])),
    max_size=15,
)


def as_set(ranges: list[tuple[int, int]]) -> set[int]:
    return {c for lo, hi in ranges for c in range(lo, hi + 1)}


@given(spans)
def test_ranges_stay_sorted_disjoint_and_hold_exactly_what_was_added(
    added: list[tuple[int, int]],
) -> None:
    ranges: list[tuple[int, int]] = []
    for lo, hi in added:
        add_range(ranges, lo, hi)
    assert as_set(ranges) == as_set(added)
    for (lo1, hi1), (lo2, hi2) in zip(ranges, ranges[1:], strict=False):
        assert lo1 <= hi1 and hi1 + 1 < lo2 <= hi2  # neither overlapping nor touching


@given(spans, st.integers(0, 80))
def test_in_ranges_holds_exactly_the_counters_added(
    added: list[tuple[int, int]], counter: int
) -> None:
    ranges: list[tuple[int, int]] = []
    for lo, hi in added:
        add_range(ranges, lo, hi)
    assert in_ranges(ranges, counter) == (counter in as_set(added))


@given(spans, st.integers(0, 80))
def test_gaps_are_the_missing_counters_up_to_the_limit(
    added: list[tuple[int, int]], upto: int
) -> None:
    ranges = compress(as_set(added))
    assert as_set(gaps(ranges, upto)) == set(range(1, upto + 1)) - as_set(added)


def test_counters_received_in_order_stay_one_range() -> None:
    state = DeviceCounters()
    for counter in range(1, 10_001):
        add_range(state.received, counter, counter)
    assert state.received == [(1, 10_000)] and state.missing() == []


deliveries = st.lists(st.integers(1, 30), min_size=1, max_size=30, unique=True)


@given(deliveries, st.randoms())
def test_the_gaps_do_not_depend_on_the_delivery_order(delivered: list[int], rng: object) -> None:
    def check(order: list[int]) -> list[Gap]:
        counters = JournalCounters(JOURNAL)
        for counter in order:
            counters.record(OWNER, LAPTOP, counter, [Seen(OWNER, PHONE, counter // 2 or 1)])
        return counters.gaps()

    shuffled = list(delivered)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert check(delivered) == check(shuffled)
    top = max(delivered)
    [laptop] = [g for g in check(delivered) if g.device == LAPTOP] or [None]
    missing = set(range(1, top + 1)) - set(delivered)
    assert (as_set(list(laptop.missing)) if laptop else set()) == missing


def test_a_claim_beyond_what_arrived_is_a_gap_named_after_its_claimant() -> None:
    counters = JournalCounters(JOURNAL)
    counters.record(OWNER, LAPTOP, 1)
    counters.record(OWNER, PHONE, 1, [Seen(OWNER, LAPTOP, 3)])
    assert counters.gaps() == [Gap(JOURNAL, OWNER, LAPTOP, ((2, 3),), OWNER + PHONE)]
    counters.record(OWNER, LAPTOP, 4)  # a later record of the device itself now shows it
    assert counters.gaps() == [Gap(JOURNAL, OWNER, LAPTOP, ((2, 3),), b"")]
    counters.cover([Cover(OWNER, LAPTOP, ((2, 3),))])
    assert counters.gaps() == []


def test_an_acknowledged_own_record_must_come_back() -> None:
    counters = JournalCounters(JOURNAL)
    counters.acknowledged(OWNER, TABLET, 2)
    counters.received(OWNER, TABLET, 1)
    assert counters.gaps() == [Gap(JOURNAL, OWNER, TABLET, ((2, 2),), OWNER + TABLET)]
    counters.received(OWNER, TABLET, 2)
    assert counters.gaps() == []


def test_the_seen_vector_names_every_other_device_once_sorted() -> None:
    counters = JournalCounters(JOURNAL)
    counters.record(OWNER, PHONE, 1)
    counters.record(OWNER, LAPTOP, 1)
    counters.record(OWNER, LAPTOP, 2)
    counters.record(MEMBER, TABLET, 1)
    counters.acknowledged(OWNER, PHONE, 5)  # claims are not what this device saw
    assert counters.seen_vector(OWNER, PHONE) == (
        Seen(OWNER, LAPTOP, 2),
        Seen(MEMBER, TABLET, 1),
    )
    assert counters.accounted() == (
        Cover(OWNER, LAPTOP, ((1, 2),)),
        Cover(OWNER, PHONE, ((1, 1),)),
        Cover(MEMBER, TABLET, ((1, 1),)),
    )


def test_the_owner_may_cover_anyone_a_member_only_its_own_account() -> None:
    others = [Cover(OWNER, LAPTOP, ((1, 1),))]
    own = [Cover(MEMBER, TABLET, ((1, 4),))]
    check_covers(OWNER, OWNER, [*others, *own], bytes(16))
    check_covers(MEMBER, OWNER, own, bytes(16))
    with pytest.raises(IntegrityError, match="forged coverage"):
        check_covers(MEMBER, OWNER, others, b"\x05" * 16)


def test_a_member_covers_only_counters_of_its_own_device_below_its_own() -> None:
    """A member's withdrawals and snapshots cover counters drawn before the record carrying
    them; covering its own device's counter or any above it is forged (the owner's cuts and
    snapshots may). Another device id of its account is not bounded here."""
    below = [Cover(MEMBER, TABLET, ((1, 4),))]
    check_own_covers(MEMBER, TABLET, 5, OWNER, below, bytes(16))
    check_own_covers(MEMBER, PHONE, 2, OWNER, below, bytes(16))  # another device id
    check_own_covers(OWNER, LAPTOP, 3, OWNER, [Cover(OWNER, LAPTOP, ((1, 9),))], bytes(16))
    for ranges in (((1, 5),), ((6, 1000),), ((1, 2), (7, 7))):
        with pytest.raises(IntegrityError, match="forged coverage"):
            check_own_covers(
                MEMBER, TABLET, 5, OWNER, [Cover(MEMBER, TABLET, ranges)], b"\x05" * 16
            )


def test_covers_merge_per_device_and_round_trip() -> None:
    merged = merge_covers(
        [
            Cover(OWNER, PHONE, ((5, 6),)),
            Cover(OWNER, LAPTOP, ((1, 2),)),
            Cover(OWNER, PHONE, ((1, 4), (9, 9))),
        ]
    )
    assert merged == (Cover(OWNER, LAPTOP, ((1, 2),)), Cover(OWNER, PHONE, ((1, 6), (9, 9))))
    assert decode_covers(encode_covers(merged)) == merged


def test_device_state_round_trips() -> None:
    state = DeviceCounters([(1, 3), (7, 7)], 9, OWNER + PHONE)
    assert DeviceCounters.decode(state.encode(), 9, OWNER + PHONE) == state


def test_a_cut_is_a_record_whose_covers_name_its_own_counter() -> None:
    """protocol.md 4.18 "Cuts": the mark is the record's own (author, device, counter) in
    its covers; another device's counter, or an earlier one of its own, is no mark."""
    history = Cover(OWNER, LAPTOP, ((1, 6),))
    assert is_cut(OWNER, LAPTOP, 7, [history, Cover(OWNER, LAPTOP, ((7, 7),))])
    assert not is_cut(OWNER, LAPTOP, 7, [history])
    assert not is_cut(OWNER, LAPTOP, 7, [Cover(OWNER, PHONE, ((7, 7),))])
    assert not is_cut(OWNER, LAPTOP, 7, [Cover(MEMBER, LAPTOP, ((7, 7),))])
    assert not is_cut(OWNER, LAPTOP, 7, [])


@given(
    st.lists(st.tuples(st.integers(1, 60), st.integers(0, 8)), max_size=8),
    st.lists(st.integers(1, 80), max_size=20),
)
def test_without_takes_single_counters_out_of_covers(
    spans: list[tuple[int, int]], taken: list[int]
) -> None:
    """`without` against a set model: what the covers name less the counters taken out,
    merged as `merge_covers` gives them; another device's counters are untouched."""
    covers = [Cover(OWNER, LAPTOP, ((lo, lo + n),)) for lo, n in spans]
    covers.append(Cover(OWNER, PHONE, ((1, 5),)))
    named = {c for lo, n in spans for c in range(lo, lo + n + 1)}
    left = without(covers, [(OWNER, LAPTOP, c) for c in taken])
    expected = merge_covers(
        [Cover(OWNER, LAPTOP, ((c, c),)) for c in sorted(named - set(taken))]
        + [Cover(OWNER, PHONE, ((1, 5),))]
    )
    assert left == expected
