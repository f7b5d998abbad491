"""A writer's seen vectors and covers within the limits readers take (client_sdk/withholding.py,
protocol.md 4.15 "Within the limits"): what it keeps, in which order, never more than it was
given, and always what a reader parses."""

from __future__ import annotations

import msgpack
import nacl.signing
import pytest

from client_sdk import records, wire
from client_sdk.errors import InvalidInput
from client_sdk.replica import snapshot_fits
from client_sdk.withholding import (
    ARRAY_BYTES,
    MAX_COUNTER,
    MAX_COVERS_BYTES,
    MAX_RANGES,
    MAX_SEEN,
    MAX_SEEN_BYTES,
    SEEN_ENTRY_BYTES,
    SEEN_SURE,
    Cover,
    CoverBudget,
    Seen,
    bounded_covers,
    bounded_in_order,
    bounded_seen,
    encode_covers,
    merge_covers,
    seen_bytes,
    superseding,
    writing_order,
)

OWNER, ME, MEMBER, OTHER = (bytes([n]) * 16 for n in (1, 2, 3, 4))
LAPTOP, PHONE = b"\x0a" * 16, b"\x0b" * 16


def device(n: int) -> bytes:
    return n.to_bytes(16, "big")


def reader_takes(covers: tuple[Cover, ...]) -> bool:
    """Whether a reader parses `covers` (records._parse_covers, as in a body)."""
    raw = msgpack.unpackb(encode_covers(covers), raw=False)
    return records._parse_covers(raw) is not None


def test_the_order_puts_the_writer_then_the_owner_then_its_account_then_accounts_in_turn() -> None:
    keys = [(MEMBER, device(n)) for n in range(3)] + [(OTHER, device(9))]
    keys += [(OWNER, PHONE), (ME, PHONE), (ME, LAPTOP)]
    assert writing_order(keys, OWNER, (ME, LAPTOP)) == [
        (ME, LAPTOP),
        (OWNER, PHONE),
        (ME, PHONE),
        (MEMBER, device(0)),
        (OTHER, device(9)),  # its first device, before the member's second
        (MEMBER, device(1)),
        (MEMBER, device(2)),
    ]


def test_within_each_group_the_device_heard_from_most_recently_comes_first() -> None:
    """REV-S2 note: the owner's devices (and each account's, in its turns) ranked by id put
    the owner's live devices behind its stale ids at random. With a recency (the highest
    seq heard from each device), the most recent first in every group; ties and devices
    never heard from by id; the groups and the turns (one device per account per turn) as
    before."""
    keys = [(OWNER, device(n)) for n in range(4)] + [(MEMBER, device(n)) for n in range(3)]
    keys += [(OTHER, device(9)), (OTHER, device(8)), (ME, LAPTOP)]
    heard = {(OWNER, device(3)): 50, (OWNER, device(1)): 40, (MEMBER, device(2)): 30}
    heard |= {(OTHER, device(9)): 10, (ME, LAPTOP): 1}
    assert writing_order(keys, OWNER, (ME, LAPTOP), heard) == [
        (ME, LAPTOP),
        (OWNER, device(3)),
        (OWNER, device(1)),
        (OWNER, device(0)),
        (OWNER, device(2)),
        (MEMBER, device(2)),  # each account's most recent in its first turn
        (OTHER, device(9)),
        (MEMBER, device(0)),
        (OTHER, device(8)),
        (MEMBER, device(1)),
    ]
    assert writing_order(keys, OWNER, (ME, LAPTOP), {}) == writing_order(keys, OWNER, (ME, LAPTOP))


def test_an_owner_with_many_stale_devices_keeps_its_live_ones_in_the_seen_vector() -> None:
    """More stale device ids of the owner than the bytes hold, all sorting before its two
    live ones: by id the live phone was left out; by recency it stays."""
    stale = [Seen(OWNER, device(n), 2**40) for n in range(SEEN_SURE + 20)]
    phone = Seen(OWNER, b"\xff" * 16, 3)
    seen = sorted([*stale, phone], key=lambda s: (s.author, s.device))
    heard = {(s.author, s.device): n for n, s in enumerate(stale, 1)}
    heard[(OWNER, phone.device)] = len(stale) + 10
    assert phone not in bounded_seen(seen, OWNER, (OWNER, LAPTOP))  # the order by id
    kept = bounded_seen(seen, OWNER, (OWNER, LAPTOP), heard)
    assert phone in kept and seen_bytes(kept) <= MAX_SEEN_BYTES


def test_a_seen_vector_keeps_within_its_bytes_the_owners_and_other_accounts_first() -> None:
    """More devices than MAX_SEEN_BYTES holds (REV-S1 F1: a seen vector of MAX_SEEN devices
    took up to 46 KB): the longest start of the writing order within the bytes, so the
    owner's device and the other account's first one, never a device beyond the order's
    start; what a reader parses, and as many as fit."""
    seen = [Seen(MEMBER, device(n), 1) for n in range(MAX_SEEN + 10)]
    seen += [Seen(OWNER, PHONE, 7), Seen(OTHER, device(5), 2)]
    kept = bounded_seen(sorted(seen, key=lambda s: (s.author, s.device)), OWNER, (ME, LAPTOP))
    assert seen_bytes(kept) <= MAX_SEEN_BYTES < seen_bytes(kept) + 46
    assert len(kept) == (MAX_SEEN_BYTES - ARRAY_BYTES) // (SEEN_ENTRY_BYTES + 1)  # counters < 128
    assert kept == tuple(sorted(kept, key=lambda s: (s.author, s.device)))
    assert Seen(OWNER, PHONE, 7) in kept and Seen(OTHER, device(5), 2) in kept
    order = writing_order([(s.author, s.device) for s in seen], OWNER, (ME, LAPTOP))
    assert {(s.author, s.device) for s in kept} == set(order[: len(kept)])
    assert set(kept) <= set(seen)
    raw = msgpack.unpackb(msgpack.packb([[s.author, s.device, s.counter] for s in kept]))
    assert len(msgpack.packb(raw)) <= seen_bytes(kept)  # counted never below the encoding
    assert records._parse_seen(raw, (ME, LAPTOP))


def test_a_member_with_the_largest_counters_adds_at_most_the_seen_budget_to_a_record() -> None:
    """A member's MAX_SEEN device ids with counters past 2^32 (46 bytes each): the seen
    vector the owner's device signs stays within MAX_SEEN_BYTES, the owner's other device
    in it; a short record with it stays a few KB (it was ~47 KB, REV-S1 F1)."""
    seen = [Seen(MEMBER, device(n), 2**40) for n in range(MAX_SEEN)] + [Seen(OWNER, PHONE, 3)]
    kept = bounded_seen(sorted(seen, key=lambda s: (s.author, s.device)), OWNER, (OWNER, LAPTOP))
    assert Seen(OWNER, PHONE, 3) in kept
    assert seen_bytes(kept) <= MAX_SEEN_BYTES
    body = records.RecordBody(
        OWNER, LAPTOP, 9, bytes(16), "entry", records.UPDATE, b"short", 1, seen=kept
    )
    assert len(body.to_bytes()) <= MAX_SEEN_BYTES + 256


def test_a_seen_vector_within_the_bytes_is_never_cut() -> None:
    """SEEN_SURE devices, whatever their counters, always fit: nothing is cut."""
    seen = tuple(Seen(MEMBER, device(n), MAX_COUNTER) for n in range(SEEN_SURE))
    assert bounded_seen(seen, OWNER, (ME, LAPTOP)) == seen
    assert seen_bytes(seen) <= MAX_SEEN_BYTES


def test_a_seen_vector_within_the_limits_is_unchanged() -> None:
    seen = (Seen(MEMBER, device(1), 3), Seen(OWNER, PHONE, 2))
    assert bounded_seen(seen, OWNER, (ME, LAPTOP)) == tuple(sorted(seen, key=lambda s: s.author))


def test_scattered_counters_of_one_device_keep_the_lowest_ranges_and_the_cuts_mark() -> None:
    scattered = Cover(MEMBER, PHONE, tuple((c, c) for c in range(1, 2 * MAX_RANGES + 20, 2)))
    mark = Cover(OWNER, LAPTOP, ((50, 50),))
    own = Cover(OWNER, LAPTOP, ((1, 48),))
    kept = bounded_covers([scattered, own], OWNER, (OWNER, LAPTOP), keep=[mark])
    assert reader_takes(kept)
    by_device = {(c.author, c.device): c.ranges for c in kept}
    assert by_device[(OWNER, LAPTOP)] == ((1, 48), (50, 50))
    assert by_device[(MEMBER, PHONE)] == scattered.ranges[:MAX_RANGES]


def test_more_devices_than_max_seen_keep_the_owners_and_one_of_each_account_first() -> None:
    many = [Cover(MEMBER, device(n), ((1, 5),)) for n in range(MAX_SEEN + 3)]
    others = [Cover(OWNER, PHONE, ((1, 9),)), Cover(OTHER, device(7), ((1, 1),))]
    kept = bounded_covers([*many, *others], OWNER, (OWNER, LAPTOP))
    assert len(kept) == MAX_SEEN and reader_takes(kept)
    assert set(others) <= set(kept) and set(kept) <= set([*many, *others])


def test_covers_within_the_limits_are_only_merged() -> None:
    covers = [Cover(MEMBER, PHONE, ((3, 4),)), Cover(MEMBER, PHONE, ((1, 2),))]
    assert bounded_covers(covers, OWNER, (OWNER, LAPTOP)) == (Cover(MEMBER, PHONE, ((1, 4),)),)


def test_the_largest_counters_keep_covers_within_their_bytes() -> None:
    """A member signs the largest counters there are (9 bytes each in msgpack): the covers
    stay within MAX_COVERS_BYTES, and a cut carrying them and a full seen vector fits in one
    record."""
    top = MAX_COUNTER - 4 * MAX_RANGES
    many = [
        Cover(MEMBER, device(n), tuple((top + 2 * c, top + 2 * c) for c in range(40)))
        for n in range(MAX_SEEN)
    ]
    kept = bounded_covers(many, OWNER, (OWNER, LAPTOP), keep=[Cover(OWNER, LAPTOP, ((9, 9),))])
    assert reader_takes(kept)
    assert len(encode_covers(kept)) <= MAX_COVERS_BYTES
    assert not CoverBudget().add(many)  # all of them would not fit
    seen = tuple(Seen(MEMBER, device(n), MAX_COUNTER) for n in range(MAX_SEEN))
    cut = records.RecordBody(
        OWNER, LAPTOP, 9, records.NO_DOCUMENT, "", records.VOID, b"", 1, seen, kept
    )
    key = nacl.signing.SigningKey(bytes(32))
    sealed = records.seal_record(bytes(32), bytes(16), bytes(16), 0, cut, key)
    assert len(sealed) <= wire.MAX_RECORD_BYTES


def test_compaction_supersedes_the_updates_after_a_full_snapshot_and_leaves_it() -> None:
    """A full snapshot (MAX_RANGES ranges of one device) oldest in its document, then
    updates one range each: all the updates are superseded, the snapshot is left (oldest
    first took the snapshot alone, and nothing was compacted: REV-S1 F2); the ids oldest
    first, the covers those of the records taken."""
    full = Cover(ME, LAPTOP, tuple((c, c) for c in range(1, 2 * MAX_RANGES, 2)))
    updates = [
        (bytes([n]) * 16, (Cover(ME, LAPTOP, ((c, c),)),))
        for n, c in enumerate([3000, 3002, 3004], 1)
    ]
    accounts = [(b"S" * 16, (full,)), *updates]
    ids, covers = superseding(accounts)
    assert ids == [record_id for record_id, _ in updates]
    assert covers == merge_covers(c for _, cs in updates for c in cs)
    # Without the full one, oldest first and all of them: as before.
    assert superseding(updates)[0] == [record_id for record_id, _ in updates]
    # A snapshot that fits beside the updates is superseded with them.
    small = Cover(ME, LAPTOP, tuple((c, c) for c in range(1, 21, 2)))
    ids, _ = superseding([(b"S" * 16, (small,)), *updates])
    assert ids == [b"S" * 16, *(record_id for record_id, _ in updates)]


def test_a_budget_adds_all_or_nothing() -> None:
    budget = CoverBudget()
    assert budget.add([Cover(MEMBER, PHONE, tuple((c, c) for c in range(1, 2 * MAX_RANGES, 2)))])
    assert not budget.add([Cover(MEMBER, PHONE, ((5000, 5000),))])
    assert budget.add([Cover(MEMBER, PHONE, ((2, 2),))])  # merges two ranges: fewer
    assert budget.add([Cover(OWNER, LAPTOP, ((1, 3),))])
    assert len(budget.covers()) == 2 and reader_takes(budget.covers())


def test_withdrawals_past_the_limits_are_carried_in_parts_none_lost() -> None:
    withdrawn = [Cover(ME, LAPTOP, tuple((c, c) for c in range(1, 4 * MAX_RANGES, 2)))]
    taken, rest = bounded_in_order(withdrawn)
    assert reader_takes(taken)
    assert merge_covers([*taken, *rest]) == merge_covers(withdrawn)
    again, left = bounded_in_order(rest)
    assert left == () and merge_covers([*taken, *again]) == merge_covers(withdrawn)


def test_a_body_past_the_limits_is_never_signed() -> None:
    seen = tuple(Seen(MEMBER, device(n), 1) for n in range(MAX_SEEN + 1))
    body = records.RecordBody(
        OWNER, LAPTOP, 1, bytes(16), "entry", records.UPDATE, b"", 1, seen=seen
    )
    with pytest.raises(InvalidInput):
        body.to_bytes()
    scattered = (Cover(MEMBER, PHONE, tuple((c, c) for c in range(1, 2 * MAX_RANGES + 3, 2))),)
    with pytest.raises(InvalidInput):
        records.RecordBody(
            OWNER, LAPTOP, 1, bytes(16), "entry", records.UPDATE, b"", 1, covers=scattered
        ).to_bytes()


def test_a_payload_snapshot_fits_takes_fits_with_a_full_seen_vector() -> None:
    """`snapshot_fits` keeps SNAPSHOT_SLACK for a record's other fields: with a seen vector
    at its byte budget (the largest counters) and no covers, the longest payload it takes
    still seals within one record (it did not with MAX_SEEN devices: REV-S1 F1)."""
    low, high = 0, 1 << 18
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if snapshot_fits(bytes(mid)) else (low, mid - 1)
    seen = bounded_seen(
        tuple(Seen(MEMBER, device(n), MAX_COUNTER) for n in range(MAX_SEEN)), OWNER, (OWNER, LAPTOP)
    )
    assert seen_bytes(seen) <= MAX_SEEN_BYTES < seen_bytes(seen) + 46
    body = records.RecordBody(
        OWNER, LAPTOP, MAX_COUNTER, bytes(16), "entry", records.SNAPSHOT, bytes(low), 1, seen
    )
    key = nacl.signing.SigningKey(bytes(32))
    assert len(records.seal_record(bytes(32), bytes(16), bytes(16), 0, body, key)) <= (
        wire.MAX_RECORD_BYTES
    )
