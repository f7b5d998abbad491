"""hold_back.HoldBack, sync.full_reply and chains.reply_bound: the pull's bookkeeping against
R15 findings 1, 2, 3 and 5, without I/O."""

from __future__ import annotations

from client_sdk import wire
from client_sdk.chains import MAX_CHAIN_REPLIES, reply_bound
from client_sdk.hold_back import UNVERIFIED_SHARE_BYTES, HoldBack, decode, encode
from client_sdk.sync import REPLY_BYTES, full_reply

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
    hold = HoldBack(decode(encode({A: 40, B: 7})))
    assert hold.announced == {A: 40, B: 7}
    hold.announce(A, 30)  # a server's lower head never lowers what was announced
    assert hold.announced[A] == 40
    assert hold.lowered(A, 30) == 40 and hold.lowered(A, 40) is None
    assert hold.lowered(bytes(16), 0) is None
    hold.settle({A: 39, B: 7})
    assert hold.announced == {A: 40}
    hold.settle({B: 7})  # a journal no longer on the device is forgotten
    assert hold.announced == {}


def test_a_damaged_stored_hold_back_reads_as_nothing_announced() -> None:
    for value in (None, "", "[1]", "{", '{"zz": 1}', '{"00": "x"}', 5):
        assert decode(value) == {}


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
