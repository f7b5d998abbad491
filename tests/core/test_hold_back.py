"""hold_back.HoldBack, sync.full_reply and chains.reply_bound: the pull's bookkeeping against
R15 findings 1, 2, 3 and 5 and R18 finding 1 (`HoldBack.merge`), without I/O."""

from __future__ import annotations

import json

from client_sdk import forgotten, hold_back, wire
from client_sdk.chains import MAX_CHAIN_REPLIES, reply_bound
from client_sdk.hold_back import UNVERIFIED_SHARE_BYTES, HoldBack, decode, encode
from client_sdk.sync import REPLY_BYTES, full_reply, within_reply_bytes

A, B = bytes(15) + b"\x01", bytes(15) + b"\x02"
SIZE = 100_000


def record(seq: int, size: int = SIZE) -> wire.StoredRecord:
    return wire.StoredRecord(seq, seq.to_bytes(16, "big"), 0, bytes(size))


def page(journal_id: bytes, seqs: range, head: int) -> wire.JournalPage:
    records = [record(s) for s in seqs]
    return wire.JournalPage(journal_id, records, records[-1].seq if records else 0, head, 1)


def test_one_budget_bounds_every_unverified_journal_together() -> None:
    hold = HoldBack({})
    hold.count(A, 300_000)
    hold.count(B, 200_000)
    hold.count(A, 300_000)  # once a pull
    assert hold.kept == 500_000 and not hold.full
    cut = hold.cut(0, page(A, range(1, 6), head=10))
    # the record that reaches the bound is kept, the rest cut; nothing skipped
    assert [r.seq for r in cut.records] == [1] and cut.cursor == 1
    assert hold.full and hold.held == {A} and hold.announced == {A: 10}
    other = hold.cut(7, page(B, range(8, 10), head=9))
    assert other.records == [] and other.cursor == 7
    assert hold.held == {A, B} and hold.announced == {A: 10, B: 9}


def test_a_page_within_the_budget_is_kept_whole_and_holds_nothing() -> None:
    hold = HoldBack({})
    whole = page(A, range(1, 4), head=3)
    assert hold.cut(0, whole) == whole
    assert not hold.held and not hold.announced
    assert hold.kept == 3 * SIZE < UNVERIFIED_SHARE_BYTES


def test_a_page_that_ends_at_the_budget_before_its_head_holds_its_journal() -> None:
    hold = HoldBack({})
    hold.count(A, UNVERIFIED_SHARE_BYTES - SIZE)
    short = page(A, range(1, 2), head=5)
    assert hold.cut(0, short) == short
    assert hold.held == {A} and hold.announced == {A: 5}


def test_an_announced_head_is_the_devices_own_record_until_the_cursor_reaches_it() -> None:
    hold = decode(encode(HoldBack({A: 40, B: 7})))
    assert hold.announced == {A: 40, B: 7}
    hold.announce(A, 30)  # a server's lower head never lowers what was announced
    assert hold.announced[A] == 40
    assert hold.lowered(A, 30) == 40 and hold.lowered(A, 40) is None
    assert hold.lowered(bytes(16), 0) is None
    hold = decode(hold.merge(encode(HoldBack({A: 40, B: 7})), {A: 39, B: 7}, set()))
    assert hold.announced == {A: 40}
    hold = decode(hold.merge(encode(hold), {B: 7}, set()))  # a journal gone is forgotten
    assert hold.announced == {}


def test_a_damaged_stored_hold_back_reads_as_nothing_announced() -> None:
    for value in (None, "", "[1]", "{", '{"zz": 1}', '{"00": "x"}', 5, '{"announced": 3}'):
        hold = decode(value)
        assert hold.announced == {} and hold.downloaded == {}
    assert decode('{"announced": {}, "downloaded": {"zz": 1}}').downloaded == {}


def test_the_form_stored_before_downloaded_bytes_were_counted_still_reads() -> None:
    hold = decode(json.dumps({A.hex(): 40}))
    assert hold.announced == {A: 40} and hold.downloaded == {}


def test_what_was_received_and_not_kept_counts_at_the_next_pull_too() -> None:
    """R15 finding O2: a page of records the member never keeps (sealed before its share,
    or refused) fills the budget; the next pull starts from what was received, not from the
    document state kept (here none), so it lets nothing more through."""
    first = HoldBack({})
    first.count(A, 0)
    first.cut(0, page(A, range(1, 11), head=20))
    assert first.held == {A} and first.downloaded[A] >= UNVERIFIED_SHARE_BYTES
    nxt = decode(first.merge(None, {A: 6}, set()))
    nxt.count(A, 0)  # no document state kept: every record was history
    assert nxt.full and nxt.kept == first.downloaded[A]
    assert nxt.cut(6, page(A, range(7, 9), head=20)).records == []
    # document state beyond what was counted (kept before this was counted) counts instead
    other = HoldBack({})
    other.count(B, 300_000)
    assert other.downloaded == {B: 300_000}


def test_what_was_received_is_forgotten_once_the_owner_is_verified_or_the_journal_gone() -> None:
    hold = decode(encode(HoldBack({}, {A: 600_000, B: 100_000})))
    hold = decode(hold.merge(encode(hold), {A: 5, B: 5}, {A}))  # A's owner verified
    assert hold.downloaded == {B: 100_000}
    hold = decode(hold.merge(encode(hold), {}, set()))  # B no longer on the device
    assert hold.downloaded == {}


def test_a_reply_is_full_by_records_or_by_bytes() -> None:
    def reply(*pages: wire.JournalPage) -> wire.SyncReply:
        return wire.SyncReply(list(pages), False)

    assert full_reply(reply(page(A, range(1, 3), 9), page(B, range(3, 5), 9)), 4)
    assert not full_reply(reply(page(A, range(1, 2), 10**15)), 1000)
    # 15 records of the largest size leave room for one more in 4 MiB; a byte more does not
    big = wire.MAX_RECORD_BYTES
    room = [record(s, big) for s in range(1, REPLY_BYTES // big)]
    assert not full_reply(reply(wire.JournalPage(A, room, room[-1].seq, 10**6, 1)), 1000)
    fill = [*room, record(16, 1)]
    assert full_reply(reply(wire.JournalPage(A, fill, fill[-1].seq, 10**6, 1)), 1000)


def test_a_chain_walk_gets_the_replies_an_honest_server_needs_and_no_more() -> None:
    assert reply_bound(1) == 3
    assert reply_bound(wire.MAX_CHAIN_PAGE) == 3
    assert reply_bound(wire.MAX_CHAIN_PAGE + 1) == 4
    assert reply_bound(10**9) == MAX_CHAIN_REPLIES


C = bytes(15) + b"\x03"


def stored(announced: dict[bytes, int], downloaded: dict[bytes, int]) -> str:
    return encode(HoldBack(announced, downloaded))


def test_concurrent_increments_add_up_and_heads_take_the_higher() -> None:
    """R18 finding 1: another client of the profile pulled while this one did."""
    hold = decode(stored({A: 10}, {A: 100}))  # what this pull read at its start
    hold.count(A, 0)
    hold.cut(0, page(A, range(1, 2), head=1))  # this pull lets SIZE bytes through
    hold.announce(A, 12)
    # Meanwhile another client counted 70 more of A, and learned B.
    merged = decode(hold.merge(stored({A: 15, B: 9}, {A: 170, B: 30}), {A: 5, B: 0}, set()))
    assert merged.downloaded == {A: 170 + SIZE, B: 30}
    assert merged.announced == {A: 15, B: 9}


def test_what_this_pull_read_is_not_counted_twice() -> None:
    hold = decode(stored({}, {A: 100}))
    hold.count(A, 0)
    merged = decode(hold.merge(stored({}, {A: 100}), {A: 0}, set()))
    assert merged.downloaded == {A: 100}


def test_a_head_is_forgotten_only_once_the_stored_cursor_reached_the_higher_head() -> None:
    hold = decode(stored({A: 10, B: 10, C: 10}, {}))
    # Another client announced a higher head for A; C's journal is gone from the device.
    merged = decode(hold.merge(stored({A: 20, B: 10, C: 10}, {}), {A: 10, B: 10}, set()))
    assert merged.announced == {A: 20}


def test_a_count_another_client_raised_is_kept_even_if_this_pull_saw_the_owner_verified() -> None:
    hold = decode(stored({}, {A: 100, B: 100}))
    merged = decode(hold.merge(stored({}, {A: 100, B: 160, C: 40}), {A: 0, B: 0, C: 0}, {A, B, C}))
    # A: untouched since this pull read it, owner verified: forgotten. B and C: counted by
    # another client meanwhile: kept until a pull that sees them as they are forgets them.
    assert merged.downloaded == {B: 160, C: 40}
    again = decode(stored({}, merged.downloaded))
    assert decode(again.merge(stored({}, merged.downloaded), {B: 0, C: 0}, {B, C})) == (
        HoldBack({}, {})
    )


def test_a_count_of_a_journal_gone_from_the_device_is_forgotten() -> None:
    hold = decode(stored({}, {A: 100}))
    merged = decode(hold.merge(stored({}, {A: 130, B: 5}), {B: 0}, set()))
    assert merged.downloaded == {B: 5}


def test_a_forgotten_journal_stops_counting_and_is_announced_no_more() -> None:
    kept, gone = b"k" * 16, b"g" * 16
    hold = hold_back.HoldBack({gone: 9, kept: 4}, {gone: 400_000, kept: 100})
    hold.count(gone, 0)
    hold.count(kept, 0)
    hold.hold(gone, 9)
    hold.forget(gone)
    assert hold.announced == {kept: 4} and hold.downloaded == {kept: 100}
    assert gone not in hold.counted and gone not in hold.held
    assert hold_back.decode(hold_back.encode(hold)).downloaded == {kept: 100}
    assert gone.hex() not in hold_back.encode(hold)


def test_a_forgotten_journal_is_kept_as_a_tag_that_does_not_hold_its_id() -> None:
    journal = bytes(range(16))
    tag = forgotten.tag(journal)
    assert len(bytes.fromhex(tag)) == 32 and journal.hex() not in tag
    assert tag != forgotten.tag(bytes(16))
    assert forgotten.decode(forgotten.encode({tag})) == {tag}
    assert forgotten.decode("not json") == set() and forgotten.decode('{"a": 1}') == set()


def test_a_record_counts_its_payload_as_opened_when_more_than_its_ciphertext() -> None:
    """rev-zip Z1: a compressed payload is kept inflated (up to 8 times its ciphertext), so
    the budget counts the larger of the two; `within` is what `cut` may let through by
    ciphertext, the records whose payloads are read first."""
    hold = HoldBack({})
    pages = page(A, range(1, 9), head=8)
    assert [r.seq for r in hold.within(pages)] == [1, 2, 3, 4, 5, 6]  # 6 x 100 KB reach it
    inflated = {r.record_id: 8 * SIZE for r in pages.records}
    cut = hold.cut(0, pages, inflated)
    assert [r.seq for r in cut.records] == [1] and cut.cursor == 1  # 800 KB reach it
    assert hold.kept == hold.downloaded[A] == hold.added[A] == 8 * SIZE
    assert hold.held == {A}
    smaller = HoldBack({})  # a payload smaller than its ciphertext counts the ciphertext
    assert smaller.cut(0, page(B, range(1, 3), head=2), {record(1).record_id: 10}).records
    assert smaller.kept == 2 * SIZE


def test_a_reply_holds_no_more_than_an_honest_servers_records() -> None:
    """rev-zip Z2: the records past REPLY_BYTES (over all pages, in order, a page's first
    record kept while budget remains, as the server sends it) wait for the next request: a
    cut page ends at its last record kept (none: the `after` asked), and the reply is not
    done; an honest reply is returned as it is."""
    big = 200_000
    first = wire.JournalPage(A, [record(s, big) for s in range(1, 16)], 15, 40, 1)
    second = wire.JournalPage(B, [record(s, big) for s in range(50, 60)], 59, 59, 1)
    request = wire.SyncRequest([wire.Cursor(A, 0), wire.Cursor(B, 49)], 1000)
    honest = wire.SyncReply([first], done=False)
    assert within_reply_bytes(request, honest) is honest
    reply = within_reply_bytes(request, wire.SyncReply([first, second], done=True))
    assert not reply.done
    kept = [r for p in reply.pages for r in p.records]
    assert sum(len(r.ciphertext) for r in kept) <= REPLY_BYTES < (len(kept) + 1) * big
    assert reply.pages[0].records == first.records and reply.pages[0].cursor == 15
    assert [r.seq for r in reply.pages[1].records] == list(range(50, 50 + len(kept) - 15))
    assert reply.pages[1].cursor == reply.pages[1].records[-1].seq
    # As the server does (rev-r2 R2-1): while budget remains after the pages before, a page
    # keeps its first record whatever its size; once the pages before reach REPLY_BYTES, none.
    one_past = within_reply_bytes(
        request, wire.SyncReply([wire.JournalPage(B, second.records * 3, 59, 59, 1), first], True)
    )
    assert sum(len(r.ciphertext) for r in one_past.pages[0].records) < REPLY_BYTES
    assert one_past.pages[1].records == first.records[:1] and one_past.pages[1].cursor == 1
    full = 256 * 1024
    filled = wire.JournalPage(B, [record(s, full) for s in range(50, 50 + 16)], 65, 65, 1)
    assert 16 * full == REPLY_BYTES
    none_left = within_reply_bytes(request, wire.SyncReply([filled, first], True))
    assert none_left.pages[0].records == filled.records and not none_left.done
    assert none_left.pages[1].records == [] and none_left.pages[1].cursor == 0
