"""carrying.py (R43 F2): which of the owner's records from before a share's cut the cut's
covers account for, and what a later record may cover. Pure."""

from __future__ import annotations

import dataclasses

from client_sdk import carrying
from client_sdk import withholding as counting

OWNER, MEMBER = b"o" * 16, b"m" * 16
LAPTOP, PHONE = b"l" * 16, b"p" * 16


def late(device: bytes, counter: int, doc: bytes | None = b"d" * 16) -> carrying.Late:
    return carrying.Late(bytes([counter]) * 16, device, counter, doc, (7, counter), ())


def test_a_record_no_cover_of_the_cut_holds_is_late_only_once_a_cover_of_that_cut_is_known() -> (
    None
):
    found = [late(LAPTOP, 1), late(LAPTOP, 2), late(PHONE, 1)]
    assert carrying.uncovered(OWNER, found, None, 3) == []  # no boundary known: nothing
    value = carrying.with_covers(None, 3, [counting.Cover(OWNER, LAPTOP, ((1, 1),))])
    assert value is not None
    assert carrying.uncovered(OWNER, found, value, 3) == [found[1], found[2]]
    assert carrying.uncovered(OWNER, found, value, 4) == []  # kept for another cut
    # A member's cover never accounts for the owner's records.
    member = carrying.with_covers(value, 3, [counting.Cover(MEMBER, LAPTOP, ((2, 2),))])
    assert carrying.uncovered(OWNER, found, member, 3) == [found[1], found[2]]


def test_covers_of_a_new_cut_replace_those_of_the_last_and_nothing_new_writes_nothing() -> None:
    first = carrying.with_covers(None, 3, [counting.Cover(OWNER, LAPTOP, ((1, 4),))])
    assert carrying.with_covers(first, 3, [counting.Cover(OWNER, LAPTOP, ((2, 3),))]) is None
    second = carrying.with_covers(first, 5, [counting.Cover(OWNER, PHONE, ((1, 1),))])
    assert carrying.decode(second) == (5, (counting.Cover(OWNER, PHONE, ((1, 1),)),))
    assert carrying.decode("not json") is None and carrying.decode(None) is None


def test_a_later_record_leaves_out_what_the_cut_did_not_cover_unless_it_carries_it() -> None:
    value = carrying.with_covers(None, 3, [counting.Cover(OWNER, LAPTOP, ((1, 2),))])
    held = [(OWNER, LAPTOP, c) for c in (1, 2, 3, 5)] + [(OWNER, PHONE, 1)]
    left_out = carrying.not_accounted(held, value, 3, [(OWNER, PHONE, 1)])
    assert left_out == {(OWNER, LAPTOP, 3), (OWNER, LAPTOP, 5)}
    covers = [
        counting.Cover(OWNER, LAPTOP, ((1, 6),)),
        counting.Cover(OWNER, PHONE, ((1, 1),)),
        counting.Cover(MEMBER, LAPTOP, ((1, 9),)),
    ]
    assert carrying.trim(covers, left_out) == (
        counting.Cover(OWNER, LAPTOP, ((1, 2), (4, 4), (6, 6))),
        counting.Cover(OWNER, PHONE, ((1, 1),)),
        counting.Cover(MEMBER, LAPTOP, ((1, 9),)),
    )
    # No cover of the cut known: every record from before it is left out.
    assert carrying.not_accounted(held, None, 3) == frozenset(held)


def test_a_members_records_from_before_the_cut_are_left_out_by_author_and_device() -> None:
    """rev-ce2 F1: a record of a member that takes the cut (shared with again there) is
    accounted for only by the cut's covers of that member's device, never by another
    account's device of the same id."""
    tab = b"t" * 16
    value = carrying.with_covers(
        None, 3, [counting.Cover(MEMBER, tab, ((1, 1),)), counting.Cover(OWNER, LAPTOP, ((1, 4),))]
    )
    held = [(MEMBER, tab, 1), (MEMBER, tab, 2), (MEMBER, LAPTOP, 1), (OWNER, LAPTOP, 2)]
    left_out = carrying.not_accounted(held, value, 3)
    assert left_out == {(MEMBER, tab, 2), (MEMBER, LAPTOP, 1)}
    covers = [
        counting.Cover(MEMBER, tab, ((1, 2),)),
        counting.Cover(MEMBER, LAPTOP, ((1, 1),)),
        counting.Cover(OWNER, LAPTOP, ((1, 4),)),
    ]
    assert carrying.trim(covers, left_out) == (
        counting.Cover(MEMBER, tab, ((1, 1),)),
        counting.Cover(OWNER, LAPTOP, ((1, 4),)),
    )
    found = [
        carrying.Late(b"1" * 16, tab, 1, None, None, (), 1, MEMBER),
        carrying.Late(b"2" * 16, tab, 2, None, None, (), 1, MEMBER),
        carrying.Late(b"3" * 16, LAPTOP, 1, None, None, (), 1, MEMBER),
    ]
    assert carrying.uncovered(OWNER, found, value, 3) == found[1:]


def test_the_documents_to_carry_start_at_each_clients_first_late_change() -> None:
    doc_a, doc_b = b"a" * 16, b"b" * 16
    found = [
        carrying.Late(b"1" * 16, LAPTOP, 4, doc_a, (7, 10), ()),
        carrying.Late(b"2" * 16, LAPTOP, 5, None, None, ()),
        carrying.Late(b"3" * 16, LAPTOP, 6, doc_b, None, ()),
        carrying.Late(b"4" * 16, PHONE, 2, doc_a, (7, 4), (counting.Seen(OWNER, LAPTOP, 6),)),
    ]
    docs, since, seen = carrying.carry_inputs(found)
    assert docs == [doc_a, doc_b]
    assert since == {doc_a: {7: 4}}
    assert seen == {doc_a: (counting.Seen(OWNER, LAPTOP, 6),), doc_b: ()}


def test_records_kept_to_carry_read_back_as_written_and_join_once() -> None:
    journal = b"j" * 16
    first = carrying.Late(b"1" * 16, LAPTOP, 4, None, None, ())
    second = carrying.Late(
        b"2" * 16, LAPTOP, 5, b"a" * 16, (7, 10), (counting.Seen(OWNER, PHONE, 3),)
    )
    value = carrying.encode_pending({journal: [first, second], b"k" * 16: []})
    assert carrying.decode_pending(value) == {journal: [first, second]}
    assert carrying.encode_pending({journal: []}) is None
    assert carrying.decode_pending(None) == {} and carrying.decode_pending("[1]") == {}
    assert carrying.joined([first], [second, first]) == [first, second]


def test_a_members_late_record_keeps_its_author() -> None:
    journal = b"j" * 16
    member = carrying.Late(b"1" * 16, LAPTOP, 4, b"a" * 16, None, (), 2, MEMBER)
    no_epoch = carrying.Late(b"2" * 16, LAPTOP, 5, None, None, (), None, MEMBER)
    owner = carrying.Late(b"3" * 16, PHONE, 1, None, None, (), 2)
    value = carrying.encode_pending({journal: [member, no_epoch, owner]})
    assert carrying.decode_pending(value) == {journal: [member, no_epoch, owner]}
    assert member.signer(OWNER) == MEMBER and owner.signer(OWNER) == OWNER


def test_a_late_records_epoch_is_kept_and_one_kept_without_it_reads_as_unknown() -> None:
    journal = b"j" * 16
    with_epoch = carrying.Late(b"1" * 16, LAPTOP, 4, None, None, (), 0)
    value = carrying.encode_pending({journal: [with_epoch]})
    assert carrying.decode_pending(value) == {journal: [with_epoch]}
    assert value is not None
    older = value.replace(", 0]]", "]]")  # as an SDK before the epoch was kept wrote it
    assert older != value
    assert carrying.decode_pending(older) == {
        journal: [dataclasses.replace(with_epoch, epoch=None)]
    }
